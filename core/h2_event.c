/* Event queue of a connection, the arena its bytes live in, and the token
 * buckets of the rate limits. */
#include <string.h>

#include "h2_conn.h"
#include "h2_err.h"

void h2_evq_free(h2_evq *q, const h2_mem *mem) {
  h2_arena_chunk *ch = q->chunks, *nx;
  while (ch) {
    nx = ch->next;
    h2_mem_free(mem, ch);
    ch = nx;
  }
  h2_mem_free(mem, q->ev);
  memset(q, 0, sizeof(*q));
}

h2_ev *h2_evq_push(h2_evq *q, const h2_mem *mem) {
  h2_ev *e;
  if (q->head == q->len) q->head = q->len = 0;
  if (q->len == q->cap) {
    /* First H2_EVQ_MIN slots; beyond, straight to the last call's count. */
    size_t ncap = q->cap ? q->cap * 2 : H2_EVQ_MIN;
    if (q->cap && ncap < q->ev_hint) ncap = q->ev_hint;
    if (ncap > ((size_t)-1) / sizeof(*q->ev)) return NULL;
    h2_ev *n = h2_mem_realloc(mem, q->ev, ncap * sizeof(*n));
    if (!n) return NULL;
    q->ev = n;
    q->cap = ncap;
  }
  e = &q->ev[q->len++];
  memset(e, 0, sizeof(*e));
  return e;
}

void h2_evq_pop_last(h2_evq *q) {
  if (q->len > q->head) q->len--;
}

int h2_evq_next(h2_evq *q, const h2_ev **out) {
  if (q->head >= q->len) {
    *out = NULL;
    return 0;
  }
  *out = &q->ev[q->head++];
  return 1;
}

void *h2_evq_alloc(h2_evq *q, const h2_mem *mem, size_t n) {
  h2_arena_chunk *ch = q->chunks;
  size_t need = (n + 7u) & ~(size_t)7u;
  uint8_t *p;
  if (!ch || ch->cap - ch->len < need) {
    /* First H2_ARENA_MIN; beyond, at least what the last call used. */
    size_t cap = ch ? ch->cap * 2 : H2_ARENA_MIN;
    if (ch && cap < q->arena_hint) cap = q->arena_hint;
    if (cap < need) cap = need;
    if (cap > ((size_t)-1) - sizeof(h2_arena_chunk)) return NULL;
    ch = h2_mem_malloc(mem, sizeof(h2_arena_chunk) + cap);
    if (!ch) return NULL;
    ch->cap = cap;
    ch->len = 0;
    ch->next = q->chunks;
    q->chunks = ch;
  }
  p = (uint8_t *)(ch + 1) + ch->len;
  ch->len += need;
  return p;
}

static int pin(h2_evq *q, const h2_mem *mem, const uint8_t **p, size_t len) {
  uint8_t *n;
  if (!*p || !len) return 0;
  n = h2_evq_alloc(q, mem, len);
  if (!n) return H2S_NOMEM;
  memcpy(n, *p, len);
  *p = n;
  return 0;
}

int h2_evq_pin_from(h2_evq *q, const h2_mem *mem, size_t from) {
  size_t i;
  for (i = from < q->head ? q->head : from; i < q->len; i++) {
    h2_ev *e = &q->ev[i];
    if (!e->borrowed) continue;
    if (pin(q, mem, &e->data, e->data_len) ||
        (e->type == H2E_ALTERNATIVE_SERVICE_AVAILABLE &&
         pin(q, mem, &e->origin, e->origin_len)))
      return H2S_NOMEM;
    e->borrowed = 0;
  }
  return 0;
}

int h2_evq_borrows(const h2_evq *q, size_t from) {
  size_t i;
  for (i = from; i < q->len; i++)
    if (q->ev[i].borrowed) return 1;
  return 0;
}

static uint32_t clamp32(size_t v) {
  return (uint64_t)v > 0xffffffffu ? 0xffffffffu : (uint32_t)v;
}

int h2_evq_begin(h2_evq *q, const h2_mem *mem) {
  h2_arena_chunk *ch, *keep = NULL;
  size_t used = 0;
  if (q->head < q->len) return h2_evq_pin_from(q, mem, q->head);
  /* Queue drained: reset it and the arena, keeping at most one small chunk
   * and H2_EVQ_MIN slots; what a burst grew beyond that is freed (once,
   * after the burst: a steady flow of small calls frees nothing). */
  q->ev_hint = clamp32(q->len);
  q->head = q->len = 0;
  if (q->cap > H2_EVQ_MIN) { /* a shrink in place; on failure, next time */
    h2_ev *n = h2_mem_realloc(mem, q->ev, H2_EVQ_MIN * sizeof(*n));
    if (n) {
      q->ev = n;
      q->cap = H2_EVQ_MIN;
    }
  }
  ch = q->chunks;
  if (ch && !ch->next && ch->cap <= H2_ARENA_MIN) {
    q->arena_hint = clamp32(ch->len);
    ch->len = 0;
    return 0;
  }
  while (ch) {
    h2_arena_chunk *nx = ch->next;
    used += ch->len;
    if (!keep && ch->cap <= H2_ARENA_MIN) {
      keep = ch;
    } else {
      h2_mem_free(mem, ch);
    }
    ch = nx;
  }
  q->arena_hint = clamp32(used);
  if (keep) {
    keep->next = NULL;
    keep->len = 0;
  }
  q->chunks = keep;
  return 0;
}

/* Token buckets: tokens are kept in thousandths so that a rate per second
 * refills exactly rate milli-tokens per millisecond. */
void h2_bucket_init(h2_bucket *b, uint64_t burst, uint64_t rate) {
  memset(b, 0, sizeof(*b));
  b->burst = burst > 0xffffffffu ? 0xffffffffu : (uint32_t)burst;
  b->rate = rate > 0xffffffffu ? 0xffffffffu : (uint32_t)rate;
  b->tokens = (uint64_t)b->burst * 1000u;
}

int h2_bucket_take(h2_bucket *b, uint64_t now_ms) {
  uint64_t cap = (uint64_t)b->burst * 1000u;
  if (b->burst == 0) return 1; /* disabled */
  if (!b->started) {
    b->started = 1;
    b->last_ms = now_ms;
  } else if (now_ms > b->last_ms) {
    uint64_t dt = now_ms - b->last_ms;
    uint64_t add = (b->rate && dt > cap / b->rate) ? cap : dt * b->rate;
    b->tokens = b->tokens + add > cap ? cap : b->tokens + add;
    b->last_ms = now_ms;
  }
  if (b->tokens < 1000u) return 0;
  b->tokens -= 1000u;
  return 1;
}
