/* HTTP/2 header field validation and normalization, see h2_headers.h.
 *
 * Where the Python h2 package (4.x) and RFC 9113 disagree, RFC 9113 (and
 * the RFCs it relies on) wins:
 *  1. Field names: h2 rejects only empty names, A-Z and surrounding
 *     whitespace; we also reject any character outside the lowercase token
 *     set (RFC 9113 §8.2.1: 0x00-0x20, 0x7f-0xff, ':' except the leading
 *     colon of a pseudo-header; RFC 9110 §5.1: a name is a token).
 *  2. Field values: h2 does not look for NUL, CR, LF; we reject them
 *     (§8.2.1).
 *  3. Surrounding whitespace of values: h2 rejects any of Python's
 *     whitespace (SP HT LF VT FF CR) at either end; §8.2.1 forbids only SP
 *     and HTAB there (LF and CR are rejected anywhere), so a value starting
 *     or ending with VT or FF is accepted.
 *  4. Outbound names with A-Z when normalization is off: h2 sends them;
 *     §8.2 says names MUST be lowercase, so it is an error both ways.
 *  5. CONNECT (§8.5): h2 requires :scheme and :path on every request; a
 *     plain CONNECT must omit them and carry :authority.
 *  6. :protocol (RFC 8441 §3, §4): h2 accepts it on any CONNECT; we also
 *     require SETTINGS_ENABLE_CONNECT_PROTOCOL (H2_HV_CONNECT_PROTOCOL)
 *     and :authority (besides :scheme and :path).
 *  7. :path (§8.3.1): h2 only rejects an empty one; for http and https it
 *     must begin with '/', or be "*" in an OPTIONS request.
 *  8. :method must be a token (RFC 9110 §9.1) and :scheme a URI scheme
 *     (RFC 3986 §3.1), §8.3.1 "valid value"; h2 does not check. For http
 *     and https, :authority must not carry userinfo (§8.3.1, RFC 9110
 *     §4.2.4).
 *  9. :status (§8.3.2, RFC 9110 §15): h2 does not check it; we require
 *     three digits in 100..599, and reject 101 (§8.6).
 * 10. content-length (RFC 9110 §8.6): h2 parses it with Python's int(),
 *     which accepts "+1", " 1", "1_0" and "-1", and uses the first field
 *     only; we require 1*DIGIT fitting int64, and equal values across
 *     fields.
 * 11. Host: h2 only compares the last host field with :authority; several
 *     host fields must all be equal (RFC 9110 §7.2: Host is a singleton).
 * 12. Promised requests (§8.4): h2 does not check them; they must use a
 *     safe and cacheable method (GET, HEAD), carry :authority and have no
 *     content (content-length, if any, 0).
 * Matching h2: te is compared case-insensitively with "trailers" (also
 * RFC 5234 §2.3: ABNF literals are case-insensitive); a request needs
 * :authority or host; outbound normalization drops connection-specific
 * fields rather than failing. */
#include "h2_headers.h"

#include <string.h>

#include "h2_err.h"

/* Character classes. */
enum {
  C_NAME = 0x01,  /* lowercase tchar (RFC 9110 §5.6.2 without A-Z) */
  C_UPPER = 0x02, /* A-Z */
  C_VBAD = 0x04,  /* NUL, LF, CR: never in a value (§8.2.1) */
  C_OWS = 0x08,   /* SP, HTAB: not at either end of a value (§8.2.1) */
  C_PYWS = 0x10,  /* Python's whitespace, stripped by normalization */
  C_SCHEME = 0x20 /* ALPHA DIGIT + - . (RFC 3986 §3.1) */
};

static const uint8_t cls[256] = {
    0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 00 */
    0x00, 0x18, 0x14, 0x10, 0x10, 0x14, 0x00, 0x00, /* 08 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 10 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 18 */
    0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, /* 20 */
    0x00, 0x00, 0x01, 0x21, 0x00, 0x21, 0x21, 0x00, /* 28 */
    0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, /* 30 */
    0x21, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 38 */
    0x00, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 40 */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 48 */
    0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, /* 50 */
    0x22, 0x22, 0x22, 0x00, 0x00, 0x00, 0x01, 0x01, /* 58 */
    0x01, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, /* 60 */
    0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, /* 68 */
    0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, 0x21, /* 70 */
    0x21, 0x21, 0x21, 0x00, 0x01, 0x00, 0x01, 0x00, /* 78 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 80 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 88 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 90 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 98 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* a0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* a8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* b0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* b8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* c0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* c8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* d0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* d8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* e0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* e8 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* f0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* f8 */
};

/* Pseudo-header ids; the H2_PH_* bit of id i is 1 << i. */
enum { P_METHOD, P_SCHEME, P_AUTHORITY, P_PATH, P_PROTOCOL, P_STATUS, P_N };

static const char *const dup_msg[P_N] = {
    "duplicate pseudo-header :method",    "duplicate pseudo-header :scheme",
    "duplicate pseudo-header :authority", "duplicate pseudo-header :path",
    "duplicate pseudo-header :protocol",  "duplicate pseudo-header :status"};
static const char *const late_msg[P_N] = {
    "pseudo-header :method after a regular field",
    "pseudo-header :scheme after a regular field",
    "pseudo-header :authority after a regular field",
    "pseudo-header :path after a regular field",
    "pseudo-header :protocol after a regular field",
    "pseudo-header :status after a regular field"};
static const char *const in_response_msg[P_N] = {
    "request pseudo-header :method in a response",
    "request pseudo-header :scheme in a response",
    "request pseudo-header :authority in a response",
    "request pseudo-header :path in a response",
    "request pseudo-header :protocol in a response",
    NULL};

/* Pseudo-headers allowed per kind (§8.3): H2_HB_REQUEST, RESPONSE,
 * TRAILERS (none, §8.1), PUSH_REQUEST. */
static const uint8_t allowed_pseudo[4] = {0x1f, 0x20, 0x00, 0x1f};

/* name includes the colon; -1 when not a defined pseudo-header. */
static int pseudo_id(const uint8_t *p, size_t len) {
  switch (len) {
  case 5: return memcmp(p, ":path", 5) ? -1 : P_PATH;
  case 7:
    if (!memcmp(p, ":method", 7)) return P_METHOD;
    if (!memcmp(p, ":scheme", 7)) return P_SCHEME;
    if (!memcmp(p, ":status", 7)) return P_STATUS;
    return -1;
  case 9: return memcmp(p, ":protocol", 9) ? -1 : P_PROTOCOL;
  case 10: return memcmp(p, ":authority", 10) ? -1 : P_AUTHORITY;
  default: return -1;
  }
}

/* Regular names with a rule. */
enum {
  N_OTHER,
  N_COOKIE,
  N_HOST,
  N_TE,
  N_CONTENT_LENGTH,
  N_AUTHORIZATION,
  N_PROXY_AUTHORIZATION,
  /* connection-specific, §8.2.2 */
  N_CONNECTION,
  N_KEEP_ALIVE,
  N_PROXY_CONNECTION,
  N_TRANSFER_ENCODING,
  N_UPGRADE
};
#define N_FIRST_CONN N_CONNECTION
#define N_LONGEST 19 /* proxy-authorization */

static const char *const conn_msg[5] = {
    "connection-specific header field: connection",
    "connection-specific header field: keep-alive",
    "connection-specific header field: proxy-connection",
    "connection-specific header field: transfer-encoding",
    "connection-specific header field: upgrade"};

/* p is lowercase. */
static int regular_id(const uint8_t *p, size_t len) {
  switch (len) {
  case 2: return (p[0] == 't' && p[1] == 'e') ? N_TE : N_OTHER;
  case 4: return memcmp(p, "host", 4) ? N_OTHER : N_HOST;
  case 6: return memcmp(p, "cookie", 6) ? N_OTHER : N_COOKIE;
  case 7: return memcmp(p, "upgrade", 7) ? N_OTHER : N_UPGRADE;
  case 10:
    if (!memcmp(p, "connection", 10)) return N_CONNECTION;
    if (!memcmp(p, "keep-alive", 10)) return N_KEEP_ALIVE;
    return N_OTHER;
  case 13: return memcmp(p, "authorization", 13) ? N_OTHER : N_AUTHORIZATION;
  case 14: return memcmp(p, "content-length", 14) ? N_OTHER : N_CONTENT_LENGTH;
  case 16:
    return memcmp(p, "proxy-connection", 16) ? N_OTHER : N_PROXY_CONNECTION;
  case 17:
    return memcmp(p, "transfer-encoding", 17) ? N_OTHER : N_TRANSFER_ENCODING;
  case 19:
    return memcmp(p, "proxy-authorization", 19) ? N_OTHER
                                                : N_PROXY_AUTHORIZATION;
  default: return N_OTHER;
  }
}

static uint8_t lower(uint8_t c) {
  return (cls[c] & C_UPPER) ? (uint8_t)(c | 0x20u) : c;
}

/* ASCII case-insensitive compare with a lowercase literal. */
static int eq_ci(const uint8_t *p, size_t len, const char *lit, size_t n) {
  size_t i;
  if (len != n) return 0;
  for (i = 0; i < n; i++)
    if (lower(p[i]) != (uint8_t)lit[i]) return 0;
  return 1;
}

static int same_value(const h2_hpack_field *a, const h2_hpack_field *b) {
  return a->value_len == b->value_len &&
         (a->value_len == 0 || !memcmp(a->value, b->value, a->value_len));
}

/* content-length = 1*DIGIT (RFC 9110 §8.6), within int64; else
 * H2_CL_INVALID. Leading zeros are digits like any other. */
static int64_t parse_content_length(const uint8_t *p, size_t len) {
  const uint64_t max = (uint64_t)INT64_MAX;
  uint64_t v = 0;
  size_t i;
  if (len == 0) return H2_CL_INVALID;
  for (i = 0; i < len; i++) {
    uint32_t d = (uint32_t)p[i] - (uint32_t)'0';
    if (d > 9) return H2_CL_INVALID;
    if (v > (max - d) / 10) return H2_CL_INVALID;
    v = v * 10 + d;
  }
  return (int64_t)v;
}

static uint8_t method_of(const uint8_t *p, size_t len) {
  switch (len) {
  case 3: return memcmp(p, "GET", 3) ? H2_METHOD_OTHER : H2_METHOD_GET;
  case 4:
    if (!memcmp(p, "HEAD", 4)) return H2_METHOD_HEAD;
    if (!memcmp(p, "POST", 4)) return H2_METHOD_POST;
    return H2_METHOD_OTHER;
  case 7:
    if (!memcmp(p, "CONNECT", 7)) return H2_METHOD_CONNECT;
    if (!memcmp(p, "OPTIONS", 7)) return H2_METHOD_OPTIONS;
    return H2_METHOD_OTHER;
  default: return H2_METHOD_OTHER;
  }
}

/* Three digits, 100..599; 0 otherwise. */
static uint16_t parse_status(const uint8_t *p, size_t len) {
  uint32_t a, b, c;
  if (len != 3) return 0;
  a = (uint32_t)p[0] - (uint32_t)'0';
  b = (uint32_t)p[1] - (uint32_t)'0';
  c = (uint32_t)p[2] - (uint32_t)'0';
  if (a < 1 || a > 5 || b > 9 || c > 9) return 0;
  return (uint16_t)(a * 100 + b * 10 + c);
}

static int is_alpha(uint8_t c) { return (uint8_t)((c | 0x20u) - 'a') < 26; }

static int is_http_scheme(const h2_hpack_field *s) {
  return eq_ci(s->value, s->value_len, "https", 5) ||
         eq_ci(s->value, s->value_len, "http", 4);
}

static void info_init(h2_header_info *info) {
  memset(info, 0, sizeof *info);
  info->content_length = H2_CL_ABSENT;
}

/* ---- validation --------------------------------------------------------
 * One pass over the fields for the per-field rules, collecting the
 * pseudo-headers and host, then the per-message rules. */

#define FAIL(msg)                                                              \
  do {                                                                         \
    if (why) *why = (msg);                                                     \
    return H2S_PROTOCOL;                                                       \
  } while (0)

/* Name of a regular field, or the part after ':' of a pseudo-header
 * (§8.2.1, §8.2). NULL when valid. */
static const char *name_problem(const uint8_t *p, size_t len) {
  uint8_t acc = C_NAME;
  size_t i;
  for (i = 0; i < len; i++)
    acc &= cls[p[i]];
  if (acc & C_NAME) return NULL;
  for (i = 0; i < len; i++)
    if (cls[p[i]] & C_UPPER) return "uppercase character in header name";
  return "invalid character in header name";
}

static int check_request(const h2_hpack_field *const ph[P_N],
                         const h2_hpack_field *host, int kind, uint32_t flags,
                         h2_header_info *info, const char **why) {
  const h2_hpack_field *m = ph[P_METHOD], *s = ph[P_SCHEME];
  const h2_hpack_field *a = ph[P_AUTHORITY], *p = ph[P_PATH];
  size_t i;

  /* §8.3.1: :method, a token (RFC 9110 §9.1) */
  if (!m) FAIL("missing :method");
  if (m->value_len == 0) FAIL("invalid :method");
  for (i = 0; i < m->value_len; i++)
    if (!(cls[m->value[i]] & (C_NAME | C_UPPER))) FAIL("invalid :method");
  info->method = method_of(m->value, m->value_len);

  /* RFC 8441 §4: :protocol only on CONNECT, and only once the setting is
   * in force (§3) */
  if (ph[P_PROTOCOL]) {
    if (info->method != H2_METHOD_CONNECT)
      FAIL(":protocol in a request that is not CONNECT");
    if (!(flags & H2_HV_CONNECT_PROTOCOL))
      FAIL(":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL");
    info->extended_connect = 1;
  }

  if (info->method == H2_METHOD_CONNECT && !ph[P_PROTOCOL]) {
    /* §8.5: :scheme and :path omitted, :authority is the target */
    if (s || p) FAIL("CONNECT request with :scheme or :path");
    if (!a || a->value_len == 0) FAIL("CONNECT request without :authority");
  } else {
    /* §8.3.1; RFC 8441 §4 for extended CONNECT */
    if (!s) FAIL("missing :scheme");
    if (!p) FAIL("missing :path");
    /* RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (s->value_len == 0 || !is_alpha(s->value[0])) FAIL("invalid :scheme");
    for (i = 1; i < s->value_len; i++)
      if (!(cls[s->value[i]] & C_SCHEME)) FAIL("invalid :scheme");
    if (p->value_len == 0) FAIL("empty :path");
    if (is_http_scheme(s)) {
      if (p->value[0] != '/' && !(p->value_len == 1 && p->value[0] == '*' &&
                                  info->method == H2_METHOD_OPTIONS))
        FAIL(":path must begin with '/' (or be '*' for OPTIONS)");
      if (a && a->value_len && memchr(a->value, '@', a->value_len))
        FAIL("userinfo in :authority");
    }
    if (ph[P_PROTOCOL] && !a)
      FAIL("extended CONNECT request without :authority");
  }

  if (kind == H2_HB_PUSH_REQUEST) {
    /* §8.4: safe and cacheable, no content, server names its authority */
    if (info->method != H2_METHOD_GET && info->method != H2_METHOD_HEAD)
      FAIL("promised request method is not safe and cacheable");
    if (!a) FAIL("promised request without :authority");
    if (info->content_length > 0) FAIL("promised request with content");
  }

  /* h2: :authority or host required; §8.3.1: must not differ */
  if (!a && !host) FAIL("request without :authority or host");
  if (a && host && !same_value(a, host)) FAIL(":authority and host differ");
  return H2S_OK;
}

/* No NUL, CR or LF in v (§8.2.1): eight bytes at a time, the last word
 * overlapping the one before. */
#define ONES 0x0101010101010101u
#define HIGHS 0x8080808080808080u

static int word_has_bad(const uint8_t *p) {
  uint64_t w, a, b;
  memcpy(&w, p, 8);
  a = w ^ (ONES * 0x0a);
  b = w ^ (ONES * 0x0d);
  return ((((w - ONES) & ~w) | ((a - ONES) & ~a) | ((b - ONES) & ~b)) &
          HIGHS) != 0;
}

static int value_has_bad(const uint8_t *v, size_t vl) {
  size_t j;
  if (vl < 8) {
    unsigned acc;
    if (vl >= 4)
      acc = (unsigned)cls[v[0]] | cls[v[1]] | cls[v[2]] | cls[v[vl - 1]] |
            cls[v[vl - 2]] | cls[v[vl - 3]] | cls[v[vl - 4]];
    else
      acc = (unsigned)cls[v[0]] | cls[v[vl / 2]] | cls[v[vl - 1]];
    return (acc & C_VBAD) != 0;
  }
  for (j = 0; j + 8 < vl; j += 8)
    if (word_has_bad(v + j)) return 1;
  return word_has_bad(v + vl - 8);
}

/* Every byte of p is a lowercase tchar (§8.2.1, RFC 9110 §5.1). */
static int name_is_plain(const uint8_t *p, size_t n) {
  unsigned acc = C_NAME;
  size_t j = 0;
  for (; j + 4 <= n; j += 4)
    acc &= (unsigned)cls[p[j]] & cls[p[j + 1]] & cls[p[j + 2]] & cls[p[j + 3]];
  for (; j < n; j++)
    acc &= cls[p[j]];
  return (acc & C_NAME) != 0;
}

/* plain: also fail (without a message) on anything outbound normalization
 * would change: Python whitespace at either end of a value, and the fields
 * it marks never-indexed or splits (cookie, authorization,
 * proxy-authorization). Names it would change are invalid anyway. */
static int validate(const h2_hpack_field *f, size_t n, int kind,
                    uint32_t flags, h2_header_info *info, const char **why,
                    int plain) {
  const h2_hpack_field *ph[P_N] = {NULL, NULL, NULL, NULL, NULL, NULL};
  const h2_hpack_field *host = NULL;
  h2_header_info local;
  unsigned allowed, seen = 0;
  int regular_seen = 0;
  size_t i;
  const uint8_t end_ws = plain ? C_PYWS : C_OWS;

  if (!info) info = &local;
  info_init(info);
  if ((n && !f) || kind < H2_HB_REQUEST || kind > H2_HB_PUSH_REQUEST) {
    if (why) *why = "invalid argument";
    return H2S_INVALID_ARGUMENT;
  }
  allowed = allowed_pseudo[kind];

  for (i = 0; i < n; i++) {
    const uint8_t *name = f[i].name, *v = f[i].value;
    size_t nl = f[i].name_len, vl = f[i].value_len;
    const char *bad;

    if (nl == 0) FAIL("Received header name with zero length");
    /* §8.2.1 values: no NUL, CR, LF; no SP/HTAB at either end */
    if (vl) {
      if ((cls[v[0]] | cls[v[vl - 1]]) & end_ws)
        FAIL("leading or trailing whitespace in header value");
      if (value_has_bad(v, vl)) FAIL("NUL, CR or LF in header value");
    }

    if (name[0] == ':') {
      /* §8.3: defined pseudo-headers only, once each, before the others */
      int id;
      if (!name_is_plain(name + 1, nl - 1) &&
          (bad = name_problem(name + 1, nl - 1)) != NULL)
        FAIL(bad);
      id = pseudo_id(name, nl);
      if (id < 0) FAIL("unknown pseudo-header field");
      if (regular_seen) FAIL(late_msg[id]);
      if (ph[id]) FAIL(dup_msg[id]);
      if (!(allowed & (1u << id))) {
        if (kind == H2_HB_TRAILERS) FAIL("pseudo-header field in trailers");
        if (kind == H2_HB_RESPONSE) FAIL(in_response_msg[id]);
        FAIL("response pseudo-header :status in a request");
      }
      ph[id] = &f[i];
      seen |= 1u << id;
      continue;
    }

    if (!name_is_plain(name, nl) && (bad = name_problem(name, nl)) != NULL)
      FAIL(bad);
    regular_seen = 1;
    switch (regular_id(name, nl)) {
    case N_OTHER: break;
    case N_COOKIE:
      if (plain) return H2S_PROTOCOL;
      info->cookie_count++;
      break;
    case N_HOST:
      /* RFC 9110 §7.2: one Host */
      if (host && !same_value(host, &f[i])) FAIL("host header fields differ");
      host = &f[i];
      info->has_host = 1;
      break;
    case N_TE:
      /* §8.2.2: te only with "trailers" */
      if (!eq_ci(v, vl, "trailers", 8))
        FAIL("te header field with a value other than trailers");
      info->has_te_trailers = 1;
      break;
    case N_CONTENT_LENGTH: {
      int64_t cl = parse_content_length(v, vl);
      if (cl < 0) FAIL("Invalid content-length header");
      if (info->content_length >= 0 && info->content_length != cl)
        FAIL("Conflicting content-length headers");
      info->content_length = cl;
      break;
    }
    case N_AUTHORIZATION:
    case N_PROXY_AUTHORIZATION:
      if (plain) return H2S_PROTOCOL;
      break;
    default: /* §8.2.2 */ FAIL(conn_msg[regular_id(name, nl) - N_FIRST_CONN]);
    }
  }
  info->pseudo = (uint8_t)seen;

  switch (kind) {
  case H2_HB_RESPONSE: {
    /* §8.3.2: :status, 3 digits (RFC 9110 §15); no 101 (§8.6) */
    uint16_t st;
    if (!ph[P_STATUS]) FAIL("missing :status");
    st = parse_status(ph[P_STATUS]->value, ph[P_STATUS]->value_len);
    if (st == 0) FAIL("invalid :status");
    if (st == 101) FAIL(":status 101 is not allowed in HTTP/2");
    info->status = st;
    info->informational = st < 200;
    return H2S_OK;
  }
  case H2_HB_TRAILERS: return H2S_OK;
  default: return check_request(ph, host, kind, flags, info, why);
  }
}

int h2_headers_validate(const h2_hpack_field *f, size_t n, int kind,
                        uint32_t flags, h2_header_info *info,
                        const char **why) {
  return validate(f, n, kind, flags, info, why, 0);
}

int h2_headers_validate_plain(const h2_hpack_field *f, size_t n, int kind,
                              uint32_t flags, h2_header_info *info) {
  return validate(f, n, kind, flags, info, NULL, 1);
}

/* ---- info only ---------------------------------------------------------- */

void h2_headers_info(const h2_hpack_field *f, size_t n, int kind,
                     h2_header_info *info) {
  unsigned seen = 0;
  size_t i;
  (void)kind;
  if (!info) return;
  info_init(info);
  if (!f) return;
  for (i = 0; i < n; i++) {
    const uint8_t *name = f[i].name, *v = f[i].value;
    size_t nl = f[i].name_len, vl = f[i].value_len;
    if (nl == 0) continue;
    if (name[0] == ':') {
      int id = pseudo_id(name, nl);
      if (id < 0 || (seen & (1u << id))) continue;
      seen |= 1u << id;
      if (id == P_METHOD) {
        info->method = method_of(v, vl);
      } else if (id == P_STATUS) {
        info->status = parse_status(v, vl);
        info->informational = info->status != 0 && info->status < 200;
      } else if (id == P_PROTOCOL) {
        info->extended_connect = 1;
      }
      continue;
    }
    switch (regular_id(name, nl)) {
    case N_COOKIE: info->cookie_count++; break;
    case N_HOST: info->has_host = 1; break;
    case N_TE:
      if (eq_ci(v, vl, "trailers", 8)) info->has_te_trailers = 1;
      break;
    case N_CONTENT_LENGTH: {
      int64_t cl = parse_content_length(v, vl);
      if (info->content_length == H2_CL_ABSENT)
        info->content_length = cl;
      else if (info->content_length != cl)
        info->content_length = H2_CL_INVALID;
      break;
    }
    default: break;
    }
  }
  info->pseudo = (uint8_t)seen;
}

/* ---- normalization ------------------------------------------------------ */

/* Python's bytes.strip(): SP HT LF VT FF CR at both ends. */
static void strip_ws(const uint8_t **p, size_t *len) {
  const uint8_t *s = *p;
  size_t n = *len;
  while (n && (cls[s[0]] & C_PYWS)) {
    s++;
    n--;
  }
  while (n && (cls[s[n - 1]] & C_PYWS))
    n--;
  *p = s;
  *len = n;
}

/* regular_id() of a name that may hold A-Z. */
static int regular_id_ci(const uint8_t *p, size_t len, int has_upper) {
  uint8_t tmp[N_LONGEST];
  size_t i;
  if (!has_upper) return regular_id(p, len);
  if (len > N_LONGEST) return N_OTHER;
  for (i = 0; i < len; i++)
    tmp[i] = lower(p[i]);
  return regular_id(tmp, len);
}

/* One walk over the input: counts (out == NULL) or writes. Both runs take
 * the same decisions, so the counts are exact. */
typedef struct out_walk {
  h2_hpack_field *out;
  uint8_t *bytes;
  size_t nf, nb;
  int changed;
} out_walk;

static void emit(out_walk *w, const uint8_t *name, size_t nl, const uint8_t *v,
                 size_t vl, int id, uint32_t in_flags) {
  uint32_t fl = in_flags;
  size_t svl = vl;
  if (vl) strip_ws(&v, &svl); /* step 3, value */
  if (svl != vl) w->changed = 1;
  /* step 5: h2's secure headers */
  if (id == N_AUTHORIZATION || id == N_PROXY_AUTHORIZATION ||
      (id == N_COOKIE && svl < 20))
    fl |= H2_HF_NEVER_INDEX;
  if (fl != in_flags) w->changed = 1;
  if (w->out) {
    h2_hpack_field *o = &w->out[w->nf];
    o->name = name;
    o->name_len = nl;
    o->value = v;
    o->value_len = svl;
    o->flags = fl;
  }
  w->nf++;
}

static void walk_outbound(const h2_hpack_field *f, size_t n, uint32_t flags,
                          out_walk *w) {
  size_t i, j;
  for (i = 0; i < n; i++) {
    const uint8_t *name = f[i].name, *v = f[i].value;
    size_t nl = f[i].name_len, vl = f[i].value_len;
    uint8_t acc = 0;
    int split, id;
    for (j = 0; j < nl; j++)
      acc |= cls[name[j]];
    /* step 2 looks at the lowercased name before stripping, as h2 does */
    split = (flags & H2_HN_SPLIT_COOKIES) && eq_ci(name, nl, "cookie", 6);
    if (nl) strip_ws(&name, &nl); /* step 3, name */
    if (nl != f[i].name_len) w->changed = 1;
    id = regular_id_ci(name, nl, (acc & C_UPPER) != 0);
    if (id >= N_FIRST_CONN) { /* step 4 */
      w->changed = 1;
      continue;
    }
    if (acc & C_UPPER) { /* step 1 */
      if (w->bytes) {
        uint8_t *d = w->bytes + w->nb;
        for (j = 0; j < nl; j++)
          d[j] = lower(name[j]);
        name = d;
      }
      w->nb += nl;
      w->changed = 1;
    }
    if (!split || vl == 0) {
      emit(w, name, nl, v, vl, id, f[i].flags);
      continue;
    }
    /* step 2: split on each "; " (RFC 9113 §8.2.3) */
    {
      const uint8_t *p = v, *end = v + vl;
      for (;;) {
        const uint8_t *s = p, *q = NULL;
        while (s < end) {
          s = (const uint8_t *)memchr(s, ';', (size_t)(end - s));
          if (!s) break;
          if (s + 1 < end && s[1] == ' ') {
            q = s;
            break;
          }
          s++;
        }
        if (!q) {
          emit(w, name, nl, p, (size_t)(end - p), id, f[i].flags);
          break;
        }
        emit(w, name, nl, p, (size_t)(q - p), id, f[i].flags);
        w->changed = 1;
        p = q + 2;
      }
    }
  }
}

/* One block: nf fields, then nb bytes. */
static void *alloc_block(const h2_mem *mem, size_t nf, size_t nb,
                         h2_hpack_field **fields, uint8_t **bytes) {
  void *block;
  if (nf > (SIZE_MAX - nb) / sizeof(h2_hpack_field)) return NULL;
  block = h2_mem_malloc(mem, nf * sizeof(h2_hpack_field) + nb);
  if (!block) return NULL;
  *fields = (h2_hpack_field *)block;
  *bytes = (uint8_t *)block + nf * sizeof(h2_hpack_field);
  return block;
}

void h2_header_list_free(h2_header_list *list) {
  if (!list) return;
  if (list->block) h2_mem_free(list->mem, list->block);
  memset(list, 0, sizeof *list);
}

int h2_headers_normalize_outbound_size(const h2_hpack_field *f, size_t n,
                                       uint32_t flags, size_t *nfields,
                                       size_t *nbytes) {
  out_walk w = {NULL, NULL, 0, 0, 0};
  if (f) walk_outbound(f, n, flags, &w);
  if (nfields) *nfields = w.nf;
  if (nbytes) *nbytes = w.nb;
  return w.changed;
}

int h2_headers_normalize_outbound_into(const h2_hpack_field *f, size_t n,
                                       uint32_t flags, h2_hpack_field *out,
                                       size_t out_cap, uint8_t *bytes,
                                       size_t bytes_cap, size_t *out_n) {
  out_walk w = {NULL, NULL, 0, 0, 0};
  if ((n && !f) || !out_n) return H2S_INVALID_ARGUMENT;
  *out_n = 0;
  walk_outbound(f, n, flags, &w);
  if (w.nf > out_cap || w.nb > bytes_cap) return H2S_BUFFER_TOO_SMALL;
  if ((w.nf && !out) || (w.nb && !bytes)) return H2S_INVALID_ARGUMENT;
  w.out = out;
  w.bytes = bytes;
  w.nf = w.nb = 0;
  walk_outbound(f, n, flags, &w);
  *out_n = w.nf;
  return H2S_OK;
}

int h2_headers_normalize_outbound(const h2_mem *mem, const h2_hpack_field *f,
                                  size_t n, uint32_t flags,
                                  h2_header_list *out) {
  out_walk w = {NULL, NULL, 0, 0, 0};
  h2_hpack_field *fields;
  uint8_t *bytes;
  if (!out) return H2S_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  if (n && !f) return H2S_INVALID_ARGUMENT;
  out->mem = mem;
  walk_outbound(f, n, flags, &w);
  if (!w.changed || w.nf == 0) { /* as is, or every field dropped */
    out->fields = f;
    out->count = w.changed ? 0 : n;
    return H2S_OK;
  }
  out->block = alloc_block(mem, w.nf, w.nb, &fields, &bytes);
  if (!out->block) {
    memset(out, 0, sizeof *out);
    return H2S_NOMEM;
  }
  w.out = fields;
  w.bytes = bytes;
  w.nf = w.nb = 0;
  walk_outbound(f, n, flags, &w);
  out->fields = fields;
  out->count = w.nf;
  return H2S_OK;
}

/* ---- inbound normalization ---------------------------------------------- */

static const uint8_t cookie_name[6] = {'c', 'o', 'o', 'k', 'i', 'e'};

static int is_cookie(const h2_hpack_field *h) {
  return h->name_len == 6 && !memcmp(h->name, cookie_name, 6);
}

int h2_headers_normalize_inbound(const h2_mem *mem, const h2_hpack_field *f,
                                 size_t n, h2_header_list *out) {
  size_t i, j = 0, k = 0, total = 0, last = 0, nb, nf;
  h2_hpack_field *fields, *o;
  uint8_t *bytes, *d;
  if (!out) return H2S_INVALID_ARGUMENT;
  memset(out, 0, sizeof *out);
  if (n && !f) return H2S_INVALID_ARGUMENT;
  out->mem = mem;
  for (i = 0; i < n; i++) {
    if (!is_cookie(&f[i])) continue;
    if (f[i].value_len > SIZE_MAX / 2 - total) return H2S_NOMEM;
    total += f[i].value_len;
    k++;
    last = i;
  }
  /* nothing to do: no cookie, or one that is already last, never-indexed */
  if (k == 0 ||
      (k == 1 && last == n - 1 && f[last].flags == H2_HF_NEVER_INDEX)) {
    out->fields = f;
    out->count = n;
    return H2S_OK;
  }
  nf = n - k + 1;
  nb = k == 1 ? 0 : total + 2 * (k - 1); /* "; " between values */
  out->block = alloc_block(mem, nf, nb, &fields, &bytes);
  if (!out->block) {
    memset(out, 0, sizeof *out);
    return H2S_NOMEM;
  }
  o = fields;
  d = bytes;
  for (i = 0; i < n; i++) {
    if (!is_cookie(&f[i])) {
      *o++ = f[i];
      continue;
    }
    if (k == 1) continue;
    if (j++) {
      *d++ = ';';
      *d++ = ' ';
    }
    if (f[i].value_len) memcpy(d, f[i].value, f[i].value_len);
    d += f[i].value_len;
  }
  /* §8.2.3: one cookie field, last, never indexed (as h2) */
  o->name = cookie_name;
  o->name_len = 6;
  o->value = k == 1 ? f[last].value : bytes;
  o->value_len = k == 1 ? f[last].value_len : nb;
  o->flags = H2_HF_NEVER_INDEX;
  out->fields = fields;
  out->count = nf;
  return H2S_OK;
}
