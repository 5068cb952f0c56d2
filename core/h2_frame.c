/* HTTP/2 frame reader and writer: RFC 9113 §4 (framing) and §6 (frame
 * definitions), ALTSVC (RFC 7838 §4), ORIGIN (RFC 8336 §2) and
 * PRIORITY_UPDATE (RFC 9218 §7.1). */
#include "h2_frame.h"

#include <string.h>

#include "h2_err.h"

/* Big-endian helpers (RFC 9113 §4.1: network byte order). */
static uint32_t get16(const uint8_t *p) {
  return (uint32_t)(((uint32_t)p[0] << 8) | (uint32_t)p[1]);
}

static uint32_t get32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void put16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Reader ------------------------------------------------------------------ */

void h2_frame_reader_init(h2_frame_reader *r, const h2_mem *mem) {
  memset(r, 0, sizeof(*r));
  r->mem = mem;
  r->max_frame_size = H2_DEFAULT_MAX_FRAME_SIZE;
}

void h2_frame_reader_free(h2_frame_reader *r) {
  if (!r) return;
  h2_mem_free(r->mem, r->buf);
  r->buf = NULL;
  r->buf_len = 0;
  r->buf_cap = 0;
}

int h2_frame_reader_set_max_frame_size(h2_frame_reader *r, uint32_t size) {
  /* RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE is 2^14..2^24-1. */
  if (!r || size < H2_DEFAULT_MAX_FRAME_SIZE || size > H2_MAX_MAX_FRAME_SIZE)
    return H2S_INVALID_ARGUMENT;
  r->max_frame_size = size;
  return H2S_OK;
}

static int conn_error(h2_frame_reader *r, uint32_t code, const char *msg) {
  r->failed = 1;
  r->err_code = code;
  r->err_stream_id = 0;
  r->err_msg = msg;
  return H2_READ_CONN_ERROR;
}

static int stream_error(h2_frame_reader *r, uint32_t sid, uint32_t code,
                        const char *msg) {
  r->err_code = code;
  r->err_stream_id = sid;
  r->err_msg = msg;
  return H2_READ_STREAM_ERROR;
}

static int ignored(h2_frame_reader *r, const char *msg) {
  r->err_code = H2_CODE_NO_ERROR;
  r->err_stream_id = 0;
  r->err_msg = msg;
  return H2_READ_IGNORED;
}

/* Strip padding (RFC 9113 §6.1, §6.2, §6.6). On entry *p and *n cover the whole
 * payload; fixed is the size of the fields between the Pad Length byte and
 * the data/fragment. On success *p and *n cover those fields plus the data. */
static int strip_padding(h2_frame_reader *r, h2_frame *f, const uint8_t **p,
                         size_t *n, size_t fixed) {
  size_t pad;
  if (!(f->hd.flags & H2_FLAG_PADDED)) {
    if (*n < fixed)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR, "frame too short");
    return H2_READ_FRAME;
  }
  if (*n < 1 + fixed)
    return conn_error(r, H2_CODE_FRAME_SIZE_ERROR, "padded frame too short");
  pad = (*p)[0];
  /* Padding that exceeds the room left for data/fragment: PROTOCOL_ERROR. */
  if (pad > *n - 1 - fixed)
    return conn_error(r, H2_CODE_PROTOCOL_ERROR, "padding too long");
  f->pad_len = (uint16_t)pad;
  f->pad = *p + (*n - pad);
  *p += 1;
  *n -= 1 + pad;
  return H2_READ_FRAME;
}

static void get_priority(h2_priority_spec *s, const uint8_t *p) {
  uint32_t v = get32(p);
  s->exclusive = (uint8_t)(v >> 31);
  s->dep = v & H2_MAX_STREAM_ID;
  s->weight = (uint16_t)(p[4] + 1u); /* §5.3.2: wire value plus one */
}

/* Check and decode the payload p[0..hd.length) of a complete frame. */
static int parse_frame(h2_frame_reader *r, const h2_frame_hd *hd,
                       const uint8_t *p, h2_frame *f) {
  size_t n = hd->length;
  uint32_t sid = hd->stream_id;
  int rv;

  memset(f, 0, sizeof(*f));
  f->hd = *hd;

  switch (hd->type) {
  case H2_FT_DATA: /* §6.1 */
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "DATA on stream 0");
    rv = strip_padding(r, f, &p, &n, 0);
    if (rv != H2_READ_FRAME) return rv;
    f->u.data.data = p;
    f->u.data.len = n;
    return H2_READ_FRAME;

  case H2_FT_HEADERS: { /* §6.2 */
    size_t fixed = (hd->flags & H2_FLAG_PRIORITY) ? 5u : 0u;
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "HEADERS on stream 0");
    rv = strip_padding(r, f, &p, &n, fixed);
    if (rv != H2_READ_FRAME) return rv;
    if (fixed) get_priority(&f->u.headers.pri, p);
    f->u.headers.block = p + fixed;
    f->u.headers.block_len = n - fixed;
    return H2_READ_FRAME;
  }

  case H2_FT_PRIORITY: /* §6.3 */
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (n != 5)
      return stream_error(r, sid, H2_CODE_FRAME_SIZE_ERROR,
                          "PRIORITY length not 5");
    get_priority(&f->u.priority, p);
    /* §5.3.1: a stream cannot depend on itself. */
    if (f->u.priority.dep == sid)
      return stream_error(r, sid, H2_CODE_PROTOCOL_ERROR,
                          "PRIORITY stream depends on itself");
    return H2_READ_FRAME;

  case H2_FT_RST_STREAM: /* §6.4 */
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (n != 4)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR, "RST_STREAM length not 4");
    f->u.rst_stream.error_code = get32(p);
    return H2_READ_FRAME;

  case H2_FT_SETTINGS: /* §6.5 */
    if (sid != 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR,
                        "SETTINGS on non-zero stream");
    if ((hd->flags & H2_FLAG_ACK) && n != 0)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR,
                        "SETTINGS ACK with payload");
    if (n % 6 != 0)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR,
                        "SETTINGS length not a multiple of 6");
    f->u.settings.raw = p;
    f->u.settings.count = n / 6;
    return H2_READ_FRAME;

  case H2_FT_PUSH_PROMISE: /* §6.6 */
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "PUSH_PROMISE on stream 0");
    rv = strip_padding(r, f, &p, &n, 4);
    if (rv != H2_READ_FRAME) return rv;
    f->u.push_promise.promised_id = get32(p) & H2_MAX_STREAM_ID;
    /* §5.1.1: server-initiated streams are even and non-zero. */
    if (f->u.push_promise.promised_id == 0 ||
        (f->u.push_promise.promised_id & 1u))
      return conn_error(r, H2_CODE_PROTOCOL_ERROR,
                        "PUSH_PROMISE invalid promised stream id");
    f->u.push_promise.block = p + 4;
    f->u.push_promise.block_len = n - 4;
    return H2_READ_FRAME;

  case H2_FT_PING: /* §6.7 */
    if (sid != 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "PING on non-zero stream");
    if (n != 8)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR, "PING length not 8");
    memcpy(f->u.ping.opaque, p, 8);
    return H2_READ_FRAME;

  case H2_FT_GOAWAY: /* §6.8 */
    if (sid != 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "GOAWAY on non-zero stream");
    if (n < 8)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR, "GOAWAY too short");
    f->u.goaway.last_stream_id = get32(p) & H2_MAX_STREAM_ID;
    f->u.goaway.error_code = get32(p + 4);
    f->u.goaway.debug = p + 8;
    f->u.goaway.debug_len = n - 8;
    return H2_READ_FRAME;

  case H2_FT_WINDOW_UPDATE: /* §6.9 */
    if (n != 4)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR,
                        "WINDOW_UPDATE length not 4");
    f->u.window_update.increment = get32(p) & H2_MAX_WINDOW;
    if (f->u.window_update.increment == 0) {
      if (sid == 0)
        return conn_error(r, H2_CODE_PROTOCOL_ERROR,
                          "WINDOW_UPDATE increment 0");
      return stream_error(r, sid, H2_CODE_PROTOCOL_ERROR,
                          "WINDOW_UPDATE increment 0");
    }
    return H2_READ_FRAME;

  case H2_FT_CONTINUATION: /* §6.10 */
    if (sid == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "CONTINUATION on stream 0");
    f->u.continuation.block = p;
    f->u.continuation.block_len = n;
    return H2_READ_FRAME;

  case H2_FT_ALTSVC: { /* RFC 7838 §4: invalid frames are ignored */
    size_t olen;
    if (n < 2) return ignored(r, "ALTSVC too short");
    olen = get16(p);
    if (olen > n - 2) return ignored(r, "ALTSVC origin length too long");
    if (sid == 0 && olen == 0)
      return ignored(r, "ALTSVC on stream 0 without origin");
    if (sid != 0 && olen != 0)
      return ignored(r, "ALTSVC on a stream with origin");
    f->u.altsvc.origin = p + 2;
    f->u.altsvc.origin_len = olen;
    f->u.altsvc.value = p + 2 + olen;
    f->u.altsvc.value_len = n - 2 - olen;
    return H2_READ_FRAME;
  }

  case H2_FT_ORIGIN: /* RFC 8336 §2: only on stream 0, else ignored */
    if (sid != 0) return ignored(r, "ORIGIN on non-zero stream");
    f->u.origin.payload = p;
    f->u.origin.len = n;
    return H2_READ_FRAME;

  case H2_FT_PRIORITY_UPDATE: /* RFC 9218 §7.1 */
    if (sid != 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR,
                        "PRIORITY_UPDATE on non-zero stream");
    if (n < 4)
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR,
                        "PRIORITY_UPDATE too short");
    f->u.priority_update.prioritized_id = get32(p) & H2_MAX_STREAM_ID;
    if (f->u.priority_update.prioritized_id == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR,
                        "PRIORITY_UPDATE for stream 0");
    f->u.priority_update.field = p + 4;
    f->u.priority_update.field_len = n - 4;
    return H2_READ_FRAME;

  default: /* §4.1, §5.5: unknown types are passed on (to be ignored) */
    f->u.unknown.payload = p;
    f->u.unknown.len = n;
    return H2_READ_FRAME;
  }
}

/* Make room for need bytes in r->buf. Grows geometrically, starting at the
 * default maximum frame size and capped at max_frame_size (or need). */
static int reserve(h2_frame_reader *r, size_t need) {
  size_t cap;
  uint8_t *nb;
  if (need <= r->buf_cap) return 0;
  cap = r->buf_cap ? r->buf_cap * 2 : (size_t)H2_DEFAULT_MAX_FRAME_SIZE;
  if (cap > r->max_frame_size) cap = r->max_frame_size;
  if (cap < need) cap = need;
  if (r->buf)
    nb = (uint8_t *)h2_mem_realloc(r->mem, r->buf, cap);
  else
    nb = (uint8_t *)h2_mem_malloc(r->mem, cap);
  if (!nb) return -1;
  r->buf = nb;
  r->buf_cap = cap;
  return 0;
}

static void reset_frame(h2_frame_reader *r) {
  r->hdlen = 0;
  r->have_hd = 0;
  r->buf_len = 0;
  r->in_piece = 0;
  r->piece_off = 0;
  r->piece_pad = 0;
}

/* The part p[0..avail) of the DATA frame being read, handed out without
 * copying (partial_data). The checks of parse_frame are made on the first
 * part, which holds the Pad Length byte of a padded frame. */
static int data_piece(h2_frame_reader *r, const uint8_t *p, size_t avail,
                      size_t *used, h2_frame *out) {
  size_t len = r->hd.length, off = r->piece_off, end, lo, hi, a, b;
  memset(out, 0, sizeof(*out));
  out->hd = r->hd;
  if (off == 0) {
    if (r->hd.stream_id == 0)
      return conn_error(r, H2_CODE_PROTOCOL_ERROR, "DATA on stream 0");
    if (r->hd.flags & H2_FLAG_PADDED) {
      if (p[0] > len - 1)
        return conn_error(r, H2_CODE_PROTOCOL_ERROR, "padding too long");
      r->piece_pad = p[0];
    }
  }
  end = off + (avail < len - off ? avail : len - off);
  *used = end - off;
  /* The data lies at payload offsets [lo, hi). */
  lo = (r->hd.flags & H2_FLAG_PADDED) ? 1u : 0u;
  hi = len - r->piece_pad;
  a = off > lo ? off : lo;
  b = end < hi ? end : hi;
  out->pad_len = (uint16_t)r->piece_pad;
  if (b > a) {
    out->u.data.data = p + (a - off);
    out->u.data.len = b - a;
  }
  r->piece_first = off == 0;
  r->piece_last = end == len;
  r->piece_flow = end - off;
  if (end == len) {
    reset_frame(r);
  } else {
    r->in_piece = 1;
    r->piece_off = end;
  }
  return H2_READ_DATA_PIECE;
}

int h2_frame_read(h2_frame_reader *r, const uint8_t *in, size_t len,
                  size_t *consumed, h2_frame *out) {
  size_t pos = 0, avail, need;
  const uint8_t *payload;
  int rv;

  if (consumed) *consumed = 0;
  if (r->failed) return H2_READ_CONN_ERROR;
  if (!in) len = 0;

  if (!r->have_hd) {
    if (r->hdlen == 0 && len >= H2_FRAME_HEADER_LEN) {
      h2_frame_hd_unpack(&r->hd, in);
      pos = H2_FRAME_HEADER_LEN;
    } else {
      size_t take = H2_FRAME_HEADER_LEN - r->hdlen;
      if (take > len) take = len;
      if (take) memcpy(r->hdbuf + r->hdlen, in, take);
      r->hdlen += take;
      pos = take;
      if (r->hdlen < H2_FRAME_HEADER_LEN) {
        if (consumed) *consumed = pos;
        return H2_READ_NEED_MORE;
      }
      h2_frame_hd_unpack(&r->hd, r->hdbuf);
    }
    r->have_hd = 1;
    r->buf_len = 0;
    /* §4.2: checked before any payload is buffered. */
    if (r->hd.length > r->max_frame_size) {
      if (consumed) *consumed = pos;
      memset(out, 0, sizeof(*out));
      out->hd = r->hd;
      return conn_error(r, H2_CODE_FRAME_SIZE_ERROR,
                        "frame larger than SETTINGS_MAX_FRAME_SIZE");
    }
  }

  avail = len - pos;
  need = r->hd.length - r->buf_len;
  if ((r->in_piece | r->partial_data) &&
      (r->in_piece || (r->hd.type == H2_FT_DATA && r->buf_len == 0 &&
                       avail > 0 && avail < need))) {
    size_t used = 0;
    if (avail == 0) return H2_READ_NEED_MORE;
    rv = data_piece(r, in + pos, avail, &used, out);
    if (consumed) *consumed = pos + used;
    return rv;
  }
  if (r->buf_len == 0 && avail >= need) {
    payload = in ? in + pos : NULL; /* complete: parse in place */
    pos += need;
  } else {
    size_t take = avail < need ? avail : need;
    if (take) {
      if (reserve(r, r->buf_len + take) != 0) {
        if (consumed) *consumed = pos;
        memset(out, 0, sizeof(*out));
        out->hd = r->hd;
        return conn_error(r, H2_CODE_INTERNAL_ERROR,
                          "out of memory buffering a frame");
      }
      memcpy(r->buf + r->buf_len, in + pos, take);
      r->buf_len += take;
      pos += take;
    }
    if (consumed) *consumed = pos;
    if (take < need) return H2_READ_NEED_MORE;
    payload = r->buf;
  }

  if (consumed) *consumed = pos;
  {
    h2_frame_hd hd = r->hd;
    reset_frame(r);
    rv = parse_frame(r, &hd, payload, out);
  }
  return rv;
}

void h2_frame_setting(const h2_frame *f, size_t i, h2_setting *out) {
  const uint8_t *p = f->u.settings.raw + i * 6; /* §6.5.1 */
  out->id = (uint16_t)get16(p);
  out->value = get32(p + 2);
}

int h2_frame_origin_next(const h2_frame *f, size_t *pos, const uint8_t **origin,
                         size_t *origin_len) {
  size_t n = f->u.origin.len, at = *pos, olen;
  const uint8_t *p = f->u.origin.payload;
  if (at >= n) return 0;
  /* RFC 8336 §2: Origin-Len (16 bits) followed by ASCII-Origin. */
  if (n - at < 2) return -1;
  olen = get16(p + at);
  if (olen > n - at - 2) return -1;
  *origin = p + at + 2;
  *origin_len = olen;
  *pos = at + 2 + olen;
  return 1;
}

/* Writer ------------------------------------------------------------------ */

void h2_frame_hd_pack(uint8_t out[H2_FRAME_HEADER_LEN], const h2_frame_hd *hd) {
  /* §4.1: Length (24), Type (8), Flags (8), R (1), Stream Identifier (31). */
  out[0] = (uint8_t)(hd->length >> 16);
  out[1] = (uint8_t)(hd->length >> 8);
  out[2] = (uint8_t)hd->length;
  out[3] = hd->type;
  out[4] = hd->flags;
  put32(out + 5, hd->stream_id & H2_MAX_STREAM_ID);
}

void h2_frame_hd_unpack(h2_frame_hd *hd,
                        const uint8_t in[H2_FRAME_HEADER_LEN]) {
  hd->length = ((uint32_t)in[0] << 16) | ((uint32_t)in[1] << 8) | in[2];
  hd->type = in[3];
  hd->flags = in[4];
  hd->stream_id = get32(in + 5) & H2_MAX_STREAM_ID; /* §4.1: R ignored */
}

static size_t add_sat(size_t a, size_t b) {
  return a + b < a ? (size_t)-1 : a + b;
}

/* Pad Length byte plus padding, when the type defines PADDED. */
static size_t pad_overhead(const h2_frame *f) {
  if (!(f->hd.flags & H2_FLAG_PADDED)) return 0;
  return 1u + (size_t)f->pad_len;
}

size_t h2_frame_payload_len(const h2_frame *f) {
  switch (f->hd.type) {
  case H2_FT_DATA: return add_sat(pad_overhead(f), f->u.data.len);
  case H2_FT_HEADERS:
    return add_sat(pad_overhead(f) +
                       ((f->hd.flags & H2_FLAG_PRIORITY) ? 5u : 0u),
                   f->u.headers.block_len);
  case H2_FT_PRIORITY: return 5;
  case H2_FT_RST_STREAM: return 4;
  case H2_FT_SETTINGS:
    if (f->u.settings.count > ((size_t)-1) / 6) return (size_t)-1;
    return f->u.settings.count * 6;
  case H2_FT_PUSH_PROMISE:
    return add_sat(pad_overhead(f) + 4u, f->u.push_promise.block_len);
  case H2_FT_PING: return 8;
  case H2_FT_GOAWAY: return add_sat(8, f->u.goaway.debug_len);
  case H2_FT_WINDOW_UPDATE: return 4;
  case H2_FT_CONTINUATION: return f->u.continuation.block_len;
  case H2_FT_ALTSVC:
    return add_sat(add_sat(2, f->u.altsvc.origin_len), f->u.altsvc.value_len);
  case H2_FT_ORIGIN: return f->u.origin.len;
  case H2_FT_PRIORITY_UPDATE: return add_sat(4, f->u.priority_update.field_len);
  default: return f->u.unknown.len;
  }
}

/* Copy n bytes (callers have checked src against NULL). */
static uint8_t *put_bytes(uint8_t *o, const uint8_t *src, size_t n) {
  if (n) memcpy(o, src, n);
  return o + n;
}

static int bad_bytes(const uint8_t *p, size_t n) { return n != 0 && !p; }

static int bad_priority(const h2_priority_spec *s) {
  return s->dep > H2_MAX_STREAM_ID || s->weight < 1 || s->weight > 256;
}

static uint8_t *put_priority(uint8_t *o, const h2_priority_spec *s) {
  put32(o, s->dep | (s->exclusive ? 0x80000000u : 0u));
  o[4] = (uint8_t)(s->weight - 1u);
  return o + 5;
}

/* Validate the fields the encoder reads; H2S_OK or H2S_INVALID_ARGUMENT. */
static int check_fields(const h2_frame *f) {
  int padded = (f->hd.flags & H2_FLAG_PADDED) != 0;
  if (f->hd.stream_id > H2_MAX_STREAM_ID) return H2S_INVALID_ARGUMENT;
  switch (f->hd.type) {
  case H2_FT_DATA:
  case H2_FT_HEADERS:
  case H2_FT_PUSH_PROMISE:
    if (padded && f->pad_len > 255) return H2S_INVALID_ARGUMENT;
    break;
  default: break;
  }
  switch (f->hd.type) {
  case H2_FT_DATA:
    return bad_bytes(f->u.data.data, f->u.data.len) ? H2S_INVALID_ARGUMENT
                                                    : H2S_OK;
  case H2_FT_HEADERS:
    if ((f->hd.flags & H2_FLAG_PRIORITY) && bad_priority(&f->u.headers.pri))
      return H2S_INVALID_ARGUMENT;
    return bad_bytes(f->u.headers.block, f->u.headers.block_len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_PRIORITY:
    return bad_priority(&f->u.priority) ? H2S_INVALID_ARGUMENT : H2S_OK;
  case H2_FT_SETTINGS:
    return bad_bytes(f->u.settings.raw, f->u.settings.count)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_PUSH_PROMISE:
    if (f->u.push_promise.promised_id > H2_MAX_STREAM_ID)
      return H2S_INVALID_ARGUMENT;
    return bad_bytes(f->u.push_promise.block, f->u.push_promise.block_len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_GOAWAY:
    if (f->u.goaway.last_stream_id > H2_MAX_STREAM_ID)
      return H2S_INVALID_ARGUMENT;
    return bad_bytes(f->u.goaway.debug, f->u.goaway.debug_len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_WINDOW_UPDATE:
    return f->u.window_update.increment > H2_MAX_WINDOW ? H2S_INVALID_ARGUMENT
                                                        : H2S_OK;
  case H2_FT_CONTINUATION:
    return bad_bytes(f->u.continuation.block, f->u.continuation.block_len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_ALTSVC:
    if (f->u.altsvc.origin_len > 0xffffu) return H2S_INVALID_ARGUMENT;
    return (bad_bytes(f->u.altsvc.origin, f->u.altsvc.origin_len) ||
            bad_bytes(f->u.altsvc.value, f->u.altsvc.value_len))
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_ORIGIN:
    return bad_bytes(f->u.origin.payload, f->u.origin.len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_PRIORITY_UPDATE:
    if (f->u.priority_update.prioritized_id > H2_MAX_STREAM_ID)
      return H2S_INVALID_ARGUMENT;
    return bad_bytes(f->u.priority_update.field, f->u.priority_update.field_len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  case H2_FT_RST_STREAM:
  case H2_FT_PING: return H2S_OK;
  default:
    return bad_bytes(f->u.unknown.payload, f->u.unknown.len)
               ? H2S_INVALID_ARGUMENT
               : H2S_OK;
  }
}

/* Write the Pad Length byte when the frame is PADDED. */
static uint8_t *put_pad_len(uint8_t *o, const h2_frame *f) {
  if (f->hd.flags & H2_FLAG_PADDED) *o++ = (uint8_t)f->pad_len;
  return o;
}

static uint8_t *put_padding(uint8_t *o, const h2_frame *f) {
  if (!(f->hd.flags & H2_FLAG_PADDED) || f->pad_len == 0) return o;
  if (f->pad)
    memcpy(o, f->pad, f->pad_len);
  else
    memset(o, 0, f->pad_len); /* §6.1: padding octets are zero on send */
  return o + f->pad_len;
}

int h2_frame_encode(const h2_frame *f, uint8_t *out, size_t cap,
                    size_t *out_len) {
  size_t plen;
  h2_frame_hd hd;
  uint8_t *o;
  int rv;

  if (out_len) *out_len = 0;
  if (!f) return H2S_INVALID_ARGUMENT;
  rv = check_fields(f);
  if (rv != H2S_OK) return rv;
  plen = h2_frame_payload_len(f);
  if (plen > H2_MAX_MAX_FRAME_SIZE) return H2S_INVALID_ARGUMENT; /* §4.1 */
  if (!out || cap < H2_FRAME_HEADER_LEN + plen) return H2S_BUFFER_TOO_SMALL;

  hd = f->hd;
  hd.length = (uint32_t)plen;
  h2_frame_hd_pack(out, &hd);
  o = out + H2_FRAME_HEADER_LEN;

  switch (f->hd.type) {
  case H2_FT_DATA: /* §6.1 */
    o = put_pad_len(o, f);
    o = put_bytes(o, f->u.data.data, f->u.data.len);
    o = put_padding(o, f);
    break;
  case H2_FT_HEADERS: /* §6.2 */
    o = put_pad_len(o, f);
    if (f->hd.flags & H2_FLAG_PRIORITY) o = put_priority(o, &f->u.headers.pri);
    o = put_bytes(o, f->u.headers.block, f->u.headers.block_len);
    o = put_padding(o, f);
    break;
  case H2_FT_PRIORITY: /* §6.3 */ o = put_priority(o, &f->u.priority); break;
  case H2_FT_RST_STREAM: /* §6.4 */
    put32(o, f->u.rst_stream.error_code);
    o += 4;
    break;
  case H2_FT_SETTINGS: /* §6.5 */
    o = put_bytes(o, f->u.settings.raw, f->u.settings.count * 6);
    break;
  case H2_FT_PUSH_PROMISE: /* §6.6 */
    o = put_pad_len(o, f);
    put32(o, f->u.push_promise.promised_id);
    o += 4;
    o = put_bytes(o, f->u.push_promise.block, f->u.push_promise.block_len);
    o = put_padding(o, f);
    break;
  case H2_FT_PING: /* §6.7 */ o = put_bytes(o, f->u.ping.opaque, 8); break;
  case H2_FT_GOAWAY: /* §6.8 */
    put32(o, f->u.goaway.last_stream_id);
    put32(o + 4, f->u.goaway.error_code);
    o += 8;
    o = put_bytes(o, f->u.goaway.debug, f->u.goaway.debug_len);
    break;
  case H2_FT_WINDOW_UPDATE: /* §6.9 */
    put32(o, f->u.window_update.increment);
    o += 4;
    break;
  case H2_FT_CONTINUATION: /* §6.10 */
    o = put_bytes(o, f->u.continuation.block, f->u.continuation.block_len);
    break;
  case H2_FT_ALTSVC: /* RFC 7838 §4 */
    put16(o, (uint32_t)f->u.altsvc.origin_len);
    o += 2;
    o = put_bytes(o, f->u.altsvc.origin, f->u.altsvc.origin_len);
    o = put_bytes(o, f->u.altsvc.value, f->u.altsvc.value_len);
    break;
  case H2_FT_ORIGIN: /* RFC 8336 §2 */
    o = put_bytes(o, f->u.origin.payload, f->u.origin.len);
    break;
  case H2_FT_PRIORITY_UPDATE: /* RFC 9218 §7.1 */
    put32(o, f->u.priority_update.prioritized_id);
    o += 4;
    o = put_bytes(o, f->u.priority_update.field,
                  f->u.priority_update.field_len);
    break;
  default: o = put_bytes(o, f->u.unknown.payload, f->u.unknown.len); break;
  }
  if (out_len) *out_len = (size_t)(o - out);
  return H2S_OK;
}

void h2_settings_pack(uint8_t *out, const h2_setting *s, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) { /* §6.5.1: Identifier (16), Value (32) */
    put16(out + i * 6, s[i].id);
    put32(out + i * 6 + 2, s[i].value);
  }
}
