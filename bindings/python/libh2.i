/* SWIG interface of the low-level extension libh2._libh2.
 *
 * Generated from the one public header, abi/include/h2/h2.h: every
 * constant (status codes, options, events, error codes, setting ids) and the
 * connection's actions and queries come from %include <h2/h2.h>. The
 * typemaps below turn
 *   - (const uint8_t *, size_t) pairs into any bytes-like object (or None
 *     where the C function accepts NULL),
 *   - header lists (const h2_header *, size_t) into sequences of
 *     (name, value) pairs of bytes or str, hpack's NeverIndexedHeaderTuple
 *     setting H2_HEADER_NEVER_INDEX,
 *   - negative status codes into the matching Python exception (built by
 *     libh2.exceptions from the code and h2_conn_last_error()),
 *   - out-parameters into return values,
 *   - an h2_conn * into a capsule that frees the connection when collected.
 * The hot paths that turn queued events into Python objects and pending
 * output into bytes are written by hand below (glue.h) and added with
 * %native, so that a receive_data() call is one C call whatever it yields.
 */
%module(package="libh2") _libh2

%{
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <h2/h2.h>
#include "glue.h"
%}

%include <stdint.i>

/* ---- connections are capsules ------------------------------------------ */
/* Locals of the typemaps below start zeroed: when one argument fails to
 * convert, the clean-up code runs for all of them. */
%typemap(in) h2_conn *conn {
  $1 = glue_conn_arg($input);
  if (!$1) SWIG_fail;
}
/* Queries do not set the connection's last error: their failures are
 * described by the status code alone. */
%typemap(in) const h2_conn *conn {
  $1 = glue_conn_arg($input);
  if (!$1) SWIG_fail;
  glue_forget_conn();
}

/* The stream id of an action is remembered for the exception it may
 * raise (StreamClosedError(stream_id) and the like). */
%typemap(in) uint32_t stream_id {
  long long v = PyLong_AsLongLong($input);
  if (v == -1 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) SWIG_fail;
    PyErr_Clear();
    v = -1;
  }
  if (v < 0 || v > 0xffffffffLL) {
    PyErr_SetString(PyExc_ValueError, "stream id out of range");
    SWIG_fail;
  }
  $1 = (uint32_t)v;
  glue_note_stream($1);
}

/* ---- status codes -------------------------------------------------------- */
/* Every int-returning function of the header returns a status: negative is
 * an error (raised), anything else is returned as an int. */
%typemap(out) int {
  if ($1 < 0) {
    glue_raise_status($1);
    SWIG_fail;
  }
  $result = PyLong_FromLong($1);
}

/* ---- byte buffers -------------------------------------------------------- */
%typemap(in) (const uint8_t *BUFFER, size_t LENGTH) (Py_buffer view = {0}) {
  if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0) SWIG_fail;
  $1 = ($1_ltype)view.buf;
  $2 = (size_t)view.len;
}
%typemap(freearg) (const uint8_t *BUFFER, size_t LENGTH) {
  if (view$argnum.obj) PyBuffer_Release(&view$argnum);
}
%typemap(in) (const uint8_t *OPTBUFFER, size_t LENGTH) (Py_buffer view = {0}) {
  if ($input == Py_None) {
    $1 = NULL;
    $2 = 0;
  } else {
    if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0) SWIG_fail;
    $1 = ($1_ltype)view.buf;
    $2 = (size_t)view.len;
  }
}
%typemap(freearg) (const uint8_t *OPTBUFFER, size_t LENGTH) {
  if (view$argnum.obj) PyBuffer_Release(&view$argnum);
}
%apply (const uint8_t *BUFFER, size_t LENGTH) {
  (const uint8_t *data, size_t len),
  (const uint8_t *field_value, size_t field_value_len),
  (const uint8_t *field_value, size_t len)
};
%apply (const uint8_t *OPTBUFFER, size_t LENGTH) {
  (const uint8_t *origin, size_t origin_len),
  (const uint8_t *debug, size_t debug_len)
};

/* PING opaque data: exactly 8 bytes, or None for eight zero bytes. */
%typemap(in) const uint8_t opaque[8] (Py_buffer view = {0}) {
  $1 = NULL;
  if ($input != Py_None) {
    if (PyObject_GetBuffer($input, &view, PyBUF_SIMPLE) < 0) SWIG_fail;
    if (view.len != 8) {
      PyErr_SetString(PyExc_ValueError, "PING data must be 8 bytes");
      SWIG_fail;
    }
    $1 = (uint8_t *)view.buf;
  }
}
%typemap(freearg) const uint8_t opaque[8] {
  if (view$argnum.obj) PyBuffer_Release(&view$argnum);
}

/* ---- header lists -------------------------------------------------------- */
%typemap(in) (const h2_header *headers, size_t n) (glue_headers hl = {0}) {
  if (glue_headers_from_py($input, &hl) < 0) SWIG_fail;
  $1 = hl.items;
  $2 = hl.n;
}
%typemap(freearg) (const h2_header *headers, size_t n) {
  glue_headers_release(&hl$argnum);
}

/* ---- other arrays -------------------------------------------------------- */
%typemap(in) (const h2_settings_entry *settings, size_t n) (glue_array arr = {0}) {
  if (glue_settings_from_py($input, &arr) < 0) SWIG_fail;
  $1 = ($1_ltype)arr.items;
  $2 = arr.n;
}
%typemap(freearg) (const h2_settings_entry *settings, size_t n) {
  glue_array_release(&arr$argnum);
}
%typemap(in) (const h2_bytes *origins, size_t n) (glue_array arr = {0}) {
  if (glue_bytes_list_from_py($input, &arr) < 0) SWIG_fail;
  $1 = ($1_ltype)arr.items;
  $2 = arr.n;
}
%typemap(freearg) (const h2_bytes *origins, size_t n) {
  glue_array_release(&arr$argnum);
}

/* RFC 7540 priority: None, or (depends_on, weight, exclusive). */
%typemap(in) const h2_priority *pri (h2_priority tmp) {
  if ($input == Py_None) {
    $1 = NULL;
  } else {
    if (glue_priority_from_py($input, &tmp) < 0) SWIG_fail;
    $1 = &tmp;
  }
}

/* ---- out-parameters become return values --------------------------------- */
%typemap(in, numinputs=0) uint32_t *out (uint32_t tmp), int64_t *out (int64_t tmp),
    int *out (int tmp), uint64_t *out (uint64_t tmp) {
  tmp = 0;
  $1 = &tmp;
}
%typemap(argout) uint32_t *out, uint64_t *out {
  Py_DECREF($result);
  $result = PyLong_FromUnsignedLongLong((unsigned long long)*$1);
}
/* h2_conn_stream_windows(): returns (send, recv). */
%typemap(in, numinputs=0) (int64_t *send, int64_t *recv) (int64_t s = 0, int64_t r = 0) {
  $1 = &s;
  $2 = &r;
}
%typemap(argout) (int64_t *send, int64_t *recv) {
  Py_DECREF($result);
  $result = Py_BuildValue("(LL)", (long long)*$1, (long long)*$2);
  if (!$result) SWIG_fail;
}
%typemap(argout) int64_t *out, int *out {
  Py_DECREF($result);
  $result = PyLong_FromLongLong((long long)*$1);
}

/* ---- what is not wrapped ------------------------------------------------- */
/* HPACK objects, configurations, allocators, raw events and output views
 * hold borrowed pointers whose lifetime Python cannot track; the package
 * reaches them through the native functions below instead. */
%ignore h2_allocator;
%rename("$ignore", regextarget=1) "^h2_hpack_";
%rename("$ignore", regextarget=1) "^h2_config_";
%rename("$ignore", regextarget=1) "^h2_event_";
%ignore h2_conn_new;
%ignore h2_conn_free;
%ignore h2_conn_next_event;
%ignore h2_conn_initiate_upgrade;
%ignore h2_conn_data_to_send;
%ignore h2_conn_peek_data;
%ignore h2_conn_peek_iov;
%ignore h2_conn_consume_data;
%ignore h2_conn_receive;
%ignore h2_conn_next_trace;
%ignore h2_conn_send_data_ref;
%ignore h2_conn_output_consumed;
%ignore h2_header;
%ignore h2_priority;
%ignore h2_bytes;
%ignore h2_settings_entry;
%ignore h2_changed_setting;
%ignore h2_frame_trace;

#define H2_EXTERN
%include <h2/version.h>
%include <h2/h2.h>

/* ---- hand-written fast paths (glue.c) ------------------------------------ */
%native(setup) PyObject *glue_setup(PyObject *self, PyObject *args);
%native(conn_new) PyObject *glue_conn_new(PyObject *self, PyObject *args);
%native(receive) PyObject *glue_receive(PyObject *self, PyObject *args);
%native(take) PyObject *glue_take(PyObject *self, PyObject *args);
%native(initiate_upgrade) PyObject *glue_initiate_upgrade(PyObject *self, PyObject *args);
%native(send_data) PyObject *glue_send_data(PyObject *self, PyObject *args);
%native(next_traces) PyObject *glue_next_traces(PyObject *self, PyObject *args);
