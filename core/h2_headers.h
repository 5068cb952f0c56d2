/* HTTP header fields of HTTP/2 messages: validation (RFC 9113 §8.2, §8.3,
 * §8.4, §8.5; RFC 8441 extended CONNECT) and the normalizations of the
 * Python h2 package (outbound: lowercase, strip, split cookies, drop
 * connection-specific fields, mark sensitive fields; inbound: join cookies).
 *
 * Usage by the connection:
 *   received block: h2_headers_validate(..., H2_HV_INBOUND | ...) (or
 *     h2_headers_info() when inbound validation is off), then
 *     h2_headers_normalize_inbound() when inbound normalization is on;
 *   block to send: h2_headers_normalize_outbound() when outbound
 *     normalization is on, then h2_headers_validate() (or h2_headers_info())
 *     on its output.
 *
 * Nothing here allocates per field. Validation and info never allocate;
 * each normalization allocates at most one block, sized exactly before any
 * output is written, or writes into storage the caller provides. */
#ifndef H2_CORE_HEADERS_H
#define H2_CORE_HEADERS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "h2_hpack.h"
#include "h2_mem.h"

/* Kind of header block. */
enum {
  H2_HB_REQUEST = 0,     /* request header section (HEADERS) */
  H2_HB_RESPONSE = 1,    /* response header section, final or 1xx */
  H2_HB_TRAILERS = 2,    /* trailer section of a request or response */
  H2_HB_PUSH_REQUEST = 3 /* promised request of a PUSH_PROMISE (§8.4) */
};

/* Request method (h2_header_info.method). Methods are case-sensitive
 * (RFC 9110 §9.1): "get" is H2_METHOD_OTHER. */
enum {
  H2_METHOD_NONE = 0, /* no :method (responses, trailers) */
  H2_METHOD_GET,
  H2_METHOD_HEAD,
  H2_METHOD_POST,
  H2_METHOD_CONNECT,
  H2_METHOD_OPTIONS,
  H2_METHOD_OTHER
};

/* Pseudo-header fields, as bits of h2_header_info.pseudo. */
enum {
  H2_PH_METHOD = 0x01,
  H2_PH_SCHEME = 0x02,
  H2_PH_AUTHORITY = 0x04,
  H2_PH_PATH = 0x08,
  H2_PH_PROTOCOL = 0x10,
  H2_PH_STATUS = 0x20
};

/* h2_header_info.content_length */
#define H2_CL_ABSENT (-1)
#define H2_CL_INVALID                                                          \
  (-2) /* only from h2_headers_info(): unparsable or                           \
          conflicting values (h2 fails the stream) */

typedef struct h2_header_info {
  int64_t content_length;   /* H2_CL_ABSENT, H2_CL_INVALID or the value */
  uint16_t status;          /* :status of a response, else 0 */
  uint8_t informational;    /* response with a 1xx status */
  uint8_t method;           /* H2_METHOD_* */
  uint8_t extended_connect; /* :protocol present (RFC 8441) */
  uint8_t has_te_trailers;  /* te: trailers present */
  uint8_t has_host;         /* a host field present */
  uint8_t pseudo;           /* H2_PH_* bits of the pseudo-headers present */
  uint32_t cookie_count;    /* number of cookie fields */
} h2_header_info;

/* h2_headers_validate() flags */
#define H2_HV_INBOUND 0x1u /* the block was received (else: to be sent) */
/* SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 is in force for this direction
 * (RFC 8441 §3): inbound, we advertised it; outbound, the peer did. Without
 * it a :protocol pseudo-header is an error. */
#define H2_HV_CONNECT_PROTOCOL 0x2u

/* Validate a decoded or to-be-sent header list of the given kind.
 * Returns H2S_OK, or H2S_PROTOCOL with *why (if why is non-NULL) set to a
 * static message naming the first problem found, e.g. "uppercase character
 * in header name", "duplicate pseudo-header :path",
 * "connection-specific header field: connection". Inbound, the caller
 * treats H2S_PROTOCOL as a malformed message (stream error PROTOCOL_ERROR,
 * RFC 9113 §8.1.1); outbound, as a refusal to send.
 * *info (if non-NULL) is filled completely on H2S_OK; on failure its
 * contents are unspecified. The rules are the same in both directions
 * (H2_HV_INBOUND changes none today; pass it for received blocks). An
 * outbound list with A-Z in a name fails: normalize it first.
 * n == 0 with f == NULL is allowed; f == NULL with n > 0 or an unknown kind
 * gives H2S_INVALID_ARGUMENT. */
int h2_headers_validate(const h2_hpack_field *f, size_t n, int kind,
                        uint32_t flags, h2_header_info *info, const char **why);

/* The same info without any validation, for configurations that switch
 * validation off: pseudo-headers are looked for anywhere in the list (the
 * first of each counts), :status is set only when it is 3 digits, and
 * content_length is H2_CL_INVALID when a value is not 1*DIGIT, overflows
 * int64, or differs from another content-length. Never fails. */
/* The send path's fast check: 0 when the block is valid (as
 * h2_headers_validate() with the same arguments, info filled in) and
 * outbound normalization, with any flags, would leave it as it is (no
 * whitespace to strip at the ends of values, no cookie, authorization or
 * proxy-authorization field). Nonzero otherwise, with no message: then
 * normalize and validate as usual. */
int h2_headers_validate_plain(const h2_hpack_field *f, size_t n, int kind,
                              uint32_t flags, h2_header_info *info);

void h2_headers_info(const h2_hpack_field *f, size_t n, int kind,
                     h2_header_info *info);

/* A normalized list. fields may point into the input list's bytes and
 * into block; keep the input alive while using it. block is NULL when the
 * input was returned unchanged (then fields == the input array). Release
 * with h2_header_list_free() (safe on a zeroed or already freed list). */
typedef struct h2_header_list {
  const h2_hpack_field *fields;
  size_t count;
  void *block;       /* the one allocation holding the fields and bytes */
  const h2_mem *mem; /* allocator of block */
} h2_header_list;

void h2_header_list_free(h2_header_list *list);

/* h2_headers_normalize_outbound() flags */
#define H2_HN_SPLIT_COOKIES 0x1u /* h2's split_outbound_cookies */

/* Outbound normalization, h2's normalize_outbound_headers, in its order:
 *   1. names lowercased (A-Z only);
 *   2. with H2_HN_SPLIT_COOKIES, each field whose lowercased name is
 *      "cookie" is split on every "; " into one field per piece (empty
 *      pieces kept), in order, with the original flags (RFC 9113 §8.2.3);
 *   3. leading and trailing whitespace (SP, HTAB, LF, VT, FF, CR: Python's
 *      bytes.strip()) removed from names and values;
 *   4. fields named connection, keep-alive, proxy-connection,
 *      transfer-encoding or upgrade dropped (RFC 9113 §8.2.2);
 *   5. authorization, proxy-authorization, and cookie fields whose value is
 *      shorter than 20 bytes get H2_HF_NEVER_INDEX (flags already set on
 *      the input are kept).
 * When nothing changes, out->fields is the input and nothing is allocated
 * (likewise when every field is dropped: count 0); otherwise one block
 * from mem (NULL: libc), sized exactly by a first walk over the input,
 * holds the new field array and the lowercased names, and the values point
 * into the input. The caller frees it with h2_header_list_free(). Returns
 * H2S_OK, H2S_NOMEM (out zeroed) or H2S_INVALID_ARGUMENT (f NULL with n > 0, or
 * out NULL). */
int h2_headers_normalize_outbound(const h2_mem *mem, const h2_hpack_field *f,
                                  size_t n, uint32_t flags,
                                  h2_header_list *out);

/* The same into caller storage, for a connection that keeps a scratch
 * buffer. _size gives the exact output size: *nfields fields (the output
 * may have fewer fields than the input: dropped fields) and *nbytes bytes
 * of lowercased names; it returns 1 when normalization changes the list, 0
 * when the input is already normalized (then it can be used as is).
 * _into writes the normalized list (always, also when unchanged) into out
 * and bytes, and the count into *out_n; H2S_BUFFER_TOO_SMALL (nothing
 * written) when out_cap < *nfields or bytes_cap < *nbytes,
 * H2S_INVALID_ARGUMENT for NULL pointers. */
int h2_headers_normalize_outbound_size(const h2_hpack_field *f, size_t n,
                                       uint32_t flags, size_t *nfields,
                                       size_t *nbytes);
int h2_headers_normalize_outbound_into(const h2_hpack_field *f, size_t n,
                                       uint32_t flags, h2_hpack_field *out,
                                       size_t out_cap, uint8_t *bytes,
                                       size_t bytes_cap, size_t *out_n);

/* Inbound normalization, h2's normalize_inbound_headers (RFC 9113 §8.2.3):
 * when the list has cookie fields, the other fields keep their order and a
 * single cookie field follows them last, its value the cookie values joined
 * with "; " and its flags H2_HF_NEVER_INDEX (as h2 does, also for a single
 * cookie). Without cookies the input is returned as is (no allocation).
 * One block from mem holds the new array and the joined value.
 * Returns H2S_OK, H2S_NOMEM (out zeroed) or H2S_INVALID_ARGUMENT. */
int h2_headers_normalize_inbound(const h2_mem *mem, const h2_hpack_field *f,
                                 size_t n, h2_header_list *out);

#ifdef __cplusplus
}
#endif

#endif
