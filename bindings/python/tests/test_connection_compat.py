"""Differential tests: h2 and libh2 driven with the same calls and the same
received bytes must write the same bytes, report equal events (== and
repr) and raise exceptions of the same classes, and show the same state
(connection state, stream states, windows, settings, counters) after every
step. Each conversation also runs with every received byte fed on its own.

A TwinPair is a client Twin and a server Twin: each Twin holds an h2 and a
libh2 connection of the same side; what one side writes is fed to the other
side, and both packages must agree at every step (see _pairs.py).
"""
from __future__ import annotations

import inspect

import hpack
import pytest
from _pairs import (
    EMPTY_SETTINGS, H2, LIB, POST, PREFACE, REQ, REQ_B, RESP, Expected, Twin,
    TwinPair, goaway_frame, headers_frame, make, parse_frames, raw_frame,
    settings_frame,
)

import h2.connection
import libh2.config
import libh2.connection
import libh2.exceptions
from libh2.events import DataReceived

PUSH_REQ = [(":method", "GET"), (":path", "/style.css"), (":scheme", "https"),
            (":authority", "example.com")]


@pytest.fixture(params=[False, True], ids=["whole", "bytewise"])
def tp(request):
    """A started TwinPair, checking state after every step."""
    p = TwinPair(bytewise=request.param)
    p.start()
    return p


def names(events):
    return [type(e).__name__ for e in events]


def ack_all(twin, events):
    """Acknowledge every DataReceived as an application would."""
    for e in events:
        if isinstance(e, DataReceived) and e.flow_controlled_length:
            twin.do("acknowledge_received_data", e.flow_controlled_length,
                    e.stream_id)


# ---- whole conversations ----------------------------------------------------

class TestConversations:
    def test_handshake(self):
        for bytewise in (False, True):
            p = TwinPair(bytewise=bytewise)
            cev, sev = p.start()
            assert names(cev) == ["RemoteSettingsChanged",
                                  "SettingsAcknowledged"]
            assert names(sev) == ["RemoteSettingsChanged",
                                  "SettingsAcknowledged"]

    def test_get(self, tp):
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        sev = tp.to_server()
        assert names(sev) == ["RequestReceived", "StreamEnded"]
        tp.s.do("send_headers", 1, RESP)
        tp.s.do("send_data", 1, b"<html>hello</html>", end_stream=True)
        cev = tp.to_client()
        assert names(cev) == ["ResponseReceived", "DataReceived",
                              "StreamEnded"]
        assert cev[1].data == b"<html>hello</html>"
        assert tp.c.l.streams[1].closed and tp.s.l.streams[1].closed

    def test_post_with_body(self, tp):
        tp.c.do("send_headers", 1, POST + [("content-length", "40000")])
        for chunk in (b"a" * 16384, b"b" * 16384, b"c" * 7232):
            tp.c.do("send_data", 1, chunk)
        tp.c.do("end_stream", 1)
        sev = tp.to_server()
        assert sum(len(e.data) for e in sev if isinstance(e, DataReceived)) \
            == 40000
        ack_all(tp.s, sev)
        tp.to_client()
        tp.s.do("send_headers", 1, [(":status", "201")], end_stream=True)
        assert names(tp.to_client()) == ["ResponseReceived", "StreamEnded"]

    def test_trailers_both_ways(self, tp):
        tp.c.do("send_headers", 1, POST + [("te", "trailers")])
        tp.c.do("send_data", 1, b"body")
        tp.c.do("send_headers", 1, [("x-checksum", "abc")], end_stream=True)
        sev = tp.to_server()
        assert names(sev)[-2:] == ["TrailersReceived", "StreamEnded"]
        tp.s.do("send_headers", 1, RESP)
        tp.s.do("send_data", 1, b"resp", pad_length=5)
        tp.s.do("send_headers", 1, [("grpc-status", "0")], end_stream=True)
        cev = tp.to_client()
        assert names(cev) == ["ResponseReceived", "DataReceived",
                              "TrailersReceived", "StreamEnded"]

    def test_informational_responses(self, tp):
        tp.c.do("send_headers", 1, POST + [("expect", "100-continue")])
        tp.to_server()
        tp.s.do("send_headers", 1, [(":status", "100")])
        tp.s.do("send_headers", 1, [(":status", "103"), ("link", "</a>")])
        cev = tp.to_client()
        assert names(cev) == ["InformationalResponseReceived"] * 2
        tp.c.do("send_data", 1, b"body", end_stream=True)
        tp.to_server()
        tp.s.do("send_headers", 1, RESP, end_stream=True)
        assert names(tp.to_client()) == ["ResponseReceived", "StreamEnded"]

    def test_server_push(self, tp):
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        tp.to_server()
        tp.s.do("push_stream", 1, 2, PUSH_REQ)
        tp.s.do("push_stream", 1, 4, [(":method", "GET"), (":path", "/b.js"),
                                      (":scheme", "https"),
                                      (":authority", "example.com")])
        tp.s.do("send_headers", 1, RESP)
        tp.s.do("send_headers", 2, RESP)
        tp.s.do("send_data", 2, b"css", end_stream=True)
        tp.s.do("end_stream", 1)
        cev = tp.to_client()
        assert names(cev)[:2] == ["PushedStreamReceived",
                                  "PushedStreamReceived"]
        # the client refuses the second push
        tp.c.do("reset_stream", 4, 8)
        sev = tp.to_server()
        assert names(sev) == ["StreamReset"]
        tp.c.check_state((1, 2, 4))
        tp.s.check_state((1, 2, 4))

    def test_resets(self, tp):
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        tp.c.do("send_headers", 3, POST)
        tp.c.do("send_data", 3, b"partial")
        tp.to_server()
        tp.s.do("reset_stream", 1, 7)
        assert names(tp.to_client()) == ["StreamReset"]
        tp.c.do("reset_stream", 3)
        sev = tp.to_server()
        assert sev[0].remote_reset is True and sev[0].error_code == 0
        with pytest.raises(Expected):
            tp.c.do("send_data", 3, b"more")
        tp.c.do("send_headers", 5, REQ, end_stream=True)
        assert names(tp.to_server()) == ["RequestReceived", "StreamEnded"]

    def test_goaway(self, tp):
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        tp.to_server()
        tp.s.do("send_headers", 1, RESP, end_stream=True)
        tp.to_client()
        tp.s.do("close_connection", 0, b"shutting down")
        cev = tp.to_client()
        assert names(cev) == ["ConnectionTerminated"]
        assert cev[0].last_stream_id == 1
        assert cev[0].additional_data == b"shutting down"
        e = tp.c.try_do("send_headers", 3, REQ)
        assert e is not None  # no new streams either way

    def test_goaway_from_the_client(self, tp):
        tp.c.do("close_connection", 2, None, 0)
        sev = tp.to_server()
        assert sev[0].error_code == 2 and sev[0].last_stream_id == 0

    def test_h2c_upgrade_start(self):
        p = TwinPair(auto_check=False)
        hdr = p.c.do("initiate_upgrade_connection")
        p.c.check_state((1,))
        p.s.do("initiate_upgrade_connection", hdr)
        assert p.s.l.streams[1].state_machine.state.name == \
            p.s.h.streams[1].state_machine.state.name == "HALF_CLOSED_REMOTE"
        # the client's preface and SETTINGS reach the server
        events = p.s.l.receive_data(p.c.sent)
        assert [type(e).__name__ for e in events] == ["RemoteSettingsChanged"]

    def test_h2c_upgrade(self):
        for bytewise in (False, True):
            p = TwinPair(bytewise=bytewise, auto_check=False)
            hdr = p.c.do("initiate_upgrade_connection")
            p.c.check_state((1,))
            p.s.do("initiate_upgrade_connection", hdr)
            p.settle()
            p.c.auto_check = p.s.auto_check = True
            p.c.check_state((1,))
            p.s.check_state((1,))
            p.s.do("send_headers", 1, RESP)
            p.s.do("send_data", 1, b"upgraded", end_stream=True)
            assert names(p.to_client()) == ["ResponseReceived",
                                            "DataReceived", "StreamEnded"]
            p.c.do("send_headers", 3, REQ, end_stream=True)
            assert names(p.to_server()) == ["RequestReceived", "StreamEnded"]

    def test_ping_both_ways(self, tp):
        tp.c.do("ping", b"client!!")
        assert names(tp.to_server()) == ["PingReceived"]
        assert names(tp.to_client()) == ["PingAckReceived"]
        tp.s.do("ping", b"server!!")
        assert names(tp.to_client()) == ["PingReceived"]
        assert names(tp.to_server()) == ["PingAckReceived"]

    def test_settings_changes(self, tp):
        tp.c.do("send_headers", 1, POST)
        tp.c.do("send_data", 1, b"x" * 1000)
        tp.to_server()
        # the server shrinks the client's window below what is in flight
        tp.s.do("update_settings", {4: 500, 1: 100})
        tp.to_client()
        # RFC 9113 §6.9.2: the new initial size applies to open streams,
        # and a window can become negative
        assert tp.c.l.local_flow_control_window(1) == 500 - 1000
        tp.to_server()
        with pytest.raises(Expected):
            tp.c.do("send_data", 1, b"y")
        # and grows it again
        tp.s.do("update_settings", {4: 100000, 5: 32768})
        tp.to_client()
        tp.to_server()
        tp.c.do("send_data", 1, b"z" * 20000)
        tp.c.do("end_stream", 1)
        tp.to_server()
        # the HPACK table shrink changes the next header block of the client
        tp.c.do("send_headers", 3, REQ + [("x-long-header", "v" * 200)],
                end_stream=True)
        tp.to_server()
        tp.c.do("update_settings", {1: 0, 4: 1})
        cev, sev = tp.settle()
        assert names(sev) == ["RemoteSettingsChanged"]
        tp.s.do("send_headers", 1, RESP + [("x-long-header", "v" * 200)])
        tp.s.do("send_headers", 3, RESP + [("x-long-header", "v" * 200)])
        tp.to_client()

    def test_max_concurrent_streams_change(self, tp):
        tp.s.do("update_settings", {3: 1})
        tp.settle()
        tp.c.do("send_headers", 1, REQ)
        with pytest.raises(Expected):
            tp.c.do("send_headers", 3, REQ)

    def test_flow_control_running_out(self, tp):
        tp.c.do("send_headers", 1, POST)
        tp.c.do("send_headers", 3, POST)
        for _ in range(3):
            tp.c.do("send_data", 1, b"a" * 16384)
        tp.c.do("send_data", 3, b"b" * 16383)
        # the connection window is spent; stream 3 still has its own
        with pytest.raises(Expected) as info:
            tp.c.do("send_data", 3, b"b")
        assert type(info.value.lib).__name__ == "FlowControlError"
        sev = tp.to_server()
        assert tp.s.l.inbound_flow_control_window == 0
        ack_all(tp.s, sev)
        cev = tp.to_client()
        assert "WindowUpdated" in names(cev)
        tp.c.do("send_data", 3, b"b" * 10000)
        tp.c.do("send_data", 1, b"a" * 100, end_stream=True)
        tp.c.do("end_stream", 3)
        sev = tp.to_server()
        ack_all(tp.s, sev)
        tp.s.do("increment_flow_control_window", 100000)
        tp.s.do("send_headers", 1, RESP, end_stream=True)
        tp.s.do("send_headers", 3, RESP, end_stream=True)
        tp.to_client()

    def test_stream_window_running_out(self, tp):
        tp.c.do("update_settings", {4: 100})
        tp.settle()
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        tp.to_server()
        tp.s.do("send_headers", 1, RESP)
        tp.s.do("send_data", 1, b"x" * 100)
        with pytest.raises(Expected):
            tp.s.do("send_data", 1, b"x")
        cev = tp.to_client()
        tp.c.do("increment_flow_control_window", 50, stream_id=1)
        ack_all(tp.c, cev)
        tp.to_server()
        tp.s.do("send_data", 1, b"y" * 50, end_stream=True)
        tp.to_client()

    def test_continuation_sized_headers(self, tp):
        big = [(f"x-big-{i}", "~" * 800) for i in range(40)]
        tp.c.do("send_headers", 1, REQ + big, end_stream=True)
        assert 0x9 in [f[0] for f in parse_frames(tp.c.sent)]
        sev = tp.to_server()
        assert len(sev[0].headers) == 44
        tp.s.do("send_headers", 1, RESP + big)
        tp.s.do("send_headers", 1, big, end_stream=True)  # trailers
        assert names(tp.to_client()) == ["ResponseReceived",
                                         "TrailersReceived", "StreamEnded"]

    def test_hpack_table_eviction(self, tp):
        # Many distinct fields: the 4 KiB dynamic tables of both sides
        # evict; the encodings must stay h2's and both decoders in step.
        for i in range(25):
            sid = 2 * i + 1
            hdrs = REQ + [(f"x-field-{i % 7}", f"value-{i}" * 20),
                          ("user-agent", "test/1.0")]
            tp.c.do("send_headers", sid, hdrs, end_stream=True)
            tp.to_server()
            tp.s.do("send_headers", sid, RESP + [("etag", f"\"{i}\"" * 30)],
                    end_stream=True)
            tp.to_client()

    def test_many_interleaved_streams(self, tp):
        ids = list(range(1, 40, 2))
        for sid in ids:
            tp.c.do("send_headers", sid, POST)
        for sid in ids:
            tp.c.do("send_data", sid, bytes([sid]) * 100, end_stream=True)
            assert tp.c.l.get_next_available_stream_id() == ids[-1] + 2
        tp.to_server()
        for sid in reversed(ids):
            tp.s.do("send_headers", sid, RESP)
            tp.s.do("send_data", sid, b"r" * sid, end_stream=True)
        cev = tp.to_client()
        assert len([e for e in cev if type(e).__name__ == "StreamEnded"]) \
            == len(ids)

    def test_cookies(self):
        p = TwinPair(client_kw={"split_outbound_cookies": True})
        p.start()
        p.c.do("send_headers", 1, REQ + [("cookie", "a=1; b=2; c=3")],
               end_stream=True)
        sev = p.to_server()
        assert (b"cookie", b"a=1; b=2; c=3") in sev[0].headers

    def test_priority_and_altsvc(self, tp):
        tp.c.do("send_headers", 1, REQ, priority_weight=100)
        tp.c.do("prioritize", 1, weight=8, depends_on=0, exclusive=True)
        tp.c.do("send_headers", 3, REQ, end_stream=True, priority_depends_on=1)
        sev = tp.to_server()
        assert names(sev).count("PriorityUpdated") == 3
        tp.s.do("advertise_alternative_service", b'h2=":8443"',
                origin=b"https://example.com")
        cev = tp.to_client()
        assert names(cev) == ["AlternativeServiceAvailable"]

    def test_unknown_extension_frames(self, tp):
        sev = tp.s.recv(raw_frame(0xBB, 0x3, 0, b"ext") +
                        raw_frame(0xBB, 0x0, 1, b""))
        assert names(sev) == ["UnknownFrameReceived"] * 2

    @pytest.mark.parametrize("garbage,exc", [
        (raw_frame(0x0, 0, 0, b"x"),
         "ProtocolError"),
        (raw_frame(0x0, 0, 1, b"x" * 16385), "FrameTooLargeError"),
        (raw_frame(0x6, 0, 1, b"12345678"), "ProtocolError"),
        (raw_frame(0x4, 0, 1, b""), "ProtocolError"),
        (raw_frame(0x9, 0x4, 1, b"\x82"), "ProtocolError"),
        (goaway_frame(0, 0)[:9] + b"", None),
    ], ids=["data-on-0", "too-large", "ping-on-stream", "settings-on-stream",
            "naked-continuation", "partial-frame"])
    def test_connection_errors_mid_conversation(self, tp, garbage, exc):
        tp.c.do("send_headers", 1, REQ, end_stream=True)
        tp.to_server()
        tp.s.auto_check = False  # windows after a failure differ by design
        if exc is None:
            assert tp.s.recv(garbage) == []
            return
        with pytest.raises(Expected) as info:
            tp.s.recv(garbage)
        assert isinstance(info.value.lib, getattr(libh2.exceptions, exc))
        assert tp.s.l.state_machine.state.name == "CLOSED"
        assert parse_frames(tp.s.sent)[-1][0] == 0x7  # GOAWAY


# ---- every call, both packages: signatures and keyword arguments ------------

PUBLIC_METHODS = [
    "initiate_connection", "initiate_upgrade_connection",
    "get_next_available_stream_id", "send_headers", "send_data",
    "end_stream", "increment_flow_control_window", "push_stream", "ping",
    "reset_stream", "close_connection", "update_settings",
    "advertise_alternative_service", "prioritize",
    "local_flow_control_window", "remote_flow_control_window",
    "acknowledge_received_data", "data_to_send",
    "clear_outbound_data_buffer", "receive_data"]


@pytest.mark.parametrize("name", PUBLIC_METHODS)
def test_signatures_match_h2(name):
    ph = inspect.signature(getattr(h2.connection.H2Connection, name))
    pl = inspect.signature(getattr(libh2.connection.H2Connection, name))
    assert [(p.name, p.kind, p.default) for p in pl.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in ph.parameters.values()]


def test_class_constants_match_h2():
    for attr in ("DEFAULT_MAX_OUTBOUND_FRAME_SIZE",
                 "DEFAULT_MAX_INBOUND_FRAME_SIZE", "HIGHEST_ALLOWED_STREAM_ID",
                 "MAX_WINDOW_INCREMENT", "DEFAULT_MAX_HEADER_LIST_SIZE"):
        assert getattr(libh2.connection.H2Connection, attr) == \
            getattr(h2.connection.H2Connection, attr), attr


def test_every_argument_by_keyword():
    p = TwinPair()
    c, s = p.c, p.s
    c.do("initiate_connection")
    s.do("initiate_connection")
    p.settle()
    assert c.do("get_next_available_stream_id") == 1
    c.do("send_headers", stream_id=1, headers=POST, end_stream=False,
         priority_weight=32, priority_depends_on=0, priority_exclusive=False)
    c.do("send_data", stream_id=1, data=b"abc", end_stream=False,
         pad_length=3)
    c.do("increment_flow_control_window", increment=100, stream_id=1)
    c.do("increment_flow_control_window", increment=100, stream_id=None)
    c.do("prioritize", stream_id=1, weight=16, depends_on=0, exclusive=False)
    c.do("ping", opaque_data=b"kwargs!!")
    c.do("update_settings", new_settings={1: 2048})
    c.do("end_stream", stream_id=1)
    sev = p.to_server()
    d = [e for e in sev if isinstance(e, DataReceived)][0]
    s.do("acknowledge_received_data", acknowledged_size=d.flow_controlled_length,
         stream_id=1)
    assert s.do("local_flow_control_window", stream_id=1) == 65535 + 100
    assert s.do("remote_flow_control_window", stream_id=1) > 0
    s.do("push_stream", stream_id=1, promised_stream_id=2,
         request_headers=PUSH_REQ)
    s.do("advertise_alternative_service", field_value=b'h2=":1"',
         origin=b"https://example.com", stream_id=None)
    s.do("send_headers", stream_id=1, headers=RESP, end_stream=True)
    s.do("reset_stream", stream_id=2, error_code=8)
    out = s.do("data_to_send", amount=5)
    assert out == b""  # Twin.do flushed already
    s.do("close_connection", error_code=0, additional_data=b"kw",
         last_stream_id=1)
    cev = p.to_client()
    c.do("receive_data", data=b"")
    assert "ConnectionTerminated" in names(cev)
    u = Twin(True)
    u.do("initiate_upgrade_connection", settings_header=None)


def test_positional_arguments():
    t = Twin(True, auto_check=True)
    t.do("initiate_connection")
    t.recv(EMPTY_SETTINGS)
    t.do("send_headers", 1, POST, False, 10, 0, True)
    t.do("send_data", 1, b"x", False, None)
    t.do("reset_stream", 1, 8)
    t.do("close_connection", 1, b"dbg", 1)


# ---- real user patterns ----------------------------------------------------

def _recording_subclass(base):
    class Recording(base):
        def __init__(self, *a, **kw):
            self.calls = []
            super().__init__(*a, **kw)

        def send_data(self, stream_id, data, end_stream=False,
                      pad_length=None):
            self.calls.append(("send_data", stream_id, len(data), end_stream))
            return super().send_data(stream_id, data, end_stream=end_stream,
                                     pad_length=pad_length)

        def end_stream(self, stream_id):
            self.calls.append(("end_stream", stream_id))
            return super().end_stream(stream_id)

        def reset_stream(self, stream_id, error_code=0):
            self.calls.append(("reset_stream", stream_id, int(error_code)))
            return super().reset_stream(stream_id, error_code)

        def receive_data(self, data):
            events = super().receive_data(data)
            self.calls.append(("receive_data", len(data), len(events)))
            return events
    return Recording


def test_subclass_overriding_with_super():
    p = TwinPair(h2_cls=(_recording_subclass(h2.connection.H2Connection),
                         None),
                 lib_cls=(_recording_subclass(libh2.connection.H2Connection),
                          None))
    p.start()
    p.c.do("send_headers", 1, POST)
    p.c.do("send_data", 1, b"x" * 100)
    p.c.do("end_stream", 1)
    p.c.do("send_headers", 3, REQ)
    p.c.do("reset_stream", 3, 8)
    p.to_server()
    p.s.do("send_headers", 1, RESP)
    p.s.do("send_data", 1, b"ok", end_stream=True)
    p.to_client()
    assert p.c.l.calls == p.c.h.calls
    assert ("send_data", 1, 100, False) in p.c.l.calls
    assert ("reset_stream", 3, 8) in p.c.l.calls
    assert any(c[0] == "receive_data" for c in p.c.l.calls)
    assert isinstance(p.c.l, libh2.connection.H2Connection)


def test_subclass_with_extra_state_and_init():
    class App(libh2.connection.H2Connection):
        def __init__(self, name):
            super().__init__(config=libh2.config.H2Configuration(
                client_side=False))
            self.name = name

    a = App("srv")
    a.initiate_connection()
    assert a.name == "srv" and a.data_to_send().startswith(b"\0\0\x2a\x04")


@pytest.mark.parametrize("values", [
    {3: 100, 6: 65536, 4: 1000},
    {3: 10, 6: 4000, 5: 20000, 1: 8192},
], ids=["with-limits", "other-limits"])
@pytest.mark.parametrize("client", [True, False], ids=["client", "server"])
def test_replacing_local_settings_before_initiate(values, client):
    t = Twin(client, auto_check=True)
    t.h.local_settings = H2.settings.Settings(client=client,
                                             initial_values=values)
    t.l.local_settings = LIB.settings.Settings(client=client,
                                              initial_values=values)
    t.do("initiate_connection")
    settings = parse_frames(t.sent)[0][3]
    for code, value in values.items():
        assert code.to_bytes(2, "big") + value.to_bytes(4, "big") in settings


@pytest.mark.parametrize("client", [True, False], ids=["client", "server"])
def test_replacing_local_settings_without_limits(client):
    t = Twin(client)
    values = {4: 1000, 5: 20000}
    t.h.local_settings = H2.settings.Settings(client=client,
                                             initial_values=values)
    t.l.local_settings = LIB.settings.Settings(client=client,
                                              initial_values=values)
    t.do("initiate_connection")


def test_replacing_local_settings_before_upgrade():
    t = Twin(True)
    for c, impl in ((t.h, H2), (t.l, LIB)):
        c.local_settings = impl.settings.Settings(
            client=True, initial_values={4: 1000, 3: 10})
    t.do("initiate_upgrade_connection")


def test_local_settings_changed_in_place_before_initiate():
    t = Twin(False, auto_check=True)
    for c in (t.h, t.l):
        c.local_settings.initial_window_size = 1234
        c.local_settings.max_concurrent_streams = 7
        c.local_settings.acknowledge()
    t.do("initiate_connection")
    t.recv(PREFACE + EMPTY_SETTINGS)


def test_config_changed_before_initiate():
    t = Twin(False)
    for c in (t.h, t.l):
        c.config.header_encoding = "utf-8"
    t.do("initiate_connection")
    events = t.recv(PREFACE + EMPTY_SETTINGS + headers_frame(1, REQ_B))
    assert events[1].headers[0] == (":method", "GET")


def test_state_at_every_step_with_stream_views():
    """Read what applications read, after every step, on both sides."""
    p = TwinPair()
    p.start()
    c, s = p.c, p.s
    for sid in (1, 3, 5):
        c.do("send_headers", sid, POST)
        assert c.l.streams[sid].state_machine.state.name == "OPEN"
    c.do("send_data", 1, b"x" * 10, end_stream=True)
    assert c.l.streams[1].state_machine.state.name == "HALF_CLOSED_LOCAL"
    p.to_server()
    assert s.l.open_inbound_streams == s.h.open_inbound_streams == 3
    s.do("send_headers", 1, RESP, end_stream=True)
    p.to_client()
    assert c.l.streams[1].closed
    assert c.h.streams.get(1) is None or c.h.streams[1].closed
    assert c.l.open_outbound_streams == c.h.open_outbound_streams == 2
    s.do("reset_stream", 3)
    p.to_client()
    assert set(c.l.streams) == {sid for sid, st in c.h.streams.items()
                                if not st.closed}
    assert 5 in c.l.streams and 3 not in list(c.l.streams)
    assert c.l.streams.get(99) is None
    with pytest.raises(KeyError):
        c.l.streams[99]
    c.do("close_connection")
    assert c.l.state_machine.state.name == "CLOSED"


def test_headers_from_iterators():
    # The same generator cannot be given to both packages: build one each.
    t = Twin(True)
    t.h.initiate_connection()
    t.l.initiate_connection()
    t.h.send_headers(1, (h for h in REQ))
    t.l.send_headers(1, (h for h in REQ))
    assert t.l.data_to_send() == t.h.data_to_send()


def test_never_indexed_round_trip():
    p = TwinPair()
    p.start()
    p.c.do("send_headers", 1, REQ + [
        hpack.NeverIndexedHeaderTuple("x-token", "secret"),
        ("authorization", "Bearer abc")], end_stream=True)
    sev = p.to_server()
    hdrs = sev[0].headers
    assert type(hdrs[-2]) is hpack.NeverIndexedHeaderTuple
    assert type(hdrs[-1]) is hpack.NeverIndexedHeaderTuple


def test_settings_frame_sent_by_peer_before_anything():
    t = Twin(True, auto_check=True)
    t.do("initiate_connection")
    t.recv(settings_frame(HEADER_TABLE_SIZE=0, MAX_FRAME_SIZE=32768,
                          ENABLE_PUSH=0))
    t.do("send_headers", 1, REQ + [("x-a", "b" * 100)])
    t.do("send_headers", 3, REQ + [("x-a", "b" * 100)])
    t.do("send_data", 1, b"x" * 30000)


@pytest.mark.parametrize("size", [0, 100, 4096, 8192, 65536])
def test_peer_header_table_sizes(size):
    """The encoder follows the peer's SETTINGS_HEADER_TABLE_SIZE as h2's
    does: same size updates, same indexing, same evictions."""
    t = Twin(True, auto_check=True)
    t.do("initiate_connection")
    t.recv(settings_frame(HEADER_TABLE_SIZE=size))
    for sid in range(1, 24, 2):
        t.do("send_headers", sid, REQ + [(f"x-a{sid % 5}", "b" * 3000),
                                         ("x-c", str(sid))])


@pytest.mark.parametrize("size", [65537, 1 << 20, 2**32 - 1])
def test_encoder_table_is_capped(size):
    # The engine never uses more than 64 KiB of encoder table whatever the
    # peer allows (RFC 7541 §4.2: an encoder may use less than the
    # maximum); h2 uses all of it, so the first size update differs.
    c = make(LIB, True)
    c.initiate_connection()
    c.receive_data(settings_frame(HEADER_TABLE_SIZE=size))
    c.data_to_send()
    c.send_headers(1, REQ)
    block = parse_frames(c.data_to_send())[0][3]
    assert block.startswith(bytes.fromhex("3fe1ff03"))  # size update 65536
    decoder = hpack.Decoder()
    decoder.max_allowed_table_size = size
    assert decoder.decode(block, raw=True) == REQ_B
