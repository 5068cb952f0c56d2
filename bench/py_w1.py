#!/usr/bin/env python3
"""W1-py "roundtrip": workload W1 of workloads.md driven from Python.

One client and one server H2Connection wired together in memory. The client
keeps up to 100 streams open and sends 20,000 GETs (request i on stream
2i+1, the eight headers of workloads.md); the server answers each with the
four response headers and one 1,024-byte DATA frame carrying END_STREAM.

Wiring, the same for both libraries: in each pump round the client tops up
its open streams, then its output is taken with ``data_to_send(65536)`` (at
most 64 KiB at a time, as a socket read would deliver it) and fed to the
server, which handles its events after each slice; then the server's output
goes to the client the same way. Both ends use h2's default settings and
header validation. Every receiver calls ``acknowledge_received_data()`` for
each DataReceived event as it arrives.

Headers are given as tuples of bytes, as httpx and hypercorn do (h2 accepts
str too, and encodes it as UTF-8).

The code is plain h2 code; ``--lib`` only chooses which package the three
modules are imported from (``h2.*`` or ``libh2.*``).

Usage: py_w1.py --lib libh2|h2 [--requests N] [--iterations N]
Prints, last, one line per run:
    RUN W1-py lib=<lib> version=<v> value=<req/s> unit=req/s
"""
import pyharness

CONCURRENT = 100
BODY_SIZE = 1024


def build_requests(n):
    """The header lists of all requests, built before timing."""
    requests = []
    for i in range(n):
        num = str(i).encode("ascii")
        requests.append([
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", b"example.com"),
            (b":path", b"/resource/" + num),
            (b"user-agent", b"bench/1.0"),
            (b"accept", b"*/*"),
            (b"accept-encoding", b"gzip, deflate, br"),
            (b"x-request-id", num),
        ])
    return requests


RESPONSE_HEADERS = [
    (b":status", b"200"),
    (b"content-type", b"application/json"),
    (b"content-length", str(BODY_SIZE).encode("ascii")),
    (b"server", b"bench"),
]


class Server:
    """The server end: answers every request with the same 1 KiB body."""

    def __init__(self, mods, body):
        connection, config, ev = (mods["connection"], mods["config"],
                                  mods["events"])
        self.ev = ev
        self.conn = connection.H2Connection(
            config=config.H2Configuration(client_side=False))
        self.body = body
        self.pending = {}  # stream id -> bytes of the body already sent
        self.paths = 0
        self.closed = False

    def start(self):
        self.conn.initiate_connection()

    def send_body(self, stream_id, offset):
        """Send what the windows allow; remember where we stopped."""
        conn = self.conn
        body = self.body
        while offset < len(body):
            window = conn.local_flow_control_window(stream_id)
            chunk = min(window, conn.max_outbound_frame_size,
                        len(body) - offset)
            if chunk <= 0:
                self.pending[stream_id] = offset
                return
            end = offset + chunk
            conn.send_data(stream_id, body[offset:end] if chunk < len(body)
                           else body, end_stream=end == len(body))
            offset = end
        self.pending.pop(stream_id, None)

    def handle(self, events):
        ev = self.ev
        conn = self.conn
        for event in events:
            if isinstance(event, ev.RequestReceived):
                for name, value in event.headers:
                    if name == b":path":
                        if value.startswith(b"/resource/"):
                            self.paths += 1
                        break
                conn.send_headers(event.stream_id, RESPONSE_HEADERS)
                self.send_body(event.stream_id, 0)
            elif isinstance(event, ev.WindowUpdated):
                if event.stream_id == 0:
                    for stream_id, offset in list(self.pending.items()):
                        self.send_body(stream_id, offset)
                elif event.stream_id in self.pending:
                    self.send_body(event.stream_id,
                                   self.pending[event.stream_id])
            elif isinstance(event, ev.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length,
                                               event.stream_id)
            elif isinstance(event, ev.ConnectionTerminated):
                if event.error_code != 0:
                    raise RuntimeError("server: %r" % (event,))
                self.closed = True
            elif isinstance(event, ev.StreamReset):
                raise RuntimeError("server: unexpected %r" % (event,))


class Client:
    """The client end: keeps up to 100 GETs in flight."""

    def __init__(self, mods, requests):
        connection, config, ev = (mods["connection"], mods["config"],
                                  mods["events"])
        self.ev = ev
        self.conn = connection.H2Connection(
            config=config.H2Configuration(client_side=True))
        self.requests = requests
        self.next = 0
        self.open = 0
        self.done = 0
        self.ok = 0
        self.body_bytes = 0

    def start(self):
        self.conn.initiate_connection()

    def top_up(self):
        conn = self.conn
        requests = self.requests
        while self.open < CONCURRENT and self.next < len(requests):
            stream_id = conn.get_next_available_stream_id()
            conn.send_headers(stream_id, requests[self.next], end_stream=True)
            self.next += 1
            self.open += 1

    def handle(self, events):
        ev = self.ev
        conn = self.conn
        for event in events:
            if isinstance(event, ev.DataReceived):
                self.body_bytes += len(event.data)
                conn.acknowledge_received_data(event.flow_controlled_length,
                                               event.stream_id)
            elif isinstance(event, ev.ResponseReceived):
                for name, value in event.headers:
                    if name == b":status":
                        if value == b"200":
                            self.ok += 1
                        break
            elif isinstance(event, ev.StreamEnded):
                self.open -= 1
                self.done += 1
            elif isinstance(event, (ev.StreamReset, ev.ConnectionTerminated)):
                raise RuntimeError("client: unexpected %r" % (event,))


def pump(src, dst):
    """Move src's pending output to dst, at most 64 KiB per slice; dst
    handles its events after each slice. Returns the bytes moved."""
    moved = 0
    while True:
        data = src.conn.data_to_send(65536)
        if not data:
            return moved
        moved += len(data)
        dst.handle(dst.conn.receive_data(data))


def exchange(mods, requests, body):
    """One whole exchange: connection setup, all requests, teardown.
    Returns the number of pump rounds."""
    client = Client(mods, requests)
    server = Server(mods, body)
    client.start()
    server.start()
    rounds = 0
    while client.done < len(requests):
        client.top_up()
        moved = pump(client, server)
        moved += pump(server, client)
        rounds += 1
        if moved == 0:
            raise RuntimeError("stalled after %d responses" % client.done)
    client.conn.close_connection()
    pump(client, server)
    n = len(requests)
    if client.ok != n or client.body_bytes != n * len(body) or \
            server.paths != n or not server.closed:
        raise RuntimeError(
            "verification failed: %d statuses 200, %d body bytes, %d paths,"
            " GOAWAY received: %s"
            % (client.ok, client.body_bytes, server.paths, server.closed))
    return rounds


def main():
    ap = pyharness.parser(__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=0,
                    help="untimed exchanges first (default 0)")
    args = ap.parse_args()
    args.mods = mods = pyharness.load(args.lib,
                                      ("connection", "config", "events"))
    requests = build_requests(args.requests)
    body = bytes(range(256)) * (BODY_SIZE // 256)
    for _ in range(args.warmup):
        exchange(mods, requests, body)
    pyharness.timed_runs(
        args, "W1-py", "req/s", lambda: exchange(mods, requests, body),
        lambda elapsed: "%.1f" % (args.requests / elapsed),
        lambda elapsed, rounds: "%d requests in %.3f s, %d pump rounds"
        % (args.requests, elapsed, rounds))


if __name__ == "__main__":
    main()
