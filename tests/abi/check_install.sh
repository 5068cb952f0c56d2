#!/bin/sh
# Install the freshly built library into a scratch prefix, then build and run
# a small program against the installed copy: once with pkg-config, once
# with CMake's find_package(libh2).
set -eu
build=$1 consumer=$2 work=$3
extra=${H2_CONSUMER_FLAGS:-}
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
libdir=$(dirname "$(find "$prefix" -name libh2.pc | head -n1)")/..
libdir=$(cd "$libdir" && pwd)

test -f "$prefix/include/h2/h2.h"
test -f "$prefix/include/h2/version.h"
test -e "$libdir/libh2.so.1"
test -f "$libdir/libh2.a"

echo "== pkg-config"
PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --define-prefix --modversion libh2
# shellcheck disable=SC2046
cc $extra -o "$work/consumer_pc" "$consumer/consumer.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --define-prefix --cflags --libs libh2)
LD_LIBRARY_PATH="$libdir" "$work/consumer_pc"
# The program resolved libh2 through its SONAME.
readelf -d "$work/consumer_pc" | grep -q 'NEEDED.*libh2\.so\.1'

echo "== find_package(libh2)"
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" >"$work/cmake.log"
cmake --build "$work/cmake-build" >>"$work/cmake.log"
LD_LIBRARY_PATH="$libdir" "$work/cmake-build/consumer_shared"
"$work/cmake-build/consumer_static"
echo "ok: installed package usable both ways"
