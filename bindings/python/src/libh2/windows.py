"""Automatic management of an inbound flow-control window.

:class:`WindowManager` follows one receive window (of a stream or of the
connection): how large it is, how much of it the peer has used, and how much
of the received data the application has finished with. From that it
decides when a WINDOW_UPDATE is worth sending and how large, trying to send
few of them without ever letting the peer stall. The rules are h2's; the C
engine applies the same ones to its own windows.
"""
from __future__ import annotations

from .exceptions import FlowControlError

#: The largest size a flow-control window can have (RFC 9113 section 6.9.1).
LARGEST_FLOW_CONTROL_WINDOW = 2**31 - 1


class WindowManager:
    """Tracks one receive window and proposes WINDOW_UPDATE increments.

    :param max_window_size: the window's size to start with, which is also
        the largest size it is refilled to (until :meth:`window_opened`
        makes it larger). Must not exceed
        :data:`LARGEST_FLOW_CONTROL_WINDOW`.
    """

    def __init__(self, max_window_size: int) -> None:
        assert max_window_size <= LARGEST_FLOW_CONTROL_WINDOW
        #: The size the window is refilled up to.
        self.max_window_size = max_window_size
        #: What the peer may still send before the window is exhausted.
        self.current_window_size = max_window_size
        # Data the application is done with but that has not yet been given
        # back to the peer.
        self._bytes_processed = 0

    def window_consumed(self, size: int) -> None:
        """The peer sent ``size`` flow-controlled bytes, shrinking the window.

        :raises FlowControlError: if the peer sent more than the window
            allowed.
        """
        self.current_window_size -= size
        if self.current_window_size < 0:
            raise FlowControlError("Flow control window shrunk below 0")

    def window_opened(self, size: int) -> None:
        """The window grew by ``size`` without data being processed.

        This happens when a WINDOW_UPDATE is sent by hand or when the
        initial window setting changes. A window that grows past
        ``max_window_size`` raises that maximum with it.

        :raises FlowControlError: if the window would exceed
            :data:`LARGEST_FLOW_CONTROL_WINDOW`.
        """
        self.current_window_size += size
        if self.current_window_size > LARGEST_FLOW_CONTROL_WINDOW:
            raise FlowControlError(
                f"Flow control window mustn't exceed {LARGEST_FLOW_CONTROL_WINDOW}"
            )
        if self.current_window_size > self.max_window_size:
            self.max_window_size = self.current_window_size

    def process_bytes(self, size: int) -> int | None:
        """The application finished with ``size`` flow-controlled bytes.

        :returns: the increment of the WINDOW_UPDATE to send now, ``0`` if
            none is due yet, or ``None`` if no processed bytes are pending
            at all.
        """
        self._bytes_processed += size
        return self._maybe_update_window()

    def _maybe_update_window(self) -> int | None:
        """Decide whether processed bytes should go back to the peer now.

        Nothing pending: ``None``. Otherwise the pending bytes are returned
        (capped at what refills the window to ``max_window_size``) when
        either at least half a window's worth is pending, or the window is
        exhausted and more than 1024 bytes (a quarter of the window for a
        window under 4 KiB) are pending, so that the peer is never left
        stuck. Returning bytes clears the pending count, even when the cap
        returned fewer.
        """
        pending = self._bytes_processed
        if not pending:
            return None
        room = self.max_window_size - self.current_window_size
        exhausted = self.current_window_size == 0
        due = (exhausted and pending > min(1024, self.max_window_size // 4)) or (
            pending >= self.max_window_size // 2
        )
        increment = 0
        if due:
            increment = min(pending, room)
            self._bytes_processed = 0
        self.current_window_size += increment
        return increment
