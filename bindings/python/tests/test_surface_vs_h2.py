"""Side-by-side comparison of libh2's pure Python modules with h2's.

The h2 package must be installed. Each test runs the same operations on both
packages and compares what comes out: public names, class hierarchies, enum
members, signatures, attributes, reprs, exception types and messages.
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import io
import random

import h2
import hpack
import pytest
from hpack import HeaderTuple, NeverIndexedHeaderTuple

MODULES = ["errors", "exceptions", "settings", "config", "events", "utilities", "windows"]

# Public names libh2 adds on purpose.
LIBH2_EXTRAS = {
    "exceptions": {"CompressionError", "HeaderListTooLargeError", "FrameSizeError"},
    "events": {"PriorityUpdateReceived", "OriginReceived", "UnknownFrame"},
}
# Public names of h2 that are implementation details, not API.
H2_INTERNALS = {"events": {"kw_only"}}


def pair(name: str):
    return importlib.import_module(f"h2.{name}"), importlib.import_module(f"libh2.{name}")


def api_names(mod) -> dict[str, object]:
    """Public names a user can import from mod: classes, functions and
    constants of the package (or of hpack), leaving out helpers imported
    from the standard library."""
    found = {}
    for name in dir(mod):
        if name.startswith("_") or name in ("annotations", "TYPE_CHECKING"):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) or callable(obj):
            origin = (getattr(obj, "__module__", "") or "").split(".")[0]
            if origin not in ("h2", "libh2", "hpack"):
                continue
        elif type(obj).__module__.split(".")[0] in ("typing", "dataclasses"):
            continue
        found[name] = obj
    return found


def origin_of(obj) -> str:
    """'module.Name' with the package prefix removed."""
    module = obj.__module__.split(".", 1)
    return f"{module[1] if len(module) > 1 else module[0]}.{obj.__qualname__}"


# ---- public names ------------------------------------------------------------


@pytest.mark.parametrize("name", MODULES)
def test_public_names(name):
    theirs, ours = pair(name)
    their_api = api_names(theirs)
    our_api = api_names(ours)
    expected = set(their_api) - H2_INTERNALS.get(name, set())
    assert expected - set(our_api) == set(), "missing from libh2"
    assert set(our_api) - expected == LIBH2_EXTRAS.get(name, set()), "unexpected extras"


@pytest.mark.parametrize("name", MODULES)
def test_public_objects_correspond(name):
    theirs, ours = pair(name)
    their_api = api_names(theirs)
    our_api = api_names(ours)
    for attr, their_obj in their_api.items():
        if attr in H2_INTERNALS.get(name, set()):
            continue
        our_obj = our_api[attr]
        if inspect.isclass(their_obj) or inspect.isfunction(their_obj):
            if their_obj.__module__.startswith("hpack"):
                assert our_obj is their_obj, attr
            else:
                assert origin_of(our_obj) == origin_of(their_obj), attr
                assert inspect.isclass(our_obj) == inspect.isclass(their_obj), attr
        else:
            assert our_obj == their_obj, attr
            assert type(our_obj) is type(their_obj), attr


def test_errors_all():
    theirs, ours = pair("errors")
    assert ours.__all__ == theirs.__all__


# ---- enums ----------------------------------------------------------------------


@pytest.mark.parametrize(("module", "enum_name"), [("errors", "ErrorCodes"), ("settings", "SettingCodes")])
def test_enum_members(module, enum_name):
    theirs, ours = pair(module)
    their_enum, our_enum = getattr(theirs, enum_name), getattr(ours, enum_name)
    assert [(m.name, m.value) for m in our_enum] == [(m.name, m.value) for m in their_enum]
    assert [c.__name__ for c in our_enum.__mro__] == [c.__name__ for c in their_enum.__mro__]
    for theirs_m, ours_m in zip(their_enum, our_enum):
        assert str(ours_m) == str(theirs_m)
        assert f"{ours_m}" == f"{theirs_m}"
        assert repr(ours_m) == repr(theirs_m)


@pytest.mark.parametrize(("module", "func"), [("errors", "_error_code_from_int"),
                                              ("settings", "_setting_code_from_int")])
def test_code_conversions(module, func):
    theirs, ours = pair(module)
    for value in list(range(0, 40)) + [0xFFFF, 2**32 - 1]:
        a = getattr(theirs, func)(value)
        b = getattr(ours, func)(value)
        assert (type(a).__name__, int(a), str(a)) == (type(b).__name__, int(b), str(b))


# ---- class hierarchies -----------------------------------------------------------


def classes_of(mod):
    return {n: o for n, o in api_names(mod).items()
            if inspect.isclass(o) and o.__module__ == mod.__name__}


@pytest.mark.parametrize("name", MODULES)
def test_class_mros(name):
    theirs, ours = pair(name)
    for cls_name, their_cls in classes_of(theirs).items():
        our_cls = getattr(ours, cls_name)
        assert [origin_of(c) for c in our_cls.__mro__] == [origin_of(c) for c in their_cls.__mro__], cls_name


def test_exception_subclass_relations():
    theirs, ours = pair("exceptions")
    their_classes = classes_of(theirs)
    names = sorted(their_classes)
    builtins = [Exception, ValueError, KeyError, TypeError, LookupError]
    for a in names:
        for b in names:
            assert issubclass(getattr(ours, a), getattr(ours, b)) == issubclass(
                their_classes[a], their_classes[b]), (a, b)
        for builtin in builtins:
            assert issubclass(getattr(ours, a), builtin) == issubclass(their_classes[a], builtin), (a, builtin)


def test_new_exceptions_sit_under_h2_classes():
    _, ours = pair("exceptions")
    assert issubclass(ours.CompressionError, ours.ProtocolError)
    assert issubclass(ours.HeaderListTooLargeError, ours.DenialOfServiceError)
    assert issubclass(ours.FrameSizeError, ours.FrameDataMissingError)


# ---- signatures ---------------------------------------------------------------------


def signature_of(obj):
    try:
        return inspect.signature(obj)
    except ValueError:
        # Classes that keep the constructor of a builtin exception.
        return None


def describe(sig: inspect.Signature | None, sentinels=()):
    if sig is None:
        return None
    out = []
    for p in sig.parameters.values():
        default = p.default
        if any(default is s for s in sentinels):
            default = "<placeholder>"
        elif default is inspect.Parameter.empty:
            default = "<required>"
        out.append((p.name, p.kind, repr(default) if not isinstance(default, str) else default))
    return out


SENTINELS = (importlib.import_module("h2.events")._LAZY_INIT,
             importlib.import_module("libh2.events")._LAZY_INIT)


def public_callables(cls):
    """Public methods (and the constructor) defined by cls itself."""
    found = {"__init__": cls}
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (classmethod, staticmethod)):
            found[name] = getattr(cls, name)
        elif inspect.isfunction(member):
            found[name] = member
    return found


@pytest.mark.parametrize("name", MODULES)
def test_signatures(name):
    theirs, ours = pair(name)
    for attr, their_obj in api_names(theirs).items():
        if getattr(their_obj, "__module__", None) != theirs.__name__:
            continue
        our_obj = getattr(ours, attr)
        if inspect.isfunction(their_obj):
            assert describe(inspect.signature(our_obj)) == describe(inspect.signature(their_obj)), attr
            assert inspect.isgeneratorfunction(our_obj) == inspect.isgeneratorfunction(their_obj), attr
            continue
        if not inspect.isclass(their_obj) or issubclass(their_obj, (int, tuple)):
            continue
        their_methods = public_callables(their_obj)
        our_methods = public_callables(our_obj)
        assert set(their_methods) <= set(our_methods) | {"__init__"}, attr
        for meth, their_fn in their_methods.items():
            our_fn = our_methods.get(meth, our_obj)
            a = describe(signature_of(their_fn), SENTINELS)
            b = describe(signature_of(our_fn), SENTINELS)
            if attr == "H2Configuration" and meth == "__init__":
                # libh2 appends keyword-only options with defaults.
                assert b[: len(a)] == a
                assert all(kind is inspect.Parameter.KEYWORD_ONLY and d != "<required>"
                           for _, kind, d in b[len(a):])
            else:
                assert b == a, (attr, meth)


def test_helper_generators_return_generators():
    theirs, ours = pair("utilities")
    flags = theirs.HeaderValidationFlags(False, False, False, False)
    for fn in ("validate_headers", "validate_outbound_headers", "normalize_outbound_headers",
               "normalize_inbound_headers"):
        a = getattr(theirs, fn)([], flags)
        b = getattr(ours, fn)([], ours.HeaderValidationFlags(*flags))
        assert inspect.isgenerator(a) and inspect.isgenerator(b), fn


# ---- events ---------------------------------------------------------------------------

EVENT_VALUES = {
    "stream_id": 5,
    "headers": [HeaderTuple(b":status", b"200"), NeverIndexedHeaderTuple(b"set-cookie", b"a=b")],
    "stream_ended": None,
    "priority_updated": None,
    "data": b"0123456789abcdefghijklmnop",
    "flow_controlled_length": 30,
    "delta": 4096,
    "ping_data": b"\x00\x01\x02\x03\xfc\xfd\xfe\xff",
    "error_code": 8,
    "remote_reset": False,
    "pushed_stream_id": 4,
    "parent_stream_id": 1,
    "weight": 32,
    "depends_on": 3,
    "exclusive": True,
    "last_stream_id": 9,
    "additional_data": b"debug info that is longer than twenty bytes",
    "origin": b"example.com",
    "field_value": b'h2=":443"; ma=60',
}


def event_classes():
    theirs, ours = pair("events")
    return [(n, c, getattr(ours, n)) for n, c in sorted(classes_of(theirs).items()) if n != "Event"]


def build(events_mod, cls_name, errors_mod):
    """An event of each library with the same attribute values."""
    cls = getattr(events_mod, cls_name)
    values = dict(EVENT_VALUES, error_code=errors_mod.ErrorCodes(8))
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
        if cls_name == "UnknownFrameReceived":
            return cls(frame=object())
        return cls(**{n: values[n] for n in names})
    event = cls()
    for n in list(vars(event)):
        setattr(event, n, values.get(n, {}))
    return event


@pytest.mark.parametrize("case", event_classes(), ids=lambda c: c[0])
def test_event_kind_and_attributes(case):
    name, their_cls, our_cls = case
    assert dataclasses.is_dataclass(our_cls) == dataclasses.is_dataclass(their_cls)
    if dataclasses.is_dataclass(their_cls):
        theirs_f = [(f.name, f.kw_only) for f in dataclasses.fields(their_cls)]
        ours_f = [(f.name, f.kw_only) for f in dataclasses.fields(our_cls)]
        assert ours_f == theirs_f
        for tf, of in zip(dataclasses.fields(their_cls), dataclasses.fields(our_cls)):
            if tf.default is SENTINELS[0]:
                assert of.default is SENTINELS[1], tf.name
            else:
                assert of.default == tf.default, tf.name
        assert (our_cls.__hash__ is None) == (their_cls.__hash__ is None)
    else:
        theirs_e, ours_e = their_cls(), our_cls()
        assert vars(ours_e) == vars(theirs_e)
        hash(ours_e)


@pytest.mark.parametrize("case", event_classes(), ids=lambda c: c[0])
def test_event_reprs_match(case):
    name = case[0]
    h2_events, h2_errors = pair("events")[0], importlib.import_module("h2.errors")
    l_events, l_errors = pair("events")[1], importlib.import_module("libh2.errors")
    assert repr(build(l_events, name, l_errors)) == repr(build(h2_events, name, h2_errors))


@pytest.mark.parametrize("case", event_classes(), ids=lambda c: c[0])
def test_event_equality_semantics_match(case):
    name = case[0]
    results = []
    for pkg in ("h2", "libh2"):
        events = importlib.import_module(f"{pkg}.events")
        errors = importlib.import_module(f"{pkg}.errors")
        a, b = build(events, name, errors), build(events, name, errors)
        if name == "UnknownFrameReceived":
            b.frame = a.frame
        results.append((a == b, a == a, a != b))
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("cls_name", "values"),
    [
        ("DataReceived", {"stream_id": 1, "data": b"", "flow_controlled_length": 0}),
        ("DataReceived", {"stream_id": 1, "data": b"x" * 19, "flow_controlled_length": 275}),
        ("StreamReset", {"stream_id": 3, "error_code": 0x77}),
        ("RequestReceived", {"stream_id": 1, "headers": [("a", "b")]}),
        ("WindowUpdated", {"stream_id": 0, "delta": 1}),
    ],
)
def test_more_event_reprs(cls_name, values):
    reprs = []
    for pkg in ("h2", "libh2"):
        events = importlib.import_module(f"{pkg}.events")
        reprs.append(repr(getattr(events, cls_name)(**values)))
    assert reprs[0] == reprs[1]


@pytest.mark.parametrize(
    "setup",
    [
        lambda e, E: None,
        lambda e, E: setattr(e, "additional_data", b""),
        lambda e, E: setattr(e, "additional_data", b"short"),
        lambda e, E: (setattr(e, "error_code", 0x1234), setattr(e, "last_stream_id", 0)),
    ],
)
def test_connection_terminated_reprs(setup):
    reprs = []
    for pkg in ("h2", "libh2"):
        events = importlib.import_module(f"{pkg}.events")
        errors = importlib.import_module(f"{pkg}.errors")
        e = events.ConnectionTerminated()
        e.error_code = errors.ErrorCodes.NO_ERROR
        setup(e, errors)
        reprs.append(repr(e))
    assert reprs[0] == reprs[1]


@pytest.mark.parametrize(
    ("origin", "value"),
    [(None, None), (b"a.example", b""), (b"\xffodd", b'h3=":443"\x80')],
)
def test_altsvc_reprs(origin, value):
    reprs = []
    for pkg in ("h2", "libh2"):
        e = importlib.import_module(f"{pkg}.events").AlternativeServiceAvailable()
        e.origin, e.field_value = origin, value
        reprs.append(repr(e))
    assert reprs[0] == reprs[1]


def test_settings_events_from_settings():
    reprs = []
    for pkg in ("h2", "libh2"):
        events = importlib.import_module(f"{pkg}.events")
        settings = importlib.import_module(f"{pkg}.settings")
        old = settings.Settings(client=False, initial_values={settings.SettingCodes.MAX_CONCURRENT_STREAMS: 7})
        e = events.RemoteSettingsChanged.from_settings(old, {1: 100, 3: 8, 0x99: 2, 6: 0})
        reprs.append((repr(e), [type(k).__name__ for k in e.changed_settings]))
        ack = events.SettingsAcknowledged()
        ack.changed_settings = e.changed_settings
        reprs.append(repr(ack))
    assert reprs[:2] == reprs[2:]


# ---- exceptions ------------------------------------------------------------------------

EXCEPTION_ARGS = {
    "H2Error": [("msg",), ()],
    "ProtocolError": [("msg",), (), ("a", "b")],
    "FrameTooLargeError": [("too big",)],
    "FrameDataMissingError": [("missing",)],
    "TooManyStreamsError": [("many",)],
    "FlowControlError": [("flow",)],
    "StreamIDTooLowError": [(3, 5)],
    "NoAvailableStreamIDError": [("none",)],
    "NoSuchStreamError": [(7,)],
    "StreamClosedError": [(9,)],
    "InvalidSettingsValueError": [("bad", 3), ("bad", 1)],
    "InvalidBodyLengthError": [(10, 3)],
    "UnsupportedFrameError": [("unsupported",)],
    "RFC1122Error": [("rfc",)],
    "DenialOfServiceError": [("dos",)],
}


def exception_snapshot(e):
    attrs = {k: (type(v).__name__, v if not isinstance(v, int) else int(v))
             for k, v in vars(e).items()}
    return (type(e).__name__, str(e), repr(e), e.args, attrs,
            int(e.error_code) if hasattr(e, "error_code") else None)


def test_exception_args_cover_every_class():
    theirs, _ = pair("exceptions")
    assert set(EXCEPTION_ARGS) == set(classes_of(theirs))


@pytest.mark.parametrize(
    ("cls_name", "args"),
    [(n, a) for n, cases in EXCEPTION_ARGS.items() for a in cases],
)
def test_exception_instances_match(cls_name, args):
    theirs, ours = pair("exceptions")
    a = getattr(theirs, cls_name)(*args)
    b = getattr(ours, cls_name)(*args)
    assert exception_snapshot(b) == exception_snapshot(a)


# ---- settings ----------------------------------------------------------------------------


def run_settings_ops(pkg: str, ops):
    settings = importlib.import_module(f"{pkg}.settings")
    trace = []
    try:
        s = settings.Settings(*ops[0])
    except Exception as e:  # noqa: BLE001 - the exception is the result
        return [("init raised", type(e).__name__, str(e), int(getattr(e, "error_code", -1)))]

    def record(fn):
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - the exception is the result
            trace.append(("raised", type(e).__name__, str(e), int(getattr(e, "error_code", -1))))
        else:
            if isinstance(result, dict):
                result = [(int(k), type(k).__name__, int(v.setting), v.original_value, v.new_value, repr(v))
                          for k, v in result.items()]
            trace.append(("ok", result))

    for op in ops[1:]:
        kind = op[0]
        if kind == "set":
            record(lambda: s.__setitem__(op[1], op[2]))
        elif kind == "get":
            record(lambda: s[op[1]])
        elif kind == "del":
            record(lambda: s.__delitem__(op[1]))
        elif kind == "ack":
            record(s.acknowledge)
        elif kind == "prop":
            record(lambda: getattr(s, op[1]))
        elif kind == "setprop":
            record(lambda: setattr(s, op[1], op[2]))
        elif kind == "recv":
            record(lambda: s.validate_received_setting(op[1], op[2]))
        elif kind == "view":
            record(lambda: (len(s), [int(k) for k in s], [type(k).__name__ for k in s],
                            sorted((int(k), v) for k, v in s.items())))
        elif kind == "eq":
            other = settings.Settings(*ops[0])
            record(lambda: (s == other, s != other))
    return trace


PROPS = ["header_table_size", "enable_push", "initial_window_size", "max_frame_size",
         "max_concurrent_streams", "max_header_list_size", "enable_connect_protocol"]
VALUES = [-1, 0, 1, 2, 100, 16383, 16384, 65535, 2**24 - 1, 2**24, 2**31 - 1, 2**31, 2**32]
KEYS = [1, 2, 3, 4, 5, 6, 8, 0x9, 0x99]


def random_ops(seed: int):
    rng = random.Random(seed)
    initial = None
    if rng.random() < 0.5:
        initial = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(0, 3))}
    ops = [(rng.random() < 0.5, initial)]
    for _ in range(rng.randint(5, 30)):
        kind = rng.choice(["set", "set", "get", "del", "ack", "ack", "prop", "setprop", "recv", "view", "eq"])
        if kind in ("set", "recv"):
            ops.append((kind, rng.choice(KEYS), rng.choice(VALUES)))
        elif kind in ("get", "del"):
            ops.append((kind, rng.choice(KEYS)))
        elif kind == "prop":
            ops.append((kind, rng.choice(PROPS)))
        elif kind == "setprop":
            ops.append((kind, rng.choice(PROPS), rng.choice(VALUES)))
        else:
            ops.append((kind,))
    ops.append(("view",))
    return ops


HANDWRITTEN_SETTINGS_OPS = [
    [(True, None), ("view",), ("prop", "max_concurrent_streams"), ("prop", "max_header_list_size")],
    [(False, None), ("set", 1, 0), ("set", 1, 100), ("get", 1), ("ack",), ("get", 1), ("ack",),
     ("get", 1), ("ack",)],
    [(True, None), ("set", 3, 10), ("get", 3), ("prop", "max_concurrent_streams"), ("ack",),
     ("prop", "max_concurrent_streams")],
    [(True, {4: 2**31}), ("view",)],
    [(False, None), ("recv", 2, 1), ("recv", 2, 0), ("recv", 4, 2**31), ("recv", 5, 1)],
    [(True, None), ("del", 2), ("get", 2), ("prop", "enable_push"), ("del", 2), ("view",), ("eq",)],
]


@pytest.mark.parametrize("ops", HANDWRITTEN_SETTINGS_OPS + [random_ops(seed) for seed in range(150)])
def test_settings_behave_the_same(ops):
    assert run_settings_ops("libh2", ops) == run_settings_ops("h2", ops)


def test_changed_setting_repr_matches():
    theirs, ours = pair("settings")
    for setting in (theirs.SettingCodes.ENABLE_PUSH, 0x99):
        a = theirs.ChangedSetting(theirs._setting_code_from_int(int(setting)), None, 1)
        b = ours.ChangedSetting(ours._setting_code_from_int(int(setting)), None, 1)
        assert repr(a) == repr(b)


# ---- configuration ---------------------------------------------------------------------


CONFIG_CASES = [
    {},
    {"client_side": False},
    {"client_side": 0},
    {"header_encoding": "utf-8"},
    {"header_encoding": False},
    {"header_encoding": True},
    {"header_encoding": 5},
    {"validate_outbound_headers": None},
    {"normalize_outbound_headers": "no"},
    {"split_outbound_cookies": True},
    {"validate_inbound_headers": 1},
    {"normalize_inbound_headers": False},
]

H2_CONFIG_ATTRS = ["client_side", "header_encoding", "validate_outbound_headers", "normalize_outbound_headers",
                   "split_outbound_cookies", "validate_inbound_headers", "normalize_inbound_headers"]


def config_outcome(pkg, kwargs):
    config = importlib.import_module(f"{pkg}.config")
    try:
        c = config.H2Configuration(**kwargs)
    except Exception as e:  # noqa: BLE001
        return ("raised", type(e).__name__, str(e))
    return ("ok", [(n, getattr(c, n)) for n in H2_CONFIG_ATTRS], type(c.logger).__name__)


@pytest.mark.parametrize("kwargs", CONFIG_CASES)
def test_configuration_matches(kwargs):
    assert config_outcome("libh2", kwargs) == config_outcome("h2", kwargs)


@pytest.mark.parametrize("attr", H2_CONFIG_ATTRS)
@pytest.mark.parametrize("value", [True, False, None, "x", 0])
def test_configuration_assignment_matches(attr, value):
    outcomes = []
    for pkg in ("h2", "libh2"):
        c = importlib.import_module(f"{pkg}.config").H2Configuration()
        try:
            setattr(c, attr, value)
            outcomes.append(("ok", getattr(c, attr)))
        except Exception as e:  # noqa: BLE001
            outcomes.append(("raised", type(e).__name__, str(e)))
    assert outcomes[0] == outcomes[1]


def test_output_logger_output_matches():
    outputs = []
    for pkg in ("h2", "libh2"):
        config = importlib.import_module(f"{pkg}.config")
        buf = io.StringIO()
        for trace_level in (False, True):
            log = config.OutputLogger(buf, trace_level)
            log.debug("a %s b %d", "x", 3)
            log.trace("t %r", b"y")
        config.DummyLogger("n").debug("ignored")
        outputs.append(buf.getvalue())
    assert outputs[0] == outputs[1]


# ---- utilities ---------------------------------------------------------------------------

REQ = [(b":method", b"GET"), (b":scheme", b"https"), (b":authority", b"example.com"), (b":path", b"/x")]

HEADER_TABLE = [
    [],
    REQ,
    [HeaderTuple(*h) for h in REQ] + [NeverIndexedHeaderTuple(b"authorization", b"secret")],
    REQ + [(b"cookie", b"a=1"), (b"user-agent", b"t"), (b"cookie", b"b=2; c=3")],
    REQ + [(b"Cookie", b" a=1; b=2 ")],
    REQ + [(b"host", b"example.com")],
    REQ + [(b"host", b"other")],
    REQ + [(b"host", b"a"), (b"host", b"a")],
    REQ[:2] + REQ[3:],
    REQ[:2] + REQ[3:] + [(b"host", b"h")],
    REQ[1:],
    REQ[:1] + REQ[2:],
    REQ[:3],
    REQ[:3] + [(b":path", b"")],
    REQ + [(b":path", b"/dup")],
    [(b"x", b"y")] + REQ,
    REQ + [(b":bogus", b"1")],
    REQ + [(b":status", b"200")],
    REQ + [(b":protocol", b"websocket")],
    [(b":method", b"CONNECT"), (b":authority", b"h:443")],
    [(b":method", b"CONNECT"), (b":authority", b"h:443"), (b":path", b"/")],
    [(b":method", b"CONNECT"), (b":protocol", b"ws"), (b":scheme", b"https"), (b":path", b"/"),
     (b":authority", b"h")],
    [(b":method", b"CONNECT"), (b":protocol", b"ws"), (b":authority", b"h")],
    [(b":status", b"200"), (b"content-type", b"text/plain")],
    [(b":status", b"100")],
    [(b":status", b"103"), (b"link", b"</s.css>")],
    [(b"server", b"x"), (b":status", b"200")],
    [(b":status", b"200"), (b":path", b"/")],
    [(b"grpc-status", b"0")],
    REQ + [(b"Upper", b"v")],
    REQ + [(b"sp ace", b"v")],
    REQ + [(b"a:b", b"v")],
    REQ + [(b"", b"v")],
    REQ + [(b"v", b"a\x00b")],
    REQ + [(b"v", b"a\r\nb")],
    REQ + [(b"v", b" lead")],
    REQ + [(b"v", b"trail\t")],
    REQ + [(b"v", b"")],
    REQ + [(b"te", b"trailers")],
    REQ + [(b"te", b"Trailers")],
    REQ + [(b"te", b"gzip")],
    REQ + [(b"connection", b"close")],
    REQ + [(b"Keep-Alive", b"5")],
    REQ + [(b"transfer-encoding", b"chunked")],
    REQ + [(b"proxy-authorization", b"x"), (b"authorization", b"y")],
    REQ + [(b"cookie", b"x" * 19), (b"cookie", b"y" * 20)],
    REQ + [(b" x-pad ", b"  v  ")],
    [(":method", "GET"), (":path", "/")],
]

FLAG_SETS = [
    (False, False, False, False),
    (True, False, True, False),
    (True, True, False, False),
    (False, True, True, False),
    (False, False, False, True),
]


def consume(make):
    """Run a helper; its output (or what was yielded before it failed)."""
    got = []
    try:
        result = make()
        if inspect.isgenerator(result):
            for item in result:
                got.append((type(item).__name__, tuple(item)))
            return ("ok", got)
        return ("value", result)
    except Exception as e:  # noqa: BLE001
        return ("raised", type(e).__name__, _sorted_sets(str(e)), got)


def _sorted_sets(message):
    """A message with the items of each set repr in it sorted: a set's
    iteration order depends on how it was built, which the two packages
    need not share."""
    return re.sub(r"\{([^{}]*)\}",
                  lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                  message)


def utilities_outcomes(pkg, headers, flags):
    u = importlib.import_module(f"{pkg}.utilities")
    f = u.HeaderValidationFlags(*flags)
    return [
        consume(lambda: u.validate_headers(list(headers), f)),
        consume(lambda: u.validate_outbound_headers(list(headers), f)),
        consume(lambda: u.normalize_outbound_headers(list(headers), f)),
        consume(lambda: u.normalize_outbound_headers(list(headers), f, True)),
        consume(lambda: u.normalize_inbound_headers(list(headers), f)),
        consume(lambda: u.extract_method_header(list(headers))),
        consume(lambda: u.is_informational_response(list(headers))),
        consume(lambda: u.authority_from_headers(list(headers))),
        consume(lambda: u.utf8_encode_headers(list(headers))),
    ]


@pytest.mark.parametrize("flags", FLAG_SETS)
@pytest.mark.parametrize("headers", HEADER_TABLE)
def test_utilities_match_on_table(headers, flags):
    assert utilities_outcomes("libh2", headers, flags) == utilities_outcomes("h2", headers, flags)


NAME_POOL = [b":method", b":scheme", b":authority", b":path", b":status", b":protocol", b":x",
             b"host", b"cookie", b"te", b"connection", b"authorization", b"content-type", b"X-Up",
             b"a b", b"", b"sp "]
VALUE_POOL = [b"GET", b"CONNECT", b"https", b"h", b"/", b"", b"200", b"101", b"trailers", b"x=1; y=2",
              b" pad", b"nul\x00", b"short", b"a-cookie-value-longer-than-20"]


@pytest.mark.parametrize("seed", range(300))
def test_utilities_match_on_random_blocks(seed):
    rng = random.Random(seed)
    headers = []
    for _ in range(rng.randint(0, 8)):
        pair_ = (rng.choice(NAME_POOL), rng.choice(VALUE_POOL))
        kind = rng.random()
        headers.append(HeaderTuple(*pair_) if kind < 0.2 else
                       NeverIndexedHeaderTuple(*pair_) if kind < 0.3 else pair_)
    flags = rng.choice(FLAG_SETS)
    assert utilities_outcomes("libh2", headers, flags) == utilities_outcomes("h2", headers, flags)


def test_guard_increment_window_matches():
    theirs, ours = pair("utilities")
    for current, inc in [(0, 0), (1, 2**31 - 2), (1, 2**31 - 1), (-5, 3), (2**31 - 1, 0)]:
        assert consume(lambda: ours.guard_increment_window(current, inc)) == consume(
            lambda: theirs.guard_increment_window(current, inc))


def test_size_limit_dict_matches():
    theirs, ours = pair("utilities")
    results = []
    for mod in (theirs, ours):
        d = mod.SizeLimitDict({1: 1, 2: 2, 3: 3}, size_limit=2)
        d[4] = 4
        d[2] = 5
        results.append(list(d.items()))
    assert results[0] == results[1]


# ---- windows ---------------------------------------------------------------------------


def window_trace(pkg, seed):
    rng = random.Random(seed)
    w = importlib.import_module(f"{pkg}.windows").WindowManager(rng.choice([100, 1000, 4000, 65535, 2**31 - 1]))
    trace = []
    for _ in range(40):
        op = rng.choice(["consumed", "opened", "process", "process"])
        size = rng.choice([0, 1, 10, 100, 512, 1024, 1025, 5000, 40000, 2**30])
        try:
            result = {"consumed": w.window_consumed, "opened": w.window_opened,
                      "process": w.process_bytes}[op](size)
            trace.append((op, size, result))
        except Exception as e:  # noqa: BLE001
            trace.append((op, size, type(e).__name__, str(e)))
        trace.append((w.current_window_size, w.max_window_size))
    return trace


@pytest.mark.parametrize("seed", range(100))
def test_window_manager_matches(seed):
    assert window_trace("libh2", seed) == window_trace("h2", seed)


def test_reference_versions():
    # The comparison is against the h2 4.x line this package follows.
    assert h2.__version__.startswith("4.")
    assert hpack.__version__.split(".")[0] == "4"
