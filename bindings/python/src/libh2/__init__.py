"""
libh2: an HTTP/2 protocol engine in C with the API of the h2 package.

The modules mirror h2's: ``libh2.connection`` (H2Connection),
``libh2.config`` (H2Configuration), ``libh2.events``,
``libh2.exceptions``, ``libh2.errors``, ``libh2.settings``,
``libh2.stream``, ``libh2.utilities`` and ``libh2.windows``. Code written
for h2 runs after changing its imports.
"""
from __future__ import annotations

__version__ = "1.0.0"

_H2_MODULES = ("config", "connection", "errors", "events", "exceptions",
               "settings", "stream", "utilities", "windows")


def install_as_h2() -> None:
    """Make ``import h2`` (and ``h2.connection``, ``h2.events``, ...) give
    libh2's modules, so that libraries written for h2 — httpx/httpcore,
    hypercorn, grpclib — use libh2 without being changed.

    Call it before those libraries are imported. Raises RuntimeError if
    h2's own modules were imported already (objects made from them would
    not mix with libh2's).
    """
    import importlib
    import sys

    here = sys.modules[__name__]
    loaded = [name for name in ("h2",) + tuple("h2." + m for m in _H2_MODULES)
              if name in sys.modules and not
              getattr(sys.modules[name], "__name__", "").startswith(__name__)]
    if loaded:
        msg = ("install_as_h2() must run before h2 is imported; already "
               "imported: " + ", ".join(loaded))
        raise RuntimeError(msg)
    sys.modules["h2"] = here
    for name in _H2_MODULES:
        sys.modules["h2." + name] = importlib.import_module(
            __name__ + "." + name)


def engine_version() -> str:
    """The version of the C engine compiled into the extension."""
    from . import _libh2

    return _libh2.h2_version()
