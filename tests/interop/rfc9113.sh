#!/bin/sh
# Socket-level checks of what RFC 9113 changed relative to RFC 7540, and of
# extension frames (RFC 9218, 8336, 7838, 8441), against examples/h2serve.
# h2spec (h2spec.sh) covers RFC 7540 only; this covers the rest.
#
# usage: tests/interop/rfc9113.sh [BUILD_DIR]
#
#   BUILD_DIR   a CMake build directory holding examples/h2serve
#               [$H2SERVE's directory, or ./build]
#   H2SERVE     path of the h2serve binary (overrides BUILD_DIR)
#   PYTHON      Python 3 interpreter [python3]
#
# The last line printed is "rfc9113: N passed, M failed".  Exits 0 only if
# every case passes and h2serve stops cleanly on SIGTERM.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/h2serve_start.sh"

here=$(cd "$(dirname "$0")" && pwd)
build_dir=${1:-build}
python=${PYTHON:-python3}

h2serve=${H2SERVE:-$build_dir/examples/h2serve}
if [ ! -x "$h2serve" ]; then
  echo "rfc9113.sh: no h2serve at $h2serve (build it: ninja -C $build_dir h2serve)" >&2
  echo "rfc9113: 0 passed, 1 failed"
  exit 2
fi

# --- server (started and stopped as h2spec.sh does) -------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rfc9113.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

h2serve_root "$tmp/root"
# Port 0: the kernel picks a free port, which h2serve prints.
h2serve_start "$h2serve" "$tmp/root" "$tmp" || true
if [ -z "$port" ]; then
  echo "rfc9113.sh: h2serve did not start" >&2
  cat "$tmp/server.err" >&2
  echo "rfc9113: 0 passed, 1 failed"
  exit 2
fi
echo "rfc9113.sh: h2serve (pid $pid) on 127.0.0.1:$port"

# --- run --------------------------------------------------------------------
status=0
"$python" "$here/rfc9113.py" 127.0.0.1 "$port" >"$tmp/rfc9113.out" 2>&1 || status=$?
grep -v '^rfc9113\.py: ' "$tmp/rfc9113.out" || true

summary=$(sed -n 's/^rfc9113\.py: \([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' "$tmp/rfc9113.out" | tail -n 1)
if [ -n "$summary" ]; then
  passed=${summary% *}
  failed=${summary#* }
else
  echo "rfc9113.sh: the script printed no summary (exit status $status)" >&2
  passed=0
  failed=1
fi
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1

if ! kill -0 "$pid" 2>/dev/null; then
  echo "rfc9113.sh: h2serve died during the run" >&2
  cat "$tmp/server.err" >&2
  pid=
  failed=$((failed + 1))
else
  # Graceful stop: SIGTERM must lead to exit status 0.
  kill -TERM "$pid"
  srv=0
  wait "$pid" || srv=$?
  pid=
  if [ "$srv" -ne 0 ]; then
    echo "rfc9113.sh: h2serve exited with status $srv after SIGTERM" >&2
    failed=$((failed + 1))
  fi
fi

echo "rfc9113: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
