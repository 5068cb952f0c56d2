/*
 * libh2 — an HTTP/2 protocol engine (RFC 9113, RFC 7541), sans I/O.
 *
 * This is the one public header of libh2 and its reference manual.
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an int: 0 (H2_OK) on success or a
 *   negative H2_ERR_* code. h2_strerror() turns a code into static text.
 * - Objects are opaque and created by *_new(&out, ...) (the out-parameter
 *   comes first) and destroyed by *_free(), which accepts NULL.
 * - Memory: the library owns everything it returns. A pointer the library
 *   lends out ("borrowed") says in its function's documentation how long it
 *   stays valid. Inputs are copied when they must outlive the call.
 * - An object is used by one thread at a time; distinct objects are
 *   independent. The library has no global mutable state.
 * - Symbols are versioned: every function here is in the LIBH2_1.0 node
 *   unless its documentation says otherwise.
 */
#ifndef H2_H
#define H2_H

#include <stddef.h>
#include <stdint.h>

#include <h2/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(H2_BUILDING_LIBRARY)
#define H2_EXTERN __attribute__((visibility("default")))
#else
#define H2_EXTERN
#endif

/* ==== Version ============================================================ */

/* The version of the library actually loaded, as "MAJOR.MINOR.PATCH".
 * Compare with H2_VERSION to detect a header/library mismatch. Static text.
 * Since 1.0. */
H2_EXTERN const char *h2_version(void);

/* The same version as a number 0xMMmmpp (see H2_VERSION_NUM). Since 1.0. */
H2_EXTERN uint32_t h2_version_num(void);

/* ==== Errors ============================================================= */

/* Status codes. The list only grows; a code never changes meaning. */
enum {
  H2_OK = 0,
  /* Wrong use of the API: a NULL pointer, an out-of-range argument. */
  H2_ERR_INVALID_ARGUMENT = -1,
  /* An allocation failed. The object is unchanged and still usable. */
  H2_ERR_NOMEM = -2,
  /* The caller's output buffer is too small; nothing was written and the
   * object is unchanged. */
  H2_ERR_BUFFER_TOO_SMALL = -3,
  /* The call is not allowed in the object's current state. */
  H2_ERR_INVALID_STATE = -4,
  /* HTTP/2 protocol errors, one per class of error (Python h2's exceptions
   * map one to one onto these). */
  H2_ERR_PROTOCOL = -10,
  H2_ERR_FRAME_TOO_LARGE = -11,
  H2_ERR_FRAME_DATA_MISSING = -12,
  H2_ERR_TOO_MANY_STREAMS = -13,
  H2_ERR_FLOW_CONTROL = -14,
  H2_ERR_STREAM_ID_TOO_LOW = -15,
  H2_ERR_NO_AVAILABLE_STREAM_ID = -16,
  H2_ERR_NO_SUCH_STREAM = -17,
  H2_ERR_STREAM_CLOSED = -18,
  H2_ERR_INVALID_SETTINGS_VALUE = -19,
  H2_ERR_INVALID_BODY_LENGTH = -20,
  H2_ERR_UNSUPPORTED_FRAME = -21,
  H2_ERR_RFC1122 = -22,
  H2_ERR_DENIAL_OF_SERVICE = -23,
  /* A header block could not be decoded (RFC 7541): the connection must end
   * with COMPRESSION_ERROR. */
  H2_ERR_COMPRESSION = -24,
  /* A header block exceeded the configured header-list or field-size
   * limit (an HPACK bomb, or just too large). */
  H2_ERR_HEADER_LIST_TOO_LARGE = -25,
  /* A frame had a length its type does not allow (FRAME_SIZE_ERROR). */
  H2_ERR_FRAME_SIZE = -26
};

/* Static, human-readable text for a status code ("unknown error" for a code
 * this version does not know). Never NULL. Since 1.0. */
H2_EXTERN const char *h2_strerror(int code);

/* ==== Memory ============================================================= */

/* An allocator. Every function pointer must be set; user_data is passed to
 * each. The struct is copied when an object is created. Frozen in 1.0. */
typedef struct h2_allocator {
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
  void *user_data;
} h2_allocator;

/* ==== Header fields ====================================================== */

/* A header field: name and value as byte strings (not NUL-terminated).
 * Frozen in 1.0. */
typedef struct h2_header {
  const uint8_t *name;
  size_t name_len;
  const uint8_t *value;
  size_t value_len;
  uint32_t flags; /* H2_HEADER_* */
} h2_header;

/* Never put this field in a compression table (RFC 7541 §7.1.3): it is sent
 * as a literal never indexed, and intermediaries must keep it that way. Set
 * on decoded fields that arrived so. */
#define H2_HEADER_NEVER_INDEX 0x1u

/* ==== HPACK (RFC 7541) ===================================================
 *
 * A standalone encoder and decoder, the same ones a connection uses. Useful
 * on their own (tools, proxies, benchmarks). Each keeps a dynamic table. */

typedef struct h2_hpack_encoder h2_hpack_encoder;
typedef struct h2_hpack_decoder h2_hpack_decoder;

/* Encoder policies. */
/* Smallest output: Huffman only where it is shorter, no indexing of fields
 * that cannot pay off. */
#define H2_HPACK_POLICY_COMPACT 0
/* Exactly the choices of the Python hpack package (as used by h2):
 * Huffman for every literal, incremental indexing of every field that is
 * not sensitive. Produces h2's bytes. */
#define H2_HPACK_POLICY_H2COMPAT 1

/* The largest table size either object accepts (16 MiB). */
#define H2_HPACK_MAX_TABLE_SIZE (1u << 24)

/* Create an encoder with the given policy and a dynamic table of 4096 bytes
 * (the HTTP/2 default). alloc may be NULL for the C library's allocator.
 * Errors: H2_ERR_INVALID_ARGUMENT (out NULL, unknown policy),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_new(h2_hpack_encoder **out, int policy,
                                   const h2_allocator *alloc);

/* Destroy an encoder; NULL is ignored. Since 1.0. */
H2_EXTERN void h2_hpack_encoder_free(h2_hpack_encoder *enc);

/* Set the dynamic table size the encoder uses. It must not exceed the
 * peer's SETTINGS_HEADER_TABLE_SIZE. The next block begins with the
 * dynamic table size update(s) RFC 7541 §4.2 requires.
 * Errors: H2_ERR_INVALID_ARGUMENT (enc NULL, size > H2_HPACK_MAX_TABLE_SIZE),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_set_table_size(h2_hpack_encoder *enc,
                                              uint32_t size);

/* An upper bound of the encoded size of a header list, for sizing the
 * output buffer of h2_hpack_encoder_encode(). Since 1.0. */
H2_EXTERN size_t h2_hpack_encoder_bound(const h2_header *headers, size_t n);

/* Encode one header block into out[0..cap). *out_len receives its length.
 * Fields flagged H2_HEADER_NEVER_INDEX and the sensitive ones
 * (authorization, proxy-authorization, cookies shorter than 20 bytes) are
 * never indexed. Names should be lowercase (HTTP/2 requires it; the encoder
 * does not change them).
 * Errors: H2_ERR_INVALID_ARGUMENT (a NULL pointer with a non-zero length),
 * H2_ERR_BUFFER_TOO_SMALL (cap < h2_hpack_encoder_bound(); nothing changed),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_encode(h2_hpack_encoder *enc,
                                      const h2_header *headers, size_t n,
                                      uint8_t *out, size_t cap,
                                      size_t *out_len);

/* Create a decoder: dynamic table limit 4096, header list limit 64 KiB
 * (name + value + 32 per field), field limit 64 KiB. alloc may be NULL.
 * Errors: H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_new(h2_hpack_decoder **out,
                                   const h2_allocator *alloc);

/* Destroy a decoder; NULL is ignored. Since 1.0. */
H2_EXTERN void h2_hpack_decoder_free(h2_hpack_decoder *dec);

/* Set the maximum dynamic table size: the SETTINGS_HEADER_TABLE_SIZE this
 * side advertised, once acknowledged. A size update above it is a
 * compression error; after lowering it, the next block must start with a
 * size update within it.
 * Errors: H2_ERR_INVALID_ARGUMENT (size > H2_HPACK_MAX_TABLE_SIZE),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_set_max_table_size(h2_hpack_decoder *dec,
                                                  uint32_t size);

/* Limits against oversized blocks: the header list size (RFC 9113
 * SETTINGS_MAX_HEADER_LIST_SIZE accounting) and the length of any one name
 * or value. 0 means unlimited. Errors: H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_set_limits(h2_hpack_decoder *dec,
                                          size_t max_header_list_size,
                                          size_t max_field_size);

/* Flag for h2_hpack_decoder_decode(): this piece ends the header block. */
#define H2_HPACK_END_OF_BLOCK 0x1u

/* Decode a piece of a header block. A block may be given in any number of
 * pieces, split anywhere; flags has H2_HPACK_END_OF_BLOCK on its last piece.
 * Decoded fields are then read with h2_hpack_decoder_next_header().
 * Errors: H2_ERR_INVALID_ARGUMENT, H2_ERR_COMPRESSION (malformed block: the
 * decoder is then unusable, as the connection must end),
 * H2_ERR_HEADER_LIST_TOO_LARGE (a limit was exceeded; also final),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_decode(h2_hpack_decoder *dec,
                                      const uint8_t *in, size_t len,
                                      uint32_t flags);

/* Take the next decoded field of the current block, in order. Returns 1 and
 * fills *out, or 0 when there is none left (for now). Borrowed: the bytes
 * stay valid until the first h2_hpack_decoder_decode() of the next block
 * or h2_hpack_decoder_free(). Returns H2_ERR_INVALID_ARGUMENT on NULL.
 * Since 1.0. */
H2_EXTERN int h2_hpack_decoder_next_header(h2_hpack_decoder *dec,
                                           h2_header *out);

/* The dynamic table's current size in RFC 7541 accounting (sum of name +
 * value + 32 over its entries). 0 for NULL. Since 1.0. */
H2_EXTERN size_t h2_hpack_decoder_table_size(const h2_hpack_decoder *dec);
H2_EXTERN size_t h2_hpack_encoder_table_size(const h2_hpack_encoder *enc);

#ifdef __cplusplus
}
#endif

#endif /* H2_H */
