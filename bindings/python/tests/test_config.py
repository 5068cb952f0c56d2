"""Tests of libh2.config."""
from __future__ import annotations

import inspect
import io
import sys

import pytest

from libh2.config import DummyLogger, H2Configuration, OutputLogger

H2_PARAMS = [
    ("client_side", True),
    ("header_encoding", None),
    ("validate_outbound_headers", True),
    ("normalize_outbound_headers", True),
    ("split_outbound_cookies", False),
    ("validate_inbound_headers", True),
    ("normalize_inbound_headers", True),
    ("logger", None),
]

LIBH2_PARAMS = [
    ("max_header_list_size", 65536),
    ("max_field_size", 65536),
    ("max_continuation_frames", 64),
    ("max_settings_entries", 32),
    ("max_queued_acks", 1000),
    ("max_queued_control", 5000),
    ("rst_rate_burst", 1000),
    ("rst_rate_per_sec", 33),
    ("glitch_rate_burst", 10000),
    ("glitch_rate_per_sec", 330),
    ("max_reserved_streams", 200),
    ("max_closed_streams", 1000),
    ("hpack_policy", "h2"),
    ("trace_frames", 0),
    ("strict_preface", False),
    ("malformed_stream_error", False),
]

BOOL_OPTIONS = [name for name, default in H2_PARAMS + LIBH2_PARAMS
                if isinstance(default, bool)]
LIMIT_OPTIONS = [name for name, default in LIBH2_PARAMS
                 if isinstance(default, int) and not isinstance(default, bool)]


def test_signature():
    params = list(inspect.signature(H2Configuration).parameters.values())
    assert [(p.name, p.default) for p in params] == H2_PARAMS + LIBH2_PARAMS
    kinds = [p.kind for p in params]
    assert kinds[: len(H2_PARAMS)] == [inspect.Parameter.POSITIONAL_OR_KEYWORD] * len(H2_PARAMS)
    assert kinds[len(H2_PARAMS):] == [inspect.Parameter.KEYWORD_ONLY] * len(LIBH2_PARAMS)


def test_defaults():
    c = H2Configuration()
    for name, default in H2_PARAMS + LIBH2_PARAMS:
        if name == "logger":
            continue
        assert getattr(c, name) == default, name
        assert type(getattr(c, name)) is type(default), name
    assert isinstance(c.logger, DummyLogger)


def test_positional_arguments_in_h2_order():
    log = OutputLogger()
    c = H2Configuration(False, "utf-8", False, False, True, False, False, log)
    assert c.client_side is False
    assert c.header_encoding == "utf-8"
    assert c.validate_outbound_headers is False
    assert c.normalize_outbound_headers is False
    assert c.split_outbound_cookies is True
    assert c.validate_inbound_headers is False
    assert c.normalize_inbound_headers is False
    assert c.logger is log


def test_extensions_are_keyword_only():
    with pytest.raises(TypeError):
        H2Configuration(True, None, True, True, False, True, True, None, 100)  # type: ignore[misc]


@pytest.mark.parametrize("name", BOOL_OPTIONS)
@pytest.mark.parametrize("bad", [0, 1, "yes", None, 1.0])
def test_bool_options_reject_non_bools(name, bad):
    with pytest.raises(ValueError, match=f"^{name} must be a bool$"):
        H2Configuration(**{name: bad})
    c = H2Configuration()
    with pytest.raises(ValueError):
        setattr(c, name, bad)


@pytest.mark.parametrize("name", BOOL_OPTIONS)
def test_bool_options_can_be_changed(name):
    c = H2Configuration()
    setattr(c, name, False)
    assert getattr(c, name) is False
    setattr(c, name, True)
    assert getattr(c, name) is True


@pytest.mark.parametrize("value", [None, False, "utf-8", "latin-1", ""])
def test_header_encoding_accepted(value):
    c = H2Configuration(header_encoding=value)
    assert c.header_encoding == value
    c.header_encoding = value
    assert c.header_encoding == value


def test_header_encoding_true_refused():
    with pytest.raises(ValueError, match="^header_encoding cannot be True$"):
        H2Configuration(header_encoding=True)


@pytest.mark.parametrize("value", [1, b"utf-8", 2.5, ["utf-8"]])
def test_header_encoding_wrong_type_refused(value):
    with pytest.raises(ValueError, match="^header_encoding must be bool, string, or None$"):
        H2Configuration(header_encoding=value)
    c = H2Configuration()
    with pytest.raises(ValueError):
        c.header_encoding = value
    assert c.header_encoding is None


def test_given_logger_is_kept():
    class L:
        def debug(self, *a, **k): pass
        def trace(self, *a, **k): pass
    log = L()
    assert H2Configuration(logger=log).logger is log


@pytest.mark.parametrize("name", LIMIT_OPTIONS)
def test_limits_accept_range(name):
    top = 65536 if name == "trace_frames" else 2**32 - 1
    for value in (0, 1, top):
        c = H2Configuration(**{name: value})
        assert getattr(c, name) == value
    c = H2Configuration()
    setattr(c, name, 7)
    assert getattr(c, name) == 7


@pytest.mark.parametrize("name", LIMIT_OPTIONS)
def test_limits_reject_out_of_range(name):
    top = 65536 if name == "trace_frames" else 2**32 - 1
    for value in (-1, top + 1):
        with pytest.raises(ValueError, match=name):
            H2Configuration(**{name: value})
    c = H2Configuration()
    before = getattr(c, name)
    with pytest.raises(ValueError):
        setattr(c, name, -1)
    assert getattr(c, name) == before


@pytest.mark.parametrize("name", LIMIT_OPTIONS)
@pytest.mark.parametrize("bad", [True, False, 1.0, "10", None])
def test_limits_reject_non_ints(name, bad):
    with pytest.raises(TypeError, match=name):
        H2Configuration(**{name: bad})


@pytest.mark.parametrize("value", ["h2", "compact"])
def test_hpack_policy_values(value):
    c = H2Configuration(hpack_policy=value)
    assert c.hpack_policy == value


@pytest.mark.parametrize("value", ["H2", "fast", "", None, 0, 1])
def test_hpack_policy_rejects_others(value):
    with pytest.raises(ValueError, match="hpack_policy"):
        H2Configuration(hpack_policy=value)
    c = H2Configuration()
    with pytest.raises(ValueError):
        c.hpack_policy = value
    assert c.hpack_policy == "h2"


def test_configurations_are_independent():
    a = H2Configuration(max_field_size=10)
    b = H2Configuration()
    assert a.max_field_size == 10
    assert b.max_field_size == 65536


# ---- loggers -------------------------------------------------------------------


def test_dummy_logger_accepts_anything_and_returns_none():
    log = DummyLogger("name", "extra")
    assert log.debug("x %s", 1, key=2) is None
    assert log.trace() is None
    assert DummyLogger().debug("a") is None


def test_output_logger_debug():
    out = io.StringIO()
    log = OutputLogger(file=out)
    log.debug("value %d and %s", 5, "text")
    assert out.getvalue() == "h2 (debug): value 5 and text\n"


def test_output_logger_trace_only_when_enabled():
    out = io.StringIO()
    OutputLogger(file=out).trace("hidden %s", 1)
    assert out.getvalue() == ""
    OutputLogger(file=out, trace_level=True).trace("shown %s", 1)
    assert out.getvalue() == "h2 (trace): shown 1\n"


def test_output_logger_defaults_to_stderr(capsys):
    log = OutputLogger()
    assert log.file is sys.stderr
    assert log.trace_level is False
    log.debug("to stderr")
    assert capsys.readouterr().err == "h2 (debug): to stderr\n"


def test_output_logger_without_arguments_uses_the_string_as_is():
    out = io.StringIO()
    OutputLogger(out).debug("100%% done")
    assert out.getvalue() == "h2 (debug): 100% done\n"
