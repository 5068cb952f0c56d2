"""Shared helpers of the connection tests: connections of either package,
frames built with hyperframe, event normalisation, and a differential
driver that runs the same calls on h2 and libh2.

``IMPLS`` names the two packages; ``make(impl, ...)`` builds a connection of
one of them. Options only libh2 knows are dropped for h2.
"""
from __future__ import annotations

import enum
import types
from typing import Any, Callable

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import h2.stream
import hpack

import libh2.config
import libh2.connection
import libh2.errors
import libh2.events
import libh2.exceptions
import libh2.settings
import libh2.stream

H2 = types.SimpleNamespace(
    name="h2", connection=h2.connection, config=h2.config, events=h2.events,
    exceptions=h2.exceptions, errors=h2.errors, settings=h2.settings,
    stream=h2.stream,
)
LIB = types.SimpleNamespace(
    name="libh2", connection=libh2.connection, config=libh2.config,
    events=libh2.events, exceptions=libh2.exceptions, errors=libh2.errors,
    settings=libh2.settings, stream=libh2.stream,
)
IMPLS = {"h2": H2, "libh2": LIB}

LIBH2_ONLY_OPTIONS = frozenset((
    "max_header_list_size", "max_field_size", "max_continuation_frames",
    "max_settings_entries", "max_queued_acks", "max_queued_control",
    "rst_rate_burst", "rst_rate_per_sec", "glitch_rate_burst",
    "glitch_rate_per_sec", "max_reserved_streams", "max_closed_streams",
    "hpack_policy", "trace_frames", "strict_preface", "malformed_stream_error",
))

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

REQ = [(":method", "GET"), (":path", "/"), (":scheme", "https"),
       (":authority", "example.com")]
REQ_B = [(k.encode(), v.encode()) for k, v in REQ]
POST = [(":method", "POST"), (":path", "/upload"), (":scheme", "https"),
        (":authority", "example.com"), ("content-type", "text/plain")]
RESP = [(":status", "200"), ("server", "test")]
RESP_B = [(k.encode(), v.encode()) for k, v in RESP]


def config(impl: Any, client: bool = True, **kw: Any) -> Any:
    if impl is H2:
        kw = {k: v for k, v in kw.items() if k not in LIBH2_ONLY_OPTIONS}
    return impl.config.H2Configuration(client_side=client, **kw)


def make(impl: Any, client: bool = True, cls: Any = None, **kw: Any) -> Any:
    """A connection of ``impl`` (H2 or LIB), not initiated."""
    cls = cls or impl.connection.H2Connection
    return cls(config(impl, client, **kw))


def started(impl: Any, client: bool = True, **kw: Any) -> Any:
    """A connection that called initiate_connection(), output drained."""
    c = make(impl, client, **kw)
    c.initiate_connection()
    c.data_to_send()
    return c


def handshake(client: Any, server: Any) -> tuple[list, list]:
    """Initiate both (if needed is the caller's business) and exchange
    what they have to say until both are quiet; returns the events."""
    cev, sev = [], []
    for _ in range(4):
        out_c = client.data_to_send()
        if out_c:
            sev += server.receive_data(out_c)
        out_s = server.data_to_send()
        if out_s:
            cev += client.receive_data(out_s)
        if not out_c and not out_s:
            break
    return cev, sev


def pair(impl: Any, client_kw: dict | None = None,
         server_kw: dict | None = None) -> tuple[Any, Any]:
    """A client and a server of ``impl`` after the SETTINGS exchange."""
    c = make(impl, True, **(client_kw or {}))
    s = make(impl, False, **(server_kw or {}))
    c.initiate_connection()
    s.initiate_connection()
    handshake(c, s)
    return c, s


def exchange(src: Any, dst: Any) -> list:
    """Move src's pending output into dst; dst's events."""
    data = src.data_to_send()
    return dst.receive_data(data) if data else []


# ---- raw frames ----------------------------------------------------------

def raw_frame(ftype: int, flags: int, stream_id: int, payload: bytes,
              length: int | None = None) -> bytes:
    n = len(payload) if length is None else length
    return (n.to_bytes(3, "big") + bytes([ftype, flags]) +
            stream_id.to_bytes(4, "big") + payload)


def settings_frame(ack: bool = False, **settings: int) -> bytes:
    """SETTINGS with the named settings (SettingCodes names)."""
    body = b"".join(
        int(getattr(h2.settings.SettingCodes, k)).to_bytes(2, "big") +
        v.to_bytes(4, "big") for k, v in settings.items())
    return raw_frame(0x4, 0x1 if ack else 0, 0, body)


SETTINGS_ACK = settings_frame(ack=True)
EMPTY_SETTINGS = settings_frame()


def headers_frame(stream_id: int, headers: list, end_stream: bool = False,
                  end_headers: bool = True, encoder: Any = None,
                  pad_length: int = 0, priority: tuple | None = None,
                  block: bytes | None = None) -> bytes:
    """HEADERS; priority is (depends_on, weight 1..256, exclusive)."""
    if block is None:
        block = (encoder or hpack.Encoder()).encode(headers)
    flags = (0x1 if end_stream else 0) | (0x4 if end_headers else 0)
    payload = block
    if priority is not None:
        flags |= 0x20
        dep, weight, excl = priority
        payload = ((dep | (0x80000000 if excl else 0)).to_bytes(4, "big") +
                   bytes([weight - 1]) + payload)
    if pad_length:
        flags |= 0x8
        payload = bytes([pad_length]) + payload + b"\0" * pad_length
    return raw_frame(0x1, flags, stream_id, payload)


def continuation_frame(stream_id: int, block: bytes,
                       end_headers: bool = True) -> bytes:
    return raw_frame(0x9, 0x4 if end_headers else 0, stream_id, block)


def data_frame(stream_id: int, data: bytes, end_stream: bool = False,
               pad_length: int | None = None) -> bytes:
    """DATA; pad_length None: no PADDED flag."""
    flags = 0x1 if end_stream else 0
    payload = data
    if pad_length is not None:
        flags |= 0x8
        payload = bytes([pad_length]) + data + b"\0" * pad_length
    return raw_frame(0x0, flags, stream_id, payload)


def window_update_frame(stream_id: int, increment: int) -> bytes:
    return raw_frame(0x8, 0, stream_id, increment.to_bytes(4, "big"))


def rst_frame(stream_id: int, code: int) -> bytes:
    return raw_frame(0x3, 0, stream_id, code.to_bytes(4, "big"))


def ping_frame(data: bytes = b"\x00" * 8, ack: bool = False) -> bytes:
    return raw_frame(0x6, 1 if ack else 0, 0, data)


def goaway_frame(last: int, code: int, debug: bytes = b"") -> bytes:
    return raw_frame(0x7, 0, 0, last.to_bytes(4, "big") +
                     code.to_bytes(4, "big") + debug)


def priority_frame(stream_id: int, depends_on: int, weight: int,
                   exclusive: bool = False) -> bytes:
    dep = depends_on | (0x80000000 if exclusive else 0)
    return raw_frame(0x2, 0, stream_id, dep.to_bytes(4, "big") +
                     bytes([weight - 1]))


def push_promise_frame(stream_id: int, promised: int, headers: list,
                       encoder: Any = None) -> bytes:
    block = (encoder or hpack.Encoder()).encode(headers)
    return raw_frame(0x5, 0x4, stream_id, promised.to_bytes(4, "big") + block)


def altsvc_frame(stream_id: int, origin: bytes, field: bytes) -> bytes:
    return raw_frame(0xA, 0, stream_id,
                     len(origin).to_bytes(2, "big") + origin + field)


def priority_update_frame(prioritized: int, value: bytes) -> bytes:
    return raw_frame(0x10, 0, 0, prioritized.to_bytes(4, "big") + value)


def origin_frame(origins: list[bytes]) -> bytes:
    body = b"".join(len(o).to_bytes(2, "big") + o for o in origins)
    return raw_frame(0xC, 0, 0, body)


def parse_frames(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """Split serialized frames: [(type, flags, stream_id, payload)]."""
    out = []
    i = 0
    if data.startswith(PREFACE):
        i = len(PREFACE)
    while i < len(data):
        assert i + 9 <= len(data), "truncated frame header in output"
        n = int.from_bytes(data[i:i + 3], "big")
        ftype, flags = data[i + 3], data[i + 4]
        sid = int.from_bytes(data[i + 5:i + 9], "big") & 0x7FFFFFFF
        assert i + 9 + n <= len(data), "truncated frame payload in output"
        out.append((ftype, flags, sid, data[i + 9:i + 9 + n]))
        i += 9 + n
    return out


def frame_types(data: bytes) -> list[int]:
    return [f[0] for f in parse_frames(data)]


def goaway_code(data: bytes) -> int | None:
    """The error code of the last GOAWAY in data, or None."""
    code = None
    for ftype, _fl, _sid, payload in parse_frames(data):
        if ftype == 0x7:
            code = int.from_bytes(payload[4:8], "big")
    return code


def rst_codes(data: bytes) -> dict[int, int]:
    return {sid: int.from_bytes(p[:4], "big")
            for t, _f, sid, p in parse_frames(data) if t == 0x3}


# ---- events ----------------------------------------------------------------

#: The public attributes of each event class (h2's, plus libh2's two).
EVENT_ATTRS = {
    "RequestReceived": ("stream_id", "headers", "stream_ended",
                        "priority_updated"),
    "ResponseReceived": ("stream_id", "headers", "stream_ended",
                         "priority_updated"),
    "TrailersReceived": ("stream_id", "headers", "stream_ended",
                         "priority_updated"),
    "InformationalResponseReceived": ("stream_id", "headers",
                                      "priority_updated"),
    "DataReceived": ("stream_id", "data", "flow_controlled_length",
                     "stream_ended"),
    "WindowUpdated": ("stream_id", "delta"),
    "RemoteSettingsChanged": ("changed_settings",),
    "PingReceived": ("ping_data",),
    "PingAckReceived": ("ping_data",),
    "StreamEnded": ("stream_id",),
    "StreamReset": ("stream_id", "error_code", "remote_reset"),
    "PushedStreamReceived": ("pushed_stream_id", "parent_stream_id",
                             "headers"),
    "SettingsAcknowledged": ("changed_settings",),
    "PriorityUpdated": ("stream_id", "weight", "depends_on", "exclusive"),
    "ConnectionTerminated": ("error_code", "last_stream_id",
                             "additional_data"),
    "AlternativeServiceAvailable": ("origin", "field_value"),
    "UnknownFrameReceived": ("frame",),
    "PriorityUpdateReceived": ("stream_id", "priority_field_value"),
    "OriginReceived": ("origins",),
}


def norm(obj: Any, _depth: int = 0) -> Any:
    """A package-neutral, comparable form of an event (or a value in one):
    the class name and every public attribute, recursively; header tuples
    keep their class name (never-indexed or not); enums become (name, int).
    """
    if _depth > 6:
        return "..."
    if isinstance(obj, (h2.events.Event, libh2.events.Event)):
        names = EVENT_ATTRS[type(obj).__name__]
        attrs = {k: norm(getattr(obj, k), _depth + 1) for k in names}
        return (type(obj).__name__, tuple(sorted(attrs.items())))
    if isinstance(obj, enum.Enum):
        return (type(obj).__name__, obj.name, obj.value)
    if isinstance(obj, hpack.HeaderTuple):
        return (type(obj).__name__, tuple(obj))
    if isinstance(obj, (list, tuple)):
        return tuple(norm(x, _depth + 1) for x in obj)
    if isinstance(obj, dict):
        return tuple(sorted((repr(norm(k)), norm(v, _depth + 1))
                            for k, v in obj.items()))
    if type(obj).__name__ == "ChangedSetting":
        return ("ChangedSetting", norm(obj.setting), obj.original_value,
                obj.new_value)
    if type(obj).__name__ in ("ExtensionFrame", "UnknownFrame"):
        flags = obj.flag_byte if hasattr(obj, "flag_byte") else obj.flags
        return ("Frame", obj.type, obj.stream_id, flags, bytes(obj.body))
    return obj


def _compares_by_value(obj: Any) -> bool:
    return type(obj).__eq__ is not object.__eq__


def as_libh2_event(ev: Any, like: Any = None) -> Any:
    """Rebuild an h2 event as the libh2 event of the same class and
    attributes (related events included), so that libh2's own ``==``
    can compare it with an event libh2 produced. A related event of a
    class that compares by identity (PriorityUpdated) can only be equal
    as the same object: it is taken from ``like`` (libh2's event), whose
    related events the caller compares separately."""
    cls = getattr(libh2.events, type(ev).__name__)
    attrs = {k: getattr(ev, k) for k in EVENT_ATTRS[type(ev).__name__]}
    for k in ("stream_ended", "priority_updated"):
        if attrs.get(k) is not None:
            rebuilt = as_libh2_event(attrs[k])
            if not _compares_by_value(rebuilt) and like is not None:
                rebuilt = getattr(like, k)
            attrs[k] = rebuilt
    if "error_code" in attrs and isinstance(attrs["error_code"], enum.Enum):
        attrs["error_code"] = libh2.errors.ErrorCodes(attrs["error_code"])
    if "changed_settings" in attrs:
        attrs["changed_settings"] = {
            _lib_setting(k): libh2.settings.ChangedSetting(
                _lib_setting(v.setting), v.original_value, v.new_value)
            for k, v in attrs["changed_settings"].items()}
    if "frame" in attrs:
        f = attrs["frame"]
        attrs["frame"] = libh2.events.UnknownFrame(
            type=f.type, flags=f.flag_byte, stream_id=f.stream_id,
            body=bytes(f.body))
    try:
        return cls(**attrs)
    except TypeError:
        out = cls()
        for k, v in attrs.items():
            setattr(out, k, v)
        return out


def _lib_setting(code: Any) -> Any:
    try:
        return libh2.settings.SettingCodes(int(code))
    except ValueError:
        return int(code)


def assert_events_match(h2_events: list, lib_events: list) -> None:
    """Same classes, attributes and reprs; where the class compares by
    value, libh2's event equals h2's rebuilt as a libh2 event."""
    both = f"\n h2:    {h2_events!r}\n libh2: {lib_events!r}"
    assert [type(e).__name__ for e in lib_events] == \
        [type(e).__name__ for e in h2_events], both
    for he, le in zip(h2_events, lib_events):
        assert norm(le) == norm(he), f"\n h2:    {norm(he)}\n libh2: {norm(le)}"
    assert [repr(e) for e in lib_events] == [repr(e) for e in h2_events], both
    for he, le in zip(h2_events, lib_events):
        if _compares_by_value(le):
            assert le == as_libh2_event(he, like=le), (le, he)
        for rel in ("stream_ended", "priority_updated"):
            assert (getattr(he, rel, None) is None) == \
                (getattr(le, rel, None) is None)


def related_links_ok(events: list) -> None:
    """Every stream_ended / priority_updated is the very event object that
    follows in the same list."""
    for i, e in enumerate(events):
        for rel in ("stream_ended", "priority_updated"):
            r = getattr(e, rel, None)
            if r is not None:
                assert any(r is x for x in events[i + 1:]), (e, rel)


# ---- exceptions ------------------------------------------------------------

def same_exception_class(h2_exc: BaseException | None,
                         lib_exc: BaseException | None) -> bool:
    """libh2's exception is an instance of the class (by name, in libh2's
    module) of h2's exception: code catching h2's class catches it."""
    if h2_exc is None or lib_exc is None:
        return h2_exc is None and lib_exc is None
    cls = type(h2_exc)
    if cls.__module__.startswith("h2."):
        cls = getattr(libh2.exceptions, cls.__name__)
    return isinstance(lib_exc, cls)


def call(fn: Callable, *args: Any, **kw: Any) -> tuple[Any, Any]:
    """(result, None) or (None, exception)."""
    try:
        return fn(*args, **kw), None
    except Exception as e:  # noqa: BLE001
        return None, e


# ---- the differential driver ---------------------------------------------

_STATE_PROPS = ("open_inbound_streams", "open_outbound_streams",
                "max_outbound_frame_size", "max_inbound_frame_size",
                "outbound_flow_control_window", "inbound_flow_control_window",
                "highest_inbound_stream_id", "highest_outbound_stream_id")


class Twin:
    """One connection of each package, driven identically.

    ``do(name, *args, **kw)`` calls the method on both and checks equal
    results (or exceptions of the same class) and equal output;
    ``recv(data)`` feeds both the same bytes and compares the events;
    ``check_state()`` compares the observable state.
    """

    def __init__(self, client: bool = True, h2_cls: Any = None,
                 lib_cls: Any = None, bytewise: bool = False,
                 auto_check: bool = False, **cfg: Any) -> None:
        self.h = make(H2, client, cls=h2_cls, **cfg)
        self.l = make(LIB, client, cls=lib_cls, **cfg)
        self.bytewise = bytewise
        self.auto_check = auto_check  # check_state() after every step
        self.streams: set[int] = set()  # stream ids seen
        self.sent = b""  # everything both sent (equal by construction)

    def do(self, name: str, *args: Any, **kw: Any) -> Any:
        rh, eh = call(getattr(self.h, name), *args, **kw)
        rl, el = call(getattr(self.l, name), *args, **kw)
        assert same_exception_class(eh, el), \
            f"{name}{args}{kw}: h2 {eh!r}, libh2 {el!r}"
        if eh is None and name != "data_to_send":
            assert rl == rh, f"{name}: h2 returned {rh!r}, libh2 {rl!r}"
        sid = kw.get("stream_id", args[0] if args else None)
        if isinstance(sid, int) and name not in (
                "increment_flow_control_window", "ping",
                "acknowledge_received_data", "close_connection",
                "data_to_send") and 0 < sid < 2**31:
            self.streams.add(sid)
        if name == "push_stream":
            self.streams.add(kw["promised_stream_id"]
                             if "promised_stream_id" in kw else args[1])
        self.flush()
        if eh is not None:
            raise Expected(eh, el)
        self._auto()
        return rl

    def _auto(self) -> None:
        if self.auto_check:
            self.check_state(tuple(sorted(self.streams)))

    def try_do(self, name: str, *args: Any, **kw: Any) -> BaseException | None:
        """do(), returning the libh2 exception instead of raising."""
        try:
            self.do(name, *args, **kw)
        except Expected as e:
            return e.lib
        return None

    def flush(self) -> bytes:
        dh = self.h.data_to_send()
        dl = self.l.data_to_send()
        assert dl == dh, f"output differs:\n h2    {dh.hex()}\n libh2 {dl.hex()}"
        self.sent += dl
        return dl

    def recv(self, data: bytes) -> list:
        """Feed data (byte by byte in bytewise mode); compare events and
        exceptions; return libh2's events."""
        chunks = ([data[i:i + 1] for i in range(len(data))]
                  if self.bytewise else [data])
        evh, evl = [], []
        eh = el = None
        for ch in chunks:
            if eh is None:
                r, eh = call(self.h.receive_data, ch)
                evh += r or []
            if el is None:
                r, el = call(self.l.receive_data, ch)
                evl += r or []
        assert same_exception_class(eh, el), f"h2 {eh!r}, libh2 {el!r}"
        assert_events_match(evh, evl)
        related_links_ok(evl)
        for e in evl:
            for attr in ("stream_id", "pushed_stream_id"):
                sid = getattr(e, attr, None)
                if isinstance(sid, int) and sid:
                    self.streams.add(sid)
        self.flush()
        if eh is not None:
            raise Expected(eh, el)
        self._auto()
        return evl

    def check_state(self, stream_ids: tuple = ()) -> None:
        """Compare what an application can read: the connection state,
        the counters and windows, both Settings, and for each of
        stream_ids that h2 still knows, the stream's state and windows."""
        def same(what: str, lv: Any, hv: Any) -> None:
            assert lv == hv, f"{what}: h2 {hv!r}, libh2 {lv!r}"
        same("state", self.l.state_machine.state.name,
             self.h.state_machine.state.name)
        for p in _STATE_PROPS:
            same(p, getattr(self.l, p), getattr(self.h, p))
        same("local_settings", dict(self.l.local_settings),
             dict(self.h.local_settings))
        same("remote_settings", dict(self.l.remote_settings),
             dict(self.h.remote_settings))
        for sid in stream_ids:
            sh = self.h.streams.get(sid)
            sl = self.l.streams.get(sid)
            if sh is None:
                continue  # h2 forgot it; libh2 may still know it as closed
            assert sl is not None, f"libh2 lost stream {sid}"
            same(f"stream {sid} state", sl.state_machine.state.name,
                 sh.state_machine.state.name)
            same(f"stream {sid} open", sl.open, sh.open)
            same(f"stream {sid} closed", sl.closed, sh.closed)
            # (H2Stream's own window attributes are checked by their own
            # tests; here the connection's per-stream queries.)
            if not sh.closed:
                same(f"local_flow_control_window({sid})",
                     self.l.local_flow_control_window(sid),
                     self.h.local_flow_control_window(sid))
                same(f"remote_flow_control_window({sid})",
                     self.l.remote_flow_control_window(sid),
                     self.h.remote_flow_control_window(sid))


class Expected(Exception):
    """Both packages raised (exceptions of the same class)."""

    def __init__(self, h2_exc: BaseException, lib_exc: BaseException) -> None:
        super().__init__(f"{h2_exc!r} / {lib_exc!r}")
        self.h2 = h2_exc
        self.lib = lib_exc


class TwinPair:
    """A client Twin and a server Twin talking to each other: every output
    of one side is fed to the other side (of the same package), and both
    packages must agree at every step."""

    def __init__(self, bytewise: bool = False, client_kw: dict | None = None,
                 server_kw: dict | None = None, auto_check: bool = True,
                 h2_cls: tuple = (None, None),
                 lib_cls: tuple = (None, None)) -> None:
        self.c = Twin(True, bytewise=bytewise, auto_check=auto_check,
                      h2_cls=h2_cls[0], lib_cls=lib_cls[0],
                      **(client_kw or {}))
        self.s = Twin(False, bytewise=bytewise, auto_check=auto_check,
                      h2_cls=h2_cls[1], lib_cls=lib_cls[1],
                      **(server_kw or {}))

    def start(self) -> tuple[list, list]:
        self.c.do("initiate_connection")
        self.s.do("initiate_connection")
        return self.settle()

    def _take(self, twin: Twin) -> bytes:
        data = twin.sent
        twin.sent = b""
        return data

    def to_server(self) -> list:
        data = self._take(self.c)
        return self.s.recv(data) if data else []

    def to_client(self) -> list:
        data = self._take(self.s)
        return self.c.recv(data) if data else []

    def settle(self) -> tuple[list, list]:
        cev, sev = [], []
        for _ in range(6):
            if not self.c.sent and not self.s.sent:
                break
            sev += self.to_server()
            cev += self.to_client()
        return cev, sev
