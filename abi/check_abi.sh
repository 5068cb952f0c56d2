#!/bin/sh
# Compare the ABI of a built libh2.so with the committed baseline
# abi/libh2.abi (libabigail). New functions pass; any change to what the
# baseline has (removal, signature, public type layout) fails.
#
#   abi/check_abi.sh path/to/libh2.so            check
#   abi/check_abi.sh --update path/to/libh2.so   rewrite the baseline
set -u
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
lib=${1:?usage: check_abi.sh [--update] libh2.so}
baseline="$here/libh2.abi"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

abidw --no-corpus-path --no-comp-dir-path --short-locs --drop-private-types --headers-dir "$here/include/h2" \
  --out-file "$tmp" "$lib" || { echo "FAIL: abidw could not read $lib" >&2; exit 1; }
if [ $update -eq 1 ]; then
  cp "$tmp" "$baseline"
  echo "baseline written: $baseline"
  exit 0
fi
abidiff --no-added-syms "$baseline" "$tmp"
rc=$?
# abidiff's exit status is a bit field: 1 error, 2 usage error,
# 4 ABI change, 8 certainly incompatible change. Added functions are
# filtered out (--no-added-syms), so what remains is a change to something
# that existed: a removed or changed function, a changed public type. Such a
# change may break callers even when abidiff cannot prove it does (bit 4
# alone), so every one fails.
if [ $rc -ne 0 ]; then
  echo "FAIL: the ABI differs from the baseline abi/libh2.abi (abidiff status $rc)" >&2
  exit 1
fi
echo "ok: no change to the ABI of the baseline (additions allowed)"
exit 0
