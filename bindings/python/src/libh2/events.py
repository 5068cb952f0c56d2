"""Events: what a connection reports after processing received bytes.

The classes, attribute names, defaults, construction rules, equality and
``repr()`` strings are those of the h2 package. Two event classes are libh2
additions: :class:`PriorityUpdateReceived` and :class:`OriginReceived`.

How instances are made
----------------------
The C extension creates events without running ``__init__``: it allocates
the instance (``cls.__new__(cls)``) and sets its attributes directly. Every
public attribute below is therefore an ordinary instance attribute (no
``__slots__``, no properties), and ``__eq__`` and ``__repr__`` only read
attributes. Attributes the extension leaves unset fall back to the class
attribute holding the default (the dataclass-style classes keep their
defaults as class attributes).

Attributes of each class
------------------------
=============================== ===============================================
Class                           Attributes (default when constructed in Python)
=============================== ===============================================
RequestReceived                 stream_id (required), headers, stream_ended
                                (None), priority_updated (None)
ResponseReceived                stream_id (required), headers, stream_ended
                                (None), priority_updated (None)
TrailersReceived                stream_id (required), headers, stream_ended
                                (None), priority_updated (None)
InformationalResponseReceived   stream_id (required), headers,
                                priority_updated (None)
DataReceived                    stream_id (required), data,
                                flow_controlled_length, stream_ended (None)
WindowUpdated                   stream_id (required), delta
RemoteSettingsChanged           changed_settings ({})
PingReceived                    ping_data (required)
PingAckReceived                 ping_data (required)
StreamEnded                     stream_id (required)
StreamReset                     stream_id (required), error_code, remote_reset
                                (True)
PushedStreamReceived            pushed_stream_id (None), parent_stream_id
                                (None), headers (None)
SettingsAcknowledged            changed_settings ({})
PriorityUpdated                 stream_id, weight, depends_on, exclusive (all
                                None)
ConnectionTerminated            error_code, last_stream_id, additional_data
                                (all None)
AlternativeServiceAvailable     origin (None), field_value (None)
UnknownFrameReceived            frame (required): an :class:`UnknownFrame`
PriorityUpdateReceived          stream_id (required), priority_field_value
                                (b"")
OriginReceived                  origins ([])
=============================== ===============================================

Where no default is shown, ``headers``, ``data``,
``flow_controlled_length``, ``delta`` and ``StreamReset.error_code`` default
to a private placeholder (as in h2): events produced by a connection always
have them set.

The classes with a "required" attribute, plus :class:`PriorityUpdateReceived`
and :class:`OriginReceived`, are dataclasses taking keyword arguments only
and comparing equal when their attributes are. The others take no arguments
and compare by identity, as in h2.

``UnknownFrameReceived.frame`` is an :class:`UnknownFrame` with the
attributes ``type``, ``flags`` (the raw flag byte), ``stream_id`` and
``body`` (bytes). In h2 it is a hyperframe ``ExtensionFrame``; the
attributes code usually reads from that one (``type``, ``stream_id``,
``body``, ``flag_byte``, ``body_len``, ``serialize()``) are available too.
"""
from __future__ import annotations

import binascii
import dataclasses
import inspect
import sys
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from .settings import ChangedSetting, SettingCodes, Settings, _setting_code_from_int

if TYPE_CHECKING:  # pragma: no cover
    from hpack.struct import Header

    from .errors import ErrorCodes


class _Unset:
    """Type of the placeholder held by attributes that were never given."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unset>"

    def __reduce__(self) -> str:
        return "_LAZY_INIT"


#: Placeholder for attributes a connection always fills in but that a
#: hand-built event may lack. Never seen on events produced by libh2.
_LAZY_INIT: Any = _Unset()

_T = TypeVar("_T")


def _event_dataclass(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a dataclass whose constructor takes keywords only.

    Python 3.10 and later do this natively. On 3.9 the class is made a
    regular dataclass (every h2 event lists its required attributes first,
    so that works) and its ``__init__`` is wrapped to refuse positional
    arguments, with a signature that shows them as keyword-only.
    """
    if sys.version_info >= (3, 10):
        return dataclasses.dataclass(kw_only=True)(cls)  # type: ignore[call-overload,no-any-return]
    made = dataclasses.dataclass(cls)
    positional_init: Callable[..., None] = made.__init__  # type: ignore[misc]

    def __init__(self: Any, **kwargs: Any) -> None:
        positional_init(self, **kwargs)

    signature = inspect.signature(positional_init)
    params = list(signature.parameters.values())
    __init__.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[params[0]] + [p.replace(kind=p.KEYWORD_ONLY) for p in params[1:]],
    )
    __init__.__qualname__ = f"{made.__qualname__}.__init__"
    __init__.__doc__ = positional_init.__doc__
    made.__init__ = __init__  # type: ignore[misc]
    return made


def _hex(data: bytes | None) -> str | None:
    """Printable form of binary data in reprs: lowercase hex, or None."""
    if data is None:
        return None
    return binascii.hexlify(data).decode("ascii")


def _text(data: bytes | None) -> str:
    """Printable form of an ASCII field in reprs (undecodable bytes dropped)."""
    return (data or b"").decode("utf-8", "ignore")


class Event:
    """Base class of every event."""


@_event_dataclass
class RequestReceived(Event):
    """A complete request header block arrived, opening a stream.

    Fired once the whole block (HEADERS and any CONTINUATION frames) is in.
    """

    #: The stream the request opened.
    stream_id: int
    #: The request's header fields.
    headers: list[Header] = _LAZY_INIT
    #: The :class:`StreamEnded` event, if the block also ended the stream.
    stream_ended: StreamEnded | None = None
    #: The :class:`PriorityUpdated` event, if the block carried priority.
    priority_updated: PriorityUpdated | None = None

    def __repr__(self) -> str:
        return f"<RequestReceived stream_id:{self.stream_id}, headers:{self.headers}>"


@_event_dataclass
class ResponseReceived(Event):
    """A complete (final) response header block arrived."""

    #: The stream the response belongs to.
    stream_id: int
    #: The response's header fields.
    headers: list[Header] = _LAZY_INIT
    #: The :class:`StreamEnded` event, if the block also ended the stream.
    stream_ended: StreamEnded | None = None
    #: The :class:`PriorityUpdated` event, if the block carried priority.
    priority_updated: PriorityUpdated | None = None

    def __repr__(self) -> str:
        return f"<ResponseReceived stream_id:{self.stream_id}, headers:{self.headers}>"


@_event_dataclass
class TrailersReceived(Event):
    """A trailer header block (fields sent after the body) arrived."""

    #: The stream the trailers belong to.
    stream_id: int
    #: The trailer fields.
    headers: list[Header] = _LAZY_INIT
    #: The :class:`StreamEnded` event: trailers always end their stream.
    stream_ended: StreamEnded | None = None
    #: The :class:`PriorityUpdated` event, if the block carried priority.
    priority_updated: PriorityUpdated | None = None

    def __repr__(self) -> str:
        return f"<TrailersReceived stream_id:{self.stream_id}, headers:{self.headers}>"


@_event_dataclass
class InformationalResponseReceived(Event):
    """An interim (1xx) response arrived, e.g. ``100 Continue``.

    Any number of these may precede the final response.
    """

    #: The stream the interim response belongs to.
    stream_id: int
    #: Its header fields.
    headers: list[Header] = _LAZY_INIT
    #: The :class:`PriorityUpdated` event, if the block carried priority.
    priority_updated: PriorityUpdated | None = None

    def __repr__(self) -> str:
        return f"<InformationalResponseReceived stream_id:{self.stream_id}, headers:{self.headers}>"


@_event_dataclass
class DataReceived(Event):
    """A DATA frame's payload arrived on a stream."""

    #: The stream the data belongs to.
    stream_id: int
    #: The payload, without padding.
    data: bytes = _LAZY_INIT
    #: What the frame cost in flow-control window: the payload plus any
    #: padding. Hand this number (not ``len(data)``) back when
    #: acknowledging received data.
    flow_controlled_length: int = _LAZY_INIT
    #: The :class:`StreamEnded` event, if the frame also ended the stream.
    stream_ended: StreamEnded | None = None

    def __repr__(self) -> str:
        shown = _hex(self.data[:20]) if self.data else ""
        return (
            f"<DataReceived stream_id:{self.stream_id}, "
            f"flow_controlled_length:{self.flow_controlled_length}, "
            f"data:{shown}>"
        )


@_event_dataclass
class WindowUpdated(Event):
    """The peer enlarged a flow-control window (a WINDOW_UPDATE frame)."""

    #: The stream whose window grew, or 0 for the connection's window.
    stream_id: int
    #: By how much the window grew.
    delta: int = _LAZY_INIT

    def __repr__(self) -> str:
        return f"<WindowUpdated stream_id:{self.stream_id}, delta:{self.delta}>"


class RemoteSettingsChanged(Event):
    """The peer sent new settings, which have been acknowledged already.

    If a new value is unacceptable, close the connection with
    ``PROTOCOL_ERROR``.
    """

    def __init__(self) -> None:
        #: ``{setting: ChangedSetting}`` for every setting the frame carried.
        self.changed_settings: dict[int, ChangedSetting] = {}

    @classmethod
    def from_settings(
        cls,
        old_settings: Settings | dict[int, int],
        new_settings: dict[int, int],
    ) -> RemoteSettingsChanged:
        """Build the event from the settings before and the values received.

        :param old_settings: every setting's previous value, as a mapping.
        :param new_settings: ``{setting: new value}`` for each setting
            received.
        """
        event = cls()
        for setting, new_value in new_settings.items():
            key = _setting_code_from_int(setting)
            event.changed_settings[key] = ChangedSetting(
                key, old_settings.get(key), new_value,
            )
        return event

    def __repr__(self) -> str:
        inner = ", ".join(repr(change) for change in self.changed_settings.values())
        return f"<RemoteSettingsChanged changed_settings:{{{inner}}}>"


@_event_dataclass
class PingReceived(Event):
    """A PING arrived; its acknowledgement has been queued already."""

    #: The 8 bytes of opaque data the PING carried.
    ping_data: bytes

    def __repr__(self) -> str:
        return f"<PingReceived ping_data:{_hex(self.ping_data)}>"


@_event_dataclass
class PingAckReceived(Event):
    """The acknowledgement of a PING sent by this side arrived."""

    #: The 8 bytes of opaque data, the same as in the PING sent.
    ping_data: bytes

    def __repr__(self) -> str:
        return f"<PingAckReceived ping_data:{_hex(self.ping_data)}>"


@_event_dataclass
class StreamEnded(Event):
    """The peer finished sending on a stream.

    Nothing more will arrive on it; it closes fully once this side has
    finished sending too.
    """

    #: The stream the peer finished.
    stream_id: int

    def __repr__(self) -> str:
        return f"<StreamEnded stream_id:{self.stream_id}>"


@_event_dataclass
class StreamReset(Event):
    """A stream was reset.

    Either the peer sent RST_STREAM, or the peer made an error confined to
    this stream and this side reset it (``remote_reset`` tells which).
    """

    #: The stream that was reset.
    stream_id: int
    #: The error code of the reset.
    error_code: ErrorCodes | int = _LAZY_INIT
    #: ``True`` if the peer reset the stream, ``False`` if this side did.
    remote_reset: bool = True

    def __repr__(self) -> str:
        return (
            f"<StreamReset stream_id:{self.stream_id}, "
            f"error_code:{self.error_code!s}, "
            f"remote_reset:{self.remote_reset}>"
        )


class PushedStreamReceived(Event):
    """The server promised a pushed stream (a PUSH_PROMISE frame)."""

    def __init__(self) -> None:
        #: The stream the server reserved for the push.
        self.pushed_stream_id: int | None = None
        #: The stream the promise was sent on.
        self.parent_stream_id: int | None = None
        #: The header fields of the request the server pretends was made.
        self.headers: list[Header] | None = None

    def __repr__(self) -> str:
        return (
            f"<PushedStreamReceived pushed_stream_id:{self.pushed_stream_id}, "
            f"parent_stream_id:{self.parent_stream_id}, "
            f"headers:{self.headers}>"
        )


class SettingsAcknowledged(Event):
    """The peer acknowledged settings sent by this side, now in effect."""

    def __init__(self) -> None:
        #: ``{setting: ChangedSetting}`` for every setting now applied.
        self.changed_settings: dict[SettingCodes | int, ChangedSetting] = {}

    def __repr__(self) -> str:
        inner = ", ".join(repr(change) for change in self.changed_settings.values())
        return f"<SettingsAcknowledged changed_settings:{{{inner}}}>"


class PriorityUpdated(Event):
    """The peer gave a stream new RFC 7540 priority information.

    Comes from a PRIORITY frame or from a HEADERS frame carrying priority.
    Advisory only: nothing has to be done about it.
    """

    def __init__(self) -> None:
        #: The stream whose priority changed.
        self.stream_id: int | None = None
        #: Its weight, 1 to 256.
        self.weight: int | None = None
        #: The stream it now depends on (0: none).
        self.depends_on: int | None = None
        #: Whether it became the only child of ``depends_on``, adopting that
        #: stream's other children.
        self.exclusive: bool | None = None

    def __repr__(self) -> str:
        return (
            f"<PriorityUpdated stream_id:{self.stream_id}, weight:{self.weight}, "
            f"depends_on:{self.depends_on}, exclusive:{self.exclusive}>"
        )


class ConnectionTerminated(Event):
    """The peer sent GOAWAY: no new streams may be started on the connection."""

    def __init__(self) -> None:
        #: The error code of the GOAWAY (an int if not a registered code).
        self.error_code: ErrorCodes | int | None = None
        #: The highest stream the peer processed or may still process;
        #: requests on later streams were not handled and may be retried.
        self.last_stream_id: int | None = None
        #: The GOAWAY's debug data, or ``None`` if it had none.
        self.additional_data: bytes | None = None

    def __repr__(self) -> str:
        shown = _hex(self.additional_data[:20] if self.additional_data else None)
        return (
            f"<ConnectionTerminated error_code:{self.error_code!s}, "
            f"last_stream_id:{self.last_stream_id}, "
            f"additional_data:{shown}>"
        )


class AlternativeServiceAvailable(Event):
    """The server advertised an alternative service (RFC 7838 ALTSVC frame).

    Only a client receives this.
    """

    def __init__(self) -> None:
        #: The origin the advertisement applies to: from the frame itself, or,
        #: for a frame received on a stream, the ``:authority`` of that
        #: stream's request.
        self.origin: bytes | None = None
        #: The Alt-Svc field value, exactly as received (RFC 7838 section 3).
        self.field_value: bytes | None = None

    def __repr__(self) -> str:
        return (
            f"<AlternativeServiceAvailable origin:{_text(self.origin)}, "
            f"field_value:{_text(self.field_value)}>"
        )


class UnknownFrame:
    """A received frame of a type the engine does not handle.

    :param type: the frame type, 0 to 255.
    :param flags: the raw flags byte.
    :param stream_id: the stream identifier in the frame header.
    :param body: the payload.

    Stands in for hyperframe's ``ExtensionFrame`` (what h2 reports): the
    ``flag_byte`` and ``body_len`` properties and :meth:`serialize` are the
    names that class offers. Unlike there, ``flags`` is the plain int.
    """

    def __init__(self, type: int, flags: int, stream_id: int, body: bytes) -> None:  # noqa: A002
        #: The frame type.
        self.type = type
        #: The raw flags byte.
        self.flags = flags
        #: The stream identifier.
        self.stream_id = stream_id
        #: The payload.
        self.body = body

    @property
    def flag_byte(self) -> int:
        """The raw flags byte (hyperframe's name for it)."""
        return self.flags

    @property
    def body_len(self) -> int:
        """Length of the payload."""
        return len(self.body)

    def serialize(self) -> bytes:
        """The frame as it was on the wire: 9-octet header, then payload."""
        length = len(self.body)
        header = (
            length.to_bytes(3, "big")
            + bytes((self.type & 0xFF, self.flags & 0xFF))
            + (self.stream_id & 0x7FFFFFFF).to_bytes(4, "big")
        )
        return header + bytes(self.body)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnknownFrame):
            return NotImplemented
        return (self.type, self.flags, self.stream_id, self.body) == (
            other.type, other.flags, other.stream_id, other.body,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = _hex(bytes(self.body[:20])) if self.body else ""
        return (
            f"UnknownFrame(type={self.type}, flags={self.flags}, "
            f"stream_id={self.stream_id}, body={shown})"
        )


@_event_dataclass
class UnknownFrameReceived(Event):
    """A frame of an unknown type arrived (and was otherwise ignored).

    RFC 9113 has unknown frame types ignored; the event lets an application
    that implements an extension handle them.
    """

    #: The frame, an :class:`UnknownFrame`.
    frame: UnknownFrame

    def __repr__(self) -> str:
        return "<UnknownFrameReceived>"


# ---- libh2 additions ---------------------------------------------------------


@_event_dataclass
class PriorityUpdateReceived(Event):
    """The client sent an RFC 9218 PRIORITY_UPDATE frame. libh2 only.

    Only a server receives this.
    """

    #: The stream being prioritized (not 0, on which the frame travels).
    stream_id: int
    #: The Priority Field Value, e.g. ``b"u=1, i"`` (RFC 9218 section 4).
    priority_field_value: bytes = b""

    def __repr__(self) -> str:
        return (
            f"<PriorityUpdateReceived stream_id:{self.stream_id}, "
            f"priority_field_value:{_text(self.priority_field_value)}>"
        )


@_event_dataclass
class OriginReceived(Event):
    """The server sent an RFC 8336 ORIGIN frame. libh2 only.

    Only a client receives this.
    """

    #: The origins listed, in order, e.g. ``[b"https://example.com"]``.
    origins: list[bytes] = dataclasses.field(default_factory=list)

    def __repr__(self) -> str:
        return f"<OriginReceived origins:{self.origins}>"


def _origins_from_payload(payload: bytes) -> list[bytes]:
    """Split an ORIGIN frame's payload into its origins.

    The payload is a sequence of entries, each a 16-bit length followed by
    that many octets (RFC 8336 section 2). A truncated final entry is
    dropped.
    """
    view = memoryview(payload)
    origins: list[bytes] = []
    pos = 0
    while pos + 2 <= len(view):
        length = int.from_bytes(view[pos:pos + 2], "big")
        pos += 2
        if pos + length > len(view):
            break
        origins.append(bytes(view[pos:pos + length]))
        pos += length
    return origins
