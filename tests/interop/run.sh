#!/usr/bin/env bash
# Interop matrix: libh2's example programs against real HTTP/2 peers.
#
# usage: tests/interop/run.sh BUILD_DIR
#
#   BUILD_DIR holds examples/h2serve and examples/h2get (cmake + ninja).
#
# Clients against h2serve (cleartext, 127.0.0.1):
#   curl --http2-prior-knowledge, curl --http2 (HTTP/1.1 Upgrade: h2c),
#   nghttp, Node's http2, Python's h2 (PyPI), Go net/http + x/net/http2 (h2c)
# h2get against servers: h2serve, nghttpd, h2o, a Node http2 server.
#
# Each cell checks bytes exactly (a file GET, a 1 MiB random POST to an echo,
# many concurrent streams on one connection, h2c upgrade). A peer that cannot
# do a cell is reported as "skip" with the reason, never as a pass.
#
# Missing tools are installed (run as root on Debian 12): Debian packages
# curl nghttp2-client nghttp2-server h2o (apt-get update first, only when
# something is missing); Python's h2 in a venv under BUILD_DIR; the Go
# client's module deps through the Go module proxy (go.sum is committed).
#
# Environment: INTEROP_NO_INSTALL=1 installs nothing; INTEROP_KEEP=1 keeps
# the scratch directory (BUILD_DIR/interop-run) for inspection.
#
# The last line is "interop: N passed, M failed"; exit status 1 if M > 0.
set -u

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd) || exit 2
here=$(cd "$(dirname "$0")" && pwd)
h2serve=$build_dir/examples/h2serve
h2get=$build_dir/examples/h2get
for b in "$h2serve" "$h2get"; do
  if [ ! -x "$b" ]; then
    echo "run.sh: no $b (build it: ninja -C $build_dir h2serve h2get)" >&2
    exit 2
  fi
done

start_time=$(date +%s)
T="timeout 30" # every client call is bounded
NMULTI=50      # concurrent streams per "multi" cell

work=$build_dir/interop-run
rm -rf "$work"
mkdir -p "$work"
# h2o drops privileges to "nobody" when started as root: let it read the root.
chmod 755 "$work"

# ---- cleanup -------------------------------------------------------------------
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
  for p in "${pids[@]}"; do
    # give each a moment, then insist
    local i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 40 ]; do
      sleep 0.05
      i=$((i + 1))
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  pids=()
  [ "${INTEROP_KEEP:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "run.sh: $*" >&2; }

# ---- tools ---------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1; }

missing=()
have curl || missing+=(curl)
have nghttp || missing+=(nghttp2-client)
have nghttpd || missing+=(nghttp2-server)
have h2o || missing+=(h2o)
if [ "${#missing[@]}" -gt 0 ] && [ "${INTEROP_NO_INSTALL:-0}" != 1 ]; then
  log "installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } \
      >"$work/apt.log" 2>&1 || { log "apt-get failed:"; tail -5 "$work/apt.log" >&2; }
  else
    log "not root: cannot install ${missing[*]}"
  fi
fi

# Python h2 in a venv kept under the build directory (reused across runs).
venv=$build_dir/interop-venv
py=$venv/bin/python
if ! "$py" -c 'import h2' 2>/dev/null && [ "${INTEROP_NO_INSTALL:-0}" != 1 ]; then
  log "setting up $venv with h2 from PyPI"
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >"$work/venv.log" 2>&1; then
    # Debian splits ensurepip out into python3-venv.
    rm -rf "$venv"
    if [ "$(id -u)" = 0 ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; } \
        >>"$work/venv.log" 2>&1
    fi
    python3 -m venv "$venv" >>"$work/venv.log" 2>&1
  fi
  "$venv/bin/pip" install -q h2 >>"$work/venv.log" 2>&1 || { log "pip install h2 failed:"; tail -5 "$work/venv.log" >&2; }
fi
py_ok=0
"$py" -c 'import h2' 2>/dev/null && py_ok=1

# The Go client (module deps from the Go module proxy, pinned by go.sum).
go_client=$work/go_client
go_ok=0
if have go; then
  if (cd "$here/go_client" && GOFLAGS=-mod=mod $T go build -o "$go_client" .) >"$work/go.log" 2>&1; then
    go_ok=1
  else
    log "go build failed:"
    tail -5 "$work/go.log" >&2
  fi
fi
node_ok=0
have node && node_ok=1

# ---- fixtures ------------------------------------------------------------------
root=$work/root
mkdir -p "$root" "$work/out"
head -c 1048576 /dev/urandom >"$work/upload.bin"
head -c 1048576 /dev/urandom >"$root/big.bin"
# a text page and NMULTI distinct small files (text: they never contain
# h2get's "==> URL <==" separators)
head -c 30000 /dev/urandom | base64 >"$root/page.txt"
i=0
while [ $i -lt $NMULTI ]; do
  { echo "file f$i"; head -c $((1000 + i * 97)) /dev/urandom | base64; } >"$root/f$i"
  i=$((i + 1))
done
chmod -R a+rX "$root"

# ---- results -------------------------------------------------------------------
# One record per cell: row|column|result|detail
results=()
npass=0
nfail=0
nskip=0
record() { # ROW COLUMN pass|FAIL|skip DETAIL
  results+=("$1|$2|$3|$4")
  case $3 in
    pass) npass=$((npass + 1)) ;;
    FAIL) nfail=$((nfail + 1)) ;;
    *) nskip=$((nskip + 1)) ;;
  esac
  printf '  %-28s %-8s %-5s %s\n' "$1" "$2" "$3" "$4" >&2
}

# same FILE_A FILE_B: empty output if equal, else a description
same() {
  if [ ! -f "$2" ]; then
    echo "no output"
  elif ! cmp -s "$1" "$2"; then
    echo "body differs: got $(wc -c <"$2") bytes, want $(wc -c <"$1") ($(cmp "$1" "$2" 2>&1 | head -1))"
  fi
}

# same_multi OUTDIR: compare OUTDIR/f0.. with the fixtures
same_multi() {
  local i=0 bad=0 first=
  while [ $i -lt $NMULTI ]; do
    if ! cmp -s "$root/f$i" "$1/f$i"; then
      bad=$((bad + 1))
      [ -n "$first" ] || first="f$i: $(same "$root/f$i" "$1/f$i")"
    fi
    i=$((i + 1))
  done
  [ $bad -eq 0 ] || echo "$bad of $NMULTI bodies wrong; $first"
}

# last_err LOG: a short form of a log's last lines
last_err() { tail -3 "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-200; }

# check ROW COLUMN CMD...: run CMD (bounded) with output and log under
# $cell; the verification is done by the caller through $cell_err.
cellno=0
newcell() {
  cellno=$((cellno + 1))
  cell=$work/out/$cellno
  mkdir -p "$cell/d"
}
verdict() { # ROW COLUMN STATUS MISMATCH
  local row=$1 col=$2 st=$3 mism=$4
  if [ "$st" -eq 124 ]; then
    record "$row" "$col" FAIL "timed out (30 s); $(last_err "$cell/err")"
  elif [ "$st" -ne 0 ]; then
    record "$row" "$col" FAIL "exit $st: $(last_err "$cell/err")"
  elif [ -n "$mism" ]; then
    record "$row" "$col" FAIL "$mism"
  else
    record "$row" "$col" pass ""
  fi
}

# ---- servers -------------------------------------------------------------------
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PID PORT: wait until 127.0.0.1:PORT accepts connections
wait_port() {
  local i=0
  while [ $i -lt 100 ]; do
    kill -0 "$1" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

# wait_printed PID FILE: the port from "listening on http://127.0.0.1:PORT/"
wait_printed() {
  local i=0 p=
  while [ $i -lt 100 ]; do
    p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$2" 2>/dev/null)
    [ -n "$p" ] && { echo "$p"; return 0; }
    kill -0 "$1" 2>/dev/null || return 1
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

start_h2serve() {
  "$h2serve" --port 0 --host 127.0.0.1 --root "$root" >"$work/h2serve.out" 2>"$work/h2serve.err" &
  pids+=($!)
  h2serve_pid=$!
  h2serve_port=$(wait_printed $! "$work/h2serve.out") || h2serve_port=
}

start_nghttpd() {
  nghttpd_port=
  have nghttpd || return 0
  local p
  p=$(free_port)
  nghttpd --no-tls -a 127.0.0.1 --echo-upload -d "$root" "$p" >"$work/nghttpd.out" 2>&1 &
  pids+=($!)
  wait_port $! "$p" && nghttpd_port=$p
}

start_h2o() {
  h2o_port=
  have h2o || return 0
  local p
  p=$(free_port)
  cat >"$work/h2o.conf" <<EOF
listen:
  port: $p
  host: 127.0.0.1
num-threads: 1
user: nobody
hosts:
  "127.0.0.1:$p":
    paths:
      /echo:
        mruby.handler: |
          Proc.new do |env|
            [200, {"content-type" => "application/octet-stream"}, [env["rack.input"].read]]
          end
      /:
        file.dir: $root
EOF
  [ "$(id -u)" = 0 ] || sed -i '/^user:/d' "$work/h2o.conf"
  h2o -m worker -c "$work/h2o.conf" >"$work/h2o.out" 2>&1 &
  pids+=($!)
  wait_port $! "$p" && h2o_port=$p
}

start_node_server() {
  node_port=
  [ $node_ok = 1 ] || return 0
  node "$here/node_server.mjs" "$root" >"$work/node_server.out" 2>"$work/node_server.err" &
  pids+=($!)
  node_port=$(wait_printed $! "$work/node_server.out") || node_port=
}

log "starting servers"
start_h2serve
start_nghttpd
start_h2o
start_node_server
if [ -z "$h2serve_port" ]; then
  log "h2serve did not start:"
  cat "$work/h2serve.err" >&2
fi
S=http://127.0.0.1:$h2serve_port

# ---- clients against h2serve ---------------------------------------------------
multi_urls() { # BASE: BASE/f0 .. BASE/f(N-1)
  local i=0
  while [ $i -lt $NMULTI ]; do
    echo "$1/f$i"
    i=$((i + 1))
  done
}

# curl, prior knowledge or upgrade ($1: row name, $2: curl's HTTP/2 option)
curl_cells() {
  local row=$1 opt=$2 st mism cell_pre=
  if ! have curl; then
    for c in get post multi; do record "$row" $c FAIL "curl is not installed"; done
    return
  fi
  # With --http2, curl 7.88 cannot take more than 32 KiB of HTTP/2 data
  # arriving with the 101 response ("connection buffer size is too small to
  # store data following HTTP Upgrade response header"; h2o trips it as
  # well). So the upgrade is done by a small GET (f0), and the big transfer
  # follows on the upgraded connection (--next reuses it).
  local lead=() want="200 2 1"
  if [ "$opt" = --http2 ]; then
    lead=("$opt" -o "$cell_pre" -w '%{http_code} %{http_version} %{num_connects}\n' "$S/f0" --next)
    want="200 2 1 200 2 0"
  fi
  curl_check() { # NAME MISMATCH
    local m=$2 got
    got=$(tr '\n' ' ' <"$cell/w" | sed 's/ $//')
    if [ -z "$m" ] && [ ${#lead[@]} -gt 0 ]; then
      m=$(same "$root/f0" "$cell_pre")
    fi
    [ -n "$m" ] || [ "$got" = "$want" ] || m="curl -w gave '$got', want '$want'"
    echo "$m"
  }

  # GET: body and protocol (-w prints the HTTP version that was used)
  newcell
  cell_pre=$cell/pre
  [ ${#lead[@]} -eq 0 ] || lead[2]=$cell_pre
  st=0
  $T curl -sS "${lead[@]}" "$opt" -o "$cell/body" -w '%{http_code} %{http_version} %{num_connects}\n' "$S/page.txt" \
    >"$cell/w" 2>"$cell/err" || st=$?
  verdict "$row" get $st "$(curl_check get "$(same "$root/page.txt" "$cell/body")")"

  # POST 1 MiB to /echo
  newcell
  cell_pre=$cell/pre
  [ ${#lead[@]} -eq 0 ] || lead[2]=$cell_pre
  st=0
  $T curl -sS "${lead[@]}" "$opt" -H 'content-type: application/octet-stream' \
    --data-binary "@$work/upload.bin" -o "$cell/body" -w '%{http_code} %{http_version} %{num_connects}\n' "$S/echo" \
    >"$cell/w" 2>"$cell/err" || st=$?
  verdict "$row" post $st "$(curl_check post "$(same "$work/upload.bin" "$cell/body")")"

  # NMULTI GETs, multiplexed: curl --parallel waits for the first
  # connection and puts the others on it; %{num_connects} must add up to 1.
  # curl 7.88.x (Debian 12) cannot reuse a prior-knowledge connection
  # (curl/curl#10634, fixed in 7.89): probe that against nghttpd first.
  if [ "$opt" = --http2-prior-knowledge ] && [ -n "$nghttpd_port" ]; then
    newcell
    $T curl -sS "$opt" --parallel -o /dev/null -o /dev/null -w '%{http_code}\n' \
      "http://127.0.0.1:$nghttpd_port/f0" "http://127.0.0.1:$nghttpd_port/f1" >"$cell/w" 2>"$cell/err"
    if [ "$(tr -d '\n' <"$cell/w")" != 200200 ]; then
      record "$row" multi skip "curl $(curl --version | awk 'NR == 1 { print $2 }') fails to multiplex with prior knowledge against nghttpd too (curl/curl#10634)"
      return
    fi
  fi
  newcell
  st=0
  local args=() i=0
  while [ $i -lt $NMULTI ]; do
    args+=(-o "$cell/d/f$i" "$S/f$i")
    i=$((i + 1))
  done
  $T curl -sS "$opt" --parallel --parallel-max $NMULTI -w '%{http_code} %{http_version} %{num_connects}\n' \
    "${args[@]}" >"$cell/w" 2>"$cell/err" || st=$?
  mism=$(same_multi "$cell/d")
  if [ -z "$mism" ]; then
    local conns bad
    conns=$(awk '{ n += $3 } END { print n + 0 }' "$cell/w")
    bad=$(awk '$1 != 200 || $2 != 2' "$cell/w" | head -1)
    if [ -n "$bad" ]; then
      mism="a transfer got '$bad', want '200 2'"
    elif [ "$conns" != 1 ]; then
      mism="$NMULTI transfers used $conns connections, want 1"
    fi
  fi
  verdict "$row" multi $st "$mism"
}

nghttp_cells() {
  local row=nghttp st mism
  if ! have nghttp; then
    for c in get post multi; do record "$row" $c FAIL "nghttp is not installed"; done
    return
  fi
  newcell
  st=0
  $T nghttp "$S/page.txt" >"$cell/body" 2>"$cell/err" || st=$?
  verdict "$row" get $st "$(same "$root/page.txt" "$cell/body")"

  newcell
  st=0
  $T nghttp -d "$work/upload.bin" "$S/echo" >"$cell/body" 2>"$cell/err" || st=$?
  verdict "$row" post $st "$(same "$work/upload.bin" "$cell/body")"

  # nghttp writes all bodies to one stdout as DATA arrives: check the HAR
  # (status and size per stream) and the total byte count.
  newcell
  st=0
  # shellcheck disable=SC2046
  $T nghttp -n --har="$cell/har" $(multi_urls "$S") >"$cell/body" 2>"$cell/err" || st=$?
  mism=$("$py_sys" - "$cell/har" "$root" "$NMULTI" <<'EOF'
import json, os, sys
har, root, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    entries = json.load(open(har))["log"]["entries"]
except Exception as e:
    print("no HAR: %r" % e); sys.exit()
seen = {}
for e in entries:
    name = e["request"]["url"].rsplit("/", 1)[1]
    seen[name] = (e["response"]["status"], e["response"]["content"]["size"])
for i in range(n):
    want = os.path.getsize(os.path.join(root, "f%d" % i))
    got = seen.get("f%d" % i)
    if got != (200, want):
        print("f%d: got (status, size) %r, want (200, %d)" % (i, got, want)); break
EOF
)
  verdict "$row" multi $st "$mism"
}

# Node, Python, Go: the same three-mode interface
#   get URL OUT | post URL IN OUT | multi N BASE OUTDIR
lang_cells() { # ROW OK CMD...
  local row=$1 ok=$2 st
  shift 2
  if [ "$ok" != 1 ]; then
    for c in get post multi; do record "$row" $c FAIL "client unavailable (see setup messages above)"; done
    return
  fi
  newcell
  st=0
  $T "$@" get "$S/page.txt" "$cell/body" >"$cell/out" 2>"$cell/err" || st=$?
  verdict "$row" get $st "$(same "$root/page.txt" "$cell/body")"
  newcell
  st=0
  $T "$@" post "$S/echo" "$work/upload.bin" "$cell/body" >"$cell/out" 2>"$cell/err" || st=$?
  verdict "$row" post $st "$(same "$work/upload.bin" "$cell/body")"
  newcell
  st=0
  $T "$@" multi $NMULTI "$S" "$cell/d" >"$cell/out" 2>"$cell/err" || st=$?
  verdict "$row" multi $st "$(same_multi "$cell/d")"
}

py_sys=python3
have python3 || py_sys=$py

log "clients -> h2serve ($S)"
if [ -n "$h2serve_port" ]; then
  curl_cells "curl --http2-prior-knowledge" --http2-prior-knowledge
  curl_cells "curl --http2 (upgrade)" --http2
  nghttp_cells
  lang_cells "node http2" $node_ok node "$here/node_client.mjs"
  lang_cells "python h2" $py_ok "$py" "$here/py_client.py"
  lang_cells "go x/net/http2" $go_ok "$go_client"
else
  for r in "curl --http2-prior-knowledge" "curl --http2 (upgrade)" nghttp "node http2" \
    "python h2" "go x/net/http2"; do
    record "$r" all FAIL "h2serve did not start"
  done
fi

# ---- h2get against servers -----------------------------------------------------
# h2get_cells ROW PORT ECHO UPGRADE: ECHO/UPGRADE are "yes" or a skip reason
h2get_cells() {
  local row=$1 port=$2 echo=$3 upgrade=$4 st mism B urls
  if [ -z "$port" ]; then
    for c in get big post multi upgrade; do record "$row" $c FAIL "server did not start"; done
    return
  fi
  B=http://127.0.0.1:$port

  newcell
  st=0
  $T "$h2get" "$B/page.txt" >"$cell/out" 2>"$cell/err" || st=$?
  mism=$("$py_sys" "$here/h2get_split.py" "$cell/out" "$cell/d" "$B/page.txt" 2>&1) ||
    true
  [ -n "$mism" ] || mism=$(same "$root/page.txt" "$cell/d/0")
  verdict "$row" get $st "$mism"

  newcell
  st=0
  $T "$h2get" "$B/big.bin" >"$cell/out" 2>"$cell/err" || st=$?
  mism=$("$py_sys" "$here/h2get_split.py" "$cell/out" "$cell/d" "$B/big.bin" 2>&1) || true
  [ -n "$mism" ] || mism=$(same "$root/big.bin" "$cell/d/0")
  verdict "$row" big $st "$mism"

  if [ "$echo" = yes ]; then
    newcell
    st=0
    $T "$h2get" -H 'content-type: application/octet-stream' --data-file "$work/upload.bin" "$B/echo" \
      >"$cell/out" 2>"$cell/err" || st=$?
    mism=$("$py_sys" "$here/h2get_split.py" "$cell/out" "$cell/d" "$B/echo" 2>&1) || true
    [ -n "$mism" ] || mism=$(same "$work/upload.bin" "$cell/d/0")
    verdict "$row" post $st "$mism"
  else
    record "$row" post skip "$echo"
  fi

  newcell
  st=0
  # shellcheck disable=SC2207
  urls=($(multi_urls "$B"))
  $T "$h2get" "${urls[@]}" >"$cell/out" 2>"$cell/err" || st=$?
  mism=$("$py_sys" "$here/h2get_split.py" "$cell/out" "$cell/d" "${urls[@]}" 2>&1) || true
  if [ -z "$mism" ]; then
    local i=0
    while [ $i -lt $NMULTI ]; do
      mv "$cell/d/$i" "$cell/d/f$i"
      i=$((i + 1))
    done
    mism=$(same_multi "$cell/d")
  fi
  verdict "$row" multi $st "$mism"

  # Does the server do h2c upgrade at all? Ask curl --http2 first.
  if [ "$upgrade" = yes ] && have curl; then
    newcell
    $T curl -sS --http2 -o /dev/null -w '%{http_version}' "$B/f1" >"$cell/w" 2>"$cell/err"
    [ "$(cat "$cell/w")" = 2 ] ||
      upgrade="the server does not do h2c upgrade (curl --http2 got HTTP version '$(cat "$cell/w")': $(last_err "$cell/err"))"
  fi
  if [ "$upgrade" = yes ]; then
    newcell
    st=0
    $T "$h2get" --upgrade "$B/page.txt" "$B/f1" >"$cell/out" 2>"$cell/err" || st=$?
    mism=$("$py_sys" "$here/h2get_split.py" "$cell/out" "$cell/d" "$B/page.txt" "$B/f1" 2>&1) || true
    [ -n "$mism" ] || mism=$(same "$root/page.txt" "$cell/d/0")
    [ -n "$mism" ] || mism=$(same "$root/f1" "$cell/d/1")
    verdict "$row" upgrade $st "$mism"
  else
    record "$row" upgrade skip "$upgrade"
  fi
}

log "h2get -> servers"
h2get_cells "h2get -> h2serve" "$h2serve_port" yes yes
h2get_cells "h2get -> nghttpd" "$nghttpd_port" yes yes
h2get_cells "h2get -> h2o" "$h2o_port" yes yes
h2get_cells "h2get -> node http2" "$node_port" yes "Node's http2 server has no h2c upgrade"

# The servers must have survived the run.
for p in "${pids[@]}"; do
  kill -0 "$p" 2>/dev/null || log "server pid $p exited during the run"
done
if [ -n "$h2serve_port" ] && ! kill -0 "$h2serve_pid" 2>/dev/null; then
  record "h2serve" alive FAIL "h2serve died during the run: $(last_err "$work/h2serve.err")"
fi

# ---- table -----------------------------------------------------------------------
cols=(get big post multi upgrade)
declare -A cellv
rows=()
for r in "${results[@]}"; do
  IFS='|' read -r row col res _ <<<"$r"
  [ -n "${cellv[$row|seen]:-}" ] || { rows+=("$row"); cellv[$row|seen]=1; }
  cellv[$row|$col]=$res
done
echo
echo "libh2 interop matrix (get: file GET; big: 1 MiB file GET; post: 1 MiB POST echo;"
echo "multi: $NMULTI concurrent GETs on one connection; upgrade: h2c via HTTP/1.1 Upgrade)"
echo
printf '%-30s' "peer"
for c in "${cols[@]}"; do printf ' %-8s' "$c"; done
echo
printf '%-30s' "------------------------------"
for c in "${cols[@]}"; do printf ' %-8s' "--------"; done
echo
for row in "${rows[@]}"; do
  printf '%-30s' "$row"
  for c in "${cols[@]}"; do printf ' %-8s' "${cellv[$row|$c]:--}"; done
  echo
done
echo
notes=0
for r in "${results[@]}"; do
  IFS='|' read -r row col res detail <<<"$r"
  if [ "$res" != pass ]; then
    [ $notes -gt 0 ] || echo "notes:"
    notes=$((notes + 1))
    echo "  [$res] $row / $col: $detail"
  fi
done
[ $notes -eq 0 ] || echo
echo "run time: $(($(date +%s) - start_time)) s; $nskip skipped (peer lacks the feature)"
echo "interop: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
