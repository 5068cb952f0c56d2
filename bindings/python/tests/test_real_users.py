"""Unmodified users of h2 on top of libh2, through libh2.install_as_h2():
hypercorn (a server) fetched by curl, nghttp and httpx with the real h2;
httpx (through httpcore) against hypercorn running the real h2; grpclib's
health service with libh2 on either side or both.

Needs curl and nghttp on PATH and httpx[http2], hypercorn and grpclib installed
(bindings/python/run-tests.sh installs them); a missing one fails.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

APPS = Path(__file__).parent / "apps"
TIMEOUT = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hypercorn():
    procs = []

    def start(lib):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, str(APPS / "hypercorn_server.py"), lib,
             str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        procs.append(proc)
        first = proc.stdout.readline().decode()
        expected = "libh2.connection" if lib == "libh2" else "h2.connection"
        assert first.strip() == "serving with " + expected, first
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return "http://127.0.0.1:%d" % port
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.05)
        raise AssertionError("hypercorn did not start")

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail("%s is not installed (./dev deps installs it)" % name)
    return path


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, timeout=TIMEOUT,
                          check=True, **kw)


def test_hypercorn_on_libh2_with_curl(hypercorn, tmp_path):
    base = hypercorn("libh2")
    out = run([tool("curl"), "-sS", "--http2-prior-knowledge", "-w",
               " %{http_version}", base + "/index"]).stdout
    assert out == b"hello /index\n 2"
    upload = tmp_path / "up.bin"
    data = os.urandom(1 << 20)
    upload.write_bytes(data)
    out = run([tool("curl"), "-sS", "--http2-prior-knowledge",
               "--data-binary", "@" + str(upload), base + "/post"]).stdout
    assert out == b"%d %08x\n" % (len(data), zlib.crc32(data))


def test_hypercorn_on_libh2_with_nghttp(hypercorn):
    base = hypercorn("libh2")
    out = run([tool("nghttp"), "-n", "-s", base + "/x", base + "/y",
               base + "/z"]).stdout.decode()
    assert out.count(" 200 ") == 3, out


def test_hypercorn_on_libh2_with_httpx_on_h2(hypercorn):
    base = hypercorn("libh2")
    out = run([sys.executable, str(APPS / "httpx_client.py"), "h2",
               base]).stdout.decode().splitlines()
    assert out[:3] == ["HTTP/2 200 hello /a", "HTTP/2 200 hello /b",
                       "HTTP/2 200 hello /c"]
    assert out[3] == "HTTP/2 200 " + out[4].split(": ")[1]
    assert out[5] == "module h2.connection"


def test_httpx_on_libh2_against_hypercorn_on_h2(hypercorn):
    base = hypercorn("h2")
    out = run([sys.executable, str(APPS / "httpx_client.py"), "libh2",
               base]).stdout.decode().splitlines()
    assert out[:3] == ["HTTP/2 200 hello /a", "HTTP/2 200 hello /b",
                       "HTTP/2 200 hello /c"]
    assert out[3] == "HTTP/2 200 " + out[4].split(": ")[1]
    assert out[5] == "module libh2.connection"


@pytest.mark.parametrize("server,client", [
    ("libh2", "libh2"), ("libh2", "h2"), ("h2", "libh2")])
def test_grpclib_health_checks(server, client):
    out = run([sys.executable, str(APPS / "grpc_health.py"), server,
               client]).stdout.decode().splitlines()
    # HealthCheckResponse.SERVING is 1.
    assert out == ["1", "1", "1", "module %s.connection" % client], out


def test_install_as_h2_after_h2_was_imported():
    code = ("import h2.connection, libh2\n"
            "try:\n    libh2.install_as_h2()\n"
            "except RuntimeError as e:\n    print('refused:', e)\n")
    out = run([sys.executable, "-c", code]).stdout.decode()
    assert out.startswith("refused: install_as_h2() must run before h2"), out


def test_install_as_h2_maps_every_module():
    code = ("import libh2, sys\nlibh2.install_as_h2()\n"
            "import h2, h2.connection, h2.events, h2.exceptions, h2.config\n"
            "import h2.settings, h2.errors, h2.stream, h2.utilities\n"
            "import h2.windows\n"
            "from h2.connection import H2Connection\n"
            "print(h2.__name__, H2Connection.__module__,\n"
            "      sorted(m for m in sys.modules if m.startswith('h2')))\n")
    out = run([sys.executable, "-c", code]).stdout.decode()
    assert out.startswith("libh2 libh2.connection "), out
    for name in ("config", "connection", "errors", "events", "exceptions",
                 "settings", "stream", "utilities", "windows"):
        assert "'h2.%s'" % name in out, out
