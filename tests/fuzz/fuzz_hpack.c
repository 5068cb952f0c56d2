/* libFuzzer target for the HPACK decoder and encoder.
 *
 * The first byte picks a split point, the decoder's table size and the
 * encoder policy. The rest is decoded as one header block in two pieces,
 * and again in one piece by a second decoder: both must agree. A block that
 * decodes is then encoded and decoded again (twice, so the second pass hits
 * the dynamic table) and must come back unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2_err.h"
#include "h2_hpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_fields(const h2_hpack_field *a, size_t na,
                       const h2_hpack_field *b, size_t nb) {
  if (na != nb) return 0;
  for (size_t i = 0; i < na; i++) {
    if (a[i].name_len != b[i].name_len || a[i].value_len != b[i].value_len)
      return 0;
    if (a[i].name_len && memcmp(a[i].name, b[i].name, a[i].name_len) != 0)
      return 0;
    if (a[i].value_len && memcmp(a[i].value, b[i].value, a[i].value_len) != 0)
      return 0;
    /* a never-indexed field must stay never-indexed */
    if ((a[i].flags & H2_HF_NEVER_INDEX) && !(b[i].flags & H2_HF_NEVER_INDEX))
      return 0;
  }
  return 1;
}

static void round_trip(const h2_hpack_field *f, size_t n, int policy,
                       uint32_t table_size) {
  h2_hpack_enc enc;
  h2_hpack_dec dec;
  if (h2_hpack_enc_init(&enc, NULL, policy) != H2S_OK) abort();
  if (h2_hpack_dec_init(&dec, NULL) != H2S_OK) abort();
  h2_hpack_dec_set_limits(&dec, 0, 0);
  if (h2_hpack_enc_set_table_size(&enc, table_size) != H2S_OK) abort();
  if (h2_hpack_dec_set_max_table_size(&dec, table_size) != H2S_OK) abort();
  size_t cap = h2_hpack_encode_bound(f, n);
  uint8_t *buf = (uint8_t *)malloc(cap ? cap : 1);
  if (!buf) abort();
  for (int pass = 0; pass < 2; pass++) {
    size_t len = 0;
    if (h2_hpack_encode(&enc, f, n, buf, cap, &len) != H2S_OK) abort();
    /* Feed it in two pieces as well. */
    size_t cut = len / 2;
    if (h2_hpack_decode(&dec, buf, cut, 0) != H2S_OK) abort();
    if (h2_hpack_decode(&dec, buf + cut, len - cut, 1) != H2S_OK) abort();
    size_t m = 0;
    const h2_hpack_field *g = h2_hpack_dec_fields(&dec, &m);
    if (!same_fields(f, n, g, m)) abort();
    if (h2_hpack_table_size(&enc.table) != h2_hpack_table_size(&dec.table))
      abort();
  }
  free(buf);
  h2_hpack_enc_free(&enc);
  h2_hpack_dec_free(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t ctl = data[0];
  data++;
  size--;
  static const uint32_t sizes[4] = {4096, 0, 256, 65536};
  uint32_t table_size = sizes[(ctl >> 6) & 3];
  int policy = (ctl & 0x20) ? H2_HPACK_POLICY_H2COMPAT : H2_HPACK_POLICY_COMPACT;
  size_t split = size * (ctl & 0x1f) / 31;

  h2_hpack_dec a, b;
  if (h2_hpack_dec_init(&a, NULL) != H2S_OK) abort();
  if (h2_hpack_dec_init(&b, NULL) != H2S_OK) abort();
  if (table_size != 4096) {
    /* Lowering the setting demands a size update first; raising does not. */
    h2_hpack_dec_set_max_table_size(&a, table_size);
    h2_hpack_dec_set_max_table_size(&b, table_size);
  }
  int ra = h2_hpack_decode(&a, data, split, 0);
  if (ra == H2S_OK) ra = h2_hpack_decode(&a, data + split, size - split, 1);
  int rb = h2_hpack_decode(&b, data, size, 1);
  /* Incremental and one-shot decoding agree, error or not. */
  if (ra != rb) abort();
  if (ra != H2S_OK && ra != H2S_COMPRESSION &&
      ra != H2S_HEADER_LIST_TOO_LARGE)
    abort();
  if (ra == H2S_OK) {
    size_t na = 0, nb = 0;
    const h2_hpack_field *fa = h2_hpack_dec_fields(&a, &na);
    const h2_hpack_field *fb = h2_hpack_dec_fields(&b, &nb);
    if (!same_fields(fa, na, fb, nb) || !same_fields(fb, nb, fa, na)) abort();
    if (h2_hpack_table_size(&a.table) != h2_hpack_table_size(&b.table))
      abort();
    round_trip(fa, na, policy, table_size);
  }
  h2_hpack_dec_free(&a);
  h2_hpack_dec_free(&b);
  return 0;
}
