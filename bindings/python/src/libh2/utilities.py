"""Header helpers and small utilities, as the h2 package offers them.

A connection does its header checks in C. These functions are the pure
Python versions that h2 exposes and that some applications call directly;
they take header lists of ``(name, value)`` byte pairs (tuples, or hpack's
``HeaderTuple`` / ``NeverIndexedHeaderTuple``) and behave as h2's do, down
to being lazy: the checking and normalizing functions return generators
that raise :class:`~libh2.exceptions.ProtocolError` while being consumed.
"""
from __future__ import annotations

import collections
from collections.abc import Generator, Iterable
from typing import Any, NamedTuple

from hpack.struct import HeaderTuple, NeverIndexedHeaderTuple

from .exceptions import FlowControlError, ProtocolError

# The two header representations these functions handle. Names and values are
# bytes except where a function says otherwise.
_Header = Any

#: Code of ``:``, which starts the name of every pseudo-header field.
SIGIL = ord(b":")
#: Code of ``1``, the first digit of an informational status.
INFORMATIONAL_START = ord(b"1")

#: Connection-specific fields, which HTTP/2 forbids (RFC 9113 section 8.2.2).
CONNECTION_HEADERS = frozenset(
    (b"connection", b"proxy-connection", b"keep-alive", b"transfer-encoding", b"upgrade")
)

# Every pseudo-header field this package accepts (:protocol is RFC 8441's).
_PSEUDO_HEADERS = frozenset(
    (b":method", b":scheme", b":authority", b":path", b":status", b":protocol")
)
_REQUEST_PSEUDO_HEADERS = frozenset(
    (b":method", b":scheme", b":authority", b":path", b":protocol")
)
_RESPONSE_PSEUDO_HEADERS = frozenset((b":status",))
# Only an extended CONNECT request (RFC 8441) may carry these.
_CONNECT_ONLY_PSEUDO_HEADERS = frozenset((b":protocol",))
# Fields whose values are too valuable to put in a compression table.
_CREDENTIAL_HEADERS = frozenset((b"authorization", b"proxy-authorization"))
# Cookie values shorter than this are never indexed either: short secrets
# are the easiest to recover through compression side channels.
_SHORT_COOKIE = 20

_LARGEST_WINDOW = 2**31 - 1


class HeaderValidationFlags(NamedTuple):
    """What kind of header block is being checked.

    Decides which of the rules of RFC 9113 section 8.3 apply.
    """

    #: This endpoint is a client.
    is_client: bool
    #: The block is a trailer block.
    is_trailer: bool
    #: The block is a response (final or informational).
    is_response_header: bool
    #: The block is the request of a PUSH_PROMISE.
    is_push_promise: bool


# ---- small helpers -----------------------------------------------------------


def extract_method_header(headers: Iterable[_Header]) -> bytes | None:
    """Return the value of ``:method`` (as bytes), or ``None`` if absent.

    Accepts byte pairs and str pairs; a str value is returned UTF-8 encoded.
    """
    for name, value in headers:
        if isinstance(value, bytes):
            if name == b":method":
                return value
        elif isinstance(value, str) and name == ":method":
            return value.encode("utf-8")
    return None


def is_informational_response(headers: Iterable[_Header]) -> bool:
    """Tell whether a response header block is informational (1xx).

    Only the leading pseudo-header fields are looked at, which is where
    ``:status`` has to be: the search stops at the first regular field.
    """
    for name, value in headers:
        if not name.startswith(b":"):
            return False
        if name == b":status":
            return bool(value.startswith(b"1"))
    return False


def guard_increment_window(current: int, increment: int) -> int:
    """Return ``current + increment``, refusing to go above 2**31 - 1.

    :raises FlowControlError: if the window would become too large.
    """
    result = current + increment
    if result > _LARGEST_WINDOW:
        raise FlowControlError(
            f"May not increment flow control window past {_LARGEST_WINDOW}"
        )
    return result


def authority_from_headers(headers: Iterable[_Header]) -> bytes | None:
    """Return the value of ``:authority``, or ``None`` if absent.

    Looks through the whole list, so meant for request blocks.
    """
    for name, value in headers:
        if name == b":authority":
            return value  # type: ignore[no-any-return]
    return None


def _to_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _rebuild(header: _Header, name: bytes, value: bytes) -> _Header:
    """A pair like ``header`` (same tuple class if an hpack one) with new
    contents."""
    if isinstance(header, HeaderTuple):
        return header.__class__(name, value)
    return (name, value)


def utf8_encode_headers(headers: Iterable[_Header]) -> list[_Header]:
    """Return the header list with str names and values UTF-8 encoded.

    Bytes are kept as they are; hpack tuples keep their class.
    """
    return [
        _rebuild(header, _to_bytes(header[0]), _to_bytes(header[1]))
        for header in headers
    ]


class SizeLimitDict(collections.OrderedDict):  # type: ignore[type-arg]
    """An ordered dict that forgets its oldest entries beyond a size.

    :param size_limit: keyword-only; the most entries kept (``None``, the
        default, for no limit). Inserting beyond it evicts the entries
        inserted first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._size_limit = kwargs.pop("size_limit", None)
        super().__init__(*args, **kwargs)
        self._check_size_limit()

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._check_size_limit()

    def _check_size_limit(self) -> None:
        if self._size_limit is None:
            return
        while len(self) > self._size_limit:
            self.popitem(last=False)


# ---- validation --------------------------------------------------------------


def _check_field_characters(name: bytes, value: bytes) -> None:
    """RFC 9113 section 8.2.1: characters a name or value must not contain."""
    for octet in name:
        if 0x41 <= octet <= 0x5A:
            raise ProtocolError(f"Received uppercase header name {name!r}.")
        if octet <= 0x20 or octet >= 0x7F:
            raise ProtocolError(f"Illegal character '{chr(octet)}' in header name: {name!r}")
    # A colon is only allowed as the first character, in pseudo-headers.
    if name.find(b":", 1) != -1:
        raise ProtocolError(f"Illegal character ':' in header name: {name!r}")
    # Empty values are allowed.
    if not value:
        return
    for octet in value:
        if octet in (0x00, 0x0A, 0x0D):
            raise ProtocolError(f"Illegal character '{chr(octet)}' in header value: {value!r}")
    if value[0] in (0x20, 0x09) or value[-1] in (0x20, 0x09):
        raise ProtocolError(f"Received header value surrounded by whitespace {value!r}")


def _check_te(name: bytes, value: bytes) -> None:
    if name == b"te" and value.lower() != b"trailers":
        raise ProtocolError(f"Invalid value for TE header: {value!r}")


def _check_not_connection_specific(name: bytes) -> None:
    if name in CONNECTION_HEADERS:
        raise ProtocolError(f"Connection-specific header field present: {name!r}.")


def _require(name: bytes, present: set[bytes]) -> None:
    if name not in present:
        raise ProtocolError(f"Header block missing mandatory {name!r} header")


def _check_pseudo_header_set(
    pseudo: set[bytes],
    method: bytes | None,
    flags: HeaderValidationFlags,
) -> None:
    """Check the set of pseudo-headers of a complete block (RFC 9113 8.3)."""
    if flags.is_trailer and pseudo:
        raise ProtocolError(f"Received pseudo-header in trailer {pseudo}")
    if flags.is_response_header:
        _require(b":status", pseudo)
        misplaced = pseudo & _REQUEST_PSEUDO_HEADERS
        if misplaced:
            raise ProtocolError(f"Encountered request-only headers {misplaced}")
        return
    if flags.is_trailer:
        return
    # A request.
    _require(b":method", pseudo)
    connect = method == b"CONNECT"
    if connect and b":protocol" not in pseudo:
        # A plain CONNECT names only an authority (RFC 9113 section 8.5).
        if b":scheme" in pseudo or b":path" in pseudo:
            raise ProtocolError("Ordinary CONNECT MUST NOT include :scheme or :path")
    else:
        # Every other request, extended CONNECT (RFC 8441 section 4)
        # included, needs a scheme and a path.
        _require(b":scheme", pseudo)
        _require(b":path", pseudo)
    misplaced = pseudo & _RESPONSE_PSEUDO_HEADERS
    if misplaced:
        raise ProtocolError(f"Encountered response-only headers {misplaced}")
    if not connect:
        misplaced = pseudo & _CONNECT_ONLY_PSEUDO_HEADERS
        if misplaced:
            raise ProtocolError(f"Encountered connect-request-only headers {misplaced!r}")


def _check_block(
    headers: Iterable[_Header],
    flags: HeaderValidationFlags,
    *,
    check_characters: bool,
) -> Generator[_Header, None, None]:
    """Yield the fields of a header block, checking them on the way.

    Each field is checked when it is reached, in this order: its characters
    and non-empty name (only if ``check_characters``), the TE field,
    connection-specific fields, pseudo-header placement, duplicate Host,
    empty ``:path``. After the last field, the block's set of pseudo-headers
    is checked, then the presence and agreement of ``:authority`` and Host.
    The last three concern requests only (not responses or trailers).
    """
    request = not (flags.is_response_header or flags.is_trailer)
    pseudo: set[bytes] = set()
    regular_seen = False
    method = None
    authority = None
    host = None

    for header in headers:
        name = header[0]
        value = header[1]
        if check_characters:
            _check_field_characters(name, value)
            if len(name) == 0:
                raise ProtocolError("Received header name with zero length.")
        _check_te(name, value)
        _check_not_connection_specific(name)

        if name[0] == SIGIL:
            if name in pseudo:
                raise ProtocolError(f"Received duplicate pseudo-header field {name!r}")
            pseudo.add(name)
            if regular_seen:
                raise ProtocolError(f"Received pseudo-header field out of sequence: {name!r}")
            if name not in _PSEUDO_HEADERS:
                raise ProtocolError(f"Received custom pseudo-header field {name!r}")
            if name == b":method":
                method = value
        else:
            regular_seen = True

        if request:
            if name == b":authority":
                authority = value
            elif name == b"host":
                if host is not None:
                    raise ProtocolError("Request header block has multiple Host headers.")
                host = value
            if name == b":path" and not value:
                raise ProtocolError("An empty :path header is forbidden")

        yield header

    _check_pseudo_header_set(pseudo, method, flags)

    if request:
        if authority is None and host is None:
            raise ProtocolError(
                "Request header block does not have an :authority or Host header."
            )
        if authority is not None and host is not None and authority != host:
            raise ProtocolError(
                "Request header block has mismatched :authority and "
                f"Host headers: {authority!r} / {host!r}"
            )


def validate_headers(
    headers: Iterable[_Header], hdr_validation_flags: HeaderValidationFlags,
) -> Iterable[_Header]:
    """Check a received header block against RFC 9113.

    Returns a generator of the same fields; problems are raised as
    :class:`~libh2.exceptions.ProtocolError` while it is consumed.
    Checked: forbidden characters, uppercase and empty names, the TE field,
    connection-specific fields, pseudo-header fields (known, unique, first,
    and the right ones for the kind of block), and for requests the
    ``:authority`` / Host pair and a non-empty ``:path``.
    """
    return _check_block(headers, hdr_validation_flags, check_characters=True)


def validate_outbound_headers(
    headers: Iterable[_Header], hdr_validation_flags: HeaderValidationFlags,
) -> Generator[_Header, None, None]:
    """Check a header block about to be sent.

    As :func:`validate_headers`, except that names and values are not
    checked character by character (and an empty name is not looked for).
    """
    return _check_block(headers, hdr_validation_flags, check_characters=False)


# ---- normalization -------------------------------------------------------------


def _normalize_outbound(
    headers: Iterable[_Header], split_cookies: bool,
) -> Generator[_Header, None, None]:
    for header in headers:
        lowered = _rebuild(header, header[0].lower(), header[1])
        if split_cookies:
            name, value = lowered[0], lowered[1]
            assert isinstance(name, bytes)
            assert isinstance(value, bytes)
            if name == b"cookie":
                pieces = [_rebuild(lowered, name, crumb) for crumb in value.split(b"; ")]
            else:
                pieces = [lowered]
        else:
            pieces = [lowered]
        for piece in pieces:
            piece = _rebuild(piece, piece[0].strip(), piece[1].strip())
            name, value = piece[0], piece[1]
            if name in CONNECTION_HEADERS:
                continue
            assert isinstance(name, bytes)
            if name in _CREDENTIAL_HEADERS or (name == b"cookie" and len(value) < _SHORT_COOKIE):
                yield NeverIndexedHeaderTuple(name, value)
            else:
                yield piece


def normalize_outbound_headers(
    headers: Iterable[_Header],
    hdr_validation_flags: HeaderValidationFlags | None,
    should_split_outbound_cookies: bool = False,
) -> Generator[_Header, None, None]:
    """Prepare a header block for sending.

    Returns a generator that lowercases names, splits ``cookie`` fields at
    ``"; "`` if ``should_split_outbound_cookies``, strips surrounding
    whitespace from names and values, drops connection-specific fields and
    turns credentials and short cookies into ``NeverIndexedHeaderTuple`` so
    they stay out of the HPACK table. Other fields keep their tuple class.
    ``hdr_validation_flags`` is accepted for symmetry and not used.
    """
    return _normalize_outbound(headers, should_split_outbound_cookies)


def _join_cookies(headers: Iterable[_Header]) -> Generator[_Header, None, None]:
    crumbs = []
    for header in headers:
        if header[0] == b"cookie":
            crumbs.append(header[1])
        else:
            yield header
    if crumbs:
        yield NeverIndexedHeaderTuple(b"cookie", b"; ".join(crumbs))


def normalize_inbound_headers(
    headers: Iterable[_Header], hdr_validation_flags: HeaderValidationFlags,
) -> Generator[_Header, None, None]:
    """Undo the cookie splitting HTTP/2 allows in a received block.

    Returns a generator of the fields with every ``cookie`` field removed
    and, at the end, a single ``cookie`` field joining their values with
    ``"; "`` (RFC 9113 section 8.2.3), as a ``NeverIndexedHeaderTuple``.
    """
    return _join_cookies(headers)
