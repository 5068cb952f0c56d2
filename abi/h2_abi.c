/* The exported functions: argument checks, handle translation, and the
 * mapping of core status codes to public ones (identical values, checked
 * below at compile time). */
/* The core headers come first: the public header then defines, as macros,
 * a few names the core has as enumerators with the same values. */
#include "h2_err.h"
#include "h2_hpack.h"
#include "h2_mem.h"

#include <h2/h2.h>

#include "h2_abi_internal.h"

#include <stddef.h>
#include <string.h>

/* The public and core code lists must stay equal. */
#define SAME(a, b) _Static_assert((long)(a) == (long)(b), #a " != " #b)
SAME(H2_OK, H2S_OK);
SAME(H2_ERR_INVALID_ARGUMENT, H2S_INVALID_ARGUMENT);
SAME(H2_ERR_NOMEM, H2S_NOMEM);
SAME(H2_ERR_BUFFER_TOO_SMALL, H2S_BUFFER_TOO_SMALL);
SAME(H2_ERR_INVALID_STATE, H2S_INVALID_STATE);
SAME(H2_ERR_PROTOCOL, H2S_PROTOCOL);
SAME(H2_ERR_FRAME_TOO_LARGE, H2S_FRAME_TOO_LARGE);
SAME(H2_ERR_FRAME_DATA_MISSING, H2S_FRAME_DATA_MISSING);
SAME(H2_ERR_TOO_MANY_STREAMS, H2S_TOO_MANY_STREAMS);
SAME(H2_ERR_FLOW_CONTROL, H2S_FLOW_CONTROL);
SAME(H2_ERR_STREAM_ID_TOO_LOW, H2S_STREAM_ID_TOO_LOW);
SAME(H2_ERR_NO_AVAILABLE_STREAM_ID, H2S_NO_AVAILABLE_STREAM_ID);
SAME(H2_ERR_NO_SUCH_STREAM, H2S_NO_SUCH_STREAM);
SAME(H2_ERR_STREAM_CLOSED, H2S_STREAM_CLOSED);
SAME(H2_ERR_INVALID_SETTINGS_VALUE, H2S_INVALID_SETTINGS_VALUE);
SAME(H2_ERR_INVALID_BODY_LENGTH, H2S_INVALID_BODY_LENGTH);
SAME(H2_ERR_UNSUPPORTED_FRAME, H2S_UNSUPPORTED_FRAME);
SAME(H2_ERR_RFC1122, H2S_RFC1122);
SAME(H2_ERR_DENIAL_OF_SERVICE, H2S_DENIAL_OF_SERVICE);
SAME(H2_ERR_COMPRESSION, H2S_COMPRESSION);
SAME(H2_ERR_HEADER_LIST_TOO_LARGE, H2S_HEADER_LIST_TOO_LARGE);
SAME(H2_ERR_FRAME_SIZE, H2S_FRAME_SIZE);
SAME(H2_HEADER_NEVER_INDEX, H2_HF_NEVER_INDEX);

/* h2_header is the core field type under another name. */
SAME(sizeof(h2_header), sizeof(h2_hpack_field));
SAME(offsetof(h2_header, name), offsetof(h2_hpack_field, name));
SAME(offsetof(h2_header, name_len), offsetof(h2_hpack_field, name_len));
SAME(offsetof(h2_header, value), offsetof(h2_hpack_field, value));
SAME(offsetof(h2_header, value_len), offsetof(h2_hpack_field, value_len));
SAME(offsetof(h2_header, flags), offsetof(h2_hpack_field, flags));
SAME(sizeof(h2_allocator), sizeof(h2_mem));

/* ---- version and errors -------------------------------------------------- */

const char *h2_version(void) { return H2_VERSION; }

uint32_t h2_version_num(void) { return (uint32_t)H2_VERSION_NUM; }

const char *h2_strerror(int code) {
  switch (code) {
  case H2_OK: return "success";
  case H2_ERR_INVALID_ARGUMENT: return "invalid argument";
  case H2_ERR_NOMEM: return "out of memory";
  case H2_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
  case H2_ERR_INVALID_STATE: return "call not allowed in the current state";
  case H2_ERR_PROTOCOL: return "protocol error";
  case H2_ERR_FRAME_TOO_LARGE: return "frame larger than the maximum frame size";
  case H2_ERR_FRAME_DATA_MISSING: return "frame data missing";
  case H2_ERR_TOO_MANY_STREAMS: return "too many concurrent streams";
  case H2_ERR_FLOW_CONTROL: return "flow-control error";
  case H2_ERR_STREAM_ID_TOO_LOW: return "stream id lower than a previous one";
  case H2_ERR_NO_AVAILABLE_STREAM_ID: return "no stream id available";
  case H2_ERR_NO_SUCH_STREAM: return "no such stream";
  case H2_ERR_STREAM_CLOSED: return "stream closed";
  case H2_ERR_INVALID_SETTINGS_VALUE: return "invalid settings value";
  case H2_ERR_INVALID_BODY_LENGTH: return "body length differs from content-length";
  case H2_ERR_UNSUPPORTED_FRAME: return "unsupported frame";
  case H2_ERR_RFC1122: return "forbidden by RFC 1122";
  case H2_ERR_DENIAL_OF_SERVICE: return "peer behaviour looks like a denial of service";
  case H2_ERR_COMPRESSION: return "header compression error";
  case H2_ERR_HEADER_LIST_TOO_LARGE: return "header list too large";
  case H2_ERR_FRAME_SIZE: return "frame size error";
  default: return "unknown error";
  }
}

/* ---- allocation of the public objects ------------------------------------ */

int h2_abi_mem_from_allocator(h2_mem *out, const h2_allocator *alloc) {
  if (!alloc) {
    *out = *h2_mem_default();
    return H2_OK;
  }
  if (!alloc->malloc || !alloc->free || !alloc->calloc || !alloc->realloc)
    return H2_ERR_INVALID_ARGUMENT;
  out->malloc = alloc->malloc;
  out->free = alloc->free;
  out->calloc = alloc->calloc;
  out->realloc = alloc->realloc;
  out->user_data = alloc->user_data;
  return H2_OK;
}

/* ---- HPACK ------------------------------------------------------------------ */

struct h2_hpack_encoder {
  h2_mem mem; /* first: the core keeps a pointer to it */
  h2_hpack_enc enc;
};

struct h2_hpack_decoder {
  h2_mem mem;
  h2_hpack_dec dec;
  size_t next;    /* next field handed out by next_header */
  int block_done; /* the last decode ended a block */
};

int h2_hpack_encoder_new(h2_hpack_encoder **out, int policy,
                         const h2_allocator *alloc) {
  h2_mem mem;
  h2_hpack_encoder *enc;
  int rv;
  if (!out) return H2_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (policy != H2_HPACK_POLICY_COMPACT && policy != H2_HPACK_POLICY_H2COMPAT)
    return H2_ERR_INVALID_ARGUMENT;
  rv = h2_abi_mem_from_allocator(&mem, alloc);
  if (rv) return rv;
  enc = h2_mem_calloc(&mem, 1, sizeof(*enc));
  if (!enc) return H2_ERR_NOMEM;
  enc->mem = mem;
  rv = h2_hpack_enc_init(&enc->enc, &enc->mem, policy);
  if (rv) {
    h2_mem_free(&mem, enc);
    return rv;
  }
  *out = enc;
  return H2_OK;
}

void h2_hpack_encoder_free(h2_hpack_encoder *enc) {
  h2_mem mem;
  if (!enc) return;
  mem = enc->mem;
  h2_hpack_enc_free(&enc->enc);
  h2_mem_free(&mem, enc);
}

int h2_hpack_encoder_set_table_size(h2_hpack_encoder *enc, uint32_t size) {
  if (!enc || size > H2_HPACK_MAX_TABLE_SIZE) return H2_ERR_INVALID_ARGUMENT;
  return h2_hpack_enc_set_table_size(&enc->enc, size);
}

size_t h2_hpack_encoder_bound(const h2_header *headers, size_t n) {
  if (!headers && n) return 0;
  return h2_hpack_encode_bound((const h2_hpack_field *)headers, n);
}

static int headers_valid(const h2_header *h, size_t n) {
  size_t i;
  if (!h && n) return 0;
  for (i = 0; i < n; i++) {
    if ((!h[i].name && h[i].name_len) || (!h[i].value && h[i].value_len))
      return 0;
  }
  return 1;
}

int h2_hpack_encoder_encode(h2_hpack_encoder *enc, const h2_header *headers,
                            size_t n, uint8_t *out, size_t cap,
                            size_t *out_len) {
  if (!enc || !out_len || (!out && cap) || !headers_valid(headers, n))
    return H2_ERR_INVALID_ARGUMENT;
  return h2_hpack_encode(&enc->enc, (const h2_hpack_field *)headers, n, out,
                         cap, out_len);
}

size_t h2_hpack_encoder_table_size(const h2_hpack_encoder *enc) {
  return enc ? h2_hpack_table_size(&enc->enc.table) : 0;
}

int h2_hpack_decoder_new(h2_hpack_decoder **out, const h2_allocator *alloc) {
  h2_mem mem;
  h2_hpack_decoder *dec;
  int rv;
  if (!out) return H2_ERR_INVALID_ARGUMENT;
  *out = NULL;
  rv = h2_abi_mem_from_allocator(&mem, alloc);
  if (rv) return rv;
  dec = h2_mem_calloc(&mem, 1, sizeof(*dec));
  if (!dec) return H2_ERR_NOMEM;
  dec->mem = mem;
  rv = h2_hpack_dec_init(&dec->dec, &dec->mem);
  if (rv) {
    h2_mem_free(&mem, dec);
    return rv;
  }
  *out = dec;
  return H2_OK;
}

void h2_hpack_decoder_free(h2_hpack_decoder *dec) {
  h2_mem mem;
  if (!dec) return;
  mem = dec->mem;
  h2_hpack_dec_free(&dec->dec);
  h2_mem_free(&mem, dec);
}

int h2_hpack_decoder_set_max_table_size(h2_hpack_decoder *dec, uint32_t size) {
  if (!dec || size > H2_HPACK_MAX_TABLE_SIZE) return H2_ERR_INVALID_ARGUMENT;
  return h2_hpack_dec_set_max_table_size(&dec->dec, size);
}

int h2_hpack_decoder_set_limits(h2_hpack_decoder *dec,
                                size_t max_header_list_size,
                                size_t max_field_size) {
  if (!dec) return H2_ERR_INVALID_ARGUMENT;
  h2_hpack_dec_set_limits(&dec->dec, max_header_list_size, max_field_size);
  return H2_OK;
}

int h2_hpack_decoder_decode(h2_hpack_decoder *dec, const uint8_t *in,
                            size_t len, uint32_t flags) {
  int rv;
  if (!dec || (!in && len) || (flags & ~H2_HPACK_END_OF_BLOCK))
    return H2_ERR_INVALID_ARGUMENT;
  if (dec->block_done) {
    /* This call starts a new block: the core drops the old fields. */
    dec->next = 0;
    dec->block_done = 0;
  }
  rv = h2_hpack_decode(&dec->dec, in, len, (flags & H2_HPACK_END_OF_BLOCK) != 0);
  if (rv == H2_OK && (flags & H2_HPACK_END_OF_BLOCK)) dec->block_done = 1;
  return rv;
}

int h2_hpack_decoder_next_header(h2_hpack_decoder *dec, h2_header *out) {
  const h2_hpack_field *f;
  size_t count;
  if (!dec || !out) return H2_ERR_INVALID_ARGUMENT;
  f = h2_hpack_dec_fields(&dec->dec, &count);
  if (dec->next >= count) return 0;
  memcpy(out, &f[dec->next], sizeof(*out));
  dec->next++;
  return 1;
}

size_t h2_hpack_decoder_table_size(const h2_hpack_decoder *dec) {
  return dec ? h2_hpack_table_size(&dec->dec.table) : 0;
}
