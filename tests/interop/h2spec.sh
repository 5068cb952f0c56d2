#!/bin/sh
# Run h2spec (RFC 7540/9113 + HPACK conformance) against examples/h2serve.
#
# usage: tests/interop/h2spec.sh [BUILD_DIR] [-- extra h2spec arguments]
#
#   BUILD_DIR   a CMake build directory holding examples/h2serve
#               [$H2SERVE's directory, or ./build]
#   H2SERVE     path of the h2serve binary (overrides BUILD_DIR)
#   H2SPEC      path of the h2spec binary; otherwise h2spec on PATH, or it
#               is installed into $H2SPEC_GOBIN [~/.cache/libh2/bin] with
#               `go install` (v2.6.0, or the newest the Go proxy serves)
#   H2SPEC_JUNIT  write a JUnit XML report to this file
#   H2SPEC_STRICT 0 to run without --strict [1]
#
# Exits 0 only if every test case passes.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/h2serve_start.sh"

build_dir=${1:-build}
[ "$#" -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

h2serve=${H2SERVE:-$build_dir/examples/h2serve}
if [ ! -x "$h2serve" ]; then
  echo "h2spec.sh: no h2serve at $h2serve (build it: ninja -C $build_dir h2serve)" >&2
  exit 2
fi

# --- h2spec -----------------------------------------------------------------
h2spec=${H2SPEC:-}
if [ -z "$h2spec" ]; then
  if command -v h2spec >/dev/null 2>&1; then
    h2spec=$(command -v h2spec)
  else
    gobin=${H2SPEC_GOBIN:-${XDG_CACHE_HOME:-$HOME/.cache}/libh2/bin}
    h2spec=$gobin/h2spec
    if [ ! -x "$h2spec" ]; then
      command -v go >/dev/null 2>&1 || {
        echo "h2spec.sh: h2spec is not installed and go is not available" >&2
        exit 2
      }
      mkdir -p "$gobin"
      echo "h2spec.sh: installing h2spec into $gobin" >&2
      # v2.6.0 is the release wanted; the module proxy may only serve the
      # older +incompatible tags (the module has no /v2 path), so fall back.
      GOBIN=$gobin go install github.com/summerwind/h2spec/cmd/h2spec@v2.6.0 ||
        GOBIN=$gobin go install github.com/summerwind/h2spec/cmd/h2spec@latest
    fi
  fi
fi
echo "h2spec.sh: using $h2spec ($(go version -m "$h2spec" 2>/dev/null |
  awk '$1 == "mod" { print $3 }' || true))"

# --- server -----------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/h2spec.XXXXXX")
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
  echo "h2spec.sh: h2serve did not start" >&2
  cat "$tmp/server.err" >&2
  exit 2
fi
echo "h2spec.sh: h2serve (pid $pid) on 127.0.0.1:$port"

# --- run --------------------------------------------------------------------
set -- -h 127.0.0.1 -p "$port" -o 5 "$@"
[ "${H2SPEC_STRICT:-1}" = 1 ] && set -- --strict "$@"
[ -n "${H2SPEC_JUNIT:-}" ] && set -- -j "$H2SPEC_JUNIT" "$@"
status=0
"$h2spec" "$@" >"$tmp/h2spec.out" 2>&1 || status=$?

# The full report is long: print the failures, then the summary line.
sed -n '/^Failures:/,$p' "$tmp/h2spec.out"
summary=$(grep -E '^[0-9]+ tests, [0-9]+ passed' "$tmp/h2spec.out" || true)
[ -n "$summary" ] || { cat "$tmp/h2spec.out"; summary="(no summary)"; }
echo "h2spec.sh: $summary"

if ! kill -0 "$pid" 2>/dev/null; then
  echo "h2spec.sh: h2serve died during the run" >&2
  cat "$tmp/server.err" >&2
  exit 1
fi
# Graceful stop: SIGTERM must lead to exit status 0.
kill -TERM "$pid"
srv=0
wait "$pid" || srv=$?
pid=
if [ "$srv" -ne 0 ]; then
  echo "h2spec.sh: h2serve exited with status $srv after SIGTERM" >&2
  exit 1
fi

case $summary in
  *" 0 failed"*) [ "$status" -eq 0 ] && exit 0 ;;
esac
exit 1
