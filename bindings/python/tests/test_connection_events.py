"""Every event class, produced by libh2's H2Connection from real frames:
its attributes, the links between related events, header decoding, and
equality and repr() with the events h2 produces from the same bytes."""
from __future__ import annotations

import hpack
import pytest
from _pairs import (
    EMPTY_SETTINGS, PREFACE, REQ, REQ_B, SETTINGS_ACK, Expected, Twin,
    altsvc_frame,
    continuation_frame, data_frame, goaway_frame, headers_frame,
    origin_frame, parse_frames, ping_frame, priority_frame, priority_update_frame,
    push_promise_frame, raw_frame, rst_frame, settings_frame,
    window_update_frame,
)

import libh2.events as ev
import libh2.exceptions
from libh2.errors import ErrorCodes
from libh2.settings import ChangedSetting, SettingCodes

RESP_B = [(b":status", b"200"), (b"content-type", b"text/plain")]


def twin_server(bytewise=False, **cfg):
    """A Twin server (h2 and libh2) past the client's preface and SETTINGS;
    every later recv() compares both packages' events."""
    t = Twin(False, bytewise=bytewise, **cfg)
    t.do("initiate_connection")
    t.recv(PREFACE + EMPTY_SETTINGS)
    return t


def twin_client(bytewise=False, streams=(1,), **cfg):
    """A Twin client past the server's SETTINGS, with requests open."""
    t = Twin(True, bytewise=bytewise, **cfg)
    t.do("initiate_connection")
    t.recv(EMPTY_SETTINGS)
    for sid in streams:
        t.do("send_headers", sid, REQ)
    return t


def names(events):
    return [type(e).__name__ for e in events]


def changed_tuples(changed):
    """changed_settings as {code: (setting, original, new)}
    (ChangedSetting compares by identity, as in h2)."""
    return {k: (v.setting, v.original_value, v.new_value)
            for k, v in changed.items()}


@pytest.fixture(params=[False, True], ids=["whole", "bytewise"])
def bytewise(request):
    return request.param


# ---- requests, responses, trailers -----------------------------------------

class TestHeaderEvents:
    def test_request_received(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B + [(b"accept", b"*/*")]))
        assert names(events) == ["RequestReceived"]
        e = events[0]
        assert e.stream_id == 1
        assert e.headers == REQ_B + [(b"accept", b"*/*")]
        assert all(type(h) is hpack.HeaderTuple for h in e.headers)
        assert e.stream_ended is None and e.priority_updated is None
        assert e == ev.RequestReceived(stream_id=1, headers=e.headers)
        assert e != ev.RequestReceived(stream_id=3, headers=e.headers)

    def test_request_with_end_stream(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B, end_stream=True))
        assert names(events) == ["RequestReceived", "StreamEnded"]
        assert events[0].stream_ended is events[1]
        assert events[1] == ev.StreamEnded(stream_id=1)

    def test_request_with_priority(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(3, REQ_B, end_stream=True,
                                      priority=(1, 100, True)))
        assert names(events) == ["RequestReceived", "StreamEnded",
                                 "PriorityUpdated"]
        req, ended, prio = events
        assert req.stream_ended is ended
        assert req.priority_updated is prio
        assert (prio.stream_id, prio.weight, prio.depends_on,
                prio.exclusive) == (3, 100, 1, True)

    def test_request_in_continuations(self, bytewise):
        block = hpack.Encoder().encode(REQ_B + [(b"x-long", b"v" * 50)])
        t = twin_server(bytewise)
        events = t.recv(
            headers_frame(1, [], block=block[:4], end_headers=False,
                          end_stream=True) +
            continuation_frame(1, block[4:20], end_headers=False) +
            continuation_frame(1, block[20:]))
        assert names(events) == ["RequestReceived", "StreamEnded"]
        assert events[0].headers[-1] == (b"x-long", b"v" * 50)
        assert events[0].stream_ended is events[1]

    def test_padded_headers(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B, pad_length=30))
        assert events[0].headers == REQ_B

    def test_never_indexed_fields_arrive_as_such(self, bytewise):
        block = hpack.Encoder().encode(
            REQ_B + [hpack.NeverIndexedHeaderTuple(b"authorization", b"s"),
                     (b"x-plain", b"p")])
        t = twin_server(bytewise)
        e = t.recv(headers_frame(1, [], block=block))[0]
        assert type(e.headers[-2]) is hpack.NeverIndexedHeaderTuple
        assert e.headers[-2] == (b"authorization", b"s")
        assert type(e.headers[-1]) is hpack.HeaderTuple

    def test_response_received(self, bytewise):
        t = twin_client(bytewise)
        events = t.recv(headers_frame(1, RESP_B))
        assert names(events) == ["ResponseReceived"]
        assert events[0] == ev.ResponseReceived(stream_id=1, headers=RESP_B)
        assert events[0].stream_ended is None

    def test_response_with_end_stream_and_priority(self, bytewise):
        t = twin_client(bytewise)
        events = t.recv(headers_frame(1, RESP_B, end_stream=True,
                                      priority=(0, 1, False)))
        assert names(events) == ["ResponseReceived", "StreamEnded",
                                 "PriorityUpdated"]
        assert events[0].stream_ended is events[1]
        assert events[0].priority_updated is events[2]
        assert events[2].weight == 1

    def test_informational_response(self, bytewise):
        t = twin_client(bytewise)
        events = t.recv(
            headers_frame(1, [(b":status", b"103"), (b"link", b"</s.css>")]) +
            headers_frame(1, [(b":status", b"100")],
                          priority=(0, 20, False)) +
            headers_frame(1, RESP_B))
        assert names(events) == [
            "InformationalResponseReceived", "InformationalResponseReceived",
            "PriorityUpdated", "ResponseReceived"]
        first = events[0]
        assert first.headers == [(b":status", b"103"), (b"link", b"</s.css>")]
        assert first == ev.InformationalResponseReceived(
            stream_id=1, headers=first.headers)
        assert events[1].priority_updated is events[2]

    def test_trailers_received_by_server(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) + data_frame(1, b"abc") +
                        headers_frame(1, [(b"x-sum", b"9")], end_stream=True))
        assert names(events) == ["RequestReceived", "DataReceived",
                                 "TrailersReceived", "StreamEnded"]
        tr = events[2]
        assert tr.headers == [(b"x-sum", b"9")]
        assert tr.stream_ended is events[3]
        assert tr == ev.TrailersReceived(stream_id=1, headers=tr.headers,
                                         stream_ended=events[3])

    def test_trailers_received_by_client(self, bytewise):
        t = twin_client(bytewise)
        events = t.recv(headers_frame(1, RESP_B) +
                        headers_frame(1, [(b"grpc-status", b"0")],
                                      end_stream=True))
        assert names(events) == ["ResponseReceived", "TrailersReceived",
                                 "StreamEnded"]

    def test_header_encoding_gives_str(self, bytewise):
        t = twin_server(bytewise, header_encoding="utf-8")
        events = t.recv(headers_frame(
            1, REQ_B + [(b"x-name", "caf\u00e9".encode())], end_stream=True))
        headers = events[0].headers
        assert headers[-1] == ("x-name", "caf\u00e9")
        assert all(isinstance(n, str) and isinstance(v, str)
                   for n, v in headers)
        assert all(type(h) is hpack.HeaderTuple for h in headers)

    def test_header_encoding_for_pushes_and_trailers(self):
        t = twin_client(header_encoding="latin-1")
        t.do("end_stream", 1)
        events = t.recv(
            push_promise_frame(1, 2, REQ_B) + headers_frame(1, RESP_B) +
            headers_frame(1, [(b"x-t", b"\xe9")], end_stream=True))
        assert events[0].headers[0] == (":method", "GET")
        assert events[2].headers == [("x-t", "\u00e9")]

    def test_undecodable_with_header_encoding(self):
        t = twin_server(header_encoding="utf-8")
        with pytest.raises(Expected) as info:
            t.recv(headers_frame(1, REQ_B + [(b"x", b"\xff")]))
        assert isinstance(info.value.lib, UnicodeDecodeError)


# ---- DATA --------------------------------------------------------------------

class TestDataEvents:
    def test_data_received(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) + data_frame(1, b"hello"))
        d = events[1]
        assert (d.stream_id, d.data, d.flow_controlled_length) == \
            (1, b"hello", 5)
        assert type(d.data) is bytes
        assert d.stream_ended is None
        assert d == ev.DataReceived(stream_id=1, data=b"hello",
                                    flow_controlled_length=5)

    @pytest.mark.parametrize("pad", [0, 1, 100, 255])
    def test_flow_controlled_length_counts_padding(self, pad, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) +
                        data_frame(1, b"abc", pad_length=pad))
        d = events[1]
        assert d.data == b"abc"
        assert d.flow_controlled_length == 3 + pad + 1

    def test_end_stream_link(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) +
                        data_frame(1, b"", end_stream=True))
        assert names(events) == ["RequestReceived", "DataReceived",
                                 "StreamEnded"]
        assert events[1].stream_ended is events[2]
        assert events[1].data == b"" and events[1].flow_controlled_length == 0

    def test_data_outlives_the_input(self):
        # The engine points events at the input buffer: the event's bytes
        # must be a copy that survives the buffer changing.
        t = twin_server()
        buf = bytearray(headers_frame(1, REQ_B) + data_frame(1, b"x" * 100))
        events = t.l.receive_data(buf)
        buf[:] = b"\0" * len(buf)
        assert events[1].data == b"x" * 100

    def test_many_data_frames(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) + b"".join(
            data_frame(1, bytes([i]) * 10) for i in range(20)))
        assert [e.data[:1] for e in events[1:]] == [bytes([i])
                                                    for i in range(20)]


# ---- control frames ------------------------------------------------------------

class TestControlEvents:
    def test_window_updated(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) + window_update_frame(0, 100)
                        + window_update_frame(1, 7))
        assert events[1] == ev.WindowUpdated(stream_id=0, delta=100)
        assert events[2] == ev.WindowUpdated(stream_id=1, delta=7)
        t.check_state()

    def test_remote_settings_changed(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(settings_frame(INITIAL_WINDOW_SIZE=1000,
                                       MAX_FRAME_SIZE=20000) +
                        raw_frame(0x4, 0, 0, b"\x00\x77\x00\x00\x00\x05"))
        assert names(events) == ["RemoteSettingsChanged",
                                 "RemoteSettingsChanged"]
        changed = events[0].changed_settings
        assert changed_tuples(changed) == {
            SettingCodes.INITIAL_WINDOW_SIZE: (
                SettingCodes.INITIAL_WINDOW_SIZE, 65535, 1000),
            SettingCodes.MAX_FRAME_SIZE: (
                SettingCodes.MAX_FRAME_SIZE, 16384, 20000)}
        assert all(type(k) is SettingCodes for k in changed)
        assert all(type(v) is ChangedSetting for v in changed.values())
        unknown = events[1].changed_settings
        assert list(unknown) == [0x77]
        assert unknown[0x77].original_value is None
        assert unknown[0x77].new_value == 5
        assert t.l.remote_settings.initial_window_size == 1000
        assert t.l.max_outbound_frame_size == 20000

    def test_first_settings_of_the_peer(self):
        t = Twin(False)
        t.do("initiate_connection")
        client = Twin(True)
        client.do("initiate_connection")
        events = t.recv(client.sent)
        assert names(events) == ["RemoteSettingsChanged"]
        cs = events[0].changed_settings
        assert cs[SettingCodes.MAX_CONCURRENT_STREAMS].original_value is None
        assert cs[SettingCodes.MAX_CONCURRENT_STREAMS].new_value == 100

    def test_remote_settings_original_value_of_max_concurrent_streams(self):
        t = twin_server(bytewise=False)
        t.recv(settings_frame(MAX_CONCURRENT_STREAMS=50))
        events = t.recv(settings_frame(MAX_CONCURRENT_STREAMS=2))
        cs = events[0].changed_settings[SettingCodes.MAX_CONCURRENT_STREAMS]
        assert cs.original_value == 50

    def test_settings_acknowledged(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(SETTINGS_ACK)
        assert names(events) == ["SettingsAcknowledged"]
        assert events[0].changed_settings == {}
        t.do("update_settings", {SettingCodes.HEADER_TABLE_SIZE: 100})
        events = t.recv(SETTINGS_ACK)
        assert changed_tuples(events[0].changed_settings) == {
            SettingCodes.HEADER_TABLE_SIZE: (
                SettingCodes.HEADER_TABLE_SIZE, 4096, 100)}

    def test_ping_received_and_ack(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(ping_frame(b"pingpong") +
                        ping_frame(b"ackackac", ack=True))
        assert events == [ev.PingReceived(ping_data=b"pingpong"),
                          ev.PingAckReceived(ping_data=b"ackackac")]

    def test_stream_reset_by_the_peer(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) + rst_frame(1, 8))
        r = events[1]
        assert r == ev.StreamReset(stream_id=1, error_code=ErrorCodes.CANCEL,
                                   remote_reset=True)
        assert isinstance(r.error_code, ErrorCodes)

    def test_stream_reset_unknown_code(self, bytewise):
        t = twin_server(bytewise)
        r = t.recv(headers_frame(1, REQ_B) + rst_frame(1, 0x99))[1]
        assert r.error_code == 0x99 and not isinstance(r.error_code,
                                                       ErrorCodes)

    def test_stream_reset_by_this_side(self, bytewise):
        # The peer overflows a stream window: this side resets the stream
        # (RFC 9113 §6.9.1) and reports it with remote_reset False.
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) +
                        window_update_frame(1, 2**31 - 1))
        assert names(events) == ["RequestReceived", "StreamReset"]
        r = events[1]
        assert r.remote_reset is False
        assert r.error_code == ErrorCodes.FLOW_CONTROL_ERROR
        assert t.sent.endswith(rst_frame(1, 3))

    def test_stream_reset_for_malformed_request(self, bytewise):
        # RFC 9113 §8.1.1: a malformed request is a stream error
        # PROTOCOL_ERROR; h2 ends the whole connection instead.
        lib = Twin(False, malformed_stream_error=True).l
        lib.initiate_connection()
        lib.receive_data(PREFACE + EMPTY_SETTINGS)
        lib.data_to_send()
        data = headers_frame(1, [(b":method", b"GET")])
        if bytewise:
            events = []
            for i in range(len(data)):
                events += lib.receive_data(data[i:i + 1])
        else:
            events = lib.receive_data(data)
        assert events == [ev.StreamReset(stream_id=1,
                                         error_code=ErrorCodes.PROTOCOL_ERROR,
                                         remote_reset=False)]
        assert lib.data_to_send() == rst_frame(1, 1)

    def test_priority_updated(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(priority_frame(5, 3, 256, exclusive=True) +
                        priority_frame(7, 0, 1))
        a, b = events
        assert (a.stream_id, a.depends_on, a.weight, a.exclusive) == \
            (5, 3, 256, True)
        assert (b.stream_id, b.depends_on, b.weight, b.exclusive) == \
            (7, 0, 1, False)

    def test_connection_terminated(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(headers_frame(1, REQ_B) +
                        goaway_frame(1, 2, b"internal"))
        c = events[1]
        assert c.error_code is ErrorCodes.INTERNAL_ERROR
        assert c.last_stream_id == 1
        assert c.additional_data == b"internal"
        assert t.l.state_machine.state.name == "CLOSED"

    def test_goaway_keeps_queued_output(self):
        # RFC 9113 §6.8: streams up to the last stream id may still
        # complete after a GOAWAY(NO_ERROR); h2 drops everything queued and
        # refuses to send anything more.
        t = twin_server()
        s = t.l
        s.receive_data(headers_frame(1, REQ_B, end_stream=True))
        s.send_headers(1, [(":status", "200")])
        events = s.receive_data(ping_frame(b"12345678") + goaway_frame(1, 0))
        assert names(events) == ["PingReceived", "ConnectionTerminated"]
        assert [f[0] for f in parse_frames(s.data_to_send())] == [0x1, 0x6]
        s.send_data(1, b"late", end_stream=True)
        assert s.data_to_send() == data_frame(1, b"late", end_stream=True)
        with pytest.raises(libh2.exceptions.ProtocolError):
            s.push_stream(1, 2, REQ)

    def test_connection_terminated_without_data(self, bytewise):
        t = twin_client(bytewise)
        c = t.recv(goaway_frame(0, 0))[0]
        assert c.error_code is ErrorCodes.NO_ERROR
        assert c.additional_data is None
        assert repr(c) == ("<ConnectionTerminated error_code:0, "
                           "last_stream_id:0, additional_data:None>")

    def test_connection_terminated_unknown_code(self, bytewise):
        t = twin_client(bytewise)
        c = t.recv(goaway_frame(1, 0x1234, b"\xff"))[0]
        assert c.error_code == 0x1234
        assert c.additional_data == b"\xff"

    def test_alternative_service_on_stream_0(self, bytewise):
        t = twin_client(bytewise)
        a = t.recv(altsvc_frame(0, b"https://example.com", b'h2=":8443"'))[0]
        assert a.origin == b"https://example.com"
        assert a.field_value == b'h2=":8443"'

    def test_alternative_service_ignored(self):
        # h2 and RFC 7838 §4: no origin on stream 0 -> ignored; a server
        # ignores ALTSVC; an origin on a stream -> ignored.
        for t, frame in (
                (twin_client(), altsvc_frame(0, b"", b'h2=":1"')),
                (twin_client(), altsvc_frame(1, b"https://o", b'h2=":1"')),
                (twin_client(), altsvc_frame(3, b"", b'h2=":1"')),
                (twin_server(), altsvc_frame(0, b"https://o", b'h2=":1"'))):
            assert t.recv(frame) == []

    @pytest.mark.xfail(strict=True, reason=(
        "AlternativeServiceAvailable for an ALTSVC frame on a stream has "
        "origin None; h2 (RFC 7838 §4) sets the origin of the stream's "
        "request, here b'example.com'"))
    def test_alternative_service_on_a_stream(self):
        t = twin_client()
        events = t.recv(altsvc_frame(1, b"", b'h2=":443"'))
        assert events[0].origin == b"example.com"

    def test_unknown_frame(self, bytewise):
        t = twin_server(bytewise)
        events = t.recv(raw_frame(0x42, 0x5, 0, b"payload") +
                        raw_frame(0xEE, 0x0, 3, b""))
        f = events[0].frame
        assert (f.type, f.stream_id, f.body) == (0x42, 0, b"payload")
        assert f.flags == 0x5
        assert events[1].frame.type == 0xEE and events[1].frame.body == b""


class TestExtensionEvents:
    """PRIORITY_UPDATE and ORIGIN are libh2's: h2 reports them as unknown
    frames."""

    def test_priority_update_received(self):
        t = twin_server()
        frame = priority_update_frame(5, b"u=2, i")
        h2_events = t.h.receive_data(frame)
        events = t.l.receive_data(frame)
        assert events == [ev.PriorityUpdateReceived(
            stream_id=5, priority_field_value=b"u=2, i")]
        assert repr(events[0]) == ("<PriorityUpdateReceived stream_id:5, "
                                   "priority_field_value:u=2, i>")
        assert type(h2_events[0]).__name__ == "UnknownFrameReceived"
        assert h2_events[0].frame.type == 0x10

    def test_origin_received(self):
        t = twin_client()
        frame = origin_frame([b"https://a.example", b"https://b.example:8443"])
        events = t.l.receive_data(frame)
        assert events == [ev.OriginReceived(
            origins=[b"https://a.example", b"https://b.example:8443"])]
        assert type(t.h.receive_data(frame)[0]).__name__ == \
            "UnknownFrameReceived"

    def test_origin_on_a_stream_is_ignored(self):
        # RFC 8336 §2.1: an ORIGIN frame on a stream other than 0 is ignored.
        t = twin_client()
        assert t.l.receive_data(raw_frame(0xC, 0, 1, b"\0\x01a")) == []

    def test_origin_to_a_server_is_ignored(self):
        # ORIGIN only means something to a client (RFC 8336 §2).
        t = twin_server()
        assert t.l.receive_data(origin_frame([b"https://a.example"])) == []
        assert t.l.data_to_send() == b""

    def test_priority_update_to_a_client(self):
        # RFC 9218 §7.1: a client receiving PRIORITY_UPDATE MUST treat it as
        # a connection error PROTOCOL_ERROR.
        import libh2.exceptions as exc
        t = twin_client()
        with pytest.raises(exc.ProtocolError):
            t.l.receive_data(priority_update_frame(1, b"u=1"))
        assert t.l.data_to_send()[-17:] == goaway_frame(0, 1)[-17:]


# ---- pushes ------------------------------------------------------------------

class TestPushEvents:
    def test_pushed_stream_received(self, bytewise):
        t = twin_client(bytewise)
        t.do("end_stream", 1)
        pushed_req = [(b":method", b"GET"), (b":path", b"/a.css"),
                      (b":scheme", b"https"), (b":authority", b"example.com")]
        events = t.recv(push_promise_frame(1, 2, pushed_req) +
                        headers_frame(2, RESP_B) +
                        data_frame(2, b"css", end_stream=True))
        assert names(events) == ["PushedStreamReceived", "ResponseReceived",
                                 "DataReceived", "StreamEnded"]
        p = events[0]
        assert (p.pushed_stream_id, p.parent_stream_id) == (2, 1)
        assert p.headers == pushed_req
        assert events[1].stream_id == 2
        assert events[2].stream_ended is events[3]
        t.check_state((1, 2))


# ---- events compare with h2's over whole batches ------------------------------

ALL_IN_ONE_SERVER = (
    headers_frame(1, REQ_B, priority=(0, 50, False)) +
    data_frame(1, b"abc", pad_length=4) +
    window_update_frame(0, 10) + window_update_frame(1, 10) +
    ping_frame(b"12345678") + ping_frame(b"87654321", ack=True) +
    settings_frame(INITIAL_WINDOW_SIZE=1000) + SETTINGS_ACK +
    priority_frame(3, 1, 20) +
    headers_frame(1, [(b"x-t", b"1")], end_stream=True) +
    headers_frame(5, REQ_B) + rst_frame(5, 8) +
    raw_frame(0x42, 0, 0, b"ext"))


def test_every_server_side_event_in_one_batch(bytewise):
    t = twin_server(bytewise)
    events = t.recv(ALL_IN_ONE_SERVER)
    assert names(events) == [
        "RequestReceived", "PriorityUpdated", "DataReceived",
        "WindowUpdated", "WindowUpdated", "PingReceived", "PingAckReceived",
        "RemoteSettingsChanged", "SettingsAcknowledged", "PriorityUpdated",
        "TrailersReceived", "StreamEnded", "RequestReceived", "StreamReset",
        "UnknownFrameReceived"]
    assert events[0].priority_updated is events[1]
    assert events[10].stream_ended is events[11]


def test_events_are_new_objects_each_time():
    t = twin_server()
    a = t.recv(ping_frame(b"12345678"))
    b = t.recv(ping_frame(b"12345678"))
    assert a[0] is not b[0]
    assert a[0].ping_data == b[0].ping_data


def test_event_attributes_are_writable_like_h2s():
    t = twin_server()
    e = t.recv(headers_frame(1, REQ_B))[0]
    e.stream_id = 99
    e.custom = "application data"
    assert e.stream_id == 99 and e.custom == "application data"
