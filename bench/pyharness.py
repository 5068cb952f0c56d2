"""What bench/py_w1.py and bench/py_w2.py share: choosing the library,
the common command-line options, and the timed (optionally profiled) runs.

Each program is plain h2 code; ``--lib`` only chooses whether its modules
come from ``h2`` or ``libh2``.
"""
import argparse
import importlib
import sys
import time


def load(lib, names):
    """Import the modules ``names`` of ``lib`` into a dict, with its
    ``version``."""
    mods = {name: importlib.import_module(lib + "." + name) for name in names}
    mods["version"] = getattr(importlib.import_module(lib), "__version__",
                              "?")
    return mods


def parser(description):
    """An argument parser with the options both programs take."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--lib", choices=("libh2", "h2"), required=True)
    ap.add_argument("--iterations", type=int, default=1,
                    help="timed exchanges, one RUN line each (default 1)")
    ap.add_argument("--profile", type=int, nargs="?", const=40, default=0,
                    metavar="LINES",
                    help="run the timed exchanges under cProfile and print "
                         "the top LINES functions by own time (default 40) "
                         "to stderr; the figures are then slower")
    return ap


def timed_runs(args, workload, unit, run, figure, describe):
    """Call ``run()`` args.iterations times, timing each; print the
    description ``describe(elapsed, result)`` to stderr and one line
        RUN <workload> lib=<lib> version=<v> value=<figure> unit=<unit>
    per run, ``figure(elapsed)`` being the value. Under --profile, print
    the top functions afterwards."""
    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
    for _ in range(args.iterations):
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        print("# " + describe(elapsed, result), file=sys.stderr)
        print("RUN %s lib=%s version=%s value=%s unit=%s"
              % (workload, args.lib, args.mods["version"], figure(elapsed),
                 unit), flush=True)
    if profiler:
        import pstats
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(args.profile)
