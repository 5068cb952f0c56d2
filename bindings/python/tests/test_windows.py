"""Tests of libh2.windows."""
from __future__ import annotations

import pytest

from libh2.exceptions import FlowControlError
from libh2.windows import LARGEST_FLOW_CONTROL_WINDOW, WindowManager


def test_largest_window():
    assert LARGEST_FLOW_CONTROL_WINDOW == 2**31 - 1


def test_initial_state():
    w = WindowManager(65535)
    assert w.max_window_size == 65535
    assert w.current_window_size == 65535


def test_oversized_window_refused():
    with pytest.raises(AssertionError):
        WindowManager(2**31)
    WindowManager(2**31 - 1)


def test_window_consumed():
    w = WindowManager(100)
    w.window_consumed(40)
    assert w.current_window_size == 60
    w.window_consumed(60)
    assert w.current_window_size == 0
    with pytest.raises(FlowControlError, match="^Flow control window shrunk below 0$"):
        w.window_consumed(1)


def test_window_opened_raises_the_maximum():
    w = WindowManager(100)
    w.window_consumed(50)
    w.window_opened(20)
    assert (w.current_window_size, w.max_window_size) == (70, 100)
    w.window_opened(80)
    assert (w.current_window_size, w.max_window_size) == (150, 150)


def test_window_opened_past_the_limit():
    w = WindowManager(LARGEST_FLOW_CONTROL_WINDOW)
    with pytest.raises(FlowControlError, match=f"^Flow control window mustn't exceed {2**31 - 1}$"):
        w.window_opened(1)


def test_nothing_processed_gives_none():
    w = WindowManager(65535)
    assert w.process_bytes(0) is None


def test_small_amounts_wait_for_half_a_window():
    w = WindowManager(65535)
    w.window_consumed(40000)
    assert w.process_bytes(10000) == 0
    assert w.current_window_size == 25535
    # 10000 + 22767 = 32767 == 65535 // 2 pending: due now.
    assert w.process_bytes(22767) == 32767
    assert w.current_window_size == 25535 + 32767
    # The pending count was cleared.
    assert w.process_bytes(0) is None


def test_increment_capped_at_the_room_left():
    w = WindowManager(1000)
    w.window_consumed(100)
    # 600 pending but only 100 to refill; the rest is forgotten.
    assert w.process_bytes(600) == 100
    assert w.current_window_size == 1000
    assert w.process_bytes(0) is None


def test_exhausted_window_updates_early():
    w = WindowManager(65535)
    w.window_consumed(65535)
    assert w.process_bytes(1024) == 0
    assert w.process_bytes(1) == 1025
    assert w.current_window_size == 1025


def test_exhausted_small_window_uses_a_quarter():
    w = WindowManager(400)
    w.window_consumed(400)
    assert w.process_bytes(100) == 0
    assert w.process_bytes(1) == 101
    assert w.current_window_size == 101


def test_half_window_threshold_without_exhaustion():
    w = WindowManager(100)
    w.window_consumed(60)
    assert w.process_bytes(49) == 0
    assert w.process_bytes(1) == 50
    assert w.current_window_size == 90


def test_full_window_returns_zero_when_processed():
    w = WindowManager(100)
    assert w.process_bytes(60) == 0
    assert w.current_window_size == 100
