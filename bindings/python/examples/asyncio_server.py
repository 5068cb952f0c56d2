#!/usr/bin/env python3
"""A cleartext HTTP/2 server (h2c, prior knowledge) on asyncio.

    GET /       a short text page
    POST /echo  the request body, sent back as it came (any size)

Anything else gets 404 (unknown path) or 405 (other methods on these
paths). Response bodies are sent as the peer's flow-control windows allow:
when a window is exhausted the sender waits for the WindowUpdated event that
reopens it. Received data is acknowledged as it arrives, so that the peer
can keep sending large request bodies.

    python3 asyncio_server.py [--host 127.0.0.1] [--port 8080]

With --port 0 the system picks a free port. Once listening, the server
prints one line on standard output, "listening on HOST port PORT", and then
nothing more there (errors go to standard error).

    curl --http2-prior-knowledge http://127.0.0.1:8080/
    curl --http2-prior-knowledge --data-binary @file http://127.0.0.1:8080/echo
"""
import argparse
import asyncio
import sys

from libh2.config import H2Configuration
from libh2.connection import H2Connection
from libh2.errors import ErrorCodes
from libh2.events import (
    ConnectionTerminated,
    DataReceived,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from libh2.exceptions import ProtocolError, StreamClosedError

PAGE = b"Hello over HTTP/2!\n"


class Request:
    """What has arrived of one request so far."""

    def __init__(self, headers):
        self.headers = dict(headers)
        self.body = bytearray()

    @property
    def method(self):
        return self.headers.get(b":method", b"")

    @property
    def path(self):
        """The path without its query string."""
        return self.headers.get(b":path", b"").split(b"?", 1)[0]


class HTTP2ServerProtocol(asyncio.Protocol):
    """One client connection."""

    def __init__(self):
        self.conn = H2Connection(config=H2Configuration(client_side=False))
        self.transport = None
        self.requests = {}        # stream id -> Request
        self.window_waiters = {}  # stream id -> Future woken by credit
        self.tasks = set()
        self.writable = asyncio.Event()
        self.writable.set()

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.conn.initiate_connection()
        self.flush()

    def data_received(self, data):
        try:
            events = self.conn.receive_data(data)
        except ProtocolError as exc:
            # The connection has queued a GOAWAY; send it and hang up.
            print("protocol error from peer: %s" % (exc,), file=sys.stderr)
            self.flush()
            self.transport.close()
            return
        for event in events:
            if isinstance(event, RequestReceived):
                self.request_received(event)
            elif isinstance(event, DataReceived):
                self.body_received(event)
            elif isinstance(event, StreamEnded):
                self.request_complete(event.stream_id)
            elif isinstance(event, WindowUpdated):
                self.credit_arrived(event.stream_id)
            elif isinstance(event, RemoteSettingsChanged):
                # A new SETTINGS_INITIAL_WINDOW_SIZE changes every stream's
                # window.
                self.credit_arrived(0)
            elif isinstance(event, StreamReset):
                self.stream_gone(event.stream_id)
            elif isinstance(event, ConnectionTerminated):
                self.flush()
                self.transport.close()
                return
        self.flush()

    def connection_lost(self, exc):
        for task in self.tasks:
            task.cancel()
        for stream_id in list(self.window_waiters):
            self.stream_gone(stream_id)

    def pause_writing(self):
        self.writable.clear()

    def resume_writing(self):
        self.writable.set()

    # -- events -----------------------------------------------------------

    def request_received(self, event):
        request = Request(event.headers)
        self.requests[event.stream_id] = request
        expect = request.headers.get(b"expect", b"").lower()
        if expect == b"100-continue" and request.path == b"/echo":
            self.conn.send_headers(event.stream_id, [(b":status", b"100")])

    def body_received(self, event):
        request = self.requests.get(event.stream_id)
        if request is not None:
            request.body += event.data
        # Give the credit back at once: the whole body is kept in memory, so
        # there is nothing to wait for.
        self.conn.acknowledge_received_data(event.flow_controlled_length,
                                            event.stream_id)

    def request_complete(self, stream_id):
        request = self.requests.pop(stream_id, None)
        if request is None:
            return
        if request.path == b"/":
            if request.method in (b"GET", b"HEAD"):
                self.respond(stream_id, 200, PAGE, b"text/plain; charset=utf-8",
                             head=request.method == b"HEAD")
            else:
                self.respond(stream_id, 405, b"method not allowed\n")
        elif request.path == b"/echo":
            if request.method == b"POST":
                ctype = request.headers.get(b"content-type",
                                            b"application/octet-stream")
                self.respond(stream_id, 200, bytes(request.body), ctype)
            else:
                self.respond(stream_id, 405, b"method not allowed\n")
        else:
            self.respond(stream_id, 404, b"not found\n")

    def credit_arrived(self, stream_id):
        if stream_id == 0:
            waiters = list(self.window_waiters.items())
        elif stream_id in self.window_waiters:
            waiters = [(stream_id, self.window_waiters[stream_id])]
        else:
            waiters = []
        for sid, waiter in waiters:
            del self.window_waiters[sid]
            if not waiter.done():
                waiter.set_result(None)

    def stream_gone(self, stream_id):
        self.requests.pop(stream_id, None)
        waiter = self.window_waiters.pop(stream_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionResetError(
                "stream %d was reset" % stream_id))

    # -- sending ----------------------------------------------------------

    def flush(self):
        data = self.conn.data_to_send()
        if data and self.transport is not None:
            self.transport.write(data)

    def respond(self, stream_id, status, body, content_type=b"text/plain",
                head=False):
        self.conn.send_headers(stream_id, [
            (b":status", str(status).encode("ascii")),
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"server", b"asyncio-h2c-example"),
        ], end_stream=head or not body)
        self.flush()
        if body and not head:
            task = asyncio.ensure_future(self.send_body(stream_id, body))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def send_body(self, stream_id, body):
        """Send body on stream_id in as many DATA frames as the windows and
        the peer's maximum frame size require."""
        view = memoryview(body)
        try:
            while view:
                window = self.conn.local_flow_control_window(stream_id)
                if window <= 0:
                    await self.wait_for_credit(stream_id)
                    continue
                size = min(window, len(view),
                           self.conn.max_outbound_frame_size)
                self.conn.send_data(stream_id, view[:size].tobytes(),
                                    end_stream=size == len(view))
                view = view[size:]
                self.flush()
                await self.writable.wait()
        except (ConnectionResetError, StreamClosedError):
            pass  # the peer reset the stream: drop the rest
        except asyncio.CancelledError:
            raise
        except ProtocolError as exc:
            print("stream %d: %s" % (stream_id, exc), file=sys.stderr)
            self.conn.reset_stream(stream_id, ErrorCodes.INTERNAL_ERROR)
            self.flush()

    def wait_for_credit(self, stream_id):
        waiter = asyncio.get_running_loop().create_future()
        self.window_waiters[stream_id] = waiter
        return waiter


async def serve(host, port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTP2ServerProtocol, host, port)
    port = server.sockets[0].getsockname()[1]
    print("listening on %s port %d" % (host, port), flush=True)
    async with server:
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080,
                    help="TCP port; 0 picks a free one (default 8080)")
    args = ap.parse_args()
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
