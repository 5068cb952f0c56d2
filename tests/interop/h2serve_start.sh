# Sourced by the interop scripts (POSIX sh): start h2serve on a free
# loopback port.
#
#   h2serve_start H2SERVE ROOT OUTDIR
#
# Sets pid and port. h2serve is given port 0 and prints the port the kernel
# chose; its stdout and stderr go to OUTDIR/server.out and server.err.
# Returns non-zero (port empty) if it did not start within 5 s.
h2serve_start() {
  : >"$3/server.out"
  "$1" --port 0 --host 127.0.0.1 --root "$2" >"$3/server.out" 2>"$3/server.err" &
  pid=$!
  port=
  _i=0
  while [ $_i -lt 100 ]; do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$3/server.out" || true)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
    _i=$((_i + 1))
  done
  return 1
}

# A small index.html in ROOT (created).
h2serve_root() {
  mkdir -p "$1"
  cat >"$1/index.html" <<'HTML'
<!doctype html>
<html><head><title>libh2 h2serve</title></head>
<body><p>Hello from h2serve, an HTTP/2 server built on libh2.</p></body></html>
HTML
}
