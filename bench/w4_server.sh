#!/usr/bin/env bash
# bench/w4_server.sh — W4 "server": h2load against libh2's example server
# (examples/h2serve.c), nghttpd and h2o, on 127.0.0.1, cleartext HTTP/2 with
# prior knowledge, every response the same 1 KiB file. Normally started by
# `bench/run W4`; details in bench/README.md, definition in
# ../shared/workloads.md.
#
# Usage:
#   bench/w4_server.sh [options]
#
#   --runs N            timed runs per server (default 5)
#   --requests N        requests per timed run (default 200000)
#   --conns N           h2load connections (default 16)
#   --streams N         h2load streams per connection (default 32)
#   --mem-conns N       connections of the memory run (default 1000; 0: skip)
#   --mem-requests N    requests of the memory run (default 20000)
#   --only LIST         comma-separated servers to measure
#                       (h2serve,h2o,nghttpd; default all; RESULT lines only
#                       with all three)
#   --callgrind         instead of timing, run each server under
#                       valgrind --tool=callgrind and count the instructions
#                       it executes per request during one h2load run of
#                       --requests requests (default 20000 in this mode)
#   --build-dir DIR     where h2serve is built (default <repo>/build-bench/w4)
#   --no-build          use the h2serve already built in --build-dir
#   --work-dir DIR      document root, configs and logs
#                       (default <build dir>/run)
#   --server-cpu N      core for the servers (default 0)
#   --client-cpu N      core for h2load (default 1)
#
# Exit status: 0 success, 1 failure (setup, build, verification), 64 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

runs=5
requests=
conns=16
streams=32
mem_conns=1000
mem_requests=20000
only=h2serve,h2o,nghttpd
callgrind=0
build=${H2_BENCH_BUILD_DIR:-$root/build-bench}/w4
no_build=${H2_BENCH_NO_BUILD:-0}
work=
server_cpu=0
client_cpu=1

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 64
}
die() { echo "w4_server: $*" >&2; exit 1; }
note() { echo "w4_server: $*" >&2; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?}; shift 2 ;;
    --requests) requests=${2:?}; shift 2 ;;
    --conns) conns=${2:?}; shift 2 ;;
    --streams) streams=${2:?}; shift 2 ;;
    --mem-conns) mem_conns=${2:?}; shift 2 ;;
    --mem-requests) mem_requests=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    --build-dir) build=${2:?}; shift 2 ;;
    --no-build) no_build=1; shift ;;
    --work-dir) work=${2:?}; shift 2 ;;
    --server-cpu) server_cpu=${2:?}; shift 2 ;;
    --client-cpu) client_cpu=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) usage ;;
  esac
done
for v in "$runs" "$conns" "$streams" "$mem_conns" "$mem_requests" \
         "$server_cpu" "$client_cpu" ${requests:+"$requests"}; do
  [[ $v =~ ^[0-9]+$ ]] || usage
done
if [[ -z $requests ]]; then
  if [[ $callgrind == 1 ]]; then requests=20000; else requests=200000; fi
fi
[[ $runs -ge 1 && $requests -ge 1 ]] || usage
IFS=, read -r -a servers <<<"$only"
for s in "${servers[@]}"; do
  case $s in h2serve|h2o|nghttpd) ;; *) usage ;; esac
done
work=${work:-$build/run}

# ---- setup ---------------------------------------------------------------
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else die "need root to run: $*"; fi
}

# Install the Debian packages whose commands are missing (apt-get update only
# then).
need_tools() {
  local missing=() pair
  for pair in h2load:nghttp2-client nghttpd:nghttp2-server h2o:h2o \
              curl:curl taskset:util-linux; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  if [[ $callgrind == 1 ]] && ! command -v valgrind >/dev/null; then
    missing+=(valgrind)
  fi
  [[ ${#missing[@]} -eq 0 ]] && return 0
  note "installing ${missing[*]} with apt-get"
  as_root apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    "${missing[@]}" >&2
}

# h2serve, CMake Release with the flags of the other benchmarks (-O2 -g, the
# level Debian builds nghttp2 and h2o with), examples on, tests off.
build_h2serve() {
  h2serve_bin=$build/examples/h2serve
  if [[ $no_build == 1 ]]; then
    [[ -x $h2serve_bin ]] || die "no h2serve in $build (drop --no-build)"
    return 0
  fi
  mkdir -p "$build"
  local log=$build/w4-build.log gen=()
  if [[ ! -f $build/CMakeCache.txt ]] && command -v ninja >/dev/null; then
    gen=(-G Ninja)
  fi
  note "building h2serve in $build (log: $log)"
  if ! { cmake -S "$root" -B "$build" "${gen[@]}" \
           -DCMAKE_BUILD_TYPE=Release \
           -DCMAKE_C_FLAGS_RELEASE="-O2 -g -DNDEBUG" \
           -DH2_BUILD_EXAMPLES=ON -DH2_BUILD_TESTS=OFF -DH2_BUILD_BENCH=OFF &&
         cmake --build "$build" --target h2serve -j "$(nproc 2>/dev/null || echo 2)"
       } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "build failed (full log: $log)"
  fi
}

# The document root: /1k holds 1,024 bytes (a fixed, printable pattern).
make_docroot() {
  mkdir -p "$work/www"
  awk 'BEGIN { for (i = 0; i < 1024; i++) printf "%c", 97 + (i * 7) % 26 }' \
    >"$work/www/1k"
  [[ $(stat -c %s "$work/www/1k") == 1024 ]] || die "cannot write $work/www/1k"
  # h2o drops root privileges to "nobody": the files must be world-readable.
  chmod a+rx "$work" "$work/www"
  chmod a+r "$work/www/1k"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free TCP port on 127.0.0.1, searched upwards from a random start.
free_port() {
  local p=$(( 20000 + ($$ + RANDOM) % 20000 )) i
  for ((i = 0; i < 200; i++, p++)); do
    # (Servers are started one at a time and are listening before the next
    # port is chosen, so in-use covers them.)
    if ! port_in_use "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# ---- servers ---------------------------------------------------------------
declare -A pid port
clk_tck=$(getconf CLK_TCK)

cleanup() {
  local s p
  for s in "${!pid[@]}"; do
    p=${pid[$s]}
    if [[ -n $p ]] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
  for s in "${!pid[@]}"; do
    p=${pid[$s]}
    [[ -n $p ]] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# $1: server name, $2: port, rest: the command prefix (taskset, valgrind).
start_server() {
  local s=$1 p=$2 log=$work/$1.log
  shift 2
  case $s in
    h2serve)
      "$@" "$h2serve_bin" --port "$p" --root "$work/www" --host 127.0.0.1 \
        >"$log" 2>&1 &
      ;;
    nghttpd)
      # One thread is nghttpd's default (-n 1).
      "$@" nghttpd --no-tls --address 127.0.0.1 -d "$work/www" "$p" \
        >"$log" 2>&1 &
      ;;
    h2o)
      # Under valgrind h2o keeps root's identity: as "nobody" it could not
      # write the callgrind files nor answer callgrind_control.
      local user_line=
      if [[ $callgrind == 1 && $(id -u) -eq 0 ]]; then user_line='user: root'; fi
      cat >"$work/h2o.conf" <<EOF
listen:
  host: 127.0.0.1
  port: $p
num-threads: 1
$user_line
hosts:
  default:
    paths:
      /:
        file.dir: $work/www
EOF
      "$@" h2o -c "$work/h2o.conf" >"$log" 2>&1 &
      ;;
  esac
  pid[$s]=$!
  port[$s]=$p
  # Ready when it answers /1k over HTTP/2 with the file.
  local i t=100
  [[ $callgrind == 1 ]] && t=600
  for ((i = 0; i < t; i++)); do
    kill -0 "${pid[$s]}" 2>/dev/null || { cat "$log" >&2; die "$s exited"; }
    if curl -s --http2-prior-knowledge -o "$work/$s.check" \
         "http://127.0.0.1:$p/1k" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  ((i < t)) || { cat "$log" >&2; die "$s does not answer on port $p"; }
  check_body "$s"
}

# The 1 KiB file must come back whole over HTTP/2 with status 200.
check_body() {
  local s=$1 out
  out=$(curl -s --http2-prior-knowledge -o "$work/$s.check" \
          -w '%{http_code} %{http_version} %{size_download}' \
          "http://127.0.0.1:${port[$s]}/1k") || die "$s: curl failed"
  [[ $out == "200 2 1024" ]] || die "$s: /1k answered '$out' (want '200 2 1024')"
  cmp -s "$work/$s.check" "$work/www/1k" || die "$s: /1k body differs from the file"
}

stop_server() {
  local s=$1 p=${pid[$1]}
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  unset "pid[$s]"
}

# utime + stime of a process (all its threads, live and exited), in µs.
cpu_us() {
  local st
  st=$(<"/proc/$1/stat")
  st=${st##*) }  # fields from 3 (state) on; comm may hold spaces
  read -r -a f <<<"$st"
  # utime and stime are fields 14 and 15, here indices 11 and 12.
  echo $(( (f[11] + f[12]) * 1000000 / clk_tck ))
}

# Scheduler run time of all live threads, in ns (finer than the ticks above;
# printed as a cross-check).
sched_ns() {
  local t sum=0 a
  for t in /proc/"$1"/task/*/schedstat; do
    read -r a _ <"$t" 2>/dev/null || continue
    sum=$((sum + a))
  done
  echo "$sum"
}

# A field of /proc/PID/status in KiB (VmHWM, VmRSS).
status_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# Run h2load against a server; sets h2_rps, h2_failed, h2_errored, h2_2xx,
# h2_done. $1: server, $2: requests, $3: connections, $4: streams.
run_h2load() {
  local s=$1 n=$2 c=$3 m=$4 out=$work/h2load.$1.out
  if ! taskset -c "$client_cpu" h2load -n "$n" -c "$c" -m "$m" -t 1 \
         "http://127.0.0.1:${port[$s]}/1k" >"$out" 2>&1; then
    tail -n 20 "$out" >&2
    die "h2load against $s failed"
  fi
  h2_rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")
  read -r h2_done h2_failed h2_errored < <(sed -n \
    's/^requests: .* \([0-9]*\) done, [0-9]* succeeded, \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2 \3/p' "$out")
  h2_2xx=$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' "$out")
  [[ -n $h2_rps && -n $h2_done && -n $h2_failed && -n $h2_2xx ]] ||
    { cat "$out" >&2; die "cannot read h2load's output ($out)"; }
  # h2load counts errored requests among the failed ones; anything that did
  # not end in a 2xx is an error too.
  h2_errors=$h2_failed
  (( n - h2_2xx > h2_errors )) && h2_errors=$(( n - h2_2xx ))
  return 0
}

# median / min / max of the arguments (numbers), as "med min max".
stats() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
    END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
         print m, v[1], v[NR]}'
}

# ---- timed runs ------------------------------------------------------------
run_timed() {
  local s r i k
  declare -A cpu rps sns errs hwm
  for s in "${servers[@]}"; do
    start_server "$s" "$(free_port)" taskset -c "$server_cpu"
    errs[$s]=0
  done
  note "servers: $(for s in "${servers[@]}"; do printf '%s pid %s port %s; ' \
    "$s" "${pid[$s]}" "${port[$s]}"; done)"
  # Warm-up: a tenth of a run each, not counted.
  for s in "${servers[@]}"; do
    run_h2load "$s" $(( requests / 10 > 1000 ? requests / 10 : 1000 )) \
      "$conns" "$streams"
  done
  printf '%-4s %-8s %10s %12s %10s %8s\n' run server "cpu us/req" \
    "sched us/req" "req/s" errors
  local n=${#servers[@]} c0 c1 s0 s1
  for ((r = 1; r <= runs; r++)); do
    # Each run starts with the next server: the order rotates.
    for ((i = 0; i < n; i++)); do
      k=$(( (i + r - 1) % n ))
      s=${servers[$k]}
      c0=$(cpu_us "${pid[$s]}") s0=$(sched_ns "${pid[$s]}")
      run_h2load "$s" "$requests" "$conns" "$streams"
      c1=$(cpu_us "${pid[$s]}") s1=$(sched_ns "${pid[$s]}")
      cpu[$s]+="$(awk -v a="$c0" -v b="$c1" -v n="$requests" \
                   'BEGIN {printf "%.4f", (b - a) / n}') "
      sns[$s]+="$(awk -v a="$s0" -v b="$s1" -v n="$requests" \
                   'BEGIN {printf "%.4f", (b - a) / 1000 / n}') "
      rps[$s]+="$h2_rps "
      errs[$s]=$(( errs[$s] + h2_errors ))
      printf '%-4s %-8s %10.3f %12.3f %10.0f %8s\n' "$r" "$s" \
        "$(awk -v a="$c0" -v b="$c1" -v n="$requests" 'BEGIN {print (b - a) / n}')" \
        "$(awk -v a="$s0" -v b="$s1" -v n="$requests" 'BEGIN {print (b - a) / 1000 / n}')" \
        "$h2_rps" "$h2_errors"
    done
  done
  for s in "${servers[@]}"; do
    check_body "$s"
    hwm[$s]=$(status_kib "${pid[$s]}" VmHWM)
  done

  echo
  echo "W4 \"server\": h2load -n $requests -c $conns -m $streams -t 1, 1 KiB body," \
       "server on cpu $server_cpu, h2load on cpu $client_cpu; $runs runs"
  printf '%-8s %24s %24s %28s %7s %10s\n' server "cpu us/req med [min-max]" \
    "sched us/req med [min-max]" "req/s med [min-max]" errors "peak KiB"
  declare -A med_cpu med_rps
  local a b c
  for s in "${servers[@]}"; do
    # shellcheck disable=SC2086
    read -r a b c < <(stats ${cpu[$s]})
    med_cpu[$s]=$a
    local cpu_col sch_col rps_col
    cpu_col=$(printf '%.3f [%.3f-%.3f]' "$a" "$b" "$c")
    # shellcheck disable=SC2086
    read -r a b c < <(stats ${sns[$s]})
    sch_col=$(printf '%.3f [%.3f-%.3f]' "$a" "$b" "$c")
    # shellcheck disable=SC2086
    read -r a b c < <(stats ${rps[$s]})
    med_rps[$s]=$a
    rps_col=$(printf '%.0f [%.0f-%.0f]' "$a" "$b" "$c")
    printf '%-8s %24s %24s %28s %7s %10s\n' "$s" "$cpu_col" "$sch_col" \
      "$rps_col" "${errs[$s]}" "${hwm[$s]}"
  done
  echo "(cpu: utime+stime from /proc/PID/stat, ${clk_tck} ticks/s; sched:" \
       "/proc/PID/task/*/schedstat run time, a finer cross-check; errors:" \
       "h2load's failed requests (errored included) and non-2xx, all runs;" \
       "peak: VmHWM)"

  mem_line=
  if [[ $mem_conns -gt 0 && " ${servers[*]} " == *" h2serve "* ]]; then
    stop_server h2serve
    run_mem
  fi

  if [[ ${#servers[@]} -eq 3 ]]; then
    awk -v a="${med_cpu[h2serve]}" -v b="${med_cpu[h2o]}" -v c="${med_cpu[nghttpd]}" \
      'BEGIN {printf "RESULT W4-cpu-per-req h2serve=%.3f h2o=%.3f nghttpd=%.3f unit=us ratio=%.2f\n", a, b, c, b / a}'
    awk -v a="${med_rps[h2serve]}" -v b="${med_rps[h2o]}" -v c="${med_rps[nghttpd]}" \
      'BEGIN {printf "RESULT W4-req-per-s h2serve=%.0f h2o=%.0f nghttpd=%.0f unit=req/s ratio=%.2f\n", a, b, c, a / b}'
    echo "RESULT W4-errors h2serve=${errs[h2serve]} h2o=${errs[h2o]} nghttpd=${errs[nghttpd]} unit=count"
    awk -v a="${hwm[h2serve]}" -v b="${hwm[h2o]}" -v c="${hwm[nghttpd]}" \
      'BEGIN {printf "RESULT W4-peak-rss h2serve=%d h2o=%d nghttpd=%d unit=KiB ratio=%.2f\n", a, b, c, b / a}'
  fi
  [[ -n $mem_line ]] && echo "$mem_line"
  return 0
}

# ---- memory per connection (h2serve) --------------------------------------
# A fresh h2serve; baseline VmRSS once it has answered one request; then
# h2load with --mem-conns connections, one stream each; (VmHWM - baseline) /
# connections. Prints its lines and sets mem_line, the RESULT line.
run_mem() {
  local need=$(( mem_conns + 256 ))
  if [[ $(ulimit -n) != unlimited && $(ulimit -n) -lt $need ]]; then
    ulimit -n $(( need > 4096 ? need : 4096 )) 2>/dev/null ||
      die "cannot raise the open-file limit to $need (ulimit -n)"
  fi
  start_server h2serve "$(free_port)" taskset -c "$server_cpu"
  local base hwm per
  base=$(status_kib "${pid[h2serve]}" VmRSS)
  run_h2load h2serve "$mem_requests" "$mem_conns" 1
  hwm=$(status_kib "${pid[h2serve]}" VmHWM)
  check_body h2serve
  per=$(( (hwm - base) * 1024 / mem_conns ))
  {
    echo
    echo "W4 memory: h2serve, h2load -n $mem_requests -c $mem_conns -m 1 -t 1"
    printf '  baseline VmRSS %s KiB, VmHWM during the run %s KiB,' "$base" "$hwm"
    printf ' %.0f req/s, errors %s\n' "$h2_rps" "$h2_errors"
    printf '  (VmHWM - baseline) / %s connections = %s bytes per connection\n' \
      "$mem_conns" "$per"
  }
  [[ $h2_errors -eq 0 ]] || note "memory run: $h2_errors errors"
  mem_line="RESULT W4-mem-per-conn h2serve=$per unit=bytes"
  stop_server h2serve
}

# ---- callgrind -----------------------------------------------------------------
# Each server under callgrind; counters zeroed once it is ready and warmed up,
# dumped after one h2load run; Ir / requests.
run_callgrind() {
  local out=$work/callgrind s file ir
  mkdir -p "$out"
  declare -A per
  printf '%-10s %15s %10s %10s %8s\n' "W4 callgrind" Ir requests Ir/req errors
  for s in "${servers[@]}"; do
    rm -f "$out/w4.$s.callgrind"*
    start_server "$s" "$(free_port)" taskset -c "$server_cpu" \
      valgrind --tool=callgrind --trace-children=no \
      --callgrind-out-file="$out/w4.$s.callgrind"
    run_h2load "$s" 1000 "$conns" "$streams"
    callgrind_control -z "${pid[$s]}" >/dev/null 2>&1
    run_h2load "$s" "$requests" "$conns" "$streams"
    callgrind_control -d "${pid[$s]}" >/dev/null 2>&1
    file=$(ls -t "$out/w4.$s.callgrind".* 2>/dev/null | head -n 1)
    [[ -n $file ]] || die "no callgrind dump for $s in $out"
    ir=$(awk '/^summary:/ {print $2; exit}' "$file")
    [[ -n $ir ]] || ir=$(awk '/^totals:/ {print $2; exit}' "$file")
    per[$s]=$(awk -v i="$ir" -v n="$requests" 'BEGIN {printf "%.0f", i / n}')
    printf '%-10s %15s %10s %10s %8s\n' "$s" "$ir" "$requests" "${per[$s]}" \
      "$h2_errors"
    stop_server "$s"
  done
  echo "(callgrind output in $out: callgrind_annotate FILE; user-space" \
       "instructions only: the kernel's work in system calls is not counted)"
  if [[ ${#servers[@]} -eq 3 ]]; then
    echo "RESULT W4-Ir h2serve=${per[h2serve]} h2o=${per[h2o]}" \
         "nghttpd=${per[nghttpd]} unit=Ir/req ratio=$(awk -v a="${per[h2serve]}" \
         -v b="${per[h2o]}" 'BEGIN {printf "%.2f", b / a}')"
  fi
}

# ---- main ----------------------------------------------------------------------
need_tools
if [[ " ${servers[*]} " == *" h2serve "* ]]; then build_h2serve; fi
mkdir -p "$work"
make_docroot
[[ $(nproc) -ge 2 ]] || note "fewer than 2 cores: server and h2load share one"
if [[ $callgrind == 1 ]]; then run_callgrind; else run_timed; fi
