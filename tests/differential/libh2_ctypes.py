"""Minimal ctypes access to libh2's connection API, for the differential
tests only (this is test scaffolding, not a Python binding).

The library is found through the LIBH2_SO environment variable.
"""
import ctypes
import os
from ctypes import (POINTER, Structure, byref, c_char_p, c_int, c_int64,
                    c_size_t, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

# Codes from abi/include/h2/h2.h.
H2_OK = 0
H2_ERR_INVALID_ARGUMENT = -1
H2_ERR_INVALID_STATE = -4

H2_SIDE_CLIENT = 0
H2_SIDE_SERVER = 1
H2_OPT_HPACK_POLICY = 6
H2_HPACK_POLICY_H2COMPAT = 1
H2_HEADER_NEVER_INDEX = 0x1
H2_SEND_END_STREAM = 0x1
H2_REL_STREAM_ENDED = 0x1
H2_REL_PRIORITY_UPDATED = 0x2
H2_LAST_STREAM_AUTO = 0xFFFFFFFF

# H2_EV_* -> the name of h2's event class.
EVENT_NAMES = {
    1: "RequestReceived",
    2: "ResponseReceived",
    3: "TrailersReceived",
    4: "InformationalResponseReceived",
    5: "DataReceived",
    6: "WindowUpdated",
    7: "RemoteSettingsChanged",
    8: "SettingsAcknowledged",
    9: "PingReceived",
    10: "PingAckReceived",
    11: "StreamEnded",
    12: "StreamReset",
    13: "PushedStreamReceived",
    14: "PriorityUpdated",
    15: "ConnectionTerminated",
    16: "AlternativeServiceAvailable",
    17: "UnknownFrameReceived",
    18: "PriorityUpdateReceived",
    19: "OriginReceived",
}


class Header(Structure):
    _fields_ = [("name", c_void_p), ("name_len", c_size_t),
                ("value", c_void_p), ("value_len", c_size_t),
                ("flags", c_uint32)]


class Priority(Structure):
    _fields_ = [("depends_on", c_uint32), ("weight", c_uint16),
                ("exclusive", c_uint8)]


class Bytes(Structure):
    _fields_ = [("data", c_void_p), ("len", c_size_t)]


class SettingsEntry(Structure):
    _fields_ = [("id", c_uint16), ("value", c_uint32)]


class ChangedSetting(Structure):
    _fields_ = [("id", c_uint16), ("has_original", c_uint8),
                ("original_value", c_uint32), ("new_value", c_uint32)]


_lib = None


def lib():
    """Load libh2 once and declare the prototypes used here."""
    global _lib
    if _lib is not None:
        return _lib
    path = os.environ.get("LIBH2_SO")
    if not path:
        raise RuntimeError("set LIBH2_SO to the path of libh2.so")
    L = ctypes.CDLL(path)
    P = c_void_p
    protos = {
        "h2_version": (c_char_p, []),
        "h2_strerror": (c_char_p, [c_int]),
        "h2_config_new": (c_int, [POINTER(c_void_p), c_int]),
        "h2_config_free": (None, [P]),
        "h2_config_set": (c_int, [P, c_int, c_uint64]),
        "h2_config_set_setting": (c_int, [P, c_uint16, c_uint32]),
        "h2_conn_new": (c_int, [POINTER(c_void_p), P]),
        "h2_conn_free": (None, [P]),
        "h2_conn_last_error": (c_char_p, [P]),
        "h2_conn_state": (c_int, [P]),
        "h2_conn_initiate": (c_int, [P]),
        "h2_conn_initiate_upgrade": (c_int, [P, c_void_p, c_size_t, c_void_p,
                                             c_size_t, POINTER(c_size_t)]),
        "h2_conn_receive": (c_int, [P, c_void_p, c_size_t, c_uint64]),
        "h2_conn_next_event": (c_int, [P, POINTER(c_void_p)]),
        "h2_event_type": (c_int, [P]),
        "h2_event_stream_id": (c_uint32, [P]),
        "h2_event_header_count": (c_size_t, [P]),
        "h2_event_header": (c_int, [P, c_size_t, POINTER(Header)]),
        "h2_event_data": (c_void_p, [P, POINTER(c_size_t)]),
        "h2_event_flow_controlled_length": (c_size_t, [P]),
        "h2_event_error_code": (c_uint32, [P]),
        "h2_event_remote_reset": (c_int, [P]),
        "h2_event_delta": (c_uint32, [P]),
        "h2_event_related_stream_id": (c_uint32, [P]),
        "h2_event_ping_data": (c_int, [P, c_void_p]),
        "h2_event_priority": (c_int, [P, POINTER(c_uint16), POINTER(c_int)]),
        "h2_event_origin": (c_void_p, [P, POINTER(c_size_t)]),
        "h2_event_frame_type": (c_int, [P, POINTER(c_uint8),
                                        POINTER(c_uint8)]),
        "h2_event_setting_count": (c_size_t, [P]),
        "h2_event_setting": (c_int, [P, c_size_t, POINTER(ChangedSetting)]),
        "h2_event_related": (c_uint32, [P]),
        "h2_conn_get_next_available_stream_id": (c_int, [P,
                                                         POINTER(c_uint32)]),
        "h2_conn_send_headers": (c_int, [P, c_uint32, POINTER(Header),
                                         c_size_t, c_uint32,
                                         POINTER(Priority)]),
        "h2_conn_send_data": (c_int, [P, c_uint32, c_void_p, c_size_t,
                                      c_uint32, c_size_t]),
        "h2_conn_end_stream": (c_int, [P, c_uint32]),
        "h2_conn_reset_stream": (c_int, [P, c_uint32, c_uint32]),
        "h2_conn_push_stream": (c_int, [P, c_uint32, c_uint32,
                                        POINTER(Header), c_size_t]),
        "h2_conn_prioritize": (c_int, [P, c_uint32, POINTER(Priority)]),
        "h2_conn_ping": (c_int, [P, c_void_p]),
        "h2_conn_update_settings": (c_int, [P, POINTER(SettingsEntry),
                                            c_size_t]),
        "h2_conn_acknowledge_received_data": (c_int, [P, c_uint32,
                                                      c_size_t]),
        "h2_conn_increment_flow_control_window": (c_int, [P, c_uint32,
                                                          c_uint32]),
        "h2_conn_advertise_alternative_service": (c_int, [
            P, c_uint32, c_void_p, c_size_t, c_void_p, c_size_t]),
        "h2_conn_close": (c_int, [P, c_uint32, c_uint32, c_void_p,
                                  c_size_t]),
        "h2_conn_peek_data": (c_int, [P, POINTER(c_void_p),
                                      POINTER(c_size_t)]),
        "h2_conn_consume_data": (c_int, [P, c_size_t]),
        "h2_conn_local_flow_control_window": (c_int, [P, c_uint32,
                                                      POINTER(c_int64)]),
        "h2_conn_remote_flow_control_window": (c_int, [P, c_uint32,
                                                       POINTER(c_int64)]),
        "h2_conn_open_inbound_streams": (c_size_t, [P]),
        "h2_conn_open_outbound_streams": (c_size_t, [P]),
        "h2_conn_stream_state": (c_int, [P, c_uint32, POINTER(c_int)]),
    }
    for name, (res, args) in protos.items():
        fn = getattr(L, name)
        fn.restype = res
        fn.argtypes = args
    _lib = L
    return L


def _buf(b):
    """A ctypes buffer kept alive by the caller, and its address."""
    b = bytes(b)
    cb = ctypes.create_string_buffer(b, len(b) or 1)
    return cb, ctypes.addressof(cb)


class _HeaderArray:
    """An h2_header[] built from (name, value) or (name, value, flags)."""

    def __init__(self, headers):
        self.keep = []
        self.arr = (Header * max(len(headers), 1))()
        for i, h in enumerate(headers):
            name, value = h[0], h[1]
            flags = h[2] if len(h) > 2 else 0
            if isinstance(name, str):
                name = name.encode()
            if isinstance(value, str):
                value = value.encode()
            nb, na = _buf(name)
            vb, va = _buf(value)
            self.keep += [nb, vb]
            self.arr[i] = Header(na, len(name), va, len(value), flags)
        self.n = len(headers)


class Conn:
    """A libh2 connection configured like an h2 H2Connection: the h2
    initial settings (the config defaults) and the H2COMPAT HPACK policy."""

    def __init__(self, client, options=None, settings=None):
        L = lib()
        self.L = L
        cfg = c_void_p()
        rc = L.h2_config_new(byref(cfg),
                             H2_SIDE_CLIENT if client else H2_SIDE_SERVER)
        assert rc == 0, rc
        try:
            opts = {H2_OPT_HPACK_POLICY: H2_HPACK_POLICY_H2COMPAT}
            opts.update(options or {})
            for k, v in opts.items():
                assert L.h2_config_set(cfg, k, v) == 0, (k, v)
            for k, v in (settings or {}).items():
                assert L.h2_config_set_setting(cfg, k, v) == 0, (k, v)
            conn = c_void_p()
            rc = L.h2_conn_new(byref(conn), cfg)
            assert rc == 0, rc
        finally:
            L.h2_config_free(cfg)
        self.c = conn
        self.now = 0
        self._inputs = []  # keep received bytes alive (zero-copy events)

    def __del__(self):
        if getattr(self, "c", None):
            self.L.h2_conn_free(self.c)
            self.c = None

    # ---- output / state ----
    def data_to_send(self):
        p = c_void_p()
        n = c_size_t()
        assert self.L.h2_conn_peek_data(self.c, byref(p), byref(n)) == 0
        out = ctypes.string_at(p.value, n.value) if n.value else b""
        assert self.L.h2_conn_consume_data(self.c, n.value) == 0
        return out

    def last_error(self):
        return self.L.h2_conn_last_error(self.c).decode(errors="replace")

    def state(self):
        return self.L.h2_conn_state(self.c)

    def stream_state(self, sid):
        out = c_int()
        rc = self.L.h2_conn_stream_state(self.c, sid, byref(out))
        return rc if rc < 0 else out.value

    def local_flow_control_window(self, sid):
        out = c_int64()
        rc = self.L.h2_conn_local_flow_control_window(self.c, sid, byref(out))
        return rc if rc < 0 else out.value

    def remote_flow_control_window(self, sid):
        out = c_int64()
        rc = self.L.h2_conn_remote_flow_control_window(self.c, sid,
                                                       byref(out))
        return rc if rc < 0 else out.value

    def open_inbound_streams(self):
        return self.L.h2_conn_open_inbound_streams(self.c)

    def open_outbound_streams(self):
        return self.L.h2_conn_open_outbound_streams(self.c)

    # ---- actions (each returns the int result) ----
    def initiate(self):
        return self.L.h2_conn_initiate(self.c)

    def initiate_upgrade(self, settings_header=None):
        """Client: returns (rc, value). Server: returns (rc, None)."""
        if settings_header is None:
            cap = 256
            out = ctypes.create_string_buffer(cap)
            n = c_size_t()
            rc = self.L.h2_conn_initiate_upgrade(self.c, None, 0, out, cap,
                                                 byref(n))
            return rc, (out.raw[:n.value] if rc == 0 else None)
        b, a = _buf(settings_header)
        rc = self.L.h2_conn_initiate_upgrade(self.c, a, len(settings_header),
                                             None, 0, None)
        return rc, None

    def next_stream_id(self):
        out = c_uint32()
        rc = self.L.h2_conn_get_next_available_stream_id(self.c, byref(out))
        return rc if rc < 0 else out.value

    def send_headers(self, sid, headers, end_stream=False, priority=None):
        ha = _HeaderArray(headers)
        pri = None
        if priority is not None:
            w, dep, exc = priority
            pri = byref(Priority(dep, w, 1 if exc else 0))
        return self.L.h2_conn_send_headers(
            self.c, sid, ha.arr, ha.n, H2_SEND_END_STREAM if end_stream else 0,
            pri)

    def send_data(self, sid, data, end_stream=False, pad_length=0):
        b, a = _buf(data)
        return self.L.h2_conn_send_data(
            self.c, sid, a, len(data), H2_SEND_END_STREAM if end_stream else 0,
            pad_length)

    def end_stream(self, sid):
        return self.L.h2_conn_end_stream(self.c, sid)

    def reset_stream(self, sid, code=0):
        return self.L.h2_conn_reset_stream(self.c, sid, code)

    def push_stream(self, sid, promised, headers):
        ha = _HeaderArray(headers)
        return self.L.h2_conn_push_stream(self.c, sid, promised, ha.arr, ha.n)

    def prioritize(self, sid, weight=None, depends_on=None, exclusive=None):
        if weight is None and depends_on is None and exclusive is None:
            return self.L.h2_conn_prioritize(self.c, sid, None)
        pri = Priority(depends_on or 0, 16 if weight is None else weight,
                       1 if exclusive else 0)
        return self.L.h2_conn_prioritize(self.c, sid, byref(pri))

    def ping(self, opaque):
        b, a = _buf(opaque)
        return self.L.h2_conn_ping(self.c, a)

    def update_settings(self, settings):
        items = list(settings.items())
        arr = (SettingsEntry * max(len(items), 1))()
        for i, (k, v) in enumerate(items):
            arr[i] = SettingsEntry(int(k), v)
        return self.L.h2_conn_update_settings(self.c, arr, len(items))

    def acknowledge_received_data(self, size, sid):
        return self.L.h2_conn_acknowledge_received_data(self.c, sid, size)

    def increment_flow_control_window(self, increment, sid=None):
        return self.L.h2_conn_increment_flow_control_window(self.c, sid or 0,
                                                            increment)

    def advertise_alternative_service(self, field_value, origin=None,
                                      sid=None):
        fb, fa = _buf(field_value)
        if origin is None:
            return self.L.h2_conn_advertise_alternative_service(
                self.c, sid or 0, None, 0, fa, len(field_value))
        ob, oa = _buf(origin)
        return self.L.h2_conn_advertise_alternative_service(
            self.c, sid or 0, oa, len(origin), fa, len(field_value))

    def close(self, error_code=0, additional_data=None, last_stream_id=None):
        d = additional_data or b""
        b, a = _buf(d)
        return self.L.h2_conn_close(
            self.c, error_code,
            H2_LAST_STREAM_AUTO if last_stream_id is None else last_stream_id,
            a if d else None, len(d))

    # ---- input ----
    def receive(self, data):
        """Feed bytes; returns (rc, events) with events as dicts keyed like
        the attributes of h2's event classes."""
        b, a = _buf(data)
        self._inputs.append(b)
        self.now += 1
        rc = self.L.h2_conn_receive(self.c, a, len(data), self.now)
        return rc, self.events()

    def events(self):
        out = []
        ev = c_void_p()
        while self.L.h2_conn_next_event(self.c, byref(ev)) == 1:
            out.append(self._event(ev))
        return out

    def _event(self, ev):
        L = self.L
        t = L.h2_event_type(ev)
        name = EVENT_NAMES.get(t, "Unknown%d" % t)
        d = {"type": name}
        sid = L.h2_event_stream_id(ev)
        n = c_size_t()

        def data():
            p = L.h2_event_data(ev, byref(n))
            return ctypes.string_at(p, n.value) if p and n.value else b""

        def headers():
            hs = []
            h = Header()
            for i in range(L.h2_event_header_count(ev)):
                assert L.h2_event_header(ev, i, byref(h)) == 1
                hs.append((ctypes.string_at(h.name, h.name_len),
                           ctypes.string_at(h.value, h.value_len),
                           bool(h.flags & H2_HEADER_NEVER_INDEX)))
            return hs

        def settings():
            cs = ChangedSetting()
            res = {}
            for i in range(L.h2_event_setting_count(ev)):
                assert L.h2_event_setting(ev, i, byref(cs)) == 1
                res[cs.id] = (cs.original_value if cs.has_original else None,
                              cs.new_value)
            return res

        rel = L.h2_event_related(ev)
        if name in ("RequestReceived", "ResponseReceived", "TrailersReceived",
                    "InformationalResponseReceived"):
            d.update(stream_id=sid, headers=headers(),
                     priority_updated=bool(rel & H2_REL_PRIORITY_UPDATED))
            if name != "InformationalResponseReceived":
                d["stream_ended"] = bool(rel & H2_REL_STREAM_ENDED)
        elif name == "DataReceived":
            d.update(stream_id=sid, data=data(),
                     flow_controlled_length=L.h2_event_flow_controlled_length(
                         ev),
                     stream_ended=bool(rel & H2_REL_STREAM_ENDED))
        elif name == "WindowUpdated":
            d.update(stream_id=sid, delta=L.h2_event_delta(ev))
        elif name in ("RemoteSettingsChanged", "SettingsAcknowledged"):
            d.update(changed_settings=settings())
        elif name in ("PingReceived", "PingAckReceived"):
            pd = ctypes.create_string_buffer(8)
            L.h2_event_ping_data(ev, pd)
            d.update(ping_data=pd.raw)
        elif name == "StreamEnded":
            d.update(stream_id=sid)
        elif name == "StreamReset":
            d.update(stream_id=sid, error_code=L.h2_event_error_code(ev),
                     remote_reset=bool(L.h2_event_remote_reset(ev)))
        elif name == "PushedStreamReceived":
            d.update(pushed_stream_id=sid,
                     parent_stream_id=L.h2_event_related_stream_id(ev),
                     headers=headers())
        elif name == "PriorityUpdated":
            w = c_uint16()
            e = c_int()
            L.h2_event_priority(ev, byref(w), byref(e))
            d.update(stream_id=sid, weight=w.value,
                     depends_on=L.h2_event_related_stream_id(ev),
                     exclusive=bool(e.value))
        elif name == "ConnectionTerminated":
            d.update(error_code=L.h2_event_error_code(ev),
                     last_stream_id=L.h2_event_related_stream_id(ev),
                     additional_data=data())
        elif name == "AlternativeServiceAvailable":
            p = L.h2_event_origin(ev, byref(n))
            origin = ctypes.string_at(p, n.value) if p else None
            d.update(origin=origin, field_value=data())
        elif name == "UnknownFrameReceived":
            ft = c_uint8()
            ff = c_uint8()
            L.h2_event_frame_type(ev, byref(ft), byref(ff))
            d.update(frame_type=ft.value, flags=ff.value, stream_id=sid,
                     body=data())
        else:
            d.update(stream_id=sid, data=data())
        return d
