#!/usr/bin/env python3
"""W2-py "bulk": workload W2 of workloads.md driven from Python.

One client and one server H2Connection wired together in memory, one
stream: the client sends a GET, the server answers with a 256 MiB body in
DATA frames of min(16,384, the window, what is left) bytes, each a slice of
a memoryview over the body's source buffer. The client raises
SETTINGS_INITIAL_WINDOW_SIZE to 1 MiB in its first SETTINGS and opens the
connection window to 1 MiB, and calls ``acknowledge_received_data()`` for
each DataReceived event as it arrives.

Wiring, the same for both libraries: output is taken with
``data_to_send(65536)`` (at most 64 KiB at a time) and fed to the peer,
which handles its events after each slice. The server adds DATA frames only
while less than 64 KiB of its output is waiting to be taken, so it holds
about one slice of body at a time, as a server writing to a socket would;
the client's WINDOW_UPDATEs reach the server in the next round.

The body is a pseudo-random pattern with a period of 1,000,003 bytes, read
from a source buffer of twice that size (so every frame is one contiguous
slice). The client counts the bytes it receives; before timing, one
untimed exchange of 4 MiB (``--verify-size``) checks the bytes themselves
(CRC-32 of the body received against the one sent).

The code is plain h2 code; ``--lib`` only chooses which package the three
modules are imported from (``h2.*`` or ``libh2.*``).

Usage: py_w2.py --lib libh2|h2 [--size BYTES] [--iterations N]
Prints, last, one line per run:
    RUN W2-py lib=<lib> version=<v> value=<GB/s> unit=GB/s
(1 GB = 10^9 bytes.)
"""
import random
import zlib

import pyharness

PERIOD = 1000003
FRAME = 16384
SLICE = 65536
WINDOW = 1 << 20


def make_source():
    """Two periods of the body pattern, back to back, plus one frame."""
    rng = random.Random(20240601)
    period = rng.randbytes(PERIOD)
    return memoryview(period + period[:FRAME])


class Server:
    def __init__(self, mods, source, size):
        self.ev = mods["events"]
        self.conn = mods["connection"].H2Connection(
            config=mods["config"].H2Configuration(client_side=False))
        self.source = source
        self.size = size
        self.stream_id = None
        self.sent = 0
        self.queued = 0  # body bytes added and not yet taken (approximate)

    def start(self):
        self.conn.initiate_connection()

    def handle(self, events):
        ev = self.ev
        for event in events:
            if isinstance(event, ev.RequestReceived):
                self.stream_id = event.stream_id
                self.conn.send_headers(event.stream_id, [
                    (b":status", b"200"),
                    (b"content-type", b"application/octet-stream"),
                    (b"content-length", str(self.size).encode("ascii")),
                    (b"server", b"bench"),
                ])
            elif isinstance(event, ev.ConnectionTerminated):
                if event.error_code != 0:
                    raise RuntimeError("server: %r" % (event,))
            elif isinstance(event, ev.StreamReset):
                raise RuntimeError("server: unexpected %r" % (event,))

    def add_frames(self):
        """Add DATA frames while the windows allow it and less than 64 KiB
        of output waits."""
        conn = self.conn
        stream_id = self.stream_id
        if stream_id is None:
            return
        source = self.source
        size = self.size
        while self.sent < size and self.queued < SLICE:
            n = min(FRAME, conn.local_flow_control_window(stream_id),
                    conn.max_outbound_frame_size, size - self.sent)
            if n <= 0:
                return
            offset = self.sent % PERIOD
            self.sent += n
            conn.send_data(stream_id, source[offset:offset + n],
                           end_stream=self.sent == size)
            self.queued += n + 9

    def take(self):
        data = self.conn.data_to_send(SLICE)
        self.queued = max(0, self.queued - len(data))
        return data


class Client:
    def __init__(self, mods, verify):
        self.ev = mods["events"]
        settings = mods["settings"]
        codes = settings.SettingCodes
        self.conn = mods["connection"].H2Connection(
            config=mods["config"].H2Configuration(client_side=True))
        # h2's defaults, with a 1 MiB stream window, in the first SETTINGS.
        self.conn.local_settings = settings.Settings(
            client=True,
            initial_values={
                codes.INITIAL_WINDOW_SIZE: WINDOW,
                codes.MAX_CONCURRENT_STREAMS: 100,
                codes.MAX_HEADER_LIST_SIZE: 65536,
            })
        self.verify = verify
        self.crc = 0
        self.received = 0
        self.status = None
        self.ended = False

    def start(self):
        conn = self.conn
        conn.initiate_connection()
        conn.increment_flow_control_window(
            WINDOW - conn.inbound_flow_control_window)
        stream_id = conn.get_next_available_stream_id()
        conn.send_headers(stream_id, [
            (b":method", b"GET"),
            (b":scheme", b"https"),
            (b":authority", b"example.com"),
            (b":path", b"/bulk"),
        ], end_stream=True)

    def handle(self, events):
        ev = self.ev
        conn = self.conn
        for event in events:
            if isinstance(event, ev.DataReceived):
                self.received += len(event.data)
                if self.verify:
                    self.crc = zlib.crc32(event.data, self.crc)
                conn.acknowledge_received_data(event.flow_controlled_length,
                                               event.stream_id)
            elif isinstance(event, ev.ResponseReceived):
                self.status = dict(event.headers).get(b":status")
            elif isinstance(event, ev.StreamEnded):
                self.ended = True
            elif isinstance(event, (ev.StreamReset, ev.ConnectionTerminated)):
                raise RuntimeError("client: unexpected %r" % (event,))


def client_to_server(client, server):
    moved = 0
    while True:
        data = client.conn.data_to_send(SLICE)
        if not data:
            return moved
        moved += len(data)
        server.handle(server.conn.receive_data(data))


def server_to_client(server, client):
    moved = 0
    while True:
        server.add_frames()
        data = server.take()
        if not data:
            return moved
        moved += len(data)
        client.handle(client.conn.receive_data(data))


def exchange(mods, source, size, verify=False):
    """One whole exchange. Returns the number of pump rounds."""
    client = Client(mods, verify)
    server = Server(mods, source, size)
    client.start()
    server.start()
    rounds = 0
    while not client.ended:
        moved = client_to_server(client, server)
        moved += server_to_client(server, client)
        rounds += 1
        if moved == 0:
            raise RuntimeError("stalled after %d bytes" % client.received)
    client.conn.close_connection()
    client_to_server(client, server)
    if client.status != b"200" or client.received != size:
        raise RuntimeError("verification failed: status %r, %d of %d bytes"
                           % (client.status, client.received, size))
    if verify:
        crc = 0
        done = 0
        while done < size:
            n = min(FRAME, size - done)
            offset = done % PERIOD
            crc = zlib.crc32(source[offset:offset + n], crc)
            done += n
        if crc != client.crc:
            raise RuntimeError("verification failed: body differs")
    return rounds


def main():
    ap = pyharness.parser(__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=256 << 20,
                    help="body bytes (default 268435456 = 256 MiB)")
    ap.add_argument("--verify-size", type=int, default=4 << 20,
                    help="body bytes of the untimed checked exchange "
                         "(default 4 MiB; 0 skips it)")
    args = ap.parse_args()
    args.mods = mods = pyharness.load(
        args.lib, ("connection", "config", "events", "settings"))
    source = make_source()
    if args.verify_size:
        exchange(mods, source, args.verify_size, verify=True)
    pyharness.timed_runs(
        args, "W2-py", "GB/s", lambda: exchange(mods, source, args.size),
        lambda elapsed: "%.3f" % (args.size / elapsed / 1e9),
        lambda elapsed, rounds: "%d body bytes in %.3f s, %d pump rounds"
        % (args.size, elapsed, rounds))


if __name__ == "__main__":
    main()
