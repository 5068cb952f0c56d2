/* Frame trace: an optional, bounded record of the frames a connection read
 * and the frames it handed out for sending, for logging by applications
 * and bindings (h2 logs what it processes; the C API has no callbacks, so
 * the records are pulled). Off by default: then it costs one test per
 * frame read. Outbound frames are recorded as their bytes leave through
 * h2_conn_data_to_send() / h2_conn_consume_data(), by reading the frame
 * headers in the byte stream, so no send path needs a hook. */
#include <string.h>

#include "h2_conn.h"
#include "h2_err.h"

/* The client connection preface is not a frame (RFC 9113 §3.4). */
#define PREFACE_LEN 24u

int h2_trace_init(h2_conn_t *c) {
  uint64_t cap = c->opt[H2O_TRACE_FRAMES];
  c->trace = NULL;
  c->trace_cap = c->trace_head = c->trace_count = 0;
  if (!cap) return H2S_OK;
  c->trace = h2_mem_malloc(&c->mem, (size_t)cap * sizeof(h2_trace_rec));
  if (!c->trace) return H2S_NOMEM;
  c->trace_cap = (uint32_t)cap;
  return H2S_OK;
}

void h2_trace_free(h2_conn_t *c) {
  h2_mem_free(&c->mem, c->trace);
  c->trace = NULL;
  c->trace_cap = 0;
}

static void record(h2_conn_t *c, int outbound, const h2_frame_hd *hd) {
  h2_trace_rec *r;
  if (c->trace_count == c->trace_cap) {
    /* Full: the oldest record goes. */
    c->trace_head = (c->trace_head + 1) % c->trace_cap;
    c->trace_count--;
    c->trace_dropped++;
  }
  r = &c->trace[(c->trace_head + c->trace_count) % c->trace_cap];
  r->outbound = (uint8_t)outbound;
  r->type = hd->type;
  r->flags = hd->flags;
  r->stream_id = hd->stream_id;
  r->length = hd->length;
  c->trace_count++;
}

void h2_trace_in(h2_conn_t *c, const h2_frame_hd *hd) {
  if (c->trace_cap) record(c, 0, hd);
}

void h2_trace_out(h2_conn_t *c, const uint8_t *p, size_t n) {
  if (!c->trace_cap) return;
  while (n) {
    size_t k;
    if (c->side == 0 && c->trace_out_seen < PREFACE_LEN) {
      k = (size_t)(PREFACE_LEN - c->trace_out_seen);
    } else if (c->trace_out_skip) {
      k = c->trace_out_skip;
    } else {
      /* Collect the 9-byte header, possibly over several hand-outs. */
      k = H2_FRAME_HEADER_LEN - c->trace_out_hd_len;
      if (k > n) k = n;
      memcpy(c->trace_out_hd + c->trace_out_hd_len, p, k);
      c->trace_out_hd_len = (uint8_t)(c->trace_out_hd_len + k);
      if (c->trace_out_hd_len == H2_FRAME_HEADER_LEN) {
        h2_frame_hd hd;
        h2_frame_hd_unpack(&hd, c->trace_out_hd);
        record(c, 1, &hd);
        c->trace_out_hd_len = 0;
        c->trace_out_skip = hd.length;
      }
      p += k;
      n -= k;
      c->trace_out_seen += k;
      continue;
    }
    if (k > n) k = n;
    if (c->trace_out_skip) c->trace_out_skip -= (uint32_t)k;
    p += k;
    n -= k;
    c->trace_out_seen += k;
  }
}

void h2_trace_out_reset(h2_conn_t *c) {
  c->trace_out_skip = 0;
  c->trace_out_hd_len = 0;
  if (c->side == 0 && c->trace_out_seen < PREFACE_LEN)
    c->trace_out_seen = PREFACE_LEN;
}

int h2_trace_next(h2_conn_t *c, h2_trace_rec *out) {
  if (!c->trace_count) return 0;
  *out = c->trace[c->trace_head];
  c->trace_head = (c->trace_head + 1) % c->trace_cap;
  c->trace_count--;
  return 1;
}
