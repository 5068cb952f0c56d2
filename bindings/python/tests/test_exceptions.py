"""Tests of libh2.exceptions, including the hooks used by the C extension."""
from __future__ import annotations

import pathlib
import pickle
import re
import types

import pytest

from libh2 import exceptions as exc_mod
from libh2.errors import ErrorCodes
from libh2.exceptions import (
    CompressionError,
    DenialOfServiceError,
    FlowControlError,
    FrameDataMissingError,
    FrameSizeError,
    FrameTooLargeError,
    H2Error,
    HeaderListTooLargeError,
    InvalidBodyLengthError,
    InvalidSettingsValueError,
    NoAvailableStreamIDError,
    NoSuchStreamError,
    ProtocolError,
    RFC1122Error,
    StreamClosedError,
    StreamIDTooLowError,
    TooManyStreamsError,
    UnsupportedFrameError,
    _bind_status_codes,
    _exception_for_status,
)

HEADER = pathlib.Path(__file__).resolve().parents[3] / "abi" / "include" / "h2" / "h2.h"


def header_status_codes() -> dict[str, int]:
    """The H2_ERR_* enumerators of the C header, by name."""
    text = HEADER.read_text()
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"\b(H2_ERR_[A-Z0-9_]+)\s*=\s*(-?\d+)", text)}


@pytest.fixture
def codes():
    if not HEADER.exists():
        pytest.skip("C header not available")
    found = header_status_codes()
    assert found, "no H2_ERR_ codes parsed from the header"
    return found


@pytest.fixture
def bound(codes):
    """Bind the status table to a stand-in for the extension module."""
    saved = dict(exc_mod._STATUS_CLASSES)
    table = _bind_status_codes(types.SimpleNamespace(**codes))
    yield codes, table
    exc_mod._STATUS_CLASSES.clear()
    exc_mod._STATUS_CLASSES.update(saved)


# ---- the public classes ----------------------------------------------------

PARENTS = {
    H2Error: (Exception,),
    ProtocolError: (H2Error,),
    FrameTooLargeError: (ProtocolError,),
    FrameDataMissingError: (ProtocolError,),
    TooManyStreamsError: (ProtocolError,),
    FlowControlError: (ProtocolError,),
    StreamIDTooLowError: (ProtocolError,),
    NoAvailableStreamIDError: (ProtocolError,),
    NoSuchStreamError: (ProtocolError,),
    StreamClosedError: (NoSuchStreamError,),
    InvalidSettingsValueError: (ProtocolError, ValueError),
    InvalidBodyLengthError: (ProtocolError,),
    UnsupportedFrameError: (ProtocolError,),
    RFC1122Error: (H2Error,),
    DenialOfServiceError: (ProtocolError,),
    CompressionError: (ProtocolError,),
    HeaderListTooLargeError: (DenialOfServiceError,),
    FrameSizeError: (FrameDataMissingError,),
}


@pytest.mark.parametrize("cls", list(PARENTS), ids=lambda c: c.__name__)
def test_direct_bases(cls):
    assert cls.__bases__ == PARENTS[cls]


def test_only_invalid_settings_value_is_a_value_error():
    for cls in PARENTS:
        assert issubclass(cls, ValueError) == (cls is InvalidSettingsValueError)
        assert not issubclass(cls, KeyError)


def test_rfc1122_error_is_not_a_protocol_error():
    assert not issubclass(RFC1122Error, ProtocolError)


CLASS_CODES = {
    ProtocolError: ErrorCodes.PROTOCOL_ERROR,
    FrameTooLargeError: ErrorCodes.FRAME_SIZE_ERROR,
    FrameDataMissingError: ErrorCodes.FRAME_SIZE_ERROR,
    TooManyStreamsError: ErrorCodes.PROTOCOL_ERROR,
    FlowControlError: ErrorCodes.FLOW_CONTROL_ERROR,
    StreamIDTooLowError: ErrorCodes.PROTOCOL_ERROR,
    NoAvailableStreamIDError: ErrorCodes.PROTOCOL_ERROR,
    NoSuchStreamError: ErrorCodes.PROTOCOL_ERROR,
    InvalidBodyLengthError: ErrorCodes.PROTOCOL_ERROR,
    UnsupportedFrameError: ErrorCodes.PROTOCOL_ERROR,
    DenialOfServiceError: ErrorCodes.ENHANCE_YOUR_CALM,
    CompressionError: ErrorCodes.COMPRESSION_ERROR,
    HeaderListTooLargeError: ErrorCodes.ENHANCE_YOUR_CALM,
    FrameSizeError: ErrorCodes.FRAME_SIZE_ERROR,
}


@pytest.mark.parametrize("cls", list(CLASS_CODES), ids=lambda c: c.__name__)
def test_class_error_codes(cls):
    assert cls.error_code is CLASS_CODES[cls]


def test_h2error_and_rfc1122_have_no_error_code():
    assert not hasattr(H2Error, "error_code")
    assert not hasattr(RFC1122Error, "error_code")


@pytest.mark.parametrize(
    "cls",
    [H2Error, ProtocolError, FrameTooLargeError, FrameDataMissingError, TooManyStreamsError,
     FlowControlError, NoAvailableStreamIDError, UnsupportedFrameError, RFC1122Error,
     DenialOfServiceError, CompressionError, HeaderListTooLargeError, FrameSizeError],
    ids=lambda c: c.__name__,
)
def test_message_classes(cls):
    e = cls("what happened")
    assert str(e) == "what happened"
    assert e.args == ("what happened",)
    with pytest.raises(cls):
        raise e


def test_stream_id_too_low():
    e = StreamIDTooLowError(3, 7)
    assert e.stream_id == 3
    assert e.max_stream_id == 7
    assert e.args == (3, 7)
    assert str(e) == "StreamIDTooLowError: 3 is lower than 7"
    with pytest.raises(TypeError):
        StreamIDTooLowError(3)  # type: ignore[call-arg]


def test_no_such_stream():
    e = NoSuchStreamError(9)
    assert e.stream_id == 9
    assert e.args == (9,)
    assert str(e) == "9"
    assert e.error_code == ErrorCodes.PROTOCOL_ERROR
    assert "error_code" not in vars(e)


def test_stream_closed():
    e = StreamClosedError(11)
    assert e.stream_id == 11
    assert str(e) == "11"
    # An instance attribute, unlike the other classes.
    assert vars(e)["error_code"] is ErrorCodes.STREAM_CLOSED
    assert e._events == []
    assert isinstance(e, NoSuchStreamError)


def test_invalid_settings_value():
    e = InvalidSettingsValueError("bad value", error_code=ErrorCodes.FLOW_CONTROL_ERROR)
    assert str(e) == "bad value"
    assert e.args == ("bad value",)
    assert e.error_code is ErrorCodes.FLOW_CONTROL_ERROR
    e2 = InvalidSettingsValueError("x", ErrorCodes.PROTOCOL_ERROR)
    assert e2.error_code is ErrorCodes.PROTOCOL_ERROR
    with pytest.raises(ValueError):
        raise e
    with pytest.raises(TypeError):
        InvalidSettingsValueError("no code")  # type: ignore[call-arg]


def test_invalid_body_length():
    e = InvalidBodyLengthError(10, 4)
    assert e.expected_length == 10
    assert e.actual_length == 4
    assert e.args == (10, 4)
    assert str(e) == "InvalidBodyLengthError: Expected 10 bytes, received 4"


def test_pickle_round_trip_of_plain_classes():
    e = pickle.loads(pickle.dumps(StreamIDTooLowError(5, 9)))
    assert (e.stream_id, e.max_stream_id) == (5, 9)
    e = pickle.loads(pickle.dumps(FlowControlError("window")))
    assert str(e) == "window"


# ---- the status-code table ---------------------------------------------------

EXPECTED_MAPPING = {
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
    "H2_ERR_COMPRESSION": CompressionError,
    "H2_ERR_HEADER_LIST_TOO_LARGE": HeaderListTooLargeError,
    "H2_ERR_FRAME_SIZE": FrameSizeError,
    "H2_ERR_INVALID_ARGUMENT": ValueError,
    "H2_ERR_INVALID_STATE": ProtocolError,
    "H2_ERR_NOMEM": MemoryError,
    "H2_ERR_BUFFER_TOO_SMALL": RuntimeError,
}


def test_status_names_mapping():
    assert exc_mod._STATUS_NAMES == EXPECTED_MAPPING


def test_every_error_of_the_header_is_mapped(codes):
    assert set(codes) == set(exc_mod._STATUS_NAMES)


def test_bind_resolves_numbers(bound):
    codes, table = bound
    assert len(table) == len(codes)
    for name, value in codes.items():
        assert table[value] is EXPECTED_MAPPING[name]
    assert exc_mod._STATUS_CLASSES == table
    # The returned dict is a copy.
    table.clear()
    assert exc_mod._STATUS_CLASSES


def test_bind_reports_missing_names(codes):
    partial = dict(codes)
    del partial["H2_ERR_FRAME_SIZE"]
    with pytest.raises(AttributeError, match="H2_ERR_FRAME_SIZE"):
        _bind_status_codes(types.SimpleNamespace(**partial))


@pytest.mark.parametrize("bad", [0, 5, "x", None, True])
def test_bind_rejects_non_negative_or_non_int(codes, bad):
    broken = dict(codes, H2_ERR_NOMEM=bad)
    with pytest.raises(ValueError, match="H2_ERR_NOMEM"):
        _bind_status_codes(types.SimpleNamespace(**broken))


def test_bind_rejects_duplicate_values(codes):
    broken = dict(codes, H2_ERR_NOMEM=codes["H2_ERR_PROTOCOL"])
    with pytest.raises(ValueError, match="reuses"):
        _bind_status_codes(types.SimpleNamespace(**broken))


def test_failed_bind_keeps_previous_table(bound, codes):
    codes_now, table = bound
    broken = dict(codes, H2_ERR_NOMEM=1)
    with pytest.raises(ValueError):
        _bind_status_codes(types.SimpleNamespace(**broken))
    assert exc_mod._STATUS_CLASSES == table


# ---- building exceptions for statuses ---------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_MAPPING))
def test_every_status_builds_its_class(bound, name):
    codes, _ = bound
    e = _exception_for_status(codes[name], "engine said so", 5)
    assert type(e) is EXPECTED_MAPPING[name]
    assert isinstance(e, BaseException)


@pytest.mark.parametrize(
    "name",
    ["H2_ERR_PROTOCOL", "H2_ERR_FRAME_TOO_LARGE", "H2_ERR_FLOW_CONTROL", "H2_ERR_TOO_MANY_STREAMS",
     "H2_ERR_NO_AVAILABLE_STREAM_ID", "H2_ERR_UNSUPPORTED_FRAME", "H2_ERR_RFC1122",
     "H2_ERR_DENIAL_OF_SERVICE", "H2_ERR_COMPRESSION", "H2_ERR_HEADER_LIST_TOO_LARGE",
     "H2_ERR_FRAME_SIZE", "H2_ERR_INVALID_ARGUMENT", "H2_ERR_INVALID_STATE", "H2_ERR_NOMEM",
     "H2_ERR_BUFFER_TOO_SMALL", "H2_ERR_FRAME_DATA_MISSING", "H2_ERR_INVALID_SETTINGS_VALUE",
     "H2_ERR_NO_SUCH_STREAM", "H2_ERR_STREAM_CLOSED"],
)
def test_message_is_the_engine_text(bound, name):
    codes, _ = bound
    e = _exception_for_status(codes[name], "detail text from C")
    assert str(e) == "detail text from C"


def test_no_such_stream_takes_the_stream_id(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_NO_SUCH_STREAM"], "no stream 7", 7)
    assert type(e) is NoSuchStreamError
    assert e.stream_id == 7
    assert e.args == ("no stream 7",)


def test_stream_closed_takes_the_stream_id(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_CLOSED"], "stream 9 is closed", 9)
    assert type(e) is StreamClosedError
    assert e.stream_id == 9
    assert e.error_code is ErrorCodes.STREAM_CLOSED
    assert e._events == []


def test_stream_id_read_from_message_when_not_given(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_CLOSED"], "stream 13 is closed", None)
    assert e.stream_id == 13
    e = _exception_for_status(codes["H2_ERR_NO_SUCH_STREAM"], "HEADERS on a closed stream")
    assert e.stream_id is None


def test_explicit_stream_id_wins_over_message(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_CLOSED"], "stream 13 is closed", 15)
    assert e.stream_id == 15


def test_stream_id_too_low_parses_the_engine_text(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_ID_TOO_LOW"], "stream id 3 is lower than 7", 3)
    assert type(e) is StreamIDTooLowError
    assert (e.stream_id, e.max_stream_id) == (3, 7)
    assert str(e) == "StreamIDTooLowError: 3 is lower than 7"


def test_stream_id_too_low_with_explicit_maximum(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_ID_TOO_LOW"], "promised stream id 4 too low", 4,
                              max_stream_id=10)
    assert (e.stream_id, e.max_stream_id) == (4, 10)
    assert str(e) == "StreamIDTooLowError: 4 is lower than 10"


def test_stream_id_too_low_without_maximum_shows_the_message(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_STREAM_ID_TOO_LOW"], "promised stream id 4 too low", 4)
    assert e.stream_id == 4
    assert e.max_stream_id is None
    assert str(e) == "promised stream id 4 too low"


def test_invalid_body_length_without_numbers_shows_the_message(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_INVALID_BODY_LENGTH"],
                              "body length differs from content-length", 1)
    assert type(e) is InvalidBodyLengthError
    assert e.expected_length is None and e.actual_length is None
    assert str(e) == "body length differs from content-length"


def test_invalid_body_length_with_numbers_uses_h2_text(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_INVALID_BODY_LENGTH"], "differs", 1,
                              expected_length=5, actual_length=8)
    assert (e.expected_length, e.actual_length) == (5, 8)
    assert str(e) == "InvalidBodyLengthError: Expected 5 bytes, received 8"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("invalid value 2147483648 for setting 0x4", ErrorCodes.FLOW_CONTROL_ERROR),
        ("SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1", ErrorCodes.FLOW_CONTROL_ERROR),
        ("invalid value 2 for setting 0x2", ErrorCodes.PROTOCOL_ERROR),
        ("invalid value 100 for setting 0x5", ErrorCodes.PROTOCOL_ERROR),
        ("invalid SETTINGS value", ErrorCodes.PROTOCOL_ERROR),
    ],
)
def test_invalid_settings_value_error_code_from_message(bound, message, code):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_INVALID_SETTINGS_VALUE"], message)
    assert type(e) is InvalidSettingsValueError
    assert e.error_code is code
    assert str(e) == message


def test_invalid_settings_value_explicit_error_code(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_INVALID_SETTINGS_VALUE"], "invalid SETTINGS value",
                              error_code=3)
    assert e.error_code is ErrorCodes.FLOW_CONTROL_ERROR


def test_explicit_error_code_overrides_class_code(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_PROTOCOL"], "x", error_code=0xB)
    assert e.error_code is ErrorCodes.ENHANCE_YOUR_CALM
    assert ProtocolError.error_code is ErrorCodes.PROTOCOL_ERROR
    # The same code as the class's is not copied onto the instance.
    e = _exception_for_status(codes["H2_ERR_FLOW_CONTROL"], "x", error_code=3)
    assert "error_code" not in vars(e)
    # Unknown codes stay ints.
    e = _exception_for_status(codes["H2_ERR_PROTOCOL"], "x", error_code=0x99)
    assert e.error_code == 0x99 and type(e.error_code) is int


def test_error_code_ignored_for_non_protocol_errors(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_INVALID_ARGUMENT"], "bad", error_code=1)
    assert type(e) is ValueError
    assert not hasattr(e, "error_code")


def test_finer_engine_codes_are_still_h2_classes(bound):
    codes, _ = bound
    e = _exception_for_status(codes["H2_ERR_COMPRESSION"], "header block could not be decoded")
    assert isinstance(e, ProtocolError) and not isinstance(e, DenialOfServiceError)
    assert e.error_code is ErrorCodes.COMPRESSION_ERROR
    e = _exception_for_status(codes["H2_ERR_HEADER_LIST_TOO_LARGE"], "too large")
    assert isinstance(e, DenialOfServiceError)
    assert e.error_code is ErrorCodes.ENHANCE_YOUR_CALM
    e = _exception_for_status(codes["H2_ERR_FRAME_SIZE"], "PING of 7 bytes")
    assert isinstance(e, FrameDataMissingError)
    assert e.error_code is ErrorCodes.FRAME_SIZE_ERROR


def test_unknown_status_gives_protocol_error(bound):
    e = _exception_for_status(-999, "something new")
    assert type(e) is ProtocolError
    assert "something new" in str(e)
    assert "-999" in str(e)


def test_exception_for_status_works_before_binding(monkeypatch):
    monkeypatch.setattr(exc_mod, "_STATUS_CLASSES", {})
    e = _exception_for_status(-10, "early")
    assert type(e) is ProtocolError


def test_built_exceptions_can_be_raised_and_caught(bound):
    codes, _ = bound
    with pytest.raises(ProtocolError):
        raise _exception_for_status(codes["H2_ERR_STREAM_CLOSED"], "stream 1 is closed", 1)
    with pytest.raises(MemoryError):
        raise _exception_for_status(codes["H2_ERR_NOMEM"], "out of memory")
