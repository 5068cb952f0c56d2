"""Every public action of libh2's H2Connection: what it queues on the wire,
what it changes, and the exception it raises when misused (the class h2
raises for the same misuse, checked on h2 itself where the two agree)."""
from __future__ import annotations

import base64
import builtins

import hpack
import pytest
from _pairs import (
    EMPTY_SETTINGS, H2, LIB, POST, PREFACE, REQ, REQ_B, RESP, SETTINGS_ACK,
    Expected, Twin, data_frame, exchange, handshake, headers_frame, make, pair,
    goaway_code, parse_frames, started,
)

import libh2.exceptions
from libh2.config import H2Configuration
from libh2.connection import ConnectionState, H2Connection
from libh2.errors import ErrorCodes
from libh2.events import DataReceived, SettingsAcknowledged
from libh2.exceptions import (
    FlowControlError, FrameTooLargeError, InvalidSettingsValueError,
    NoAvailableStreamIDError, NoSuchStreamError, ProtocolError, RFC1122Error,
    StreamClosedError, StreamIDTooLowError, TooManyStreamsError,
)
from libh2.settings import SettingCodes
from libh2.stream import StreamState

BOTH = pytest.mark.parametrize("impl", [H2, LIB], ids=["h2", "libh2"])

# h2's initial SETTINGS (client: ENABLE_PUSH 1; server: 0), byte for byte.
CLIENT_SETTINGS = bytes.fromhex(
    "00002a0400000000000001000010000002000000010004"
    "0000ffff000500004000000800000000000300000064000600010000")
SERVER_SETTINGS = bytes.fromhex(
    "00002a0400000000000001000010000002000000000004"
    "0000ffff000500004000000800000000000300000064000600010000")


def client(**kw):
    """A libh2 client that has seen the server's SETTINGS."""
    c = started(LIB, True, **kw)
    c.receive_data(EMPTY_SETTINGS)
    c.data_to_send()
    return c


def server(**kw):
    """A libh2 server that has seen the client's preface and SETTINGS."""
    s = started(LIB, False, **kw)
    s.receive_data(PREFACE + EMPTY_SETTINGS)
    s.data_to_send()
    return s


def server_with_request(stream_id=1, end_stream=True, **kw):
    s = server(**kw)
    s.receive_data(headers_frame(stream_id, REQ_B, end_stream=end_stream))
    s.data_to_send()
    return s


def only_frame(data):
    frames = parse_frames(data)
    assert len(frames) == 1, frames
    return frames[0]


def misuse(impl, setup, action):
    """Run setup(conn) then action(conn) on a fresh connection of impl;
    the exception action raised (None if none)."""
    conn = setup(impl)
    try:
        action(conn)
    except Exception as e:  # noqa: BLE001
        return e
    return None


def same_misuse(setup, action, expected_name):
    """Both packages raise an exception of the class named expected_name
    (libh2's may be a subclass), each from its own exceptions module."""
    eh = misuse(H2, setup, action)
    el = misuse(LIB, setup, action)
    assert type(eh).__name__ == expected_name, repr(eh)
    cls = getattr(libh2.exceptions, expected_name, None) or \
        getattr(builtins, expected_name)
    assert isinstance(el, cls), f"libh2 raised {el!r}, h2 {eh!r}"
    assert str(el), "libh2's exception has no message"
    return el


# ---- initiate_connection --------------------------------------------------

class TestInitiateConnection:
    def test_client_sends_preface_and_h2s_settings(self):
        c = make(LIB, True)
        c.initiate_connection()
        assert c.data_to_send() == PREFACE + CLIENT_SETTINGS

    def test_server_sends_only_settings(self):
        s = make(LIB, False)
        s.initiate_connection()
        assert s.data_to_send() == SERVER_SETTINGS

    @BOTH
    def test_state_stays_idle(self, impl):
        c = make(impl, True)
        c.initiate_connection()
        assert c.state_machine.state.name == "IDLE"

    def test_same_bytes_as_h2(self):
        for side in (True, False):
            t = Twin(side)
            t.do("initiate_connection")
            assert t.sent

    def test_second_call_is_refused(self):
        # h2 queues a second preface; RFC 9113 §3.4 has exactly one
        # connection preface per connection, and libh2 refuses.
        c = make(LIB, True)
        c.initiate_connection()
        c.data_to_send()
        with pytest.raises(ProtocolError, match="initiated"):
            c.initiate_connection()
        assert c.data_to_send() == b""


# ---- initiate_upgrade_connection -----------------------------------------

class TestUpgrade:
    def test_client_returns_h2s_settings_header(self):
        t = Twin(True)
        hdr = t.do("initiate_upgrade_connection")
        assert isinstance(hdr, bytes)
        assert b"=" not in hdr  # RFC 7540 §3.2.1: base64url, no padding
        raw = base64.urlsafe_b64decode(hdr + b"=" * (-len(hdr) % 4))
        assert raw == CLIENT_SETTINGS[9:]  # the SETTINGS payload
        assert t.sent == PREFACE + CLIENT_SETTINGS

    def test_client_opens_stream_1_half_closed_local(self):
        c = make(LIB, True)
        c.initiate_upgrade_connection()
        assert c.streams[1].state_machine.state == StreamState.HALF_CLOSED_LOCAL
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL
        assert c.get_next_available_stream_id() == 3
        assert c.open_outbound_streams == 1

    @BOTH
    def test_client_ignores_an_argument(self, impl):
        c = make(impl, True)
        assert c.initiate_upgrade_connection(b"AAQAAAPo") == \
            make(impl, True).initiate_upgrade_connection()

    def test_server_applies_the_header(self):
        c = make(LIB, True)
        c.local_settings = LIB.settings.Settings(
            client=True, initial_values={SettingCodes.INITIAL_WINDOW_SIZE: 1000,
                                         SettingCodes.MAX_FRAME_SIZE: 20000})
        hdr = c.initiate_upgrade_connection()
        s = make(LIB, False)
        assert s.initiate_upgrade_connection(hdr) is None
        assert s.data_to_send() == SERVER_SETTINGS
        assert s.streams[1].state_machine.state == \
            StreamState.HALF_CLOSED_REMOTE
        assert s.local_flow_control_window(1) == 1000
        assert s.max_outbound_frame_size == 20000
        assert s.remote_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 1000
        s.send_headers(1, RESP)
        with pytest.raises(FlowControlError):
            s.send_data(1, b"x" * 1001)
        s.send_data(1, b"x" * 1000, end_stream=True)

    def test_server_remote_settings_mirror_the_header(self):
        t = Twin(True)
        hdr = t.do("initiate_upgrade_connection")
        s = Twin(False)
        s.do("initiate_upgrade_connection", hdr)
        assert dict(s.l.remote_settings) == dict(s.h.remote_settings)

    def test_server_output_and_state_match_h2(self):
        hdr = make(H2, True).initiate_upgrade_connection()
        t = Twin(False)
        t.do("initiate_upgrade_connection", hdr)
        assert t.l.streams[1].state_machine.state.name == \
            t.h.streams[1].state_machine.state.name
        assert t.l.highest_inbound_stream_id == t.h.highest_inbound_stream_id

    def test_server_accepts_str(self):
        hdr = make(LIB, True).initiate_upgrade_connection()
        s = make(LIB, False)
        s.initiate_upgrade_connection(hdr.decode())
        assert s.stream_state(1) == StreamState.HALF_CLOSED_REMOTE
        assert s.data_to_send() == SERVER_SETTINGS

    def test_server_invalid_value(self):
        bad = base64.urlsafe_b64encode(b"\x00\x02\x00\x00\x00\x02").rstrip(b"=")

        def setup(impl):
            return make(impl, False)

        same_misuse(setup, lambda c: c.initiate_upgrade_connection(bad),
                    "InvalidSettingsValueError")

    def test_server_rejects_non_base64url(self):
        # h2 silently ignores what it cannot decode; the header is
        # base64url (RFC 7540 §3.2.1), libh2 refuses anything else.
        s = make(LIB, False)
        with pytest.raises(ProtocolError, match="base64"):
            s.initiate_upgrade_connection(b"!!!")
        assert s.data_to_send() == b""

    def test_then_the_conversation_goes_on(self):
        c = make(LIB, True)
        hdr = c.initiate_upgrade_connection()
        s = make(LIB, False)
        s.initiate_upgrade_connection(hdr)
        handshake(c, s)
        s.send_headers(1, RESP)
        s.send_data(1, b"upgraded", end_stream=True)
        events = exchange(s, c)
        assert [type(e).__name__ for e in events] == [
            "ResponseReceived", "DataReceived", "StreamEnded"]
        assert events[1].data == b"upgraded"
        assert c.streams[1].closed


# ---- get_next_available_stream_id ----------------------------------------

class TestNextStreamId:
    def test_client_counts_odd(self):
        c = client()
        assert c.get_next_available_stream_id() == 1
        c.send_headers(1, REQ, end_stream=True)
        assert c.get_next_available_stream_id() == 3
        c.send_headers(7, REQ, end_stream=True)
        assert c.get_next_available_stream_id() == 9

    def test_server_counts_even(self):
        s = server_with_request()
        assert s.get_next_available_stream_id() == 2
        s.push_stream(1, 2, REQ)
        assert s.get_next_available_stream_id() == 4

    def test_exhausted(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(2**31 - 1, REQ)
            return c
        same_misuse(setup, lambda c: c.get_next_available_stream_id(),
                    "NoAvailableStreamIDError")

    def test_matches_h2_before_initiate(self):
        for side in (True, False):
            assert make(LIB, side).get_next_available_stream_id() == \
                make(H2, side).get_next_available_stream_id()


# ---- send_headers ---------------------------------------------------------

def decode_block(data):
    """The header list of the HEADERS (+CONTINUATION) in data, decoded with
    hpack, keeping NeverIndexedHeaderTuple where the block says so."""
    block = b"".join(p for t, _f, _s, p in parse_frames(data) if t in (1, 9))
    return hpack.Decoder().decode(block, raw=True)


class TestSendHeaders:
    def test_request_bytes(self):
        c = client()
        c.send_headers(1, REQ)
        ftype, flags, sid, payload = only_frame(c.data_to_send())
        assert (ftype, flags, sid) == (0x1, 0x4, 1)  # END_HEADERS only
        assert payload == hpack.Encoder().encode(REQ)
        assert c.stream_state(1) == StreamState.OPEN
        assert c.state_machine.state == ConnectionState.CLIENT_OPEN

    def test_end_stream(self):
        c = client()
        c.send_headers(1, REQ, end_stream=True)
        assert only_frame(c.data_to_send())[1] == 0x5
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL

    def test_priority_arguments(self):
        c = client()
        c.send_headers(3, REQ, priority_weight=200, priority_depends_on=1,
                       priority_exclusive=True)
        ftype, flags, sid, payload = only_frame(c.data_to_send())
        assert flags & 0x20
        assert payload[:5] == bytes.fromhex("80000001c7")  # E|1, 200-1
        assert payload[5:] == hpack.Encoder().encode(REQ)

    def test_priority_defaults_when_one_given(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.do("send_headers", 1, REQ, priority_weight=42)
        t.do("send_headers", 3, REQ, priority_depends_on=1)
        t.do("send_headers", 5, REQ, priority_exclusive=True)
        frames = parse_frames(t.sent)[1:]
        # h2's defaults for the others: weight 16, depends on 0, shared
        assert [(f[1] & 0x20, f[3][:5].hex()) for f in frames] == [
            (0x20, "0000000029"), (0x20, "000000010f"),
            (0x20, "800000000f")]

    @pytest.mark.parametrize("kw", [
        {"priority_weight": 0}, {"priority_weight": 257},
        {"priority_depends_on": 1}])
    def test_bad_priority(self, kw):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.send_headers(1, REQ, **kw), "ProtocolError")

    def test_server_must_not_prioritize(self):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
            return s
        same_misuse(setup, lambda s: s.send_headers(
            1, RESP, priority_weight=10), "RFC1122Error")

    @pytest.mark.parametrize("headers", [
        REQ, REQ_B, [hpack.HeaderTuple(k, v) for k, v in REQ],
        [(k.encode(), v) for k, v in REQ], [list(h) for h in REQ],
        tuple(REQ)], ids=["str", "bytes", "HeaderTuple", "mixed", "lists",
                          "tuple"])
    def test_header_types_give_h2s_bytes(self, headers):
        t = Twin(True)
        t.do("initiate_connection")
        t.do("send_headers", 1, headers)
        assert decode_block(t.sent) == REQ_B

    def test_iterables(self):
        c = client()
        c.send_headers(1, (h for h in REQ))
        h = client()
        h.send_headers(1, dict(REQ).items())
        expect = make(H2, True)
        expect.initiate_connection()
        expect.receive_data(EMPTY_SETTINGS)
        expect.data_to_send()
        expect.send_headers(1, REQ)
        assert c.data_to_send() == h.data_to_send() == expect.data_to_send()

    def test_never_indexed_tuple_is_honoured(self):
        c = client()
        c.send_headers(1, REQ + [hpack.NeverIndexedHeaderTuple("x-secret", "s3"),
                                 ("x-plain", "p")])
        decoded = decode_block(c.data_to_send())
        assert decoded[-2] == (b"x-secret", b"s3")
        assert isinstance(decoded[-2], hpack.NeverIndexedHeaderTuple)
        assert not isinstance(decoded[-1], hpack.NeverIndexedHeaderTuple)
        # ... and it stays out of the dynamic table: sending it again
        # repeats the literal.
        c.send_headers(3, REQ +
                       [hpack.NeverIndexedHeaderTuple("x-secret", "s3")])
        assert b"x-secret" not in c.data_to_send()  # Huffman-coded literal
        # h2 writes the same bytes
        t = Twin(True)
        t.do("initiate_connection")
        t.do("send_headers", 1, REQ + [
            hpack.NeverIndexedHeaderTuple(b"x-secret", b"s3")])

    @pytest.mark.parametrize("name,value", [
        ("authorization", "Basic abc"), ("proxy-authorization", "x"),
        ("cookie", "a=b")])
    def test_sensitive_fields_never_indexed(self, name, value):
        c = client()
        c.send_headers(1, REQ + [(name, value)])
        decoded = decode_block(c.data_to_send())
        assert isinstance(decoded[-1], hpack.NeverIndexedHeaderTuple)

    def test_long_cookie_is_indexed(self):
        c = client()
        c.send_headers(1, REQ + [("cookie", "a=" + "b" * 30)])
        decoded = decode_block(c.data_to_send())
        assert not isinstance(decoded[-1], hpack.NeverIndexedHeaderTuple)

    def test_continuation_when_larger_than_a_frame(self):
        # "~" takes 13 bits in Huffman: about 58 KB of header block
        big = REQ + [(f"x-h{i}", "~" * 900) for i in range(40)]
        c = client()
        c.send_headers(1, big, end_stream=True)
        frames = parse_frames(c.data_to_send())
        assert [f[0] for f in frames][0] == 0x1 and len(frames) >= 3
        assert all(f[0] == 0x9 for f in frames[1:])
        assert frames[0][1] == 0x1  # END_STREAM, no END_HEADERS
        assert frames[-1][1] == 0x4  # END_HEADERS on the last only
        assert all(len(f[3]) <= 16384 for f in frames)
        t = Twin(True)
        t.do("initiate_connection")
        t.recv(EMPTY_SETTINGS)
        t.do("send_headers", 1, big, end_stream=True)

    def test_trailers(self):
        c = client()
        c.send_headers(1, POST)
        c.send_data(1, b"body")
        c.data_to_send()
        with pytest.raises(ProtocolError):
            c.send_headers(1, [("x-sum", "1")])
        c.send_headers(1, [("x-sum", "1")], end_stream=True)
        assert only_frame(c.data_to_send())[1] == 0x5
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL

    def test_response_informational_and_trailers(self):
        s = server_with_request(end_stream=False)
        s.send_headers(1, [(":status", "100")])
        s.send_headers(1, RESP)
        s.send_headers(1, [("grpc-status", "0")], end_stream=True)
        frames = parse_frames(s.data_to_send())
        assert [(f[0], f[1]) for f in frames] == [(1, 4), (1, 4), (1, 5)]
        assert s.stream_state(1) == StreamState.HALF_CLOSED_LOCAL

    def test_closed_stream(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ)
            c.reset_stream(1)
            return c
        same_misuse(setup, lambda c: c.send_headers(1, REQ),
                    "StreamClosedError")

    def test_stream_id_too_low(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(3, REQ)
            return c
        e = same_misuse(setup, lambda c: c.send_headers(1, REQ),
                        "StreamIDTooLowError")
        assert (e.stream_id, e.max_stream_id) == (1, 3)

    def test_wrong_parity(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.send_headers(2, REQ), "ProtocolError")

    def test_stream_zero(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.send_headers(0, REQ), "StreamIDTooLowError")

    def test_too_many_streams(self):
        def setup(impl):
            c, s = pair(impl)
            s.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: 1})
            handshake(c, s)
            c.send_headers(1, REQ)
            return c
        same_misuse(setup, lambda c: c.send_headers(3, REQ),
                    "TooManyStreamsError")

    def test_after_close_connection(self):
        def setup(impl):
            c = started(impl, True)
            c.close_connection()
            return c
        same_misuse(setup, lambda c: c.send_headers(1, REQ), "ProtocolError")

    @pytest.mark.parametrize("headers", [
        [(":method", "GET")],
        REQ + [("te", "gzip")],
        REQ + [(":status", "200")],
        [(":path", "/")] + REQ[:1] + REQ[2:] + [("x", "y"), (":x", "1")],
    ], ids=["missing-pseudo", "te", "status-in-request",
            "pseudo-after-regular"])
    def test_invalid_request_headers(self, headers):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.send_headers(1, headers), "ProtocolError")

    def test_connection_specific_fields_are_not_sent(self):
        # RFC 9113 §8.2.2: never generated; outbound normalization drops
        # them, as h2 does.
        c = client()
        fields = [("connection", "close"), ("keep-alive", "5"),
                  ("proxy-connection", "x"), ("transfer-encoding", "chunked"),
                  ("upgrade", "h2c")]
        c.send_headers(1, REQ + fields)
        frame = only_frame(c.data_to_send())
        names = [n for n, _ in hpack.Decoder().decode(frame[3])]
        assert names == [n for n, _ in REQ]

    def test_header_value_with_newline(self):
        # h2 sends it; RFC 9113 §8.2.1 forbids CR/LF/NUL in field values.
        c = client()
        with pytest.raises(ProtocolError, match="CR|LF|NUL"):
            c.send_headers(1, REQ + [("x", "a\nb")])
        assert c.data_to_send() == b""
        assert c.stream_state(1) == StreamState.IDLE

    def test_failure_changes_nothing(self):
        c = client()
        with pytest.raises(ProtocolError):
            c.send_headers(1, [(":method", "GET")])
        assert c.data_to_send() == b""
        assert c.stream_state(1) == StreamState.IDLE
        c.send_headers(1, REQ)
        assert only_frame(c.data_to_send())[2] == 1


# ---- send_data / end_stream ---------------------------------------------

class TestSendData:
    def test_bytes(self):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.send_data(1, b"hello")
        assert c.data_to_send() == data_frame(1, b"hello")
        c.send_data(1, b"bye", end_stream=True)
        assert c.data_to_send() == data_frame(1, b"bye", end_stream=True)
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL

    @pytest.mark.parametrize("make_data", [
        lambda: memoryview(b"hello"), lambda: bytearray(b"hello"),
        lambda: memoryview(b"__hello__")[2:7],
    ], ids=["memoryview", "bytearray", "memoryview-slice"])
    def test_buffer_types(self, make_data):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.send_data(1, make_data())
        assert c.data_to_send() == data_frame(1, b"hello")
        assert c.local_flow_control_window(1) == 65535 - 5

    def test_str_is_a_type_error(self):
        c = client()
        c.send_headers(1, POST)
        with pytest.raises(TypeError):
            c.send_data(1, "hello")
        assert c.local_flow_control_window(1) == 65535

    def test_padding(self):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.send_data(1, b"abc", pad_length=10)
        ftype, flags, sid, payload = only_frame(c.data_to_send())
        assert flags == 0x8 and payload == b"\x0aabc" + b"\0" * 10
        # padding and its length byte count against the windows
        assert c.local_flow_control_window(1) == 65535 - 14
        assert c.outbound_flow_control_window == 65535 - 14
        t = Twin(True)
        t.do("initiate_connection")
        t.recv(EMPTY_SETTINGS)
        t.do("send_headers", 1, POST)
        t.do("send_data", 1, b"abc", pad_length=255, end_stream=True)
        t.check_state((1,))

    def test_pad_length_zero_sets_padded_with_empty_padding(self):
        # As h2: PADDED with a Pad Length of 0, one byte against the windows.
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.send_data(1, b"abc", pad_length=0)
        assert c.data_to_send() == (b"\x00\x00\x04\x00\x08\x00\x00\x00\x01"
                                    b"\x00abc")
        assert c.local_flow_control_window(1) == 65535 - 4

    def test_pad_length_zero_matches_h2(self):
        lib, ref = started(LIB, True), started(H2, True)
        for conn in (lib, ref):
            conn.receive_data(EMPTY_SETTINGS)
            conn.data_to_send()
            conn.send_headers(1, POST)
            conn.data_to_send()
            conn.send_data(1, b"abc", pad_length=0, end_stream=True)
        assert lib.data_to_send() == ref.data_to_send()

    @pytest.mark.parametrize("pad,exc", [
        (-1, "ValueError"), (256, "ValueError"), ("1", "TypeError"),
        (1.0, "TypeError")])
    def test_bad_pad_length(self, pad, exc):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, POST)
            return c
        same_misuse(setup, lambda c: c.send_data(1, b"x", pad_length=pad),
                    exc)

    def test_flow_control_window(self):
        def setup(impl):
            c = started(impl, True)
            c.receive_data(EMPTY_SETTINGS)
            c.send_headers(1, POST)
            for _ in range(3):
                c.send_data(1, b"x" * 16384)
            return c
        same_misuse(setup, lambda c: c.send_data(1, b"x" * 16384),
                    "FlowControlError")
        c = setup(LIB)
        c.send_data(1, b"x" * 16383)
        c.data_to_send()
        assert c.local_flow_control_window(1) == 0
        with pytest.raises(FlowControlError):
            c.send_data(1, b"x")
        with pytest.raises(FlowControlError):
            c.send_data(1, b"", pad_length=1)  # padding counts too
        c.send_data(1, b"", end_stream=True)  # an empty frame always fits
        assert c.data_to_send() == data_frame(1, b"", end_stream=True)

    def test_frame_too_large(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, POST)
            return c
        same_misuse(setup, lambda c: c.send_data(1, b"x" * 16385),
                    "FrameTooLargeError")
        same_misuse(setup, lambda c: c.send_data(1, b"x" * 16384,
                                                  pad_length=1),
                    "FrameTooLargeError")

    def test_idle_stream(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.send_data(1, b"x"), "NoSuchStreamError")

    def test_after_end_stream(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ, end_stream=True)
            return c
        same_misuse(setup, lambda c: c.send_data(1, b"x"), "ProtocolError")

    def test_reset_stream(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, POST)
            c.reset_stream(1)
            return c
        same_misuse(setup, lambda c: c.send_data(1, b"x"),
                    "StreamClosedError")

    def test_failure_changes_nothing(self):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        with pytest.raises(FrameTooLargeError):
            c.send_data(1, b"x" * 20000)
        assert c.data_to_send() == b""
        assert c.local_flow_control_window(1) == 65535


class TestEndStream:
    def test_empty_data_frame(self):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.end_stream(1)
        assert c.data_to_send() == data_frame(1, b"", end_stream=True)
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL

    def test_idle(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ)
            return c
        same_misuse(setup, lambda c: c.end_stream(3), "NoSuchStreamError")

    def test_idle_connection(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.end_stream(1), "ProtocolError")

    def test_twice(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, POST)
            c.end_stream(1)
            return c
        same_misuse(setup, lambda c: c.end_stream(1), "ProtocolError")


# ---- increment_flow_control_window ---------------------------------------

class TestIncrementWindow:
    def test_connection(self):
        c = client()
        c.increment_flow_control_window(1000)
        assert c.data_to_send() == bytes.fromhex("000004080000000000000003e8")
        assert c.inbound_flow_control_window == 65535 + 1000

    def test_stream(self):
        c = client()
        c.send_headers(1, POST)
        c.data_to_send()
        c.increment_flow_control_window(10, stream_id=1)
        assert c.data_to_send() == bytes.fromhex("0000040800000000010000000a")
        assert c.remote_flow_control_window(1) == 65535  # capped by the
        assert c.inbound_flow_control_window == 65535    # connection's
        c.increment_flow_control_window(10)
        assert c.remote_flow_control_window(1) == 65545

    def test_stream_view_window(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.recv(EMPTY_SETTINGS)
        t.do("send_headers", 1, POST)
        t.do("increment_flow_control_window", 10, stream_id=1)
        assert t.l.streams[1].inbound_flow_control_window == \
            t.h.streams[1].inbound_flow_control_window == 65545

    @pytest.mark.parametrize("inc", [0, -1, 2**31])
    def test_out_of_range(self, inc):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.increment_flow_control_window(inc),
                    "ValueError")

    def test_window_overflow(self):
        c = client()
        with pytest.raises(FlowControlError):
            c.increment_flow_control_window(2**31 - 1)
        assert c.data_to_send() == b""
        assert c.inbound_flow_control_window == 65535
        c.increment_flow_control_window(2**31 - 1 - 65535)
        assert c.inbound_flow_control_window == 2**31 - 1

    def test_idle_stream(self):
        c = client()
        with pytest.raises(NoSuchStreamError):
            c.increment_flow_control_window(5, stream_id=3)


# ---- push_stream ----------------------------------------------------------

class TestPush:
    def test_push_promise(self):
        t = Twin(False)
        t.do("initiate_connection")
        t.recv(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B,
                                                          end_stream=True))
        t.do("push_stream", 1, 2, [(":method", "GET"), (":path", "/a.css"),
                                   (":scheme", "https"),
                                   (":authority", "example.com")])
        ftype, flags, sid, payload = parse_frames(t.sent)[-1]
        assert (ftype, flags, sid) == (0x5, 0x4, 1)
        assert payload[:4] == b"\0\0\0\2"
        assert t.l.stream_state(2) == StreamState.RESERVED_LOCAL
        t.check_state((1, 2))
        t.do("send_headers", 2, RESP, end_stream=True)
        assert t.l.stream_state(2) == StreamState.CLOSED

    def test_client_cannot_push(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ)
            return c
        same_misuse(setup, lambda c: c.push_stream(1, 2, REQ),
                    "ProtocolError")

    def test_odd_promised_id(self):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
            return s
        same_misuse(setup, lambda s: s.push_stream(1, 3, REQ),
                    "ProtocolError")

    def test_push_disabled_by_peer(self):
        def setup(impl):
            c, s = pair(impl)
            c.update_settings({SettingCodes.ENABLE_PUSH: 0})
            handshake(c, s)
            c.send_headers(1, REQ, end_stream=True)
            exchange(c, s)
            return s
        same_misuse(setup, lambda s: s.push_stream(1, 2, REQ),
                    "ProtocolError")

    def test_closed_parent(self):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS +
                           headers_frame(1, REQ_B, end_stream=True))
            s.send_headers(1, RESP, end_stream=True)
            return s
        same_misuse(setup, lambda s: s.push_stream(1, 2, REQ),
                    "ProtocolError")

    def test_response_headers_are_not_a_request(self):
        s = server_with_request()
        with pytest.raises(ProtocolError):
            s.push_stream(1, 2, [(":status", "200")])
        assert s.data_to_send() == b""


# ---- ping -------------------------------------------------------------------

class TestPing:
    def test_ping(self):
        c = client()
        c.ping(b"\x01\x02\x03\x04\x05\x06\x07\x08")
        assert c.data_to_send() == bytes.fromhex(
            "000008060000000000" "0102030405060708")

    @pytest.mark.parametrize("data", [b"short", b"123456789", "12345678",
                                      12345678], ids=str)
    def test_bad_data(self, data):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.ping(data), "ValueError")

    def test_after_graceful_goaway(self):
        # RFC 9113 §6.8: after GOAWAY(NO_ERROR) the connection goes on
        # (a PING is how a sender measures the round trip before the final
        # GOAWAY); h2 refuses every frame after its GOAWAY.
        c = client()
        c.close_connection()
        c.data_to_send()
        c.ping(b"12345678")
        assert only_frame(c.data_to_send())[0] == 0x6

    def test_after_goaway_with_error(self):
        def setup(impl):
            c = started(impl, True)
            c.close_connection(ErrorCodes.PROTOCOL_ERROR)
            return c
        same_misuse(setup, lambda c: c.ping(b"12345678"), "ProtocolError")


# ---- reset_stream -----------------------------------------------------------

class TestResetStream:
    def test_default_code(self):
        c = client()
        c.send_headers(1, REQ)
        c.data_to_send()
        c.reset_stream(1)
        assert c.data_to_send() == bytes.fromhex("00000403000000000100000000")
        assert c.stream_state(1) == StreamState.CLOSED
        assert c.streams[1].closed
        assert c.open_outbound_streams == 0

    @pytest.mark.parametrize("code", [ErrorCodes.CANCEL, 8, 0x1234])
    def test_code(self, code):
        c = client()
        c.send_headers(1, REQ)
        c.data_to_send()
        c.reset_stream(1, error_code=code)
        assert only_frame(c.data_to_send())[3] == int(code).to_bytes(4, "big")

    def test_idle(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ)
            return c
        same_misuse(setup, lambda c: c.reset_stream(3), "NoSuchStreamError")

    def test_idle_connection(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.reset_stream(1), "ProtocolError")

    def test_twice(self):
        def setup(impl):
            c = started(impl, True)
            c.send_headers(1, REQ)
            c.reset_stream(1)
            return c
        same_misuse(setup, lambda c: c.reset_stream(1), "StreamClosedError")

    def test_closed_by_end_stream(self):
        def setup(impl):
            c, s = pair(impl)
            c.send_headers(1, REQ, end_stream=True)
            exchange(c, s)
            s.send_headers(1, RESP, end_stream=True)
            exchange(s, c)
            return c
        e = same_misuse(setup, lambda c: c.reset_stream(1),
                        "StreamClosedError")
        assert e.stream_id == 1


# ---- close_connection ---------------------------------------------------------

class TestCloseConnection:
    def test_defaults(self):
        c = client()
        c.close_connection()
        assert c.data_to_send() == bytes.fromhex(
            "0000080700000000000000000000000000")
        assert c.state_machine.state == ConnectionState.CLOSED

    def test_all_arguments(self):
        c = client()
        c.close_connection(error_code=ErrorCodes.ENHANCE_YOUR_CALM,
                           additional_data=b"slow down", last_stream_id=7)
        ftype, _f, sid, payload = only_frame(c.data_to_send())
        assert (ftype, sid) == (0x7, 0)
        assert payload == b"\0\0\0\x07\0\0\0\x0bslow down"

    def test_last_stream_id_defaults_to_highest_inbound(self):
        s = server_with_request(5)
        s.close_connection(1)
        assert only_frame(s.data_to_send())[3][:8] == \
            b"\0\0\0\x05\0\0\0\x01"

    def test_same_bytes_as_h2(self):
        t = Twin(False)
        t.do("initiate_connection")
        t.recv(PREFACE + EMPTY_SETTINGS + headers_frame(3, REQ_B))
        t.do("close_connection", 2, b"bye")
        t.check_state((3,))

    def test_int_error_code(self):
        c = client()
        c.close_connection(0x99)
        assert only_frame(c.data_to_send())[3][4:8] == b"\0\0\0\x99"


# ---- update_settings --------------------------------------------------------

class TestUpdateSettings:
    def test_frame_and_pending_until_ack(self):
        c, s = pair(LIB)
        c.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 1000,
                           SettingCodes.MAX_FRAME_SIZE: 20000})
        out = c.data_to_send()
        assert out == bytes.fromhex("00000c040000000000"
                                    "0004000003e8" "000500004e20")
        # not in force before the ACK
        assert c.local_settings.initial_window_size == 65535
        assert c.local_settings[SettingCodes.MAX_FRAME_SIZE] == 16384
        assert c.local_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 65535
        assert c.max_inbound_frame_size == 16384
        s.receive_data(out)
        events = c.receive_data(s.data_to_send())
        assert isinstance(events[0], SettingsAcknowledged)
        changed = events[0].changed_settings
        assert changed[SettingCodes.INITIAL_WINDOW_SIZE].original_value == 65535
        assert changed[SettingCodes.INITIAL_WINDOW_SIZE].new_value == 1000
        assert c.local_settings.initial_window_size == 1000
        assert c.local_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 1000
        assert c.max_inbound_frame_size == 20000

    def test_new_window_applies_to_the_peer(self):
        c, s = pair(LIB)
        c.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 10})
        handshake(c, s)
        c.send_headers(1, REQ, end_stream=True)
        exchange(c, s)
        s.send_headers(1, RESP)
        with pytest.raises(FlowControlError):
            s.send_data(1, b"x" * 11)
        s.send_data(1, b"x" * 10)

    @pytest.mark.parametrize("settings", [
        {SettingCodes.INITIAL_WINDOW_SIZE: 2**31},
        {SettingCodes.MAX_FRAME_SIZE: 100},
        {SettingCodes.MAX_FRAME_SIZE: 2**24},
        {SettingCodes.ENABLE_PUSH: 2},
        {SettingCodes.ENABLE_CONNECT_PROTOCOL: 2},
    ], ids=["window", "frame-small", "frame-big", "push", "connect"])
    def test_invalid_values(self, settings):
        e = same_misuse(lambda impl: started(impl, True),
                        lambda c: c.update_settings(settings),
                        "InvalidSettingsValueError")
        assert isinstance(e, ValueError)
        assert e.error_code in (ErrorCodes.PROTOCOL_ERROR,
                                ErrorCodes.FLOW_CONTROL_ERROR)

    def test_invalid_value_sends_nothing(self):
        c = client()
        with pytest.raises(InvalidSettingsValueError):
            c.update_settings({SettingCodes.MAX_FRAME_SIZE: 1})
        assert c.data_to_send() == b""

    def test_matches_h2(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.do("update_settings", {1: 100, 3: 5, 6: 1000})
        t.recv(EMPTY_SETTINGS + SETTINGS_ACK + SETTINGS_ACK)
        t.check_state()

    def test_lowered_max_header_list_size_is_enforced(self):
        # RFC 9113 §6.5.3: the first ACK is for the initial SETTINGS, the
        # second for the update (h2 applies everything on the first).
        s = server()
        s.update_settings({SettingCodes.MAX_HEADER_LIST_SIZE: 1000})
        s.receive_data(SETTINGS_ACK + SETTINGS_ACK)
        assert s.local_setting(SettingCodes.MAX_HEADER_LIST_SIZE) == 1000
        with pytest.raises(libh2.exceptions.DenialOfServiceError):
            s.receive_data(headers_frame(1, REQ_B + [(b"x-big", b"~" * 3000)]))
        assert goaway_code(s.data_to_send()) == ErrorCodes.ENHANCE_YOUR_CALM

    def test_each_ack_applies_the_oldest(self):
        # RFC 9113 §6.5.3: the ACKs acknowledge SETTINGS frames in order.
        c = client()
        c.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 100})
        c.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 200})
        c.receive_data(SETTINGS_ACK)  # acks the initial SETTINGS
        assert c.local_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 65535
        c.receive_data(SETTINGS_ACK)
        assert c.local_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 100
        c.receive_data(SETTINGS_ACK)
        assert c.local_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 200


# ---- advertise_alternative_service -------------------------------------------

class TestAltSvc:
    def test_origin_and_stream(self):
        t = Twin(False)
        t.do("initiate_connection")
        t.recv(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
        t.do("advertise_alternative_service", b'h2=":8000"', stream_id=1)
        t.do("advertise_alternative_service", b'h2=":9"',
             origin=b"https://o.example")
        frames = parse_frames(t.sent)[-2:]
        assert frames[0][:3] == (0xA, 0, 1)
        assert frames[0][3] == b'\0\0h2=":8000"'
        assert frames[1][:3] == (0xA, 0, 0)
        assert frames[1][3] == b'\0\x11https://o.example' + b'h2=":9"'

    @pytest.mark.parametrize("args,kw", [
        (("h2=\":1\"",), {"origin": b"o"}),
        ((b'h2=":1"',), {"origin": b"o", "stream_id": 1}),
    ], ids=["str-field", "both"])
    def test_value_errors(self, args, kw):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
            return s
        same_misuse(setup, lambda s: s.advertise_alternative_service(
            *args, **kw), "ValueError")

    def test_neither_origin_nor_stream(self):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
            return s
        same_misuse(setup, lambda s: s.advertise_alternative_service(
            b'h2=":1"'), "NoSuchStreamError")

    def test_client_cannot_advertise(self):
        # RFC 7838 §4: ALTSVC is sent by servers.
        c = client()
        with pytest.raises(ProtocolError):
            c.advertise_alternative_service(b'h2=":1"', origin=b"o")
        assert c.data_to_send() == b""


# ---- prioritize -------------------------------------------------------------

class TestPrioritize:
    def test_priority_frame(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.do("prioritize", 1, weight=200, depends_on=3, exclusive=True)
        t.do("prioritize", 5)
        frames = parse_frames(t.sent)[-2:]
        assert frames[0] == (0x2, 0, 1, bytes.fromhex("80000003c7"))
        assert frames[1] == (0x2, 0, 5, bytes.fromhex("000000000f"))

    def test_server(self):
        def setup(impl):
            s = started(impl, False)
            s.receive_data(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
            return s
        same_misuse(setup, lambda s: s.prioritize(1), "RFC1122Error")

    @pytest.mark.parametrize("kw", [{"weight": 0}, {"weight": 300},
                                    {"depends_on": 1}])
    def test_invalid(self, kw):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.prioritize(1, **kw), "ProtocolError")


# ---- windows ------------------------------------------------------------------

class TestWindowQueries:
    def test_values_follow_traffic(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.recv(EMPTY_SETTINGS)
        t.do("send_headers", 1, POST)
        t.do("send_data", 1, b"x" * 1000)
        t.check_state((1,))
        assert t.l.local_flow_control_window(1) == 64535
        assert t.l.remote_flow_control_window(1) == 65535
        t.recv(headers_frame(1, [(b":status", b"200")]) +
               data_frame(1, b"y" * 300))
        assert t.l.remote_flow_control_window(1) == 65235
        t.check_state((1,))

    @pytest.mark.parametrize("method", ["local_flow_control_window",
                                        "remote_flow_control_window"])
    def test_idle_stream(self, method):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: getattr(c, method)(1), "NoSuchStreamError")

    def test_smaller_of_stream_and_connection(self):
        c = client()
        c.send_headers(1, POST)
        c.send_headers(3, POST)
        for _ in range(3):
            c.send_data(1, b"x" * 16384)
        assert c.outbound_flow_control_window == 16383
        assert c.local_flow_control_window(3) == 16383

    def test_stream_view_outbound_window(self):
        t = Twin(True)
        t.do("initiate_connection")
        t.recv(EMPTY_SETTINGS)
        t.do("send_headers", 1, POST)
        t.do("send_headers", 3, POST)
        for _ in range(3):
            t.do("send_data", 1, b"x" * 16384)
        assert t.h.streams[3].outbound_flow_control_window == 65535
        assert t.l.streams[3].outbound_flow_control_window == 65535


# ---- acknowledge_received_data -----------------------------------------------

class TestAcknowledge:
    def test_window_updates_like_h2(self):
        tc = Twin(True)
        tc.do("initiate_connection")
        ts = Twin(False)
        ts.do("initiate_connection")
        ts.recv(tc.sent)
        tc.recv(ts.sent)
        tc.sent = ts.sent = b""
        tc.do("send_headers", 1, POST)
        for n in (16384, 16384, 16384, 1000):
            tc.do("send_data", 1, b"x" * n)
        events = ts.recv(tc.sent)
        updates = []
        for e in events:
            if isinstance(e, DataReceived):
                before = len(ts.sent)
                ts.do("acknowledge_received_data",
                      e.flow_controlled_length, e.stream_id)
                updates.append(ts.sent[before:])
                ts.check_state((1,))
        # credit goes back once half the window (32767) is owed
        assert [bool(u) for u in updates] == [False, True, False, False]
        assert parse_frames(updates[1]) == [
            (0x8, 0, 0, (32768).to_bytes(4, "big")),
            (0x8, 0, 1, (32768).to_bytes(4, "big"))]

    def test_padding_is_acknowledged_with_flow_controlled_length(self):
        s = server_with_request(end_stream=False)
        events = s.receive_data(b"".join(
            data_frame(1, b"x" * 16000, pad_length=200) for _ in range(3)))
        assert [e.flow_controlled_length for e in events] == [16201] * 3
        assert s.remote_flow_control_window(1) == 65535 - 3 * 16201
        for e in events:
            s.acknowledge_received_data(e.flow_controlled_length, 1)
        assert s.remote_flow_control_window(1) == 65535
        updates = parse_frames(s.data_to_send())
        assert sum(int.from_bytes(p, "big") for t, _f, sid, p in updates
                   if t == 0x8 and sid == 1) == 3 * 16201

    def test_negative(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.acknowledge_received_data(-1, 1),
                    "ValueError")

    def test_stream_zero(self):
        same_misuse(lambda impl: started(impl, True),
                    lambda c: c.acknowledge_received_data(10, 0),
                    "ValueError")

    def test_closed_stream_returns_connection_credit(self):
        t = Twin(False)
        t.do("initiate_connection")
        t.recv(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B) +
               data_frame(1, b"x" * 16000) + data_frame(1, b"x" * 16000) +
               data_frame(1, b"x" * 16000, end_stream=True))
        t.do("send_headers", 1, RESP, end_stream=True)
        before = len(t.sent)
        t.do("acknowledge_received_data", 48000, 1)
        assert parse_frames(t.sent[before:]) == [
            (0x8, 0, 0, (48000).to_bytes(4, "big"))]
        t.check_state()


# ---- output buffer ------------------------------------------------------------

class TestOutput:
    @pytest.mark.parametrize("amount", [0, 1, 10, 24, 25, 1000])
    def test_data_to_send_amount(self, amount):
        t = Twin(True)
        t.h.initiate_connection()
        t.l.initiate_connection()
        first_h = t.h.data_to_send(amount)
        first_l = t.l.data_to_send(amount)
        assert first_l == first_h
        assert len(first_l) == min(amount, 24 + 51)
        assert t.l.data_to_send() == t.h.data_to_send()

    def test_pieces_add_up(self):
        c = make(LIB, True)
        c.initiate_connection()
        c.send_headers(1, REQ, end_stream=True)
        pieces = []
        while True:
            p = c.data_to_send(7)
            if not p:
                break
            assert len(p) <= 7
            pieces.append(p)
        e = make(LIB, True)
        e.initiate_connection()
        e.send_headers(1, REQ, end_stream=True)
        assert b"".join(pieces) == e.data_to_send()

    def test_clear_outbound_data_buffer(self):
        c = make(LIB, True)
        c.initiate_connection()
        c.send_headers(1, REQ)
        c.clear_outbound_data_buffer()
        assert c.data_to_send() == b""
        c.ping(b"12345678")  # later frames are still queued
        assert only_frame(c.data_to_send())[0] == 0x6
        assert c.stream_state(1) == StreamState.OPEN


# ---- receive_data -----------------------------------------------------------

class TestReceiveData:
    @pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview],
                             ids=lambda w: w.__name__)
    def test_buffer_types(self, wrap):
        s = started(LIB, False)
        events = s.receive_data(wrap(PREFACE + EMPTY_SETTINGS +
                                     headers_frame(1, REQ_B, end_stream=True)))
        assert isinstance(events, list)
        assert [type(e).__name__ for e in events] == [
            "RemoteSettingsChanged", "RequestReceived", "StreamEnded"]

    def test_empty(self):
        s = started(LIB, False)
        assert s.receive_data(b"") == []

    def test_str_is_a_type_error(self):
        s = started(LIB, False)
        with pytest.raises(TypeError):
            s.receive_data(PREFACE.decode())

    def test_answers_settings_and_ping(self):
        s = started(LIB, False)
        s.receive_data(PREFACE + EMPTY_SETTINGS + bytes.fromhex(
            "000008060000000000" "6162636465666768"))
        assert parse_frames(s.data_to_send()) == [
            (0x4, 0x1, 0, b""), (0x6, 0x1, 0, b"abcdefgh")]


# ---- libh2 extensions -------------------------------------------------------

class TestExtensions:
    def test_send_priority_update(self):
        c = client()
        c.send_headers(1, REQ)
        c.data_to_send()
        c.send_priority_update(1, b"u=1, i")
        c.send_priority_update(5, "u=3")  # str, and a stream not yet open
        assert parse_frames(c.data_to_send()) == [
            (0x10, 0, 0, b"\0\0\0\x01u=1, i"), (0x10, 0, 0, b"\0\0\0\x05u=3")]

    def test_server_cannot_send_priority_update(self):
        # RFC 9218 §7.1: PRIORITY_UPDATE is sent by clients.
        s = server_with_request()
        with pytest.raises(ProtocolError):
            s.send_priority_update(1, b"u=1")
        assert s.data_to_send() == b""

    def test_send_origin(self):
        s = server()
        s.send_origin([b"https://a.example", "https://b.example"])
        assert parse_frames(s.data_to_send()) == [
            (0xC, 0, 0, b"\0\x11https://a.example\0\x11https://b.example")]

    def test_client_cannot_send_origin(self):
        # RFC 8336 §2: ORIGIN is sent by servers.
        c = client()
        with pytest.raises(ProtocolError):
            c.send_origin([b"https://a.example"])
        assert c.data_to_send() == b""

    def test_stream_state(self):
        c = client()
        assert c.stream_state(1) == StreamState.IDLE
        c.send_headers(1, REQ)
        assert c.stream_state(1) is StreamState.OPEN
        c.end_stream(1)
        assert c.stream_state(1) == StreamState.HALF_CLOSED_LOCAL
        c.reset_stream(1)
        assert c.stream_state(1) == StreamState.CLOSED
        assert c.stream_state(3) == StreamState.IDLE
        with pytest.raises(ValueError):
            c.stream_state(0)

    def test_local_and_remote_setting(self):
        c = make(LIB, True)
        c.initiate_connection()
        assert c.local_setting(SettingCodes.ENABLE_PUSH) == 1
        assert c.local_setting(SettingCodes.MAX_CONCURRENT_STREAMS) == 100
        assert c.remote_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 65535
        c.receive_data(b"\0\0\x06\x04\0\0\0\0\0" b"\0\x04\0\0\x10\0")
        assert c.remote_setting(SettingCodes.INITIAL_WINDOW_SIZE) == 4096
        assert c.remote_setting(4) == 4096
        with pytest.raises(ValueError):
            c.local_setting(0x99)


def test_config_default_is_a_client():
    c = H2Connection()
    assert c.config.client_side is True
    c.initiate_connection()
    assert c.data_to_send().startswith(PREFACE)
    assert isinstance(H2Connection(H2Configuration(client_side=False)).config,
                      H2Configuration)


def test_exceptions_are_h2s_hierarchy():
    for cls in (FlowControlError, FrameTooLargeError, NoAvailableStreamIDError,
                NoSuchStreamError, StreamClosedError, StreamIDTooLowError,
                TooManyStreamsError, InvalidSettingsValueError):
        assert issubclass(cls, ProtocolError)
    assert not issubclass(RFC1122Error, ProtocolError)
    assert issubclass(StreamClosedError, NoSuchStreamError)
