/* Hand-written parts of the extension libh2._libh2: argument conversions
 * used by the SWIG typemaps of libh2.i and the native fast paths. */
#ifndef LIBH2_PY_GLUE_H
#define LIBH2_PY_GLUE_H

#include <Python.h>
#include <h2/h2.h>

/* A header list converted from Python: the h2_header array and the
 * objects that own the bytes it points into. */
typedef struct glue_headers {
  h2_header *items;
  size_t n;
  PyObject *seq;  /* the sequence the fields point into, or NULL */
  PyObject *keep; /* list of temporaries (bytearray copies), or NULL */
  h2_header small[16];
} glue_headers;

/* A plain array converted from Python (settings entries, origins). */
typedef struct glue_array {
  void *items;
  size_t n;
  PyObject *keep;
} glue_array;

/* The h2_conn inside a connection capsule; NULL with an exception set if
 * obj is not one or the connection is in use by another thread. */
h2_conn *glue_conn_arg(PyObject *obj);
/* Raise the exception for a negative status of the last converted
 * connection's call. */
void glue_raise_status(int status);
/* Record the stream id of the call (for exceptions that carry one). */
void glue_note_stream(uint32_t stream_id);
/* The call is a query: describe its errors by status code alone. */
void glue_forget_conn(void);

int glue_headers_from_py(PyObject *seq, glue_headers *out);
void glue_headers_release(glue_headers *h);
int glue_settings_from_py(PyObject *seq, glue_array *out);
int glue_bytes_list_from_py(PyObject *seq, glue_array *out);
void glue_array_release(glue_array *a);
int glue_priority_from_py(PyObject *obj, h2_priority *out);

PyObject *glue_setup(PyObject *self, PyObject *args);
PyObject *glue_conn_new(PyObject *self, PyObject *args);
PyObject *glue_receive(PyObject *self, PyObject *args);
PyObject *glue_take(PyObject *self, PyObject *args);
PyObject *glue_initiate_upgrade(PyObject *self, PyObject *args);
PyObject *glue_send_data(PyObject *self, PyObject *args);
PyObject *glue_next_traces(PyObject *self, PyObject *args);

#endif
