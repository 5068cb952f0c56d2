/* Stream table of a connection: a chained hash map keyed by stream id over
 * pooled stream structs, and a bounded memory of closed streams (h2 keeps
 * how each stream closed to answer late frames). RFC 9113 §5.1. */
#include <string.h>

#include "h2_conn.h"
#include "h2_err.h"

/* Pooled structs kept for reuse; beyond this they are freed. */
#define STREAM_POOL_MAX 64u

static uint32_t hash_id(uint32_t id) { return id * 0x9e3779b1u; }

h2_stream *h2_stream_find(const h2_conn_t *c, uint32_t id) {
  h2_stream *s;
  if (!c->nbuckets) return NULL;
  s = c->buckets[(hash_id(id) >> 8) & (c->nbuckets - 1)];
  while (s && s->id != id) s = s->hnext;
  return s;
}

static int grow(h2_conn_t *c) {
  uint32_t n = c->nbuckets ? c->nbuckets * 2 : 16, i;
  h2_stream **nb = h2_mem_calloc(&c->mem, n, sizeof(*nb));
  if (!nb) return H2S_NOMEM;
  for (i = 0; i < c->nbuckets; i++) {
    h2_stream *s = c->buckets[i], *nx;
    while (s) {
      uint32_t b = (hash_id(s->id) >> 8) & (n - 1);
      nx = s->hnext;
      s->hnext = nb[b];
      nb[b] = s;
      s = nx;
    }
  }
  h2_mem_free(&c->mem, c->buckets);
  c->buckets = nb;
  c->nbuckets = n;
  return 0;
}

h2_stream *h2_stream_new(h2_conn_t *c, uint32_t id) {
  h2_stream *s;
  uint32_t b;
  if (c->nstreams >= c->nbuckets && grow(c)) return NULL;
  if (c->free_streams) {
    s = c->free_streams;
    c->free_streams = s->hnext;
    c->nfree--;
  } else {
    s = h2_mem_malloc(&c->mem, sizeof(*s));
    if (!s) return NULL;
  }
  memset(s, 0, sizeof(*s));
  s->id = id;
  s->state = H2SS_IDLE;
  s->content_length = -1;
  b = (hash_id(id) >> 8) & (c->nbuckets - 1);
  s->hnext = c->buckets[b];
  c->buckets[b] = s;
  c->nstreams++;
  return s;
}

int h2_stream_is_local(const h2_conn_t *c, uint32_t id) {
  /* §5.1.1: clients open odd streams, servers even. */
  return c->side == 0 ? (id & 1u) != 0 : (id & 1u) == 0;
}

void h2_stream_set_state(h2_conn_t *c, h2_stream *s, uint8_t state) {
  int open_now = state == H2SS_OPEN || state == H2SS_HALF_CLOSED_LOCAL ||
                 state == H2SS_HALF_CLOSED_REMOTE;
  if (s->state == H2SS_RESERVED_REMOTE && c->reserved_remote)
    c->reserved_remote--;
  if (state == H2SS_RESERVED_REMOTE) c->reserved_remote++;
  /* §5.1.2: open and half-closed streams count, reserved ones do not. */
  if (open_now && !s->counted) {
    s->counted = 1;
    if (h2_stream_is_local(c, s->id)) c->open_out++;
    else c->open_in++;
  } else if (!open_now && s->counted) {
    s->counted = 0;
    if (h2_stream_is_local(c, s->id)) c->open_out--;
    else c->open_in--;
  }
  s->state = state;
}

static void remember(h2_conn_t *c, uint32_t id, uint32_t closed_by) {
  size_t cap = (size_t)c->opt[H2O_MAX_CLOSED_STREAMS];
  if (cap == 0) return;
  if (c->closed_cap < cap && c->closed_len == c->closed_cap) {
    /* Grow the ring (it is full, so it starts at closed_head). */
    size_t ncap = c->closed_cap ? c->closed_cap * 2 : 16, i;
    h2_closed_rec *n;
    if (ncap > cap) ncap = cap;
    n = h2_mem_malloc(&c->mem, ncap * sizeof(*n));
    if (n) {
      for (i = 0; i < c->closed_len; i++)
        n[i] = c->closed[(c->closed_head + i) % c->closed_cap];
      h2_mem_free(&c->mem, c->closed);
      c->closed = n;
      c->closed_cap = ncap;
      c->closed_head = 0;
    }
  }
  if (c->closed_cap == 0) return;
  if (c->closed_len == c->closed_cap) { /* forget the oldest */
    c->closed_head = (c->closed_head + 1) % c->closed_cap;
    c->closed_len--;
  }
  c->closed[(c->closed_head + c->closed_len) % c->closed_cap].id = id;
  c->closed[(c->closed_head + c->closed_len) % c->closed_cap].closed_by =
      closed_by;
  c->closed_len++;
}

uint32_t h2_stream_closed_by(const h2_conn_t *c, uint32_t id) {
  size_t i;
  for (i = c->closed_len; i > 0; i--) {
    const h2_closed_rec *r = &c->closed[(c->closed_head + i - 1) % c->closed_cap];
    if (r->id == id) return r->closed_by;
  }
  return H2CB_NONE;
}

void h2_stream_forget(h2_conn_t *c, h2_stream *s, uint32_t closed_by) {
  h2_stream **pp;
  h2_stream_set_state(c, s, H2SS_CLOSED);
  remember(c, s->id, closed_by);
  pp = &c->buckets[(hash_id(s->id) >> 8) & (c->nbuckets - 1)];
  while (*pp && *pp != s) pp = &(*pp)->hnext;
  if (*pp) *pp = s->hnext;
  c->nstreams--;
  if (c->nfree < STREAM_POOL_MAX) {
    s->hnext = c->free_streams;
    c->free_streams = s;
    c->nfree++;
  } else {
    h2_mem_free(&c->mem, s);
  }
}

int h2_streams_each(h2_conn_t *c, int (*fn)(h2_conn_t *, h2_stream *, void *),
                    void *arg) {
  uint32_t i;
  int rv;
  for (i = 0; i < c->nbuckets; i++) {
    h2_stream *s = c->buckets[i], *nx;
    while (s) {
      nx = s->hnext;
      rv = fn(c, s, arg);
      if (rv) return rv;
      s = nx;
    }
  }
  return 0;
}

void h2_streams_free(h2_conn_t *c) {
  uint32_t i;
  h2_stream *s, *nx;
  for (i = 0; i < c->nbuckets; i++) {
    for (s = c->buckets[i]; s; s = nx) {
      nx = s->hnext;
      h2_mem_free(&c->mem, s);
    }
  }
  for (s = c->free_streams; s; s = nx) {
    nx = s->hnext;
    h2_mem_free(&c->mem, s);
  }
  h2_mem_free(&c->mem, c->buckets);
  h2_mem_free(&c->mem, c->closed);
  c->buckets = NULL;
  c->free_streams = NULL;
  c->closed = NULL;
  c->nbuckets = 0;
  c->nstreams = c->nfree = 0;
  c->closed_cap = c->closed_len = c->closed_head = 0;
}
