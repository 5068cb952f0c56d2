#!/usr/bin/env python3
"""A cleartext HTTP/2 client (h2c, prior knowledge) on asyncio.

Opens one connection to the example server (asyncio_server.py, or any
server with the same two resources), sends --requests GETs of / at once and
one POST of a --post-size byte body to /echo, all multiplexed on that
connection, and checks the answers: every GET gets status 200 and the same
non-empty body, whose length matches its content-length; the POST gets
status 200 and exactly the bytes it sent. Large bodies are sent as the
server's flow-control windows allow, and received data is acknowledged as
it arrives.

    python3 asyncio_client.py [--host 127.0.0.1] --port 8080
                              [--requests 10] [--post-size 1048576]

Exit status 0 when every check passes, 1 otherwise (with the reason on
standard error).
"""
import argparse
import asyncio
import os
import sys

from libh2.config import H2Configuration
from libh2.connection import H2Connection
from libh2.events import (
    ConnectionTerminated,
    DataReceived,
    InformationalResponseReceived,
    RemoteSettingsChanged,
    ResponseReceived,
    SettingsAcknowledged,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from libh2.exceptions import ProtocolError


class Response:
    """One response as it arrives; ``done`` resolves when it is complete."""

    def __init__(self, loop):
        self.status = None
        self.headers = {}
        self.body = bytearray()
        self.done = loop.create_future()


class HTTP2ClientProtocol(asyncio.Protocol):
    def __init__(self, authority):
        self.authority = authority
        self.conn = H2Connection(config=H2Configuration(client_side=True))
        self.transport = None
        self.responses = {}       # stream id -> Response
        self.window_waiters = {}  # stream id -> Future woken by credit
        self.ready = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()

    # -- asyncio.Protocol -------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        self.conn.initiate_connection()
        self.flush()

    def data_received(self, data):
        try:
            events = self.conn.receive_data(data)
        except ProtocolError as exc:
            self.flush()
            self.transport.close()
            self.fail_all(exc)
            return
        for event in events:
            if isinstance(event, ResponseReceived):
                response = self.responses.get(event.stream_id)
                if response is not None:
                    response.headers = dict(event.headers)
                    response.status = int(response.headers[b":status"])
            elif isinstance(event, DataReceived):
                response = self.responses.get(event.stream_id)
                if response is not None:
                    response.body += event.data
                self.conn.acknowledge_received_data(
                    event.flow_controlled_length, event.stream_id)
            elif isinstance(event, StreamEnded):
                response = self.responses.pop(event.stream_id, None)
                if response is not None and not response.done.done():
                    response.done.set_result(response)
            elif isinstance(event, StreamReset):
                self.stream_failed(event.stream_id, ConnectionResetError(
                    "stream %d reset by the server (error %s)"
                    % (event.stream_id, event.error_code)))
            elif isinstance(event, WindowUpdated):
                self.credit_arrived(event.stream_id)
            elif isinstance(event, RemoteSettingsChanged):
                self.credit_arrived(0)
            elif isinstance(event, SettingsAcknowledged):
                if not self.ready.done():
                    self.ready.set_result(None)
            elif isinstance(event, ConnectionTerminated):
                self.flush()
                self.transport.close()
                self.fail_all(ConnectionError(
                    "server closed the connection (error %s)"
                    % (event.error_code,)))
                return
            elif isinstance(event, (InformationalResponseReceived,
                                    TrailersReceived)):
                pass
        self.flush()

    def connection_lost(self, exc):
        self.fail_all(exc or ConnectionError("connection closed"))
        if not self.closed.done():
            self.closed.set_result(None)

    # -- helpers ----------------------------------------------------------

    def flush(self):
        data = self.conn.data_to_send()
        if data and self.transport is not None and \
                not self.transport.is_closing():
            self.transport.write(data)

    def credit_arrived(self, stream_id):
        if stream_id == 0:
            ids = list(self.window_waiters)
        else:
            ids = [stream_id] if stream_id in self.window_waiters else []
        for sid in ids:
            waiter = self.window_waiters.pop(sid)
            if not waiter.done():
                waiter.set_result(None)

    def stream_failed(self, stream_id, exc):
        response = self.responses.pop(stream_id, None)
        if response is not None and not response.done.done():
            response.done.set_exception(exc)
        waiter = self.window_waiters.pop(stream_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def fail_all(self, exc):
        for stream_id in set(self.responses) | set(self.window_waiters):
            self.stream_failed(stream_id, exc)
        if not self.ready.done():
            self.ready.set_exception(exc)

    # -- requests ---------------------------------------------------------

    async def request(self, method, path, body=b"", content_type=None):
        """Send one request and wait for its complete response."""
        stream_id = self.conn.get_next_available_stream_id()
        headers = [
            (b":method", method),
            (b":scheme", b"http"),
            (b":authority", self.authority),
            (b":path", path),
            (b"user-agent", b"asyncio-h2c-example"),
        ]
        if body:
            headers.append((b"content-length", str(len(body)).encode()))
        if content_type:
            headers.append((b"content-type", content_type))
        response = Response(asyncio.get_running_loop())
        self.responses[stream_id] = response
        self.conn.send_headers(stream_id, headers, end_stream=not body)
        self.flush()
        if body:
            await self.send_body(stream_id, body)
        return await response.done

    async def send_body(self, stream_id, body):
        view = memoryview(body)
        while view:
            window = self.conn.local_flow_control_window(stream_id)
            if window <= 0:
                waiter = asyncio.get_running_loop().create_future()
                self.window_waiters[stream_id] = waiter
                await waiter
                continue
            size = min(window, len(view), self.conn.max_outbound_frame_size)
            self.conn.send_data(stream_id, view[:size].tobytes(),
                                end_stream=size == len(view))
            view = view[size:]
            self.flush()

    async def close(self):
        self.conn.close_connection()
        self.flush()
        self.transport.close()
        await self.closed


def check(cond, message):
    if not cond:
        raise AssertionError(message)


async def run(host, port, requests, post_size, timeout):
    loop = asyncio.get_running_loop()
    authority = ("%s:%d" % (host, port)).encode("ascii")
    _, proto = await asyncio.wait_for(loop.create_connection(
        lambda: HTTP2ClientProtocol(authority), host, port), timeout)
    try:
        await asyncio.wait_for(proto.ready, timeout)
        upload = os.urandom(post_size)
        jobs = [proto.request(b"GET", b"/") for _ in range(requests)]
        jobs.append(proto.request(b"POST", b"/echo", upload,
                                  b"application/octet-stream"))
        results = await asyncio.wait_for(asyncio.gather(*jobs), timeout)
    finally:
        if not proto.transport.is_closing():
            await asyncio.wait_for(proto.close(), timeout)

    gets, echo = results[:-1], results[-1]
    for i, response in enumerate(gets):
        check(response.status == 200,
              "GET %d: status %r" % (i, response.status))
        check(len(response.body) > 0, "GET %d: empty body" % i)
        length = response.headers.get(b"content-length")
        check(length is not None and int(length) == len(response.body),
              "GET %d: content-length %r but %d body bytes"
              % (i, length, len(response.body)))
        check(response.body == gets[0].body,
              "GET %d: body differs from the first one" % i)
    check(echo.status == 200, "POST /echo: status %r" % (echo.status,))
    check(len(echo.body) == post_size,
          "POST /echo: %d bytes back, %d sent" % (len(echo.body), post_size))
    check(echo.body == upload, "POST /echo: the body came back changed")
    print("%d GET / OK (%d bytes each), POST /echo OK (%d bytes)"
          % (len(gets), len(gets[0].body) if gets else 0, post_size))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--requests", type=int, default=10,
                    help="concurrent GET / requests (default 10)")
    ap.add_argument("--post-size", type=int, default=1 << 20,
                    help="bytes POSTed to /echo (default 1048576)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds before giving up (default 30)")
    args = ap.parse_args()
    try:
        asyncio.run(run(args.host, args.port, args.requests, args.post_size,
                        args.timeout))
    except (AssertionError, OSError, ProtocolError,
            asyncio.TimeoutError) as exc:
        print("FAILED: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
