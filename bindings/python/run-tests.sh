#!/bin/sh
# Build and install the Python binding into a fresh virtual environment and
# run its pytest suite (with the real h2 from PyPI beside it, for the
# comparison and interoperability tests).
# Usage: bindings/python/run-tests.sh <work-dir> [pytest args...]
#   The venv is <work-dir>/venv; pip builds the extension with
#   scikit-build-core, CMake and SWIG (both fetched by pip if needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${1:?usage: run-tests.sh <work-dir> [pytest args...]}
shift
mkdir -p "$work"
work=$(cd "$work" && pwd)
venv=$work/venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py=$venv/bin/python
"$py" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
"$py" -m pip install --quiet pytest 'h2>=4,<5' 'httpx[http2]' hypercorn \
  grpclib protobuf
# A wheel first (what `pip wheel` gives users), then install it.
rm -rf "$work/wheels"
"$py" -m pip wheel --quiet --no-deps -w "$work/wheels" \
  --config-settings=cmake.define.H2_PY_WERROR=ON "$here"
"$py" -m pip install --quiet --force-reinstall "$work"/wheels/libh2-*.whl
cd "$work"   # not the source tree: import the installed package
"$py" -c 'import libh2, h2; print("libh2", libh2.__version__, "engine", libh2.engine_version(), "| h2", h2.__version__)'
PYTHONDONTWRITEBYTECODE=1 "$py" -m pytest -p no:cacheprovider -q \
  "$here/tests" "$@"

# The same suite with the extension (glue code and engine) built with
# AddressSanitizer and UndefinedBehaviorSanitizer, loaded into the same
# interpreter. The RSS-bound test is left out: the sanitizer's quarantine
# holds freed memory on purpose. The socket tests ran above.
[ "${H2_PY_SANITIZE:-1}" = 1 ] || exit 0
echo "-- the same suite with the extension under ASan + UBSan"
"$py" -m pip install --quiet swig
asan=$work/asan
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$here" -B "$asan/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DPython_EXECUTABLE="$py" -DSWIG_EXECUTABLE="$venv/bin/swig" \
  -DCMAKE_C_FLAGS="$san" -DCMAKE_MODULE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$asan/build" >/dev/null
rm -rf "$asan/pkg" && mkdir -p "$asan/pkg"
cp -r "$here/src/libh2" "$asan/pkg/"
cp "$asan"/build/__libh2*.so "$asan/build/py/_libh2.py" "$asan/pkg/libh2/"
preload="$(${CC:-gcc} -print-file-name=libasan.so) $(${CC:-gcc} -print-file-name=libubsan.so)"
# (make sure the instrumented extension is the one imported)
LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 PYTHONPATH="$asan/pkg" \
  "$py" -c 'import libh2.connection as c, sys; "/asan/" in c._c.__file__ or sys.exit("not the ASan build: " + c._c.__file__)'
LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  PYTHONPATH="$asan/pkg" PYTHONDONTWRITEBYTECODE=1 \
  exec "$py" -m pytest -p no:cacheprovider -q "$here/tests" \
  --ignore "$here/tests/test_compat_asyncio.py" \
  --ignore "$here/tests/test_real_users.py" -k "not memory_is_bounded" "$@"
