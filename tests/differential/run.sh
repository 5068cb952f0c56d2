#!/bin/sh
# Differential tests of libh2 against the Python h2 package.
# Usage: tests/differential/run.sh <build-dir> [pytest args...]
#   <build-dir> holds libh2.so (e.g. cmake -S . -B /tmp/diff -G Ninja &&
#   ninja -C /tmp/diff h2). The venv is made in <build-dir>/diff-venv
#   (or $DIFF_VENV) with h2 and pytest from PyPI.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh <build-dir> [pytest args...]}
shift
build=$(cd "$build" && pwd)
so="$build/libh2.so"
[ -f "$so" ] || { echo "run.sh: $so not found (build target h2)" >&2; exit 2; }
venv=${DIFF_VENV:-$build/diff-venv}
if [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; then
  py="$venv/bin/python"
  pipflags=""
else
  # no venv module: fall back to a user install
  echo "run.sh: python3 -m venv failed; using pip install --user" >&2
  py=python3
  pipflags="--user"
fi
if ! "$py" -c 'import h2, pytest' 2>/dev/null; then
  "$py" -m pip install --quiet $pipflags 'h2>=4,<5' pytest
fi
"$py" -c 'import h2; print("h2", h2.__version__)'
cd "$here"
PYTHONDONTWRITEBYTECODE=1 LIBH2_SO="$so" exec "$py" -m pytest \
  -p no:cacheprovider -q "$@" test_vs_h2.py
