"""Tests of libh2.settings."""
from __future__ import annotations

import enum
from collections.abc import MutableMapping

import pytest

from libh2.errors import ErrorCodes
from libh2.exceptions import InvalidSettingsValueError
from libh2.settings import (
    ChangedSetting,
    SettingCodes,
    Settings,
    _changed_settings_dict,
    _setting_code_from_int,
)


def test_setting_codes():
    assert issubclass(SettingCodes, enum.IntEnum)
    assert [(m.name, m.value) for m in SettingCodes] == [
        ("HEADER_TABLE_SIZE", 1),
        ("ENABLE_PUSH", 2),
        ("MAX_CONCURRENT_STREAMS", 3),
        ("INITIAL_WINDOW_SIZE", 4),
        ("MAX_FRAME_SIZE", 5),
        ("MAX_HEADER_LIST_SIZE", 6),
        ("ENABLE_CONNECT_PROTOCOL", 8),
    ]


@pytest.mark.parametrize("value", [1, 2, 3, 4, 5, 6, 8])
def test_setting_code_from_known_int(value):
    assert _setting_code_from_int(value) is SettingCodes(value)


@pytest.mark.parametrize("value", [0, 7, 9, 0x10, 0xFFFF])
def test_setting_code_from_unknown_int(value):
    result = _setting_code_from_int(value)
    assert type(result) is int and result == value


# ---- ChangedSetting -----------------------------------------------------------


def test_changed_setting_attributes():
    c = ChangedSetting(SettingCodes.ENABLE_PUSH, 1, 0)
    assert c.setting is SettingCodes.ENABLE_PUSH
    assert c.original_value == 1
    assert c.new_value == 0


def test_changed_setting_repr():
    c = ChangedSetting(SettingCodes.MAX_FRAME_SIZE, 16384, 32768)
    assert repr(c) == (
        f"ChangedSetting(setting={SettingCodes.MAX_FRAME_SIZE!s}, "
        "original_value=16384, new_value=32768)"
    )
    assert repr(ChangedSetting(0x99, None, 3)) == (
        "ChangedSetting(setting=153, original_value=None, new_value=3)"
    )


def test_changed_setting_compares_by_identity():
    a = ChangedSetting(1, 2, 3)
    b = ChangedSetting(1, 2, 3)
    assert a == a
    assert a != b
    hash(a)


def test_changed_settings_dict():
    d = _changed_settings_dict([(4, 65535, 100), (0x99, None, 7)])
    assert list(d) == [SettingCodes.INITIAL_WINDOW_SIZE, 0x99]
    first = d[SettingCodes.INITIAL_WINDOW_SIZE]
    assert first.setting is SettingCodes.INITIAL_WINDOW_SIZE
    assert (first.original_value, first.new_value) == (65535, 100)
    assert type(list(d)[1]) is int
    assert d[0x99].original_value is None
    assert _changed_settings_dict([]) == {}


# ---- Settings: defaults -------------------------------------------------------


def test_is_a_mutable_mapping():
    assert isinstance(Settings(), MutableMapping)


def test_client_defaults():
    s = Settings()
    assert dict(s) == {
        SettingCodes.HEADER_TABLE_SIZE: 4096,
        SettingCodes.ENABLE_PUSH: 1,
        SettingCodes.INITIAL_WINDOW_SIZE: 65535,
        SettingCodes.MAX_FRAME_SIZE: 16384,
        SettingCodes.ENABLE_CONNECT_PROTOCOL: 0,
    }
    assert list(s) == [
        SettingCodes.HEADER_TABLE_SIZE,
        SettingCodes.ENABLE_PUSH,
        SettingCodes.INITIAL_WINDOW_SIZE,
        SettingCodes.MAX_FRAME_SIZE,
        SettingCodes.ENABLE_CONNECT_PROTOCOL,
    ]
    assert len(s) == 5


def test_server_default_disables_push():
    assert Settings(client=False).enable_push == 0
    assert Settings(client=True).enable_push == 1


def test_absent_settings():
    s = Settings()
    assert s.max_concurrent_streams == 2**32 + 1
    assert s.max_header_list_size is None
    with pytest.raises(KeyError):
        s[SettingCodes.MAX_CONCURRENT_STREAMS]
    assert SettingCodes.MAX_HEADER_LIST_SIZE not in s


def test_initial_values_apply_at_once():
    s = Settings(initial_values={
        SettingCodes.MAX_CONCURRENT_STREAMS: 100,
        SettingCodes.HEADER_TABLE_SIZE: 0,
        0x99: 5,
    })
    assert s.max_concurrent_streams == 100
    assert s.header_table_size == 0
    assert s[0x99] == 5
    # Replacing a default keeps its place; new ones go last.
    assert list(s)[0] == SettingCodes.HEADER_TABLE_SIZE
    assert list(s)[-2:] == [SettingCodes.MAX_CONCURRENT_STREAMS, 0x99]
    assert s.acknowledge() == {}


@pytest.mark.parametrize(
    ("setting", "value", "code"),
    [
        (SettingCodes.ENABLE_PUSH, 2, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.INITIAL_WINDOW_SIZE, 2**31, ErrorCodes.FLOW_CONTROL_ERROR),
        (SettingCodes.MAX_FRAME_SIZE, 100, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.MAX_HEADER_LIST_SIZE, -1, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.ENABLE_CONNECT_PROTOCOL, 3, ErrorCodes.PROTOCOL_ERROR),
    ],
)
def test_initial_values_are_validated(setting, value, code):
    with pytest.raises(InvalidSettingsValueError) as info:
        Settings(initial_values={setting: value})
    assert info.value.error_code is code
    assert str(info.value) == f"Setting {setting} has invalid value {value}"


# ---- Settings: changes and acknowledgement ------------------------------------


def test_assignment_waits_for_acknowledgement():
    s = Settings()
    s[SettingCodes.HEADER_TABLE_SIZE] = 8192
    assert s[SettingCodes.HEADER_TABLE_SIZE] == 4096
    changes = s.acknowledge()
    assert list(changes) == [SettingCodes.HEADER_TABLE_SIZE]
    change = changes[SettingCodes.HEADER_TABLE_SIZE]
    assert isinstance(change, ChangedSetting)
    assert (change.setting, change.original_value, change.new_value) == (
        SettingCodes.HEADER_TABLE_SIZE, 4096, 8192)
    assert s.header_table_size == 8192
    assert s.acknowledge() == {}


def test_several_pending_values_apply_one_per_acknowledgement():
    s = Settings()
    s.max_frame_size = 20000
    s.max_frame_size = 30000
    assert s.max_frame_size == 16384
    c1 = s.acknowledge()[SettingCodes.MAX_FRAME_SIZE]
    assert (c1.original_value, c1.new_value) == (16384, 20000)
    assert s.max_frame_size == 20000
    c2 = s.acknowledge()[SettingCodes.MAX_FRAME_SIZE]
    assert (c2.original_value, c2.new_value) == (20000, 30000)
    assert s.max_frame_size == 30000


def test_new_setting_has_no_value_until_acknowledged():
    s = Settings()
    s[SettingCodes.MAX_CONCURRENT_STREAMS] = 50
    # Present as a key, but with no value in effect.
    assert SettingCodes.MAX_CONCURRENT_STREAMS in list(s)
    with pytest.raises(KeyError):
        s[SettingCodes.MAX_CONCURRENT_STREAMS]
    assert s.max_concurrent_streams == 2**32 + 1
    assert s.get(SettingCodes.MAX_CONCURRENT_STREAMS) is None
    change = s.acknowledge()[SettingCodes.MAX_CONCURRENT_STREAMS]
    assert change.original_value is None and change.new_value == 50
    assert s.max_concurrent_streams == 50


def test_acknowledge_reports_settings_in_mapping_order():
    s = Settings()
    s[0x99] = 1
    s.enable_push = 0
    s.header_table_size = 1
    assert list(s.acknowledge()) == [
        SettingCodes.HEADER_TABLE_SIZE, SettingCodes.ENABLE_PUSH, 0x99]


@pytest.mark.parametrize(
    ("prop", "code"),
    [
        ("header_table_size", SettingCodes.HEADER_TABLE_SIZE),
        ("enable_push", SettingCodes.ENABLE_PUSH),
        ("initial_window_size", SettingCodes.INITIAL_WINDOW_SIZE),
        ("max_frame_size", SettingCodes.MAX_FRAME_SIZE),
        ("max_concurrent_streams", SettingCodes.MAX_CONCURRENT_STREAMS),
        ("max_header_list_size", SettingCodes.MAX_HEADER_LIST_SIZE),
        ("enable_connect_protocol", SettingCodes.ENABLE_CONNECT_PROTOCOL),
    ],
)
def test_properties_read_and_queue(prop, code):
    s = Settings()
    value = 16385 if code == SettingCodes.MAX_FRAME_SIZE else 1
    setattr(s, prop, value)
    s.acknowledge()
    assert getattr(s, prop) == value
    assert s[code] == value


@pytest.mark.parametrize(
    ("setting", "value", "code"),
    [
        (SettingCodes.ENABLE_PUSH, 2, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.ENABLE_PUSH, -1, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.INITIAL_WINDOW_SIZE, -1, ErrorCodes.FLOW_CONTROL_ERROR),
        (SettingCodes.INITIAL_WINDOW_SIZE, 2**31, ErrorCodes.FLOW_CONTROL_ERROR),
        (SettingCodes.MAX_FRAME_SIZE, 2**14 - 1, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.MAX_FRAME_SIZE, 2**24, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.MAX_HEADER_LIST_SIZE, -5, ErrorCodes.PROTOCOL_ERROR),
        (SettingCodes.ENABLE_CONNECT_PROTOCOL, 2, ErrorCodes.PROTOCOL_ERROR),
    ],
)
def test_invalid_values_refused(setting, value, code):
    s = Settings()
    before = dict(s)
    with pytest.raises(InvalidSettingsValueError) as info:
        s[setting] = value
    assert info.value.error_code is code
    assert str(info.value) == f"Setting {setting} has invalid value {value}"
    assert isinstance(info.value, ValueError)
    # Nothing was queued.
    assert s.acknowledge() == {}
    assert dict(s) == before


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        (SettingCodes.ENABLE_PUSH, 0),
        (SettingCodes.ENABLE_PUSH, 1),
        (SettingCodes.INITIAL_WINDOW_SIZE, 0),
        (SettingCodes.INITIAL_WINDOW_SIZE, 2**31 - 1),
        (SettingCodes.MAX_FRAME_SIZE, 2**14),
        (SettingCodes.MAX_FRAME_SIZE, 2**24 - 1),
        (SettingCodes.MAX_HEADER_LIST_SIZE, 0),
        (SettingCodes.HEADER_TABLE_SIZE, 2**32 - 1),
        (SettingCodes.MAX_CONCURRENT_STREAMS, 0),
        (0x99, 123456),
    ],
)
def test_boundary_values_accepted(setting, value):
    s = Settings()
    s[setting] = value
    s.acknowledge()
    assert s[setting] == value


def test_property_setter_validates():
    s = Settings()
    with pytest.raises(InvalidSettingsValueError):
        s.max_frame_size = 1
    with pytest.raises(InvalidSettingsValueError):
        s.enable_connect_protocol = 5


def test_int_keys_and_enum_keys_are_the_same():
    s = Settings()
    s[5] = 20000
    s.acknowledge()
    assert s[SettingCodes.MAX_FRAME_SIZE] == 20000
    assert s.max_frame_size == 20000


def test_validate_received_setting():
    from_server = Settings(client=False)
    with pytest.raises(InvalidSettingsValueError) as info:
        from_server.validate_received_setting(SettingCodes.ENABLE_PUSH, 1)
    assert info.value.error_code is ErrorCodes.PROTOCOL_ERROR
    from_server.validate_received_setting(SettingCodes.ENABLE_PUSH, 0)
    from_client = Settings(client=True)
    from_client.validate_received_setting(SettingCodes.ENABLE_PUSH, 1)
    with pytest.raises(InvalidSettingsValueError) as info:
        from_client.validate_received_setting(SettingCodes.INITIAL_WINDOW_SIZE, 2**31)
    assert info.value.error_code is ErrorCodes.FLOW_CONTROL_ERROR
    # Validation does not queue anything.
    assert from_client.acknowledge() == {}


def test_delete_iterate_len():
    s = Settings()
    del s[SettingCodes.ENABLE_PUSH]
    assert SettingCodes.ENABLE_PUSH not in s
    assert len(s) == 4
    with pytest.raises(KeyError):
        s.enable_push
    with pytest.raises(KeyError):
        del s[SettingCodes.ENABLE_PUSH]
    with pytest.raises(KeyError):
        s[0x42]


def test_equality():
    a, b = Settings(), Settings()
    assert a == b
    assert not (a != b)
    b.header_table_size = 1
    # Pending values count.
    assert a != b
    assert not (a == b)
    assert Settings(client=True) != Settings(client=False)
    # Not equal to a plain dict holding the same values.
    assert a != dict(a)
    assert (a == dict(a)) is False


def test_eq_with_other_types_returns_not_implemented():
    s = Settings()
    assert s.__eq__({}) is NotImplemented
    assert s.__ne__({}) is NotImplemented


def test_unhashable():
    with pytest.raises(TypeError):
        hash(Settings())


def test_mapping_helpers_work():
    s = Settings()
    assert s.get(SettingCodes.MAX_FRAME_SIZE) == 16384
    assert s.get(0x42, "x") == "x"
    s.update({SettingCodes.HEADER_TABLE_SIZE: 100})
    assert s.header_table_size == 4096
    s.acknowledge()
    assert s.header_table_size == 100
    assert SettingCodes.HEADER_TABLE_SIZE in s.keys()
