"""py_client: an h2c (prior knowledge) client for the libh2 interop matrix,
on the h2 package (PyPI) over one blocking socket.

  python py_client.py get URL OUT           GET URL, write the body to OUT
  python py_client.py post URL IN OUT       POST IN's bytes, write the body to OUT
  python py_client.py multi N BASE OUTDIR   GET BASE/f0 .. BASE/f(N-1) concurrently
                                            on one connection, write each to OUTDIR/fI

Every response must have :status 200. Exit 0 on success, 1 otherwise.
"""
import os
import socket
import sys
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def die(msg):
    sys.stderr.write("py_client: %s\n" % msg)
    sys.exit(1)


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.authority = u.netloc
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=25)
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        # A large connection window so many parallel responses can flow.
        self.conn.increment_flow_control_window(16 * 1024 * 1024)
        self.flush()
        self.streams = {}  # stream id -> {"status", "body", "done", "out"}
        self.pending = {}  # stream id -> memoryview of request body left to send

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def start(self, method, url, body=None):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        headers = [(":method", method), (":scheme", "http"),
                   (":authority", self.authority), (":path", path)]
        if body is not None:
            headers += [("content-type", "application/octet-stream"),
                        ("content-length", str(len(body)))]
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, headers, end_stream=body is None)
        self.streams[sid] = {"status": None, "body": bytearray(), "done": False,
                             "url": url, "method": method}
        if body is not None:
            self.pending[sid] = memoryview(body)
        self.send_pending()
        self.flush()
        return sid

    def send_pending(self):
        for sid in list(self.pending):
            left = self.pending[sid]
            while left:
                window = self.conn.local_flow_control_window(sid)
                n = min(window, self.conn.max_outbound_frame_size, len(left))
                if n <= 0:
                    break
                self.conn.send_data(sid, left[:n].tobytes())
                left = left[n:]
            if left:
                self.pending[sid] = left
            else:
                self.conn.end_stream(sid)
                del self.pending[sid]

    def run(self):
        while not all(s["done"] for s in self.streams.values()):
            data = self.sock.recv(65536)
            if not data:
                die("connection closed by the server")
            for ev in self.conn.receive_data(data):
                s = self.streams.get(getattr(ev, "stream_id", None) or 0)
                if isinstance(ev, h2.events.ResponseReceived):
                    s["status"] = dict(ev.headers).get(":status")
                elif isinstance(ev, h2.events.DataReceived):
                    s["body"] += ev.data
                    self.conn.acknowledge_received_data(
                        ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    s["done"] = True
                elif isinstance(ev, h2.events.StreamReset):
                    die("%s %s: stream reset, error %s" % (s["method"], s["url"], ev.error_code))
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    die("GOAWAY, error %s" % ev.error_code)
            self.send_pending()
            self.flush()
        for s in self.streams.values():
            if s["status"] != "200":
                die("%s %s: status %s" % (s["method"], s["url"], s["status"]))

    def close(self):
        self.conn.close_connection()
        self.flush()
        self.sock.close()


def main(argv):
    if len(argv) == 3 and argv[0] == "get":
        c = Client(argv[1])
        sid = c.start("GET", argv[1])
        c.run()
        with open(argv[2], "wb") as f:
            f.write(c.streams[sid]["body"])
    elif len(argv) == 4 and argv[0] == "post":
        with open(argv[2], "rb") as f:
            body = f.read()
        c = Client(argv[1])
        sid = c.start("POST", argv[1], body)
        c.run()
        with open(argv[3], "wb") as f:
            f.write(c.streams[sid]["body"])
    elif len(argv) == 4 and argv[0] == "multi":
        n = int(argv[1])
        c = Client(argv[2])
        sids = [c.start("GET", "%s/f%d" % (argv[2], i)) for i in range(n)]
        c.run()
        for i, sid in enumerate(sids):
            with open(os.path.join(argv[3], "f%d" % i), "wb") as f:
                f.write(c.streams[sid]["body"])
    else:
        die("usage: get URL OUT | post URL IN OUT | multi N BASE OUTDIR")
    c.close()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (OSError, h2.exceptions.H2Error) as e:
        die(repr(e))
