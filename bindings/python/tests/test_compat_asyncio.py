"""The asyncio example programs against real HTTP/2 peers.

examples/asyncio_server.py and examples/asyncio_client.py import only
``libh2.*``; their h2 variants are the same files with ``libh2`` replaced by
``h2`` in the import lines. The servers are started on port 0 (they print
the port), and killed at the end of each test; every subprocess has a
timeout, so a hang fails the test instead of blocking the run.

Needs h2 installed beside libh2, and curl and nghttp (Debian package
nghttp2-client) on PATH; a test whose tool is missing fails. Several URLs on one curl
connection are not tested: Debian's curl 7.88 cannot reuse a prior-knowledge
connection (nghttp covers multiplexing).
"""
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SERVER = EXAMPLES / "asyncio_server.py"
CLIENT = EXAMPLES / "asyncio_client.py"
PAGE = b"Hello over HTTP/2!\n"
TIMEOUT = 60          # seconds for any one client run
START_TIMEOUT = 20    # seconds for a server to print its port

IMPORT_LINE = re.compile(rb"^(from|import)(\s+)libh2(?=[.\s])", re.M)


def h2_variant(program, directory):
    """Write the h2 variant of ``program`` into ``directory``: the same
    file with ``libh2`` changed to ``h2`` in its import lines only."""
    import h2  # noqa: F401  (the variant needs the real h2 installed)
    source = program.read_bytes()
    rewritten, count = IMPORT_LINE.subn(rb"\1\2h2", source)
    assert count > 0, "no libh2 import found in %s" % program
    # Outside its import lines the program must not name the package, or
    # the variant would not be the same program.
    assert not re.search(rb"\blibh2\b", rewritten), \
        "%s names libh2 outside its import lines" % program.name
    path = Path(directory) / ("h2_" + program.name)
    path.write_bytes(rewritten)
    return path


def need(tool):
    if shutil.which(tool) is None:
        pytest.fail("%s is not installed (./dev deps installs it)" % tool)


class RunningServer:
    def __init__(self, proc, port, stderr_path):
        self.proc = proc
        self.port = port
        self.stderr_path = stderr_path

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stderr(self):
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def check_alive(self):
        assert self.proc.poll() is None, \
            "server exited with %s:\n%s" % (self.proc.returncode,
                                            self.stderr())


@pytest.fixture
def start_server(tmp_path):
    """start_server(program) runs an example server on a free port and
    returns a RunningServer; every server started is killed at teardown."""
    procs = []

    def start(program):
        stderr_path = tmp_path / ("%s.%d.stderr" % (program.stem, len(procs)))
        with open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, str(program), "--host", "127.0.0.1",
                 "--port", "0"],
                stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                cwd=str(tmp_path))
        procs.append(proc)
        line = b""
        deadline = time.monotonic() + START_TIMEOUT
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                break
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 1)
                if not chunk:
                    break
                line += chunk
        match = re.match(rb"listening on \S+ port (\d+)\n\Z", line)
        if not match:
            proc.kill()
            proc.wait(5)
            pytest.fail("server %s did not start (stdout %r):\n%s" % (
                program.name, line, stderr_path.read_text(errors="replace")))
        return RunningServer(proc, int(match.group(1)), stderr_path)

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        proc.stdout.close()


def run(args, **kwargs):
    kwargs.setdefault("timeout", TIMEOUT)
    return subprocess.run(args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          **kwargs)


def run_client(program, server, cwd, requests=20, post_size=1 << 20):
    result = run([sys.executable, str(program), "--port", str(server.port),
                  "--requests", str(requests), "--post-size", str(post_size),
                  "--timeout", str(TIMEOUT - 10)], cwd=str(cwd))
    server.check_alive()
    assert result.returncode == 0, (
        "client exited with %d\nstdout: %s\nstderr: %s\nserver stderr: %s"
        % (result.returncode, result.stdout.decode(errors="replace"),
           result.stderr.decode(errors="replace"), server.stderr()))
    expected = "%d GET / OK (%d bytes each), POST /echo OK (%d bytes)" % (
        requests, len(PAGE), post_size)
    assert result.stdout.decode().strip() == expected
    return result


def curl(*args):
    return run(["curl", "--silent", "--show-error", "--http2-prior-knowledge",
                "--max-time", str(TIMEOUT - 10)] + list(args))


@pytest.fixture
def upload(tmp_path):
    """A 1 MiB file of random bytes (larger than the default windows)."""
    path = tmp_path / "upload.bin"
    path.write_bytes(os.urandom(1 << 20))
    return path


# -- (a) curl against the libh2 server --------------------------------------

def test_curl_get(start_server, tmp_path):
    need("curl")
    server = start_server(SERVER)
    out = tmp_path / "page"
    result = curl("--output", str(out), "--dump-header", str(tmp_path / "hd"),
                  "--write-out", "%{http_version} %{response_code}",
                  server.url("/"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"2 200"
    assert out.read_bytes() == PAGE
    headers = (tmp_path / "hd").read_text().lower()
    assert headers.startswith("http/2 200")
    assert "content-length: %d" % len(PAGE) in headers
    assert "content-type: text/plain" in headers


def test_curl_post_echo(start_server, tmp_path, upload):
    need("curl")
    server = start_server(SERVER)
    out = tmp_path / "echoed"
    result = curl("--data-binary", "@%s" % upload,
                  "--header", "content-type: application/x-test",
                  "--dump-header", str(tmp_path / "hd"),
                  "--output", str(out),
                  "--write-out", "%{http_version} %{response_code}",
                  server.url("/echo"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"2 200"
    assert out.read_bytes() == upload.read_bytes()
    headers = (tmp_path / "hd").read_text().lower()
    assert "content-type: application/x-test" in headers
    assert "content-length: %d" % (1 << 20) in headers


def test_h2_client_against_libh2_server(start_server, tmp_path):
    client = h2_variant(CLIENT, tmp_path)
    run_client(client, start_server(SERVER), tmp_path)


def test_libh2_client_against_h2_server(start_server, tmp_path):
    server = h2_variant(SERVER, tmp_path)
    run_client(CLIENT, start_server(server), tmp_path)


def test_libh2_client_against_libh2_server(start_server, tmp_path):
    run_client(CLIENT, start_server(SERVER), tmp_path)


def test_libh2_client_against_libh2_server_large(start_server, tmp_path):
    # Many streams at once and a body of several windows.
    run_client(CLIENT, start_server(SERVER), tmp_path, requests=90,
               post_size=5 << 20)


def test_client_detects_a_wrong_answer(start_server, tmp_path):
    # The checks of the client can fail: a server whose echo drops a byte.
    source = SERVER.read_bytes()
    broken = source.replace(b"self.respond(stream_id, 200, bytes(request.body), ctype)",
                            b"self.respond(stream_id, 200, bytes(request.body)[1:], ctype)")
    assert broken != source
    path = tmp_path / "broken_server.py"
    path.write_bytes(broken)
    server = start_server(path)
    result = run([sys.executable, str(CLIENT), "--port", str(server.port),
                  "--requests", "2", "--post-size", "1000",
                  "--timeout", "20"], cwd=str(tmp_path))
    assert result.returncode == 1
    assert b"POST /echo: 999 bytes back, 1000 sent" in result.stderr


# -- (e) nghttp against the libh2 server ------------------------------------

def test_nghttp_verbose(start_server):
    need("nghttp")
    server = start_server(SERVER)
    urls = [server.url("/"), server.url("/?n=2"), server.url("/missing")]
    result = run(["nghttp", "-nv", "--timeout", "20"] + urls)
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out + result.stderr.decode()
    # nghttp multiplexes its URLs on one connection (streams 13, 15, 17
    # after its priority streams).
    statuses = re.findall(r"recv \(stream_id=(\d+)\) :status: (\d+)", out)
    assert sorted(s for _, s in statuses) == ["200", "200", "404"]
    assert len({sid for sid, _ in statuses}) == 3
    assert "recv SETTINGS frame" in out
    assert len(re.findall(r"recv DATA frame <length=%d, flags=0x01"
                          % len(PAGE), out)) == 2
    assert "send GOAWAY frame" in out
    assert "recv GOAWAY" not in out and "RST_STREAM" not in out


def test_nghttp_post_echo(start_server, upload):
    need("nghttp")
    server = start_server(SERVER)
    result = run(["nghttp", "--timeout", "20", "-d", str(upload),
                  server.url("/echo")])
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == upload.read_bytes()


# -- a peer that resets a stream in the middle of a response ----------------

def test_libh2_server_survives_a_reset_mid_response(start_server):
    import socket

    from libh2.config import H2Configuration
    from libh2.connection import H2Connection
    from libh2.errors import ErrorCodes
    from libh2.events import (DataReceived, ResponseReceived, StreamEnded,
                              StreamReset)

    server = start_server(SERVER)
    conn = H2Connection(config=H2Configuration(client_side=True))
    conn.initiate_connection()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
    try:
        def exchange_until(done):
            sock.sendall(conn.data_to_send())
            seen = []
            while not done(seen):
                data = sock.recv(65536)
                assert data, "server closed the connection"
                for event in conn.receive_data(data):
                    seen.append(event)
                    if isinstance(event, DataReceived):
                        # Credit for the connection only: the echo stream's
                        # window stays shut, so its response stalls.
                        conn.increment_flow_control_window(
                            event.flow_controlled_length)
                sock.sendall(conn.data_to_send())
            return seen

        # A 256 KiB echo whose response stalls after the first window.
        echo = conn.get_next_available_stream_id()
        conn.send_headers(echo, [(":method", "POST"), (":scheme", "http"),
                                 (":authority", "localhost"),
                                 (":path", "/echo")])
        body = os.urandom(256 << 10)
        sent = 0
        events = []
        while sent < len(body):
            room = min(conn.local_flow_control_window(echo),
                       conn.max_outbound_frame_size, len(body) - sent)
            if room <= 0:
                events += exchange_until(lambda seen: any(
                    not isinstance(e, DataReceived) for e in seen))
                continue
            conn.send_data(echo, body[sent:sent + room],
                           end_stream=sent + room == len(body))
            sent += room
        events += exchange_until(lambda seen: sum(
            len(e.data) for e in events + seen
            if isinstance(e, DataReceived)) >= 65535)
        assert any(isinstance(e, ResponseReceived) and e.stream_id == echo
                   for e in events)
        assert not any(isinstance(e, StreamEnded) and e.stream_id == echo
                       for e in events)

        # Cancel it, then ask for the page on the same connection.
        conn.reset_stream(echo, ErrorCodes.CANCEL)
        page = conn.get_next_available_stream_id()
        conn.send_headers(page, [(":method", "GET"), (":scheme", "http"),
                                 (":authority", "localhost"), (":path", "/")],
                          end_stream=True)
        events = exchange_until(lambda seen: any(
            isinstance(e, StreamEnded) and e.stream_id == page for e in seen))
        got = b"".join(e.data for e in events
                       if isinstance(e, DataReceived) and e.stream_id == page)
        assert got == PAGE
        assert not any(isinstance(e, StreamReset) for e in events)
    finally:
        sock.close()
    server.check_alive()
    assert "Traceback" not in server.stderr()
