#!/bin/sh
# Regenerate packaging/debian/libh2-1.symbols from abi/libh2.map: every
# symbol with its version node, and the first package version having it
# (kept from the existing file, else the current version).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
map=$root/abi/libh2.map
out=$root/packaging/debian/libh2-1.symbols
version=$(sed -n 's/^project(libh2 VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
tmp=$(mktemp)
{
  echo "libh2.so.1 libh2-1 #MINVER#"
  echo "* Build-Depends-Package: libh2-dev"
  awk -v v="$version" -v old="$out" '
    BEGIN { while ((getline line < old) > 0) { split(line, f, " "); if (f[2] != "") since[f[1]] = f[2] } }
    /^LIBH2_[0-9.]+ *\{/ { node = $1; print " " node "@" node " " (((node "@" node) in since) ? since[node "@" node] : v); next }
    /^[ \t]+[a-z_0-9]+;/ { s = $1; sub(/;/, "", s); k = s "@" node; print " " k " " ((k in since) ? since[k] : v) }
  ' "$map" | sort
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out"
