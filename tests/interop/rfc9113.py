#!/usr/bin/env python3
"""Socket-level conformance checks for what RFC 9113 changed relative to
RFC 7540, and for HTTP/2 extension frames (RFC 9218, RFC 8336, RFC 7838,
RFC 8441), run against a cleartext (h2c prior knowledge) server.

usage: rfc9113.py HOST PORT

Standard library only.  Frames are built by hand; request header blocks use
HPACK "literal without indexing, new name" representations without Huffman
coding.  The response decoder understands just enough HPACK to find :status.

Every case opens a new connection.  Prints PASS/FAIL lines, then a last line
"rfc9113.py: N passed, M failed"; the exit status is 1 if anything failed.
"""
import socket
import struct
import sys
import time

TIMEOUT = 2.0
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# frame types
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS = 0x0, 0x1, 0x2, 0x3, 0x4
PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = 0x5, 0x6, 0x7, 0x8, 0x9
ALTSVC, ORIGIN, PRIORITY_UPDATE = 0xA, 0xC, 0x10
# flags
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PADDED, PRIORITY_FLAG = 0x8, 0x20
# error codes
ERRORS = {0x0: "NO_ERROR", 0x1: "PROTOCOL_ERROR", 0x2: "INTERNAL_ERROR",
          0x3: "FLOW_CONTROL_ERROR", 0x4: "SETTINGS_TIMEOUT",
          0x5: "STREAM_CLOSED", 0x6: "FRAME_SIZE_ERROR",
          0x7: "REFUSED_STREAM", 0x8: "CANCEL", 0x9: "COMPRESSION_ERROR",
          0xA: "CONNECT_ERROR", 0xB: "ENHANCE_YOUR_CALM",
          0xC: "INADEQUATE_SECURITY", 0xD: "HTTP_1_1_REQUIRED"}
PROTOCOL_ERROR = 0x1
# settings
SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8
SETTINGS_NO_RFC7540_PRIORITIES = 0x9


def errname(code):
    return ERRORS.get(code, "0x%x" % code)


# --- frame and HPACK encoding ------------------------------------------------

def frame(ftype, flags, sid, payload=b""):
    return (struct.pack(">I", len(payload))[1:] +
            struct.pack(">BBI", ftype, flags, sid & 0x7FFFFFFF) + payload)


def hpack_int(value, prefix_bits, first_byte=0):
    """RFC 7541 §5.1 integer with an N-bit prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = bytearray([first_byte | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_str(raw):
    """String literal, H=0 (no Huffman)."""
    return hpack_int(len(raw), 7, 0x00) + raw


def header_block(fields):
    """Literal Header Field without Indexing -- New Name (0x00) for each."""
    out = bytearray()
    for name, value in fields:
        if isinstance(name, str):
            name = name.encode("latin-1")
        if isinstance(value, str):
            value = value.encode("latin-1")
        out += b"\x00" + hpack_str(name) + hpack_str(value)
    return bytes(out)


def get_fields(path="/", authority="127.0.0.1", extra=()):
    f = [(":method", "GET"), (":scheme", "http"), (":path", path)]
    if authority is not None:
        f.append((":authority", authority))
    return f + list(extra)


# --- minimal HPACK decoding (enough to find :status) ---------------------------

# RFC 7541 Appendix A, the entries a response's first field can use.
STATIC_STATUS = {8: b"200", 9: b"204", 10: b"206", 11: b"304",
                 12: b"400", 13: b"404", 14: b"500"}
STATIC_LEN = 61

# RFC 7541 Appendix B codes of the digits '0'..'9' (all a status needs).
HUFF_DIGITS = {format(i, "05b"): str(i) for i in range(3)}
for _d, _c in zip("3456789", range(0x19, 0x20)):
    HUFF_DIGITS[format(_c, "06b")] = _d


def huffman_digits(data):
    """Decode a Huffman string made only of digits, else None."""
    bits = "".join(format(b, "08b") for b in data)
    out, cur = [], ""
    for bit in bits:
        cur += bit
        if cur in HUFF_DIGITS:
            out.append(HUFF_DIGITS[cur])
            cur = ""
        elif len(cur) > 6:
            return None
    if cur and set(cur) != {"1"}:          # padding must be EOS prefix
        return None
    return "".join(out).encode()


class Decoder:
    """Tracks the dynamic table; strings kept raw as (huffman, bytes)."""

    def __init__(self):
        self.dyn = []                      # newest first: (name, value)

    @staticmethod
    def _int(buf, pos, prefix_bits):
        limit = (1 << prefix_bits) - 1
        value = buf[pos] & limit
        pos += 1
        if value < limit:
            return value, pos
        shift = 0
        while True:
            b = buf[pos]
            pos += 1
            value += (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value, pos

    def _str(self, buf, pos):
        huff = bool(buf[pos] & 0x80)
        n, pos = self._int(buf, pos, 7)
        return (huff, bytes(buf[pos:pos + n])), pos + n

    def _entry(self, index):
        if index <= STATIC_LEN:
            name = (False, b":status") if 8 <= index <= 14 else (False, b"?")
            value = (False, STATIC_STATUS.get(index, b""))
            return name, value
        return self.dyn[index - STATIC_LEN - 1]

    def decode(self, block):
        """Returns the list of (name, value) as (huffman, raw) pairs."""
        out, pos = [], 0
        while pos < len(block):
            b = block[pos]
            if b & 0x80:                   # indexed
                idx, pos = self._int(block, pos, 7)
                out.append(self._entry(idx))
            elif b & 0xC0 == 0x40:         # literal, incremental indexing
                idx, pos = self._int(block, pos, 6)
                if idx:
                    name = self._entry(idx)[0]
                else:
                    name, pos = self._str(block, pos)
                value, pos = self._str(block, pos)
                self.dyn.insert(0, (name, value))
                out.append((name, value))
            elif b & 0xE0 == 0x20:         # dynamic table size update
                size, pos = self._int(block, pos, 5)
                if size == 0:
                    self.dyn = []
            else:                          # without indexing / never indexed
                idx, pos = self._int(block, pos, 4)
                if idx:
                    name = self._entry(idx)[0]
                else:
                    name, pos = self._str(block, pos)
                value, pos = self._str(block, pos)
                out.append((name, value))
        return out

    def status(self, block):
        for (nh, name), (vh, value) in self.decode(block):
            if not nh and name == b":status":
                v = huffman_digits(value) if vh else value
                return int(v) if v and v.isdigit() else None
        return None


# --- connection ----------------------------------------------------------------

class Closed(Exception):
    pass


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""
        self.dec = Decoder()
        self.server_settings = {}
        self.goaway = None                 # (last_stream_id, code, debug)
        self.pending = []                  # frames read but not consumed
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        deadline = time.monotonic() + TIMEOUT
        while True:
            f = self.read_frame(deadline)
            if f is None:
                raise Closed("no server SETTINGS")
            ftype, flags, sid, payload = f
            if ftype == SETTINGS and not flags & ACK:
                for i in range(0, len(payload) - 5, 6):
                    k, v = struct.unpack(">HI", payload[i:i + 6])
                    self.server_settings[k] = v
                self.sock.sendall(frame(SETTINGS, ACK, 0))
                break
            self.pending.append(f)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def read_frame(self, deadline):
        """One frame, or None on timeout; raises Closed on EOF."""
        if self.pending:
            return self.pending.pop(0)
        while True:
            if len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + n:
                    ftype, flags, sid = struct.unpack(">BBI", self.buf[3:9])
                    payload = self.buf[9:9 + n]
                    self.buf = self.buf[9 + n:]
                    return ftype, flags, sid & 0x7FFFFFFF, payload
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError as e:
                raise Closed(str(e))
            if not chunk:
                raise Closed("connection closed")
            self.buf += chunk

    def events(self, until, timeout=TIMEOUT):
        """Read frames, turning them into events, until until(event) is true,
        a GOAWAY, EOF or the timeout.  Returns the list of events:
          ("status", sid, code) ("data", sid, n) ("end", sid) ("rst", sid, code)
          ("goaway", last, code) ("ping-ack", opaque) ("settings-ack",)
          ("closed", why) ("timeout",)"""
        deadline = time.monotonic() + timeout
        evs = []
        block, block_sid, block_es = b"", None, False
        while True:
            try:
                f = self.read_frame(deadline)
            except Closed as e:
                evs.append(("closed", str(e)))
                return evs
            if f is None:
                evs.append(("timeout",))
                return evs
            ftype, flags, sid, payload = f
            new = []
            if ftype in (HEADERS, CONTINUATION):
                if ftype == HEADERS:
                    p = payload
                    pad = 0
                    if flags & PADDED:
                        pad, p = p[0], p[1:]
                    if flags & PRIORITY_FLAG:
                        p = p[5:]
                    block = p[:len(p) - pad]
                    block_sid, block_es = sid, bool(flags & END_STREAM)
                else:
                    block += payload
                if flags & END_HEADERS:
                    status = self.dec.status(block)
                    new.append(("status", block_sid, status))
                    if block_es:
                        new.append(("end", block_sid))
            elif ftype == DATA:
                if payload:
                    # keep the server's windows open
                    inc = struct.pack(">I", len(payload))
                    self.send(frame(WINDOW_UPDATE, 0, 0, inc) +
                              frame(WINDOW_UPDATE, 0, sid, inc))
                new.append(("data", sid, len(payload)))
                if flags & END_STREAM:
                    new.append(("end", sid))
            elif ftype == RST_STREAM:
                new.append(("rst", sid, struct.unpack(">I", payload[:4])[0]))
            elif ftype == GOAWAY:
                last, code = struct.unpack(">II", payload[:8])
                self.goaway = (last & 0x7FFFFFFF, code, payload[8:])
                new.append(("goaway", last & 0x7FFFFFFF, code))
            elif ftype == PING:
                if flags & ACK:
                    new.append(("ping-ack", payload))
                else:
                    self.send(frame(PING, ACK, 0, payload))
            elif ftype == SETTINGS and flags & ACK:
                new.append(("settings-ack",))
            elif ftype == SETTINGS:
                self.send(frame(SETTINGS, ACK, 0))
            for ev in new:
                evs.append(ev)
                if ev[0] == "goaway" or until(ev):
                    return evs


def describe(evs):
    out = []
    for ev in evs:
        k = ev[0]
        if k == "status":
            out.append("HEADERS(:status %s) on %d" % (ev[2], ev[1]))
        elif k == "data":
            out.append("DATA(%d) on %d" % (ev[2], ev[1]))
        elif k == "end":
            out.append("END_STREAM on %d" % ev[1])
        elif k == "rst":
            out.append("RST_STREAM(%s) on %d" % (errname(ev[2]), ev[1]))
        elif k == "goaway":
            out.append("GOAWAY(%s, last %d)" % (errname(ev[2]), ev[1]))
        elif k == "ping-ack":
            out.append("PING ACK")
        elif k == "settings-ack":
            out.append("SETTINGS ACK")
        elif k == "closed":
            out.append("connection closed (%s)" % ev[1])
        elif k == "timeout":
            out.append("nothing more within %.0f s" % TIMEOUT)
    return ", ".join(out) if out else "nothing"


# --- results ------------------------------------------------------------------

RESULTS = []


def report(name, ok, sent="", expected="", got=""):
    RESULTS.append(ok)
    if ok:
        print("PASS  %s" % name)
    else:
        print("FAIL  %s\n      sent:     %s\n      expected: %s\n      got:      %s"
              % (name, sent, expected, got))
    sys.stdout.flush()


# --- building blocks -------------------------------------------------------------

def request(conn, sid, fields, end_stream=True):
    conn.send(frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0),
                    sid, header_block(fields)))


def stream_done(sid):
    return lambda ev: ev[0] in ("end", "rst") and ev[1] == sid


def response_status(evs, sid):
    for ev in evs:
        if ev[0] == "status" and ev[1] == sid:
            return ev[2]
    return None


def rst_code(evs, sid):
    for ev in evs:
        if ev[0] == "rst" and ev[1] == sid:
            return ev[2]
    return None


def goaway_code(evs):
    for ev in evs:
        if ev[0] == "goaway":
            return ev[2]
    return None


def ping(conn, opaque=b"rfc9113!"):
    """PING and wait for its ACK; returns (acked, events)."""
    conn.send(frame(PING, 0, 0, opaque))
    evs = conn.events(lambda ev: ev[0] == "ping-ack" and ev[1] == opaque)
    return any(ev[0] == "ping-ack" and ev[1] == opaque for ev in evs), evs


def check_ok(conn, name, sid, sent, fields=None, body=None):
    """Expect a 200 response on sid (request already sent unless fields)."""
    if fields is not None:
        request(conn, sid, fields, end_stream=body is None)
        if body is not None:
            conn.send(frame(DATA, END_STREAM, sid, body))
    evs = conn.events(stream_done(sid))
    st = response_status(evs, sid)
    ok = st == 200 and rst_code(evs, sid) is None and goaway_code(evs) is None
    report(name, ok, sent, "HEADERS :status 200 on stream %d" % sid,
           describe(evs))
    return ok


def survives(conn, name, next_sid):
    """After a stream error, a valid GET on the same connection gets 200."""
    check_ok(conn, name + " -- then a valid GET on the same connection",
             next_sid, "GET / on stream %d" % next_sid, fields=get_fields())


def expect_malformed(conn, name, sid, sent, evs=None, until_sid=None):
    """RFC 9113 §8.1.1: malformed -> stream error PROTOCOL_ERROR.  A GOAWAY
    PROTOCOL_ERROR is accepted for this check, but then the follow-up check
    (connection survives) fails and says so."""
    if evs is None:
        evs = conn.events(stream_done(sid))
    rc, gc = rst_code(evs, sid), goaway_code(evs)
    st = response_status(evs, sid)
    ok = rc == PROTOCOL_ERROR or (rc is None and gc == PROTOCOL_ERROR)
    if ok and st is not None and rc is None:
        ok = False
    report(name, ok, sent,
           "RST_STREAM(PROTOCOL_ERROR) on stream %d (GOAWAY(PROTOCOL_ERROR) "
           "tolerated); no 200" % sid, describe(evs))
    if gc is not None:
        report(name + " -- connection survives the stream error", False, sent,
               "a stream error only (§8.1.1: malformed is a stream error)",
               describe(evs))
    elif ok:
        survives(conn, name, sid + 2)
    return ok


def malformed_request(host, port, name, fields, note=""):
    conn = Conn(host, port)
    try:
        request(conn, 1, fields)
        sent = "HEADERS(END_STREAM) on 1: " + fmt_fields(fields) + note
        expect_malformed(conn, name, 1, sent)
    finally:
        conn.close()


def ok_request(host, port, name, fields):
    conn = Conn(host, port)
    try:
        check_ok(conn, name, 1, "HEADERS(END_STREAM) on 1: " +
                 fmt_fields(fields), fields=fields)
    finally:
        conn.close()


def fmt_fields(fields):
    return "; ".join("%s: %s" % (repr(n)[1:-1] if isinstance(n, str) else n,
                                 repr(v)[1:-1] if isinstance(v, str) else v)
                     for n, v in fields)


# --- the cases ----------------------------------------------------------------

def guarded(name, fn, *args):
    """Run one case; a harness-level connection failure fails that case."""
    try:
        fn(*args)
    except (Closed, OSError) as e:
        report(name + " (harness)", False, "", "a working connection",
               repr(e))


def cases(host, port):
    M = lambda name, fields, note="": guarded(
        name, malformed_request, host, port, name, fields, note)
    OK = lambda name, fields: guarded(name, ok_request, host, port, name,
                                      fields)

    # sanity: a plain request works
    OK("baseline: GET / -> 200", get_fields())

    # §8.2.1 field names
    M("§8.2.1 field name with uppercase", get_fields(extra=[("X-Upper", "1")]))
    M("§8.2.1 field name with a space", get_fields(extra=[("x y", "1")]))
    M("§8.2.1 field name with 0x7f", get_fields(extra=[("x\x7fy", "1")]))
    M("§8.2.1 field name with ':' inside a regular name",
      get_fields(extra=[("x:y", "1")]))
    # §8.2.1 field values
    M("§8.2.1 field value with NUL", get_fields(extra=[("x-v", "a\x00b")]))
    M("§8.2.1 field value with CR", get_fields(extra=[("x-v", "a\rb")]))
    M("§8.2.1 field value with LF", get_fields(extra=[("x-v", "a\nb")]))
    M("§8.2.1 field value with leading SP", get_fields(extra=[("x-v", " ab")]))
    M("§8.2.1 field value with trailing SP", get_fields(extra=[("x-v", "ab ")]))
    M("§8.2.1 field value with leading HTAB",
      get_fields(extra=[("x-v", "\tab")]))
    M("§8.2.1 field value with trailing HTAB",
      get_fields(extra=[("x-v", "ab\t")]))

    # §8.2.2 connection-specific fields
    for n, v in [("connection", "keep-alive"), ("keep-alive", "timeout=5"),
                 ("proxy-connection", "keep-alive"),
                 ("transfer-encoding", "chunked"), ("upgrade", "h2c")]:
        M("§8.2.2 connection-specific field %s" % n, get_fields(extra=[(n, v)]))
    M("§8.2.2 te: gzip", get_fields(extra=[("te", "gzip")]))
    OK("§8.2.2 te: trailers -> 200", get_fields(extra=[("te", "trailers")]))

    # §8.3.1 :authority / host
    M("§8.3.1 :authority and host differ",
      get_fields(authority="127.0.0.1", extra=[("host", "example.com")]),
      " (§8.3.1: a server SHOULD treat this as malformed)")
    OK("§8.3.1 :authority and host equal -> 200",
       get_fields(authority="127.0.0.1", extra=[("host", "127.0.0.1")]))
    OK("§8.3.1 host only, no :authority -> 200",
       get_fields(authority=None, extra=[("host", "127.0.0.1")]))
    # §8.3.1 :path
    M("§8.3.1 empty :path", get_fields(path=""))
    M("§8.3.1 :path not starting with '/' (http)",
      get_fields(path="index.html"))

    # §8.3 pseudo-header placement and names
    M("§8.3 pseudo-header after a regular field",
      [(":method", "GET"), (":scheme", "http"), ("x-a", "1"),
       (":path", "/"), (":authority", "127.0.0.1")])
    M("§8.3 unknown pseudo-header", get_fields(extra=[])[:3] +
      [(":foo", "bar"), (":authority", "127.0.0.1")])

    for fn in (content_length_mismatch, trailer_pseudo, unknown_frames,
               priority_update, origin_altsvc, no_rfc7540_priorities,
               connect_protocol):
        guarded(fn.__name__, fn, host, port)


def echo_fields(extra=()):
    return [(":method", "POST"), (":scheme", "http"), (":path", "/echo"),
            (":authority", "127.0.0.1")] + list(extra)


def content_length_mismatch(host, port):
    name = "§8.1.1 content-length 10, 5 bytes of DATA with END_STREAM"
    conn = Conn(host, port)
    try:
        request(conn, 1, echo_fields([("content-length", "10")]),
                end_stream=False)
        conn.send(frame(DATA, END_STREAM, 1, b"hello"))
        expect_malformed(conn, name, 1,
                         "POST /echo content-length: 10 on 1, then "
                         "DATA(5, END_STREAM)")
    finally:
        conn.close()


def trailer_pseudo(host, port):
    name = "§8.1 trailers containing a pseudo-header"
    conn = Conn(host, port)
    try:
        request(conn, 1, echo_fields(), end_stream=False)
        conn.send(frame(DATA, 0, 1, b"hello"))
        conn.send(frame(HEADERS, END_HEADERS | END_STREAM, 1,
                        header_block([(":path", "/x")])))
        expect_malformed(conn, name, 1,
                         "POST /echo on 1, DATA(5), trailers HEADERS"
                         "(END_STREAM) with :path: /x")
    finally:
        conn.close()


def unknown_frames(host, port):
    # §5.5: unknown types MUST be ignored and discarded.
    name = "§5.5 unknown frame type 0x20 on stream 0 is ignored"
    conn = Conn(host, port)
    try:
        conn.send(frame(0x20, 0xFF, 0, b"\x01\x02\x03\x04"))
        acked, evs = ping(conn)
        report(name, acked and goaway_code(evs) is None,
               "frame type 0x20 flags 0xff on stream 0, then PING",
               "PING ACK, no GOAWAY", describe(evs))
        if acked:
            check_ok(conn, name + " -- GET afterwards", 1, "GET / on 1",
                     fields=get_fields())
    finally:
        conn.close()

    name = "§5.5 unknown frame type 0x20 on an open stream is ignored"
    conn = Conn(host, port)
    try:
        request(conn, 1, echo_fields(), end_stream=False)
        conn.send(frame(0x20, 0, 1, b"\xAA" * 8))
        acked, evs = ping(conn)
        bad = rst_code(evs, 1) is not None or goaway_code(evs) is not None
        report(name, acked and not bad,
               "POST /echo HEADERS on 1 (open), frame type 0x20 on 1, PING",
               "PING ACK, no RST_STREAM/GOAWAY", describe(evs))
        if acked and not bad:
            conn.send(frame(DATA, END_STREAM, 1, b"hello"))
            check_ok(conn, name + " -- stream 1 completes", 1,
                     "DATA(5, END_STREAM) on 1")
    finally:
        conn.close()


def priority_update(host, port):
    # RFC 9218 §7.1
    name = "RFC 9218 PRIORITY_UPDATE on stream 0 for stream 1 is accepted"
    conn = Conn(host, port)
    try:
        conn.send(frame(PRIORITY_UPDATE, 0, 0,
                        struct.pack(">I", 1) + b"u=2, i"))
        acked, evs = ping(conn)
        report(name, acked and goaway_code(evs) is None,
               "PRIORITY_UPDATE(stream 0, prioritized 1, 'u=2, i'), PING",
               "PING ACK, no GOAWAY", describe(evs))
        if acked:
            check_ok(conn, name + " -- then GET on 1", 1, "GET / on 1",
                     fields=get_fields())
    finally:
        conn.close()

    name = "RFC 9218 PRIORITY_UPDATE on a non-zero stream -> GOAWAY"
    conn = Conn(host, port)
    try:
        conn.send(frame(PRIORITY_UPDATE, 0, 1, struct.pack(">I", 1) + b"u=2"))
        acked, evs = ping(conn)
        if goaway_code(evs) is None and not any(e[0] == "closed" for e in evs):
            evs += conn.events(lambda ev: False)
        report(name, goaway_code(evs) == PROTOCOL_ERROR,
               "PRIORITY_UPDATE on stream 1 (prioritized 1, 'u=2'), PING",
               "GOAWAY(PROTOCOL_ERROR) (RFC 9218 §7.1 MUST)", describe(evs))
    finally:
        conn.close()


def origin_altsvc(host, port):
    origin = b"http://127.0.0.1"
    for name, ftype, payload in [
            ("RFC 8336 ORIGIN frame from the client is ignored", ORIGIN,
             struct.pack(">H", len(origin)) + origin),
            ("RFC 7838 ALTSVC frame from the client is ignored", ALTSVC,
             struct.pack(">H", len(origin)) + origin + b'h2=":8443"')]:
        conn = Conn(host, port)
        try:
            conn.send(frame(ftype, 0, 0, payload))
            acked, evs = ping(conn)
            report(name, acked and goaway_code(evs) is None,
                   "frame type 0x%x on stream 0, then PING" % ftype,
                   "PING ACK, no GOAWAY", describe(evs))
            if acked:
                check_ok(conn, name + " -- then GET on 1", 1, "GET / on 1",
                         fields=get_fields())
        finally:
            conn.close()


def no_rfc7540_priorities(host, port):
    # RFC 9113 §6.5.2
    name = "§6.5.2 SETTINGS_NO_RFC7540_PRIORITIES = 1 is accepted"
    conn = Conn(host, port)
    try:
        conn.send(frame(SETTINGS, 0, 0,
                        struct.pack(">HI", SETTINGS_NO_RFC7540_PRIORITIES, 1)))
        acked, evs = ping(conn)
        sack = any(ev[0] == "settings-ack" for ev in evs)
        if not sack and acked:
            evs += conn.events(lambda ev: ev[0] == "settings-ack")
            sack = any(ev[0] == "settings-ack" for ev in evs)
        report(name, acked and sack and goaway_code(evs) is None,
               "SETTINGS(NO_RFC7540_PRIORITIES=1), PING",
               "SETTINGS ACK and PING ACK, no GOAWAY", describe(evs))
        if acked:
            check_ok(conn, name + " -- then GET on 1", 1, "GET / on 1",
                     fields=get_fields())
    finally:
        conn.close()

    name = "§6.5.2 SETTINGS_NO_RFC7540_PRIORITIES = 2 -> GOAWAY"
    conn = Conn(host, port)
    try:
        conn.send(frame(SETTINGS, 0, 0,
                        struct.pack(">HI", SETTINGS_NO_RFC7540_PRIORITIES, 2)))
        evs = conn.events(lambda ev: False)
        report(name, goaway_code(evs) == PROTOCOL_ERROR,
               "SETTINGS(NO_RFC7540_PRIORITIES=2)",
               "GOAWAY(PROTOCOL_ERROR) (§6.5.2: value other than 0 or 1 MUST "
               "be a connection error PROTOCOL_ERROR)", describe(evs))
    finally:
        conn.close()


def connect_protocol(host, port):
    # RFC 8441 §3/§4 and RFC 9113 §8.3: without SETTINGS_ENABLE_CONNECT_PROTOCOL
    # = 1 from the server, :protocol is an unknown pseudo-header -> malformed.
    name = "RFC 8441 :protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL"
    conn = Conn(host, port)
    try:
        if conn.server_settings.get(SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1:
            report(name, False, "(nothing)",
                   "a server that has not sent ENABLE_CONNECT_PROTOCOL=1",
                   "the server sent ENABLE_CONNECT_PROTOCOL=1; case not "
                   "applicable")
            return
        fields = [(":method", "CONNECT"), (":protocol", "websocket"),
                  (":scheme", "http"), (":path", "/"),
                  (":authority", "127.0.0.1")]
        request(conn, 1, fields, end_stream=False)
        expect_malformed(conn, name, 1, "HEADERS on 1: " + fmt_fields(fields))
    finally:
        conn.close()


def main():
    if len(sys.argv) != 3:
        print("usage: rfc9113.py HOST PORT", file=sys.stderr)
        return 2
    host, port = sys.argv[1], int(sys.argv[2])
    try:
        cases(host, port)
    except (Closed, OSError) as e:
        report("harness: unexpected connection failure", False, "", "",
               repr(e))
    passed = sum(1 for r in RESULTS if r)
    failed = len(RESULTS) - passed
    print("rfc9113.py: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
