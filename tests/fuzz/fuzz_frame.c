/* libFuzzer target for the frame layer (core/h2_frame.c).
 *
 * Input: the bytes of a connection (raw frames, no preface). The stream
 * is read three ways (one shot, one byte at a time, chunks derived from the
 * input) and the three result logs must be identical. Every decoded frame
 * must re-encode to its own wire bytes (reserved bits cleared, RFC 9113
 * §4.1) and decode again to identical fields. Any mismatch aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2_err.h"
#include "h2_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 4096

typedef struct event {
  int rv;
  size_t offset;
  uint32_t err_code, err_sid;
  h2_frame_hd hd;
  uint64_t enc_hash; /* FNV-1a of the re-encoded frame */
  size_t enc_len;
} event;

typedef struct ev_log {
  event ev[MAX_EVENTS];
  size_t n;
} ev_log;

static ev_log logs[3];
static uint8_t encbuf[H2_FRAME_HEADER_LEN + 2 * 65536 + 64];
static uint8_t encbuf2[H2_FRAME_HEADER_LEN + 2 * 65536 + 64];
static uint8_t wirebuf[H2_FRAME_HEADER_LEN + 2 * 65536 + 64];

static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

static int bytes_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int pri_eq(const h2_priority_spec *a, const h2_priority_spec *b) {
  return a->dep == b->dep && a->weight == b->weight &&
         !a->exclusive == !b->exclusive;
}

static int frames_equal(const h2_frame *a, const h2_frame *b) {
  if (a->hd.length != b->hd.length || a->hd.type != b->hd.type ||
      a->hd.flags != b->hd.flags || a->hd.stream_id != b->hd.stream_id)
    return 0;
  if ((a->hd.type == H2_FT_DATA || a->hd.type == H2_FT_HEADERS ||
       a->hd.type == H2_FT_PUSH_PROMISE) &&
      (a->hd.flags & H2_FLAG_PADDED) &&
      !bytes_eq(a->pad, a->pad_len, b->pad, b->pad_len))
    return 0;
  switch (a->hd.type) {
  case H2_FT_DATA:
    return bytes_eq(a->u.data.data, a->u.data.len, b->u.data.data,
                    b->u.data.len);
  case H2_FT_HEADERS:
    if ((a->hd.flags & H2_FLAG_PRIORITY) &&
        !pri_eq(&a->u.headers.pri, &b->u.headers.pri))
      return 0;
    return bytes_eq(a->u.headers.block, a->u.headers.block_len,
                    b->u.headers.block, b->u.headers.block_len);
  case H2_FT_PRIORITY: return pri_eq(&a->u.priority, &b->u.priority);
  case H2_FT_RST_STREAM:
    return a->u.rst_stream.error_code == b->u.rst_stream.error_code;
  case H2_FT_SETTINGS:
    return a->u.settings.count == b->u.settings.count &&
           bytes_eq(a->u.settings.raw, a->u.settings.count * 6,
                    b->u.settings.raw, b->u.settings.count * 6);
  case H2_FT_PUSH_PROMISE:
    return a->u.push_promise.promised_id == b->u.push_promise.promised_id &&
           bytes_eq(a->u.push_promise.block, a->u.push_promise.block_len,
                    b->u.push_promise.block, b->u.push_promise.block_len);
  case H2_FT_PING: return memcmp(a->u.ping.opaque, b->u.ping.opaque, 8) == 0;
  case H2_FT_GOAWAY:
    return a->u.goaway.last_stream_id == b->u.goaway.last_stream_id &&
           a->u.goaway.error_code == b->u.goaway.error_code &&
           bytes_eq(a->u.goaway.debug, a->u.goaway.debug_len, b->u.goaway.debug,
                    b->u.goaway.debug_len);
  case H2_FT_WINDOW_UPDATE:
    return a->u.window_update.increment == b->u.window_update.increment;
  case H2_FT_CONTINUATION:
    return bytes_eq(a->u.continuation.block, a->u.continuation.block_len,
                    b->u.continuation.block, b->u.continuation.block_len);
  case H2_FT_ALTSVC:
    return bytes_eq(a->u.altsvc.origin, a->u.altsvc.origin_len,
                    b->u.altsvc.origin, b->u.altsvc.origin_len) &&
           bytes_eq(a->u.altsvc.value, a->u.altsvc.value_len, b->u.altsvc.value,
                    b->u.altsvc.value_len);
  case H2_FT_ORIGIN:
    return bytes_eq(a->u.origin.payload, a->u.origin.len, b->u.origin.payload,
                    b->u.origin.len);
  case H2_FT_PRIORITY_UPDATE:
    return a->u.priority_update.prioritized_id ==
               b->u.priority_update.prioritized_id &&
           bytes_eq(a->u.priority_update.field, a->u.priority_update.field_len,
                    b->u.priority_update.field, b->u.priority_update.field_len);
  default:
    return bytes_eq(a->u.unknown.payload, a->u.unknown.len,
                    b->u.unknown.payload, b->u.unknown.len);
  }
}

/* Clear the reserved bits of a frame's wire bytes: they are ignored on
 * receive and zero on send (RFC 9113 §4.1, §6.6, §6.8, §6.9; RFC 9218). */
static void clear_reserved(uint8_t *w, size_t n) {
  size_t off = 0;
  w[5] &= 0x7f;
  switch (w[3]) {
  case H2_FT_PUSH_PROMISE: off = (w[4] & H2_FLAG_PADDED) ? 1 : 0; break;
  case H2_FT_GOAWAY:
  case H2_FT_WINDOW_UPDATE:
  case H2_FT_PRIORITY_UPDATE: break;
  default: return;
  }
  if (H2_FRAME_HEADER_LEN + off < n) w[H2_FRAME_HEADER_LEN + off] &= 0x7f;
}

/* Check that f (whose wire bytes are wire[0..wlen)) re-encodes to the same
 * bytes and decodes again to identical fields. */
static void check_round_trip(const h2_frame *f, uint32_t max,
                             const uint8_t *wire, size_t wlen) {
  size_t n = 0, used = 0;
  h2_frame g;
  h2_frame_reader r;
  int rv;

  if (h2_frame_payload_len(f) != f->hd.length) abort();
  if (h2_frame_encode(f, encbuf, sizeof(encbuf), &n) != H2S_OK) abort();
  if (n != H2_FRAME_HEADER_LEN + f->hd.length) abort();
  /* Too small a buffer is refused. */
  if (h2_frame_encode(f, encbuf2, n - 1, &used) != H2S_BUFFER_TOO_SMALL)
    abort();

  if (wire) {
    if (wlen != n || wlen > sizeof(wirebuf)) abort();
    memcpy(wirebuf, wire, wlen);
    clear_reserved(wirebuf, wlen);
    if (memcmp(wirebuf, encbuf, n) != 0) abort();
  }

  h2_frame_reader_init(&r, NULL);
  if (h2_frame_reader_set_max_frame_size(&r, max) != H2S_OK) abort();
  rv = h2_frame_read(&r, encbuf, n, &used, &g);
  if (rv != H2_READ_FRAME || used != n) abort();
  if (!frames_equal(f, &g)) abort();
  h2_frame_reader_free(&r);
}

/* Read in[0..len): mode 0 in one call, 1 byte by byte, 2 in pseudo-random
 * chunks from seed. Records the results in lg. */
static void run(ev_log *lg, const uint8_t *in, size_t len, uint32_t max,
                int mode, uint64_t seed) {
  h2_frame_reader r;
  size_t base = 0;
  uint64_t s = seed | 1;
  lg->n = 0;
  h2_frame_reader_init(&r, NULL);
  if (h2_frame_reader_set_max_frame_size(&r, max) != H2S_OK) abort();

  while (base < len || mode == 0) {
    size_t c, off = 0;
    if (mode == 0) {
      c = len;
    } else if (mode == 1) {
      c = 1;
    } else {
      s ^= s << 13; /* xorshift: chunk sizes 0..63, derived from input */
      s ^= s >> 7;
      s ^= s << 17;
      c = (size_t)(s % 64);
    }
    if (c > len - base) c = len - base;
    for (;;) {
      h2_frame f;
      size_t used = 0;
      int rv = h2_frame_read(&r, in + base + off, c - off, &used, &f);
      if (used > c - off) abort();
      off += used;
      if (rv == H2_READ_NEED_MORE) {
        if (off != c) abort();
        break;
      }
      if (lg->n < MAX_EVENTS) {
        event *e = &lg->ev[lg->n++];
        memset(e, 0, sizeof(*e));
        e->rv = rv;
        e->offset = base + off;
        e->hd = f.hd;
        if (rv == H2_READ_FRAME) {
          size_t n = 0;
          const uint8_t *wire = NULL;
          if (mode == 0) {
            /* Parsed in place: the frame is the last bytes consumed. */
            wire = in + base + off - H2_FRAME_HEADER_LEN - f.hd.length;
            if (f.hd.type == H2_FT_DATA && f.u.data.len &&
                (f.u.data.data < in || f.u.data.data > in + len))
              abort();
          }
          check_round_trip(&f, max, wire,
                           wire ? H2_FRAME_HEADER_LEN + f.hd.length : 0);
          if (h2_frame_encode(&f, encbuf, sizeof(encbuf), &n) != H2S_OK)
            abort();
          e->enc_hash = fnv(encbuf, n);
          e->enc_len = n;
        } else if (rv == H2_READ_STREAM_ERROR || rv == H2_READ_CONN_ERROR) {
          if (!r.err_msg) abort();
          e->err_code = r.err_code;
          e->err_sid = r.err_stream_id;
        } else if (rv != H2_READ_IGNORED) {
          abort();
        }
      }
      if (rv == H2_READ_CONN_ERROR) {
        /* The reader stays failed. */
        size_t u2 = 1;
        h2_frame f2;
        if (h2_frame_read(&r, in, len, &u2, &f2) != H2_READ_CONN_ERROR || u2)
          abort();
        h2_frame_reader_free(&r);
        return;
      }
    }
    base += c;
    if (mode == 0) break;
  }
  h2_frame_reader_free(&r);
}

static int logs_equal(const ev_log *a, const ev_log *b) {
  size_t i;
  if (a->n != b->n) return 0;
  for (i = 0; i < a->n; i++) {
    const event *x = &a->ev[i], *y = &b->ev[i];
    if (x->rv != y->rv || x->offset != y->offset ||
        x->err_code != y->err_code || x->err_sid != y->err_sid ||
        x->hd.length != y->hd.length || x->hd.type != y->hd.type ||
        x->hd.flags != y->hd.flags || x->hd.stream_id != y->hd.stream_id ||
        x->enc_hash != y->enc_hash || x->enc_len != y->enc_len)
      return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t max = H2_DEFAULT_MAX_FRAME_SIZE;
  uint64_t seed = fnv(data, size);
  /* The input's hash picks the split pattern and, for a quarter of the
   * inputs, a larger SETTINGS_MAX_FRAME_SIZE (kept within encbuf). */
  if ((seed >> 62) == 3) max = 65536;
  run(&logs[0], data, size, max, 0, seed);
  run(&logs[1], data, size, max, 1, seed);
  run(&logs[2], data, size, max, 2, seed);
  if (!logs_equal(&logs[0], &logs[1])) abort();
  if (!logs_equal(&logs[0], &logs[2])) abort();
  return 0;
}
