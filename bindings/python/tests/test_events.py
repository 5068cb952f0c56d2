"""Tests of libh2.events."""
from __future__ import annotations

import dataclasses
import inspect
import pickle
import types

import pytest
from hpack import HeaderTuple, NeverIndexedHeaderTuple

from libh2 import events as ev
from libh2.errors import ErrorCodes
from libh2.settings import ChangedSetting, SettingCodes, Settings

# Attribute names and defaults of each class. REQUIRED marks attributes
# without a default; LAZY the private placeholder.
REQUIRED = object()
LAZY = ev._LAZY_INIT

DATACLASS_EVENTS = {
    ev.RequestReceived: [("stream_id", REQUIRED), ("headers", LAZY), ("stream_ended", None),
                         ("priority_updated", None)],
    ev.ResponseReceived: [("stream_id", REQUIRED), ("headers", LAZY), ("stream_ended", None),
                          ("priority_updated", None)],
    ev.TrailersReceived: [("stream_id", REQUIRED), ("headers", LAZY), ("stream_ended", None),
                          ("priority_updated", None)],
    ev.InformationalResponseReceived: [("stream_id", REQUIRED), ("headers", LAZY),
                                       ("priority_updated", None)],
    ev.DataReceived: [("stream_id", REQUIRED), ("data", LAZY), ("flow_controlled_length", LAZY),
                      ("stream_ended", None)],
    ev.WindowUpdated: [("stream_id", REQUIRED), ("delta", LAZY)],
    ev.PingReceived: [("ping_data", REQUIRED)],
    ev.PingAckReceived: [("ping_data", REQUIRED)],
    ev.StreamEnded: [("stream_id", REQUIRED)],
    ev.StreamReset: [("stream_id", REQUIRED), ("error_code", LAZY), ("remote_reset", True)],
    ev.UnknownFrameReceived: [("frame", REQUIRED)],
    ev.PriorityUpdateReceived: [("stream_id", REQUIRED), ("priority_field_value", b"")],
    ev.OriginReceived: [("origins", [])],
}

PLAIN_EVENTS = {
    ev.RemoteSettingsChanged: [("changed_settings", {})],
    ev.PushedStreamReceived: [("pushed_stream_id", None), ("parent_stream_id", None),
                              ("headers", None)],
    ev.SettingsAcknowledged: [("changed_settings", {})],
    ev.PriorityUpdated: [("stream_id", None), ("weight", None), ("depends_on", None),
                         ("exclusive", None)],
    ev.ConnectionTerminated: [("error_code", None), ("last_stream_id", None),
                              ("additional_data", None)],
    ev.AlternativeServiceAvailable: [("origin", None), ("field_value", None)],
}

ALL_EVENTS = {**DATACLASS_EVENTS, **PLAIN_EVENTS}


def sample_values(cls):
    """Non-default values for every attribute of cls."""
    values = {
        "stream_id": 3, "headers": [(b":status", b"200")], "stream_ended": ev.StreamEnded(stream_id=3),
        "priority_updated": ev.PriorityUpdated(), "data": b"abc", "flow_controlled_length": 10,
        "delta": 100, "ping_data": b"12345678", "error_code": ErrorCodes.CANCEL,
        "remote_reset": False, "frame": ev.UnknownFrame(0xAA, 1, 3, b"x"),
        "priority_field_value": b"u=1", "origins": [b"https://a.example"],
        "changed_settings": {}, "pushed_stream_id": 2, "parent_stream_id": 1, "weight": 16,
        "depends_on": 0, "exclusive": False, "last_stream_id": 5, "additional_data": b"dbg",
        "origin": b"a.example", "field_value": b'h3=":443"',
    }
    return {name: values[name] for name, _ in ALL_EVENTS[cls]}


@pytest.mark.parametrize("cls", list(ALL_EVENTS), ids=lambda c: c.__name__)
def test_is_an_event_without_slots(cls):
    assert issubclass(cls, ev.Event)
    for klass in cls.__mro__[:-1]:
        assert "__slots__" not in vars(klass)


@pytest.mark.parametrize("cls", list(ALL_EVENTS), ids=lambda c: c.__name__)
def test_attributes_are_not_descriptors(cls):
    # The C extension sets them as plain instance attributes.
    for name, _ in ALL_EVENTS[cls]:
        for klass in cls.__mro__:
            attr = vars(klass).get(name)
            assert not isinstance(attr, property), (cls, name)
            assert not hasattr(type(attr), "__set__"), (cls, name)


@pytest.mark.parametrize("cls", list(DATACLASS_EVENTS), ids=lambda c: c.__name__)
def test_dataclass_fields_and_defaults(cls):
    assert dataclasses.is_dataclass(cls)
    fields = dataclasses.fields(cls)
    assert [f.name for f in fields] == [name for name, _ in DATACLASS_EVENTS[cls]]
    for f, (name, default) in zip(fields, DATACLASS_EVENTS[cls]):
        if default is REQUIRED:
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        elif f.default_factory is not dataclasses.MISSING:
            assert f.default_factory() == default
        else:
            assert f.default is default or f.default == default


@pytest.mark.parametrize("cls", list(DATACLASS_EVENTS), ids=lambda c: c.__name__)
def test_dataclass_constructor_is_keyword_only(cls):
    params = list(inspect.signature(cls).parameters.values())
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    values = sample_values(cls)
    with pytest.raises(TypeError):
        cls(*values.values())
    event = cls(**values)
    for name, value in values.items():
        assert getattr(event, name) == value


@pytest.mark.parametrize("cls", [c for c, attrs in DATACLASS_EVENTS.items()
                                 if any(d is REQUIRED for _, d in attrs)],
                         ids=lambda c: c.__name__)
def test_required_attributes(cls):
    with pytest.raises(TypeError):
        cls()


@pytest.mark.parametrize("cls", list(DATACLASS_EVENTS), ids=lambda c: c.__name__)
def test_dataclass_defaults_after_construction(cls):
    required = {name: sample_values(cls)[name] for name, d in DATACLASS_EVENTS[cls] if d is REQUIRED}
    event = cls(**required)
    for name, default in DATACLASS_EVENTS[cls]:
        if default is REQUIRED:
            continue
        if default is LAZY:
            assert getattr(event, name) is LAZY
        else:
            assert getattr(event, name) == default


@pytest.mark.parametrize("cls", list(DATACLASS_EVENTS), ids=lambda c: c.__name__)
def test_dataclass_equality_by_value(cls):
    values = sample_values(cls)
    a, b = cls(**values), cls(**values)
    assert a == b
    assert not (a != b)
    changed = dict(values)
    first = next(iter(changed))
    changed[first] = 99 if not isinstance(changed[first], bytes) else b"other"
    assert cls(**changed) != a
    with pytest.raises(TypeError):
        hash(a)


def test_equality_needs_the_same_class():
    a = ev.RequestReceived(stream_id=1, headers=[])
    b = ev.ResponseReceived(stream_id=1, headers=[])
    assert a != b
    assert ev.PingReceived(ping_data=b"x" * 8) != ev.PingAckReceived(ping_data=b"x" * 8)


@pytest.mark.parametrize("cls", list(PLAIN_EVENTS), ids=lambda c: c.__name__)
def test_plain_events(cls):
    assert not dataclasses.is_dataclass(cls)
    assert list(inspect.signature(cls).parameters) == []
    event = cls()
    assert vars(event) == dict(PLAIN_EVENTS[cls])
    # Identity equality, hashable.
    assert event != cls()
    assert event == event
    hash(event)
    with pytest.raises(TypeError):
        cls(1)


def test_mutable_defaults_are_not_shared():
    a, b = ev.RemoteSettingsChanged(), ev.RemoteSettingsChanged()
    a.changed_settings[1] = "x"
    assert b.changed_settings == {}
    c, d = ev.OriginReceived(), ev.OriginReceived()
    c.origins.append(b"x")
    assert d.origins == []


# ---- instances built the way the C extension builds them ----------------------


@pytest.mark.parametrize("cls", list(ALL_EVENTS), ids=lambda c: c.__name__)
def test_built_without_init_by_setting_attributes(cls):
    values = sample_values(cls)
    event = cls.__new__(cls)
    for name, value in values.items():
        object.__setattr__(event, name, value)
    for name, value in values.items():
        assert getattr(event, name) == value
    assert repr(event)
    if cls in DATACLASS_EVENTS:
        assert event == cls(**values)


@pytest.mark.parametrize("cls", list(ALL_EVENTS), ids=lambda c: c.__name__)
def test_built_without_init_by_replacing_dict(cls):
    values = sample_values(cls)
    event = cls.__new__(cls)
    event.__dict__ = dict(values)
    assert repr(event) == repr(_constructed(cls, values))
    if cls in DATACLASS_EVENTS:
        assert event == cls(**values)


def _constructed(cls, values):
    if cls in DATACLASS_EVENTS:
        return cls(**values)
    event = cls()
    for name, value in values.items():
        setattr(event, name, value)
    return event


@pytest.mark.parametrize(
    ("cls", "given"),
    [
        (ev.RequestReceived, {"stream_id": 1, "headers": []}),
        (ev.DataReceived, {"stream_id": 1, "data": b"", "flow_controlled_length": 0}),
        (ev.InformationalResponseReceived, {"stream_id": 1, "headers": []}),
    ],
)
def test_unset_optional_attributes_fall_back_to_defaults(cls, given):
    # The extension only sets stream_ended / priority_updated when related
    # events exist.
    event = cls.__new__(cls)
    for name, value in given.items():
        setattr(event, name, value)
    unset = [name for name, _ in ALL_EVENTS[cls] if name not in given]
    assert unset
    for name in unset:
        assert getattr(event, name) is None
    assert event == cls(**given)


# ---- reprs ------------------------------------------------------------------------


def test_header_event_reprs():
    headers = [HeaderTuple(b":method", b"GET"), NeverIndexedHeaderTuple(b"cookie", b"a=b")]
    shown = "[(b':method', b'GET'), (b'cookie', b'a=b')]"
    assert repr(ev.RequestReceived(stream_id=1, headers=headers)) == (
        f"<RequestReceived stream_id:1, headers:{shown}>")
    assert repr(ev.ResponseReceived(stream_id=3, headers=[])) == "<ResponseReceived stream_id:3, headers:[]>"
    assert repr(ev.TrailersReceived(stream_id=5, headers=[(b"x", b"y")])) == (
        "<TrailersReceived stream_id:5, headers:[(b'x', b'y')]>")
    assert repr(ev.InformationalResponseReceived(stream_id=7, headers=[(b":status", b"100")])) == (
        "<InformationalResponseReceived stream_id:7, headers:[(b':status', b'100')]>")
    assert repr(ev.RequestReceived(stream_id=1, headers=["text"])) == (
        "<RequestReceived stream_id:1, headers:['text']>")


def test_data_received_repr():
    assert repr(ev.DataReceived(stream_id=1, data=b"hello", flow_controlled_length=5)) == (
        "<DataReceived stream_id:1, flow_controlled_length:5, data:68656c6c6f>")
    long = bytes(range(30))
    assert repr(ev.DataReceived(stream_id=3, data=long, flow_controlled_length=40)) == (
        "<DataReceived stream_id:3, flow_controlled_length:40, data:"
        + bytes(range(20)).hex() + ">")
    assert repr(ev.DataReceived(stream_id=3, data=b"", flow_controlled_length=9)) == (
        "<DataReceived stream_id:3, flow_controlled_length:9, data:>")


def test_simple_reprs():
    assert repr(ev.WindowUpdated(stream_id=0, delta=1024)) == "<WindowUpdated stream_id:0, delta:1024>"
    assert repr(ev.PingReceived(ping_data=b"\x00\x01\x02\x03\x04\x05\x06\xff")) == (
        "<PingReceived ping_data:00010203040506ff>")
    assert repr(ev.PingAckReceived(ping_data=b"abcdefgh")) == (
        "<PingAckReceived ping_data:6162636465666768>")
    assert repr(ev.StreamEnded(stream_id=9)) == "<StreamEnded stream_id:9>"
    frame = ev.UnknownFrame(0xAA, 0, 0, b"")
    assert repr(ev.UnknownFrameReceived(frame=frame)) == "<UnknownFrameReceived>"


def test_stream_reset_repr():
    e = ev.StreamReset(stream_id=1, error_code=ErrorCodes.CANCEL, remote_reset=False)
    assert repr(e) == f"<StreamReset stream_id:1, error_code:{ErrorCodes.CANCEL!s}, remote_reset:False>"
    e = ev.StreamReset(stream_id=1, error_code=0x99)
    assert repr(e) == "<StreamReset stream_id:1, error_code:153, remote_reset:True>"


def test_settings_event_reprs():
    e = ev.RemoteSettingsChanged()
    assert repr(e) == "<RemoteSettingsChanged changed_settings:{}>"
    e.changed_settings = {
        SettingCodes.ENABLE_PUSH: ChangedSetting(SettingCodes.ENABLE_PUSH, 1, 0),
        0x99: ChangedSetting(0x99, None, 4),
    }
    inner = (f"ChangedSetting(setting={SettingCodes.ENABLE_PUSH!s}, original_value=1, new_value=0), "
             "ChangedSetting(setting=153, original_value=None, new_value=4)")
    assert repr(e) == "<RemoteSettingsChanged changed_settings:{" + inner + "}>"
    a = ev.SettingsAcknowledged()
    assert repr(a) == "<SettingsAcknowledged changed_settings:{}>"
    a.changed_settings = e.changed_settings
    assert repr(a) == "<SettingsAcknowledged changed_settings:{" + inner + "}>"


def test_pushed_stream_repr():
    e = ev.PushedStreamReceived()
    assert repr(e) == "<PushedStreamReceived pushed_stream_id:None, parent_stream_id:None, headers:None>"
    e.pushed_stream_id, e.parent_stream_id, e.headers = 2, 1, [(b":path", b"/")]
    assert repr(e) == "<PushedStreamReceived pushed_stream_id:2, parent_stream_id:1, headers:[(b':path', b'/')]>"


def test_priority_updated_repr():
    e = ev.PriorityUpdated()
    assert repr(e) == "<PriorityUpdated stream_id:None, weight:None, depends_on:None, exclusive:None>"
    e.stream_id, e.weight, e.depends_on, e.exclusive = 3, 256, 1, True
    assert repr(e) == "<PriorityUpdated stream_id:3, weight:256, depends_on:1, exclusive:True>"


def test_connection_terminated_repr():
    e = ev.ConnectionTerminated()
    assert repr(e) == "<ConnectionTerminated error_code:None, last_stream_id:None, additional_data:None>"
    e.error_code, e.last_stream_id, e.additional_data = ErrorCodes.PROTOCOL_ERROR, 7, b"x" * 30
    assert repr(e) == (f"<ConnectionTerminated error_code:{ErrorCodes.PROTOCOL_ERROR!s}, last_stream_id:7, "
                       f"additional_data:{'78' * 20}>")
    e.additional_data = b""
    assert repr(e).endswith("additional_data:None>")


def test_alternative_service_repr():
    e = ev.AlternativeServiceAvailable()
    assert repr(e) == "<AlternativeServiceAvailable origin:, field_value:>"
    e.origin, e.field_value = b"example.com", b'h2=":8000"\xff'
    assert repr(e) == "<AlternativeServiceAvailable origin:example.com, field_value:h2=\":8000\">"


def test_extension_event_reprs():
    assert repr(ev.PriorityUpdateReceived(stream_id=5, priority_field_value=b"u=2, i")) == (
        "<PriorityUpdateReceived stream_id:5, priority_field_value:u=2, i>")
    assert repr(ev.OriginReceived(origins=[b"https://a", b"https://b"])) == (
        "<OriginReceived origins:[b'https://a', b'https://b']>")
    assert repr(ev.OriginReceived()) == "<OriginReceived origins:[]>"


def test_lazy_placeholder():
    assert repr(ev._LAZY_INIT) == "<unset>"
    assert ev._Unset() is ev._LAZY_INIT
    assert pickle.loads(pickle.dumps(ev._LAZY_INIT)) is ev._LAZY_INIT
    assert ev.RequestReceived(stream_id=1).headers is ev._LAZY_INIT


# ---- RemoteSettingsChanged.from_settings ----------------------------------------


def test_from_settings_with_a_dict():
    e = ev.RemoteSettingsChanged.from_settings(
        {SettingCodes.HEADER_TABLE_SIZE: 4096}, {1: 8192, 0x99: 3})
    assert isinstance(e, ev.RemoteSettingsChanged)
    assert list(e.changed_settings) == [SettingCodes.HEADER_TABLE_SIZE, 0x99]
    c = e.changed_settings[SettingCodes.HEADER_TABLE_SIZE]
    assert c.setting is SettingCodes.HEADER_TABLE_SIZE
    assert (c.original_value, c.new_value) == (4096, 8192)
    assert e.changed_settings[0x99].original_value is None
    assert type(list(e.changed_settings)[1]) is int


def test_from_settings_with_settings_object():
    old = Settings(client=False)
    old[SettingCodes.MAX_CONCURRENT_STREAMS] = 5  # pending only: no value yet
    e = ev.RemoteSettingsChanged.from_settings(old, {SettingCodes.ENABLE_PUSH: 0, 3: 10})
    assert e.changed_settings[SettingCodes.ENABLE_PUSH].original_value == 0
    assert e.changed_settings[SettingCodes.MAX_CONCURRENT_STREAMS].original_value is None


def test_from_settings_on_a_subclass():
    class Mine(ev.RemoteSettingsChanged):
        pass
    assert type(Mine.from_settings({}, {})) is Mine


# ---- UnknownFrame ---------------------------------------------------------------


def test_unknown_frame_attributes():
    f = ev.UnknownFrame(0xAB, 0x05, 7, b"payload")
    assert (f.type, f.flags, f.stream_id, f.body) == (0xAB, 5, 7, b"payload")
    assert f.flag_byte == 5
    assert f.body_len == 7
    assert vars(f) == {"type": 0xAB, "flags": 5, "stream_id": 7, "body": b"payload"}


def test_unknown_frame_keywords():
    f = ev.UnknownFrame(type=1, flags=2, stream_id=3, body=b"")
    assert (f.type, f.flags, f.stream_id, f.body) == (1, 2, 3, b"")


def test_unknown_frame_serialize():
    f = ev.UnknownFrame(0xAB, 0x05, 7, b"payload")
    assert f.serialize() == b"\x00\x00\x07\xab\x05\x00\x00\x00\x07payload"
    big = ev.UnknownFrame(0x20, 0, 2**31 - 1, b"z" * 70000)
    raw = big.serialize()
    assert raw[:3] == (70000).to_bytes(3, "big")
    assert raw[5:9] == b"\x7f\xff\xff\xff"
    assert len(raw) == 9 + 70000


def test_unknown_frame_equality_and_repr():
    a = ev.UnknownFrame(0xAB, 1, 3, b"\x01\x02")
    assert a == ev.UnknownFrame(0xAB, 1, 3, b"\x01\x02")
    assert a != ev.UnknownFrame(0xAB, 1, 3, b"\x01")
    assert a != "frame"
    assert repr(a) == "UnknownFrame(type=171, flags=1, stream_id=3, body=0102)"
    assert repr(ev.UnknownFrame(1, 0, 0, b"")) == "UnknownFrame(type=1, flags=0, stream_id=0, body=)"
    with pytest.raises(TypeError):
        hash(a)


def test_unknown_frame_built_without_init():
    f = ev.UnknownFrame.__new__(ev.UnknownFrame)
    f.__dict__.update(type=9, flags=1, stream_id=0, body=b"ab")
    assert f.flag_byte == 1 and f.body_len == 2
    assert f == ev.UnknownFrame(9, 1, 0, b"ab")


# ---- ORIGIN payloads --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "origins"),
    [
        (b"", []),
        (b"\x00\x09https://a", [b"https://a"]),
        (b"\x00\x09https://a\x00\x0ehttps://b.test", [b"https://a", b"https://b.test"]),
        (b"\x00\x00", [b""]),
        (b"\x00\x09https://a\x00\x10short", [b"https://a"]),
        (b"\x00", []),
        (memoryview(b"\x00\x01x"), [b"x"]),
    ],
)
def test_origins_from_payload(payload, origins):
    result = ev._origins_from_payload(payload)
    assert result == origins
    assert all(type(o) is bytes for o in result)


# ---- the keyword-only emulation used on Python 3.9 ---------------------------------


def test_keyword_only_emulation(monkeypatch):
    monkeypatch.setattr(ev, "sys", types.SimpleNamespace(version_info=(3, 9, 0)))

    @ev._event_dataclass
    class Sample(ev.Event):
        stream_id: int
        data: bytes = b""

        def __repr__(self) -> str:
            return f"<Sample {self.stream_id}>"

    assert dataclasses.is_dataclass(Sample)
    s = Sample(stream_id=1, data=b"x")
    assert (s.stream_id, s.data) == (1, b"x")
    assert Sample(stream_id=1).data == b""
    with pytest.raises(TypeError):
        Sample(1)
    with pytest.raises(TypeError):
        Sample()
    assert s == Sample(stream_id=1, data=b"x")
    assert repr(s) == "<Sample 1>"
    params = list(inspect.signature(Sample).parameters.values())
    assert [p.name for p in params] == ["stream_id", "data"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
