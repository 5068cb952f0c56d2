#!/bin/sh
# Build the Debian packages from this tree, install them, and run the
# autopkgtest program against the installed libh2-dev.
#   packaging/build-deb.sh [WORKDIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/deb}
rm -rf "$work"
mkdir -p "$work/src"
# The source tree without build products, with debian/ at its top.
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 tar -cf - ) | tar -xf - -C "$work/src"
cp -r "$root/packaging/debian" "$work/src/debian"
(cd "$work/src" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) ||
  { tail -n 40 "$work/build.log"; echo "FAIL: dpkg-buildpackage"; exit 1; }
ls "$work"/*.deb
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
  "$work"/libh2-1_*.deb "$work"/libh2-dev_*.deb >/dev/null
AUTOPKGTEST_TMP=$(mktemp -d) sh "$work/src/debian/tests/build"
echo "ok: Debian packages built, installed and used"
