"""Tests of libh2.utilities."""
from __future__ import annotations

import collections
import inspect
import types

import pytest
from hpack import HeaderTuple, NeverIndexedHeaderTuple

from libh2.exceptions import FlowControlError, ProtocolError
from libh2.utilities import (
    CONNECTION_HEADERS,
    INFORMATIONAL_START,
    SIGIL,
    HeaderValidationFlags,
    SizeLimitDict,
    authority_from_headers,
    extract_method_header,
    guard_increment_window,
    is_informational_response,
    normalize_inbound_headers,
    normalize_outbound_headers,
    utf8_encode_headers,
    validate_headers,
    validate_outbound_headers,
)

REQUEST = HeaderValidationFlags(is_client=False, is_trailer=False, is_response_header=False,
                                is_push_promise=False)
RESPONSE = HeaderValidationFlags(is_client=True, is_trailer=False, is_response_header=True,
                                 is_push_promise=False)
TRAILER = HeaderValidationFlags(is_client=False, is_trailer=True, is_response_header=False,
                                is_push_promise=False)

GOOD_REQUEST = [
    (b":method", b"GET"),
    (b":scheme", b"https"),
    (b":authority", b"example.com"),
    (b":path", b"/"),
    (b"user-agent", b"test"),
]


def check(headers, flags=REQUEST, outbound=False):
    fn = validate_outbound_headers if outbound else validate_headers
    return list(fn(headers, flags))


def test_constants():
    assert SIGIL == 0x3A
    assert INFORMATIONAL_START == 0x31
    assert CONNECTION_HEADERS == frozenset(
        [b"connection", b"proxy-connection", b"keep-alive", b"transfer-encoding", b"upgrade"])


def test_header_validation_flags():
    assert HeaderValidationFlags._fields == ("is_client", "is_trailer", "is_response_header",
                                             "is_push_promise")
    f = HeaderValidationFlags(True, False, True, False)
    assert isinstance(f, tuple)
    assert f.is_client and f.is_response_header and not f.is_trailer
    with pytest.raises(TypeError):
        HeaderValidationFlags(True, False)  # type: ignore[call-arg]


# ---- small helpers ------------------------------------------------------------


def test_extract_method_header():
    assert extract_method_header(GOOD_REQUEST) == b"GET"
    assert extract_method_header([(":method", "POST")]) == b"POST"
    assert extract_method_header([(b"a", b"b")]) is None
    assert extract_method_header([]) is None
    # A str name with a bytes value is not recognised, nor the reverse.
    assert extract_method_header([(":method", b"PUT")]) is None
    assert extract_method_header([(b":method", "PUT")]) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b":status", b"100")], True),
        ([(b":status", b"103"), (b"link", b"</a>")], True),
        ([(b":status", b"200")], False),
        ([(b":other", b"x"), (b":status", b"199")], True),
        ([(b"server", b"x"), (b":status", b"100")], False),
        ([], False),
    ],
)
def test_is_informational_response(headers, expected):
    assert is_informational_response(headers) is expected


def test_guard_increment_window():
    assert guard_increment_window(10, 20) == 30
    assert guard_increment_window(0, 2**31 - 1) == 2**31 - 1
    with pytest.raises(FlowControlError, match="^May not increment flow control window past 2147483647$"):
        guard_increment_window(1, 2**31 - 1)


def test_authority_from_headers():
    assert authority_from_headers(GOOD_REQUEST) == b"example.com"
    assert authority_from_headers([(b"host", b"x")]) is None
    assert authority_from_headers([(b"a", b"b"), (b":authority", b"late")]) == b"late"


def test_utf8_encode_headers():
    out = utf8_encode_headers([("a", "é"), (b"b", b"c"), HeaderTuple("d", "e"),
                               NeverIndexedHeaderTuple(b"f", "g")])
    assert out == [(b"a", "é".encode()), (b"b", b"c"), (b"d", b"e"), (b"f", b"g")]
    assert [type(h) for h in out] == [tuple, tuple, HeaderTuple, NeverIndexedHeaderTuple]
    assert isinstance(out, list)


def test_size_limit_dict():
    d = SizeLimitDict(size_limit=2)
    assert isinstance(d, collections.OrderedDict)
    d[1] = "a"
    d[2] = "b"
    d[3] = "c"
    assert list(d.items()) == [(2, "b"), (3, "c")]
    d[2] = "B"
    assert list(d) == [2, 3]
    unlimited = SizeLimitDict({i: i for i in range(100)})
    assert len(unlimited) == 100
    trimmed = SizeLimitDict({i: i for i in range(5)}, size_limit=3)
    assert list(trimmed) == [2, 3, 4]
    zero = SizeLimitDict(size_limit=0)
    zero[1] = 1
    assert len(zero) == 0


# ---- validation -----------------------------------------------------------------


def test_valid_request_passes_through_unchanged():
    headers = [HeaderTuple(*h) for h in GOOD_REQUEST]
    out = check(headers)
    assert out == headers
    assert all(a is b for a, b in zip(out, headers))


def test_validation_is_lazy():
    gen = validate_headers([(b":method", b"GET"), (b"Bad", b"x")], REQUEST)
    assert isinstance(gen, types.GeneratorType)
    assert next(gen) == (b":method", b"GET")
    with pytest.raises(ProtocolError):
        next(gen)
    gen = validate_outbound_headers([(b"connection", b"close")], REQUEST)
    assert inspect.isgenerator(gen)


def test_valid_response_and_trailers():
    assert check([(b":status", b"200"), (b"server", b"x")], RESPONSE)
    assert check([(b"grpc-status", b"0")], TRAILER)
    assert check([], TRAILER) == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([(b"Upper", b"x")], "Received uppercase header name b'Upper'."),
        ([(b"a b", b"x")], "Illegal character ' ' in header name: b'a b'"),
        ([(b"a\x7f", b"x")], "Illegal character '\x7f' in header name: b'a\\x7f'"),
        ([(b"a:b", b"x")], "Illegal character ':' in header name: b'a:b'"),
        ([(b"a", b"x\x00y")], "Illegal character '\x00' in header value: b'x\\x00y'"),
        ([(b"a", b"x\ny")], "Illegal character '\n' in header value: b'x\\ny'"),
        ([(b"a", b"x\ry")], "Illegal character '\r' in header value: b'x\\ry'"),
        ([(b"a", b" x")], "Received header value surrounded by whitespace b' x'"),
        ([(b"a", b"x\t")], "Received header value surrounded by whitespace b'x\\t'"),
        ([(b"", b"x")], "Received header name with zero length."),
        ([(b"te", b"gzip")], "Invalid value for TE header: b'gzip'"),
        ([(b"connection", b"close")], "Connection-specific header field present: b'connection'."),
        ([(b"upgrade", b"h2c")], "Connection-specific header field present: b'upgrade'."),
        (GOOD_REQUEST + [(b":path", b"/again")], "Received duplicate pseudo-header field b':path'"),
        ([(b"a", b"b"), (b":method", b"GET")], "Received pseudo-header field out of sequence: b':method'"),
        ([(b":custom", b"x")], "Received custom pseudo-header field b':custom'"),
        ([(b":scheme", b"https"), (b":path", b"/"), (b":authority", b"a")],
         "Header block missing mandatory b':method' header"),
        ([(b":method", b"GET"), (b":path", b"/"), (b":authority", b"a")],
         "Header block missing mandatory b':scheme' header"),
        ([(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"a")],
         "Header block missing mandatory b':path' header"),
        ([(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/")],
         "Request header block does not have an :authority or Host header."),
        (GOOD_REQUEST + [(b"host", b"other.com")],
         "Request header block has mismatched :authority and Host headers: b'example.com' / b'other.com'"),
        (GOOD_REQUEST + [(b"host", b"example.com"), (b"host", b"example.com")],
         "Request header block has multiple Host headers."),
        ([(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"a"), (b":path", b"")],
         "An empty :path header is forbidden"),
        (GOOD_REQUEST[:-1] + [(b":status", b"200")], "Encountered response-only headers {b':status'}"),
        ([(b":method", b"CONNECT"), (b":authority", b"a:443"), (b":path", b"/")],
         "Ordinary CONNECT MUST NOT include :scheme or :path"),
        ([(b":method", b"CONNECT"), (b":protocol", b"websocket"), (b":authority", b"a"), (b":path", b"/")],
         "Header block missing mandatory b':scheme' header"),
        (GOOD_REQUEST[:-1] + [(b":protocol", b"websocket")],
         "Encountered connect-request-only headers {b':protocol'}"),
    ],
)
def test_invalid_request_blocks(headers, message):
    with pytest.raises(ProtocolError) as info:
        check(headers)
    assert str(info.value) == message
    assert type(info.value) is ProtocolError


@pytest.mark.parametrize(
    ("headers", "flags", "message"),
    [
        ([(b"server", b"x")], RESPONSE, "Header block missing mandatory b':status' header"),
        ([(b":status", b"200"), (b":path", b"/")], RESPONSE, "Encountered request-only headers {b':path'}"),
        ([(b":status", b"200")], TRAILER, "Received pseudo-header in trailer {b':status'}"),
    ],
)
def test_invalid_response_and_trailer_blocks(headers, flags, message):
    with pytest.raises(ProtocolError) as info:
        check(headers, flags)
    assert str(info.value) == message


def test_connect_requests():
    plain = [(b":method", b"CONNECT"), (b":authority", b"proxy:443")]
    assert check(plain) == plain
    extended = [(b":method", b"CONNECT"), (b":protocol", b"websocket"), (b":scheme", b"https"),
                (b":path", b"/chat"), (b":authority", b"a")]
    assert check(extended) == extended


def test_request_checks_skipped_for_responses_and_trailers():
    # No :authority/Host and an empty :path are not looked at outside requests.
    assert check([(b":status", b"200"), (b"host", b"a"), (b"host", b"b")], RESPONSE)
    assert check([(b"x", b"")], TRAILER)


def test_host_alone_is_enough_and_matching_pair_is_fine():
    block = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b"host", b"a")]
    assert check(block) == block
    assert check(GOOD_REQUEST + [(b"host", b"example.com")])


def test_te_trailers_allowed_in_any_case():
    assert check(GOOD_REQUEST + [(b"te", b"trailers")])
    assert check(GOOD_REQUEST + [(b"te", b"TRAILERS")], outbound=True)


def test_empty_value_allowed():
    assert check(GOOD_REQUEST + [(b"x-empty", b"")])


def test_check_order_within_a_field():
    # Characters are checked before connection-specific names.
    with pytest.raises(ProtocolError, match="uppercase"):
        check([(b"Connection", b"close")])
    # A pseudo-header problem shows before the missing :authority one.
    with pytest.raises(ProtocolError, match="missing mandatory b':path'"):
        check([(b":method", b"GET"), (b":scheme", b"http")])


def test_outbound_validation_skips_character_checks():
    headers = GOOD_REQUEST + [(b"x-upper", b" padded ")]
    assert check(headers, outbound=True) == headers
    assert check(GOOD_REQUEST + [(b"Mixed", b"v")], outbound=True)
    with pytest.raises(ProtocolError, match="Connection-specific"):
        check(GOOD_REQUEST + [(b"keep-alive", b"5")], outbound=True)
    with pytest.raises(ProtocolError, match="does not have an :authority"):
        check([(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/")], outbound=True)
    # An empty name is not caught as such (as in h2, indexing it fails).
    with pytest.raises(IndexError):
        check([(b"", b"x")], TRAILER, outbound=True)


# ---- normalization --------------------------------------------------------------


def normalize_out(headers, split=False):
    return list(normalize_outbound_headers(headers, None, split))


def test_normalize_outbound_lowercases_and_strips():
    out = normalize_out([(b"X-Name ", b"  value\t"), HeaderTuple(b"Accept", b" */* ")])
    assert out == [(b"x-name", b"value"), (b"accept", b"*/*")]
    assert [type(h) for h in out] == [tuple, HeaderTuple]


def test_normalize_outbound_drops_connection_headers():
    out = normalize_out([(b"Connection", b"close"), (b"a", b"b"), (b" keep-alive", b"1")])
    assert out == [(b"a", b"b")]


def test_normalize_outbound_protects_sensitive_fields():
    out = normalize_out([
        (b"authorization", b"Bearer abc"),
        (b"Proxy-Authorization", b"Basic x"),
        (b"cookie", b"short=1"),
        (b"cookie", b"a-much-longer-cookie=value"),
        (b"cookie", b"x" * 19),
        (b"cookie", b"x" * 20),
    ])
    assert [type(h) for h in out] == [NeverIndexedHeaderTuple, NeverIndexedHeaderTuple,
                                      NeverIndexedHeaderTuple, tuple, NeverIndexedHeaderTuple, tuple]
    assert out[1] == (b"proxy-authorization", b"Basic x")


def test_normalize_outbound_keeps_never_indexed_class():
    out = normalize_out([NeverIndexedHeaderTuple(b"X-Secret", b"v")])
    assert out == [(b"x-secret", b"v")]
    assert type(out[0]) is NeverIndexedHeaderTuple


def test_normalize_outbound_splits_cookies_only_when_asked():
    block = [(b"cookie", b"a=1; b=2; c=a-rather-long-value-here")]
    assert normalize_out(block) == [(b"cookie", b"a=1; b=2; c=a-rather-long-value-here")]
    out = normalize_out(block, split=True)
    assert out == [(b"cookie", b"a=1"), (b"cookie", b"b=2"), (b"cookie", b"c=a-rather-long-value-here")]
    assert [type(h) for h in out] == [NeverIndexedHeaderTuple, NeverIndexedHeaderTuple, tuple]
    out = normalize_out([HeaderTuple(b"Cookie", b"x=1;y=2")], split=True)
    assert out == [(b"cookie", b"x=1;y=2")]


def test_normalize_outbound_is_lazy_and_ignores_flags():
    gen = normalize_outbound_headers([(b"A", b"b")], REQUEST)
    assert inspect.isgenerator(gen)
    assert list(gen) == [(b"a", b"b")]


def test_normalize_outbound_str_names_fail_like_h2():
    with pytest.raises(AssertionError):
        normalize_out([("a", "b")])


def test_normalize_inbound_joins_cookies_at_the_end():
    out = list(normalize_inbound_headers(
        [(b":method", b"GET"), (b"cookie", b"a=1"), (b"x", b"y"), (b"cookie", b"b=2")], REQUEST))
    assert out == [(b":method", b"GET"), (b"x", b"y"), (b"cookie", b"a=1; b=2")]
    assert type(out[-1]) is NeverIndexedHeaderTuple
    one = list(normalize_inbound_headers([(b"cookie", b"only")], REQUEST))
    assert one == [(b"cookie", b"only")] and type(one[0]) is NeverIndexedHeaderTuple
    none = [HeaderTuple(b"a", b"b")]
    out = list(normalize_inbound_headers(none, REQUEST))
    assert out == none and out[0] is none[0]
