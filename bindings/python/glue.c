/* Native parts of libh2._libh2: connection capsules, conversions for the
 * SWIG typemaps, and the fast paths of receive_data() and data_to_send().
 *
 * Events become instances of the classes of libh2.events without running
 * their __init__: object.__new__(cls) and the attributes set directly, the
 * way a dataclass instance looks after __init__. Header fields become
 * hpack's HeaderTuple / NeverIndexedHeaderTuple (tuple subclasses) built in
 * place. */
#define PY_SSIZE_T_CLEAN
#include "glue.h"

#include <string.h>
#include <time.h>

#define CAPSULE_NAME "libh2.conn"
/* receive_data() of at least this many bytes runs without the GIL. */
#define NOGIL_MIN (64 * 1024)
#define N_EVENT_TYPES 20

/* send_data() payloads of at least this many bytes, in immutable objects,
 * are sent by reference: the engine copies them once, into data_to_send()'s
 * bytes. */
#define REF_MIN 4096

/* A payload the engine references until its output is consumed past end. */
typedef struct glue_ref {
  uint64_t end;
  Py_buffer view;
} glue_ref;

typedef struct glue_conn {
  h2_conn *c;
  int busy; /* a call without the GIL is running on it */
  glue_ref *refs; /* FIFO refs[head..n) in order of end */
  size_t head, n, cap;
} glue_conn;

/* Release the payloads whose bytes the engine no longer needs (all of them
 * when everything is released). */
static void release_refs(glue_conn *gc, int all) {
  uint64_t done;
  if (gc->head == gc->n) return;
  done = all ? UINT64_MAX : h2_conn_output_consumed(gc->c);
  while (gc->head < gc->n && gc->refs[gc->head].end <= done) {
    PyBuffer_Release(&gc->refs[gc->head].view);
    gc->head++;
  }
  if (gc->head == gc->n) gc->head = gc->n = 0;
}

static int push_ref(glue_conn *gc) {
  if (gc->head && gc->n == gc->cap) {
    memmove(gc->refs, gc->refs + gc->head, (gc->n - gc->head) * sizeof(glue_ref));
    gc->n -= gc->head;
    gc->head = 0;
  }
  if (gc->n == gc->cap) {
    size_t cap = gc->cap ? gc->cap * 2 : 64;
    glue_ref *r = (glue_ref *)PyMem_Realloc(gc->refs, cap * sizeof(glue_ref));
    if (!r) {
      PyErr_NoMemory();
      return -1;
    }
    gc->refs = r;
    gc->cap = cap;
  }
  return 0;
}

/* True if obj's bytes cannot change while referenced: bytes, or a
 * read-only memoryview over bytes. */
static int immutable_buffer(PyObject *obj) {
  if (PyBytes_CheckExact(obj)) return 1;
  if (PyMemoryView_Check(obj)) {
    Py_buffer *b = PyMemoryView_GET_BUFFER(obj);
    PyObject *base = PyMemoryView_GET_BASE(obj);
    return b->readonly && base && PyBytes_CheckExact(base) &&
           PyBuffer_IsContiguous(b, 'C');
  }
  return 0;
}

/* Set by setup() from libh2/connection.py. */
static struct {
  PyObject *event_cls[N_EVENT_TYPES];
  PyObject *header_tuple;
  PyObject *never_indexed;
  PyObject *exception_for_status; /* (status, message, stream_id) -> exc */
  PyObject *changed_settings;     /* [(id, orig|None, new)] -> dict */
  PyObject *error_code;           /* int -> ErrorCodes | int */
  PyObject *unknown_frame;        /* (type, flags, stream_id, body) -> obj */
  PyObject *origins;              /* raw ORIGIN payload -> list */
  PyObject *empty_tuple;
  int ready;
} G;

/* Interned attribute names. */
static PyObject *S_stream_id, *S_headers, *S_stream_ended,
    *S_priority_updated, *S_data, *S_flow_controlled_length, *S_delta,
    *S_changed_settings, *S_ping_data, *S_error_code, *S_remote_reset,
    *S_pushed_stream_id, *S_parent_stream_id, *S_weight, *S_depends_on,
    *S_exclusive, *S_last_stream_id, *S_additional_data, *S_origin,
    *S_field_value, *S_frame, *S_priority_field_value, *S_origins;

/* The connection and stream of the call being converted, for messages. */
static h2_conn *g_conn;
static uint32_t g_stream;
static int g_has_stream;

/* ---- connections ------------------------------------------------------ */

static void conn_capsule_free(PyObject *cap) {
  glue_conn *gc = (glue_conn *)PyCapsule_GetPointer(cap, CAPSULE_NAME);
  if (gc) {
    h2_conn_free(gc->c);
    release_refs(gc, 1);
    PyMem_Free(gc->refs);
    PyMem_Free(gc);
  }
}

static glue_conn *conn_of(PyObject *obj) {
  glue_conn *gc;
  if (!PyCapsule_CheckExact(obj)) {
    PyErr_SetString(PyExc_TypeError, "expected a libh2 connection handle");
    return NULL;
  }
  gc = (glue_conn *)PyCapsule_GetPointer(obj, CAPSULE_NAME);
  if (!gc) return NULL;
  if (gc->busy) {
    PyErr_SetString(PyExc_RuntimeError,
                    "the connection is being used by another thread");
    return NULL;
  }
  g_conn = gc->c;
  g_has_stream = 0;
  return gc;
}

h2_conn *glue_conn_arg(PyObject *obj) {
  glue_conn *gc = conn_of(obj);
  return gc ? gc->c : NULL;
}

void glue_forget_conn(void) { g_conn = NULL; }

void glue_note_stream(uint32_t stream_id) {
  g_stream = stream_id;
  g_has_stream = 1;
}

static void raise_for(h2_conn *c, int status) {
  const char *msg = c ? h2_conn_last_error(c) : "";
  PyObject *exc, *sid;
  if (!msg || !*msg) msg = h2_strerror(status);
  if (!G.exception_for_status) {
    PyErr_Format(PyExc_RuntimeError, "libh2 error %d: %s", status, msg);
    return;
  }
  if (g_has_stream) {
    sid = PyLong_FromUnsignedLong(g_stream);
  } else {
    sid = Py_None;
    Py_INCREF(sid);
  }
  if (!sid) return;
  exc = PyObject_CallFunction(G.exception_for_status, "isO", status, msg, sid);
  Py_DECREF(sid);
  if (!exc) return;
  PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
  Py_DECREF(exc);
}

void glue_raise_status(int status) { raise_for(g_conn, status); }

/* ---- conversions ---------------------------------------------------------- */

/* Bytes of a header name or value: bytes, str (UTF-8, as h2), bytearray or
 * memoryview. Temporaries go to *keep. */
static int field_bytes(PyObject *o, const uint8_t **p, size_t *n,
                       PyObject **keep) {
  if (PyBytes_Check(o)) {
    *p = (const uint8_t *)PyBytes_AS_STRING(o);
    *n = (size_t)PyBytes_GET_SIZE(o);
    return 0;
  }
  if (PyUnicode_Check(o)) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(o, &len);
    if (!s) return -1;
    *p = (const uint8_t *)s;
    *n = (size_t)len;
    return 0;
  }
  if (PyByteArray_Check(o) || PyMemoryView_Check(o)) {
    PyObject *b = PyBytes_FromObject(o);
    if (!b) return -1;
    if (!*keep && !(*keep = PyList_New(0))) {
      Py_DECREF(b);
      return -1;
    }
    if (PyList_Append(*keep, b) < 0) {
      Py_DECREF(b);
      return -1;
    }
    Py_DECREF(b);
    *p = (const uint8_t *)PyBytes_AS_STRING(b);
    *n = (size_t)PyBytes_GET_SIZE(b);
    return 0;
  }
  PyErr_Format(PyExc_TypeError,
               "header names and values must be bytes or str, not %.100s",
               Py_TYPE(o)->tp_name);
  return -1;
}

int glue_headers_from_py(PyObject *seq, glue_headers *out) {
  PyObject *fast;
  Py_ssize_t i, n;
  out->items = out->small;
  out->n = 0;
  out->seq = NULL;
  out->keep = NULL;
  fast = PySequence_Fast(seq, "headers must be an iterable of pairs");
  if (!fast) return -1;
  n = PySequence_Fast_GET_SIZE(fast);
  if ((size_t)n > sizeof out->small / sizeof out->small[0]) {
    out->items = (h2_header *)PyMem_Malloc((size_t)n * sizeof(h2_header));
    if (!out->items) {
      Py_DECREF(fast);
      PyErr_NoMemory();
      return -1;
    }
  }
  for (i = 0; i < n; i++) {
    PyObject *pair = PySequence_Fast_GET_ITEM(fast, i);
    PyObject *name, *value;
    h2_header *h = &out->items[i];
    if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2) {
      name = PyTuple_GET_ITEM(pair, 0);
      value = PyTuple_GET_ITEM(pair, 1);
    } else if (PyList_Check(pair) && PyList_GET_SIZE(pair) == 2) {
      name = PyList_GET_ITEM(pair, 0);
      value = PyList_GET_ITEM(pair, 1);
    } else {
      PyErr_SetString(PyExc_ValueError,
                      "each header must be a (name, value) pair");
      goto fail;
    }
    if (field_bytes(name, &h->name, &h->name_len, &out->keep) < 0 ||
        field_bytes(value, &h->value, &h->value_len, &out->keep) < 0)
      goto fail;
    h->flags = 0;
    if (G.never_indexed && Py_TYPE(pair) != &PyTuple_Type) {
      int r = PyObject_IsInstance(pair, G.never_indexed);
      if (r < 0) goto fail;
      if (r) h->flags = H2_HEADER_NEVER_INDEX;
    }
    out->n++;
  }
  /* The sequence (and the strings it holds) must outlive the call. */
  out->seq = fast;
  return 0;
fail:
  Py_DECREF(fast);
  glue_headers_release(out);
  return -1;
}

void glue_headers_release(glue_headers *h) {
  if (h->items && h->items != h->small) PyMem_Free(h->items);
  h->items = NULL;
  Py_CLEAR(h->seq);
  Py_CLEAR(h->keep);
}

static int u32_of(PyObject *o, uint32_t *out, const char *what) {
  unsigned long long v;
  if (!PyLong_Check(o)) {
    PyErr_Format(PyExc_TypeError, "%s must be an int", what);
    return -1;
  }
  v = PyLong_AsUnsignedLongLong(o);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s out of range", what);
    return -1;
  }
  if (v > 0xffffffffull) {
    PyErr_Format(PyExc_ValueError, "%s out of range", what);
    return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

int glue_settings_from_py(PyObject *seq, glue_array *out) {
  PyObject *fast;
  Py_ssize_t i, n;
  h2_settings_entry *e;
  out->items = NULL;
  out->n = 0;
  out->keep = NULL;
  fast = PySequence_Fast(seq, "settings must be a sequence of (id, value)");
  if (!fast) return -1;
  n = PySequence_Fast_GET_SIZE(fast);
  e = (h2_settings_entry *)PyMem_Malloc((size_t)(n ? n : 1) * sizeof *e);
  if (!e) {
    Py_DECREF(fast);
    PyErr_NoMemory();
    return -1;
  }
  for (i = 0; i < n; i++) {
    PyObject *pair = PySequence_Fast_GET_ITEM(fast, i);
    uint32_t id, v;
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
      PyErr_SetString(PyExc_TypeError, "settings must be (id, value) pairs");
      goto fail;
    }
    if (u32_of(PyTuple_GET_ITEM(pair, 0), &id, "setting id") < 0 ||
        u32_of(PyTuple_GET_ITEM(pair, 1), &v, "setting value") < 0)
      goto fail;
    if (id > 0xffff) {
      PyErr_SetString(PyExc_ValueError, "setting id out of range");
      goto fail;
    }
    e[i].id = (uint16_t)id;
    e[i].value = v;
  }
  Py_DECREF(fast);
  out->items = e;
  out->n = (size_t)n;
  return 0;
fail:
  Py_DECREF(fast);
  PyMem_Free(e);
  return -1;
}

int glue_bytes_list_from_py(PyObject *seq, glue_array *out) {
  PyObject *fast;
  Py_ssize_t i, n;
  h2_bytes *b;
  out->items = NULL;
  out->n = 0;
  out->keep = NULL;
  fast = PySequence_Fast(seq, "expected a sequence of bytes");
  if (!fast) return -1;
  n = PySequence_Fast_GET_SIZE(fast);
  b = (h2_bytes *)PyMem_Malloc((size_t)(n ? n : 1) * sizeof *b);
  if (!b) {
    Py_DECREF(fast);
    PyErr_NoMemory();
    return -1;
  }
  for (i = 0; i < n; i++) {
    PyObject *o = PySequence_Fast_GET_ITEM(fast, i);
    if (!PyBytes_Check(o)) {
      PyErr_SetString(PyExc_TypeError, "expected bytes");
      Py_DECREF(fast);
      PyMem_Free(b);
      return -1;
    }
    b[i].data = (const uint8_t *)PyBytes_AS_STRING(o);
    b[i].len = (size_t)PyBytes_GET_SIZE(o);
  }
  out->items = b;
  out->n = (size_t)n;
  out->keep = fast; /* keeps the bytes alive */
  return 0;
}

void glue_array_release(glue_array *a) {
  PyMem_Free(a->items);
  a->items = NULL;
  Py_CLEAR(a->keep);
}

int glue_priority_from_py(PyObject *obj, h2_priority *out) {
  uint32_t dep, weight;
  int excl;
  if (!PyTuple_Check(obj) || PyTuple_GET_SIZE(obj) != 3) {
    PyErr_SetString(PyExc_TypeError,
                    "priority must be (depends_on, weight, exclusive)");
    return -1;
  }
  if (u32_of(PyTuple_GET_ITEM(obj, 0), &dep, "depends_on") < 0 ||
      u32_of(PyTuple_GET_ITEM(obj, 1), &weight, "weight") < 0)
    return -1;
  excl = PyObject_IsTrue(PyTuple_GET_ITEM(obj, 2));
  if (excl < 0) return -1;
  if (weight > 0xffff) {
    PyErr_SetString(PyExc_ValueError, "weight out of range");
    return -1;
  }
  out->depends_on = dep;
  out->weight = (uint16_t)weight;
  out->exclusive = (uint8_t)excl;
  return 0;
}

/* ---- setup ---------------------------------------------------------------- */

static int intern_all(void) {
#define I(v, s) \
  if (!(v = PyUnicode_InternFromString(s))) return -1
  I(S_stream_id, "stream_id");
  I(S_headers, "headers");
  I(S_stream_ended, "stream_ended");
  I(S_priority_updated, "priority_updated");
  I(S_data, "data");
  I(S_flow_controlled_length, "flow_controlled_length");
  I(S_delta, "delta");
  I(S_changed_settings, "changed_settings");
  I(S_ping_data, "ping_data");
  I(S_error_code, "error_code");
  I(S_remote_reset, "remote_reset");
  I(S_pushed_stream_id, "pushed_stream_id");
  I(S_parent_stream_id, "parent_stream_id");
  I(S_weight, "weight");
  I(S_depends_on, "depends_on");
  I(S_exclusive, "exclusive");
  I(S_last_stream_id, "last_stream_id");
  I(S_additional_data, "additional_data");
  I(S_origin, "origin");
  I(S_field_value, "field_value");
  I(S_frame, "frame");
  I(S_priority_field_value, "priority_field_value");
  I(S_origins, "origins");
#undef I
  return 0;
}

static int take_callable(PyObject *d, const char *key, PyObject **slot) {
  PyObject *v = PyDict_GetItemString(d, key);
  if (!v || !PyCallable_Check(v)) {
    PyErr_Format(PyExc_TypeError, "setup: %s must be callable", key);
    return -1;
  }
  Py_INCREF(v);
  Py_XSETREF(*slot, v);
  return 0;
}

/* setup(dict): event classes by H2_EV_* code, header tuple classes and the
 * factories of libh2/connection.py. Called once at import. */
PyObject *glue_setup(PyObject *self, PyObject *args) {
  PyObject *d, *events, *key, *val;
  Py_ssize_t pos = 0;
  (void)self;
  if (!PyArg_ParseTuple(args, "O!:setup", &PyDict_Type, &d)) return NULL;
  if (!S_stream_id && intern_all() < 0) return NULL;
  if (!G.empty_tuple && !(G.empty_tuple = PyTuple_New(0))) return NULL;
  events = PyDict_GetItemString(d, "events");
  if (!events || !PyDict_Check(events)) {
    PyErr_SetString(PyExc_TypeError, "setup: events must be a dict");
    return NULL;
  }
  while (PyDict_Next(events, &pos, &key, &val)) {
    long code = PyLong_AsLong(key);
    if (code == -1 && PyErr_Occurred()) return NULL;
    if (code <= 0 || code >= N_EVENT_TYPES || !PyType_Check(val)) {
      PyErr_SetString(PyExc_ValueError, "setup: bad event class entry");
      return NULL;
    }
    Py_INCREF(val);
    Py_XSETREF(G.event_cls[code], val);
  }
  if (take_callable(d, "header_tuple", &G.header_tuple) < 0 ||
      take_callable(d, "never_indexed", &G.never_indexed) < 0 ||
      take_callable(d, "exception_for_status", &G.exception_for_status) < 0 ||
      take_callable(d, "changed_settings", &G.changed_settings) < 0 ||
      take_callable(d, "error_code", &G.error_code) < 0 ||
      take_callable(d, "unknown_frame", &G.unknown_frame) < 0 ||
      take_callable(d, "origins", &G.origins) < 0)
    return NULL;
  if (!PyType_Check(G.header_tuple) || !PyType_Check(G.never_indexed) ||
      !PyType_IsSubtype((PyTypeObject *)G.header_tuple, &PyTuple_Type) ||
      !PyType_IsSubtype((PyTypeObject *)G.never_indexed, &PyTuple_Type)) {
    PyErr_SetString(PyExc_TypeError, "setup: header tuples must be tuples");
    return NULL;
  }
  G.ready = 1;
  Py_RETURN_NONE;
}

/* conn_new(side, [(option, value)], [(setting id, value)]) -> handle: the
 * settings are all the initial SETTINGS sent. */
PyObject *glue_conn_new(PyObject *self, PyObject *args) {
  int side, rc;
  PyObject *opts, *sets, *cap;
  h2_config *cfg = NULL;
  glue_conn *gc;
  Py_ssize_t i;
  (void)self;
  if (!PyArg_ParseTuple(args, "iO!O!:conn_new", &side, &PyList_Type, &opts,
                        &PyList_Type, &sets))
    return NULL;
  rc = h2_config_new(&cfg, side);
  if (rc < 0) {
    g_conn = NULL;
    raise_for(NULL, rc);
    return NULL;
  }
  for (i = 0; i < PyList_GET_SIZE(opts); i++) {
    int opt;
    unsigned long long v;
    if (!PyArg_ParseTuple(PyList_GET_ITEM(opts, i), "iK", &opt, &v)) goto fail;
    if ((rc = h2_config_set(cfg, opt, (uint64_t)v)) < 0) {
      PyErr_Format(PyExc_ValueError, "option %d: invalid value %llu", opt, v);
      goto fail;
    }
  }
  /* The initial SETTINGS are exactly the given ones (h2 sends what its
   * local_settings hold); options that imply a setting come before. */
  h2_config_clear_settings(cfg);
  for (i = 0; i < PyList_GET_SIZE(sets); i++) {
    unsigned int id;
    unsigned long long v;
    if (!PyArg_ParseTuple(PyList_GET_ITEM(sets, i), "IK", &id, &v)) goto fail;
    if (id > 0xffff || v > 0xffffffffull ||
        (rc = h2_config_set_setting(cfg, (uint16_t)id, (uint32_t)v)) < 0) {
      g_has_stream = 0;
      if (v > 0xffffffffull || id > 0xffff) rc = H2_ERR_INVALID_SETTINGS_VALUE;
      raise_for(NULL, rc);
      goto fail;
    }
  }
  gc = (glue_conn *)PyMem_Calloc(1, sizeof *gc);
  if (!gc) {
    PyErr_NoMemory();
    goto fail;
  }
  rc = h2_conn_new(&gc->c, cfg);
  h2_config_free(cfg);
  cfg = NULL;
  if (rc < 0) {
    PyMem_Free(gc);
    raise_for(NULL, rc);
    return NULL;
  }
  cap = PyCapsule_New(gc, CAPSULE_NAME, conn_capsule_free);
  if (!cap) {
    h2_conn_free(gc->c);
    PyMem_Free(gc);
  }
  return cap;
fail:
  h2_config_free(cfg);
  return NULL;
}

/* ---- events --------------------------------------------------------------- */

static PyObject *new_event(int type) {
  PyObject *cls = (type > 0 && type < N_EVENT_TYPES) ? G.event_cls[type] : NULL;
  PyTypeObject *t;
  if (!cls) {
    PyErr_Format(PyExc_RuntimeError, "no class for event type %d", type);
    return NULL;
  }
  t = (PyTypeObject *)cls;
  return PyBaseObject_Type.tp_new(t, G.empty_tuple, NULL);
}

/* Set attribute name on obj to v, stealing the reference to v. */
static int put(PyObject *obj, PyObject *name, PyObject *v) {
  int r;
  if (!v) return -1;
  r = PyObject_GenericSetAttr(obj, name, v);
  Py_DECREF(v);
  return r;
}

static PyObject *bytes_of(const uint8_t *p, size_t n) {
  return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
}

static PyObject *text_of(const uint8_t *p, size_t n, const char *encoding) {
  if (!encoding) return bytes_of(p, n);
  return PyUnicode_Decode((const char *)p, (Py_ssize_t)n, encoding, "strict");
}

static PyObject *headers_of(const h2_event *ev, const char *encoding) {
  size_t i, n = h2_event_header_count(ev);
  PyObject *list = PyList_New((Py_ssize_t)n);
  if (!list) return NULL;
  for (i = 0; i < n; i++) {
    h2_header h;
    PyObject *name, *value, *t;
    PyTypeObject *cls;
    if (h2_event_header(ev, i, &h) != 1) {
      PyErr_SetString(PyExc_RuntimeError, "header vanished");
      goto fail;
    }
    name = text_of(h.name, h.name_len, encoding);
    if (!name) goto fail;
    value = text_of(h.value, h.value_len, encoding);
    if (!value) {
      Py_DECREF(name);
      goto fail;
    }
    cls = (PyTypeObject *)((h.flags & H2_HEADER_NEVER_INDEX) ? G.never_indexed
                                                             : G.header_tuple);
    t = cls->tp_alloc(cls, 2);
    if (!t) {
      Py_DECREF(name);
      Py_DECREF(value);
      goto fail;
    }
    PyTuple_SET_ITEM(t, 0, name);
    PyTuple_SET_ITEM(t, 1, value);
    PyList_SET_ITEM(list, (Py_ssize_t)i, t);
  }
  return list;
fail:
  Py_DECREF(list);
  return NULL;
}

static PyObject *error_code_of(uint32_t code) {
  return PyObject_CallFunction(G.error_code, "k", (unsigned long)code);
}

static PyObject *settings_of(const h2_event *ev) {
  size_t i, n = h2_event_setting_count(ev);
  PyObject *list = PyList_New((Py_ssize_t)n), *res;
  if (!list) return NULL;
  for (i = 0; i < n; i++) {
    h2_changed_setting cs;
    PyObject *t;
    h2_event_setting(ev, i, &cs);
    if (cs.has_original)
      t = Py_BuildValue("(IkI)", (unsigned)cs.id,
                        (unsigned long)cs.original_value,
                        (unsigned)cs.new_value);
    else
      t = Py_BuildValue("(IOI)", (unsigned)cs.id, Py_None,
                        (unsigned)cs.new_value);
    if (!t) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, (Py_ssize_t)i, t);
  }
  res = PyObject_CallFunctionObjArgs(G.changed_settings, list, NULL);
  Py_DECREF(list);
  return res;
}

/* Events that announced a related StreamEnded / PriorityUpdated still to
 * come in this batch (borrowed: the result list owns them). */
typedef struct pending_rel {
  PyObject *ev;
  uint32_t stream_id;
  uint32_t rel;
} pending_rel;
#define MAX_PENDING 8

static int link_related(pending_rel *pend, size_t *np, uint32_t bit,
                        PyObject *attr, uint32_t sid, PyObject *ev) {
  size_t i;
  for (i = 0; i < *np; i++) {
    if (pend[i].stream_id == sid && (pend[i].rel & bit)) {
      Py_INCREF(ev);
      if (put(pend[i].ev, attr, ev) < 0) return -1;
      pend[i].rel &= ~bit;
      if (!pend[i].rel) {
        pend[i] = pend[--*np];
      }
      return 0;
    }
  }
  return 0;
}

/* Flags returned with a batch of events, telling the Python layer which
 * bookkeeping it has to do. */
#define BATCH_SETTINGS 0x1  /* settings changed or acknowledged */

static PyObject *event_of(const h2_event *ev, const char *encoding,
                          pending_rel *pend, size_t *np, int *flags) {
  int type = h2_event_type(ev);
  uint32_t sid = h2_event_stream_id(ev);
  uint32_t rel;
  PyObject *o = new_event(type);
  const uint8_t *p;
  size_t n = 0;
  if (!o) return NULL;
  switch (type) {
    case H2_EV_REQUEST_RECEIVED:
    case H2_EV_RESPONSE_RECEIVED:
    case H2_EV_TRAILERS_RECEIVED:
    case H2_EV_INFORMATIONAL_RESPONSE_RECEIVED:
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_headers, headers_of(ev, encoding)) < 0)
        goto fail;
      goto related;
    case H2_EV_DATA_RECEIVED:
      p = h2_event_data(ev, &n);
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_data, bytes_of(p, n)) < 0 ||
          put(o, S_flow_controlled_length,
              PyLong_FromSize_t(h2_event_flow_controlled_length(ev))) < 0)
        goto fail;
    related:
      rel = h2_event_related(ev);
      if (rel && *np < MAX_PENDING) {
        pend[*np].ev = o;
        pend[*np].stream_id = sid;
        pend[*np].rel = rel;
        (*np)++;
      }
      break;
    case H2_EV_WINDOW_UPDATED:
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_delta, PyLong_FromUnsignedLong(h2_event_delta(ev))) < 0)
        goto fail;
      break;
    case H2_EV_REMOTE_SETTINGS_CHANGED:
    case H2_EV_SETTINGS_ACKNOWLEDGED:
      *flags |= BATCH_SETTINGS;
      if (put(o, S_changed_settings, settings_of(ev)) < 0) goto fail;
      break;
    case H2_EV_PING_RECEIVED:
    case H2_EV_PING_ACK_RECEIVED: {
      uint8_t pd[8];
      h2_event_ping_data(ev, pd);
      if (put(o, S_ping_data, bytes_of(pd, 8)) < 0) goto fail;
      break;
    }
    case H2_EV_STREAM_ENDED:
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          link_related(pend, np, H2_REL_STREAM_ENDED, S_stream_ended, sid, o) <
              0)
        goto fail;
      break;
    case H2_EV_STREAM_RESET:
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_error_code, error_code_of(h2_event_error_code(ev))) < 0 ||
          put(o, S_remote_reset,
              PyBool_FromLong(h2_event_remote_reset(ev))) < 0)
        goto fail;
      break;
    case H2_EV_PUSHED_STREAM_RECEIVED:
      if (put(o, S_pushed_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_parent_stream_id,
              PyLong_FromUnsignedLong(h2_event_related_stream_id(ev))) < 0 ||
          put(o, S_headers, headers_of(ev, encoding)) < 0)
        goto fail;
      break;
    case H2_EV_PRIORITY_UPDATED: {
      uint16_t w = 0;
      int ex = 0;
      h2_event_priority(ev, &w, &ex);
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_weight, PyLong_FromLong(w)) < 0 ||
          put(o, S_depends_on,
              PyLong_FromUnsignedLong(h2_event_related_stream_id(ev))) < 0 ||
          put(o, S_exclusive, PyBool_FromLong(ex)) < 0 ||
          link_related(pend, np, H2_REL_PRIORITY_UPDATED, S_priority_updated,
                       sid, o) < 0)
        goto fail;
      break;
    }
    case H2_EV_CONNECTION_TERMINATED: {
      PyObject *dbg;
      p = h2_event_data(ev, &n);
      if (n) {
        dbg = bytes_of(p, n);
      } else {
        dbg = Py_None;
        Py_INCREF(dbg);
      }
      if (put(o, S_error_code, error_code_of(h2_event_error_code(ev))) < 0 ||
          put(o, S_last_stream_id,
              PyLong_FromUnsignedLong(h2_event_related_stream_id(ev))) < 0 ||
          put(o, S_additional_data, dbg) < 0)
        goto fail;
      break;
    }
    case H2_EV_ALTERNATIVE_SERVICE_AVAILABLE: {
      size_t on = 0;
      const uint8_t *op = h2_event_origin(ev, &on);
      PyObject *origin;
      if (op) {
        origin = bytes_of(op, on);
      } else {
        origin = Py_None;
        Py_INCREF(origin);
      }
      p = h2_event_data(ev, &n);
      if (put(o, S_origin, origin) < 0 ||
          put(o, S_field_value, bytes_of(p, n)) < 0)
        goto fail;
      break;
    }
    case H2_EV_UNKNOWN_FRAME_RECEIVED: {
      uint8_t ft = 0, ff = 0;
      h2_event_frame_type(ev, &ft, &ff);
      p = h2_event_data(ev, &n);
      if (put(o, S_frame,
              PyObject_CallFunction(G.unknown_frame, "BBky#", ft, ff,
                                    (unsigned long)sid, (const char *)p,
                                    (Py_ssize_t)n)) < 0)
        goto fail;
      break;
    }
    case H2_EV_PRIORITY_UPDATE_RECEIVED:
      p = h2_event_data(ev, &n);
      if (put(o, S_stream_id, PyLong_FromUnsignedLong(sid)) < 0 ||
          put(o, S_priority_field_value, bytes_of(p, n)) < 0)
        goto fail;
      break;
    case H2_EV_ORIGIN_RECEIVED:
      p = h2_event_data(ev, &n);
      if (put(o, S_origins,
              PyObject_CallFunction(G.origins, "y#", (const char *)p,
                                    (Py_ssize_t)n)) < 0)
        goto fail;
      break;
    default:
      break;
  }
  return o;
fail:
  Py_DECREF(o);
  return NULL;
}

static void drop_events(h2_conn *c) {
  const h2_event *ev;
  while (h2_conn_next_event(c, &ev) == 1) {
  }
}

static uint64_t monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Drain the queued events into a list. */
static PyObject *drain(h2_conn *c, const char *encoding, int *flags) {
  PyObject *list = PyList_New(0);
  pending_rel pend[MAX_PENDING];
  size_t np = 0;
  const h2_event *ev;
  if (!list) return NULL;
  while (h2_conn_next_event(c, &ev) == 1) {
    PyObject *o = event_of(ev, encoding, pend, &np, flags);
    if (!o || PyList_Append(list, o) < 0) {
      Py_XDECREF(o);
      Py_DECREF(list);
      drop_events(c);
      return NULL;
    }
    Py_DECREF(o);
  }
  return list;
}

/* receive(handle, data, now_ms or None, encoding or None)
 *   -> (events, flags) */
PyObject *glue_receive(PyObject *self, PyObject *args) {
  PyObject *cap, *nowobj, *encobj, *list, *res;
  Py_buffer view;
  glue_conn *gc;
  uint64_t now;
  const char *encoding = NULL;
  int rc, flags = 0;
  (void)self;
  if (!PyArg_ParseTuple(args, "Oy*OO:receive", &cap, &view, &nowobj, &encobj))
    return NULL;
  if (!G.ready) {
    PyErr_SetString(PyExc_RuntimeError, "libh2._libh2.setup() not called");
    goto fail;
  }
  if (!(gc = conn_of(cap))) goto fail;
  if (encobj != Py_None) {
    if (!PyUnicode_Check(encobj) ||
        !(encoding = PyUnicode_AsUTF8(encobj)))
      goto fail;
  }
  if (nowobj == Py_None) {
    now = monotonic_ms();
  } else {
    now = PyLong_AsUnsignedLongLong(nowobj);
    if (now == (uint64_t)-1 && PyErr_Occurred()) goto fail;
  }
  if (view.len >= NOGIL_MIN) {
    gc->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    rc = h2_conn_receive(gc->c, (const uint8_t *)view.buf, (size_t)view.len,
                         now);
    Py_END_ALLOW_THREADS
    gc->busy = 0;
  } else {
    rc = h2_conn_receive(gc->c, (const uint8_t *)view.buf, (size_t)view.len,
                         now);
  }
  if (rc < 0) {
    /* As h2: the error is raised and the events of this call are lost; the
     * GOAWAY is in the output. */
    drop_events(gc->c);
    g_has_stream = 0;
    raise_for(gc->c, rc);
    goto fail;
  }
  list = drain(gc->c, encoding, &flags);
  PyBuffer_Release(&view);
  if (!list) return NULL;
  res = Py_BuildValue("(Ni)", list, flags);
  return res;
fail:
  PyBuffer_Release(&view);
  return NULL;
}

/* take(handle, amount or None) -> bytes: the pending output (up to amount
 * bytes), consumed. */
PyObject *glue_take(PyObject *self, PyObject *args) {
  PyObject *cap, *amount, *out;
  glue_conn *gc;
  size_t n, got = 0;
  int rc;
  (void)self;
  if (!PyArg_ParseTuple(args, "OO:take", &cap, &amount)) return NULL;
  if (!(gc = conn_of(cap))) return NULL;
  n = h2_conn_pending_data(gc->c);
  if (amount != Py_None) {
    Py_ssize_t a = PyNumber_AsSsize_t(amount, PyExc_OverflowError);
    if (a == -1 && PyErr_Occurred()) return NULL;
    if (a < 0) a = 0;
    if ((size_t)a < n) n = (size_t)a;
  }
  out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
  if (!out) return NULL;
  if (n == 0) {
    release_refs(gc, 0); /* after a clear */
    return out;
  }
  rc = h2_conn_data_to_send(gc->c, (uint8_t *)PyBytes_AS_STRING(out), n, &got);
  if (rc < 0) {
    Py_DECREF(out);
    raise_for(gc->c, rc);
    return NULL;
  }
  release_refs(gc, 0);
  if (got != n && _PyBytes_Resize(&out, (Py_ssize_t)got) < 0) return NULL;
  return out;
}

/* initiate_upgrade(handle, settings_header or None) -> bytes or None */
PyObject *glue_initiate_upgrade(PyObject *self, PyObject *args) {
  PyObject *cap, *hdr;
  glue_conn *gc;
  Py_buffer view;
  uint8_t small[128];
  size_t len = 0;
  int rc;
  (void)self;
  if (!PyArg_ParseTuple(args, "OO:initiate_upgrade", &cap, &hdr)) return NULL;
  if (!(gc = conn_of(cap))) return NULL;
  if (hdr != Py_None) {
    if (PyObject_GetBuffer(hdr, &view, PyBUF_SIMPLE) < 0) return NULL;
    rc = h2_conn_initiate_upgrade(gc->c, (const uint8_t *)view.buf,
                                  (size_t)view.len, NULL, 0, &len);
    PyBuffer_Release(&view);
    if (rc < 0) {
      raise_for(gc->c, rc);
      return NULL;
    }
    Py_RETURN_NONE;
  }
  rc = h2_conn_initiate_upgrade(gc->c, NULL, 0, small, sizeof small, &len);
  if (rc == H2_ERR_BUFFER_TOO_SMALL) {
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (!out) return NULL;
    rc = h2_conn_initiate_upgrade(gc->c, NULL, 0,
                                  (uint8_t *)PyBytes_AS_STRING(out), len, &len);
    if (rc < 0) {
      Py_DECREF(out);
      raise_for(gc->c, rc);
      return NULL;
    }
    return out;
  }
  if (rc < 0) {
    raise_for(gc->c, rc);
    return NULL;
  }
  return bytes_of(small, len);
}

/* send_data(handle, stream_id, data, flags, pad_length) -> None
 * Large immutable payloads are referenced, not copied (see REF_MIN). */
PyObject *glue_send_data(PyObject *self, PyObject *args) {
  PyObject *cap, *data;
  glue_conn *gc;
  unsigned long long sid;
  unsigned int flags;
  Py_ssize_t pad;
  Py_buffer view;
  uint64_t end = 0;
  int rc, by_ref;
  (void)self;
  if (!PyArg_ParseTuple(args, "OKOIn:send_data", &cap, &sid, &data, &flags,
                        &pad))
    return NULL;
  if (!(gc = conn_of(cap))) return NULL;
  if (sid > 0xffffffffull) {
    PyErr_SetString(PyExc_ValueError, "stream id out of range");
    return NULL;
  }
  if (pad < 0 || pad > 255) {
    PyErr_SetString(PyExc_ValueError, "pad_length must be within range: [0, 255]");
    return NULL;
  }
  glue_note_stream((uint32_t)sid);
  if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
  by_ref = view.len >= REF_MIN && immutable_buffer(data);
  if (by_ref) {
    if (push_ref(gc) < 0) {
      PyBuffer_Release(&view);
      return NULL;
    }
    rc = h2_conn_send_data_ref(gc->c, (uint32_t)sid, (const uint8_t *)view.buf,
                               (size_t)view.len, flags, (size_t)pad, &end);
  } else {
    rc = h2_conn_send_data(gc->c, (uint32_t)sid, (const uint8_t *)view.buf,
                           (size_t)view.len, flags, (size_t)pad);
  }
  if (rc < 0) {
    PyBuffer_Release(&view);
    raise_for(gc->c, rc);
    return NULL;
  }
  if (by_ref) {
    gc->refs[gc->n].end = end;
    gc->refs[gc->n].view = view; /* released once consumed */
    gc->n++;
    release_refs(gc, 0);
  } else {
    PyBuffer_Release(&view);
  }
  Py_RETURN_NONE;
}

/* next_traces(handle) -> [(outbound, type, flags, stream_id, length)] */
PyObject *glue_next_traces(PyObject *self, PyObject *args) {
  PyObject *cap, *list;
  glue_conn *gc;
  h2_frame_trace t;
  (void)self;
  if (!PyArg_ParseTuple(args, "O:next_traces", &cap)) return NULL;
  if (!(gc = conn_of(cap))) return NULL;
  if (!(list = PyList_New(0))) return NULL;
  while (h2_conn_next_trace(gc->c, &t) == 1) {
    PyObject *o = Py_BuildValue("(iiikk)", t.outbound, t.type, t.flags,
                                (unsigned long)t.stream_id,
                                (unsigned long)t.length);
    if (!o || PyList_Append(list, o) < 0) {
      Py_XDECREF(o);
      Py_DECREF(list);
      return NULL;
    }
    Py_DECREF(o);
  }
  return list;
}
