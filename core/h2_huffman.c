/* HPACK Huffman coding, RFC 7541 §5.2 and Appendix B.
 *
 * Encoding packs codes into a 64-bit accumulator. Decoding looks up the next
 * H2_HUFF_LOOKUP_BITS bits in a table that yields up to two whole symbols per
 * step; the rare longer codes (12 to 30 bits) are resolved with the
 * canonical-code limits (the Appendix B code is canonical, which the table
 * generator checks). Tables: h2_huffman_table.c, from
 * tools/gen_hpack_tables.py. */
#include <string.h>

#include "h2_hpack.h"


size_t h2_huffman_encoded_len(const uint8_t *src, size_t len) {
  uint64_t bits = 0;
  size_t i = 0;
  /* Four independent sums: the lengths are tiny, the loop is latency-bound. */
  uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (; i + 4 <= len; i += 4) {
    b0 += h2_huff_len[src[i]];
    b1 += h2_huff_len[src[i + 1]];
    b2 += h2_huff_len[src[i + 2]];
    b3 += h2_huff_len[src[i + 3]];
  }
  for (; i < len; i++) bits += h2_huff_len[src[i]];
  bits += b0 + b1 + b2 + b3;
  return (size_t)((bits + 7) / 8);
}

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

size_t h2_huffman_encode(uint8_t *dst, const uint8_t *src, size_t len) {
  uint8_t *d = dst;
  uint64_t acc = 0; /* pending bits, right-aligned */
  unsigned n = 0;   /* how many; always < 32 between symbols */
  for (size_t i = 0; i < len; i++) {
    unsigned l = h2_huff_len[src[i]];
    acc = (acc << l) | h2_huff_code[src[i]];
    n += l;
    if (n >= 32) {
      n -= 32;
      put_be32(d, (uint32_t)(acc >> n));
      d += 4;
    }
  }
  while (n >= 8) {
    n -= 8;
    *d++ = (uint8_t)(acc >> n);
  }
  if (n > 0) {
    /* §5.2: pad with the most significant bits of EOS (all ones). */
    *d++ = (uint8_t)((acc << (8 - n)) | (0xffu >> n));
  }
  return (size_t)(d - dst);
}

static uint64_t load_be64(const uint8_t *p) {
  /* Compilers turn this into one load and a byte swap. */
  return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) |
         ((uint64_t)p[2] << 40) | ((uint64_t)p[3] << 32) |
         ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
         ((uint64_t)p[6] << 8) | (uint64_t)p[7];
}

/* Resolves a code longer than the lookup width from the top of acc (nb
 * valid bits, left-aligned). Returns the symbol (256 is EOS) and sets *len,
 * or -1 when fewer bits remain than the code needs (padding). */
static int huff_decode_long(uint64_t acc, unsigned nb, unsigned *len) {
  for (unsigned l = H2_HUFF_LOOKUP_BITS + 1; l <= 30 && l <= nb; l++) {
    uint32_t c = (uint32_t)(acc >> (64 - l));
    if (c < h2_huff_limit[l]) {
      *len = l;
      return h2_huff_sym[c - h2_huff_base[l]];
    }
  }
  return -1;
}

#define HUFF_PEEK(acc) h2_huff_dec[(acc) >> (64 - H2_HUFF_LOOKUP_BITS)]

/* One table step: both symbol bytes are stored, the pointer advances by
 * the count (1 or 2); dst has room for the spare byte (see the header). */
#define HUFF_EMIT(e)                   \
  do {                                 \
    d[0] = (uint8_t)((e) >> 8);        \
    d[1] = (uint8_t)((e) >> 16);       \
    d += ((e) >> 5) & 3u;              \
    acc <<= (e) & 31u;                 \
    nb -= (e) & 31u;                   \
  } while (0)

long h2_huffman_decode(uint8_t *dst, const uint8_t *src, size_t len) {
  const uint8_t *p = src;
  const uint8_t *end = src + len;
  uint8_t *d = dst;
  uint64_t acc = 0; /* unread bits, left-aligned */
  unsigned nb = 0;  /* how many of them are valid */

  /* Fast loop, while 8 bytes can be loaded: a branchless refill leaves at
   * least 56 valid bits, enough for four table steps (at most 48 bits) or
   * one long code (at most 30). The bits below nb are the following input
   * bits, loaded again (identically) by the next refill. */
  while (end - p >= 8) {
    acc |= load_be64(p) >> nb;
    p += (63 - nb) >> 3;
    nb |= 56;
    uint32_t e = HUFF_PEEK(acc);
    if (e) {
      HUFF_EMIT(e);
      e = HUFF_PEEK(acc);
      if (e) {
        HUFF_EMIT(e);
        e = HUFF_PEEK(acc);
        if (e) {
          HUFF_EMIT(e);
          e = HUFF_PEEK(acc);
          if (e) HUFF_EMIT(e);
        }
      }
    } else {
      unsigned l;
      int sym = huff_decode_long(acc, nb, &l);
      if (sym < 0 || sym == 256) return -1; /* §5.2: EOS is an error */
      *d++ = (uint8_t)sym;
      acc <<= l;
      nb -= l;
    }
  }

  /* Tail: byte refills, one step at a time, until the bits run out. */
  acc = nb ? acc & (~(uint64_t)0 << (64 - nb)) : 0;
  for (;;) {
    while (nb <= 56 && p < end) {
      acc |= (uint64_t)*p++ << (56 - nb);
      nb += 8;
    }
    if (nb == 0) break;
    uint32_t e = HUFF_PEEK(acc);
    if (e) {
      unsigned l1 = (e >> 24) & 31u;
      unsigned lt = e & 31u;
      if (l1 > nb) break; /* what is left is padding (checked below) */
      *d++ = (uint8_t)(e >> 8);
      if (((e >> 5) & 3u) == 2 && lt <= nb) {
        *d++ = (uint8_t)(e >> 16);
        l1 = lt;
      }
      acc <<= l1;
      nb -= l1;
    } else {
      unsigned l;
      int sym = huff_decode_long(acc, nb, &l);
      if (sym < 0) break;
      if (sym == 256) return -1;
      *d++ = (uint8_t)sym;
      acc <<= l;
      nb -= l;
    }
  }
  /* §5.2: padding longer than 7 bits, or not a prefix of EOS (all ones),
   * is a decoding error. */
  if (nb > 7) return -1;
  if (nb && (acc >> (64 - nb)) != (1u << nb) - 1u) return -1;
  return (long)(d - dst);
}
