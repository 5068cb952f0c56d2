"""Tests of libh2.errors."""
from __future__ import annotations

import enum

import pytest

from libh2 import errors
from libh2.errors import ErrorCodes, _error_code_from_int

# RFC 9113 section 7, written out independently of the module under test.
RFC_CODES = {
    "NO_ERROR": 0x0,
    "PROTOCOL_ERROR": 0x1,
    "INTERNAL_ERROR": 0x2,
    "FLOW_CONTROL_ERROR": 0x3,
    "SETTINGS_TIMEOUT": 0x4,
    "STREAM_CLOSED": 0x5,
    "FRAME_SIZE_ERROR": 0x6,
    "REFUSED_STREAM": 0x7,
    "CANCEL": 0x8,
    "COMPRESSION_ERROR": 0x9,
    "CONNECT_ERROR": 0xA,
    "ENHANCE_YOUR_CALM": 0xB,
    "INADEQUATE_SECURITY": 0xC,
    "HTTP_1_1_REQUIRED": 0xD,
}


def test_is_an_int_enum():
    assert issubclass(ErrorCodes, enum.IntEnum)


def test_members_and_values_in_order():
    assert [(m.name, m.value) for m in ErrorCodes] == list(RFC_CODES.items())


@pytest.mark.parametrize(("name", "value"), sorted(RFC_CODES.items()))
def test_member_equals_its_wire_value(name, value):
    member = ErrorCodes[name]
    assert member == value
    assert int(member) == value
    assert ErrorCodes(value) is member


def test_from_int_known_codes_give_members():
    for value in RFC_CODES.values():
        result = _error_code_from_int(value)
        assert isinstance(result, ErrorCodes)
        assert result.value == value


@pytest.mark.parametrize("value", [0xE, 0xFF, 0x1234, 2**32 - 1, -1])
def test_from_int_unknown_codes_stay_ints(value):
    result = _error_code_from_int(value)
    assert type(result) is int
    assert result == value


def test_module_exports():
    assert errors.__all__ == ["ErrorCodes"]
