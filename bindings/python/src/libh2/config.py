"""Configuration of a connection.

:class:`H2Configuration` takes the options of h2's class of the same name,
in the same order and with the same defaults and checks. libh2's own
options follow as keyword-only arguments: limits the C engine enforces
against abusive peers, the HPACK encoding policy and frame tracing.
"""
from __future__ import annotations

import sys
from typing import Any


class _BooleanConfigOption:
    """A configuration attribute that only accepts ``True`` or ``False``.

    Assigning anything else (including 0 or 1) raises :exc:`ValueError`.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.attr_name = f"_{name}"

    def __get__(self, instance: Any, owner: Any) -> bool:
        if instance is None:
            return self  # type: ignore[return-value]
        return getattr(instance, self.attr_name)  # type: ignore[no-any-return]

    def __set__(self, instance: Any, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"{self.name} must be a bool")
        setattr(instance, self.attr_name, value)


class _LimitOption:
    """A configuration attribute holding a non-negative integer.

    ``bool`` is refused although it is an ``int``: a limit of ``True`` is
    certainly a mistake. The largest accepted value is ``maximum``.
    """

    def __init__(self, name: str, maximum: int = 2**32 - 1) -> None:
        self.name = name
        self.attr_name = f"_{name}"
        self.maximum = maximum

    def __get__(self, instance: Any, owner: Any) -> int:
        if instance is None:
            return self  # type: ignore[return-value]
        return getattr(instance, self.attr_name)  # type: ignore[no-any-return]

    def __set__(self, instance: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{self.name} must be an int")
        if value < 0 or value > self.maximum:
            raise ValueError(f"{self.name} must be between 0 and {self.maximum}")
        setattr(instance, self.attr_name, value)


class DummyLogger:
    """A logger that discards everything.

    The default logger of a configuration: it lets the connection log
    unconditionally at no cost beyond the call.
    """

    def __init__(self, *vargs: Any) -> None:
        pass

    def debug(self, *vargs: Any, **kwargs: Any) -> None:
        """Discard a debug message."""

    def trace(self, *vargs: Any, **kwargs: Any) -> None:
        """Discard a trace message."""


class OutputLogger:
    """A logger that prints its messages, for quick debugging sessions.

    Messages are ``%``-style format strings with their arguments. Not meant
    as a stable interface.

    :param file: where to print, any object ``print`` accepts as ``file``;
        ``sys.stderr`` (as it is at construction time) when not given.
    :param trace_level: also print trace messages. Off by default.
    """

    def __init__(self, file: Any = None, trace_level: bool = False) -> None:
        super().__init__()
        self.file = file or sys.stderr
        self.trace_level = trace_level

    def debug(self, fmtstr: str, *args: Any) -> None:
        """Print a debug message."""
        print(f"h2 (debug): {fmtstr % args}", file=self.file)

    def trace(self, fmtstr: str, *args: Any) -> None:
        """Print a trace message if trace output was asked for."""
        if self.trace_level:
            print(f"h2 (trace): {fmtstr % args}", file=self.file)


_HPACK_POLICIES = ("h2", "compact")


class H2Configuration:
    """How one HTTP/2 connection behaves.

    The object only stores and checks options; the connection reads them
    when it is created.

    :param client_side: ``True`` for the client end of a connection,
        ``False`` for the server end. Decides stream numbering, default
        settings and which actions are allowed. Default ``True``.
    :param header_encoding: ``None`` (the default) to receive header names
        and values as bytes, or the name of a codec (``"utf-8"``, ...) to
        receive them decoded to ``str``. ``False`` means the same as
        ``None``; ``True`` is refused.
    :param validate_outbound_headers: check header blocks before sending them
        against the rules of RFC 9113. Default ``True``.
    :param normalize_outbound_headers: before sending, lowercase names, strip
        surrounding whitespace, drop connection-specific fields and keep
        sensitive fields out of the compression table. Default ``True``.
    :param split_outbound_cookies: send each ``cookie`` crumb as its own
        field, which compresses better (RFC 9113 section 8.2.3). Default
        ``False``.
    :param validate_inbound_headers: check received header blocks against
        the rules of RFC 9113. Default ``True``.
    :param normalize_inbound_headers: join received ``cookie`` fields back
        into one. Default ``True``.
    :param logger: an object with ``debug`` and ``trace`` methods taking a
        format string and its arguments. It must not block. Defaults to a
        :class:`DummyLogger`.

    libh2 only, keyword-only. Every limit is an int from 0 to 2**32 - 1;
    where the C engine treats 0 as "no limit", so does this option.

    :param max_header_list_size: largest decoded header list accepted
        (names, values and 32 octets per field); also announced to the peer
        as SETTINGS_MAX_HEADER_LIST_SIZE. Default 65536.
    :param max_field_size: largest single header name or value accepted.
        Default 65536.
    :param max_continuation_frames: most CONTINUATION frames accepted in one
        header block. Default 64, the limit h2 applies (the C library's own
        default is 8).
    :param max_settings_entries: most settings accepted in one SETTINGS
        frame. Default 32.
    :param max_queued_acks: most PING and SETTINGS acknowledgements the peer
        may make this side queue without them being sent. Default 1000.
    :param max_queued_control: most frames other than DATA the peer may make
        this side queue without them being sent. Default 5000.
    :param rst_rate_burst: RST_STREAM frames accepted in a burst. Default 1000.
    :param rst_rate_per_sec: RST_STREAM frames accepted per second over
        time. Default 33.
    :param glitch_rate_burst: peer mistakes and pointless frames (stream
        errors, empty frames, PRIORITY, frames on closed streams) accepted
        in a burst. Default 10000.
    :param glitch_rate_per_sec: the same, per second over time. Default 330.
    :param max_reserved_streams: most pushed streams promised but not yet
        started. Default 200.
    :param max_closed_streams: how many closed streams are remembered so that
        late frames on them are answered as h2 answers them. Default 1000.
    :param hpack_policy: how header blocks are encoded: ``"h2"`` (the
        default) makes exactly the bytes h2 makes; ``"compact"`` makes the
        smallest blocks the engine can.
    :param trace_frames: keep a record of the last N frames received and
        sent (0 to 65536; 0, the default, turns it off).
    :param strict_preface: require the peer's first frame to be SETTINGS, as
        RFC 9113 §3.4 does (a connection error otherwise). Default False:
        like h2, accept other frames before the peer's SETTINGS.
    :param malformed_stream_error: answer a malformed request or response
        (RFC 9113 §8.1.1: bad headers, a body not matching content-length,
        DATA before HEADERS) with RST_STREAM on that stream only. Default
        False: like h2, end the connection with GOAWAY(PROTOCOL_ERROR) and
        raise ProtocolError (or InvalidBodyLengthError).
    """

    client_side = _BooleanConfigOption("client_side")
    validate_outbound_headers = _BooleanConfigOption("validate_outbound_headers")
    normalize_outbound_headers = _BooleanConfigOption("normalize_outbound_headers")
    split_outbound_cookies = _BooleanConfigOption("split_outbound_cookies")
    validate_inbound_headers = _BooleanConfigOption("validate_inbound_headers")
    normalize_inbound_headers = _BooleanConfigOption("normalize_inbound_headers")
    strict_preface = _BooleanConfigOption("strict_preface")
    malformed_stream_error = _BooleanConfigOption("malformed_stream_error")

    max_header_list_size = _LimitOption("max_header_list_size")
    max_field_size = _LimitOption("max_field_size")
    max_continuation_frames = _LimitOption("max_continuation_frames")
    max_settings_entries = _LimitOption("max_settings_entries")
    max_queued_acks = _LimitOption("max_queued_acks")
    max_queued_control = _LimitOption("max_queued_control")
    rst_rate_burst = _LimitOption("rst_rate_burst")
    rst_rate_per_sec = _LimitOption("rst_rate_per_sec")
    glitch_rate_burst = _LimitOption("glitch_rate_burst")
    glitch_rate_per_sec = _LimitOption("glitch_rate_per_sec")
    max_reserved_streams = _LimitOption("max_reserved_streams")
    max_closed_streams = _LimitOption("max_closed_streams")
    trace_frames = _LimitOption("trace_frames", maximum=65536)

    def __init__(
        self,
        client_side: bool = True,
        header_encoding: bool | str | None = None,
        validate_outbound_headers: bool = True,
        normalize_outbound_headers: bool = True,
        split_outbound_cookies: bool = False,
        validate_inbound_headers: bool = True,
        normalize_inbound_headers: bool = True,
        logger: DummyLogger | OutputLogger | None = None,
        *,
        max_header_list_size: int = 65536,
        max_field_size: int = 65536,
        max_continuation_frames: int = 64,
        max_settings_entries: int = 32,
        max_queued_acks: int = 1000,
        max_queued_control: int = 5000,
        rst_rate_burst: int = 1000,
        rst_rate_per_sec: int = 33,
        glitch_rate_burst: int = 10000,
        glitch_rate_per_sec: int = 330,
        max_reserved_streams: int = 200,
        max_closed_streams: int = 1000,
        hpack_policy: str = "h2",
        trace_frames: int = 0,
        strict_preface: bool = False,
        malformed_stream_error: bool = False,
    ) -> None:
        self.client_side = client_side
        self.header_encoding = header_encoding
        self.validate_outbound_headers = validate_outbound_headers
        self.normalize_outbound_headers = normalize_outbound_headers
        self.split_outbound_cookies = split_outbound_cookies
        self.validate_inbound_headers = validate_inbound_headers
        self.normalize_inbound_headers = normalize_inbound_headers
        self.logger = logger or DummyLogger(__name__)

        self.max_header_list_size = max_header_list_size
        self.max_field_size = max_field_size
        self.max_continuation_frames = max_continuation_frames
        self.max_settings_entries = max_settings_entries
        self.max_queued_acks = max_queued_acks
        self.max_queued_control = max_queued_control
        self.rst_rate_burst = rst_rate_burst
        self.rst_rate_per_sec = rst_rate_per_sec
        self.glitch_rate_burst = glitch_rate_burst
        self.glitch_rate_per_sec = glitch_rate_per_sec
        self.max_reserved_streams = max_reserved_streams
        self.max_closed_streams = max_closed_streams
        self.hpack_policy = hpack_policy
        self.trace_frames = trace_frames
        self.strict_preface = strict_preface
        self.malformed_stream_error = malformed_stream_error

    @property
    def header_encoding(self) -> bool | str | None:
        """Codec used to decode received header fields, or ``None``/``False``
        for bytes."""
        return self._header_encoding

    @header_encoding.setter
    def header_encoding(self, value: bool | str | None) -> None:
        if value is not None and not isinstance(value, (bool, str)):
            raise ValueError("header_encoding must be bool, string, or None")
        if value is True:
            raise ValueError("header_encoding cannot be True")
        self._header_encoding = value

    @property
    def hpack_policy(self) -> str:
        """``"h2"`` or ``"compact"``: how header blocks are encoded."""
        return self._hpack_policy

    @hpack_policy.setter
    def hpack_policy(self, value: str) -> None:
        if not isinstance(value, str) or value not in _HPACK_POLICIES:
            raise ValueError(
                f"hpack_policy must be one of {', '.join(map(repr, _HPACK_POLICIES))}, not {value!r}"
            )
        self._hpack_policy = value
