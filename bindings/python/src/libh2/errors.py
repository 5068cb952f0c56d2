"""HTTP/2 error codes.

The codes an endpoint puts in RST_STREAM and GOAWAY frames, as registered by
RFC 9113 section 7. The numbering is fixed by the protocol; names follow the
RFC with underscores, the same names the h2 package uses.
"""
from __future__ import annotations

import enum


class ErrorCodes(enum.IntEnum):
    """The error codes defined by RFC 9113 section 7.

    Members are ints, so they compare equal to the raw values read from (or
    written to) the wire.
    """

    #: Not an error: used for a graceful GOAWAY.
    NO_ERROR = 0x0
    #: The peer broke a rule of the protocol (generic code).
    PROTOCOL_ERROR = 0x1
    #: The endpoint hit an internal fault.
    INTERNAL_ERROR = 0x2
    #: A flow-control window was violated.
    FLOW_CONTROL_ERROR = 0x3
    #: A SETTINGS frame went unacknowledged for too long.
    SETTINGS_TIMEOUT = 0x4
    #: A frame arrived on a stream that was already half-closed or closed.
    STREAM_CLOSED = 0x5
    #: A frame had an invalid length.
    FRAME_SIZE_ERROR = 0x6
    #: The stream was refused before any processing happened.
    REFUSED_STREAM = 0x7
    #: The stream is no longer wanted.
    CANCEL = 0x8
    #: The header compression context can no longer be kept in sync.
    COMPRESSION_ERROR = 0x9
    #: The tunnel of a CONNECT request failed.
    CONNECT_ERROR = 0xA
    #: The peer is generating excessive load.
    ENHANCE_YOUR_CALM = 0xB
    #: The TLS setup does not meet the protocol's requirements.
    INADEQUATE_SECURITY = 0xC
    #: The request has to be retried over HTTP/1.1.
    HTTP_1_1_REQUIRED = 0xD


def _error_code_from_int(code: int) -> ErrorCodes | int:
    """Turn a raw error code into an :class:`ErrorCodes` member.

    Codes outside the registry (extensions, or plain garbage from a peer) are
    handed back unchanged as ints.
    """
    try:
        return ErrorCodes(code)
    except ValueError:
        return code


__all__ = ["ErrorCodes"]
