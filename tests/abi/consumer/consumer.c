/* A program built against the installed libh2: encodes a header list,
 * decodes it again and checks the result. */
#include <h2/h2.h>

#include <stdio.h>
#include <string.h>

#define HDR(n, v) {(const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1, 0}

int main(void) {
  static const h2_header in[] = {HDR(":method", "GET"), HDR(":path", "/"),
                                 HDR("user-agent", "consumer/1.0")};
  uint8_t buf[256];
  size_t len = 0, n = 0;
  h2_hpack_encoder *enc = NULL;
  h2_hpack_decoder *dec = NULL;
  h2_header out;
  int rv, ok = 1;

  if (h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, NULL) ||
      h2_hpack_decoder_new(&dec, NULL))
    return 1;
  rv = h2_hpack_encoder_encode(enc, in, 3, buf, sizeof(buf), &len);
  if (rv == 0) rv = h2_hpack_decoder_decode(dec, buf, len, H2_HPACK_END_OF_BLOCK);
  if (rv != 0) {
    fprintf(stderr, "error: %s\n", h2_strerror(rv));
    ok = 0;
  }
  while (ok && h2_hpack_decoder_next_header(dec, &out) == 1) {
    if (n >= 3 || out.name_len != in[n].name_len ||
        memcmp(out.name, in[n].name, out.name_len) != 0 ||
        out.value_len != in[n].value_len ||
        memcmp(out.value, in[n].value, out.value_len) != 0)
      ok = 0;
    n++;
  }
  if (n != 3) ok = 0;
  printf("libh2 %s: %zu headers in %zu bytes, round trip %s\n", h2_version(), n,
         len, ok ? "ok" : "FAILED");
  h2_hpack_encoder_free(enc);
  h2_hpack_decoder_free(dec);
  return ok ? 0 : 1;
}
