/* Exported connection functions: argument checks and the translation
 * between public and core types. The public h2_config, h2_conn and
 * h2_event are the core structs themselves (opaque to users). */
#include "h2_conn.h"
#include "h2_err.h"
#include "h2_hpack.h"
#include "h2_mem.h"

#include <h2/h2.h>

#include "h2_abi_internal.h"

#include <stddef.h>
#include <string.h>

#define SAME(a, b) _Static_assert((long)(a) == (long)(b), #a " != " #b)
SAME(H2_OPT_VALIDATE_OUTBOUND_HEADERS, H2O_VALIDATE_OUTBOUND_HEADERS);
SAME(H2_OPT_NORMALIZE_OUTBOUND_HEADERS, H2O_NORMALIZE_OUTBOUND_HEADERS);
SAME(H2_OPT_SPLIT_OUTBOUND_COOKIES, H2O_SPLIT_OUTBOUND_COOKIES);
SAME(H2_OPT_VALIDATE_INBOUND_HEADERS, H2O_VALIDATE_INBOUND_HEADERS);
SAME(H2_OPT_NORMALIZE_INBOUND_HEADERS, H2O_NORMALIZE_INBOUND_HEADERS);
SAME(H2_OPT_HPACK_POLICY, H2O_HPACK_POLICY);
SAME(H2_OPT_MAX_HEADER_LIST_SIZE, H2O_MAX_HEADER_LIST_SIZE);
SAME(H2_OPT_MAX_FIELD_SIZE, H2O_MAX_FIELD_SIZE);
SAME(H2_OPT_MAX_CONTINUATION_FRAMES, H2O_MAX_CONTINUATION_FRAMES);
SAME(H2_OPT_MAX_CONCURRENT_STREAMS, H2O_MAX_CONCURRENT_STREAMS);
SAME(H2_OPT_MAX_SETTINGS_ENTRIES, H2O_MAX_SETTINGS_ENTRIES);
SAME(H2_OPT_MAX_QUEUED_ACKS, H2O_MAX_QUEUED_ACKS);
SAME(H2_OPT_MAX_QUEUED_CONTROL, H2O_MAX_QUEUED_CONTROL);
SAME(H2_OPT_RST_RATE_BURST, H2O_RST_RATE_BURST);
SAME(H2_OPT_RST_RATE_PER_SEC, H2O_RST_RATE_PER_SEC);
SAME(H2_OPT_GLITCH_RATE_BURST, H2O_GLITCH_RATE_BURST);
SAME(H2_OPT_GLITCH_RATE_PER_SEC, H2O_GLITCH_RATE_PER_SEC);
SAME(H2_OPT_MAX_RESERVED_STREAMS, H2O_MAX_RESERVED_STREAMS);
SAME(H2_OPT_MAX_CLOSED_STREAMS, H2O_MAX_CLOSED_STREAMS);
SAME(H2_OPT_TRACE_FRAMES, H2O_TRACE_FRAMES);
SAME(H2_OPT_PARTIAL_DATA, H2O_PARTIAL_DATA);
SAME(H2_OPT_STRICT_PREFACE, H2O_STRICT_PREFACE);
SAME(H2_OPT_MALFORMED_CONN_ERROR, H2O_MALFORMED_CONN_ERROR);
SAME(H2_CONN_IDLE, H2C_IDLE);
SAME(H2_CONN_CLIENT_OPEN, H2C_CLIENT_OPEN);
SAME(H2_CONN_SERVER_OPEN, H2C_SERVER_OPEN);
SAME(H2_CONN_CLOSED, H2C_CLOSED);
SAME(H2_STREAM_STATE_IDLE, H2SS_IDLE);
SAME(H2_STREAM_STATE_RESERVED_LOCAL, H2SS_RESERVED_LOCAL);
SAME(H2_STREAM_STATE_RESERVED_REMOTE, H2SS_RESERVED_REMOTE);
SAME(H2_STREAM_STATE_OPEN, H2SS_OPEN);
SAME(H2_STREAM_STATE_HALF_CLOSED_LOCAL, H2SS_HALF_CLOSED_LOCAL);
SAME(H2_STREAM_STATE_HALF_CLOSED_REMOTE, H2SS_HALF_CLOSED_REMOTE);
SAME(H2_STREAM_STATE_CLOSED, H2SS_CLOSED);
SAME(H2_EV_REQUEST_RECEIVED, H2E_REQUEST_RECEIVED);
SAME(H2_EV_RESPONSE_RECEIVED, H2E_RESPONSE_RECEIVED);
SAME(H2_EV_TRAILERS_RECEIVED, H2E_TRAILERS_RECEIVED);
SAME(H2_EV_INFORMATIONAL_RESPONSE_RECEIVED,
     H2E_INFORMATIONAL_RESPONSE_RECEIVED);
SAME(H2_EV_DATA_RECEIVED, H2E_DATA_RECEIVED);
SAME(H2_EV_WINDOW_UPDATED, H2E_WINDOW_UPDATED);
SAME(H2_EV_REMOTE_SETTINGS_CHANGED, H2E_REMOTE_SETTINGS_CHANGED);
SAME(H2_EV_SETTINGS_ACKNOWLEDGED, H2E_SETTINGS_ACKNOWLEDGED);
SAME(H2_EV_PING_RECEIVED, H2E_PING_RECEIVED);
SAME(H2_EV_PING_ACK_RECEIVED, H2E_PING_ACK_RECEIVED);
SAME(H2_EV_STREAM_ENDED, H2E_STREAM_ENDED);
SAME(H2_EV_STREAM_RESET, H2E_STREAM_RESET);
SAME(H2_EV_PUSHED_STREAM_RECEIVED, H2E_PUSHED_STREAM_RECEIVED);
SAME(H2_EV_PRIORITY_UPDATED, H2E_PRIORITY_UPDATED);
SAME(H2_EV_CONNECTION_TERMINATED, H2E_CONNECTION_TERMINATED);
SAME(H2_EV_ALTERNATIVE_SERVICE_AVAILABLE, H2E_ALTERNATIVE_SERVICE_AVAILABLE);
SAME(H2_EV_UNKNOWN_FRAME_RECEIVED, H2E_UNKNOWN_FRAME_RECEIVED);
SAME(H2_EV_PRIORITY_UPDATE_RECEIVED, H2E_PRIORITY_UPDATE_RECEIVED);
SAME(H2_EV_ORIGIN_RECEIVED, H2E_ORIGIN_RECEIVED);
SAME(H2_REL_STREAM_ENDED, H2_RELF_STREAM_ENDED);
SAME(H2_REL_PRIORITY_UPDATED, H2_RELF_PRIORITY_UPDATED);
SAME(H2_SEND_END_STREAM, 1);
SAME(H2_SEND_PADDED, H2_SEND_FLAG_PADDED);
SAME(sizeof(h2_changed_setting), sizeof(h2_ev_setting));
SAME(offsetof(h2_changed_setting, has_original),
     offsetof(h2_ev_setting, has_original));
SAME(offsetof(h2_changed_setting, original_value),
     offsetof(h2_ev_setting, original_value));
SAME(offsetof(h2_changed_setting, new_value), offsetof(h2_ev_setting, new_value));
SAME(sizeof(h2_bytes), sizeof(h2_cbytes));
SAME(offsetof(h2_bytes, len), offsetof(h2_cbytes, len));
SAME(offsetof(h2_bytes, data), offsetof(h2_cbytes, data));
SAME(H2_SIDE_CLIENT, 0);
SAME(H2_SIDE_SERVER, 1);

/* ---- configuration ---------------------------------------------------------- */

int h2_config_new(h2_config **out, int side) {
  h2_config *cfg;
  if (!out) return H2_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (side != H2_SIDE_CLIENT && side != H2_SIDE_SERVER)
    return H2_ERR_INVALID_ARGUMENT;
  cfg = h2_mem_calloc(h2_mem_default(), 1, sizeof(*cfg));
  if (!cfg) return H2_ERR_NOMEM;
  h2_config_defaults(cfg, side);
  *out = cfg;
  return H2_OK;
}

void h2_config_free(h2_config *cfg) {
  if (cfg) h2_mem_free(h2_mem_default(), cfg);
}

int h2_config_set(h2_config *cfg, int option, uint64_t value) {
  if (!cfg) return H2_ERR_INVALID_ARGUMENT;
  return h2_config_option_set(cfg, option, value);
}

int h2_config_get(const h2_config *cfg, int option, uint64_t *out) {
  if (!cfg || !out) return H2_ERR_INVALID_ARGUMENT;
  return h2_config_option_get(cfg, option, out);
}

int h2_config_set_setting(h2_config *cfg, uint16_t id, uint32_t value) {
  int rv;
  if (!cfg || id == 0 || id == 7 || id >= H2_NSET)
    return H2_ERR_INVALID_ARGUMENT;
  rv = h2_setting_validate(id, value);
  if (rv) return H2_ERR_INVALID_SETTINGS_VALUE;
  h2_settings_put(&cfg->local, id, value);
  /* The advertised limits are the enforced ones. */
  if (id == H2_SETTING_MAX_HEADER_LIST_SIZE)
    cfg->opt[H2O_MAX_HEADER_LIST_SIZE] = value;
  if (id == H2_SETTING_MAX_CONCURRENT_STREAMS)
    cfg->opt[H2O_MAX_CONCURRENT_STREAMS] = value;
  return H2_OK;
}

int h2_config_clear_settings(h2_config *cfg) {
  if (!cfg) return H2_ERR_INVALID_ARGUMENT;
  cfg->local.has = 0;
  return H2_OK;
}

int h2_config_set_allocator(h2_config *cfg, const h2_allocator *alloc) {
  if (!cfg) return H2_ERR_INVALID_ARGUMENT;
  return h2_abi_mem_from_allocator(&cfg->mem, alloc);
}

/* ---- connection ------------------------------------------------------------- */

int h2_conn_new(h2_conn **out, const h2_config *cfg) {
  if (!out) return H2_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!cfg) return H2_ERR_INVALID_ARGUMENT;
  return h2_conn_create(out, cfg);
}

void h2_conn_free(h2_conn *conn) { h2_conn_destroy(conn); }

const char *h2_conn_last_error(const h2_conn *conn) {
  return conn ? conn->errmsg : "";
}

int h2_conn_state(const h2_conn *conn) {
  return conn ? conn->state : H2_ERR_INVALID_ARGUMENT;
}

int h2_conn_initiate(h2_conn *conn) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  conn->errmsg[0] = '\0';
  return h2_conn_start(conn);
}

int h2_conn_initiate_upgrade(h2_conn *conn, const uint8_t *settings_header,
                             size_t settings_header_len, uint8_t *out,
                             size_t cap, size_t *out_len) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  conn->errmsg[0] = '\0';
  if (conn->side == H2_SIDE_CLIENT && (settings_header || !out_len))
    return H2_ERR_INVALID_ARGUMENT;
  if (conn->side == H2_SIDE_SERVER && !settings_header && settings_header_len)
    return H2_ERR_INVALID_ARGUMENT;
  return h2_conn_upgrade(conn, settings_header, settings_header_len, out, cap,
                         out_len);
}

int h2_conn_receive(h2_conn *conn, const uint8_t *data, size_t len,
                    uint64_t now_ms) {
  if (!conn || (!data && len)) return H2_ERR_INVALID_ARGUMENT;
  return h2_conn_recv(conn, data, len, now_ms);
}

int h2_conn_next_event(h2_conn *conn, const h2_event **out) {
  if (!conn || !out) return H2_ERR_INVALID_ARGUMENT;
  return h2_evq_next(&conn->evq, out);
}

/* ---- event accessors -------------------------------------------------------- */

int h2_event_type(const h2_event *ev) { return ev ? ev->type : 0; }

uint32_t h2_event_stream_id(const h2_event *ev) {
  return ev ? ev->stream_id : 0;
}

/* Which members of the shared storage an event type has. */
static int has_headers(const h2_event *ev) {
  return (ev->type >= H2E_REQUEST_RECEIVED &&
          ev->type <= H2E_INFORMATIONAL_RESPONSE_RECEIVED) ||
         ev->type == H2E_PUSHED_STREAM_RECEIVED;
}

static int has_settings(const h2_event *ev) {
  return ev->type == H2E_REMOTE_SETTINGS_CHANGED ||
         ev->type == H2E_SETTINGS_ACKNOWLEDGED;
}

size_t h2_event_header_count(const h2_event *ev) {
  return ev && has_headers(ev) ? ev->nheaders : 0;
}

int h2_event_header(const h2_event *ev, size_t i, h2_header *out) {
  const h2_ev_field *f;
  if (!ev || !out) return H2_ERR_INVALID_ARGUMENT;
  if (!has_headers(ev) || i >= ev->nheaders) return 0;
  f = &ev->headers[i];
  out->name = (const uint8_t *)ev->headers + f->off;
  out->name_len = f->name_len & ~H2_EVF_NEVER_INDEX;
  out->value = out->name + out->name_len;
  out->value_len = f->value_len;
  out->flags = (f->name_len & H2_EVF_NEVER_INDEX) ? H2_HF_NEVER_INDEX : 0u;
  return 1;
}

const uint8_t *h2_event_data(const h2_event *ev, size_t *len) {
  if (!ev) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = ev->data_len;
  return ev->data;
}

size_t h2_event_flow_controlled_length(const h2_event *ev) {
  return ev ? ev->flow_len : 0;
}

uint32_t h2_event_error_code(const h2_event *ev) {
  return ev ? ev->error_code : 0;
}

int h2_event_remote_reset(const h2_event *ev) {
  return ev ? ev->remote_reset : 0;
}

uint32_t h2_event_delta(const h2_event *ev) { return ev ? ev->delta : 0; }

uint32_t h2_event_related_stream_id(const h2_event *ev) {
  return ev ? ev->related_stream_id : 0;
}

int h2_event_ping_data(const h2_event *ev, uint8_t out[8]) {
  if (!ev || !out) return H2_ERR_INVALID_ARGUMENT;
  if (ev->type == H2E_PING_RECEIVED || ev->type == H2E_PING_ACK_RECEIVED)
    memcpy(out, ev->ping, 8);
  else
    memset(out, 0, 8);
  return H2_OK;
}

int h2_event_priority(const h2_event *ev, uint16_t *weight, int *exclusive) {
  if (!ev) return H2_ERR_INVALID_ARGUMENT;
  if (weight) *weight = ev->weight;
  if (exclusive) *exclusive = ev->exclusive;
  return H2_OK;
}

const uint8_t *h2_event_origin(const h2_event *ev, size_t *len) {
  if (!ev) {
    if (len) *len = 0;
    return NULL;
  }
  if (ev->type != H2E_ALTERNATIVE_SERVICE_AVAILABLE) {
    if (len) *len = 0;
    return NULL;
  }
  if (len) *len = ev->origin_len;
  return ev->origin;
}

int h2_event_frame_type(const h2_event *ev, uint8_t *type, uint8_t *flags) {
  if (!ev) return H2_ERR_INVALID_ARGUMENT;
  if (type) *type = ev->frame_type;
  if (flags) *flags = ev->frame_flags;
  return H2_OK;
}

size_t h2_event_setting_count(const h2_event *ev) {
  return ev && has_settings(ev) ? ev->nsettings : 0;
}

int h2_event_setting(const h2_event *ev, size_t i, h2_changed_setting *out) {
  if (!ev || !out) return H2_ERR_INVALID_ARGUMENT;
  if (!has_settings(ev) || i >= ev->nsettings) return 0;
  out->id = ev->settings[i].id;
  out->has_original = ev->settings[i].has_original;
  out->original_value = ev->settings[i].original_value;
  out->new_value = ev->settings[i].new_value;
  return 1;
}

uint32_t h2_event_related(const h2_event *ev) { return ev ? ev->related : 0; }

/* ---- actions ---------------------------------------------------------------- */

static int headers_ok(const h2_header *h, size_t n) {
  size_t i;
  if (!h && n) return 0;
  for (i = 0; i < n; i++)
    if ((!h[i].name && h[i].name_len) || (!h[i].value && h[i].value_len))
      return 0;
  return 1;
}

static int pri_from(h2_priority_spec *spec, const h2_priority *pri) {
  if (pri->weight < 1 || pri->weight > 256 || pri->depends_on > 0x7fffffffu)
    return H2_ERR_INVALID_ARGUMENT;
  spec->dep = pri->depends_on;
  spec->weight = pri->weight;
  spec->exclusive = pri->exclusive ? 1 : 0;
  return H2_OK;
}

int h2_conn_get_next_available_stream_id(h2_conn *conn, uint32_t *out) {
  if (!conn || !out) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_next_stream_id(conn, out);
}

int h2_conn_send_headers(h2_conn *conn, uint32_t stream_id,
                         const h2_header *headers, size_t n, uint32_t flags,
                         const h2_priority *pri) {
  h2_priority_spec spec;
  if (!conn || !headers_ok(headers, n) || (flags & ~H2_SEND_END_STREAM))
    return H2_ERR_INVALID_ARGUMENT;
  if (pri && pri_from(&spec, pri)) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_send_headers(conn, stream_id, (const h2_hpack_field *)headers, n,
                           flags, pri ? &spec : NULL);
}

int h2_conn_send_data(h2_conn *conn, uint32_t stream_id, const uint8_t *data,
                      size_t len, uint32_t flags, size_t pad_length) {
  if (!conn || (!data && len) || (flags & ~(H2_SEND_END_STREAM | H2_SEND_PADDED)))
    return H2_ERR_INVALID_ARGUMENT;
  return h2_c_send_data(conn, stream_id, data, len, flags, pad_length);
}

int h2_conn_send_data_ref(h2_conn *conn, uint32_t stream_id,
                          const uint8_t *data, size_t len, uint32_t flags,
                          size_t pad_length, uint64_t *out_end) {
  if (!conn || (!data && len) || (flags & ~(H2_SEND_END_STREAM | H2_SEND_PADDED)))
    return H2_ERR_INVALID_ARGUMENT;
  return h2_c_send_data_ref(conn, stream_id, data, len, flags, pad_length,
                            out_end);
}

int h2_conn_end_stream(h2_conn *conn, uint32_t stream_id) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_end_stream(conn, stream_id);
}

int h2_conn_reset_stream(h2_conn *conn, uint32_t stream_id,
                         uint32_t error_code) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_reset_stream(conn, stream_id, error_code);
}

int h2_conn_push_stream(h2_conn *conn, uint32_t stream_id,
                        uint32_t promised_stream_id, const h2_header *headers,
                        size_t n) {
  if (!conn || !headers_ok(headers, n)) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_push_stream(conn, stream_id, promised_stream_id,
                          (const h2_hpack_field *)headers, n);
}

int h2_conn_prioritize(h2_conn *conn, uint32_t stream_id,
                       const h2_priority *pri) {
  h2_priority_spec spec;
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  if (pri) {
    if (pri_from(&spec, pri)) return H2_ERR_INVALID_ARGUMENT;
  } else { /* h2's defaults: weight 16, depends on 0, not exclusive */
    spec.dep = 0;
    spec.weight = 16;
    spec.exclusive = 0;
  }
  return h2_c_prioritize(conn, stream_id, &spec);
}

int h2_conn_ping(h2_conn *conn, const uint8_t opaque[8]) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_ping(conn, opaque);
}

int h2_conn_update_settings(h2_conn *conn, const h2_settings_entry *settings,
                            size_t n) {
  h2_setting buf[16] = {{0, 0}};
  h2_setting *s = buf;
  size_t i;
  int rv;
  if (!conn || (!settings && n)) return H2_ERR_INVALID_ARGUMENT;
  if (n > 16) {
    if (n > ((size_t)-1) / sizeof(*s)) return H2_ERR_INVALID_ARGUMENT;
    s = h2_mem_malloc(&conn->mem, n * sizeof(*s));
    if (!s) return H2_ERR_NOMEM;
  }
  for (i = 0; i < n; i++) {
    s[i].id = settings[i].id;
    s[i].value = settings[i].value;
  }
  conn->errmsg[0] = '\0';
  rv = h2_c_update_settings(conn, s, n);
  if (s != buf) h2_mem_free(&conn->mem, s);
  return rv;
}

int h2_conn_acknowledge_received_data(h2_conn *conn, uint32_t stream_id,
                                      size_t size) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_ack_data(conn, stream_id, size);
}

int h2_conn_increment_flow_control_window(h2_conn *conn, uint32_t stream_id,
                                          uint32_t increment) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_increment_window(conn, stream_id, increment);
}

int h2_conn_advertise_alternative_service(h2_conn *conn, uint32_t stream_id,
                                          const uint8_t *origin,
                                          size_t origin_len,
                                          const uint8_t *field_value,
                                          size_t field_value_len) {
  if (!conn || (!origin && origin_len) || (!field_value && field_value_len))
    return H2_ERR_INVALID_ARGUMENT;
  return h2_c_altsvc(conn, stream_id, origin, origin_len, field_value,
                     field_value_len);
}

int h2_conn_close(h2_conn *conn, uint32_t error_code, uint32_t last_stream_id,
                  const uint8_t *debug, size_t debug_len) {
  if (!conn || (!debug && debug_len)) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_close(conn, error_code, last_stream_id, debug, debug_len);
}

int h2_conn_send_priority_update(h2_conn *conn, uint32_t prioritized_stream_id,
                                 const uint8_t *field_value, size_t len) {
  if (!conn || (!field_value && len)) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_priority_update(conn, prioritized_stream_id, field_value, len);
}

int h2_conn_send_origin(h2_conn *conn, const h2_bytes *origins, size_t n) {
  size_t i;
  if (!conn || (!origins && n)) return H2_ERR_INVALID_ARGUMENT;
  for (i = 0; i < n; i++)
    if (!origins[i].data && origins[i].len) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_origin(conn, (const h2_cbytes *)origins, n);
}

/* ---- output ------------------------------------------------------------------ */

int h2_conn_data_to_send(h2_conn *conn, uint8_t *buf, size_t cap,
                         size_t *out_len) {
  size_t n;
  if (!conn || !out_len || (!buf && cap)) return H2_ERR_INVALID_ARGUMENT;
  n = h2_out_pending(conn);
  if (n > cap) n = cap;
  h2_out_take(conn, buf, n);
  *out_len = n;
  return H2_OK;
}

int h2_conn_peek_data(h2_conn *conn, const uint8_t **data, size_t *len) {
  if (!conn || !data || !len) return H2_ERR_INVALID_ARGUMENT;
  if (h2_out_flatten(conn)) return H2_ERR_NOMEM;
  *len = conn->out_len - conn->out_off;
  *data = *len ? conn->out + conn->out_off : NULL;
  return H2_OK;
}

int h2_conn_peek_iov(h2_conn *conn, h2_bytes *iov, size_t max, size_t *n) {
  if (!conn || !n || (!iov && max)) return H2_ERR_INVALID_ARGUMENT;
  *n = h2_out_segments(conn, (h2_cbytes *)iov, max);
  return H2_OK;
}

int h2_conn_consume_data(h2_conn *conn, size_t n) {
  if (!conn || n > h2_out_pending(conn)) return H2_ERR_INVALID_ARGUMENT;
  h2_out_take(conn, NULL, n);
  return H2_OK;
}

size_t h2_conn_pending_data(const h2_conn *conn) {
  return conn ? h2_out_pending(conn) : 0;
}

uint64_t h2_conn_output_consumed(const h2_conn *conn) {
  return conn ? conn->out_consumed : 0;
}

int h2_conn_clear_outbound_data(h2_conn *conn) {
  if (!conn) return H2_ERR_INVALID_ARGUMENT;
  h2_out_clear(conn);
  h2_trace_out_reset(conn);
  return H2_OK;
}

/* ---- frame trace --------------------------------------------------------------- */

int h2_conn_next_trace(h2_conn *conn, h2_frame_trace *out) {
  h2_trace_rec r;
  if (!conn || !out) return H2_ERR_INVALID_ARGUMENT;
  if (!h2_trace_next(conn, &r)) return 0;
  out->outbound = r.outbound;
  out->type = r.type;
  out->flags = r.flags;
  out->stream_id = r.stream_id;
  out->length = r.length;
  return 1;
}

uint64_t h2_conn_trace_dropped(const h2_conn *conn) {
  return conn ? conn->trace_dropped : 0;
}

/* ---- queries ------------------------------------------------------------------ */

int h2_conn_local_flow_control_window(const h2_conn *conn, uint32_t stream_id,
                                      int64_t *out) {
  if (!conn || !out || stream_id > 0x7fffffffu) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_local_window(conn, stream_id, out);
}

int h2_conn_remote_flow_control_window(const h2_conn *conn, uint32_t stream_id,
                                       int64_t *out) {
  if (!conn || !out || stream_id > 0x7fffffffu) return H2_ERR_INVALID_ARGUMENT;
  return h2_c_remote_window(conn, stream_id, out);
}

int h2_conn_stream_windows(const h2_conn *conn, uint32_t stream_id,
                           int64_t *send, int64_t *recv) {
  if (!conn || !send || !recv || stream_id == 0 || stream_id > 0x7fffffffu)
    return H2_ERR_INVALID_ARGUMENT;
  return h2_c_stream_windows(conn, stream_id, send, recv);
}

uint32_t h2_conn_max_inbound_frame_size(const h2_conn *conn) {
  uint32_t v = 16384;
  if (conn) h2_settings_get(&conn->local, H2_SETTING_MAX_FRAME_SIZE, &v);
  return v;
}

uint32_t h2_conn_max_outbound_frame_size(const h2_conn *conn) {
  uint32_t v = 16384;
  if (conn) h2_settings_get(&conn->remote, H2_SETTING_MAX_FRAME_SIZE, &v);
  return v;
}

size_t h2_conn_open_inbound_streams(const h2_conn *conn) {
  return conn ? conn->open_in : 0;
}

size_t h2_conn_open_outbound_streams(const h2_conn *conn) {
  return conn ? conn->open_out : 0;
}

uint32_t h2_conn_highest_inbound_stream_id(const h2_conn *conn) {
  return conn ? conn->highest_in : 0;
}

int h2_conn_local_setting(const h2_conn *conn, uint16_t id, uint32_t *out) {
  if (!conn || !out) return H2_ERR_INVALID_ARGUMENT;
  return h2_settings_get(&conn->local, id, out) ? H2_OK
                                                : H2_ERR_INVALID_ARGUMENT;
}

int h2_conn_remote_setting(const h2_conn *conn, uint16_t id, uint32_t *out) {
  if (!conn || !out) return H2_ERR_INVALID_ARGUMENT;
  return h2_settings_get(&conn->remote, id, out) ? H2_OK
                                                 : H2_ERR_INVALID_ARGUMENT;
}

int h2_conn_stream_state(const h2_conn *conn, uint32_t stream_id, int *out) {
  if (!conn || !out || stream_id == 0 || stream_id > 0x7fffffffu)
    return H2_ERR_INVALID_ARGUMENT;
  return h2_c_stream_state(conn, stream_id, out);
}
