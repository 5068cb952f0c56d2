/* The connection's send path: actions of the application (h2's
 * H2Connection methods), the output buffer, and queries. Actions check
 * everything before changing anything: a refused action returns its code
 * and leaves the connection as it was. */
#include <string.h>

#include "h2_conn.h"
#include "h2_err.h"
#include "h2_headers.h"

/* ---- output buffer --------------------------------------------------------- */

uint8_t *h2_out_reserve(h2_conn_t *c, size_t n) {
  size_t used = c->out_len - c->out_off, cap;
  uint8_t *nb;
  /* Keep the buffer's start hot: once what is pending is shorter than what
   * was consumed before it, move it to the front (a short copy) rather than
   * appending further into the buffer. */
  if (c->out_off && used <= c->out_off && used <= 4096u) {
    if (used) memcpy(c->out, c->out + c->out_off, used);
    c->out_off = 0;
    c->out_len = used;
  }
  if (c->out_cap - c->out_len >= n) return c->out + c->out_len;
  /* Slide the pending bytes to the front when that makes room. */
  if (c->out_off && c->out_cap - used >= n) {
    memmove(c->out, c->out + c->out_off, used);
    c->out_off = 0;
    c->out_len = used;
    return c->out + c->out_len;
  }
  if (n > ((size_t)-1) / 2 - used) return NULL;
  cap = c->out_cap ? c->out_cap : 1024;
  while (cap - used < n) cap *= 2; /* geometric growth */
  if (c->out_off) {
    memmove(c->out, c->out + c->out_off, used);
    c->out_off = 0;
    c->out_len = used;
  }
  nb = h2_mem_realloc(&c->mem, c->out, cap);
  if (!nb) return NULL;
  c->out = nb;
  c->out_cap = cap;
  return c->out + c->out_len;
}

/* Below this much pending output the peer cannot be flooding us, so the
 * counters of queued control frames start again (a caller that always
 * writes partially must not trip them). Payloads queued by reference count
 * as pending output like any other byte. */
#define OUT_CALM 4096u

/* ---- payloads queued by reference ------------------------------------------
 * The output is the engine's bytes out[out_off..out_len) with the queued
 * references inserted among them: reference r follows the engine byte
 * numbered r.at, engine bytes being numbered from the connection's start
 * (own_consumed is the number of the byte at out[out_off]). The references
 * are a ring in output order, grown by doubling and never shrunk, so
 * queueing one allocates nothing once the ring has its working size. A
 * reference is dropped as soon as its last byte is consumed. */

/* Payloads shorter than this are copied: cheaper than a reference. */
#define REF_MIN_LEN 64u

size_t h2_out_pending(const h2_conn_t *c) {
  return c->out_len - c->out_off + c->ref_bytes;
}

/* Engine bytes before the first reference (all of them if none). */
static size_t own_run(const h2_conn_t *c) {
  if (!c->ref_count) return c->out_len - c->out_off;
  return (size_t)(c->refs[c->ref_head].at - c->own_consumed);
}

static void out_consumed(h2_conn_t *c) {
  if (c->out_off >= c->out_len) c->out_off = c->out_len = 0;
  if (h2_out_pending(c) <= OUT_CALM) c->queued_acks = c->queued_control = 0;
}

void h2_out_take(h2_conn_t *c, uint8_t *dst, size_t n) {
  c->out_consumed += n;
  while (n) {
    size_t k = own_run(c);
    const uint8_t *p;
    if (k) {
      if (k > n) k = n;
      p = c->out + c->out_off;
      c->out_off += k;
      c->own_consumed += k;
    } else {
      h2_out_ref *r = &c->refs[c->ref_head];
      k = r->len < n ? r->len : n;
      p = r->p;
      r->p += k;
      r->len -= k;
      c->ref_bytes -= k;
      if (!r->len) {
        c->ref_head = (c->ref_head + 1) & (c->ref_cap - 1);
        c->ref_count--;
      }
    }
    if (dst) {
      memcpy(dst, p, k);
      dst += k;
    }
    h2_trace_out(c, p, k);
    n -= k;
  }
  out_consumed(c);
}

void h2_out_clear(h2_conn_t *c) {
  size_t own = c->out_len - c->out_off;
  c->out_consumed += h2_out_pending(c);
  c->own_consumed += own;
  c->out_off = c->out_len = 0;
  c->ref_head = c->ref_count = 0;
  c->ref_bytes = 0;
  out_consumed(c);
}

size_t h2_out_segments(const h2_conn_t *c, h2_cbytes *seg, size_t max) {
  size_t n = 0, i, off = c->out_off;
  uint64_t own = c->own_consumed;
  for (i = 0; i < c->ref_count && n < max; i++) {
    const h2_out_ref *r = &c->refs[(c->ref_head + i) & (c->ref_cap - 1)];
    size_t k = (size_t)(r->at - own);
    if (k) {
      seg[n].data = c->out + off;
      seg[n].len = k;
      off += k;
      own += k;
      if (++n == max) break;
    }
    seg[n].data = r->p;
    seg[n].len = r->len;
    n++;
  }
  if (n < max && off < c->out_len) {
    seg[n].data = c->out + off;
    seg[n].len = c->out_len - off;
    n++;
  }
  return n;
}

int h2_out_flatten(h2_conn_t *c) {
  size_t own = c->out_len - c->out_off, total, dst, src, i;
  if (!c->ref_count) return 0;
  total = own + c->ref_bytes;
  /* Room for everything; the engine bytes end up at the front. */
  if (!h2_out_reserve(c, total - own)) return H2S_NOMEM;
  if (c->out_off) {
    memmove(c->out, c->out + c->out_off, own);
    c->out_off = 0;
    c->out_len = own;
  }
  /* Spread from the end: each run of engine bytes moves right by the
   * reference bytes before it, and a reference's bytes land in the gap
   * opened before the run that follows it. Everything still to move lies
   * left of where anything is written. */
  dst = total;
  src = own;
  for (i = c->ref_count; i-- > 0;) {
    const h2_out_ref *r = &c->refs[(c->ref_head + i) & (c->ref_cap - 1)];
    size_t at = (size_t)(r->at - c->own_consumed);
    if (src > at) {
      memmove(c->out + dst - (src - at), c->out + at, src - at);
      dst -= src - at;
      src = at;
    }
    dst -= r->len;
    memcpy(c->out + dst, r->p, r->len);
  }
  c->out_len = total;
  c->ref_head = c->ref_count = 0;
  c->ref_bytes = 0;
  return 0;
}

/* Room for one more reference in the ring. */
static int ref_reserve(h2_conn_t *c) {
  h2_out_ref *n;
  size_t cap, i;
  if (c->ref_count < c->ref_cap) return 0;
  cap = c->ref_cap ? c->ref_cap * 2 : 16;
  if (cap > ((size_t)-1) / sizeof(*n)) return H2S_NOMEM;
  n = h2_mem_malloc(&c->mem, cap * sizeof(*n));
  if (!n) return H2S_NOMEM;
  for (i = 0; i < c->ref_count; i++)
    n[i] = c->refs[(c->ref_head + i) & (c->ref_cap - 1)];
  h2_mem_free(&c->mem, c->refs);
  c->refs = n;
  c->ref_cap = cap;
  c->ref_head = 0;
  return 0;
}

int h2_out_frame(h2_conn_t *c, const h2_frame *f) {
  size_t n = H2_FRAME_HEADER_LEN + h2_frame_payload_len(f), w;
  uint8_t *p = h2_out_reserve(c, n);
  int rv;
  if (!p) return H2S_NOMEM;
  rv = h2_frame_encode(f, p, n, &w);
  if (rv) return rv;
  c->out_len += w;
  return 0;
}

int h2_out_rst(h2_conn_t *c, uint32_t sid, uint32_t code) {
  h2_frame f;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_RST_STREAM;
  f.hd.stream_id = sid;
  f.u.rst_stream.error_code = code;
  return h2_out_frame(c, &f);
}

int h2_out_window_update(h2_conn_t *c, uint32_t sid, uint32_t inc) {
  h2_frame f;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_WINDOW_UPDATE;
  f.hd.stream_id = sid;
  f.u.window_update.increment = inc;
  return h2_out_frame(c, &f);
}

int h2_out_goaway(h2_conn_t *c, uint32_t last, uint32_t code,
                  const uint8_t *dbg, size_t dbg_len) {
  h2_frame f;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_GOAWAY;
  f.u.goaway.last_stream_id = last;
  f.u.goaway.error_code = code;
  f.u.goaway.debug = dbg;
  f.u.goaway.debug_len = dbg_len;
  return h2_out_frame(c, &f);
}

int h2_out_settings(h2_conn_t *c, const h2_setting *s, size_t n, int ack) {
  h2_frame f;
  uint8_t raw[64 * 6];
  uint8_t *buf = raw;
  int rv;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_SETTINGS;
  f.hd.flags = ack ? H2_FLAG_ACK : 0;
  if (n > 64) {
    buf = h2_mem_malloc(&c->mem, n * 6);
    if (!buf) return H2S_NOMEM;
  }
  if (n) h2_settings_pack(buf, s, n);
  f.u.settings.raw = buf;
  f.u.settings.count = n;
  rv = h2_out_frame(c, &f);
  if (buf != raw) h2_mem_free(&c->mem, buf);
  return rv;
}

/* ---- helpers --------------------------------------------------------------- */

static uint32_t remote(const h2_conn_t *c, uint16_t id, uint32_t dflt) {
  uint32_t v;
  return h2_settings_get(&c->remote, id, &v) ? v : dflt;
}

/* Actions leave the event queue alone: events already taken, and the
 * bytes they point to, stay valid until the next h2_conn_receive(). */
static int usable(h2_conn_t *c) {
  c->errmsg[0] = '\0';
  if (c->dead) return h2_conn_err(c, H2S_PROTOCOL, "connection is closed");
  return 0;
}

/* §6.8: no new streams once a GOAWAY went either way. */
static int may_open(h2_conn_t *c) {
  if (c->goaway_recv)
    return h2_conn_err(c, H2S_PROTOCOL, "the peer sent GOAWAY: no new streams");
  if (c->goaway_sent)
    return h2_conn_err(c, H2S_PROTOCOL, "GOAWAY sent: no new streams");
  return 0;
}

/* A stream this side may act on, or the h2 error for id. */
static int lookup(h2_conn_t *c, uint32_t sid, h2_stream **out) {
  h2_stream *s;
  if (sid == 0 || sid > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid stream id %u",
                       (unsigned)sid);
  s = h2_stream_find(c, sid);
  *out = s;
  if (s) return 0;
  if (h2_stream_is_local(c, sid) ? sid > c->highest_out : sid > c->highest_in)
    return h2_conn_err(c, H2S_NO_SUCH_STREAM, "no stream %u", (unsigned)sid);
  return h2_conn_err(c, H2S_STREAM_CLOSED, "stream %u is closed",
                     (unsigned)sid);
}

static int grow_scratch(h2_conn_t *c, void **p, size_t *cap, size_t need,
                        size_t elem) {
  void *n;
  size_t ncap;
  if (need <= *cap) return 0;
  ncap = *cap ? *cap : 16;
  while (ncap < need) ncap *= 2;
  n = h2_mem_realloc(&c->mem, *p, ncap * elem);
  if (!n) return H2S_NOMEM;
  *p = n;
  *cap = ncap;
  return 0;
}

/* Normalize and validate an outbound block (h2's config switches). */
static int prepare_block(h2_conn_t *c, const h2_hpack_field *h, size_t n,
                         int kind, const h2_hpack_field **out, size_t *out_n,
                         h2_header_info *info) {
  const char *why = NULL;
  uint32_t vflags = 0;
  int rv;
  *out = h;
  *out_n = n;
  if (remote(c, H2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0) == 1)
    vflags |= H2_HV_CONNECT_PROTOCOL;
  /* The usual block: valid, and nothing that normalization would change. */
  if (c->opt[H2O_VALIDATE_OUTBOUND_HEADERS] &&
      h2_headers_validate_plain(h, n, kind, vflags, info) == 0)
    return 0;
  if (c->opt[H2O_NORMALIZE_OUTBOUND_HEADERS]) {
    uint32_t nf = c->opt[H2O_SPLIT_OUTBOUND_COOKIES] ? H2_HN_SPLIT_COOKIES : 0;
    size_t nfields, nbytes, got;
    rv = h2_headers_normalize_outbound_size(h, n, nf, &nfields, &nbytes);
    if (rv < 0) return rv;
    if (rv == 1) {
      if (grow_scratch(c, (void **)&c->nfields, &c->nfields_cap, nfields,
                       sizeof(*c->nfields)) ||
          grow_scratch(c, (void **)&c->nbytes, &c->nbytes_cap, nbytes + 1, 1))
        return H2S_NOMEM;
      rv = h2_headers_normalize_outbound_into(h, n, nf, c->nfields,
                                              c->nfields_cap, c->nbytes,
                                              c->nbytes_cap, &got);
      if (rv) return rv;
      *out = c->nfields;
      *out_n = got;
    }
  }
  if (c->opt[H2O_VALIDATE_OUTBOUND_HEADERS]) {
    rv = h2_headers_validate(*out, *out_n, kind, vflags, info, &why);
    if (rv)
      return h2_conn_err(c, H2S_PROTOCOL, "invalid headers: %s",
                         why ? why : "malformed");
  } else {
    h2_headers_info(*out, *out_n, kind, info);
  }
  return 0;
}

/* Encode a block and write it as HEADERS/PUSH_PROMISE + CONTINUATION
 * frames split at the peer's SETTINGS_MAX_FRAME_SIZE (§4.3, §6.10). All
 * room is reserved before the encoder's table changes, so nothing can fail
 * after it. prefix holds the fixed fields (priority or promised id). */
static int write_block(h2_conn_t *c, uint8_t type, uint32_t sid,
                       uint8_t flags, const uint8_t *prefix, size_t plen,
                       const h2_hpack_field *h, size_t n) {
  size_t maxf = remote(c, H2_SETTINGS_MAX_FRAME_SIZE, 16384);
  size_t bound = h2_hpack_encode_bound(h, n), blen, off, first, need;
  h2_frame_hd hd;
  uint8_t *p;
  int rv;
  if (bound == (size_t)-1) return H2S_NOMEM;
  if (bound <= maxf - plen) {
    /* The block fits in one frame however it encodes: straight into the
     * output buffer after the frame header and prefix. */
    if (!h2_out_reserve(c, H2_FRAME_HEADER_LEN + plen + bound))
      return H2S_NOMEM;
    p = c->out + c->out_len;
    rv = h2_hpack_encode(&c->enc, h, n, p + H2_FRAME_HEADER_LEN + plen, bound,
                         &blen);
    if (rv) return rv;
    hd.length = (uint32_t)(plen + blen);
    hd.type = type;
    hd.flags = (uint8_t)(flags | H2_FLAG_END_HEADERS);
    hd.stream_id = sid;
    h2_frame_hd_pack(p, &hd);
    if (plen) memcpy(p + H2_FRAME_HEADER_LEN, prefix, plen);
    c->out_len += H2_FRAME_HEADER_LEN + plen + blen;
    return 0;
  }
  rv = grow_scratch(c, (void **)&c->scratch, &c->scratch_cap, bound + 1, 1);
  if (rv) return rv;
  need = plen + bound + H2_FRAME_HEADER_LEN * (bound / maxf + 2);
  if (!h2_out_reserve(c, need)) return H2S_NOMEM;
  rv = h2_hpack_encode(&c->enc, h, n, c->scratch, c->scratch_cap, &blen);
  if (rv) return rv;
  p = c->out + c->out_len;
  first = blen < maxf - plen ? blen : maxf - plen;
  hd.length = (uint32_t)(plen + first);
  hd.type = type;
  hd.flags = (uint8_t)(flags | (first == blen ? H2_FLAG_END_HEADERS : 0));
  hd.stream_id = sid;
  h2_frame_hd_pack(p, &hd);
  p += H2_FRAME_HEADER_LEN;
  if (plen) memcpy(p, prefix, plen);
  p += plen;
  memcpy(p, c->scratch, first);
  p += first;
  for (off = first; off < blen;) {
    size_t k = blen - off < maxf ? blen - off : maxf;
    hd.length = (uint32_t)k;
    hd.type = H2_FT_CONTINUATION;
    hd.flags = off + k == blen ? H2_FLAG_END_HEADERS : 0;
    h2_frame_hd_pack(p, &hd);
    p += H2_FRAME_HEADER_LEN;
    memcpy(p, c->scratch + off, k);
    p += k;
    off += k;
  }
  c->out_len = (size_t)(p - c->out);
  return 0;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static int check_priority(h2_conn_t *c, uint32_t sid,
                          const h2_priority_spec *pri) {
  if (pri->weight < 1 || pri->weight > 256 || pri->dep > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid priority");
  if (pri->dep == sid) /* §5.3.1 */
    return h2_conn_err(c, H2S_PROTOCOL, "stream cannot depend on itself");
  return 0;
}

static void pack_priority(uint8_t out[5], const h2_priority_spec *pri) {
  put32(out, pri->dep | (pri->exclusive ? 0x80000000u : 0u));
  out[4] = (uint8_t)(pri->weight - 1);
}

/* We sent END_STREAM on s. */
static void sent_end_stream(h2_conn_t *c, h2_stream *s) {
  if (s->state == H2SS_HALF_CLOSED_REMOTE)
    h2_stream_forget(c, s, H2CB_SEND_END_STREAM);
  else
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_LOCAL);
}

/* ---- actions --------------------------------------------------------------- */

int h2_c_next_stream_id(h2_conn_t *c, uint32_t *out) {
  uint32_t next = c->highest_out ? c->highest_out + 2 : (c->side == 0 ? 1u : 2u);
  if (next > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_NO_AVAILABLE_STREAM_ID,
                       "stream ids exhausted");
  *out = next;
  return 0;
}

int h2_c_send_headers(h2_conn_t *c, uint32_t sid, const h2_hpack_field *h,
                      size_t n, uint32_t flags, const h2_priority_spec *pri) {
  h2_stream *s;
  const h2_hpack_field *nh;
  size_t nn;
  h2_header_info info;
  int kind, rv, end = (flags & 1u) != 0, fresh = 0;
  uint8_t prefix[5], fflags;
  uint32_t nid;

  rv = usable(c);
  if (rv) return rv;
  if (sid == 0 || sid > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid stream id");
  if (pri && (rv = check_priority(c, sid, pri))) return rv;
  s = h2_stream_find(c, sid);
  if (!s) {
    if (!h2_stream_is_local(c, sid) || c->side == 1) {
      if (!h2_stream_is_local(c, sid) && sid <= c->highest_in)
        return h2_conn_err(c, H2S_STREAM_CLOSED, "stream %u is closed",
                           (unsigned)sid);
      return h2_conn_err(c, H2S_PROTOCOL,
                         "this side cannot open stream %u with HEADERS",
                         (unsigned)sid);
    }
    if (sid <= c->highest_out) {
      if (h2_stream_closed_by(c, sid) != H2CB_NONE)
        return h2_conn_err(c, H2S_STREAM_CLOSED, "stream %u is closed",
                           (unsigned)sid);
      return h2_conn_err(c, H2S_STREAM_ID_TOO_LOW,
                         "stream id %u is lower than %u", (unsigned)sid,
                         (unsigned)c->highest_out);
    }
    if ((rv = may_open(c))) return rv;
    if (h2_c_next_stream_id(c, &nid)) return H2S_NO_AVAILABLE_STREAM_ID;
    if (c->open_out >= remote(c, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 0xffffffffu))
      return h2_conn_err(c, H2S_TOO_MANY_STREAMS,
                         "peer's SETTINGS_MAX_CONCURRENT_STREAMS reached");
    kind = H2_HB_REQUEST;
    fresh = 1;
  } else {
    switch (s->state) {
    case H2SS_OPEN:
    case H2SS_HALF_CLOSED_REMOTE:
    case H2SS_RESERVED_LOCAL:
      break;
    case H2SS_HALF_CLOSED_LOCAL: /* h2: ProtocolError */
      return h2_conn_err(c, H2S_PROTOCOL, "stream %u is closed for "
                         "sending", (unsigned)sid);
    default:
      return h2_conn_err(c, H2S_PROTOCOL, "cannot send HEADERS on stream %u in "
                         "state %d", (unsigned)sid, (int)s->state);
    }
    if (s->sent_msg == H2M_FINAL) kind = H2_HB_TRAILERS;
    else if (c->side == 1 && s->sent_msg != H2M_TRAILERS) kind = H2_HB_RESPONSE;
    else
      return h2_conn_err(c, H2S_PROTOCOL, "headers already sent on stream %u",
                         (unsigned)sid);
  }
  rv = prepare_block(c, h, n, kind, &nh, &nn, &info);
  if (rv) return rv;
  if (kind == H2_HB_TRAILERS && !end)
    return h2_conn_err(c, H2S_PROTOCOL, "trailers must set END_STREAM");
  if (kind == H2_HB_RESPONSE && info.informational && end)
    return h2_conn_err(c, H2S_PROTOCOL,
                       "informational response cannot end the stream");
  if (fresh) {
    s = h2_stream_new(c, sid);
    if (!s) return H2S_NOMEM;
    s->send_window = remote(c, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
    {
      uint32_t iw = 65535;
      h2_settings_get(&c->local, H2_SETTINGS_INITIAL_WINDOW_SIZE, &iw);
      h2_wm_init(&s->recv, iw);
    }
  }
  fflags = (uint8_t)(end ? H2_FLAG_END_STREAM : 0);
  if (pri) {
    fflags |= H2_FLAG_PRIORITY;
    pack_priority(prefix, pri);
  }
  rv = write_block(c, H2_FT_HEADERS, sid, fflags, prefix, pri ? 5u : 0u, nh,
                   nn);
  if (rv) {
    if (fresh) h2_stream_forget(c, s, H2CB_NONE);
    return rv;
  }
  if (c->state == H2C_IDLE) c->state = H2C_CLIENT_OPEN; /* h2 */
  if (fresh) {
    c->highest_out = sid;
    if (info.method == H2_METHOD_HEAD) s->head = 1;
    h2_stream_set_state(c, s, H2SS_OPEN);
  } else if (s->state == H2SS_RESERVED_LOCAL) {
    h2_stream_set_state(c, s, H2SS_HALF_CLOSED_REMOTE); /* §5.1 */
  }
  if (kind == H2_HB_TRAILERS) s->sent_msg = H2M_TRAILERS;
  else if (kind == H2_HB_RESPONSE && info.informational) s->sent_msg = H2M_INFO;
  else s->sent_msg = H2M_FINAL;
  if (end) sent_end_stream(c, s);
  return 0;
}

/* The checks of a DATA frame of size bytes on sid (h2's order). */
static H2_HOT_INLINE int data_allowed(h2_conn_t *c, uint32_t sid, size_t size, size_t pad,
                        h2_stream **out) {
  h2_stream *s;
  int64_t window;
  int rv = usable(c);
  *out = NULL;
  if (rv) return rv;
  if (pad > 255) return h2_conn_err(c, H2S_INVALID_ARGUMENT, "pad_length > 255");
  rv = lookup(c, sid, &s);
  if (rv) return rv;
  if (s->state == H2SS_HALF_CLOSED_LOCAL) /* h2: ProtocolError */
    return h2_conn_err(c, H2S_PROTOCOL, "stream %u is closed for sending",
                       (unsigned)sid);
  if ((s->state != H2SS_OPEN && s->state != H2SS_HALF_CLOSED_REMOTE) ||
      s->sent_msg != H2M_FINAL)
    return h2_conn_err(c, H2S_PROTOCOL, "cannot send DATA on stream %u now",
                       (unsigned)sid);
  window = s->send_window < c->send_window ? s->send_window : c->send_window;
  if ((int64_t)size > window) /* h2: FlowControlError, then the size */
    return h2_conn_err(c, H2S_FLOW_CONTROL,
                       "%zu bytes exceed the flow-control window %lld", size,
                       (long long)window);
  if (size > remote(c, H2_SETTINGS_MAX_FRAME_SIZE, 16384))
    return h2_conn_err(c, H2S_FRAME_TOO_LARGE,
                       "%zu bytes exceed the peer's max frame size", size);
  *out = s;
  return 0;
}

/* Whether a DATA frame carries the PADDED flag: padding asked for, or the
 * flag asked for with no padding (h2's pad_length=0). */
#define DATA_PADDED(flags, pad) ((pad) || ((flags) & H2_SEND_FLAG_PADDED))

/* The frame header and the Pad Length field at p; returns past them. */
static uint8_t *data_head(uint8_t *p, uint32_t sid, size_t size, uint32_t flags,
                          size_t pad) {
  h2_frame_hd hd;
  int padded = DATA_PADDED(flags, pad);
  hd.length = (uint32_t)size;
  hd.type = H2_FT_DATA;
  hd.flags = (uint8_t)(((flags & 1u) ? H2_FLAG_END_STREAM : 0) |
                       (padded ? H2_FLAG_PADDED : 0));
  hd.stream_id = sid;
  h2_frame_hd_pack(p, &hd);
  p += H2_FRAME_HEADER_LEN;
  if (padded) *p++ = (uint8_t)pad;
  return p;
}

/* The frame is queued: windows and stream state. */
static void data_sent(h2_conn_t *c, h2_stream *s, size_t size,
                      uint32_t flags) {
  s->send_window -= (int64_t)size;
  c->send_window -= (int64_t)size;
  if (flags & 1u) sent_end_stream(c, s);
}

int h2_c_send_data(h2_conn_t *c, uint32_t sid, const uint8_t *data,
                   size_t len, uint32_t flags, size_t pad) {
  h2_stream *s;
  size_t size = len + (DATA_PADDED(flags, pad) ? pad + 1 : 0);
  uint8_t *p;
  int rv = data_allowed(c, sid, size, pad, &s);
  if (rv) return rv;
  p = h2_out_reserve(c, H2_FRAME_HEADER_LEN + size);
  if (!p) return H2S_NOMEM;
  p = data_head(p, sid, size, flags, pad);
  if (len) memcpy(p, data, len); /* the one copy of the payload */
  p += len;
  if (pad) memset(p, 0, pad);
  c->out_len += H2_FRAME_HEADER_LEN + size;
  data_sent(c, s, size, flags);
  return 0;
}

int h2_c_send_data_ref(h2_conn_t *c, uint32_t sid, const uint8_t *data,
                       size_t len, uint32_t flags, size_t pad,
                       uint64_t *out_end) {
  h2_stream *s;
  size_t size = len + (DATA_PADDED(flags, pad) ? pad + 1 : 0), head;
  h2_out_ref *r;
  uint8_t *p;
  int rv;
  if (len < REF_MIN_LEN) {
    rv = h2_c_send_data(c, sid, data, len, flags, pad);
  } else {
    rv = data_allowed(c, sid, size, pad, &s);
    if (rv) return rv;
    head = H2_FRAME_HEADER_LEN + (DATA_PADDED(flags, pad) ? 1u : 0u);
    if (!h2_out_reserve(c, head + pad) || ref_reserve(c)) return H2S_NOMEM;
    p = data_head(c->out + c->out_len, sid, size, flags, pad);
    c->out_len += head;
    r = &c->refs[(c->ref_head + c->ref_count) & (c->ref_cap - 1)];
    r->at = c->own_consumed + (c->out_len - c->out_off);
    r->p = data;
    r->len = len;
    c->ref_count++;
    c->ref_bytes += len;
    if (pad) memset(p, 0, pad); /* the padding follows the payload */
    c->out_len += pad;
    data_sent(c, s, size, flags);
  }
  if (rv == 0 && out_end) *out_end = c->out_consumed + h2_out_pending(c);
  return rv;
}

int h2_c_end_stream(h2_conn_t *c, uint32_t sid) {
  return h2_c_send_data(c, sid, NULL, 0, 1u, 0);
}

int h2_c_reset_stream(h2_conn_t *c, uint32_t sid, uint32_t code) {
  h2_stream *s;
  int rv = usable(c);
  if (rv) return rv;
  rv = lookup(c, sid, &s);
  if (rv) return rv;
  rv = h2_out_rst(c, sid, code);
  if (rv) return rv;
  h2_stream_forget(c, s, H2CB_SEND_RST_STREAM);
  return 0;
}

int h2_c_push_stream(h2_conn_t *c, uint32_t sid, uint32_t promised,
                     const h2_hpack_field *h, size_t n) {
  h2_stream *parent, *s;
  const h2_hpack_field *nh;
  size_t nn;
  h2_header_info info;
  uint8_t prefix[4];
  int rv = usable(c);
  if (rv) return rv;
  if (c->side == 0)
    return h2_conn_err(c, H2S_PROTOCOL, "clients cannot push streams");
  if (remote(c, H2_SETTINGS_ENABLE_PUSH, 1) == 0)
    return h2_conn_err(c, H2S_PROTOCOL, "the peer has disabled push");
  rv = lookup(c, sid, &parent);
  if (rv) return rv;
  /* §6.6: on a peer-initiated stream that is open or half-closed (remote). */
  if (h2_stream_is_local(c, sid) ||
      (parent->state != H2SS_OPEN && parent->state != H2SS_HALF_CLOSED_REMOTE))
    return h2_conn_err(c, H2S_PROTOCOL, "cannot push on stream %u",
                       (unsigned)sid);
  if (promised == 0 || promised > H2_MAX_STREAM_ID || (promised & 1u))
    return h2_conn_err(c, H2S_PROTOCOL, "invalid promised stream id");
  if (promised <= c->highest_out)
    return h2_conn_err(c, H2S_STREAM_ID_TOO_LOW,
                       "promised stream id %u too low", (unsigned)promised);
  if ((rv = may_open(c))) return rv;
  rv = prepare_block(c, h, n, H2_HB_PUSH_REQUEST, &nh, &nn, &info);
  if (rv) return rv;
  s = h2_stream_new(c, promised);
  if (!s) return H2S_NOMEM;
  put32(prefix, promised);
  rv = write_block(c, H2_FT_PUSH_PROMISE, sid, 0, prefix, 4, nh, nn);
  if (rv) {
    h2_stream_forget(c, s, H2CB_NONE);
    return rv;
  }
  s->send_window = remote(c, H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535);
  {
    uint32_t iw = 65535;
    h2_settings_get(&c->local, H2_SETTINGS_INITIAL_WINDOW_SIZE, &iw);
    h2_wm_init(&s->recv, iw);
  }
  s->recv_msg = H2M_FINAL; /* the promised request is complete */
  c->highest_out = promised;
  h2_stream_set_state(c, s, H2SS_RESERVED_LOCAL);
  return 0;
}

int h2_c_prioritize(h2_conn_t *c, uint32_t sid, const h2_priority_spec *pri) {
  h2_frame f;
  int rv = usable(c);
  if (rv) return rv;
  if (c->side == 1)
    return h2_conn_err(c, H2S_RFC1122, "servers SHOULD NOT prioritize streams");
  if (sid == 0 || sid > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid stream id");
  rv = check_priority(c, sid, pri);
  if (rv) return rv;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_PRIORITY;
  f.hd.stream_id = sid;
  f.u.priority = *pri;
  return h2_out_frame(c, &f);
}

int h2_c_ping(h2_conn_t *c, const uint8_t opaque[8]) {
  h2_frame f;
  int rv = usable(c);
  if (rv) return rv;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_PING;
  if (opaque) memcpy(f.u.ping.opaque, opaque, 8);
  return h2_out_frame(c, &f);
}

int h2_c_ack_data(h2_conn_t *c, uint32_t sid, size_t size) {
  h2_stream *s = NULL;
  int64_t inc;
  int rv = usable(c);
  if (rv) return rv;
  if (size > H2_MAX_WINDOW)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "size too large");
  if (sid) {
    /* A stream closed meanwhile (the usual case after END_STREAM) gets
     * connection credit only, as in h2; found without lookup()'s error
     * text, which costs more than the rest of this call. */
    s = sid <= H2_MAX_STREAM_ID ? h2_stream_find(c, sid) : NULL;
    if (!s && (sid > H2_MAX_STREAM_ID ||
               (h2_stream_is_local(c, sid) ? sid > c->highest_out
                                           : sid > c->highest_in)))
      return lookup(c, sid, &s); /* the error for an idle or invalid id */
  }
  if (!h2_out_reserve(c, 2 * (H2_FRAME_HEADER_LEN + 4))) return H2S_NOMEM;
  inc = h2_wm_process(&c->recv, (int64_t)size);
  if (inc > 0) h2_out_window_update(c, 0, (uint32_t)inc);
  if (s && s->state != H2SS_CLOSED) {
    inc = h2_wm_process(&s->recv, (int64_t)size);
    if (inc > 0) h2_out_window_update(c, sid, (uint32_t)inc);
  }
  return 0;
}

int h2_c_increment_window(h2_conn_t *c, uint32_t sid, uint32_t inc) {
  h2_wm *w = &c->recv;
  int rv = usable(c);
  if (rv) return rv;
  if (inc < 1 || inc > H2_MAX_WINDOW)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "increment out of range");
  if (sid) {
    h2_stream *s;
    rv = lookup(c, sid, &s);
    if (rv) return rv;
    if (s->state == H2SS_RESERVED_LOCAL) /* §5.1: nothing to receive */
      return h2_conn_err(c, H2S_PROTOCOL, "stream %u is reserved (local)",
                         (unsigned)sid);
    w = &s->recv;
  }
  if (w->current + inc > (int64_t)H2_MAX_WINDOW)
    return h2_conn_err(c, H2S_FLOW_CONTROL, "window would exceed 2^31-1");
  rv = h2_out_window_update(c, sid, inc);
  if (rv) return rv;
  w->current += inc; /* h2's window_opened */
  if (w->current > w->max) w->max = w->current;
  return 0;
}

int h2_c_altsvc(h2_conn_t *c, uint32_t sid, const uint8_t *origin,
                size_t origin_len, const uint8_t *value, size_t value_len) {
  h2_frame f;
  int rv = usable(c);
  if (rv) return rv;
  if (c->side == 0)
    return h2_conn_err(c, H2S_PROTOCOL, "clients cannot send ALTSVC");
  /* RFC 7838 §4: origin on stream 0, none on a stream. */
  if ((sid == 0) != (origin_len != 0) || origin_len > 0xffff)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT,
                       "give either an origin or a stream id");
  if (sid) {
    h2_stream *s;
    rv = lookup(c, sid, &s);
    if (rv) return rv;
  }
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_ALTSVC;
  f.hd.stream_id = sid;
  f.u.altsvc.origin = origin;
  f.u.altsvc.origin_len = origin_len;
  f.u.altsvc.value = value;
  f.u.altsvc.value_len = value_len;
  return h2_out_frame(c, &f);
}

int h2_c_close(h2_conn_t *c, uint32_t code, uint32_t last,
               const uint8_t *dbg, size_t dbg_len) {
  int rv = usable(c);
  if (rv) return rv;
  if (last == 0xffffffffu) last = c->highest_in;
  if (last > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid last stream id");
  /* §6.8: a later GOAWAY never raises the last stream id. */
  if (c->goaway_sent && last > c->goaway_sent_last) last = c->goaway_sent_last;
  rv = h2_out_goaway(c, last, code, dbg, dbg_len);
  if (rv) return rv;
  c->state = H2C_CLOSED;
  c->goaway_sent = 1;
  c->goaway_sent_last = last;
  /* With NO_ERROR streams up to last may finish (graceful shutdown); an
   * error code ends the connection at once, as in h2. */
  if (code != H2_CODE_NO_ERROR) c->dead = 1;
  return 0;
}

int h2_c_priority_update(h2_conn_t *c, uint32_t sid, const uint8_t *v,
                         size_t len) {
  h2_frame f;
  int rv = usable(c);
  if (rv) return rv;
  if (c->side == 1)
    return h2_conn_err(c, H2S_PROTOCOL, "servers cannot send PRIORITY_UPDATE");
  if (sid == 0 || sid > H2_MAX_STREAM_ID)
    return h2_conn_err(c, H2S_INVALID_ARGUMENT, "invalid stream id");
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_PRIORITY_UPDATE;
  f.u.priority_update.prioritized_id = sid;
  f.u.priority_update.field = v;
  f.u.priority_update.field_len = len;
  return h2_out_frame(c, &f);
}

int h2_c_origin(h2_conn_t *c, const h2_cbytes *o, size_t n) {
  size_t i, total = 0;
  uint8_t *p;
  h2_frame_hd hd;
  int rv = usable(c);
  if (rv) return rv;
  if (c->side == 0)
    return h2_conn_err(c, H2S_PROTOCOL, "clients cannot send ORIGIN");
  for (i = 0; i < n; i++) {
    if (o[i].len > 0xffff)
      return h2_conn_err(c, H2S_INVALID_ARGUMENT, "origin too long");
    total += 2 + o[i].len;
  }
  if (total > remote(c, H2_SETTINGS_MAX_FRAME_SIZE, 16384))
    return h2_conn_err(c, H2S_FRAME_TOO_LARGE, "ORIGIN frame too large");
  p = h2_out_reserve(c, H2_FRAME_HEADER_LEN + total);
  if (!p) return H2S_NOMEM;
  hd.length = (uint32_t)total;
  hd.type = H2_FT_ORIGIN;
  hd.flags = 0;
  hd.stream_id = 0;
  h2_frame_hd_pack(p, &hd);
  p += H2_FRAME_HEADER_LEN;
  for (i = 0; i < n; i++) { /* RFC 8336 §2 */
    *p++ = (uint8_t)(o[i].len >> 8);
    *p++ = (uint8_t)o[i].len;
    if (o[i].len) memcpy(p, o[i].data, o[i].len);
    p += o[i].len;
  }
  c->out_len += H2_FRAME_HEADER_LEN + total;
  return 0;
}

/* ---- queries --------------------------------------------------------------- */

static int find_for_query(const h2_conn_t *c, uint32_t sid, h2_stream **s) {
  *s = h2_stream_find(c, sid);
  if (*s) return 0;
  if (h2_stream_is_local(c, sid) ? sid > c->highest_out : sid > c->highest_in)
    return H2S_NO_SUCH_STREAM;
  return H2S_STREAM_CLOSED;
}

int h2_c_local_window(const h2_conn_t *c, uint32_t sid, int64_t *out) {
  h2_stream *s;
  int rv;
  if (sid == 0) {
    *out = c->send_window;
    return 0;
  }
  rv = find_for_query(c, sid, &s);
  if (rv) return rv;
  *out = s->send_window < c->send_window ? s->send_window : c->send_window;
  return 0;
}

int h2_c_remote_window(const h2_conn_t *c, uint32_t sid, int64_t *out) {
  h2_stream *s;
  int rv;
  if (sid == 0) {
    *out = c->recv.current;
    return 0;
  }
  rv = find_for_query(c, sid, &s);
  if (rv) return rv;
  *out = s->recv.current < c->recv.current ? s->recv.current : c->recv.current;
  return 0;
}

int h2_c_stream_windows(const h2_conn_t *c, uint32_t sid, int64_t *send,
                        int64_t *recv) {
  h2_stream *s;
  int rv = find_for_query(c, sid, &s);
  if (rv) return rv;
  *send = s->send_window;
  *recv = s->recv.current;
  return 0;
}

int h2_c_stream_state(const h2_conn_t *c, uint32_t sid, int *out) {
  h2_stream *s;
  int rv = find_for_query(c, sid, &s);
  if (rv == H2S_STREAM_CLOSED) {
    *out = H2SS_CLOSED;
    return 0;
  }
  if (rv == H2S_NO_SUCH_STREAM) {
    *out = H2SS_IDLE;
    return 0;
  }
  *out = s->state;
  return 0;
}
