"""
libh2.connection
~~~~~~~~~~~~~~~~

The HTTP/2 connection object, with the API of ``h2.connection``.

:class:`H2Connection` is an ordinary Python class (subclass it, override its
methods, replace its ``local_settings`` before ``initiate_connection()``)
whose work is done by the C engine: every action is one call into the
extension, and ``receive_data()`` parses, validates and builds all its events
in one call.
"""
from __future__ import annotations

import base64
import importlib
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any

from hpack import HeaderTuple, NeverIndexedHeaderTuple

from . import events as _events
from .config import DummyLogger, H2Configuration
from .errors import ErrorCodes, _error_code_from_int
from .exceptions import (
    _bind_status_codes,
    _exception_for_status,
    NoSuchStreamError,
    ProtocolError,
    RFC1122Error,
    StreamIDTooLowError,
)
from .settings import (
    ChangedSetting,
    SettingCodes,
    Settings,
    _changed_settings_dict,
    _setting_code_from_int,
)
from .stream import H2Stream, StreamState

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Iterator

_c = importlib.import_module(".__libh2", __package__)
_bind_status_codes(_c)

__all__ = [
    "ConnectionState",
    "ConnectionInputs",
    "AllowedStreamIDs",
    "H2ConnectionStateMachine",
    "H2Connection",
]


class ConnectionState(Enum):
    """The states of a connection, as h2 names them."""

    IDLE = 0
    CLIENT_OPEN = 1
    SERVER_OPEN = 2
    CLOSED = 3


class ConnectionInputs(Enum):
    """The inputs of h2's connection state machine (kept for imports; the
    engine's state machine is in C)."""

    SEND_HEADERS = 0
    SEND_PUSH_PROMISE = 1
    SEND_DATA = 2
    SEND_GOAWAY = 3
    SEND_WINDOW_UPDATE = 4
    SEND_PING = 5
    SEND_SETTINGS = 6
    SEND_RST_STREAM = 7
    SEND_PRIORITY = 8
    RECV_HEADERS = 9
    RECV_PUSH_PROMISE = 10
    RECV_DATA = 11
    RECV_GOAWAY = 12
    RECV_WINDOW_UPDATE = 13
    RECV_PING = 14
    RECV_SETTINGS = 15
    RECV_RST_STREAM = 16
    RECV_PRIORITY = 17
    SEND_ALTERNATIVE_SERVICE = 18
    RECV_ALTERNATIVE_SERVICE = 19


class AllowedStreamIDs(IntEnum):
    """Which parity of stream id a side opens."""

    EVEN = 0
    ODD = 1


_STATE_BY_CODE = {
    _c.H2_CONN_IDLE: ConnectionState.IDLE,
    _c.H2_CONN_CLIENT_OPEN: ConnectionState.CLIENT_OPEN,
    _c.H2_CONN_SERVER_OPEN: ConnectionState.SERVER_OPEN,
    _c.H2_CONN_CLOSED: ConnectionState.CLOSED,
}


class H2ConnectionStateMachine:
    """A view of the engine's connection state.

    ``state`` reads the state of the C connection; it is what h2's
    ``H2Connection.state_machine.state`` holds.
    """

    def __init__(self, connection: H2Connection | None = None) -> None:
        self._connection = connection

    @property
    def state(self) -> ConnectionState:
        conn = self._connection
        if conn is None:
            return ConnectionState.IDLE
        return _STATE_BY_CODE[_c.h2_conn_state(conn._c)]

    def process_input(self, input_: ConnectionInputs) -> list[Any]:
        """Not supported: the engine drives its own state machine."""
        msg = "the connection state machine is driven by the engine"
        raise NotImplementedError(msg)


# ---- event construction (called from C) ------------------------------------

_c.setup({
    "events": {
        _c.H2_EV_REQUEST_RECEIVED: _events.RequestReceived,
        _c.H2_EV_RESPONSE_RECEIVED: _events.ResponseReceived,
        _c.H2_EV_TRAILERS_RECEIVED: _events.TrailersReceived,
        _c.H2_EV_INFORMATIONAL_RESPONSE_RECEIVED:
            _events.InformationalResponseReceived,
        _c.H2_EV_DATA_RECEIVED: _events.DataReceived,
        _c.H2_EV_WINDOW_UPDATED: _events.WindowUpdated,
        _c.H2_EV_REMOTE_SETTINGS_CHANGED: _events.RemoteSettingsChanged,
        _c.H2_EV_SETTINGS_ACKNOWLEDGED: _events.SettingsAcknowledged,
        _c.H2_EV_PING_RECEIVED: _events.PingReceived,
        _c.H2_EV_PING_ACK_RECEIVED: _events.PingAckReceived,
        _c.H2_EV_STREAM_ENDED: _events.StreamEnded,
        _c.H2_EV_STREAM_RESET: _events.StreamReset,
        _c.H2_EV_PUSHED_STREAM_RECEIVED: _events.PushedStreamReceived,
        _c.H2_EV_PRIORITY_UPDATED: _events.PriorityUpdated,
        _c.H2_EV_CONNECTION_TERMINATED: _events.ConnectionTerminated,
        _c.H2_EV_ALTERNATIVE_SERVICE_AVAILABLE:
            _events.AlternativeServiceAvailable,
        _c.H2_EV_UNKNOWN_FRAME_RECEIVED: _events.UnknownFrameReceived,
        _c.H2_EV_PRIORITY_UPDATE_RECEIVED: _events.PriorityUpdateReceived,
        _c.H2_EV_ORIGIN_RECEIVED: _events.OriginReceived,
    },
    "header_tuple": HeaderTuple,
    "never_indexed": NeverIndexedHeaderTuple,
    "exception_for_status": _exception_for_status,
    "changed_settings": _changed_settings_dict,
    "error_code": _error_code_from_int,
    "unknown_frame": _events.UnknownFrame,  # (type, flags, stream_id, body)
    "origins": _events._origins_from_payload,
})

_receive = _c.receive
_take = _c.take
_send_data = _c.send_data
_send_headers = _c.h2_conn_send_headers
_ack_data = _c.h2_conn_acknowledge_received_data
_local_window = _c.h2_conn_local_flow_control_window
_remote_window = _c.h2_conn_remote_flow_control_window
_END_STREAM = _c.H2_SEND_END_STREAM
_PADDED = _c.H2_SEND_PADDED
_BATCH_SETTINGS = 0x1

# H2Configuration attribute -> (engine option, conversion)
_BOOL_OPTIONS = (
    ("validate_outbound_headers", _c.H2_OPT_VALIDATE_OUTBOUND_HEADERS),
    ("normalize_outbound_headers", _c.H2_OPT_NORMALIZE_OUTBOUND_HEADERS),
    ("split_outbound_cookies", _c.H2_OPT_SPLIT_OUTBOUND_COOKIES),
    ("validate_inbound_headers", _c.H2_OPT_VALIDATE_INBOUND_HEADERS),
    ("normalize_inbound_headers", _c.H2_OPT_NORMALIZE_INBOUND_HEADERS),
    ("strict_preface", _c.H2_OPT_STRICT_PREFACE),
)
_LIMIT_OPTIONS = (
    ("max_header_list_size", _c.H2_OPT_MAX_HEADER_LIST_SIZE),
    ("max_field_size", _c.H2_OPT_MAX_FIELD_SIZE),
    ("max_continuation_frames", _c.H2_OPT_MAX_CONTINUATION_FRAMES),
    ("max_settings_entries", _c.H2_OPT_MAX_SETTINGS_ENTRIES),
    ("max_queued_acks", _c.H2_OPT_MAX_QUEUED_ACKS),
    ("max_queued_control", _c.H2_OPT_MAX_QUEUED_CONTROL),
    ("rst_rate_burst", _c.H2_OPT_RST_RATE_BURST),
    ("rst_rate_per_sec", _c.H2_OPT_RST_RATE_PER_SEC),
    ("glitch_rate_burst", _c.H2_OPT_GLITCH_RATE_BURST),
    ("glitch_rate_per_sec", _c.H2_OPT_GLITCH_RATE_PER_SEC),
    ("max_reserved_streams", _c.H2_OPT_MAX_RESERVED_STREAMS),
    ("max_closed_streams", _c.H2_OPT_MAX_CLOSED_STREAMS),
    ("trace_frames", _c.H2_OPT_TRACE_FRAMES),
)
_POLICIES = {
    "h2": _c.H2_HPACK_POLICY_H2COMPAT,
    "compact": _c.H2_HPACK_POLICY_COMPACT,
}
_FRAME_NAMES = {
    0x0: "DATA", 0x1: "HEADERS", 0x2: "PRIORITY", 0x3: "RST_STREAM",
    0x4: "SETTINGS", 0x5: "PUSH_PROMISE", 0x6: "PING", 0x7: "GOAWAY",
    0x8: "WINDOW_UPDATE", 0x9: "CONTINUATION", 0xA: "ALTSVC", 0xC: "ORIGIN",
    0x10: "PRIORITY_UPDATE",
}


def _engine_options(config: H2Configuration, tracing: bool) -> list:
    opts = [(_c.H2_OPT_HPACK_POLICY,
             _POLICIES[getattr(config, "hpack_policy", "h2")])]
    for attr, opt in _BOOL_OPTIONS:
        opts.append((opt, 1 if getattr(config, attr) else 0))
    opts.append((_c.H2_OPT_MALFORMED_CONN_ERROR,
                 0 if getattr(config, "malformed_stream_error", False) else 1))
    for attr, opt in _LIMIT_OPTIONS:
        value = getattr(config, attr, None)
        if value is not None:
            opts.append((opt, int(value)))
    if tracing and not getattr(config, "trace_frames", 0):
        opts.append((_c.H2_OPT_TRACE_FRAMES, 1024))
    return opts


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    msg = f"expected bytes or str, not {type(value).__name__}"
    raise TypeError(msg)


class _StreamsView:
    """``H2Connection.streams``: the streams the engine knows, by id.

    Mapping-like: ``streams[id]``, ``id in streams``, ``streams.get(id)``,
    iteration over the ids of streams that are not closed.
    """

    __slots__ = ("_connection", "_cache")

    def __init__(self, connection: H2Connection) -> None:
        self._connection = connection
        self._cache: dict[int, H2Stream] = {}

    def _state(self, stream_id: int) -> int:
        if not isinstance(stream_id, int) or not 0 < stream_id < 2**31:
            return _c.H2_STREAM_STATE_IDLE
        return _c.h2_conn_stream_state(self._connection._c, stream_id)

    def __getitem__(self, stream_id: int) -> H2Stream:
        state = self._state(stream_id)
        if state == _c.H2_STREAM_STATE_IDLE:
            raise KeyError(stream_id)
        stream = self._cache.get(stream_id)
        if stream is None:
            if len(self._cache) > 256:
                self._prune()
            stream = H2Stream(stream_id, self._connection)
            self._cache[stream_id] = stream
        return stream

    def _prune(self) -> None:
        for sid in list(self._cache):
            if self._state(sid) in (_c.H2_STREAM_STATE_IDLE,
                                    _c.H2_STREAM_STATE_CLOSED):
                del self._cache[sid]

    def get(self, stream_id: int, default: Any = None) -> Any:
        try:
            return self[stream_id]
        except KeyError:
            return default

    def __contains__(self, stream_id: object) -> bool:
        return (isinstance(stream_id, int) and
                self._state(stream_id) != _c.H2_STREAM_STATE_IDLE)

    def _candidates(self) -> Iterator[int]:
        conn = self._connection
        cfg = conn.config
        horizon = 2 * (int(getattr(cfg, "max_closed_streams", 1000) or 0) +
                       conn.local_settings.max_concurrent_streams + 256)
        highest_in = _c.h2_conn_highest_inbound_stream_id(conn._c)
        highest_out = conn.highest_outbound_stream_id
        for top in (highest_in, highest_out):
            low = max(1 if top % 2 else 2, top - horizon)
            yield from range(low, top + 1, 2)

    def __iter__(self) -> Iterator[int]:
        ids = sorted(set(self._candidates()))
        for sid in ids:
            state = self._state(sid)
            if state not in (_c.H2_STREAM_STATE_IDLE,
                             _c.H2_STREAM_STATE_CLOSED):
                yield sid

    def keys(self) -> list[int]:
        return list(self)

    def values(self) -> list[H2Stream]:
        return [self[sid] for sid in self]

    def items(self) -> list[tuple[int, H2Stream]]:
        return [(sid, self[sid]) for sid in self]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<streams {self.keys()!r}>"


class H2Connection:
    """
    An HTTP/2 connection, client or server side, as h2's ``H2Connection``.

    Bytes received go in with :meth:`receive_data`, which returns the
    events they produced; actions queue frames, and :meth:`data_to_send`
    returns the bytes to write. Nothing here does I/O.

    :param config: the configuration; by default a client with h2's
        defaults.
    """

    DEFAULT_MAX_OUTBOUND_FRAME_SIZE = 65535
    DEFAULT_MAX_INBOUND_FRAME_SIZE = 2**24
    HIGHEST_ALLOWED_STREAM_ID = 2**31 - 1
    MAX_WINDOW_INCREMENT = 2**31 - 1
    DEFAULT_MAX_HEADER_LIST_SIZE = 2**16
    MAX_CLOSED_STREAMS = 2**16

    def __init__(self, config: H2Configuration | None = None) -> None:
        self.config = config or H2Configuration(client_side=True)
        self.local_settings = Settings(
            client=self.config.client_side,
            initial_values={
                SettingCodes.MAX_CONCURRENT_STREAMS: 100,
                SettingCodes.MAX_HEADER_LIST_SIZE: getattr(
                    self.config, "max_header_list_size",
                    self.DEFAULT_MAX_HEADER_LIST_SIZE),
            },
        )
        self.remote_settings = Settings(client=not self.config.client_side)
        self.state_machine = H2ConnectionStateMachine(self)
        self.streams = _StreamsView(self)
        self._tracing = not isinstance(self.config.logger, DummyLogger)
        self._started = False
        self._build()

    # ---- the engine ----------------------------------------------------

    def _build(self) -> None:
        cfg = self.config
        side = _c.H2_SIDE_CLIENT if cfg.client_side else _c.H2_SIDE_SERVER
        settings = [(int(k), int(v)) for k, v in self.local_settings.items()]
        self._c = _c.conn_new(side, _engine_options(cfg, self._tracing),
                              settings)
        self._built_with = (self.local_settings, dict(self.local_settings),
                            self._config_snapshot())

    def _config_snapshot(self) -> tuple:
        cfg = self.config
        return (cfg.client_side,
                tuple(getattr(cfg, a) for a, _ in _BOOL_OPTIONS),
                getattr(cfg, "malformed_stream_error", False),
                tuple(getattr(cfg, a, None) for a, _ in _LIMIT_OPTIONS),
                getattr(cfg, "hpack_policy", "h2"))

    def _rebuild_if_changed(self) -> None:
        """Before the connection starts, the application may replace
        ``local_settings`` or change ``config``: apply that."""
        if self._started:
            return
        self._started = True
        obj, values, snap = self._built_with
        self._tracing = not isinstance(self.config.logger, DummyLogger)
        if (obj is not self.local_settings or
                values != dict(self.local_settings) or
                snap != self._config_snapshot() or self._tracing):
            self._build()

    def _log_frames(self) -> None:
        logger = self.config.logger
        for outbound, ftype, flags, sid, length in _c.next_traces(self._c):
            logger.debug(
                "%s %s frame: stream %d, flags 0x%02x, length %d",
                "Send" if outbound else "Received",
                _FRAME_NAMES.get(ftype, f"0x{ftype:02x}"), sid, flags, length,
            )

    # ---- properties ----------------------------------------------------

    @property
    def open_outbound_streams(self) -> int:
        """The number of open streams this side opened."""
        return _c.h2_conn_open_outbound_streams(self._c)

    @property
    def open_inbound_streams(self) -> int:
        """The number of open streams the peer opened."""
        return _c.h2_conn_open_inbound_streams(self._c)

    @property
    def inbound_flow_control_window(self) -> int:
        """How much DATA the peer may still send on the connection."""
        return _remote_window(self._c, 0)

    @property
    def outbound_flow_control_window(self) -> int:
        """How much DATA this side may still send on the connection."""
        return _local_window(self._c, 0)

    @property
    def max_outbound_frame_size(self) -> int:
        """The largest frame payload the peer accepts."""
        return _c.h2_conn_max_outbound_frame_size(self._c)

    @property
    def max_inbound_frame_size(self) -> int:
        """The largest frame payload this side accepts."""
        return _c.h2_conn_max_inbound_frame_size(self._c)

    @property
    def highest_inbound_stream_id(self) -> int:
        """The highest stream id the peer has opened."""
        return _c.h2_conn_highest_inbound_stream_id(self._c)

    @property
    def highest_outbound_stream_id(self) -> int:
        """The highest stream id this side has opened."""
        first = 1 if self.config.client_side else 2
        try:
            nxt = _c.h2_conn_get_next_available_stream_id(self._c)
        except ProtocolError:
            return self.HIGHEST_ALLOWED_STREAM_ID - (
                0 if self.config.client_side else 1)
        return 0 if nxt <= first else nxt - 2

    # ---- actions -------------------------------------------------------

    def initiate_connection(self) -> None:
        """Queue the connection preface (client) and the initial SETTINGS
        made of ``local_settings``. Call once, on both sides."""
        self._rebuild_if_changed()
        _c.h2_conn_initiate(self._c)
        if self._tracing:
            self.config.logger.debug("Initializing connection")

    def initiate_upgrade_connection(self,
                                    settings_header: bytes | None = None,
                                    ) -> bytes | None:
        """Start a connection upgraded from HTTP/1.1 (``Upgrade: h2c``).

        A client calls it without argument and gets the value of its
        ``HTTP2-Settings`` header; stream 1 is then the upgraded request. A
        server passes the client's ``HTTP2-Settings`` value and gets None.
        """
        self._rebuild_if_changed()
        if settings_header is not None:
            settings_header = _to_bytes(settings_header)
        if self.config.client_side and settings_header is not None:
            # h2 ignores the argument on the client side.
            settings_header = None
        result = _c.initiate_upgrade(self._c, settings_header)
        if settings_header is not None:
            # The engine applied the client's settings; mirror them in
            # remote_settings as h2 does.
            remote = self.remote_settings
            for code, value in _decode_settings_header(settings_header):
                remote[_setting_code_from_int(code)] = value
            remote.acknowledge()
        return result

    def get_next_available_stream_id(self) -> int:
        """The lowest stream id this side may open next. Raises
        NoAvailableStreamIDError when the ids are used up."""
        return _c.h2_conn_get_next_available_stream_id(self._c)

    def send_headers(self,
                     stream_id: int,
                     headers: Iterable[Any],
                     end_stream: bool = False,
                     priority_weight: int | None = None,
                     priority_depends_on: int | None = None,
                     priority_exclusive: bool | None = None) -> None:
        """Send a request, a response, informational headers or trailers
        on ``stream_id``, as the stream's state makes them."""
        self._started = True
        if (priority_weight is None and priority_depends_on is None and
                priority_exclusive is None):
            pri = None
        else:
            if not self.config.client_side:
                msg = "Servers SHOULD NOT prioritize streams."
                raise RFC1122Error(msg)
            pri = _priority(stream_id, priority_weight, priority_depends_on,
                            priority_exclusive)
        if not isinstance(headers, (list, tuple)):
            headers = list(headers)
        try:
            _send_headers(self._c, stream_id, headers,
                          _END_STREAM if end_stream else 0, pri)
        except ValueError:
            if stream_id == 0:
                # h2: stream 0 is lower than any stream id.
                raise StreamIDTooLowError(
                    0, self.highest_outbound_stream_id) from None
            raise
        if self._tracing:
            self._log_frames()

    def send_data(self,
                  stream_id: int,
                  data: bytes | memoryview,
                  end_stream: bool = False,
                  pad_length: Any = None) -> None:
        """Send one DATA frame; more than the flow-control window or the
        maximum frame size allows raises FlowControlError /
        FrameTooLargeError."""
        if pad_length is None:
            _send_data(self._c, stream_id, data,
                       _END_STREAM if end_stream else 0, 0)
        else:
            if not isinstance(pad_length, int):
                msg = "pad_length must be an int"
                raise TypeError(msg)
            if pad_length < 0 or pad_length > 255:
                msg = "pad_length must be within range: [0, 255]"
                raise ValueError(msg)
            # pad_length=0 still sets PADDED (a zero Pad Length), as h2.
            _send_data(self._c, stream_id, data,
                       (_END_STREAM if end_stream else 0) | _PADDED,
                       pad_length)
        if self._tracing:
            self._log_frames()

    def end_stream(self, stream_id: int) -> None:
        """Send an empty DATA frame with END_STREAM."""
        _c.h2_conn_end_stream(self._c, stream_id)

    def increment_flow_control_window(self, increment: int,
                                      stream_id: int | None = None) -> None:
        """Send WINDOW_UPDATE on ``stream_id`` (the connection if None)."""
        if not 1 <= increment <= self.MAX_WINDOW_INCREMENT:
            msg = ("Flow control increment must be between 1 and "
                   f"{self.MAX_WINDOW_INCREMENT}")
            raise ValueError(msg)
        _c.h2_conn_increment_flow_control_window(
            self._c, 0 if stream_id is None else stream_id, increment)

    def push_stream(self,
                    stream_id: int,
                    promised_stream_id: int,
                    request_headers: Iterable[Any]) -> None:
        """Server: promise ``promised_stream_id`` on ``stream_id``."""
        if not isinstance(request_headers, (list, tuple)):
            request_headers = list(request_headers)
        _c.h2_conn_push_stream(self._c, stream_id, promised_stream_id,
                               request_headers)

    def ping(self, opaque_data: bytes | str) -> None:
        """Send PING with 8 bytes of opaque data."""
        if not isinstance(opaque_data, bytes) or len(opaque_data) != 8:
            msg = f"Invalid value for ping data: {opaque_data!r}"
            raise ValueError(msg)
        _c.h2_conn_ping(self._c, opaque_data)

    def reset_stream(self, stream_id: int,
                     error_code: ErrorCodes | int = 0) -> None:
        """Send RST_STREAM and close the stream."""
        _c.h2_conn_reset_stream(self._c, stream_id, int(error_code))

    def close_connection(self,
                         error_code: ErrorCodes | int = 0,
                         additional_data: bytes | None = None,
                         last_stream_id: int | None = None) -> None:
        """Send GOAWAY; the connection is CLOSED afterwards."""
        if last_stream_id is None:
            last_stream_id = _c.H2_LAST_STREAM_AUTO
        _c.h2_conn_close(self._c, int(error_code), last_stream_id,
                         additional_data)

    def update_settings(self, new_settings: dict[SettingCodes | int, int]
                        ) -> None:
        """Send SETTINGS; the values apply to ``local_settings`` when the
        peer acknowledges them."""
        # Validate and record as pending the way h2 does, then queue the
        # frame; both agree on what is acknowledged later.
        self.local_settings.update(new_settings)
        _c.h2_conn_update_settings(
            self._c, [(int(k), int(v)) for k, v in new_settings.items()])

    def advertise_alternative_service(self,
                                      field_value: bytes | str,
                                      origin: bytes | None = None,
                                      stream_id: int | None = None) -> None:
        """Server: send ALTSVC (RFC 7838) for ``origin`` (on stream 0) or
        for the origin of ``stream_id``."""
        if not isinstance(field_value, bytes):
            msg = "Field must be bytestring."
            raise ValueError(msg)
        if origin is not None and stream_id is not None:
            msg = "Must not provide both origin and stream_id"
            raise ValueError(msg)
        if origin is not None:
            _c.h2_conn_advertise_alternative_service(
                self._c, 0, _to_bytes(origin), field_value)
        else:
            if stream_id is None:
                # As h2: no stream to take the origin from.
                raise NoSuchStreamError(None)
            _c.h2_conn_advertise_alternative_service(
                self._c, stream_id, None, field_value)

    def prioritize(self,
                   stream_id: int,
                   weight: int | None = None,
                   depends_on: int | None = None,
                   exclusive: bool | None = None) -> None:
        """Client: send PRIORITY (RFC 7540 §5.3) for ``stream_id``."""
        if not self.config.client_side:
            msg = "Servers SHOULD NOT prioritize streams."
            raise RFC1122Error(msg)
        _c.h2_conn_prioritize(
            self._c, stream_id,
            _priority(stream_id, weight, depends_on, exclusive))

    def local_flow_control_window(self, stream_id: int) -> int:
        """How much DATA this side may send on ``stream_id`` now."""
        return _local_window(self._c, stream_id)

    def remote_flow_control_window(self, stream_id: int) -> int:
        """How much DATA the peer may send on ``stream_id`` now."""
        return _remote_window(self._c, stream_id)

    def acknowledge_received_data(self, acknowledged_size: int,
                                  stream_id: int) -> None:
        """Tell the engine the application consumed ``acknowledged_size``
        bytes of ``stream_id``'s data (use ``flow_controlled_length``); it
        sends WINDOW_UPDATE when enough credit has built up, as h2 does."""
        if stream_id <= 0:
            msg = f"Stream ID {stream_id} is not valid for acknowledge_received_data"
            raise ValueError(msg)
        if acknowledged_size < 0:
            msg = "Cannot acknowledge negative data"
            raise ValueError(msg)
        _ack_data(self._c, stream_id, acknowledged_size)

    def data_to_send(self, amount: int | None = None) -> bytes:
        """The bytes to write to the peer (at most ``amount``), removed
        from the outbound buffer."""
        data = _take(self._c, amount)
        if self._tracing:
            self._log_frames()
        return data

    def clear_outbound_data_buffer(self) -> None:
        """Drop everything not yet taken with :meth:`data_to_send`."""
        _c.h2_conn_clear_outbound_data(self._c)

    def receive_data(self, data: bytes) -> list[Any]:
        """Feed bytes received from the peer; returns the events.

        A protocol violation of the peer raises the matching exception after
        the GOAWAY or RST_STREAM to send has been queued.
        """
        self._started = True
        events, flags = _receive(self._c, data, None,
                                 self.config.header_encoding or None)
        if flags:
            self._settings_events(events)
        if self._tracing:
            self._log_frames()
        return events

    def _settings_events(self, events: list[Any]) -> None:
        for ev in events:
            if isinstance(ev, _events.RemoteSettingsChanged):
                # The original values are what remote_settings held, as in
                # h2 (the engine assumes defaults for unsent settings).
                remote = self.remote_settings
                changes = {}
                for code, change in ev.changed_settings.items():
                    changes[code] = ChangedSetting(code, remote.get(code),
                                                   change.new_value)
                    remote[code] = change.new_value
                remote.acknowledge()
                ev.changed_settings = changes
            elif isinstance(ev, _events.SettingsAcknowledged):
                # As h2: what changed is what was pending in local_settings
                # (the initial SETTINGS count as already in force).
                ev.changed_settings = self.local_settings.acknowledge()

    # ---- libh2 extensions ------------------------------------------------

    def send_priority_update(self, stream_id: int,
                             priority_field_value: bytes | str) -> None:
        """Client: send an RFC 9218 PRIORITY_UPDATE frame for
        ``stream_id`` with a Priority field value such as ``b"u=1, i"``."""
        _c.h2_conn_send_priority_update(self._c, stream_id,
                                        _to_bytes(priority_field_value))

    def send_origin(self, origins: Iterable[bytes | str]) -> None:
        """Server: send an RFC 8336 ORIGIN frame listing ``origins``."""
        _c.h2_conn_send_origin(self._c, [_to_bytes(o) for o in origins])

    def local_setting(self, code: SettingCodes | int) -> int:
        """The acknowledged value of one of this side's settings, as the
        engine applies it."""
        return _c.h2_conn_local_setting(self._c, int(code))

    def remote_setting(self, code: SettingCodes | int) -> int:
        """The peer's value of a setting, as the engine applies it."""
        return _c.h2_conn_remote_setting(self._c, int(code))

    def _stream_windows(self, stream_id: int) -> tuple[int, int]:
        """The stream's own (outbound, inbound) windows."""
        return _c.h2_conn_stream_windows(self._c, stream_id)

    def stream_state(self, stream_id: int) -> StreamState:
        """The RFC 9113 §5.1 state of ``stream_id`` (IDLE if unused)."""
        return _stream_state(self._c, stream_id)


def _decode_settings_header(value: bytes) -> list[tuple[int, int]]:
    """The settings of an HTTP2-Settings value (base64url, padding
    optional), already validated by the engine."""
    raw = base64.urlsafe_b64decode(value + b"=" * (-len(value) % 4))
    return [(int.from_bytes(raw[i:i + 2], "big"),
             int.from_bytes(raw[i + 2:i + 6], "big"))
            for i in range(0, len(raw) - len(raw) % 6, 6)]


def _priority(stream_id: int, weight: int | None, depends_on: int | None,
              exclusive: bool | None) -> tuple[int, int, bool]:
    weight = 16 if weight is None else weight
    depends_on = 0 if depends_on is None else depends_on
    exclusive = False if exclusive is None else exclusive
    if not 1 <= weight <= 256:
        msg = "Weight must be between 1 and 256, not %d" % weight
        raise ProtocolError(msg)
    if depends_on == stream_id:
        msg = "Stream %d must not depend on itself" % stream_id
        raise ProtocolError(msg)
    return (depends_on, weight, bool(exclusive))


_STREAM_STATES = {
    _c.H2_STREAM_STATE_IDLE: StreamState.IDLE,
    _c.H2_STREAM_STATE_RESERVED_LOCAL: StreamState.RESERVED_LOCAL,
    _c.H2_STREAM_STATE_RESERVED_REMOTE: StreamState.RESERVED_REMOTE,
    _c.H2_STREAM_STATE_OPEN: StreamState.OPEN,
    _c.H2_STREAM_STATE_HALF_CLOSED_LOCAL: StreamState.HALF_CLOSED_LOCAL,
    _c.H2_STREAM_STATE_HALF_CLOSED_REMOTE: StreamState.HALF_CLOSED_REMOTE,
    _c.H2_STREAM_STATE_CLOSED: StreamState.CLOSED,
}


def _stream_state(handle: Any, stream_id: int) -> StreamState:
    return _STREAM_STATES[_c.h2_conn_stream_state(handle, stream_id)]
