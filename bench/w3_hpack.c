/*
 * W3 "hpack": header compression throughput, libh2 against nghttp2.
 *
 * Encodes, then decodes, every header list of the hpack-test-case corpus
 * (raw-data/story_00..31.json), one encoder/decoder pair per story, in story
 * order. Figures: header bytes (name + value lengths) per second, encode and
 * decode separately. See /work/shared/workloads.md (W3) and bench/README.md.
 *
 * Everything is loaded into memory first and the fields are converted once
 * into each library's own form (h2_header, nghttp2_nv); only the codec calls
 * are timed. Each library decodes the blocks its own encoder produced.
 * Correctness is checked once, outside the timing: every list decoded by
 * both decoders from both encoders' output must equal the input.
 *
 * Modes:
 *   w3_hpack [--runs N] [--min-time S]          timed benchmark (default)
 *   w3_hpack --lib L --phase P --iterations N   fixed work, no timing, for
 *            valgrind --tool=callgrind --toggle-collect='w3_encode_*' (or
 *            'w3_decode_*'); L is libh2, libh2-h2compat or nghttp2.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <h2/h2.h>
#include <nghttp2/nghttp2.h>

#ifndef H2_BENCH_SHARED_DIR
#define H2_BENCH_SHARED_DIR "../shared"
#endif

/* What the corpus is known to hold (hpack-test-case/SOURCE.txt). */
#define W3_STORIES 32
#define W3_EXPECT_LISTS 3384u
#define W3_EXPECT_HEADERS 39359u
#define W3_EXPECT_BYTES 1162372u

/* ---- utilities ----------------------------------------------------------- */

static void die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  va_start(ap, fmt);
  fputs("w3_hpack: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

/* Grow *p (an array of elsz-byte elements, *cap of them) to hold need. */
static void grow(void **p, size_t *cap, size_t need, size_t elsz) {
  if (need <= *cap) return;
  size_t n = *cap ? *cap : 64;
  while (n < need)
    n *= 2;
  void *q = realloc(*p, n * elsz);
  if (!q) die("out of memory");
  *p = q;
  *cap = n;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) die("cannot open %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = xmalloc(cap + 1);
  for (;;) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n < cap) break;
    cap *= 2;
    char *q = realloc(buf, cap + 1);
    if (!q) die("out of memory");
    buf = q;
  }
  if (ferror(f)) die("cannot read %s", path);
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the corpus ---------------------------------------------------------- */

typedef struct span {
  size_t first, count;
} span;

typedef struct corpus {
  char *files[W3_STORIES]; /* the JSON texts; strings are unescaped in place */
  h2_header *hdrs;         /* every field, in order */
  size_t nhdrs, hdrs_cap;
  nghttp2_nv *nvs; /* the same fields for nghttp2 */
  span *lists;     /* header list i = hdrs[first .. first+count) */
  size_t nlists, lists_cap;
  span stories[W3_STORIES]; /* story s = lists[first .. first+count) */
  size_t nstories;
  uint64_t bytes; /* sum of name + value lengths */
} corpus;

/* A tiny reader for the fixed shape of raw-data/story_NN.json:
 * {"cases":[{"headers":[{"name":"value"},...], ...},...], ...}.
 * Other members are skipped whatever they hold. */
typedef struct jreader {
  char *p, *end, *start;
  const char *path;
} jreader;

static void jfail(const jreader *j, const char *what) __attribute__((noreturn));
static void jfail(const jreader *j, const char *what) {
  die("%s: JSON: %s near byte %zu", j->path, what, (size_t)(j->p - j->start));
}

static int jpeek(jreader *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
  return j->p < j->end ? (unsigned char)*j->p : -1;
}

static void jexpect(jreader *j, char c) {
  if (jpeek(j) != (unsigned char)c) {
    char msg[32];
    snprintf(msg, sizeof msg, "expected '%c'", c);
    jfail(j, msg);
  }
  j->p++;
}

/* After an element of an array or object: true if another follows. */
static bool jnext(jreader *j, char close) {
  int c = jpeek(j);
  if (c == ',') {
    j->p++;
    return true;
  }
  if (c == (unsigned char)close) {
    j->p++;
    return false;
  }
  jfail(j, "expected ',' or a closing bracket");
}

static unsigned jhex4(jreader *j, const char *s) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      jfail(j, "bad \\u escape");
  }
  return v;
}

/* A JSON string, unescaped in place (never longer than its source).
 * *out points into the file buffer. */
static void jstring(jreader *j, const uint8_t **out, size_t *len) {
  jexpect(j, '"');
  char *dst = j->p, *start = j->p;
  while (j->p < j->end && *j->p != '"') {
    char c = *j->p++;
    if (c != '\\') {
      *dst++ = c;
      continue;
    }
    if (j->p >= j->end) jfail(j, "unterminated string");
    c = *j->p++;
    switch (c) {
    case '"':
    case '\\':
    case '/': *dst++ = c; break;
    case 'b': *dst++ = '\b'; break;
    case 'f': *dst++ = '\f'; break;
    case 'n': *dst++ = '\n'; break;
    case 'r': *dst++ = '\r'; break;
    case 't': *dst++ = '\t'; break;
    case 'u': {
      if (j->end - j->p < 4) jfail(j, "bad \\u escape");
      unsigned cp = jhex4(j, j->p);
      j->p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 &&
          j->p[0] == '\\' && j->p[1] == 'u') {
        unsigned lo = jhex4(j, j->p + 2);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          j->p += 6;
        }
      }
      if (cp < 0x80) {
        *dst++ = (char)cp;
      } else if (cp < 0x800) {
        *dst++ = (char)(0xC0 | (cp >> 6));
        *dst++ = (char)(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        *dst++ = (char)(0xE0 | (cp >> 12));
        *dst++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *dst++ = (char)(0x80 | (cp & 0x3F));
      } else {
        *dst++ = (char)(0xF0 | (cp >> 18));
        *dst++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *dst++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *dst++ = (char)(0x80 | (cp & 0x3F));
      }
      break;
    }
    default: jfail(j, "bad escape");
    }
  }
  if (j->p >= j->end) jfail(j, "unterminated string");
  j->p++; /* closing quote */
  *out = (const uint8_t *)start;
  *len = (size_t)(dst - start);
}

static bool jkey_is(const uint8_t *k, size_t n, const char *want) {
  return n == strlen(want) && memcmp(k, want, n) == 0;
}

static void jskip(jreader *j) {
  int c = jpeek(j);
  const uint8_t *s;
  size_t n;
  if (c == '"') {
    jstring(j, &s, &n);
  } else if (c == '{') {
    j->p++;
    if (jpeek(j) == '}') {
      j->p++;
      return;
    }
    do {
      jstring(j, &s, &n);
      jexpect(j, ':');
      jskip(j);
    } while (jnext(j, '}'));
  } else if (c == '[') {
    j->p++;
    if (jpeek(j) == ']') {
      j->p++;
      return;
    }
    do
      jskip(j);
    while (jnext(j, ']'));
  } else if (c != -1 && strchr("-0123456789.eE+tfalsenu", c)) {
    while (j->p < j->end && strchr("-0123456789.eE+tfalsenu", *j->p))
      j->p++;
  } else {
    jfail(j, "unexpected character");
  }
}

static void add_header(corpus *c, const uint8_t *name, size_t nlen,
                       const uint8_t *value, size_t vlen) {
  grow((void **)&c->hdrs, &c->hdrs_cap, c->nhdrs + 1, sizeof *c->hdrs);
  h2_header *h = &c->hdrs[c->nhdrs++];
  h->name = name;
  h->name_len = nlen;
  h->value = value;
  h->value_len = vlen;
  h->flags = 0;
  c->bytes += nlen + vlen;
}

/* "headers": [{"name":"value"}, ...] (several members in one object are
 * taken in order too). */
static void parse_headers(jreader *j, corpus *c) {
  jexpect(j, '[');
  if (jpeek(j) == ']') {
    j->p++;
    return;
  }
  do {
    jexpect(j, '{');
    if (jpeek(j) == '}') {
      j->p++;
      continue;
    }
    do {
      const uint8_t *name, *value;
      size_t nlen, vlen;
      jstring(j, &name, &nlen);
      jexpect(j, ':');
      if (jpeek(j) != '"') jfail(j, "header value is not a string");
      jstring(j, &value, &vlen);
      add_header(c, name, nlen, value, vlen);
    } while (jnext(j, '}'));
  } while (jnext(j, ']'));
}

static void parse_case(jreader *j, corpus *c) {
  grow((void **)&c->lists, &c->lists_cap, c->nlists + 1, sizeof *c->lists);
  span *l = &c->lists[c->nlists++];
  l->first = c->nhdrs;
  jexpect(j, '{');
  if (jpeek(j) != '}') {
    do {
      const uint8_t *k;
      size_t n;
      jstring(j, &k, &n);
      jexpect(j, ':');
      if (jkey_is(k, n, "headers"))
        parse_headers(j, c);
      else
        jskip(j);
    } while (jnext(j, '}'));
  } else {
    j->p++;
  }
  /* c->lists may not move here: nothing below grows it. */
  l->count = c->nhdrs - l->first;
}

static void parse_story(jreader *j, corpus *c) {
  jexpect(j, '{');
  if (jpeek(j) == '}') return;
  do {
    const uint8_t *k;
    size_t n;
    jstring(j, &k, &n);
    jexpect(j, ':');
    if (jkey_is(k, n, "cases")) {
      jexpect(j, '[');
      if (jpeek(j) == ']') {
        j->p++;
        continue;
      }
      do
        parse_case(j, c);
      while (jnext(j, ']'));
    } else {
      jskip(j);
    }
  } while (jnext(j, '}'));
}

/* Compare with combined.tsv (same lists, same order), if it is there: a
 * check of the reader above. */
static void check_against_tsv(const corpus *c, const char *dir) {
  char path[4096 + 64];
  snprintf(path, sizeof path, "%s/combined.tsv", dir);
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("corpus: %s not found, cross-check skipped\n", path);
    return;
  }
  fclose(f);
  size_t len;
  char *tsv = read_file(path, &len);
  char *p = tsv, *end = tsv + len;
  size_t li = 0, hi = 0;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *eol = nl ? nl : end;
    if (eol == p) { /* empty line: end of a list */
      if (li >= c->nlists || c->lists[li].first + c->lists[li].count != hi)
        die("combined.tsv disagrees with raw-data at header list %zu", li);
      li++;
    } else {
      char *tab = memchr(p, '\t', (size_t)(eol - p));
      if (!tab) die("combined.tsv: line without a tab");
      size_t nlen = (size_t)(tab - p), vlen = (size_t)(eol - tab - 1);
      const h2_header *h = hi < c->nhdrs ? &c->hdrs[hi] : NULL;
      if (!h || h->name_len != nlen || h->value_len != vlen ||
          memcmp(h->name, p, nlen) != 0 || memcmp(h->value, tab + 1, vlen) != 0)
        die("combined.tsv disagrees with raw-data at header %zu (list %zu)", hi,
            li);
      hi++;
    }
    p = eol + 1;
  }
  if (li != c->nlists || hi != c->nhdrs)
    die("combined.tsv has %zu lists / %zu headers, raw-data %zu / %zu", li, hi,
        c->nlists, c->nhdrs);
  free(tsv);
  printf("corpus: identical to combined.tsv\n");
}

static void load_corpus(corpus *c, const char *dir) {
  memset(c, 0, sizeof *c);
  for (int s = 0; s < W3_STORIES; s++) {
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s/raw-data/story_%02d.json", dir, s);
    size_t len;
    c->files[s] = read_file(path, &len);
    jreader j = {c->files[s], c->files[s] + len, c->files[s], path};
    c->stories[s].first = c->nlists;
    parse_story(&j, c);
    if (jpeek(&j) != -1) jfail(&j, "trailing data");
    c->stories[s].count = c->nlists - c->stories[s].first;
  }
  c->nstories = W3_STORIES;
  c->nvs = xmalloc(c->nhdrs * sizeof *c->nvs);
  for (size_t i = 0; i < c->nhdrs; i++) {
    const h2_header *h = &c->hdrs[i];
    c->nvs[i] = (nghttp2_nv){(uint8_t *)(uintptr_t)h->name,
                             (uint8_t *)(uintptr_t)h->value, h->name_len,
                             h->value_len, NGHTTP2_NV_FLAG_NONE};
  }
}

/* ---- encoded blocks --------------------------------------------------------
 */

/* The encoded header blocks of the whole corpus, packed one after another;
 * block i is buf[off[i] .. off[i]+len[i]). */
typedef struct blocks {
  uint8_t *buf;
  size_t cap;
  size_t *off, *len;
  size_t total;
} blocks;

static void blocks_init(blocks *b, const corpus *c, size_t cap) {
  b->buf = xmalloc(cap);
  b->cap = cap;
  b->off = xmalloc(c->nlists * sizeof *b->off);
  b->len = xmalloc(c->nlists * sizeof *b->len);
  b->total = 0;
}

static void blocks_free(blocks *b) {
  free(b->buf);
  free(b->off);
  free(b->len);
}

/* Output space for libh2: the sum of its per-list bounds. */
static size_t libh2_capacity(const corpus *c) {
  size_t cap = 0;
  for (size_t i = 0; i < c->nlists; i++)
    cap +=
        h2_hpack_encoder_bound(c->hdrs + c->lists[i].first, c->lists[i].count);
  return cap;
}

static size_t nghttp2_capacity(const corpus *c) {
  nghttp2_hd_deflater *d;
  if (nghttp2_hd_deflate_new(&d, 4096) != 0)
    die("nghttp2_hd_deflate_new failed");
  size_t cap = 0;
  for (size_t i = 0; i < c->nlists; i++)
    cap += nghttp2_hd_deflate_bound(d, c->nvs + c->lists[i].first,
                                    c->lists[i].count);
  nghttp2_hd_deflate_del(d);
  return cap;
}

#if NGHTTP2_VERSION_NUM >= 0x013d00 /* 1.61: the nghttp2_ssize API */
#define W3_DEFLATE nghttp2_hd_deflate_hd2
#define W3_INFLATE nghttp2_hd_inflate_hd3
typedef nghttp2_ssize w3_ssize;
#else
#define W3_DEFLATE nghttp2_hd_deflate_hd
#define W3_INFLATE nghttp2_hd_inflate_hd2
typedef ssize_t w3_ssize;
#endif

/* ---- the measured work ------------------------------------------------------
 * One call = one pass over the whole corpus. Kept out of line and named
 * w3_encode_* / w3_decode_* so callgrind can count just them
 * (--toggle-collect='w3_encode_*'). */

__attribute__((noinline)) void w3_encode_libh2(const corpus *c, int policy,
                                               blocks *b);
__attribute__((noinline)) void w3_encode_nghttp2(const corpus *c, blocks *b);
__attribute__((noinline)) uint64_t
w3_decode_libh2(const corpus *c, const blocks *b, uint64_t *lens);
__attribute__((noinline)) uint64_t
w3_decode_nghttp2(const corpus *c, const blocks *b, uint64_t *lens);

void w3_encode_libh2(const corpus *c, int policy, blocks *b) {
  size_t pos = 0;
  for (size_t s = 0; s < c->nstories; s++) {
    h2_hpack_encoder *enc;
    int rv = h2_hpack_encoder_new(&enc, policy, NULL);
    if (rv != H2_OK) die("h2_hpack_encoder_new: %s", h2_strerror(rv));
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      size_t n;
      rv = h2_hpack_encoder_encode(enc, c->hdrs + c->lists[i].first,
                                   c->lists[i].count, b->buf + pos,
                                   b->cap - pos, &n);
      if (rv != H2_OK)
        die("h2_hpack_encoder_encode (story %zu, list %zu): %s", s, i,
            h2_strerror(rv));
      b->off[i] = pos;
      b->len[i] = n;
      pos += n;
    }
    h2_hpack_encoder_free(enc);
  }
  b->total = pos;
}

void w3_encode_nghttp2(const corpus *c, blocks *b) {
  size_t pos = 0;
  for (size_t s = 0; s < c->nstories; s++) {
    nghttp2_hd_deflater *d;
    if (nghttp2_hd_deflate_new(&d, 4096) != 0)
      die("nghttp2_hd_deflate_new failed");
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      w3_ssize n = W3_DEFLATE(d, b->buf + pos, b->cap - pos,
                              c->nvs + c->lists[i].first, c->lists[i].count);
      if (n < 0)
        die("nghttp2_hd_deflate_hd (story %zu, list %zu): %s", s, i,
            nghttp2_strerror((int)n));
      b->off[i] = pos;
      b->len[i] = (size_t)n;
      pos += (size_t)n;
    }
    nghttp2_hd_deflate_del(d);
  }
  b->total = pos;
}

/* Both decoders touch every field the same way: its two lengths and one
 * byte of each string. *lens receives the sum of name + value lengths. */
uint64_t w3_decode_libh2(const corpus *c, const blocks *b, uint64_t *lens) {
  uint64_t sum = 0, total = 0;
  for (size_t s = 0; s < c->nstories; s++) {
    h2_hpack_decoder *dec;
    int rv = h2_hpack_decoder_new(&dec, NULL);
    if (rv != H2_OK) die("h2_hpack_decoder_new: %s", h2_strerror(rv));
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      rv = h2_hpack_decoder_decode(dec, b->buf + b->off[i], b->len[i],
                                   H2_HPACK_END_OF_BLOCK);
      if (rv != H2_OK)
        die("h2_hpack_decoder_decode (story %zu, list %zu): %s", s, i,
            h2_strerror(rv));
      h2_header h;
      while ((rv = h2_hpack_decoder_next_header(dec, &h)) == 1) {
        total += h.name_len + h.value_len;
        sum += h.name[0] + (h.value_len ? h.value[h.value_len - 1] : 0u);
      }
      if (rv != 0) die("h2_hpack_decoder_next_header: %s", h2_strerror(rv));
    }
    h2_hpack_decoder_free(dec);
  }
  *lens = total;
  return sum;
}

uint64_t w3_decode_nghttp2(const corpus *c, const blocks *b, uint64_t *lens) {
  uint64_t sum = 0, total = 0;
  for (size_t s = 0; s < c->nstories; s++) {
    nghttp2_hd_inflater *inf;
    if (nghttp2_hd_inflate_new(&inf) != 0) die("nghttp2_hd_inflate_new failed");
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      const uint8_t *in = b->buf + b->off[i];
      size_t inlen = b->len[i];
      for (;;) {
        nghttp2_nv nv;
        int fl = 0;
        w3_ssize n = W3_INFLATE(inf, &nv, &fl, in, inlen, 1);
        if (n < 0)
          die("nghttp2_hd_inflate_hd (story %zu, list %zu): %s", s, i,
              nghttp2_strerror((int)n));
        in += n;
        inlen -= (size_t)n;
        if (fl & NGHTTP2_HD_INFLATE_EMIT) {
          total += nv.namelen + nv.valuelen;
          sum += nv.name[0] + (nv.valuelen ? nv.value[nv.valuelen - 1] : 0u);
        }
        if (fl & NGHTTP2_HD_INFLATE_FINAL) {
          nghttp2_hd_inflate_end_headers(inf);
          break;
        }
        if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && inlen == 0)
          die("nghttp2: block %zu ended without FINAL", i);
      }
    }
    nghttp2_hd_inflate_del(inf);
  }
  *lens = total;
  return sum;
}

/* ---- verification (untimed)
 * -------------------------------------------------- */

static void mismatch(const char *enc, const char *dec, size_t list,
                     size_t field, const char *what) __attribute__((noreturn));
static void mismatch(const char *enc, const char *dec, size_t list,
                     size_t field, const char *what) {
  die("VERIFY FAILED: %s blocks decoded by %s: header list %zu, field %zu: %s",
      enc, dec, list, field, what);
}

static void expect_field(const corpus *c, const char *enc, const char *dec,
                         size_t list, size_t k, const uint8_t *name,
                         size_t nlen, const uint8_t *value, size_t vlen) {
  if (k >= c->lists[list].count) mismatch(enc, dec, list, k, "extra field");
  const h2_header *h = &c->hdrs[c->lists[list].first + k];
  if (h->name_len != nlen || memcmp(h->name, name, nlen) != 0)
    mismatch(enc, dec, list, k, "name differs");
  if (h->value_len != vlen || memcmp(h->value, value, vlen) != 0)
    mismatch(enc, dec, list, k, "value differs");
}

static void verify_libh2(const corpus *c, const blocks *b, const char *enc) {
  for (size_t s = 0; s < c->nstories; s++) {
    h2_hpack_decoder *dec;
    if (h2_hpack_decoder_new(&dec, NULL) != H2_OK)
      die("h2_hpack_decoder_new failed");
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      int rv = h2_hpack_decoder_decode(dec, b->buf + b->off[i], b->len[i],
                                       H2_HPACK_END_OF_BLOCK);
      if (rv != H2_OK)
        die("VERIFY FAILED: %s blocks decoded by libh2: list %zu: %s", enc, i,
            h2_strerror(rv));
      h2_header h;
      size_t k = 0;
      while ((rv = h2_hpack_decoder_next_header(dec, &h)) == 1)
        expect_field(c, enc, "libh2", i, k++, h.name, h.name_len, h.value,
                     h.value_len);
      if (rv != 0) die("VERIFY FAILED: next_header: %s", h2_strerror(rv));
      if (k != c->lists[i].count)
        mismatch(enc, "libh2", i, k, "fields missing");
    }
    h2_hpack_decoder_free(dec);
  }
}

static void verify_nghttp2(const corpus *c, const blocks *b, const char *enc) {
  for (size_t s = 0; s < c->nstories; s++) {
    nghttp2_hd_inflater *inf;
    if (nghttp2_hd_inflate_new(&inf) != 0) die("nghttp2_hd_inflate_new failed");
    const size_t end = c->stories[s].first + c->stories[s].count;
    for (size_t i = c->stories[s].first; i < end; i++) {
      const uint8_t *in = b->buf + b->off[i];
      size_t inlen = b->len[i], k = 0;
      for (;;) {
        nghttp2_nv nv;
        int fl = 0;
        w3_ssize n = W3_INFLATE(inf, &nv, &fl, in, inlen, 1);
        if (n < 0)
          die("VERIFY FAILED: %s blocks decoded by nghttp2: list %zu: %s", enc,
              i, nghttp2_strerror((int)n));
        in += n;
        inlen -= (size_t)n;
        if (fl & NGHTTP2_HD_INFLATE_EMIT)
          expect_field(c, enc, "nghttp2", i, k++, nv.name, nv.namelen, nv.value,
                       nv.valuelen);
        if (fl & NGHTTP2_HD_INFLATE_FINAL) {
          nghttp2_hd_inflate_end_headers(inf);
          break;
        }
        if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && inlen == 0)
          die("VERIFY FAILED: %s blocks decoded by nghttp2: list %zu never "
              "ended",
              enc, i);
      }
      if (k != c->lists[i].count)
        mismatch(enc, "nghttp2", i, k, "fields missing");
    }
    nghttp2_hd_inflate_del(inf);
  }
}

/* ---- measurement
 * ------------------------------------------------------------- */

enum {
  M_ENC_H2,
  M_ENC_NG,
  M_ENC_H2COMPAT,
  M_DEC_H2,
  M_DEC_NG,
  M_DEC_H2_OF_NG,
  M_COUNT
};

static const char *const m_name[M_COUNT] = {
    "encode libh2 (COMPACT)",      "encode nghttp2",
    "encode libh2 (H2COMPAT)",     "decode libh2 (own blocks)",
    "decode nghttp2 (own blocks)", "decode libh2 (nghttp2 blocks)",
};

static void usage(void) __attribute__((noreturn));
static void help(int status) __attribute__((noreturn));

typedef struct bench {
  const corpus *c;
  blocks h2, ng, h2compat;
  volatile uint64_t sink;
} bench;

/* One pass of measurement m. */
static void run_once(bench *B, int m) {
  uint64_t lens = 0;
  switch (m) {
  case M_ENC_H2: w3_encode_libh2(B->c, H2_HPACK_POLICY_COMPACT, &B->h2); return;
  case M_ENC_NG: w3_encode_nghttp2(B->c, &B->ng); return;
  case M_ENC_H2COMPAT:
    w3_encode_libh2(B->c, H2_HPACK_POLICY_H2COMPAT, &B->h2compat);
    return;
  case M_DEC_H2: B->sink += w3_decode_libh2(B->c, &B->h2, &lens); break;
  case M_DEC_NG: B->sink += w3_decode_nghttp2(B->c, &B->ng, &lens); break;
  case M_DEC_H2_OF_NG: B->sink += w3_decode_libh2(B->c, &B->ng, &lens); break;
  }
  if (lens != B->c->bytes)
    die("%s: decoded %llu header bytes, expected %llu", m_name[m],
        (unsigned long long)lens, (unsigned long long)B->c->bytes);
}

/* Seconds for reps passes of m. */
static double time_reps(bench *B, int m, unsigned reps) {
  double t0 = now_s();
  for (unsigned r = 0; r < reps; r++)
    run_once(B, m);
  return now_s() - t0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct stats {
  double median, min, max;
} stats;

static stats summarize(double *v, unsigned n) {
  qsort(v, n, sizeof *v, cmp_double);
  stats s = {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
  return s;
}

/* How many header lists two encoders encoded to the same bytes. */
static size_t same_blocks(const corpus *c, const blocks *a, const blocks *b) {
  size_t n = 0;
  for (size_t i = 0; i < c->nlists; i++)
    n += a->len[i] == b->len[i] &&
         memcmp(a->buf + a->off[i], b->buf + b->off[i], a->len[i]) == 0;
  return n;
}

/* --lib/--phase: a fixed number of passes of one measurement, untimed, for
 * callgrind. The only w3_encode_* / w3_decode_* calls made are the measured
 * ones, except that a decode first encodes its blocks (w3_encode_*). */
static int fixed_work(bench *B, const char *lib, const char *phase,
                      unsigned iterations, bool verify) {
  bool enc = !strcmp(phase, "encode");
  if (!enc && strcmp(phase, "decode")) usage();
  int m, prep;
  blocks *b;
  if (!strcmp(lib, "libh2")) {
    m = enc ? M_ENC_H2 : M_DEC_H2;
    prep = M_ENC_H2;
    b = &B->h2;
  } else if (!strcmp(lib, "nghttp2")) {
    m = enc ? M_ENC_NG : M_DEC_NG;
    prep = M_ENC_NG;
    b = &B->ng;
  } else if (!strcmp(lib, "libh2-h2compat") && enc) {
    m = prep = M_ENC_H2COMPAT;
    b = &B->h2compat;
  } else {
    usage();
  }
  if (!enc) run_once(B, prep);
  for (unsigned r = 0; r < iterations; r++)
    run_once(B, m);
  if (verify) {
    if (b == &B->ng)
      verify_nghttp2(B->c, b, lib);
    else
      verify_libh2(B->c, b, lib);
  }
  printf(
      "fixed work: %s x %u = %llu header bytes; encoded %zu bytes per pass\n",
      m_name[m], iterations, (unsigned long long)B->c->bytes * iterations,
      b->total);
  return 0;
}

static void help(int status) {
  fprintf(
      status ? stderr : stdout,
      "usage: w3_hpack [--corpus DIR] [--runs N] [--min-time SECONDS]\n"
      "       w3_hpack [--corpus DIR] --lib libh2|libh2-h2compat|nghttp2\n"
      "                --phase encode|decode [--iterations N] [--no-verify]\n"
      "DIR is the hpack-test-case directory (default %s/hpack-test-case,\n"
      "or $H2_SHARED_DIR/hpack-test-case). See bench/README.md.\n",
      H2_BENCH_SHARED_DIR);
  exit(status);
}

static void usage(void) { help(64); }

static unsigned parse_uint(const char *s) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v == 0 || v > 1000000) usage();
  return (unsigned)v;
}

int main(int argc, char **argv) {
  char corpus_dir[4096];
  const char *env = getenv("H2_SHARED_DIR");
  snprintf(corpus_dir, sizeof corpus_dir, "%s/hpack-test-case",
           env && *env ? env : H2_BENCH_SHARED_DIR);
  unsigned runs = 5, iterations = 1;
  double min_time = 0.3;
  const char *lib = NULL, *phase = NULL;
  bool verify = true;

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--corpus") && v) {
      snprintf(corpus_dir, sizeof corpus_dir, "%s", v);
      i++;
    } else if (!strcmp(a, "--runs") && v) {
      runs = parse_uint(v);
      i++;
    } else if (!strcmp(a, "--min-time") && v) {
      min_time = atof(v);
      if (!(min_time > 0)) usage();
      i++;
    } else if (!strcmp(a, "--iterations") && v) {
      iterations = parse_uint(v);
      i++;
    } else if (!strcmp(a, "--lib") && v) {
      lib = v;
      i++;
    } else if (!strcmp(a, "--phase") && v) {
      phase = v;
      i++;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(0);
    } else if (!strcmp(a, "--no-verify")) {
      verify = false;
    } else {
      usage();
    }
  }
  if ((lib == NULL) != (phase == NULL)) usage();

  corpus c;
  load_corpus(&c, corpus_dir);
  printf("W3 hpack: libh2 %s, nghttp2 %s\n", h2_version(),
         nghttp2_version(0)->version_str);
  printf("corpus: %s: %zu stories, %zu header lists, %zu headers, %llu bytes "
         "of names + "
         "values\n",
         corpus_dir, c.nstories, c.nlists, c.nhdrs,
         (unsigned long long)c.bytes);
  if (c.nlists != W3_EXPECT_LISTS || c.nhdrs != W3_EXPECT_HEADERS ||
      c.bytes != W3_EXPECT_BYTES)
    die("the corpus should hold %u lists, %u headers, %u bytes "
        "(hpack-test-case/SOURCE.txt)",
        W3_EXPECT_LISTS, W3_EXPECT_HEADERS, W3_EXPECT_BYTES);
  check_against_tsv(&c, corpus_dir);

  bench B = {.c = &c};
  size_t h2cap = libh2_capacity(&c), ngcap = nghttp2_capacity(&c);
  blocks_init(&B.h2, &c, h2cap);
  blocks_init(&B.h2compat, &c, h2cap);
  blocks_init(&B.ng, &c, ngcap);

  if (lib) return fixed_work(&B, lib, phase, iterations, verify);

  /* Every encoding, once; then every decoder on every encoding. */
  run_once(&B, M_ENC_H2);
  run_once(&B, M_ENC_NG);
  run_once(&B, M_ENC_H2COMPAT);
  if (verify) {
    verify_libh2(&c, &B.h2, "libh2");
    verify_libh2(&c, &B.ng, "nghttp2");
    verify_libh2(&c, &B.h2compat, "libh2-h2compat");
    verify_nghttp2(&c, &B.ng, "nghttp2");
    verify_nghttp2(&c, &B.h2, "libh2");
    verify_nghttp2(&c, &B.h2compat, "libh2-h2compat");
    printf("verify: every list round-trips (libh2 COMPACT, libh2 H2COMPAT and "
           "nghttp2 "
           "blocks, each decoded by both libh2 and nghttp2)\n");
  }
  printf("encoded size: libh2 COMPACT %zu bytes (%.4f of input), "
         "nghttp2 %zu (%.4f), libh2 H2COMPAT %zu (%.4f)\n",
         B.h2.total, (double)B.h2.total / (double)c.bytes, B.ng.total,
         (double)B.ng.total / (double)c.bytes, B.h2compat.total,
         (double)B.h2compat.total / (double)c.bytes);
  printf("encoded blocks: libh2 COMPACT and nghttp2 identical in %zu of %zu "
         "header lists\n",
         same_blocks(&c, &B.h2, &B.ng), c.nlists);

  /* Calibrate: enough passes for each measurement to last min_time. */
  unsigned reps[M_COUNT];
  for (int m = 0; m < M_COUNT; m++) {
    run_once(&B, m); /* warm up */
    double t = time_reps(&B, m, 1);
    unsigned r = 1;
    while (t < min_time / 4) { /* a single pass may be too short to time well */
      r *= 4;
      t = time_reps(&B, m, r);
    }
    double need = ceil(min_time * 1.1 / (t / r));
    reps[m] = need < 1 ? 1 : (unsigned)need;
  }

  /* The runs: all measurements in each run, libh2 and nghttp2 side by side,
   * the order reversed every other run so neither always goes first. */
  double *mbs[M_COUNT];
  for (int m = 0; m < M_COUNT; m++)
    mbs[m] = xmalloc(runs * sizeof(double));
  static const int order[M_COUNT] = {M_ENC_H2, M_ENC_NG, M_ENC_H2COMPAT,
                                     M_DEC_H2, M_DEC_NG, M_DEC_H2_OF_NG};
  for (unsigned r = 0; r < runs; r++) {
    for (int k = 0; k < M_COUNT; k++) {
      int m = order[r % 2 ? (k / 3) * 3 + (2 - k % 3) : k];
      double t = time_reps(&B, m, reps[m]);
      mbs[m][r] = (double)c.bytes * reps[m] / t / 1e6;
    }
  }

  stats st[M_COUNT];
  printf("\n%u runs; each figure one run of N passes over the corpus (>= %.2f "
         "s);\n"
         "throughput = header bytes (name + value) / s, 1 MB = 10^6 bytes\n\n",
         runs, min_time);
  printf("%-31s %7s %10s %10s %10s %12s\n", "", "N", "median", "min", "max",
         "encoded/in");
  for (int m = 0; m < M_COUNT; m++) {
    st[m] = summarize(mbs[m], runs);
    const blocks *b = m == M_ENC_H2 || m == M_DEC_H2 ? &B.h2
                      : m == M_ENC_H2COMPAT          ? &B.h2compat
                                                     : &B.ng;
    printf("%-31s %7u %7.1f MB/s %5.1f MB/s %5.1f MB/s %10.4f\n", m_name[m],
           reps[m], st[m].median, st[m].min, st[m].max,
           (double)b->total / (double)c.bytes);
  }
  printf("\nencoded size libh2 COMPACT / nghttp2 = %.4f (lower = better "
         "compression); "
         "H2COMPAT / nghttp2 = %.4f\n",
         (double)B.h2.total / (double)B.ng.total,
         (double)B.h2compat.total / (double)B.ng.total);
  printf("informational: H2COMPAT encode / nghttp2 encode = %.2f; libh2 decode "
         "of nghttp2 "
         "blocks / nghttp2 decode = %.2f\n\n",
         st[M_ENC_H2COMPAT].median / st[M_ENC_NG].median,
         st[M_DEC_H2_OF_NG].median / st[M_DEC_NG].median);
  printf("RESULT W3-encode libh2=%.1f nghttp2=%.1f unit=MB/s ratio=%.2f\n",
         st[M_ENC_H2].median, st[M_ENC_NG].median,
         st[M_ENC_H2].median / st[M_ENC_NG].median);
  printf("RESULT W3-decode libh2=%.1f nghttp2=%.1f unit=MB/s ratio=%.2f\n",
         st[M_DEC_H2].median, st[M_DEC_NG].median,
         st[M_DEC_H2].median / st[M_DEC_NG].median);

  for (int m = 0; m < M_COUNT; m++)
    free(mbs[m]);
  blocks_free(&B.h2);
  blocks_free(&B.h2compat);
  blocks_free(&B.ng);
  free(c.hdrs);
  free(c.nvs);
  free(c.lists);
  for (int s = 0; s < W3_STORIES; s++)
    free(c.files[s]);
  return 0;
}
