#!/bin/sh
# Build and install the Python binding into a fresh virtual environment and
# run its pytest suite (with the real h2 from PyPI beside it, for the
# comparison and interoperability tests).
# Usage: bindings/python/run-tests.sh <work-dir> [pytest args...]
#   The venv is <work-dir>/venv; pip builds the extension with
#   scikit-build-core, CMake and SWIG (both fetched by pip if needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run-tests.sh <work-dir> [pytest args...]}
shift
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv=$work/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py=$venv/bin/python
"$py" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
"$py" -m pip install --quiet pytest 'h2>=4,<5'
# A wheel first (what `pip wheel` gives users), then install it.
rm -rf "$work/wheels"
"$py" -m pip wheel --quiet --no-deps -w "$work/wheels" "$here"
"$py" -m pip install --quiet --force-reinstall "$work"/wheels/libh2-*.whl
cd "$work"   # not the source tree: import the installed package
"$py" -c 'import libh2, h2; print("libh2", libh2.__version__, "engine", libh2.engine_version(), "| h2", h2.__version__)'
PYTHONDONTWRITEBYTECODE=1 exec "$py" -m pytest -p no:cacheprovider -q \
  "$here/tests" "$@"
