"""What each H2Configuration option does to a connection: h2's switches
(compared with h2 itself) and libh2's limits against abusive peers."""
from __future__ import annotations

import time

import hpack
import pytest
from _pairs import (
    EMPTY_SETTINGS, LIB, POST, PREFACE, REQ, REQ_B, Twin,
    continuation_frame, data_frame, goaway_code, headers_frame, make,
    parse_frames, ping_frame, priority_frame, push_promise_frame, rst_codes,
    rst_frame, settings_frame, window_update_frame,
)

from libh2.config import DummyLogger, H2Configuration
from libh2.connection import H2Connection
from libh2.exceptions import (
    DenialOfServiceError, HeaderListTooLargeError, InvalidBodyLengthError,
    ProtocolError,
    StreamClosedError,
)

ENHANCE_YOUR_CALM = 0xB
POST_B = [(k.encode(), v.encode()) for k, v in POST]


def lib_server(**kw):
    s = make(LIB, False, **kw)
    s.initiate_connection()
    s.data_to_send()
    s.receive_data(PREFACE + EMPTY_SETTINGS)
    s.data_to_send()
    return s


def lib_client(**kw):
    c = make(LIB, True, **kw)
    c.initiate_connection()
    c.receive_data(EMPTY_SETTINGS)
    c.data_to_send()
    return c


def twin_server(**kw):
    t = Twin(False, auto_check=True, **kw)
    t.do("initiate_connection")
    t.recv(PREFACE + EMPTY_SETTINGS)
    return t


def twin_client(**kw):
    t = Twin(True, auto_check=True, **kw)
    t.do("initiate_connection")
    t.recv(EMPTY_SETTINGS)
    return t


def header_block_frames(stream_id, headers, end_stream=False, size=16384):
    """HEADERS + CONTINUATION frames of at most size bytes each."""
    block = hpack.Encoder().encode(headers)
    pieces = [block[i:i + size] for i in range(0, len(block), size)] or [b""]
    out = headers_frame(stream_id, [], block=pieces[0],
                        end_headers=len(pieces) == 1, end_stream=end_stream)
    for i, p in enumerate(pieces[1:], 2):
        out += continuation_frame(stream_id, p, end_headers=i == len(pieces))
    return out


def expect_calm(conn, data, exc=DenialOfServiceError):
    """data makes conn end the connection with GOAWAY(ENHANCE_YOUR_CALM)
    and raise exc."""
    with pytest.raises(exc) as info:
        conn.receive_data(data)
    assert str(info.value)
    assert goaway_code(conn.data_to_send()) == ENHANCE_YOUR_CALM
    assert conn.state_machine.state.name == "CLOSED"
    return info.value


# ---- h2's switches ---------------------------------------------------------

class TestClientSide:
    def test_client(self):
        c = make(LIB, True)
        c.initiate_connection()
        assert c.data_to_send().startswith(PREFACE)
        assert c.get_next_available_stream_id() == 1
        assert c.local_settings.enable_push == 1

    def test_server(self):
        s = make(LIB, False)
        s.initiate_connection()
        assert not s.data_to_send().startswith(PREFACE)
        assert s.get_next_available_stream_id() == 2
        assert s.local_settings.enable_push == 0
        with pytest.raises(ProtocolError):
            s.receive_data(b"GET / HTTP/1.1\r\n\r\n" + b"x" * 10)


class TestHeaderEncoding:
    @pytest.mark.parametrize("encoding", [None, False, "utf-8", "latin-1"],
                             ids=str)
    def test_received_headers(self, encoding):
        t = twin_server(header_encoding=encoding)
        events = t.recv(headers_frame(1, REQ_B + [(b"x", "\u00e9".encode())],
                                      end_stream=True))
        name, value = events[0].headers[-1]
        if encoding:
            assert (name, value) == ("x", "\u00e9".encode().decode(encoding))
        else:
            assert (name, value) == (b"x", "\u00e9".encode())

    def test_sent_headers_are_utf8_whatever_the_setting(self):
        t = twin_client(header_encoding="latin-1")
        t.do("send_headers", 1, REQ + [("x", "\u00e9")])
        block = parse_frames(t.sent)[-1][3]
        assert hpack.Decoder().decode(block, raw=True)[-1] == \
            (b"x", "\u00e9".encode("utf-8"))


class TestValidation:
    @pytest.mark.parametrize("headers", [
        REQ_B + [(b"X-Upper", b"v")],
        [(b":method", b"GET")],
        REQ_B + [(b"connection", b"close")],
        REQ_B + [(b":path", b"/again")],
    ], ids=["uppercase", "missing-pseudo", "connection", "duplicate-pseudo"])
    def test_inbound_off_accepts_what_h2_accepts(self, headers):
        t = twin_server(validate_inbound_headers=False)
        events = t.recv(headers_frame(1, headers, end_stream=True))
        assert events[0].headers == headers

    def test_inbound_on_resets_the_stream_with_malformed_stream_error(self):
        # RFC 9113 §8.1.1: a malformed request is a stream error.
        s = lib_server(malformed_stream_error=True)
        events = s.receive_data(headers_frame(1, REQ_B + [(b"X-Up", b"v")]))
        assert [type(e).__name__ for e in events] == ["StreamReset"]
        assert rst_codes(s.data_to_send()) == {1: 1}
        assert s.state_machine.state.name != "CLOSED"

    def test_inbound_on_ends_the_connection_by_default(self):
        # As h2 (RFC 9113 §5.4 allows a stream error to be treated as a
        # connection error): GOAWAY(PROTOCOL_ERROR) and ProtocolError.
        s = lib_server()
        with pytest.raises(ProtocolError):
            s.receive_data(headers_frame(1, REQ_B + [(b"X-Up", b"v")]))
        assert goaway_code(s.data_to_send()) == 0x1
        assert s.state_machine.state.name == "CLOSED"

    def test_body_length_mismatch_by_default(self):
        s = lib_server()
        s.receive_data(headers_frame(1, REQ_B + [(b"content-length", b"5")]))
        with pytest.raises(InvalidBodyLengthError) as info:
            s.receive_data(data_frame(1, b"abc", end_stream=True))
        assert goaway_code(s.data_to_send()) == 0x1
        assert (info.value.expected_length, info.value.actual_length) == (5, 3)

    def test_normalize_inbound_joins_cookies(self):
        t = twin_server()
        events = t.recv(headers_frame(1, REQ_B + [(b"cookie", b"a=1"),
                                                  (b"cookie", b"b=2")]))
        assert events[0].headers[-1] == (b"cookie", b"a=1; b=2")

    def test_normalize_inbound_off_keeps_cookies_apart(self):
        t = twin_server(normalize_inbound_headers=False)
        events = t.recv(headers_frame(1, REQ_B + [(b"cookie", b"a=1"),
                                                  (b"cookie", b"b=2")]))
        assert events[0].headers[-2:] == [(b"cookie", b"a=1"),
                                          (b"cookie", b"b=2")]

    def test_outbound_on_refuses_invalid_requests(self):
        c = lib_client()
        with pytest.raises(ProtocolError):
            c.send_headers(1, [(":method", "GET")])

    def test_outbound_off_sends_them(self):
        t = twin_client(validate_outbound_headers=False)
        t.do("send_headers", 1, [(":method", "GET")])
        t.do("send_headers", 3, REQ + [(":status", "200")])
        assert [f[0] for f in parse_frames(t.sent)][-2:] == [1, 1]

    def test_normalize_outbound_lowercases_and_strips(self):
        t = twin_client()
        t.do("send_headers", 1, REQ + [("X-Mixed", "  padded  ")])
        block = parse_frames(t.sent)[-1][3]
        assert hpack.Decoder().decode(block, raw=True)[-1] == \
            (b"x-mixed", b"padded")

    def test_normalize_outbound_off(self):
        t = twin_client(normalize_outbound_headers=False,
                        validate_outbound_headers=False)
        t.do("send_headers", 1, REQ + [("X-Mixed", " v ")])
        block = parse_frames(t.sent)[-1][3]
        assert hpack.Decoder().decode(block, raw=True)[-1] == \
            (b"X-Mixed", b" v ")

    def test_uppercase_without_normalizing(self):
        # RFC 9113 §8.2.1: field names are lowercase; with validation on and
        # normalization off libh2 refuses (h2 sends them).
        c = lib_client(normalize_outbound_headers=False)
        with pytest.raises(ProtocolError, match="uppercase"):
            c.send_headers(1, REQ + [("X-Upper", "v")])

    def test_split_outbound_cookies(self):
        t = twin_client(split_outbound_cookies=True)
        t.do("send_headers", 1, REQ + [("cookie", "a=1; b=2; c=3")])
        block = parse_frames(t.sent)[-1][3]
        assert hpack.Decoder().decode(block, raw=True)[-3:] == [
            (b"cookie", b"a=1"), (b"cookie", b"b=2"), (b"cookie", b"c=3")]

    def test_cookies_not_split_by_default(self):
        t = twin_client()
        t.do("send_headers", 1, REQ + [("cookie", "a=1; b=2")])
        block = parse_frames(t.sent)[-1][3]
        assert hpack.Decoder().decode(block, raw=True)[-1] == \
            (b"cookie", b"a=1; b=2")


class RecordingLogger:
    def __init__(self):
        self.records = []

    def debug(self, fmtstr, *args):
        self.records.append(("debug", fmtstr % args if args else fmtstr))

    def trace(self, fmtstr, *args):
        self.records.append(("trace", fmtstr % args if args else fmtstr))

    def lines(self):
        return [m for _lvl, m in self.records]


class TestLogger:
    def test_received_frames_are_logged(self):
        log = RecordingLogger()
        c = make(LIB, True, logger=log)
        c.initiate_connection()
        c.data_to_send()
        c.receive_data(EMPTY_SETTINGS + ping_frame(b"12345678") +
                       window_update_frame(0, 5))
        lines = log.lines()
        assert "Initializing connection" in lines
        assert "Received SETTINGS frame: stream 0, flags 0x00, length 0" \
            in lines
        assert "Received PING frame: stream 0, flags 0x00, length 8" in lines
        assert "Received WINDOW_UPDATE frame: stream 0, flags 0x00, " \
            "length 4" in lines
        assert all(isinstance(m, str) for m in lines)

    def test_sent_frames_are_logged_when_handed_out(self):
        log = RecordingLogger()
        c = make(LIB, True, logger=log)
        c.initiate_connection()
        c.data_to_send()
        assert any(m.startswith("Send SETTINGS frame: stream 0, flags 0x00")
                   for m in log.lines())
        c.send_headers(1, REQ, end_stream=True)
        c.data_to_send()
        assert "Send HEADERS frame: stream 1, flags 0x05, length 13" in \
            log.lines()

    def test_sent_frames_are_logged_eventually(self):
        log = RecordingLogger()
        c = make(LIB, True, logger=log)
        c.initiate_connection()
        c.data_to_send()
        c.receive_data(EMPTY_SETTINGS)
        assert any(m.startswith("Send SETTINGS frame: stream 0, flags 0x00")
                   for m in log.lines())

    def test_logger_set_before_initiate(self):
        c = make(LIB, True)
        log = RecordingLogger()
        c.config.logger = log
        c.initiate_connection()
        c.data_to_send()
        c.receive_data(EMPTY_SETTINGS)
        assert "Received SETTINGS frame: stream 0, flags 0x00, length 0" \
            in log.lines()

    def test_default_logger_records_nothing(self):
        cfg = H2Configuration(client_side=True)
        assert isinstance(cfg.logger, DummyLogger)
        c = H2Connection(cfg)
        c.initiate_connection()
        assert c.data_to_send().startswith(PREFACE)

    def test_trace_frames_bounds_the_records(self):
        log = RecordingLogger()
        c = make(LIB, True, logger=log, trace_frames=2)
        c.initiate_connection()
        c.receive_data(EMPTY_SETTINGS + ping_frame(b"AAAAAAAA") * 5)
        received = [m for m in log.lines() if m.startswith("Received")]
        assert len(received) == 2
        assert all("PING" in m for m in received)

    def test_trace_frames_default_with_logger_keeps_everything(self):
        log = RecordingLogger()
        c = make(LIB, True, logger=log)
        c.initiate_connection()
        c.receive_data(EMPTY_SETTINGS + ping_frame(b"AAAAAAAA") * 50)
        received = [m for m in log.lines() if m.startswith("Received")]
        assert len(received) == 51


# ---- libh2's limits ------------------------------------------------------------

class TestHeaderLimits:
    def test_max_header_list_size(self):
        s = lib_server(max_header_list_size=1000)
        expect_calm(s, header_block_frames(
            1, REQ_B + [(b"x-big", b"v" * 3000)]), HeaderListTooLargeError)

    def test_default_header_list_limit(self):
        s = lib_server()
        big = REQ_B + [(b"x-h%d" % i, b"~" * 4000) for i in range(20)]
        e = expect_calm(s, header_block_frames(1, big),
                        HeaderListTooLargeError)
        assert isinstance(e, DenialOfServiceError)

    def test_under_the_limit(self):
        s = lib_server()
        big = REQ_B + [(b"x-h%d" % i, b"~" * 3000) for i in range(15)]
        events = s.receive_data(header_block_frames(1, big))
        assert len(events[0].headers) == 19

    def test_max_field_size(self):
        s = lib_server(max_field_size=100)
        s.receive_data(headers_frame(1, REQ_B + [(b"x", b"v" * 100)],
                                     end_stream=True))
        expect_calm(s, headers_frame(3, REQ_B + [(b"x", b"v" * 101)]),
                    HeaderListTooLargeError)

    def test_max_field_size_message(self):
        s = lib_server(max_field_size=100)
        with pytest.raises(HeaderListTooLargeError, match="field"):
            s.receive_data(headers_frame(1, REQ_B + [(b"x", b"v" * 101)]))

    def test_hpack_bomb(self):
        # One 4000-byte entry of the dynamic table referenced 100 times.
        s = lib_server()
        block = hpack.Encoder().encode(REQ_B + [(b"x-bomb", b"a" * 4000)])
        expect_calm(s, headers_frame(1, [], block=block + b"\xbe" * 100),
                    HeaderListTooLargeError)

    @pytest.mark.parametrize("limit", [3, 64])
    def test_max_continuation_frames(self, limit):
        s = lib_server(max_continuation_frames=limit)
        block = hpack.Encoder().encode(REQ_B + [(b"x", b"y" * 200)])
        ok = headers_frame(1, [], block=block[:1], end_headers=False)
        for i in range(1, limit):
            ok += continuation_frame(1, block[i:i + 1], end_headers=False)
        ok += continuation_frame(1, block[limit:])
        assert len(s.receive_data(ok)[0].headers) == 5
        flood = headers_frame(3, [], block=block[:1], end_headers=False)
        for i in range(1, limit + 1):
            flood += continuation_frame(3, block[i:i + 1], end_headers=False)
        flood += continuation_frame(3, block[limit + 1:])
        expect_calm(s, flood)

    def test_continuation_flood_of_empty_frames(self):
        s = lib_server()
        flood = headers_frame(1, [], block=b"\x82", end_headers=False) + \
            continuation_frame(1, b"", end_headers=False) * 200
        expect_calm(s, flood)


class TestControlLimits:
    def test_max_settings_entries(self):
        s = lib_server(max_settings_entries=3)
        s.receive_data(settings_frame(HEADER_TABLE_SIZE=100, ENABLE_PUSH=0,
                                      INITIAL_WINDOW_SIZE=10))
        s.data_to_send()
        expect_calm(s, settings_frame(HEADER_TABLE_SIZE=100, ENABLE_PUSH=0,
                                      INITIAL_WINDOW_SIZE=10,
                                      MAX_FRAME_SIZE=16384))

    def test_max_queued_acks_ping_flood(self):
        s = lib_server(max_queued_acks=5)
        s.receive_data(ping_frame() * 5)
        expect_calm(s, ping_frame())

    def test_queued_acks_drain_when_written(self):
        s = lib_server(max_queued_acks=5)
        for _ in range(20):
            s.receive_data(ping_frame() * 5)
            assert len(parse_frames(s.data_to_send())) == 5

    def test_settings_flood(self):
        s = lib_server(max_queued_acks=5)
        expect_calm(s, EMPTY_SETTINGS * 6)

    def test_max_queued_control(self):
        # Malformed requests each get a RST_STREAM; if the peer never
        # reads them, the queue limit ends the connection.
        s = lib_server(max_queued_control=10, malformed_stream_error=True)
        bad = b"".join(headers_frame(i, [(b":method", b"GET")])
                       for i in range(1, 41, 2))
        expect_calm(s, bad)

    def test_rapid_reset(self):
        s = lib_server(rst_rate_burst=10, rst_rate_per_sec=1)
        flood = b"".join(headers_frame(i, REQ_B) + rst_frame(i, 8)
                         for i in range(1, 60, 2))
        e = expect_calm(s, flood)
        assert "RST_STREAM" in str(e)

    def test_rapid_reset_default_limit(self):
        s = lib_server()
        flood = b"".join(headers_frame(i, REQ_B, end_stream=True) +
                         rst_frame(i, 8) for i in range(1, 2200, 2))
        expect_calm(s, flood)

    def test_resets_under_the_rate(self):
        s = lib_server(rst_rate_burst=10, rst_rate_per_sec=1)
        events = s.receive_data(b"".join(
            headers_frame(i, REQ_B) + rst_frame(i, 8) for i in range(1, 20, 2)))
        assert sum(type(e).__name__ == "StreamReset" for e in events) == 10

    def test_reset_allowance_refills(self):
        s = lib_server(rst_rate_burst=5, rst_rate_per_sec=100)
        for base in (1, 101):
            s.receive_data(b"".join(headers_frame(i, REQ_B) + rst_frame(i, 8)
                                    for i in range(base, base + 10, 2)))
            time.sleep(0.15)  # 100/s: the 5 tokens are back in 50 ms
        expect_calm(s, b"".join(headers_frame(i, REQ_B) + rst_frame(i, 8)
                                for i in range(201, 215, 2)))

    def test_rst_limit_disabled(self):
        s = lib_server(rst_rate_burst=0)
        s.receive_data(b"".join(headers_frame(i, REQ_B) + rst_frame(i, 8)
                                for i in range(1, 3000, 2)))
        assert s.state_machine.state.name != "CLOSED"

    @pytest.mark.parametrize("frame", [
        lambda i: priority_frame(i, 0, 16),
        lambda i: data_frame(1, b""),
        lambda i: headers_frame(i, [(b":method", b"GET")]),
    ], ids=["priority", "empty-data", "malformed-request"])
    def test_glitch_rate(self, frame):
        s = lib_server(glitch_rate_burst=5, glitch_rate_per_sec=1,
                       max_queued_control=0, malformed_stream_error=True)
        s.receive_data(headers_frame(1, REQ_B))
        flood = b"".join(frame(i) for i in range(3, 3 + 2 * 40, 2))
        e = expect_calm(s, flood)
        assert "glitch" in str(e)

    def test_glitches_under_the_default_rate(self):
        s = lib_server()
        s.receive_data(headers_frame(1, REQ_B) + data_frame(1, b"") * 100)
        assert s.state_machine.state.name != "CLOSED"

    def test_max_reserved_streams(self):
        c = lib_client(max_reserved_streams=2)
        c.send_headers(1, REQ, end_stream=True)
        c.receive_data(push_promise_frame(1, 2, REQ_B) +
                       push_promise_frame(1, 4, REQ_B))
        expect_calm(c, push_promise_frame(1, 6, REQ_B))

    def test_max_closed_streams(self):
        # Late DATA on a stream this side reset is ignored (RFC 9113 §5.1)
        # while the stream is remembered; a forgotten stream is taken as
        # closed by END_STREAM: a connection error STREAM_CLOSED.
        def reset_five(**kw):
            s = lib_server(**kw)
            for i in range(1, 11, 2):
                s.receive_data(headers_frame(i, REQ_B))
                s.reset_stream(i)
            s.data_to_send()
            return s
        s = reset_five()
        assert s.receive_data(data_frame(1, b"late")) == []
        out = s.data_to_send()
        assert goaway_code(out) is None and rst_codes(out) == {}
        s = reset_five(max_closed_streams=2)
        with pytest.raises(StreamClosedError):
            s.receive_data(data_frame(1, b"late"))
        assert goaway_code(s.data_to_send()) == 0x5
        assert s.receive_data(data_frame(9, b"late")) == []


class TestHpackPolicy:
    HEADERS = REQ + [("x-symbols", "^~{}|\\^~{}|\\" * 4),
                     ("x-once", "a-value-sent-once")]

    def block(self, policy, headers):
        c = lib_client(hpack_policy=policy)
        c.send_headers(1, headers)
        return parse_frames(c.data_to_send())[-1][3]

    def test_h2_policy_is_h2s_bytes(self):
        t = twin_client(hpack_policy="h2")
        t.do("send_headers", 1, self.HEADERS)

    def test_compact_is_smaller_and_decodable(self):
        h2_block = self.block("h2", self.HEADERS)
        compact = self.block("compact", self.HEADERS)
        assert len(compact) < len(h2_block)
        expect = [(k.encode(), v.encode()) for k, v in self.HEADERS]
        assert hpack.Decoder().decode(compact, raw=True) == expect
        s = lib_server()
        events = s.receive_data(headers_frame(1, [], block=compact))
        assert events[0].headers == expect

    def test_compact_over_a_conversation(self):
        c = make(LIB, True, hpack_policy="compact")
        s = make(LIB, False, hpack_policy="compact")
        c.initiate_connection()
        s.initiate_connection()
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
        s.receive_data(c.data_to_send())
        dec = hpack.Decoder()
        for i in range(1, 40, 2):
            hdrs = REQ + [("x-n", str(i)), ("user-agent", "ua/1")]
            c.send_headers(i, hdrs, end_stream=True)
            out = c.data_to_send()
            assert dec.decode(parse_frames(out)[0][3]) == hdrs
            assert s.receive_data(out)[0].headers[-2] == (b"x-n",
                                                          str(i).encode())

    def test_unknown_policy(self):
        with pytest.raises(ValueError):
            make(LIB, True, hpack_policy="smallest")


def test_limits_are_independent_per_connection():
    a = lib_server(rst_rate_burst=2, rst_rate_per_sec=1)
    b = lib_server(rst_rate_burst=2, rst_rate_per_sec=1)
    expect_calm(a, b"".join(headers_frame(i, REQ_B) + rst_frame(i, 8)
                            for i in range(1, 11, 2)))
    b.receive_data(headers_frame(1, REQ_B) + rst_frame(1, 8))
    assert b.state_machine.state.name != "CLOSED"


def test_config_options_reach_h2_unchanged():
    # The libh2-only options do not change what h2's options do.
    t = twin_server(max_closed_streams=10, rst_rate_burst=5,
                    glitch_rate_burst=50, trace_frames=0)
    t.recv(headers_frame(1, POST_B, end_stream=False) +
           data_frame(1, b"x", end_stream=True))

