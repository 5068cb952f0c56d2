#!/bin/sh
# The library exports exactly the functions the public header declares with
# H2_EXTERN and the version script lists, each in a LIBH2_ version node, and
# its SONAME is libh2.so.<major>.
set -eu
lib=$1 header=$2 map=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations: "H2_EXTERN <type> <name>(" possibly with pointer stars.
grep -v '^#' "$header" | tr '\n' ' ' | grep -o 'H2_EXTERN [^;(]*(' |
  sed -E 's/\($//; s/.*[ *]([A-Za-z_][A-Za-z0-9_]*)$/\1/' | sort -u >"$tmp/header"
# Version script: indented "name;" lines outside the local: section.
sed -n '/global:/,/local:/p' "$map" | grep -E '^[[:space:]]+[a-z_0-9]+;' |
  tr -d ' \t;' | sort -u >"$tmp/map"
# What the shared object exports (functions and data, defined).
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
  sed 's/@.*//' | grep -v '^LIBH2_' | sort -u >"$tmp/exported"

status=0
if ! diff -u "$tmp/header" "$tmp/map"; then
  echo "FAIL: header declarations and version script differ" >&2; status=1
fi
if ! diff -u "$tmp/map" "$tmp/exported"; then
  echo "FAIL: version script and exported symbols differ" >&2; status=1
fi
n=$(wc -l <"$tmp/header")
if [ "$n" -lt 1 ]; then echo "FAIL: no declarations found" >&2; status=1; fi
# Every exported function carries a version node.
unversioned=$(objdump -T "$lib" | awk '$4 == ".text" && $6 !~ /^LIBH2_/ {print $7}')
if [ -n "$unversioned" ]; then
  echo "FAIL: symbols without a LIBH2_ version: $unversioned" >&2; status=1
fi
# The Debian symbols file lists the same symbols (packaging/update-symbols.sh).
symbols=$(dirname "$map")/../packaging/debian/libh2-1.symbols
if [ -f "$symbols" ]; then
  grep -E '^ h2_' "$symbols" | sed 's/^ //; s/@.*//' | sort -u >"$tmp/debian"
  if ! diff -u "$tmp/map" "$tmp/debian"; then
    echo "FAIL: packaging/debian/libh2-1.symbols is stale: run packaging/update-symbols.sh" >&2
    status=1
  fi
fi
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
case "$soname" in
  libh2.so.[0-9]*) ;;
  *) echo "FAIL: unexpected SONAME '$soname'" >&2; status=1 ;;
esac
[ $status -eq 0 ] && echo "ok: $n symbols, SONAME $soname"
exit $status
