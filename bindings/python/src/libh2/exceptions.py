"""Exceptions raised by libh2.

The public classes, their base classes, constructor arguments, attributes
and string forms are those of the h2 package, so ``except`` clauses written
for h2 keep working unchanged.

libh2 adds three subclasses for failures the C engine reports more precisely
than h2 does; each remains an instance of the class h2 would have raised:

* :class:`CompressionError` (a :class:`ProtocolError`): a header block could
  not be decoded. ``error_code`` is ``COMPRESSION_ERROR``, the code the
  engine sends in its GOAWAY (RFC 9113 section 4.3).
* :class:`HeaderListTooLargeError` (a :class:`DenialOfServiceError`): a
  header block exceeded the configured header list or field size limit.
  ``error_code`` is ``ENHANCE_YOUR_CALM``.
* :class:`FrameSizeError` (a :class:`FrameDataMissingError`): a frame's
  length is not one its type allows. ``error_code`` is ``FRAME_SIZE_ERROR``.

The rest of this module is private glue for the C extension: a table from the
names of the engine's status codes (``H2_ERR_*`` in ``h2/h2.h``) to
exception classes, :func:`_bind_status_codes` to resolve those names to
numbers once the extension is loaded, and :func:`_exception_for_status` to
build the exception for a failed call.
"""
from __future__ import annotations

import re
from typing import Any

from .errors import ErrorCodes, _error_code_from_int


class H2Error(Exception):
    """Root of every exception defined by this package."""


class ProtocolError(H2Error):
    """Something was done, or received, that HTTP/2 does not allow.

    ``error_code`` is the HTTP/2 code that goes with this kind of failure
    (for a connection error, the code of the GOAWAY frame).
    """

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.PROTOCOL_ERROR


class FrameTooLargeError(ProtocolError):
    """A frame is larger than the maximum frame size allows."""

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.FRAME_SIZE_ERROR


class FrameDataMissingError(ProtocolError):
    """A received frame's payload is shorter than its type requires."""

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.FRAME_SIZE_ERROR


class TooManyStreamsError(ProtocolError):
    """Opening one more stream would exceed the concurrent stream limit."""


class FlowControlError(ProtocolError):
    """An operation would break the rules of flow control."""

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.FLOW_CONTROL_ERROR


class StreamIDTooLowError(ProtocolError):
    """A new stream was given an ID that is not above every ID used before.

    :param stream_id: the ID that was rejected.
    :param max_stream_id: the highest ID seen so far on the connection.
    """

    def __init__(self, stream_id: int, max_stream_id: int) -> None:
        #: The ID that was rejected.
        self.stream_id = stream_id
        #: The highest stream ID seen so far.
        self.max_stream_id = max_stream_id

    def __str__(self) -> str:
        detail = self.__dict__.get("_detail")
        if detail is not None and (self.stream_id is None or self.max_stream_id is None):
            return detail
        return f"StreamIDTooLowError: {self.stream_id} is lower than {self.max_stream_id}"


class NoAvailableStreamIDError(ProtocolError):
    """Every stream ID this endpoint may use has been used up."""


class NoSuchStreamError(ProtocolError):
    """An operation named a stream that is not known to the connection.

    :param stream_id: the stream that was named.
    """

    def __init__(self, stream_id: int) -> None:
        #: The stream that was named.
        self.stream_id = stream_id


class StreamClosedError(NoSuchStreamError):
    """The stream an operation names has been closed.

    A narrower form of :class:`NoSuchStreamError`: the stream existed, but
    nothing more can happen on it.

    :param stream_id: the closed stream.
    """

    def __init__(self, stream_id: int) -> None:
        #: The closed stream.
        self.stream_id = stream_id
        #: HTTP/2 error code belonging to this kind of failure.
        self.error_code = ErrorCodes.STREAM_CLOSED
        # Kept for code written against h2, which reads this list; libh2
        # never puts anything in it.
        self._events: list[Any] = []


class InvalidSettingsValueError(ProtocolError, ValueError):
    """A setting was given a value outside of its allowed range.

    :param msg: description of the problem.
    :param error_code: the HTTP/2 error code the problem calls for
        (``FLOW_CONTROL_ERROR`` for an initial window size that is too
        large, ``PROTOCOL_ERROR`` otherwise).
    """

    def __init__(self, msg: str, error_code: ErrorCodes) -> None:
        super().__init__(msg)
        self.error_code = error_code


class InvalidBodyLengthError(ProtocolError):
    """A body's length differs from what its content-length header announced.

    :param expected: the announced length.
    :param actual: the number of bytes received.
    """

    def __init__(self, expected: int, actual: int) -> None:
        #: The length the content-length header announced.
        self.expected_length = expected
        #: The length actually received.
        self.actual_length = actual

    def __str__(self) -> str:
        detail = self.__dict__.get("_detail")
        if detail is not None and (self.expected_length is None or self.actual_length is None):
            return detail
        return (
            f"InvalidBodyLengthError: Expected {self.expected_length} bytes, "
            f"received {self.actual_length}"
        )


class UnsupportedFrameError(ProtocolError):
    """The peer sent a frame that is not acceptable where it arrived."""


class RFC1122Error(H2Error):
    """The action is permitted by the specification but refused anyway.

    Raised for things the RFCs technically allow but which are too poorly
    defined to do safely, such as a server sending PRIORITY frames. The name
    refers to the robustness principle of RFC 1122: be conservative in what
    you send.
    """


class DenialOfServiceError(ProtocolError):
    """The peer behaves like an attacker trying to exhaust this endpoint.

    A :class:`ProtocolError` whose ``error_code`` is ``ENHANCE_YOUR_CALM``,
    so this case can be told apart and, for example, logged separately.
    """

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.ENHANCE_YOUR_CALM


# ---- libh2 additions ---------------------------------------------------------


class CompressionError(ProtocolError):
    """A received header block could not be decoded (RFC 7541).

    libh2 only. The connection cannot continue, since the two HPACK contexts
    are out of step. h2 raises a plain :class:`ProtocolError` here; this
    class is one, with the ``COMPRESSION_ERROR`` code the engine sends.
    """

    #: HTTP/2 error code belonging to this kind of failure.
    error_code = ErrorCodes.COMPRESSION_ERROR


class HeaderListTooLargeError(DenialOfServiceError):
    """A received header block is larger than the configured limits.

    libh2 only. Either the decoded header list exceeds
    ``max_header_list_size`` or a single name or value exceeds
    ``max_field_size``. h2 raises :class:`DenialOfServiceError` for an
    oversized header list; this class is one.
    """


class FrameSizeError(FrameDataMissingError):
    """A received frame's length is not one its type allows.

    libh2 only. For instance a PING whose payload is not 8 bytes long. h2
    reports such frames with :class:`FrameDataMissingError`; this class is
    one.
    """


# ---- glue for the C extension --------------------------------------------------

#: Exception class for each status code of the C engine, by the name the
#: code has in ``h2/h2.h``. The numbers come from the extension module (see
#: :func:`_bind_status_codes`) so that they are written down in one place.
_STATUS_NAMES: dict[str, type[BaseException]] = {
    # Errors of the peer or of the caller, as h2 reports them.
    "H2_ERR_PROTOCOL": ProtocolError,
    "H2_ERR_FRAME_TOO_LARGE": FrameTooLargeError,
    "H2_ERR_FRAME_DATA_MISSING": FrameDataMissingError,
    "H2_ERR_TOO_MANY_STREAMS": TooManyStreamsError,
    "H2_ERR_FLOW_CONTROL": FlowControlError,
    "H2_ERR_STREAM_ID_TOO_LOW": StreamIDTooLowError,
    "H2_ERR_NO_AVAILABLE_STREAM_ID": NoAvailableStreamIDError,
    "H2_ERR_NO_SUCH_STREAM": NoSuchStreamError,
    "H2_ERR_STREAM_CLOSED": StreamClosedError,
    "H2_ERR_INVALID_SETTINGS_VALUE": InvalidSettingsValueError,
    "H2_ERR_INVALID_BODY_LENGTH": InvalidBodyLengthError,
    "H2_ERR_UNSUPPORTED_FRAME": UnsupportedFrameError,
    "H2_ERR_RFC1122": RFC1122Error,
    "H2_ERR_DENIAL_OF_SERVICE": DenialOfServiceError,
    # Finer codes of the engine, as subclasses of what h2 raises.
    "H2_ERR_COMPRESSION": CompressionError,
    "H2_ERR_HEADER_LIST_TOO_LARGE": HeaderListTooLargeError,
    "H2_ERR_FRAME_SIZE": FrameSizeError,
    # Misuse of the API and resource failures.
    "H2_ERR_INVALID_ARGUMENT": ValueError,
    # An action not allowed in the connection's state: h2 raises
    # ProtocolError for those.
    "H2_ERR_INVALID_STATE": ProtocolError,
    "H2_ERR_NOMEM": MemoryError,
    # The extension sizes its buffers itself; seeing this means a bug in the
    # binding, not in the caller's code.
    "H2_ERR_BUFFER_TOO_SMALL": RuntimeError,
}

#: Filled by :func:`_bind_status_codes`: status number -> exception class.
_STATUS_CLASSES: dict[int, type[BaseException]] = {}


def _bind_status_codes(mod: Any) -> dict[int, type[BaseException]]:
    """Resolve the names of :data:`_STATUS_NAMES` against the extension.

    ``mod`` is the extension module (``libh2._libh2``), which exposes each
    ``H2_ERR_*`` constant of the C header. The result, also stored in
    :data:`_STATUS_CLASSES` for :func:`_exception_for_status`, maps every
    status number to its exception class.

    Raises :exc:`AttributeError` if the module lacks one of the names and
    :exc:`ValueError` if a value is not a negative int or is used twice:
    either means the Python files and the extension come from different
    builds.
    """
    missing = [name for name in _STATUS_NAMES if not hasattr(mod, name)]
    if missing:
        raise AttributeError(
            f"{getattr(mod, '__name__', mod)!s} lacks the status codes "
            + ", ".join(missing)
        )
    table: dict[int, type[BaseException]] = {}
    for name, cls in _STATUS_NAMES.items():
        value = getattr(mod, name)
        if isinstance(value, bool) or not isinstance(value, int) or value >= 0:
            raise ValueError(f"status code {name} is {value!r}, not a negative int")
        if value in table:
            raise ValueError(f"status code {name} reuses the value {value}")
        table[value] = cls
    _STATUS_CLASSES.clear()
    _STATUS_CLASSES.update(table)
    return dict(table)


# Numbers the engine puts in some of its messages, used when the caller
# cannot supply them directly.
_LOWER_THAN = re.compile(r"(\d+) is lower than (\d+)")
# The engine's text for a body that does not match content-length.
_BODY_LENGTH = re.compile(r"body of (\d+) bytes where content-length is (\d+)")
_STREAM_IN_TEXT = re.compile(r"\bstream (?:id )?(\d+)\b")
_SETTING_IN_TEXT = re.compile(r"\bsetting 0x([0-9a-fA-F]+)\b")


def _stream_from_text(message: str) -> int | None:
    found = _STREAM_IN_TEXT.search(message)
    return int(found.group(1)) if found else None


def _settings_error_code(message: str) -> ErrorCodes:
    # An initial window size out of range is a flow-control problem; every
    # other bad setting is a plain protocol error (as h2 decides).
    if "INITIAL_WINDOW_SIZE" in message:
        return ErrorCodes.FLOW_CONTROL_ERROR
    found = _SETTING_IN_TEXT.search(message)
    if found and int(found.group(1), 16) == 0x4:
        return ErrorCodes.FLOW_CONTROL_ERROR
    return ErrorCodes.PROTOCOL_ERROR


def _exception_for_status(
    status: int,
    message: str,
    stream_id: int | None = None,
    *,
    error_code: int | None = None,
    max_stream_id: int | None = None,
    expected_length: int | None = None,
    actual_length: int | None = None,
) -> BaseException:
    """Build (not raise) the exception for a failed call into the engine.

    :param status: the negative status code the C call returned.
    :param message: the engine's description of the failure
        (``h2_conn_last_error()``); it becomes the exception's message.
    :param stream_id: the stream the call was about, if any. It fills the
        ``stream_id`` attribute of :class:`NoSuchStreamError`,
        :class:`StreamClosedError` and :class:`StreamIDTooLowError`; when
        it is ``None`` a "stream N" in ``message`` is used instead.
    :param error_code: the HTTP/2 code the engine sent in its GOAWAY, when
        known. It becomes the instance's ``error_code`` where it differs from
        the class's own.
    :param max_stream_id: for :class:`StreamIDTooLowError`; taken from the
        message when it reads "N is lower than M".
    :param expected_length: for :class:`InvalidBodyLengthError`.
    :param actual_length: for :class:`InvalidBodyLengthError`.

    Exceptions whose h2 form has a fixed text (:class:`StreamIDTooLowError`,
    :class:`InvalidBodyLengthError`) keep that text when all of their
    numbers are known and show ``message`` otherwise. A status with no
    class gives a :class:`ProtocolError` naming the status.
    """
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        exc: BaseException = ProtocolError(f"{message} (libh2 status {status})")
    elif issubclass(cls, StreamIDTooLowError):
        low, high = stream_id, max_stream_id
        found = _LOWER_THAN.search(message)
        if found:
            if low is None:
                low = int(found.group(1))
            if high is None:
                high = int(found.group(2))
        if low is None:
            low = _stream_from_text(message)
        exc = cls(low, high)
        exc._detail = message  # type: ignore[attr-defined]
    elif issubclass(cls, NoSuchStreamError):
        if stream_id is None:
            stream_id = _stream_from_text(message)
        exc = cls(stream_id)
        exc.args = (message,)
    elif issubclass(cls, InvalidSettingsValueError):
        code = (
            _error_code_from_int(error_code)
            if error_code is not None
            else _settings_error_code(message)
        )
        exc = cls(message, error_code=code)  # type: ignore[arg-type]
    elif issubclass(cls, InvalidBodyLengthError):
        found = _BODY_LENGTH.search(message)
        if found:
            if actual_length is None:
                actual_length = int(found.group(1))
            if expected_length is None:
                expected_length = int(found.group(2))
        exc = cls(expected_length, actual_length)  # type: ignore[arg-type]
        exc._detail = message  # type: ignore[attr-defined]
    else:
        exc = cls(message)
    if (
        error_code is not None
        and isinstance(exc, ProtocolError)
        and exc.error_code != error_code
    ):
        exc.error_code = _error_code_from_int(error_code)
    return exc
