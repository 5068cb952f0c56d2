"""
libh2.stream
~~~~~~~~~~~~

Stream states and the stream objects of ``H2Connection.streams``, with the
names of ``h2.stream``. The state machine itself runs in the C engine; an
:class:`H2Stream` here is a view of one stream of a connection.
"""
from __future__ import annotations

from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .connection import H2Connection

__all__ = ["StreamState", "StreamInputs", "StreamClosedBy", "H2Stream",
           "H2StreamStateMachine"]


class StreamState(IntEnum):
    """RFC 9113 §5.1 stream states (h2's numbering)."""

    IDLE = 0
    RESERVED_REMOTE = 1
    RESERVED_LOCAL = 2
    OPEN = 3
    HALF_CLOSED_REMOTE = 4
    HALF_CLOSED_LOCAL = 5
    CLOSED = 6


class StreamInputs(Enum):
    """The inputs of h2's stream state machine (kept for imports)."""

    SEND_HEADERS = 0
    SEND_PUSH_PROMISE = 1
    SEND_RST_STREAM = 2
    SEND_DATA = 3
    SEND_WINDOW_UPDATE = 4
    SEND_END_STREAM = 5
    RECV_HEADERS = 6
    RECV_PUSH_PROMISE = 7
    RECV_RST_STREAM = 8
    RECV_DATA = 9
    RECV_WINDOW_UPDATE = 10
    RECV_END_STREAM = 11
    RECV_CONTINUATION = 12
    SEND_INFORMATIONAL_HEADERS = 13
    RECV_INFORMATIONAL_HEADERS = 14
    SEND_ALTERNATIVE_SERVICE = 15
    RECV_ALTERNATIVE_SERVICE = 16
    UPGRADE_CLIENT = 17
    UPGRADE_SERVER = 18


class StreamClosedBy(Enum):
    """How a stream was closed."""

    SEND_END_STREAM = 0
    RECV_END_STREAM = 1
    SEND_RST_STREAM = 2
    RECV_RST_STREAM = 3


_OPEN_STATES = frozenset((StreamState.OPEN, StreamState.HALF_CLOSED_LOCAL,
                          StreamState.HALF_CLOSED_REMOTE))


class H2StreamStateMachine:
    """A view of one stream's state in the engine: ``state`` is read live."""

    __slots__ = ("_stream",)

    def __init__(self, stream: H2Stream) -> None:
        self._stream = stream

    @property
    def state(self) -> StreamState:
        s = self._stream
        return s._connection.stream_state(s.stream_id)

    @property
    def client(self) -> bool:
        return bool(self._stream._connection.config.client_side)

    def process_input(self, input_: StreamInputs) -> list[Any]:
        """Not supported: the engine drives its own state machine."""
        msg = "the stream state machine is driven by the engine"
        raise NotImplementedError(msg)


class H2Stream:
    """One stream of a connection, as ``H2Connection.streams[id]``.

    Its attributes read the engine's state, so they are always current.
    """

    def __init__(self, stream_id: int, connection: H2Connection) -> None:
        self.stream_id = stream_id
        self._connection = connection
        self.state_machine = H2StreamStateMachine(self)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} id:{self.stream_id} "
                f"state:{self.state_machine.state!r}>")

    @property
    def config(self) -> Any:
        return self._connection.config

    @property
    def max_outbound_frame_size(self) -> int:
        return self._connection.max_outbound_frame_size

    @property
    def inbound_flow_control_window(self) -> int:
        """The stream's own inbound window (before the connection's
        applies), as h2's."""
        return self._connection._stream_windows(self.stream_id)[1]

    @property
    def outbound_flow_control_window(self) -> int:
        """The stream's own outbound window (before the connection's
        applies), as h2's."""
        return self._connection._stream_windows(self.stream_id)[0]

    @property
    def open(self) -> bool:
        """Open or half-closed: counts against the concurrency limit."""
        return self.state_machine.state in _OPEN_STATES

    @property
    def closed(self) -> bool:
        return self.state_machine.state == StreamState.CLOSED

    def local_flow_control_window(self) -> int:
        return self._connection.local_flow_control_window(self.stream_id)

    def remote_flow_control_window(self) -> int:
        return self._connection.remote_flow_control_window(self.stream_id)
