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


def engine_version() -> str:
    """The version of the C engine compiled into the extension."""
    from . import _libh2

    return _libh2.h2_version()
