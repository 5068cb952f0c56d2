/* The connection: configuration, lifetime, settings and the receive path
 * (RFC 9113 §3.4, §4-§6, §8.1). See h2_conn.h for the rules on borrowed
 * data and the list of places where RFC 9113 is followed instead of h2. */
#include "h2_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "h2_err.h"
#include "h2_headers.h"

static const uint8_t preface[24] = {'P', 'R', 'I', ' ', '*', ' ', 'H', 'T',
                                    'T', 'P', '/', '2', '.', '0', '\r', '\n',
                                    '\r', '\n', 'S', 'M', '\r', '\n', '\r',
                                    '\n'};

/* Largest encoder table we use whatever the peer advertises. */
#define ENC_TABLE_CAP 65536u

/* ---- small helpers ------------------------------------------------------- */

int h2_conn_err(h2_conn_t *c, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
  va_end(ap);
  return code;
}

int h2_settings_get(const h2_settings *s, uint16_t id, uint32_t *out) {
  if (id >= H2_NSET || !(s->has & (1u << id))) return 0;
  *out = s->v[id];
  return 1;
}

void h2_settings_put(h2_settings *s, uint16_t id, uint32_t v) {
  if (id >= H2_NSET || id == 0 || id == 7) return;
  s->v[id] = v;
  s->has = (uint16_t)(s->has | (1u << id));
}

static uint32_t setting_or(const h2_settings *s, uint16_t id, uint32_t dflt) {
  uint32_t v;
  return h2_settings_get(s, id, &v) ? v : dflt;
}

/* RFC 9113 §6.5.2 ranges; RFC 8441 §3 for ENABLE_CONNECT_PROTOCOL. */
int h2_setting_validate(uint16_t id, uint32_t value) {
  switch (id) {
  case H2_SETTINGS_ENABLE_PUSH:
  case H2_SETTINGS_ENABLE_CONNECT_PROTOCOL:
  case H2_SETTINGS_NO_RFC7540_PRIORITIES:
    return value <= 1 ? H2S_OK : H2S_INVALID_SETTINGS_VALUE;
  case H2_SETTINGS_INITIAL_WINDOW_SIZE:
    return value <= H2_MAX_WINDOW ? H2S_OK : H2S_FLOW_CONTROL;
  case H2_SETTINGS_MAX_FRAME_SIZE:
    return value >= H2_DEFAULT_MAX_FRAME_SIZE && value <= H2_MAX_MAX_FRAME_SIZE
               ? H2S_OK
               : H2S_INVALID_SETTINGS_VALUE;
  default: return H2S_OK;
  }
}

/* h2's WindowManager (h2/windows.py): credit is returned once half the
 * window is owed, or earlier when the window is fully used. */
void h2_wm_init(h2_wm *w, int64_t max) {
  w->max = max;
  w->current = max;
  w->processed = 0;
}

int64_t h2_wm_process(h2_wm *w, int64_t n) {
  int64_t room, inc = 0, small;
  w->processed += n;
  if (!w->processed) return 0;
  room = w->max - w->current;
  small = w->max / 4 < 1024 ? w->max / 4 : 1024;
  if ((w->current == 0 && w->processed > small) ||
      w->processed >= w->max / 2) {
    inc = w->processed < room ? w->processed : room;
    w->processed = 0;
  }
  if (inc < 0) inc = 0;
  w->current += inc;
  return inc;
}

/* ---- configuration ------------------------------------------------------- */

void h2_config_defaults(h2_config_t *cfg, int side) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->mem = *h2_mem_default();
  cfg->side = side;
  cfg->opt[H2O_VALIDATE_OUTBOUND_HEADERS] = 1;
  cfg->opt[H2O_NORMALIZE_OUTBOUND_HEADERS] = 1;
  cfg->opt[H2O_SPLIT_OUTBOUND_COOKIES] = 0;
  cfg->opt[H2O_VALIDATE_INBOUND_HEADERS] = 1;
  cfg->opt[H2O_NORMALIZE_INBOUND_HEADERS] = 1;
  cfg->opt[H2O_HPACK_POLICY] = H2_HPACK_POLICY_COMPACT;
  cfg->opt[H2O_MAX_HEADER_LIST_SIZE] = 65536;
  cfg->opt[H2O_MAX_FIELD_SIZE] = 65536;
  cfg->opt[H2O_MAX_CONTINUATION_FRAMES] = 8;
  cfg->opt[H2O_MAX_CONCURRENT_STREAMS] = 100;
  cfg->opt[H2O_MAX_SETTINGS_ENTRIES] = 32;
  cfg->opt[H2O_MAX_QUEUED_ACKS] = 1000;
  cfg->opt[H2O_MAX_QUEUED_CONTROL] = 5000;
  cfg->opt[H2O_RST_RATE_BURST] = 1000;
  cfg->opt[H2O_RST_RATE_PER_SEC] = 33;
  cfg->opt[H2O_GLITCH_RATE_BURST] = 10000;
  cfg->opt[H2O_GLITCH_RATE_PER_SEC] = 330;
  cfg->opt[H2O_MAX_RESERVED_STREAMS] = 200;
  cfg->opt[H2O_STRICT_PREFACE] = 1;
  cfg->opt[H2O_MAX_CLOSED_STREAMS] = 1000;
  /* h2's initial local settings, in the order h2 sends them. */
  h2_settings_put(&cfg->local, H2_SETTINGS_HEADER_TABLE_SIZE, 4096);
  h2_settings_put(&cfg->local, H2_SETTINGS_ENABLE_PUSH, side == 0 ? 1u : 0u);
  h2_settings_put(&cfg->local, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
  h2_settings_put(&cfg->local, H2_SETTINGS_MAX_FRAME_SIZE, 16384);
  h2_settings_put(&cfg->local, H2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0);
  h2_settings_put(&cfg->local, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 100);
  h2_settings_put(&cfg->local, H2_SETTINGS_MAX_HEADER_LIST_SIZE, 65536);
}

static int opt_known(int option) {
  return (option >= 1 && option <= 6) || (option >= 20 && option <= 36);
}

int h2_config_option_set(h2_config_t *cfg, int option, uint64_t value) {
  if (!opt_known(option)) return H2S_INVALID_ARGUMENT;
  if ((option <= 5 || option == H2O_PARTIAL_DATA ||
       option == H2O_STRICT_PREFACE || option == H2O_MALFORMED_CONN_ERROR) &&
      value > 1)
    return H2S_INVALID_ARGUMENT;
  if (option == H2O_HPACK_POLICY && value != H2_HPACK_POLICY_COMPACT &&
      value != H2_HPACK_POLICY_H2COMPAT)
    return H2S_INVALID_ARGUMENT;
  /* Limits that are also advertised settings must fit in 32 bits. */
  if ((option == H2O_MAX_HEADER_LIST_SIZE ||
       option == H2O_MAX_CONCURRENT_STREAMS) &&
      value > 0xffffffffu)
    return H2S_INVALID_ARGUMENT;
  if (value > 0xffffffffu) return H2S_INVALID_ARGUMENT;
  if (option == H2O_TRACE_FRAMES && value > 65536) return H2S_INVALID_ARGUMENT;
  cfg->opt[option] = value;
  if (option == H2O_MAX_HEADER_LIST_SIZE)
    h2_settings_put(&cfg->local, H2_SETTINGS_MAX_HEADER_LIST_SIZE,
                    (uint32_t)value);
  if (option == H2O_MAX_CONCURRENT_STREAMS)
    h2_settings_put(&cfg->local, H2_SETTINGS_MAX_CONCURRENT_STREAMS,
                    (uint32_t)value);
  return H2S_OK;
}

int h2_config_option_get(const h2_config_t *cfg, int option, uint64_t *out) {
  if (!opt_known(option)) return H2S_INVALID_ARGUMENT;
  *out = cfg->opt[option];
  return H2S_OK;
}

/* ---- lifetime ------------------------------------------------------------ */

static void apply_decoder_limits(h2_conn_t *c) {
  size_t list = (size_t)setting_or(&c->local, H2_SETTINGS_MAX_HEADER_LIST_SIZE,
                                   (uint32_t)c->opt[H2O_MAX_HEADER_LIST_SIZE]);
  h2_hpack_dec_set_limits(&c->dec, list, (size_t)c->opt[H2O_MAX_FIELD_SIZE]);
}

int h2_conn_create(h2_conn_t **out, const h2_config_t *cfg) {
  h2_conn_t *c;
  int rv;
  *out = NULL;
  c = h2_mem_calloc(&cfg->mem, 1, sizeof(*c));
  if (!c) return H2S_NOMEM;
  c->mem = cfg->mem;
  c->side = cfg->side;
  memcpy(c->opt, cfg->opt, sizeof(c->opt));
  /* RFC 9113 §6.5.3: our initial SETTINGS apply when acknowledged; until
   * then the protocol defaults hold. The limits (concurrent streams,
   * header list size, extended CONNECT) are enforced at once, as h2 does. */
  h2_settings_put(&c->local, H2_SETTINGS_HEADER_TABLE_SIZE, 4096);
  h2_settings_put(&c->local, H2_SETTINGS_ENABLE_PUSH, 1);
  h2_settings_put(&c->local, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
  h2_settings_put(&c->local, H2_SETTINGS_MAX_FRAME_SIZE, 16384);
  {
    static const uint16_t now_ids[] = {H2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                       H2_SETTINGS_MAX_HEADER_LIST_SIZE,
                                       H2_SETTINGS_ENABLE_CONNECT_PROTOCOL,
                                       H2_SETTINGS_NO_RFC7540_PRIORITIES};
    size_t i;
    uint32_t v;
    for (i = 0; i < sizeof(now_ids) / sizeof(now_ids[0]); i++)
      if (h2_settings_get(&cfg->local, now_ids[i], &v))
        h2_settings_put(&c->local, now_ids[i], v);
  }
  c->initial = cfg->local;
  h2_settings_put(&c->remote, H2_SETTINGS_HEADER_TABLE_SIZE, 4096);
  h2_settings_put(&c->remote, H2_SETTINGS_ENABLE_PUSH, c->side == 0 ? 0u : 1u);
  h2_settings_put(&c->remote, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
  h2_settings_put(&c->remote, H2_SETTINGS_MAX_FRAME_SIZE, 16384);
  h2_settings_put(&c->remote, H2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0);
  h2_settings_put(&c->remote, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 100);
  c->remote_mcs_assumed = 1;
  h2_frame_reader_init(&c->reader, &c->mem);
  c->reader.partial_data = c->opt[H2O_PARTIAL_DATA] != 0;
  rv = h2_hpack_enc_init(&c->enc, &c->mem, (int)c->opt[H2O_HPACK_POLICY]);
  if (rv) {
    h2_mem_free(&c->mem, c);
    return rv;
  }
  rv = h2_hpack_dec_init(&c->dec, &c->mem);
  if (rv) {
    h2_hpack_enc_free(&c->enc);
    h2_mem_free(&c->mem, c);
    return rv;
  }
  if (h2_trace_init(c) != H2S_OK) {
    h2_hpack_enc_free(&c->enc);
    h2_hpack_dec_free(&c->dec);
    h2_mem_free(&c->mem, c);
    return H2S_NOMEM;
  }
  apply_decoder_limits(c);
  c->send_window = 65535;
  /* §6.9.2: the connection window starts at 65535 whatever the settings. */
  h2_wm_init(&c->recv, 65535);
  h2_bucket_init(&c->rst_bucket, c->opt[H2O_RST_RATE_BURST],
                 c->opt[H2O_RST_RATE_PER_SEC]);
  h2_bucket_init(&c->glitch_bucket, c->opt[H2O_GLITCH_RATE_BURST],
                 c->opt[H2O_GLITCH_RATE_PER_SEC]);
  c->state = H2C_IDLE;
  *out = c;
  return H2S_OK;
}

void h2_conn_destroy(h2_conn_t *c) {
  h2_mem mem;
  if (!c) return;
  mem = c->mem;
  h2_frame_reader_free(&c->reader);
  h2_trace_free(c);
  h2_mem_free(&mem, c->rbuf_spare);
  h2_hpack_enc_free(&c->enc);
  h2_hpack_dec_free(&c->dec);
  h2_streams_free(c);
  h2_evq_free(&c->evq, &mem);
  h2_mem_free(&mem, c->pend);
  h2_mem_free(&mem, c->pend_frames);
  h2_mem_free(&mem, c->out);
  h2_mem_free(&mem, c->refs);
  h2_mem_free(&mem, c->scratch);
  h2_mem_free(&mem, c->nfields);
  h2_mem_free(&mem, c->nbytes);
  h2_mem_free(&mem, c);
}

/* ---- connection and stream errors ---------------------------------------- */

static h2_ev *ev_new(h2_conn_t *c, int type, uint32_t sid) {
  h2_ev *e = h2_evq_push(&c->evq, &c->mem);
  if (!e) return NULL;
  e->type = (uint8_t)type;
  e->stream_id = sid;
  return e;
}

/* A connection error (§5.4.1): GOAWAY with the highest stream id we
 * processed, a CONNECTION_TERMINATED event, and the connection closes. */
static int conn_fail(h2_conn_t *c, int rv, uint32_t code, const char *msg) {
  h2_ev *e;
  if (c->dead) return rv;
  h2_out_goaway(c, c->highest_in, code, NULL, 0);
  e = ev_new(c, H2E_CONNECTION_TERMINATED, 0);
  if (e) {
    e->error_code = code;
    e->related_stream_id = c->highest_in;
  }
  c->state = H2C_CLOSED;
  c->dead = 1;
  return h2_conn_err(c, rv, "%s", msg);
}

/* A frame the peer made us answer: bounded against floods (CVE-2019-9512,
 * 9514, 9515). */
static int count_queued(h2_conn_t *c, int ack) {
  c->queued_control++;
  if (ack) c->queued_acks++;
  if ((c->opt[H2O_MAX_QUEUED_ACKS] && c->queued_acks > c->opt[H2O_MAX_QUEUED_ACKS]) ||
      (c->opt[H2O_MAX_QUEUED_CONTROL] &&
       c->queued_control > c->opt[H2O_MAX_QUEUED_CONTROL]))
    return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                     "too many unsent control frames queued by the peer");
  return 0;
}

/* Peer-caused oddities (CVE-2019-9518, CVE-2025-8671). */
static int glitch(h2_conn_t *c) {
  if (!h2_bucket_take(&c->glitch_bucket, c->now_ms))
    return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                     "too many protocol glitches from the peer");
  return 0;
}

/* A stream error (§5.4.2) detected here: RST_STREAM, and a STREAM_RESET
 * event (remote_reset 0) when the stream was known. */
static int stream_fail(h2_conn_t *c, uint32_t sid, uint32_t code,
                       const char *msg) {
  h2_stream *s = h2_stream_find(c, sid);
  int rv = glitch(c);
  if (rv) return rv;
  h2_conn_err(c, 0, "stream %u reset: %s", (unsigned)sid, msg);
  rv = h2_out_rst(c, sid, code);
  if (rv) return rv;
  rv = count_queued(c, 0);
  if (rv) return rv;
  if (s) {
    h2_ev *e = ev_new(c, H2E_STREAM_RESET, sid);
    if (!e) return H2S_NOMEM;
    e->error_code = code;
    e->remote_reset = 0;
    h2_stream_forget(c, s, H2CB_SEND_RST_STREAM);
  }
  return 0;
}

/* A malformed message (§8.1.1): a stream error PROTOCOL_ERROR, or, with
 * H2_OPT_MALFORMED_CONN_ERROR, a connection error as h2 makes it (§5.4
 * lets an endpoint treat a stream error as one of the connection); status
 * is what the caller then gets (h2's exception). */
static int malformed(h2_conn_t *c, uint32_t sid, int status, const char *msg) {
  if (c->opt[H2O_MALFORMED_CONN_ERROR])
    return conn_fail(c, status, H2_CODE_PROTOCOL_ERROR, msg);
  return stream_fail(c, sid, H2_CODE_PROTOCOL_ERROR, msg);
}

/* The body does not match content-length (§8.1.1). The message carries
 * both numbers (the Python binding reads them for h2's
 * InvalidBodyLengthError). */
static int body_length_error(h2_conn_t *c, const h2_stream *s) {
  char msg[96];
  snprintf(msg, sizeof msg,
           "body of %llu bytes where content-length is %lld",
           (unsigned long long)s->body_received, (long long)s->content_length);
  return malformed(c, s->id, H2S_INVALID_BODY_LENGTH, msg);
}

/* Return connection credit for bytes that will never reach the
 * application (h2's _handle_data_on_closed_stream). */
static int credit_conn(h2_conn_t *c, int64_t n) {
  int64_t inc = h2_wm_process(&c->recv, n);
  if (inc > 0) return h2_out_window_update(c, 0, (uint32_t)inc);
  return 0;
}

/* A frame for a stream that is gone: h2 answers by how it closed. */
static int on_closed_stream(h2_conn_t *c, uint32_t sid, const char *what) {
  uint32_t cb = h2_stream_closed_by(c, sid);
  /* §5.1: frames the peer sent before it saw our RST_STREAM are ignored. */
  if (cb == H2CB_SEND_RST_STREAM) return 0;
  if (cb == H2CB_RECV_RST_STREAM)
    return stream_fail(c, sid, H2_CODE_STREAM_CLOSED, what);
  if (cb == H2CB_SEND_END_STREAM || cb == H2CB_RECV_END_STREAM)
    return conn_fail(c, H2S_STREAM_CLOSED, H2_CODE_STREAM_CLOSED, what);
  return conn_fail(c, H2S_STREAM_ID_TOO_LOW, H2_CODE_PROTOCOL_ERROR, what);
}

static int stream_is_idle(const h2_conn_t *c, uint32_t sid) {
  return h2_stream_is_local(c, sid) ? sid > c->highest_out
                                    : sid > c->highest_in;
}

/* ---- settings ------------------------------------------------------------ */

struct iws_arg {
  int64_t delta;
  int inbound;
};

static int adjust_window(h2_conn_t *c, h2_stream *s, void *arg) {
  const struct iws_arg *a = arg;
  (void)c;
  if (a->inbound) {
    s->recv.max += a->delta;
    s->recv.current += a->delta;
    return 0;
  }
  /* §6.9.2: may go negative; above 2^31-1 is a FLOW_CONTROL_ERROR. */
  s->send_window += a->delta;
  return s->send_window > (int64_t)H2_MAX_WINDOW ? 1 : 0;
}

/* Our SETTINGS were acknowledged: apply the oldest pending frame. */
static int local_settings_acked(h2_conn_t *c) {
  size_t n = 0, i, k = 0;
  h2_ev *e;
  h2_ev_setting *ch = NULL;
  if (c->pend_nframes) n = c->pend_frames[0];
  else if (glitch(c)) /* an ACK for nothing */
    return H2S_DENIAL_OF_SERVICE;
  e = ev_new(c, H2E_SETTINGS_ACKNOWLEDGED, 0);
  if (!e) return H2S_NOMEM;
  if (n) {
    ch = h2_evq_alloc(&c->evq, &c->mem, n * sizeof(*ch));
    if (!ch) return H2S_NOMEM;
  }
  for (i = 0; i < n; i++) {
    const h2_setting *s = &c->pend[i];
    uint32_t old = 0;
    size_t j;
    int had = h2_settings_get(&c->local, s->id, &old);
    for (j = 0; j < k && ch[j].id != s->id; j++) {}
    if (j == k) {
      ch[k].id = s->id;
      ch[k].has_original = (uint8_t)had;
      ch[k].original_value = had ? old : 0;
      k++;
    }
    ch[j].new_value = s->value;
    h2_settings_put(&c->local, s->id, s->value);
    switch (s->id) {
    case H2_SETTINGS_HEADER_TABLE_SIZE:
      h2_hpack_dec_set_max_table_size(&c->dec, s->value > H2_HPACK_MAX_TABLE_SIZE
                                                   ? H2_HPACK_MAX_TABLE_SIZE
                                                   : s->value);
      break;
    case H2_SETTINGS_MAX_FRAME_SIZE:
      h2_frame_reader_set_max_frame_size(&c->reader, s->value);
      break;
    case H2_SETTINGS_INITIAL_WINDOW_SIZE: {
      struct iws_arg a;
      a.delta = (int64_t)s->value - (int64_t)(had ? old : 65535u);
      a.inbound = 1;
      h2_streams_each(c, adjust_window, &a);
      break;
    }
    case H2_SETTINGS_MAX_HEADER_LIST_SIZE: apply_decoder_limits(c); break;
    default: break;
    }
  }
  e->settings = ch;
  e->nsettings = (uint32_t)k;
  if (c->pend_nframes) {
    memmove(c->pend, c->pend + n, (c->pend_len - n) * sizeof(*c->pend));
    c->pend_len -= n;
    memmove(c->pend_frames, c->pend_frames + 1,
            (c->pend_nframes - 1) * sizeof(*c->pend_frames));
    c->pend_nframes--;
  }
  return 0;
}

/* Apply settings from the peer (a SETTINGS frame or an HTTP2-Settings
 * header). With ev, the RemoteSettingsChanged event is filled. */
static int apply_remote_settings(h2_conn_t *c, const h2_frame *f,
                                 h2_ev_setting *ch, size_t *nch) {
  size_t i, k = 0, n = f->u.settings.count;
  h2_setting s;
  uint32_t v;
  /* §6.5.2: validate the whole frame before changing anything. */
  for (i = 0; i < n; i++) {
    int rv;
    h2_frame_setting(f, i, &s);
    rv = h2_setting_validate(s.id, s.value);
    if (rv == H2S_FLOW_CONTROL)
      return conn_fail(c, H2S_INVALID_SETTINGS_VALUE,
                       H2_CODE_FLOW_CONTROL_ERROR,
                       "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
    if (rv)
      return conn_fail(c, H2S_INVALID_SETTINGS_VALUE, H2_CODE_PROTOCOL_ERROR,
                       "invalid SETTINGS value");
    if (s.id == H2_SETTINGS_ENABLE_PUSH && c->side == 0 && s.value == 1)
      return conn_fail(c, H2S_INVALID_SETTINGS_VALUE, H2_CODE_PROTOCOL_ERROR,
                       "server sent SETTINGS_ENABLE_PUSH 1");
    /* RFC 8441 §3: once 1, it cannot return to 0. */
    if (s.id == H2_SETTINGS_ENABLE_CONNECT_PROTOCOL && s.value == 0 &&
        h2_settings_get(&c->remote, s.id, &v) && v == 1)
      return conn_fail(c, H2S_INVALID_SETTINGS_VALUE, H2_CODE_PROTOCOL_ERROR,
                       "SETTINGS_ENABLE_CONNECT_PROTOCOL went from 1 to 0");
  }
  for (i = 0; i < n; i++) {
    uint32_t old = 0;
    int had;
    size_t j;
    h2_frame_setting(f, i, &s);
    had = h2_settings_get(&c->remote, s.id, &old);
    /* The assumed 100 is not a value the peer sent (h2 reports None). */
    if (s.id == H2_SETTINGS_MAX_CONCURRENT_STREAMS && c->remote_mcs_assumed)
      had = 0;
    if (ch) {
      for (j = 0; j < k && ch[j].id != s.id; j++) {}
      if (j == k) {
        ch[k].id = s.id;
        ch[k].has_original = (uint8_t)had;
        ch[k].original_value = had ? old : 0;
        k++;
      }
      ch[j].new_value = s.value;
    }
    h2_settings_put(&c->remote, s.id, s.value);
    if (s.id == H2_SETTINGS_HEADER_TABLE_SIZE) {
      uint32_t t = s.value > ENC_TABLE_CAP ? ENC_TABLE_CAP : s.value;
      if (h2_hpack_enc_set_table_size(&c->enc, t))
        return conn_fail(c, H2S_NOMEM, H2_CODE_INTERNAL_ERROR,
                         "cannot resize the HPACK encoder");
    } else if (s.id == H2_SETTINGS_INITIAL_WINDOW_SIZE) {
      struct iws_arg a;
      a.delta = (int64_t)s.value - (int64_t)(had ? old : 65535u);
      a.inbound = 0;
      if (a.delta && h2_streams_each(c, adjust_window, &a))
        return conn_fail(c, H2S_FLOW_CONTROL, H2_CODE_FLOW_CONTROL_ERROR,
                         "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window");
    }
  }
  if (nch) *nch = k;
  return 0;
}

static int on_settings(h2_conn_t *c, const h2_frame *f) {
  h2_ev *e;
  h2_ev_setting *ch = NULL;
  size_t n = f->u.settings.count, k = 0;
  int rv;
  if (f->hd.flags & H2_FLAG_ACK) return local_settings_acked(c);
  if (c->opt[H2O_MAX_SETTINGS_ENTRIES] && n > c->opt[H2O_MAX_SETTINGS_ENTRIES])
    return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                     "too many entries in a SETTINGS frame");
  if (n) {
    ch = h2_evq_alloc(&c->evq, &c->mem, n * sizeof(*ch));
    if (!ch) return H2S_NOMEM;
  }
  rv = apply_remote_settings(c, f, ch, &k);
  if (rv) return rv;
  c->got_remote_settings = 1;
  rv = h2_out_settings(c, NULL, 0, 1); /* §6.5.3 */
  if (rv) return rv;
  rv = count_queued(c, 1);
  if (rv) return rv;
  e = ev_new(c, H2E_REMOTE_SETTINGS_CHANGED, 0);
  if (!e) return H2S_NOMEM;
  e->settings = ch;
  e->nsettings = (uint32_t)k;
  return 0;
}

/* ---- header blocks -------------------------------------------------------- */

/* An allocator over the event arena: what inbound normalization allocates
 * (the joined cookie) lives as long as the block's event and costs no
 * malloc; it is reclaimed with the arena, so free does nothing. */
static void *arena_malloc(size_t size, void *ud) {
  h2_conn_t *c = ud;
  return h2_evq_alloc(&c->evq, &c->mem, size);
}
static void arena_free(void *p, void *ud) {
  (void)p;
  (void)ud;
}
static void *arena_calloc(size_t nmemb, size_t size, void *ud) {
  void *p;
  if (size && nmemb > (size_t)-1 / size) return NULL;
  p = arena_malloc(nmemb * size, ud);
  if (p) memset(p, 0, nmemb * size);
  return p;
}
static void *arena_realloc(void *p, size_t size, void *ud) {
  (void)p;
  (void)size;
  (void)ud;
  return NULL; /* not used by normalization */
}

/* Copy a decoded list into the event arena as compact fields followed by
 * their bytes (joining cookies when inbound normalization is on). */
static int copy_headers(h2_conn_t *c, const h2_hpack_field *f, size_t n,
                        h2_ev *e) {
  h2_header_list norm;
  size_t i, bytes = 0, off;
  h2_ev_field *out;
  uint8_t *base;
  int rv;
  /* norm's storage is in the event arena: nothing to free below. */
  const h2_mem arena = {arena_malloc, arena_free, arena_calloc, arena_realloc,
                        c};
  if (c->opt[H2O_NORMALIZE_INBOUND_HEADERS]) {
    rv = h2_headers_normalize_inbound(&arena, f, n, &norm);
    if (rv) return rv;
    f = norm.fields;
    n = norm.count;
  }
  for (i = 0; i < n; i++) bytes += f[i].name_len + f[i].value_len;
  if (!n) return 0;
  off = n * sizeof(*out);
  /* Offsets and lengths are 32-bit (bit 31 of name_len is a flag). */
  if (bytes > 0x7fffffffu - off) return H2S_NOMEM;
  out = h2_evq_alloc(&c->evq, &c->mem, off + bytes);
  if (!out) return H2S_NOMEM;
  base = (uint8_t *)out;
  for (i = 0; i < n; i++) {
    out[i].off = (uint32_t)off;
    out[i].name_len = (uint32_t)f[i].name_len |
                      ((f[i].flags & H2_HF_NEVER_INDEX) ? H2_EVF_NEVER_INDEX : 0u);
    out[i].value_len = (uint32_t)f[i].value_len;
    if (f[i].name_len) memcpy(base + off, f[i].name, f[i].name_len);
    off += f[i].name_len;
    if (f[i].value_len) memcpy(base + off, f[i].value, f[i].value_len);
    off += f[i].value_len;
  }
  e->headers = out;
  e->nheaders = (uint32_t)n;
  return 0;
}

static int check_block(h2_conn_t *c, const h2_hpack_field *f, size_t n,
                       int kind, h2_header_info *info, const char **why) {
  uint32_t flags = H2_HV_INBOUND;
  if (setting_or(&c->local, H2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0) == 1)
    flags |= H2_HV_CONNECT_PROTOCOL;
  *why = NULL;
  if (c->opt[H2O_VALIDATE_INBOUND_HEADERS])
    return h2_headers_validate(f, n, kind, flags, info, why);
  h2_headers_info(f, n, kind, info);
  return H2S_OK;
}

/* The stream ended from the peer's side (END_STREAM received). */
static void recv_end_stream(h2_conn_t *c, h2_stream *s) {
  if (s->state == H2SS_HALF_CLOSED_LOCAL)
    h2_stream_forget(c, s, H2CB_RECV_END_STREAM);
  else
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_REMOTE);
}

static h2_stream *open_stream(h2_conn_t *c, uint32_t sid, uint8_t state) {
  h2_stream *s = h2_stream_new(c, sid);
  if (!s) return NULL;
  s->send_window = setting_or(&c->remote, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
  h2_wm_init(&s->recv,
             setting_or(&c->local, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535));
  h2_stream_set_state(c, s, state);
  return s;
}

static int on_headers_block(h2_conn_t *c) {
  uint32_t sid = c->hb_sid;
  int end_stream = (c->hb_flags & H2_FLAG_END_STREAM) != 0;
  size_t nf;
  const h2_hpack_field *f = h2_hpack_dec_fields(&c->dec, &nf);
  h2_stream *s = h2_stream_find(c, sid);
  h2_header_info info;
  const char *why;
  int kind, type, rv, fresh = 0;
  h2_ev *e;

  if (c->state == H2C_IDLE) c->state = H2C_SERVER_OPEN; /* h2 */
  if (!s) {
    if (c->side == 0 || h2_stream_is_local(c, sid)) {
      if (stream_is_idle(c, sid))
        return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                         "HEADERS on a stream the peer may not open");
      return on_closed_stream(c, sid, "HEADERS on a closed stream");
    }
    if (sid <= c->highest_in)
      return on_closed_stream(c, sid, "HEADERS on a closed stream");
    c->highest_in = sid;
    s = open_stream(c, sid, H2SS_OPEN);
    if (!s) return H2S_NOMEM;
    fresh = 1;
    /* §5.1.2: over our limit, refuse the stream; §6.8: likewise a stream
     * the peer opened after our GOAWAY's last stream id (it may retry). */
    if ((c->goaway_sent && sid > c->goaway_sent_last) ||
        c->open_in > setting_or(&c->local, H2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                0xffffffffu)) {
      h2_stream_forget(c, s, H2CB_SEND_RST_STREAM);
      rv = glitch(c);
      if (rv) return rv;
      rv = h2_out_rst(c, sid, H2_CODE_REFUSED_STREAM);
      return rv ? rv : count_queued(c, 0);
    }
  }
  switch (s->state) {
  case H2SS_OPEN:
  case H2SS_HALF_CLOSED_LOCAL:
    break;
  case H2SS_RESERVED_REMOTE:
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_LOCAL); /* §5.1 */
    break;
  case H2SS_HALF_CLOSED_REMOTE:
    return stream_fail(c, sid, H2_CODE_STREAM_CLOSED,
                       "HEADERS on a half-closed (remote) stream");
  default:
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "HEADERS on a reserved (local) stream");
  }

  if (fresh) kind = H2_HB_REQUEST;
  else if (s->recv_msg == H2M_FINAL) kind = H2_HB_TRAILERS;
  else if (c->side == 0 && s->recv_msg != H2M_TRAILERS) kind = H2_HB_RESPONSE;
  else
    return stream_fail(c, sid, H2_CODE_PROTOCOL_ERROR,
                       "unexpected HEADERS");

  if (c->hb_has_pri && c->hb_pri.dep == sid)
    return stream_fail(c, sid, H2_CODE_PROTOCOL_ERROR,
                       "stream depends on itself"); /* §5.3.1 */
  rv = check_block(c, f, nf, kind, &info, &why);
  if (rv)
    return malformed(c, sid, H2S_PROTOCOL, why ? why : "malformed header block");
  /* §8.1: trailers end the stream; a 1xx response cannot. */
  if (kind == H2_HB_TRAILERS && !end_stream)
    return malformed(c, sid, H2S_PROTOCOL, "trailers without END_STREAM");
  if (kind == H2_HB_RESPONSE && info.informational && end_stream)
    return malformed(c, sid, H2S_PROTOCOL,
                     "informational response with END_STREAM");
  if (kind != H2_HB_TRAILERS && !(kind == H2_HB_RESPONSE && info.informational)) {
    if (info.content_length == H2_CL_INVALID)
      return malformed(c, sid, H2S_PROTOCOL, "Invalid content-length header");
    s->content_length = info.content_length;
    /* §8.1.1: HEAD and 304 responses carry no content. */
    if (kind == H2_HB_RESPONSE && (s->head || info.status == 304))
      s->content_length = -1;
  }
  if (end_stream && s->content_length > 0 &&
      (uint64_t)s->content_length != s->body_received)
    return body_length_error(c, s);

  if (kind == H2_HB_REQUEST) {
    type = H2E_REQUEST_RECEIVED;
    s->recv_msg = H2M_FINAL;
  } else if (kind == H2_HB_TRAILERS) {
    type = H2E_TRAILERS_RECEIVED;
    s->recv_msg = H2M_TRAILERS;
  } else if (info.informational) {
    type = H2E_INFORMATIONAL_RESPONSE_RECEIVED;
    s->recv_msg = H2M_INFO;
  } else {
    type = H2E_RESPONSE_RECEIVED;
    s->recv_msg = H2M_FINAL;
  }
  e = ev_new(c, type, sid);
  if (!e) return H2S_NOMEM;
  rv = copy_headers(c, f, nf, e);
  if (rv) return rv;
  if (end_stream) e->related |= H2_RELF_STREAM_ENDED;
  if (c->hb_has_pri) e->related |= H2_RELF_PRIORITY_UPDATED;
  if (end_stream) {
    if (!ev_new(c, H2E_STREAM_ENDED, sid)) return H2S_NOMEM;
    recv_end_stream(c, s);
  }
  if (c->hb_has_pri) {
    e = ev_new(c, H2E_PRIORITY_UPDATED, sid);
    if (!e) return H2S_NOMEM;
    e->weight = c->hb_pri.weight;
    e->related_stream_id = c->hb_pri.dep;
    e->exclusive = c->hb_pri.exclusive;
  }
  return 0;
}

static int on_push_block(h2_conn_t *c) {
  uint32_t parent = c->hb_sid, promised = c->hb_promised, prev_highest;
  size_t nf;
  const h2_hpack_field *f = h2_hpack_dec_fields(&c->dec, &nf);
  h2_stream *p = h2_stream_find(c, parent), *s;
  h2_header_info info;
  const char *why;
  h2_ev *e;
  int rv;

  if (!p) {
    if (stream_is_idle(c, parent) || !h2_stream_is_local(c, parent))
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "PUSH_PROMISE on an idle stream");
    {
      uint32_t cb = h2_stream_closed_by(c, parent);
      if (cb == H2CB_SEND_RST_STREAM || cb == H2CB_RECV_RST_STREAM)
        return stream_fail(c, parent, H2_CODE_STREAM_CLOSED,
                           "PUSH_PROMISE on a reset stream");
      /* §6.6: the parent must be open or half-closed (local). */
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "PUSH_PROMISE on a closed stream");
    }
  }
  /* §6.6: the parent must be open or half-closed (local) for us. */
  if (p->state != H2SS_OPEN && p->state != H2SS_HALF_CLOSED_LOCAL)
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "PUSH_PROMISE on a stream in the wrong state");
  if (promised <= c->highest_in)
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "PUSH_PROMISE with a promised stream id too low");
  prev_highest = c->highest_in;
  c->highest_in = promised;
  if (c->opt[H2O_MAX_RESERVED_STREAMS] &&
      c->reserved_remote >= c->opt[H2O_MAX_RESERVED_STREAMS])
    return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                     "too many reserved (pushed) streams");
  s = open_stream(c, promised, H2SS_RESERVED_REMOTE);
  if (!s) return H2S_NOMEM;
  rv = check_block(c, f, nf, H2_HB_PUSH_REQUEST, &info, &why);
  if (rv) {
    /* A connection error for it names the last stream accepted before
     * (as h2: the promise was not accepted). */
    if (c->opt[H2O_MALFORMED_CONN_ERROR]) c->highest_in = prev_highest;
    return malformed(c, promised, H2S_PROTOCOL,
                     why ? why : "malformed promised request");
  }
  if (info.method == H2_METHOD_HEAD) s->head = 1;
  e = ev_new(c, H2E_PUSHED_STREAM_RECEIVED, promised);
  if (!e) return H2S_NOMEM;
  e->related_stream_id = parent;
  return copy_headers(c, f, nf, e);
}

/* Decode one piece of a header block; at its end, act on it. */
static int block_piece(h2_conn_t *c, const uint8_t *p, size_t n, int end) {
  int rv = h2_hpack_decode(&c->dec, p, n, end);
  if (rv == H2S_COMPRESSION)
    return conn_fail(c, H2S_COMPRESSION, H2_CODE_COMPRESSION_ERROR,
                     "header block could not be decoded");
  if (rv == H2S_HEADER_LIST_TOO_LARGE)
    return conn_fail(c, H2S_HEADER_LIST_TOO_LARGE, H2_CODE_ENHANCE_YOUR_CALM,
                     "header list or one of its fields over the size limits");
  if (rv) return rv;
  if (!end) return 0;
  rv = c->hb_type == H2_FT_PUSH_PROMISE ? on_push_block(c) : on_headers_block(c);
  c->hb_sid = 0;
  return rv;
}

/* ---- frames --------------------------------------------------------------- */

/* The checks of a DATA frame of flow bytes (its length, padding included)
 * carrying data_len bytes of data on sid; the windows are taken. *out is
 * the stream to hand the data to, or NULL when the frame is dropped (its
 * connection credit returned, a stream error queued where one is due). */
static H2_HOT_INLINE int data_begin(h2_conn_t *c, uint32_t sid, int64_t flow,
                      size_t data_len, int end_stream, h2_stream **out) {
  uint32_t cb;
  h2_stream *s;
  int rv;

  *out = NULL;
  if (flow > c->recv.current)
    return conn_fail(c, H2S_FLOW_CONTROL, H2_CODE_FLOW_CONTROL_ERROR,
                     "DATA exceeds the connection flow-control window");
  c->recv.current -= flow;
  s = h2_stream_find(c, sid);
  if (!s) {
    if (stream_is_idle(c, sid))
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "DATA on an idle stream"); /* h2: ProtocolError */
    {
      cb = h2_stream_closed_by(c, sid);
      /* §5.1: after END_STREAM was received, a connection error; also
       * for a stream no longer remembered (beyond MAX_CLOSED_STREAMS). */
      if (cb == H2CB_SEND_END_STREAM || cb == H2CB_RECV_END_STREAM ||
          cb == H2CB_NONE)
        return conn_fail(c, H2S_STREAM_CLOSED, H2_CODE_STREAM_CLOSED,
                         "DATA on a stream closed by END_STREAM");
    }
    /* The connection credit goes back in any case. §5.1: frames in
     * flight after our RST_STREAM MUST be ignored; after the peer's own
     * RST_STREAM they are its error (stream error STREAM_CLOSED). */
    rv = credit_conn(c, flow);
    if (rv) return rv;
    if (cb == H2CB_SEND_RST_STREAM) return 0;
    return stream_fail(c, sid, H2_CODE_STREAM_CLOSED, "DATA on a closed stream");
  }
  if (s->state == H2SS_HALF_CLOSED_REMOTE) {
    rv = credit_conn(c, flow);
    return rv ? rv
              : stream_fail(c, sid, H2_CODE_STREAM_CLOSED,
                            "DATA after END_STREAM");
  }
  if (s->state != H2SS_OPEN && s->state != H2SS_HALF_CLOSED_LOCAL)
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "DATA on a reserved stream");
  if (flow > s->recv.current)
    return conn_fail(c, H2S_FLOW_CONTROL, H2_CODE_FLOW_CONTROL_ERROR,
                     "DATA exceeds the stream flow-control window");
  s->recv.current -= flow;
  if (s->recv_msg != H2M_FINAL) {
    rv = credit_conn(c, flow);
    return rv ? rv
              : malformed(c, sid, H2S_PROTOCOL,
                          "cannot receive data before headers");
  }
  s->body_received += data_len;
  if (s->content_length >= 0 &&
      (s->body_received > (uint64_t)s->content_length ||
       (end_stream && s->body_received != (uint64_t)s->content_length))) {
    rv = credit_conn(c, flow);
    return rv ? rv : body_length_error(c, s);
  }
  if (data_len == 0 && !end_stream) {
    rv = glitch(c);
    if (rv) return rv;
  }
  *out = s;
  return 0;
}

/* A DATA event; with last, the frame's END_STREAM takes effect. */
static H2_HOT_INLINE int data_event(h2_conn_t *c, h2_stream *s, const h2_frame *f,
                      int64_t flow, int last) {
  h2_ev *e = ev_new(c, H2E_DATA_RECEIVED, f->hd.stream_id);
  if (!e) return H2S_NOMEM;
  e->data = f->u.data.data;
  e->data_len = (uint32_t)f->u.data.len;
  e->flow_len = (uint32_t)flow;
  e->borrowed = 1;
  if (last && (f->hd.flags & H2_FLAG_END_STREAM)) {
    e->related |= H2_RELF_STREAM_ENDED;
    if (!ev_new(c, H2E_STREAM_ENDED, f->hd.stream_id)) return H2S_NOMEM;
    recv_end_stream(c, s);
  }
  return 0;
}

static int on_data(h2_conn_t *c, const h2_frame *f) {
  h2_stream *s;
  int64_t flow = (int64_t)f->hd.length; /* §6.9.1: padding counts */
  int rv = data_begin(c, f->hd.stream_id, flow, f->u.data.len,
                      (f->hd.flags & H2_FLAG_END_STREAM) != 0, &s);
  if (rv || !s) return rv;
  return data_event(c, s, f, flow, 1);
}

/* RFC 9113 §3.4: the peer's first frame must be SETTINGS (unless
 * H2_OPT_STRICT_PREFACE is 0, as in h2). */
static int awaiting_settings(const h2_conn_t *c) {
  return !c->got_remote_settings && c->opt[H2O_STRICT_PREFACE];
}

/* A piece of a DATA frame split across receive calls (H2O_PARTIAL_DATA):
 * the frame is checked on its first piece; each piece with data is one
 * event whose flow-controlled length is what was read of the frame since
 * the previous event, so that the events of a frame add up to its length;
 * the last piece always gives an event, which ends the stream if the
 * frame does. */
static int on_data_piece(h2_conn_t *c, const h2_frame *f, int first, int last,
                         int64_t flow) {
  uint32_t sid = f->hd.stream_id;
  h2_stream *s;
  int rv;
  if (first) {
    size_t pad = (f->hd.flags & H2_FLAG_PADDED) ? 1u + f->pad_len : 0u;
    /* The checks on_frame makes on a whole frame. */
    if (awaiting_settings(c))
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "first frame from the peer is not SETTINGS");
    if (c->hb_sid)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "frame interleaved in a header block");
    rv = data_begin(c, sid, (int64_t)f->hd.length, f->hd.length - pad,
                    (f->hd.flags & H2_FLAG_END_STREAM) != 0, &s);
    if (rv) return rv;
    c->dp_deliver = s != NULL;
    c->dp_carry = 0;
    c->dp_left = (int64_t)f->hd.length;
  }
  if (!c->dp_deliver) return 0; /* dropped, credit returned */
  s = h2_stream_find(c, sid);
  if (!s) {
    /* This side reset the stream since the first piece: the rest is
     * ignored (§5.1) and its connection credit returned. */
    c->dp_deliver = 0;
    return credit_conn(c, c->dp_carry + c->dp_left);
  }
  c->dp_carry += flow;
  c->dp_left -= flow;
  if (f->u.data.len == 0 && !last) return 0;
  flow = c->dp_carry;
  c->dp_carry = 0;
  return data_event(c, s, f, flow, last);
}

static int on_rst_stream(h2_conn_t *c, const h2_frame *f) {
  uint32_t sid = f->hd.stream_id;
  h2_stream *s;
  h2_ev *e;
  /* CVE-2023-44487 (Rapid Reset). */
  if (!h2_bucket_take(&c->rst_bucket, c->now_ms))
    return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                     "RST_STREAM rate limit exceeded");
  s = h2_stream_find(c, sid);
  if (!s) {
    if (stream_is_idle(c, sid)) /* §6.4; h2: ProtocolError too */
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "RST_STREAM on an idle stream");
    return 0; /* §5.1: closed: ignore */
  }
  e = ev_new(c, H2E_STREAM_RESET, sid);
  if (!e) return H2S_NOMEM;
  e->error_code = f->u.rst_stream.error_code;
  e->remote_reset = 1;
  h2_stream_forget(c, s, H2CB_RECV_RST_STREAM);
  return 0;
}

static int on_window_update(h2_conn_t *c, const h2_frame *f) {
  uint32_t sid = f->hd.stream_id, inc = f->u.window_update.increment;
  h2_stream *s;
  h2_ev *e;
  if (sid == 0) {
    if (c->send_window + inc > (int64_t)H2_MAX_WINDOW) /* §6.9.1 */
      return conn_fail(c, H2S_FLOW_CONTROL, H2_CODE_FLOW_CONTROL_ERROR,
                       "connection flow-control window above 2^31-1");
    c->send_window += inc;
  } else {
    s = h2_stream_find(c, sid);
    if (!s) {
      if (stream_is_idle(c, sid)) /* §5.1; h2: NoSuchStreamError */
        return conn_fail(c, H2S_NO_SUCH_STREAM, H2_CODE_PROTOCOL_ERROR,
                         "WINDOW_UPDATE on an idle stream");
      /* §5.1: after RST_STREAM was received, stream error STREAM_CLOSED;
       * otherwise (h2, and §5.1 for frames in flight) ignored. */
      if (h2_stream_closed_by(c, sid) == H2CB_RECV_RST_STREAM)
        return stream_fail(c, sid, H2_CODE_STREAM_CLOSED,
                           "WINDOW_UPDATE after RST_STREAM");
      return 0;
    }
    if (s->state == H2SS_RESERVED_REMOTE)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "WINDOW_UPDATE on a reserved (remote) stream");
    if (s->send_window + inc > (int64_t)H2_MAX_WINDOW)
      return stream_fail(c, sid, H2_CODE_FLOW_CONTROL_ERROR,
                         "stream flow-control window above 2^31-1");
    s->send_window += inc;
  }
  e = ev_new(c, H2E_WINDOW_UPDATED, sid);
  if (!e) return H2S_NOMEM;
  e->delta = inc;
  return 0;
}

static int on_ping(h2_conn_t *c, const h2_frame *f) {
  h2_ev *e;
  int rv;
  if (f->hd.flags & H2_FLAG_ACK) {
    e = ev_new(c, H2E_PING_ACK_RECEIVED, 0);
    if (!e) return H2S_NOMEM;
    memcpy(e->ping, f->u.ping.opaque, 8);
    return 0;
  }
  e = ev_new(c, H2E_PING_RECEIVED, 0);
  if (!e) return H2S_NOMEM;
  memcpy(e->ping, f->u.ping.opaque, 8);
  {
    h2_frame ack;
    memset(&ack, 0, sizeof(ack));
    ack.hd.type = H2_FT_PING;
    ack.hd.flags = H2_FLAG_ACK; /* §6.7 */
    memcpy(ack.u.ping.opaque, f->u.ping.opaque, 8);
    rv = h2_out_frame(c, &ack);
    if (rv) return rv;
  }
  return count_queued(c, 1);
}

static int on_goaway(h2_conn_t *c, const h2_frame *f) {
  h2_ev *e = ev_new(c, H2E_CONNECTION_TERMINATED, 0);
  if (!e) return H2S_NOMEM;
  e->error_code = f->u.goaway.error_code;
  e->related_stream_id = f->u.goaway.last_stream_id;
  e->data = f->u.goaway.debug_len ? f->u.goaway.debug : NULL;
  e->data_len = (uint32_t)f->u.goaway.debug_len;
  e->borrowed = 1;
  /* §6.8: streams up to last_stream_id may still complete; no new ones. */
  if (!c->goaway_recv || f->u.goaway.last_stream_id < c->goaway_recv_last)
    c->goaway_recv_last = f->u.goaway.last_stream_id;
  c->goaway_recv = 1;
  c->state = H2C_CLOSED;
  return 0;
}

static int on_priority(h2_conn_t *c, const h2_frame *f) {
  h2_ev *e;
  int rv = glitch(c);
  if (rv) return rv;
  e = ev_new(c, H2E_PRIORITY_UPDATED, f->hd.stream_id);
  if (!e) return H2S_NOMEM;
  e->weight = f->u.priority.weight;
  e->related_stream_id = f->u.priority.dep;
  e->exclusive = f->u.priority.exclusive;
  return 0;
}

static int on_extension(h2_conn_t *c, const h2_frame *f) {
  h2_ev *e;
  switch (f->hd.type) {
  case H2_FT_ALTSVC: /* RFC 7838 §4: servers ignore ALTSVC */
    if (c->side == 1) return glitch(c);
    if (f->hd.stream_id && !h2_stream_find(c, f->hd.stream_id)) return 0;
    e = ev_new(c, H2E_ALTERNATIVE_SERVICE_AVAILABLE, f->hd.stream_id);
    if (!e) return H2S_NOMEM;
    e->origin = f->u.altsvc.origin_len ? f->u.altsvc.origin : NULL;
    e->origin_len = (uint32_t)f->u.altsvc.origin_len;
    e->data = f->u.altsvc.value;
    e->data_len = (uint32_t)f->u.altsvc.value_len;
    e->borrowed = 1;
    return 0;
  case H2_FT_ORIGIN: { /* RFC 8336 §2.1: only clients act on it */
    size_t pos = 0, olen;
    const uint8_t *o;
    int r;
    if (c->side == 1) return glitch(c);
    while ((r = h2_frame_origin_next(f, &pos, &o, &olen)) == 1) {}
    if (r < 0) return glitch(c); /* malformed: ignored */
    e = ev_new(c, H2E_ORIGIN_RECEIVED, 0);
    if (!e) return H2S_NOMEM;
    e->data = f->u.origin.payload;
    e->data_len = (uint32_t)f->u.origin.len;
    e->borrowed = 1;
    return 0;
  }
  case H2_FT_PRIORITY_UPDATE: /* RFC 9218 §7.1: sent by clients only */
    if (c->side == 0)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "PRIORITY_UPDATE received by a client");
    e = ev_new(c, H2E_PRIORITY_UPDATE_RECEIVED,
               f->u.priority_update.prioritized_id);
    if (!e) return H2S_NOMEM;
    e->data = f->u.priority_update.field;
    e->data_len = (uint32_t)f->u.priority_update.field_len;
    e->borrowed = 1;
    return 0;
  default: { /* §5.5: unknown types are ignored; h2 reports them */
    int rv = glitch(c);
    if (rv) return rv;
    e = ev_new(c, H2E_UNKNOWN_FRAME_RECEIVED, f->hd.stream_id);
    if (!e) return H2S_NOMEM;
    e->frame_type = f->hd.type;
    e->frame_flags = f->hd.flags;
    e->data = f->u.unknown.payload;
    e->data_len = (uint32_t)f->u.unknown.len;
    e->borrowed = 1;
    return 0;
  }
  }
}

static int on_frame(h2_conn_t *c, const h2_frame *f) {
  uint8_t t = f->hd.type;
  /* §3.4: the peer's preface ends with a SETTINGS frame. */
  if (awaiting_settings(c) &&
      (t != H2_FT_SETTINGS || (f->hd.flags & H2_FLAG_ACK)))
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "first frame from the peer is not SETTINGS");
  /* §6.10: a header block is contiguous. */
  if (c->hb_sid && (t != H2_FT_CONTINUATION || f->hd.stream_id != c->hb_sid))
    return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                     "frame interleaved in a header block");
  switch (t) {
  case H2_FT_DATA: return on_data(c, f);
  case H2_FT_HEADERS:
    c->hb_sid = f->hd.stream_id;
    c->hb_type = H2_FT_HEADERS;
    c->hb_flags = f->hd.flags;
    c->hb_has_pri = (f->hd.flags & H2_FLAG_PRIORITY) != 0;
    c->hb_pri = f->u.headers.pri;
    c->hb_frames = 0;
    return block_piece(c, f->u.headers.block, f->u.headers.block_len,
                       (f->hd.flags & H2_FLAG_END_HEADERS) != 0);
  case H2_FT_PUSH_PROMISE:
    if (c->side == 1)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "PUSH_PROMISE received by a server");
    if (setting_or(&c->local, H2_SETTINGS_ENABLE_PUSH, 1) == 0)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "PUSH_PROMISE received with push disabled");
    c->hb_sid = f->hd.stream_id;
    c->hb_type = H2_FT_PUSH_PROMISE;
    c->hb_flags = f->hd.flags;
    c->hb_has_pri = 0;
    c->hb_promised = f->u.push_promise.promised_id;
    c->hb_frames = 0;
    return block_piece(c, f->u.push_promise.block, f->u.push_promise.block_len,
                       (f->hd.flags & H2_FLAG_END_HEADERS) != 0);
  case H2_FT_CONTINUATION:
    if (!c->hb_sid) /* h2: NoSuchStreamError on an idle stream */
      return conn_fail(c,
                       f->hd.stream_id && stream_is_idle(c, f->hd.stream_id)
                           ? H2S_NO_SUCH_STREAM
                           : H2S_PROTOCOL,
                       H2_CODE_PROTOCOL_ERROR,
                       "CONTINUATION without a header block");
    if (c->opt[H2O_MAX_CONTINUATION_FRAMES] &&
        ++c->hb_frames > c->opt[H2O_MAX_CONTINUATION_FRAMES])
      return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                       "too many CONTINUATION frames");
    return block_piece(c, f->u.continuation.block, f->u.continuation.block_len,
                       (f->hd.flags & H2_FLAG_END_HEADERS) != 0);
  case H2_FT_PRIORITY: return on_priority(c, f);
  case H2_FT_RST_STREAM: return on_rst_stream(c, f);
  case H2_FT_SETTINGS: return on_settings(c, f);
  case H2_FT_PING: return on_ping(c, f);
  case H2_FT_GOAWAY: return on_goaway(c, f);
  case H2_FT_WINDOW_UPDATE: return on_window_update(c, f);
  default: return on_extension(c, f);
  }
}

/* ---- receive -------------------------------------------------------------- */

static int reader_conn_error(h2_conn_t *c, const h2_frame *f) {
  uint32_t code = c->reader.err_code;
  const char *msg = c->reader.err_msg ? c->reader.err_msg : "bad frame";
  int rv = H2S_PROTOCOL;
  if (code == H2_CODE_FRAME_SIZE_ERROR)
    rv = f->hd.length > c->reader.max_frame_size ? H2S_FRAME_TOO_LARGE
                                                 : H2S_FRAME_SIZE;
  else if (code == H2_CODE_INTERNAL_ERROR)
    rv = H2S_NOMEM;
  return conn_fail(c, rv, code, msg);
}

int h2_conn_recv(h2_conn_t *c, const uint8_t *data, size_t len,
                 uint64_t now_ms) {
  size_t pos = 0, used;
  h2_frame f;
  int rv;

  c->errmsg[0] = '\0';
  rv = h2_evq_begin(&c->evq, &c->mem);
  if (rv) return h2_conn_err(c, rv, "out of memory keeping undrained events");
  if (c->dead || len == 0) return 0; /* after a connection error: ignored */
  c->now_ms = now_ms;
  /* §3.4: a server first reads the client preface. */
  if (c->side == 1 && c->preface_pos < sizeof(preface)) {
    size_t take = sizeof(preface) - c->preface_pos;
    if (take > len) take = len;
    if (memcmp(data, preface + c->preface_pos, take) != 0)
      return conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       "invalid connection preface");
    c->preface_pos += take;
    pos = take;
  }
  while (pos < len) {
    memset(&f, 0, sizeof(f));
    rv = h2_frame_read(&c->reader, data + pos, len - pos, &used, &f);
    pos += used;
    if (c->trace_cap && rv > 0 &&
        (rv != H2_READ_DATA_PIECE || c->reader.piece_first))
      h2_trace_in(c, &f.hd);
    switch (rv) {
    case H2_READ_DATA_PIECE:
      rv = on_data_piece(c, &f, c->reader.piece_first, c->reader.piece_last,
                         (int64_t)c->reader.piece_flow);
      break;
    case H2_READ_NEED_MORE:
      /* CVE-2020-11080: judge a SETTINGS frame by its header, before its
       * payload is buffered. */
      if (c->reader.have_hd && c->reader.hd.type == H2_FT_SETTINGS &&
          c->opt[H2O_MAX_SETTINGS_ENTRIES] &&
          c->reader.hd.length / 6 > c->opt[H2O_MAX_SETTINGS_ENTRIES])
        return conn_fail(c, H2S_DENIAL_OF_SERVICE, H2_CODE_ENHANCE_YOUR_CALM,
                         "too many entries in a SETTINGS frame");
      return 0;
    case H2_READ_FRAME: {
      size_t first = c->evq.len;
      rv = on_frame(c, &f);
      /* Payload completed in the reader's buffer: events may point into
       * it, and the rest of this input may refill it. Rather than copy,
       * hand the reader the other buffer (at most one such frame per
       * call: the one split at its start). */
      if (rv == 0 && used < f.hd.length && h2_evq_borrows(&c->evq, first)) {
        uint8_t *t = c->reader.buf;
        size_t tc = c->reader.buf_cap;
        c->reader.buf = c->rbuf_spare;
        c->reader.buf_cap = c->rbuf_spare_cap;
        c->rbuf_spare = t;
        c->rbuf_spare_cap = tc;
      }
      break;
    }
    case H2_READ_STREAM_ERROR:
    case H2_READ_IGNORED:
      if (awaiting_settings(c) || c->hb_sid) {
        rv = conn_fail(c, H2S_PROTOCOL, H2_CODE_PROTOCOL_ERROR,
                       awaiting_settings(c)
                           ? "first frame from the peer is not SETTINGS"
                           : "frame interleaved in a header block");
        break;
      }
      if (rv == H2_READ_IGNORED) {
        rv = glitch(c);
        break;
      }
      /* §6.4: no RST_STREAM for an idle stream; the error is then one of
       * the connection, with the same code when it is a size error (a
       * PRIORITY of the wrong length, §6.3; h2 does the same). */
      if (!h2_stream_find(c, c->reader.err_stream_id) &&
          stream_is_idle(c, c->reader.err_stream_id)) {
        int size = c->reader.err_code == H2_CODE_FRAME_SIZE_ERROR;
        rv = conn_fail(c, size ? H2S_FRAME_SIZE : H2S_PROTOCOL,
                       size ? H2_CODE_FRAME_SIZE_ERROR : H2_CODE_PROTOCOL_ERROR,
                       c->reader.err_msg ? c->reader.err_msg
                                         : "bad frame on an idle stream");
        break;
      }
      rv = stream_fail(c, c->reader.err_stream_id, c->reader.err_code,
                       c->reader.err_msg ? c->reader.err_msg : "bad frame");
      break;
    default:
      rv = reader_conn_error(c, &f);
      break;
    }
    if (rv) return rv;
    if (c->dead) return 0; /* connection error: the rest is ignored */
  }
  return 0;
}

/* ---- start and upgrade ---------------------------------------------------- */

static const uint16_t send_order[] = {
    H2_SETTINGS_HEADER_TABLE_SIZE,     H2_SETTINGS_ENABLE_PUSH,
    H2_SETTINGS_INITIAL_WINDOW_SIZE,   H2_SETTINGS_MAX_FRAME_SIZE,
    H2_SETTINGS_ENABLE_CONNECT_PROTOCOL, H2_SETTINGS_MAX_CONCURRENT_STREAMS,
    H2_SETTINGS_MAX_HEADER_LIST_SIZE,  H2_SETTINGS_NO_RFC7540_PRIORITIES};

static size_t local_list(const h2_settings *set, h2_setting *out) {
  size_t i, n = 0;
  for (i = 0; i < sizeof(send_order) / sizeof(send_order[0]); i++) {
    uint32_t v;
    if (h2_settings_get(set, send_order[i], &v)) {
      out[n].id = send_order[i];
      out[n].value = v;
      n++;
    }
  }
  return n;
}

/* Register a sent SETTINGS frame as pending its ACK. */
static int pend_push(h2_conn_t *c, const h2_setting *s, size_t n) {
  if (c->pend_len + n > c->pend_cap) {
    size_t cap = (c->pend_len + n) * 2;
    h2_setting *p = h2_mem_realloc(&c->mem, c->pend, cap * sizeof(*p));
    if (!p) return H2S_NOMEM;
    c->pend = p;
    c->pend_cap = cap;
  }
  if (c->pend_nframes == c->pend_frames_cap) {
    size_t cap = c->pend_frames_cap ? c->pend_frames_cap * 2 : 4;
    uint32_t *p = h2_mem_realloc(&c->mem, c->pend_frames, cap * sizeof(*p));
    if (!p) return H2S_NOMEM;
    c->pend_frames = p;
    c->pend_frames_cap = cap;
  }
  if (n) memcpy(c->pend + c->pend_len, s, n * sizeof(*s));
  c->pend_len += n;
  c->pend_frames[c->pend_nframes++] = (uint32_t)n;
  return 0;
}

int h2_c_update_settings(h2_conn_t *c, const h2_setting *s, size_t n) {
  size_t i;
  int rv;
  if (c->dead)
    return h2_conn_err(c, H2S_PROTOCOL, "connection is closed");
  for (i = 0; i < n; i++) {
    rv = h2_setting_validate(s[i].id, s[i].value);
    if (rv)
      return h2_conn_err(c, H2S_INVALID_SETTINGS_VALUE,
                         "invalid value %u for setting 0x%x",
                         (unsigned)s[i].value, (unsigned)s[i].id);
  }
  rv = pend_push(c, s, n);
  if (rv) return rv;
  rv = h2_out_settings(c, s, n, 0);
  if (rv) {
    c->pend_len -= n;
    c->pend_nframes--;
  }
  return rv;
}

int h2_conn_start(h2_conn_t *c) {
  h2_setting s[H2_NSET];
  size_t n;
  int rv;
  if (c->initiated || c->state != H2C_IDLE)
    return h2_conn_err(c, H2S_PROTOCOL, "connection already initiated");
  n = local_list(&c->initial, s);
  if (c->side == 0) {
    uint8_t *p = h2_out_reserve(c, sizeof(preface));
    if (!p) return H2S_NOMEM;
    memcpy(p, preface, sizeof(preface));
    c->out_len += sizeof(preface);
  }
  rv = pend_push(c, s, n);
  if (rv == 0) rv = h2_out_settings(c, s, n, 0);
  if (rv) return rv;
  c->initiated = 1; /* h2: SEND_SETTINGS keeps the state IDLE */
  return 0;
}

/* base64url, RFC 4648 §5, without padding (RFC 7540 §3.2.1). */
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_val(uint8_t ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '-' || ch == '+') return 62;
  if (ch == '_' || ch == '/') return 63;
  return -1;
}

int h2_conn_upgrade(h2_conn_t *c, const uint8_t *hdr, size_t hdr_len,
                    uint8_t *out, size_t cap, size_t *out_len) {
  h2_stream *s;
  int rv;
  if (c->initiated || c->state != H2C_IDLE)
    return h2_conn_err(c, H2S_PROTOCOL, "connection already initiated");
  if (c->side == 0) {
    h2_setting set[H2_NSET];
    uint8_t raw[H2_NSET * 6];
    size_t n = local_list(&c->initial, set), blen = n * 6, need, i, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    h2_settings_pack(raw, set, n);
    need = (blen * 8 + 5) / 6;
    if (out_len) *out_len = need;
    if (!out || cap < need)
      return h2_conn_err(c, H2S_BUFFER_TOO_SMALL,
                         "HTTP2-Settings needs %zu bytes", need);
    rv = h2_conn_start(c);
    if (rv) return rv;
    for (i = 0; i < blen; i++) {
      acc = (acc << 8) | raw[i];
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out[o++] = (uint8_t)b64[(acc >> bits) & 63u];
      }
    }
    if (bits) out[o++] = (uint8_t)b64[(acc << (6 - bits)) & 63u];
    s = open_stream(c, 1, H2SS_OPEN);
    if (!s) return H2S_NOMEM;
    c->highest_out = 1;
    s->sent_msg = H2M_FINAL;
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_LOCAL);
    c->state = H2C_CLIENT_OPEN; /* h2: SEND_HEADERS */
    return 0;
  } else {
    uint8_t raw[1024];
    size_t n = 0, i;
    uint32_t acc = 0;
    int bits = 0;
    h2_frame f;
    if (!hdr && hdr_len)
      return h2_conn_err(c, H2S_INVALID_ARGUMENT, "settings header is NULL");
    while (hdr_len && hdr[hdr_len - 1] == '=') hdr_len--;
    for (i = 0; i < hdr_len; i++) {
      int v = b64_val(hdr[i]);
      if (v < 0)
        return h2_conn_err(c, H2S_PROTOCOL, "HTTP2-Settings is not base64url");
      acc = (acc << 6) | (uint32_t)v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        if (n == sizeof(raw))
          return h2_conn_err(c, H2S_PROTOCOL, "HTTP2-Settings too long");
        raw[n++] = (uint8_t)(acc >> bits);
      }
    }
    if (n % 6)
      return h2_conn_err(c, H2S_PROTOCOL,
                         "HTTP2-Settings length not a multiple of 6");
    memset(&f, 0, sizeof(f));
    f.hd.type = H2_FT_SETTINGS;
    f.u.settings.raw = raw;
    f.u.settings.count = n / 6;
    for (i = 0; i < f.u.settings.count; i++) {
      h2_setting st;
      h2_frame_setting(&f, i, &st);
      if (h2_setting_validate(st.id, st.value))
        return h2_conn_err(c, H2S_INVALID_SETTINGS_VALUE,
                           "invalid value in HTTP2-Settings");
    }
    rv = h2_conn_start(c);
    if (rv) return rv;
    /* As h2: applied as remote settings, no ACK and no event. */
    rv = apply_remote_settings(c, &f, NULL, NULL);
    if (rv) return rv;
    s = open_stream(c, 1, H2SS_OPEN);
    if (!s) return H2S_NOMEM;
    c->highest_in = 1;
    s->recv_msg = H2M_FINAL;
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_REMOTE);
    c->state = H2C_SERVER_OPEN; /* h2: RECV_HEADERS */
    if (out_len) *out_len = 0;
    return 0;
  }
}
