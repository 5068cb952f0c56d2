"""HTTP/2 settings (RFC 9113 section 6.5).

:class:`Settings` is the dict-like view one side of a connection has of a
set of settings. A new value does not take effect when it is assigned: it
waits until the SETTINGS frame carrying it is acknowledged, which the owner
signals by calling :meth:`Settings.acknowledge`. Reading a setting always
gives the value in effect. Several changes may be waiting at once; each
acknowledgement applies the oldest one of every setting.
"""
from __future__ import annotations

import collections
import enum
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

from .errors import ErrorCodes
from .exceptions import InvalidSettingsValueError


class SettingCodes(enum.IntEnum):
    """Identifiers of the HTTP/2 settings this package knows by name."""

    #: Size in octets of the HPACK dynamic table the sender's decoder keeps.
    HEADER_TABLE_SIZE = 0x1
    #: Whether the sender (a client) accepts server push: 0 or 1.
    ENABLE_PUSH = 0x2
    #: How many streams the sender lets its peer have open at once.
    MAX_CONCURRENT_STREAMS = 0x3
    #: Initial flow-control window, in octets, of every new stream.
    INITIAL_WINDOW_SIZE = 0x4
    #: Largest frame payload, in octets, the sender is willing to receive.
    MAX_FRAME_SIZE = 0x5
    #: Advisory limit on the size of a header list the sender accepts:
    #: names and values in octets plus 32 per field.
    MAX_HEADER_LIST_SIZE = 0x6
    #: Whether the extended CONNECT of RFC 8441 is supported: 0 or 1.
    ENABLE_CONNECT_PROTOCOL = 0x8



def _setting_code_from_int(code: int) -> SettingCodes | int:
    """Turn a raw setting identifier into a :class:`SettingCodes` member.

    Identifiers this package does not know are returned as plain ints.
    """
    try:
        return SettingCodes(code)
    except ValueError:
        return code


class ChangedSetting:
    """One setting that took a new value.

    :param setting: the setting, a :class:`SettingCodes` member or an int.
    :param original_value: its value before the change (``None`` if it had
        none).
    :param new_value: its value now.
    """

    def __init__(self, setting: SettingCodes | int, original_value: int | None, new_value: int) -> None:
        #: The setting, a :class:`SettingCodes` member or an int.
        self.setting = setting
        #: The value before the change, or ``None``.
        self.original_value = original_value
        #: The value after the change.
        self.new_value = new_value

    def __repr__(self) -> str:
        return (
            f"ChangedSetting(setting={self.setting!s}, "
            f"original_value={self.original_value}, "
            f"new_value={self.new_value})"
        )


def _changed_settings_dict(
    changes: Iterable[tuple[int, int | None, int]],
) -> dict[SettingCodes | int, ChangedSetting]:
    """Build the ``changed_settings`` dict of a settings event.

    ``changes`` holds ``(identifier, original value or None, new value)``
    triples, as the C extension reports them; the dict is keyed like the
    one h2 builds, by :class:`SettingCodes` member where one exists.
    """
    result: dict[SettingCodes | int, ChangedSetting] = {}
    for ident, original, new in changes:
        key = _setting_code_from_int(ident)
        result[key] = ChangedSetting(key, original, new)
    return result


def _validate_setting(
    setting: SettingCodes | int,
    value: int,
    *,
    client: bool | None = None,
) -> ErrorCodes:
    """Check a value against the range RFC 9113 allows for its setting.

    Returns ``ErrorCodes.NO_ERROR`` for an acceptable value, otherwise the
    error code a peer sending it deserves. ``client``, when given, is the
    role of the endpoint the value comes from: a server may only ever
    announce ENABLE_PUSH as 0.
    """
    if setting == SettingCodes.ENABLE_PUSH:
        if value not in (0, 1):
            return ErrorCodes.PROTOCOL_ERROR
        if client is False and value != 0:
            return ErrorCodes.PROTOCOL_ERROR
    elif setting == SettingCodes.INITIAL_WINDOW_SIZE:
        if value < 0 or value > 2**31 - 1:
            return ErrorCodes.FLOW_CONTROL_ERROR
    elif setting == SettingCodes.MAX_FRAME_SIZE:
        if value < 2**14 or value > 2**24 - 1:
            return ErrorCodes.PROTOCOL_ERROR
    elif setting == SettingCodes.MAX_HEADER_LIST_SIZE:
        if value < 0:
            return ErrorCodes.PROTOCOL_ERROR
    elif setting == SettingCodes.ENABLE_CONNECT_PROTOCOL:
        if value not in (0, 1):
            return ErrorCodes.PROTOCOL_ERROR
    return ErrorCodes.NO_ERROR


def _reject(setting: Any, value: Any, code: ErrorCodes) -> InvalidSettingsValueError:
    return InvalidSettingsValueError(
        f"Setting {setting} has invalid value {value}", error_code=code,
    )


class Settings(MutableMapping):  # type: ignore[type-arg]
    """The settings of one side of a connection, with pending changes.

    Mapping access (``settings[SettingCodes.MAX_FRAME_SIZE]``) reads the
    value in effect. Assigning queues a new value behind any already waiting;
    :meth:`acknowledge` applies the oldest waiting value of each setting.
    Values are checked on assignment and a bad one raises
    :class:`~libh2.exceptions.InvalidSettingsValueError`.

    Keys may be :class:`SettingCodes` members or plain ints; unknown
    identifiers are accepted. A setting first assigned here has no value in
    effect (reading it raises :exc:`KeyError`) until acknowledged.

    :param client: whether these are the settings of a client; only changes
        the default of ENABLE_PUSH (1 for a client, 0 for a server).
    :param initial_values: values to start from instead of the defaults of
        RFC 9113, in effect immediately. They are validated.
    """

    def __init__(self, client: bool = True, initial_values: dict[SettingCodes, int] | None = None) -> None:
        self._client = client
        # For each setting, the value in effect followed by the values still
        # waiting for an acknowledgement, oldest first. The value in effect
        # is None for a setting only ever assigned here.
        self._settings: dict[SettingCodes | int, collections.deque[int | None]] = {
            SettingCodes.HEADER_TABLE_SIZE: collections.deque([4096]),
            SettingCodes.ENABLE_PUSH: collections.deque([int(client)]),
            SettingCodes.INITIAL_WINDOW_SIZE: collections.deque([65535]),
            SettingCodes.MAX_FRAME_SIZE: collections.deque([16384]),
            SettingCodes.ENABLE_CONNECT_PROTOCOL: collections.deque([0]),
        }
        if initial_values is not None:
            for setting, value in initial_values.items():
                problem = _validate_setting(setting, value)
                if problem:
                    raise _reject(setting, value, problem)
                self._settings[setting] = collections.deque([value])

    def acknowledge(self) -> dict[SettingCodes | int, ChangedSetting]:
        """Apply the oldest waiting value of every setting that has one.

        Call it when the SETTINGS frame carrying the changes has been
        acknowledged (local settings) or when acknowledging the peer's frame
        (remote settings).

        :returns: ``{setting: ChangedSetting}`` for each setting changed.
        """
        changed: dict[SettingCodes | int, ChangedSetting] = {}
        for setting, values in self._settings.items():
            if len(values) < 2:
                continue
            before = values.popleft()
            changed[setting] = ChangedSetting(setting, before, values[0])  # type: ignore[arg-type]
        return changed

    # ---- named access to the well-known settings ----

    @property
    def header_table_size(self) -> int:
        """HEADER_TABLE_SIZE in effect."""
        return self[SettingCodes.HEADER_TABLE_SIZE]

    @header_table_size.setter
    def header_table_size(self, value: int) -> None:
        self[SettingCodes.HEADER_TABLE_SIZE] = value

    @property
    def enable_push(self) -> int:
        """ENABLE_PUSH in effect."""
        return self[SettingCodes.ENABLE_PUSH]

    @enable_push.setter
    def enable_push(self, value: int) -> None:
        self[SettingCodes.ENABLE_PUSH] = value

    @property
    def initial_window_size(self) -> int:
        """INITIAL_WINDOW_SIZE in effect."""
        return self[SettingCodes.INITIAL_WINDOW_SIZE]

    @initial_window_size.setter
    def initial_window_size(self, value: int) -> None:
        self[SettingCodes.INITIAL_WINDOW_SIZE] = value

    @property
    def max_frame_size(self) -> int:
        """MAX_FRAME_SIZE in effect."""
        return self[SettingCodes.MAX_FRAME_SIZE]

    @max_frame_size.setter
    def max_frame_size(self, value: int) -> None:
        self[SettingCodes.MAX_FRAME_SIZE] = value

    @property
    def max_concurrent_streams(self) -> int:
        """MAX_CONCURRENT_STREAMS in effect.

        Without a value the number of streams is unlimited; that reads as
        ``2**32 + 1``, more than any 32-bit setting could say.
        """
        return self.get(SettingCodes.MAX_CONCURRENT_STREAMS, 2**32 + 1)

    @max_concurrent_streams.setter
    def max_concurrent_streams(self, value: int) -> None:
        self[SettingCodes.MAX_CONCURRENT_STREAMS] = value

    @property
    def max_header_list_size(self) -> int | None:
        """MAX_HEADER_LIST_SIZE in effect, or ``None`` (no limit)."""
        return self.get(SettingCodes.MAX_HEADER_LIST_SIZE, None)

    @max_header_list_size.setter
    def max_header_list_size(self, value: int) -> None:
        self[SettingCodes.MAX_HEADER_LIST_SIZE] = value

    @property
    def enable_connect_protocol(self) -> int:
        """ENABLE_CONNECT_PROTOCOL in effect."""
        return self[SettingCodes.ENABLE_CONNECT_PROTOCOL]

    @enable_connect_protocol.setter
    def enable_connect_protocol(self, value: int) -> None:
        self[SettingCodes.ENABLE_CONNECT_PROTOCOL] = value

    # ---- validation of what the peer sends ----

    def validate_received_setting(self, setting: SettingCodes | int, value: int) -> None:
        """Check a value received from the peer these settings describe.

        Besides the ranges checked on assignment, a server may only announce
        ENABLE_PUSH as 0. Raises
        :class:`~libh2.exceptions.InvalidSettingsValueError`.
        """
        problem = _validate_setting(setting, value, client=self._client)
        if problem != ErrorCodes.NO_ERROR:
            raise _reject(setting, value, problem)

    # ---- the mapping protocol ----

    def __getitem__(self, key: SettingCodes | int) -> int:
        current = self._settings[key][0]
        if current is None:
            # Assigned but never acknowledged: no value in effect yet.
            raise KeyError
        return current

    def __setitem__(self, key: SettingCodes | int, value: int) -> None:
        problem = _validate_setting(key, value)
        if problem:
            raise _reject(key, value, problem)
        values = self._settings.get(key)
        if values is None:
            values = collections.deque([None])
            self._settings[key] = values
        values.append(value)

    def __delitem__(self, key: SettingCodes | int) -> None:
        del self._settings[key]

    def __iter__(self) -> Iterator[SettingCodes | int]:
        return iter(self._settings)

    def __len__(self) -> int:
        return len(self._settings)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return self._settings == other._settings

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return not self == other

    # A mutable mapping has no meaningful hash.
    __hash__ = None  # type: ignore[assignment]

