// Header field validation and normalization (core/h2_headers.c): one test
// per rule of RFC 9113 §8 (and RFC 8441 extended CONNECT), passing and
// failing, in both directions and for every kind of block; exact outputs
// of the outbound and inbound normalizations; content-length parsing; a
// table of real-world header lists; allocation behaviour; random input.
#include "h2_headers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "h2_err.h"
}

namespace {

struct H {
  std::string n, v;
  uint32_t fl = 0;
};
using L = std::vector<H>;

// Field array pointing into the strings of hs (hs must outlive it).
std::vector<h2_hpack_field> Fields(const L &hs) {
  std::vector<h2_hpack_field> f;
  for (const H &h : hs) {
    h2_hpack_field x;
    x.name = reinterpret_cast<const uint8_t *>(h.n.data());
    x.name_len = h.n.size();
    x.value = reinterpret_cast<const uint8_t *>(h.v.data());
    x.value_len = h.v.size();
    x.flags = h.fl;
    f.push_back(x);
  }
  return f;
}

L ToL(const h2_hpack_field *f, size_t n) {
  L out;
  for (size_t i = 0; i < n; i++)
    out.push_back(
        {std::string(reinterpret_cast<const char *>(f[i].name), f[i].name_len),
         std::string(reinterpret_cast<const char *>(f[i].value),
                     f[i].value_len),
         f[i].flags});
  return out;
}

bool operator==(const H &a, const H &b) {
  return a.n == b.n && a.v == b.v && a.fl == b.fl;
}
std::ostream &operator<<(std::ostream &os, const H &h) {
  return os << "{\"" << h.n << "\", \"" << h.v << "\", " << h.fl << "}";
}

struct Result {
  int rc;
  std::string why;
  h2_header_info info;
};

Result Validate(const L &hs, int kind, uint32_t flags = 0) {
  std::vector<h2_hpack_field> f = Fields(hs);
  Result r;
  const char *why = nullptr;
  r.rc = h2_headers_validate(f.data(), f.size(), kind, flags, &r.info, &why);
  r.why = why ? why : "";
  if (r.rc == H2S_OK) {
    EXPECT_EQ(why, nullptr);
  }
  return r;
}

const uint32_t kDirs[] = {0u, H2_HV_INBOUND};
const int kKinds[] = {H2_HB_REQUEST, H2_HB_RESPONSE, H2_HB_TRAILERS,
                      H2_HB_PUSH_REQUEST};

// Both directions give the same answer.
void ExpectOk(const L &hs, int kind, uint32_t extra = 0) {
  for (uint32_t d : kDirs) {
    Result r = Validate(hs, kind, d | extra);
    EXPECT_EQ(r.rc, H2S_OK) << "kind " << kind << " dir " << d << ": " << r.why;
  }
}
void ExpectBad(const L &hs, int kind, const std::string &why,
               uint32_t extra = 0) {
  for (uint32_t d : kDirs) {
    Result r = Validate(hs, kind, d | extra);
    EXPECT_EQ(r.rc, H2S_PROTOCOL) << "kind " << kind << " dir " << d;
    EXPECT_EQ(r.why, why) << "kind " << kind << " dir " << d;
  }
}

L Req() {
  return {{":method", "GET"},
          {":scheme", "https"},
          {":authority", "example.com"},
          {":path", "/"}};
}
L Push() { return Req(); }
L Resp() { return {{":status", "200"}}; }

// The minimal valid block of a kind.
L Base(int kind) {
  switch (kind) {
  case H2_HB_RESPONSE: return Resp();
  case H2_HB_TRAILERS: return {};
  default: return Req();
  }
}

L Plus(L base, const L &more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

L Set(L base, const std::string &name, const std::string &value) {
  for (H &h : base)
    if (h.n == name) h.v = value;
  return base;
}

L Without(L base, const std::string &name) {
  L out;
  for (H &h : base)
    if (h.n != name) out.push_back(h);
  return out;
}

// ---- field names (RFC 9113 §8.2.1, §8.2) ---------------------------------

TEST(HeadersName, BaseBlocksAreValid) {
  for (int k : kKinds)
    ExpectOk(Base(k), k);
}

TEST(HeadersName, EmptyName) {
  for (int k : kKinds)
    ExpectBad(Plus(Base(k), {{"", "x"}}), k, "Received header name with zero length");
}

TEST(HeadersName, UppercaseRejectedEveryKindBothDirections) {
  for (int k : kKinds) {
    ExpectBad(Plus(Base(k), {{"X-Foo", "1"}}), k,
              "uppercase character in header name");
    ExpectBad(Plus(Base(k), {{"x-foO", "1"}}), k,
              "uppercase character in header name");
    ExpectOk(Plus(Base(k), {{"x-foo", "1"}}), k);
  }
  L r = Req();
  r[3].n = ":PATH";
  ExpectBad(r, H2_HB_REQUEST, "uppercase character in header name");
}

TEST(HeadersName, EveryByteOutsideLowercaseTokenRejected) {
  const std::string tchar =
      "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
  for (int c = 0; c < 256; c++) {
    if (c >= 'A' && c <= 'Z') continue;
    std::string name = "x-";
    name += static_cast<char>(c);
    name += "y";
    L l = Plus(Req(), {{name, "v"}});
    Result r = Validate(l, H2_HB_REQUEST, H2_HV_INBOUND);
    if (tchar.find(static_cast<char>(c)) != std::string::npos) {
      EXPECT_EQ(r.rc, H2S_OK) << c;
    } else {
      EXPECT_EQ(r.rc, H2S_PROTOCOL) << c;
      EXPECT_EQ(r.why, "invalid character in header name") << c;
    }
  }
}

TEST(HeadersName, ColonOnlyLeadingInPseudo) {
  for (int k : kKinds) {
    ExpectBad(Plus(Base(k), {{"foo:bar", "1"}}), k,
              "invalid character in header name");
    ExpectBad(Plus(Base(k), {{"foo:", "1"}}), k,
              "invalid character in header name");
  }
  L r = Req();
  r[3].n = "::path";
  ExpectBad(r, H2_HB_REQUEST, "invalid character in header name");
}

// ---- field values (§8.2.1) -------------------------------------------------

TEST(HeadersValue, NulCrLfRejectedAnywhere) {
  for (int k : kKinds) {
    for (char c : {'\0', '\r', '\n'}) {
      std::string mid = std::string("a") + c + "b";
      std::string start = std::string(1, c) + "ab";
      std::string end = std::string("ab") + c;
      for (const std::string &v : {mid, start, end})
        ExpectBad(Plus(Base(k), {{"x", v}}), k,
                  "NUL, CR or LF in header value");
    }
  }
  // also in a pseudo-header value
  ExpectBad(Set(Req(), ":path", std::string("/a\nb")), H2_HB_REQUEST,
            "NUL, CR or LF in header value");
}

TEST(HeadersValue, SurroundingSpaceOrTabRejected) {
  for (int k : kKinds) {
    for (const char *v : {" a", "a ", "\ta", "a\t", " ", "\t", " a b "})
      ExpectBad(Plus(Base(k), {{"x", v}}), k,
                "leading or trailing whitespace in header value");
    ExpectOk(Plus(Base(k), {{"x", "a b\tc"}}), k);
  }
  ExpectBad(Set(Req(), ":authority", "example.com "), H2_HB_REQUEST,
            "leading or trailing whitespace in header value");
}

TEST(HeadersValue, OtherBytesAccepted) {
  // RFC 9113 only forbids NUL/CR/LF; VT/FF at the ends are not SP/HTAB
  // (h2 rejects them: RFC wins), obs-text is fine, empty values too.
  for (int k : kKinds) {
    ExpectOk(Plus(Base(k), {{"x", ""}}), k);
    ExpectOk(Plus(Base(k), {{"x", "\x0b"
                                  "a\x0c"}}),
             k);
    ExpectOk(Plus(Base(k), {{"x", "caf\xc3\xa9 \x80\xff"}}), k);
    ExpectOk(Plus(Base(k), {{"x", "\x01\x7f"}}), k);
  }
}

// ---- pseudo-headers (§8.3)
// ---------------------------------------------------

TEST(HeadersPseudo, AfterRegularFieldRejected) {
  L r = Req();
  r.insert(r.begin() + 2, {"x", "1"});
  ExpectBad(r, H2_HB_REQUEST, "pseudo-header :authority after a regular field");
  ExpectBad(r, H2_HB_PUSH_REQUEST,
            "pseudo-header :authority after a regular field");
  ExpectBad({{"server", "x"}, {":status", "200"}}, H2_HB_RESPONSE,
            "pseudo-header :status after a regular field");
}

TEST(HeadersPseudo, DuplicatesRejected) {
  for (int k : {H2_HB_REQUEST, H2_HB_PUSH_REQUEST}) {
    for (const char *p : {":method", ":scheme", ":authority", ":path"}) {
      L r = Req();
      r.insert(r.begin() + 1, {p, "x"});
      ExpectBad(r, k, std::string("duplicate pseudo-header ") + p);
    }
  }
  ExpectBad({{":status", "200"}, {":status", "200"}}, H2_HB_RESPONSE,
            "duplicate pseudo-header :status");
  L ext = Set(Req(), ":method", "CONNECT");
  ext.insert(ext.begin(), {":protocol", "websocket"});
  ext.insert(ext.begin(), {":protocol", "websocket"});
  ExpectBad(ext, H2_HB_REQUEST, "duplicate pseudo-header :protocol",
            H2_HV_CONNECT_PROTOCOL);
}

TEST(HeadersPseudo, UnknownRejected) {
  for (int k : kKinds) {
    L l = Base(k);
    l.insert(l.begin(), {":foo", "bar"});
    ExpectBad(l, k, "unknown pseudo-header field");
    l = Base(k);
    l.insert(l.begin(), {":", "bar"});
    ExpectBad(l, k, "unknown pseudo-header field");
  }
}

TEST(HeadersPseudo, NoneInTrailers) {
  for (const char *p :
       {":method", ":scheme", ":authority", ":path", ":protocol", ":status"})
    ExpectBad({{p, "x"}, {"grpc-status", "0"}}, H2_HB_TRAILERS,
              "pseudo-header field in trailers");
  ExpectOk({{"grpc-status", "0"}, {"grpc-message", "ok"}}, H2_HB_TRAILERS);
  ExpectOk({}, H2_HB_TRAILERS);
}

TEST(HeadersPseudo, RequestPseudoInResponse) {
  for (const char *p :
       {":method", ":scheme", ":authority", ":path", ":protocol"})
    ExpectBad({{":status", "200"}, {p, "x"}}, H2_HB_RESPONSE,
              std::string("request pseudo-header ") + p + " in a response");
}

TEST(HeadersPseudo, StatusInRequest) {
  for (int k : {H2_HB_REQUEST, H2_HB_PUSH_REQUEST})
    ExpectBad(Plus({{":status", "200"}}, Req()), k,
              "response pseudo-header :status in a request");
}

// ---- requests (§8.3.1)
// ---------------------------------------------------------

TEST(HeadersRequest, MandatoryPseudoHeaders) {
  for (int k : {H2_HB_REQUEST, H2_HB_PUSH_REQUEST}) {
    ExpectBad(Without(Req(), ":method"), k, "missing :method");
    ExpectBad(Without(Req(), ":scheme"), k, "missing :scheme");
    ExpectBad(Without(Req(), ":path"), k, "missing :path");
    ExpectBad({}, k, "missing :method");
  }
}

TEST(HeadersRequest, EmptyPathRejected) {
  ExpectBad(Set(Req(), ":path", ""), H2_HB_REQUEST, "empty :path");
  ExpectBad(Set(Set(Req(), ":scheme", "foo"), ":path", ""), H2_HB_REQUEST,
            "empty :path");
}

TEST(HeadersRequest, PathFormForHttpSchemes) {
  const std::string msg = ":path must begin with '/' (or be '*' for OPTIONS)";
  for (const char *scheme : {"http", "https", "HTTPS"}) {
    L r = Set(Req(), ":scheme", scheme);
    ExpectBad(Set(r, ":path", "index.html"), H2_HB_REQUEST, msg);
    ExpectBad(Set(r, ":path", "*"), H2_HB_REQUEST, msg);
    ExpectBad(Set(r, ":path", "http://example.com/"), H2_HB_REQUEST, msg);
    ExpectOk(Set(r, ":path", "/a/b?c=d"), H2_HB_REQUEST);
    ExpectOk(Set(Set(r, ":path", "*"), ":method", "OPTIONS"), H2_HB_REQUEST);
    ExpectBad(Set(Set(r, ":path", "*x"), ":method", "OPTIONS"), H2_HB_REQUEST,
              msg);
    ExpectOk(Set(Set(r, ":path", "/"), ":method", "OPTIONS"), H2_HB_REQUEST);
  }
  // other schemes: any non-empty :path
  ExpectOk(Set(Set(Req(), ":scheme", "urn"), ":path", "isbn:123"),
           H2_HB_REQUEST);
}

TEST(HeadersRequest, MethodMustBeToken) {
  for (const char *m : {"", "GE T", "GET(", "G:T", "\xc3\xa9"})
    ExpectBad(Set(Req(), ":method", m), H2_HB_REQUEST, "invalid :method");
  for (const char *m :
       {"PUT", "DELETE", "PATCH", "PROPFIND", "M-SEARCH", "get"})
    ExpectOk(Set(Req(), ":method", m), H2_HB_REQUEST);
}

TEST(HeadersRequest, SchemeSyntax) {
  for (const char *s : {"", "1http", "+a", "ht tp", "ht_tp", "h:"})
    ExpectBad(Set(Req(), ":scheme", s), H2_HB_REQUEST, "invalid :scheme");
  for (const char *s : {"foo", "svn+ssh", "a.b-c", "Z9"})
    ExpectOk(Set(Req(), ":scheme", s), H2_HB_REQUEST);
}

TEST(HeadersRequest, AuthorityOrHostRequired) {
  L noauth = Without(Req(), ":authority");
  ExpectBad(noauth, H2_HB_REQUEST, "request without :authority or host");
  ExpectOk(Plus(noauth, {{"host", "example.com"}}), H2_HB_REQUEST);
  ExpectOk(Plus(Req(), {{"host", "example.com"}}), H2_HB_REQUEST);
  ExpectBad(Plus(Req(), {{"host", "example.org"}}), H2_HB_REQUEST,
            ":authority and host differ");
  ExpectBad(Plus(Req(), {{"host", "example.com:443"}}), H2_HB_REQUEST,
            ":authority and host differ");
  ExpectBad(Plus(noauth, {{"host", "a"}, {"host", "b"}}), H2_HB_REQUEST,
            "host header fields differ");
  ExpectOk(Plus(noauth, {{"host", "a"}, {"host", "a"}}), H2_HB_REQUEST);
  // responses and trailers carry neither
  ExpectOk(Resp(), H2_HB_RESPONSE);
  ExpectOk(Plus(Resp(), {{"host", "whatever"}}), H2_HB_RESPONSE);
  ExpectOk({{"host", "x"}}, H2_HB_TRAILERS);
}

TEST(HeadersRequest, UserinfoInAuthority) {
  ExpectBad(Set(Req(), ":authority", "user:pw@example.com"), H2_HB_REQUEST,
            "userinfo in :authority");
  ExpectOk(Set(Set(Req(), ":scheme", "foo"), ":authority", "u@h"),
           H2_HB_REQUEST);
}

// ---- CONNECT (§8.5) and extended CONNECT (RFC 8441) ------------------------

L Connect() {
  return {{":method", "CONNECT"}, {":authority", "example.com:443"}};
}
L ExtConnect() {
  return {{":method", "CONNECT"},
          {":protocol", "websocket"},
          {":scheme", "https"},
          {":path", "/chat"},
          {":authority", "example.com"}};
}

TEST(HeadersConnect, PlainConnect) {
  ExpectOk(Connect(), H2_HB_REQUEST);
  Result r = Validate(Connect(), H2_HB_REQUEST, H2_HV_INBOUND);
  EXPECT_EQ(r.info.method, H2_METHOD_CONNECT);
  EXPECT_EQ(r.info.extended_connect, 0);
  ExpectOk(Connect(), H2_HB_REQUEST, H2_HV_CONNECT_PROTOCOL);
  ExpectBad(Plus(Connect(), {{":scheme", "https"}}), H2_HB_REQUEST,
            "CONNECT request with :scheme or :path");
  ExpectBad(Plus(Connect(), {{":path", "/"}}), H2_HB_REQUEST,
            "CONNECT request with :scheme or :path");
  ExpectBad(Without(Connect(), ":authority"), H2_HB_REQUEST,
            "CONNECT request without :authority");
  ExpectBad(Plus(Without(Connect(), ":authority"), {{"host", "a:1"}}),
            H2_HB_REQUEST, "CONNECT request without :authority");
  ExpectBad(Set(Connect(), ":authority", ""), H2_HB_REQUEST,
            "CONNECT request without :authority");
  // a CONNECT can not be promised
  ExpectBad(Connect(), H2_HB_PUSH_REQUEST,
            "promised request method is not safe and cacheable");
}

TEST(HeadersConnect, ExtendedConnect) {
  ExpectOk(ExtConnect(), H2_HB_REQUEST, H2_HV_CONNECT_PROTOCOL);
  Result r = Validate(ExtConnect(), H2_HB_REQUEST,
                      H2_HV_INBOUND | H2_HV_CONNECT_PROTOCOL);
  EXPECT_EQ(r.info.extended_connect, 1);
  EXPECT_EQ(r.info.method, H2_METHOD_CONNECT);
  EXPECT_EQ(r.info.pseudo, H2_PH_METHOD | H2_PH_PROTOCOL | H2_PH_SCHEME |
                               H2_PH_PATH | H2_PH_AUTHORITY);
  ExpectBad(ExtConnect(), H2_HB_REQUEST,
            ":protocol without SETTINGS_ENABLE_CONNECT_PROTOCOL");
  ExpectBad(Set(ExtConnect(), ":method", "GET"), H2_HB_REQUEST,
            ":protocol in a request that is not CONNECT",
            H2_HV_CONNECT_PROTOCOL);
  ExpectBad(Without(ExtConnect(), ":path"), H2_HB_REQUEST, "missing :path",
            H2_HV_CONNECT_PROTOCOL);
  ExpectBad(Without(ExtConnect(), ":scheme"), H2_HB_REQUEST, "missing :scheme",
            H2_HV_CONNECT_PROTOCOL);
  ExpectBad(
      Plus(Without(ExtConnect(), ":authority"), {{"host", "example.com"}}),
      H2_HB_REQUEST, "extended CONNECT request without :authority",
      H2_HV_CONNECT_PROTOCOL);
  ExpectBad(ExtConnect(), H2_HB_RESPONSE,
            "request pseudo-header :method in a response");
}

// ---- responses (§8.3.2, §8.6) ----------------------------------------------

TEST(HeadersResponse, StatusRequiredAndThreeDigits) {
  ExpectBad({{"server", "x"}}, H2_HB_RESPONSE, "missing :status");
  ExpectBad({}, H2_HB_RESPONSE, "missing :status");
  for (const char *s : {"", "20", "2000", "abc", "2a0", "099", "000", "600",
                        "999", "+20", "-20", "0x1"})
    ExpectBad({{":status", s}}, H2_HB_RESPONSE, "invalid :status");
  ExpectBad({{":status", " 200"}}, H2_HB_RESPONSE,
            "leading or trailing whitespace in header value");
}

TEST(HeadersResponse, Status101Rejected) {
  ExpectBad({{":status", "101"}, {"sec-websocket-accept", "x"}}, H2_HB_RESPONSE,
            ":status 101 is not allowed in HTTP/2");
  ExpectBad({{":status", "101"}}, H2_HB_RESPONSE,
            ":status 101 is not allowed in HTTP/2");
}

TEST(HeadersResponse, StatusValuesAndInformational) {
  struct {
    const char *s;
    uint16_t code;
    uint8_t info;
  } cases[] = {{"100", 100, 1}, {"102", 102, 1}, {"103", 103, 1},
               {"199", 199, 1}, {"200", 200, 0}, {"204", 204, 0},
               {"304", 304, 0}, {"404", 404, 0}, {"599", 599, 0}};
  for (auto &c : cases) {
    for (uint32_t d : kDirs) {
      Result r = Validate({{":status", c.s}}, H2_HB_RESPONSE, d);
      ASSERT_EQ(r.rc, H2S_OK) << c.s << r.why;
      EXPECT_EQ(r.info.status, c.code);
      EXPECT_EQ(r.info.informational, c.info);
      EXPECT_EQ(r.info.method, H2_METHOD_NONE);
      EXPECT_EQ(r.info.pseudo, H2_PH_STATUS);
    }
  }
}

// ---- connection-specific fields (§8.2.2) -----------------------------------

TEST(HeadersConnectionSpecific, Rejected) {
  for (int k : kKinds)
    for (const char *n : {"connection", "keep-alive", "proxy-connection",
                          "transfer-encoding", "upgrade"})
      ExpectBad(Plus(Base(k), {{n, "x"}}), k,
                std::string("connection-specific header field: ") + n);
  for (int k : kKinds)
    for (const char *n :
         {"connections", "keep-alive2", "upgrade-insecure-requests",
          "x-connection", "transfer-encodings"})
      ExpectOk(Plus(Base(k), {{n, "1"}}), k);
}

TEST(HeadersConnectionSpecific, TeOnlyTrailers) {
  const std::string msg = "te header field with a value other than trailers";
  for (int k : kKinds) {
    ExpectOk(Plus(Base(k), {{"te", "trailers"}}), k);
    ExpectOk(Plus(Base(k), {{"te", "Trailers"}}), k); // case-insensitive
    ExpectOk(Plus(Base(k), {{"te", "TRAILERS"}}), k);
    for (const char *v : {"gzip", "trailers, deflate", "trailer", "",
                          "trailersx", "deflate;q=0.5"})
      ExpectBad(Plus(Base(k), {{"te", v}}), k, msg);
  }
  Result r = Validate(Plus(Req(), {{"te", "trailers"}}), H2_HB_REQUEST);
  EXPECT_EQ(r.info.has_te_trailers, 1);
  r = Validate(Req(), H2_HB_REQUEST);
  EXPECT_EQ(r.info.has_te_trailers, 0);
}

// ---- content-length (RFC 9110 §8.6) ----------------------------------------

TEST(HeadersContentLength, Parsing) {
  struct {
    const char *v;
    int64_t want; // -2: rejected
  } cases[] = {
      {"0", 0},
      {"1", 1},
      {"007", 7}, // leading zeros are digits
      {"000", 0},
      {"1234567890", 1234567890},
      {"9223372036854775807", INT64_MAX},
      {"09223372036854775807", INT64_MAX},
      {"9223372036854775808", -2},
      {"18446744073709551615", -2},
      {"18446744073709551616", -2},
      {"99999999999999999999999", -2},
      {"", -2},
      {"+1", -2},
      {"-1", -2},
      {"1_0", -2},
      {"0x10", -2},
      {"1.0", -2},
      {"1,1", -2},
      {"1e3", -2},
      {"١", -2}, // non-ASCII digit
  };
  for (int k : kKinds) {
    for (auto &c : cases) {
      for (uint32_t d : kDirs) {
        Result r = Validate(Plus(Base(k), {{"content-length", c.v}}), k, d);
        if (k == H2_HB_PUSH_REQUEST && c.want > 0) {
          EXPECT_EQ(r.why, "promised request with content") << c.v;
          continue;
        }
        if (c.want >= 0) {
          ASSERT_EQ(r.rc, H2S_OK) << c.v << " " << r.why;
          EXPECT_EQ(r.info.content_length, c.want) << c.v;
        } else {
          EXPECT_EQ(r.rc, H2S_PROTOCOL) << c.v;
          EXPECT_EQ(r.why, "Invalid content-length header") << c.v;
        }
      }
    }
  }
  // surrounding whitespace is rejected as whitespace first
  for (const char *v : {" 1", "1 ", "\t1"})
    ExpectBad(Plus(Req(), {{"content-length", v}}), H2_HB_REQUEST,
              "leading or trailing whitespace in header value");
  ExpectBad(Plus(Req(), {{"content-length", "1 2"}}), H2_HB_REQUEST,
            "Invalid content-length header");
}

TEST(HeadersContentLength, AbsentAndMultiple) {
  Result r = Validate(Req(), H2_HB_REQUEST);
  EXPECT_EQ(r.info.content_length, H2_CL_ABSENT);
  r = Validate(Plus(Resp(), {{"content-length", "5"}, {"content-length", "5"}}),
               H2_HB_RESPONSE);
  EXPECT_EQ(r.rc, H2S_OK);
  EXPECT_EQ(r.info.content_length, 5);
  r = Validate(
      Plus(Resp(), {{"content-length", "5"}, {"content-length", "05"}}),
      H2_HB_RESPONSE);
  EXPECT_EQ(r.rc, H2S_OK);
  EXPECT_EQ(r.info.content_length, 5);
  for (int k : kKinds)
    ExpectBad(
        Plus(Base(k),
             {{"content-length", "0"}, {"x", "y"}, {"content-length", "6"}}),
        k, "Conflicting content-length headers");
  ExpectBad(Plus(Resp(), {{"content-length", "5"}, {"content-length", "x"}}),
            H2_HB_RESPONSE, "Invalid content-length header");
}

// ---- PUSH_PROMISE requests (§8.4) ------------------------------------------

TEST(HeadersPush, SafeCacheableMethodOnly) {
  ExpectOk(Push(), H2_HB_PUSH_REQUEST);
  ExpectOk(Set(Push(), ":method", "HEAD"), H2_HB_PUSH_REQUEST);
  for (const char *m : {"POST", "PUT", "DELETE", "OPTIONS", "get", "PATCH"})
    ExpectBad(Set(Push(), ":method", m), H2_HB_PUSH_REQUEST,
              "promised request method is not safe and cacheable");
  // the same methods are fine in a request
  ExpectOk(Set(Req(), ":method", "POST"), H2_HB_REQUEST);
}

TEST(HeadersPush, AuthorityRequired) {
  ExpectBad(Plus(Without(Push(), ":authority"), {{"host", "example.com"}}),
            H2_HB_PUSH_REQUEST, "promised request without :authority");
  ExpectOk(Plus(Without(Req(), ":authority"), {{"host", "example.com"}}),
           H2_HB_REQUEST);
}

TEST(HeadersPush, NoContent) {
  ExpectBad(Plus(Push(), {{"content-length", "10"}}), H2_HB_PUSH_REQUEST,
            "promised request with content");
  ExpectOk(Plus(Push(), {{"content-length", "0"}}), H2_HB_PUSH_REQUEST);
  ExpectOk(Plus(Req(), {{"content-length", "10"}}), H2_HB_REQUEST);
}

TEST(HeadersPush, NoProtocol) {
  L ext = ExtConnect();
  ExpectBad(ext, H2_HB_PUSH_REQUEST,
            "promised request method is not safe and cacheable",
            H2_HV_CONNECT_PROTOCOL);
}

// ---- info
// ---------------------------------------------------------------------

TEST(HeadersInfo, FilledByValidate) {
  L l = Plus(Req(), {{"host", "example.com"},
                     {"cookie", "a=1"},
                     {"cookie", "b=2"},
                     {"te", "trailers"},
                     {"content-length", "42"}});
  Result r = Validate(Set(l, ":method", "POST"), H2_HB_REQUEST, H2_HV_INBOUND);
  ASSERT_EQ(r.rc, H2S_OK) << r.why;
  EXPECT_EQ(r.info.method, H2_METHOD_POST);
  EXPECT_EQ(r.info.content_length, 42);
  EXPECT_EQ(r.info.status, 0);
  EXPECT_EQ(r.info.informational, 0);
  EXPECT_EQ(r.info.extended_connect, 0);
  EXPECT_EQ(r.info.has_te_trailers, 1);
  EXPECT_EQ(r.info.has_host, 1);
  EXPECT_EQ(r.info.cookie_count, 2u);
  EXPECT_EQ(r.info.pseudo,
            H2_PH_METHOD | H2_PH_SCHEME | H2_PH_AUTHORITY | H2_PH_PATH);
  struct {
    const char *m;
    uint8_t want;
  } methods[] = {{"GET", H2_METHOD_GET},        {"HEAD", H2_METHOD_HEAD},
                 {"POST", H2_METHOD_POST},      {"OPTIONS", H2_METHOD_OPTIONS},
                 {"PUT", H2_METHOD_OTHER},      {"get", H2_METHOD_OTHER},
                 {"CONNECTX", H2_METHOD_OTHER}, {"HEA", H2_METHOD_OTHER}};
  for (auto &m : methods) {
    r = Validate(Set(Req(), ":method", m.m), H2_HB_REQUEST);
    ASSERT_EQ(r.rc, H2S_OK);
    EXPECT_EQ(r.info.method, m.want) << m.m;
  }
}

TEST(HeadersInfo, NullInfoAndWhyAllowed) {
  L bad = {{"X", "y"}};
  std::vector<h2_hpack_field> f = Fields(bad);
  EXPECT_EQ(h2_headers_validate(f.data(), f.size(), H2_HB_TRAILERS, 0, nullptr,
                                nullptr),
            H2S_PROTOCOL);
  L req = Req();
  f = Fields(req);
  EXPECT_EQ(h2_headers_validate(f.data(), f.size(), H2_HB_REQUEST, 0, nullptr,
                                nullptr),
            H2S_OK);
}

TEST(HeadersInfo, InvalidArguments) {
  h2_header_info info;
  const char *why = nullptr;
  EXPECT_EQ(h2_headers_validate(nullptr, 1, H2_HB_REQUEST, 0, &info, &why),
            H2S_INVALID_ARGUMENT);
  L req = Req();
  std::vector<h2_hpack_field> f = Fields(req);
  EXPECT_EQ(h2_headers_validate(f.data(), f.size(), 4, 0, &info, &why),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_headers_validate(f.data(), f.size(), -1, 0, &info, &why),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_headers_validate(nullptr, 0, H2_HB_TRAILERS, 0, &info, &why),
            H2S_OK);
  EXPECT_EQ(info.content_length, H2_CL_ABSENT);
}

TEST(HeadersInfo, InfoOnlyIsLenient) {
  h2_header_info info;
  // invalid in many ways, still described
  L l = {{"x-first", "1"},        {":status", "204"},
         {"Content-Length", "5"}, // not lowercase: not recognised
         {":status", "500"},      // first wins
         {":method", "HEAD"},     {":protocol", "websocket"},
         {"te", "TRAILERS"},      {"host", "a"},
         {"cookie", "c"},         {"connection", "close"}};
  std::vector<h2_hpack_field> f = Fields(l);
  h2_headers_info(f.data(), f.size(), H2_HB_RESPONSE, &info);
  EXPECT_EQ(info.status, 204);
  EXPECT_EQ(info.informational, 0);
  EXPECT_EQ(info.method, H2_METHOD_HEAD);
  EXPECT_EQ(info.extended_connect, 1);
  EXPECT_EQ(info.has_te_trailers, 1);
  EXPECT_EQ(info.has_host, 1);
  EXPECT_EQ(info.cookie_count, 1u);
  EXPECT_EQ(info.content_length, H2_CL_ABSENT);
  EXPECT_EQ(info.pseudo, H2_PH_STATUS | H2_PH_METHOD | H2_PH_PROTOCOL);

  struct {
    L l;
    int64_t want;
  } cls[] = {
      {{{"content-length", "12"}}, 12},
      {{{"content-length", "+12"}}, H2_CL_INVALID},
      {{{"content-length", " 12"}}, H2_CL_INVALID},
      {{{"content-length", "99999999999999999999"}}, H2_CL_INVALID},
      {{{"content-length", "1"}, {"content-length", "1"}}, 1},
      {{{"content-length", "1"}, {"content-length", "2"}}, H2_CL_INVALID},
      {{{"content-length", "x"}, {"content-length", "2"}}, H2_CL_INVALID},
      {{{"content-length", "2"}, {"content-length", "x"}}, H2_CL_INVALID},
      {{}, H2_CL_ABSENT},
  };
  for (auto &c : cls) {
    f = Fields(c.l);
    h2_headers_info(f.data(), f.size(), H2_HB_REQUEST, &info);
    EXPECT_EQ(info.content_length, c.want);
  }
  L st = {{":status", "1xx"}};
  f = Fields(st);
  h2_headers_info(f.data(), f.size(), H2_HB_RESPONSE, &info);
  EXPECT_EQ(info.status, 0);
  EXPECT_EQ(info.informational, 0);
  st = {{":status", "100"}};
  f = Fields(st);
  h2_headers_info(f.data(), f.size(), H2_HB_RESPONSE, &info);
  EXPECT_EQ(info.status, 100);
  EXPECT_EQ(info.informational, 1);
  h2_headers_info(nullptr, 3, H2_HB_REQUEST, &info);
  EXPECT_EQ(info.content_length, H2_CL_ABSENT);
  h2_headers_info(nullptr, 0, H2_HB_REQUEST, nullptr); // no crash
}

TEST(HeadersInfo, InfoMatchesValidateOnValidLists) {
  L lists[] = {Plus(Req(), {{"te", "trailers"}, {"content-length", "3"}}),
               ExtConnect(),
               Connect(),
               Plus(Resp(), {{"content-length", "0"}, {"cookie", "x"}}),
               {{":status", "103"}, {"link", "</a.css>; rel=preload"}}};
  int kinds[] = {H2_HB_REQUEST, H2_HB_REQUEST, H2_HB_REQUEST, H2_HB_RESPONSE,
                 H2_HB_RESPONSE};
  for (size_t i = 0; i < 5; i++) {
    std::vector<h2_hpack_field> f = Fields(lists[i]);
    h2_header_info a, b;
    ASSERT_EQ(h2_headers_validate(f.data(), f.size(), kinds[i],
                                  H2_HV_CONNECT_PROTOCOL, &a, nullptr),
              H2S_OK);
    h2_headers_info(f.data(), f.size(), kinds[i], &b);
    EXPECT_EQ(0, memcmp(&a, &b, sizeof a)) << i;
  }
}

// ---- outbound normalization
// --------------------------------------------------

L NormOut(const L &in, uint32_t flags, bool *allocated = nullptr) {
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  EXPECT_EQ(
      h2_headers_normalize_outbound(nullptr, f.data(), f.size(), flags, &out),
      H2S_OK);
  L r = ToL(out.fields, out.count);
  if (allocated) *allocated = out.block != nullptr;
  // the caller-storage variant gives the same list
  size_t nf = 0, nb = 0;
  int changed =
      h2_headers_normalize_outbound_size(f.data(), f.size(), flags, &nf, &nb);
  EXPECT_EQ(changed != 0, out.block != nullptr || (nf == 0 && !in.empty()));
  std::vector<h2_hpack_field> of(nf);
  std::vector<uint8_t> ob(nb);
  size_t on = 99;
  EXPECT_EQ(h2_headers_normalize_outbound_into(
                f.data(), f.size(), flags, of.data(), nf, ob.data(), nb, &on),
            H2S_OK);
  EXPECT_EQ(on, nf);
  EXPECT_EQ(ToL(of.data(), on), r);
  if (nf > 0) {
    EXPECT_EQ(h2_headers_normalize_outbound_into(f.data(), f.size(), flags,
                                                 of.data(), nf - 1, ob.data(),
                                                 nb, &on),
              H2S_BUFFER_TOO_SMALL);
  }
  if (nb > 0) {
    EXPECT_EQ(h2_headers_normalize_outbound_into(f.data(), f.size(), flags,
                                                 of.data(), nf, ob.data(),
                                                 nb - 1, &on),
              H2S_BUFFER_TOO_SMALL);
  }
  h2_header_list_free(&out);
  EXPECT_EQ(out.block, nullptr);
  return r;
}

const uint32_t NI = H2_HF_NEVER_INDEX;

TEST(HeadersNormalizeOut, UnchangedListIsReturnedAsIs) {
  L in =
      Plus(Req(), {{"accept", "*/*"}, {"cookie", "a-long-cookie-value-1234"}});
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  ASSERT_EQ(h2_headers_normalize_outbound(nullptr, f.data(), f.size(),
                                          H2_HN_SPLIT_COOKIES, &out),
            H2S_OK);
  EXPECT_EQ(out.fields, f.data());
  EXPECT_EQ(out.count, f.size());
  EXPECT_EQ(out.block, nullptr);
  h2_header_list_free(&out);
  size_t nf, nb;
  EXPECT_EQ(h2_headers_normalize_outbound_size(f.data(), f.size(),
                                               H2_HN_SPLIT_COOKIES, &nf, &nb),
            0);
  EXPECT_EQ(nf, f.size());
  EXPECT_EQ(nb, 0u);
  // empty list
  ASSERT_EQ(h2_headers_normalize_outbound(nullptr, nullptr, 0, 0, &out),
            H2S_OK);
  EXPECT_EQ(out.count, 0u);
  EXPECT_EQ(out.block, nullptr);
}

TEST(HeadersNormalizeOut, LowercasesNames) {
  bool alloc = false;
  L out = NormOut({{":method", "GET"},
                   {"Content-Type", "Text/HTML"},
                   {"X-ABC-z09", "V"},
                   {"accept", "x"}},
                  0, &alloc);
  EXPECT_TRUE(alloc);
  L want = {{":method", "GET"},
            {"content-type", "Text/HTML"}, // values untouched
            {"x-abc-z09", "V"},
            {"accept", "x"}};
  EXPECT_EQ(out, want);
  // non-ASCII bytes are not case-mapped
  out = NormOut({{"X-\xc3\x89", "1"}}, 0);
  EXPECT_EQ(out, (L{{"x-\xc3\x89", "1"}}));
}

TEST(HeadersNormalizeOut, StripsNamesAndValues) {
  L out = NormOut({{" X-Foo\t", "\t bar \r\n"},
                   {"a", "\x0b\x0c"
                         "b c\x0b"},
                   {"b", " "},
                   {"c", "in side"},
                   {"d", "\x80 "}},
                  0);
  L want = {{"x-foo", "bar"},
            {"a", "b c"},
            {"b", ""},
            {"c", "in side"},
            {"d", "\x80"}};
  EXPECT_EQ(out, want);
}

TEST(HeadersNormalizeOut, SplitsCookies) {
  L out = NormOut({{"cookie", "a=1; b=2; c=3-long-enough-value-here"}},
                  H2_HN_SPLIT_COOKIES);
  L want = {{"cookie", "a=1", NI},
            {"cookie", "b=2", NI},
            {"cookie", "c=3-long-enough-value-here", 0}};
  EXPECT_EQ(out, want);
  // only "; " splits; empty pieces are kept (h2: bytes.split)
  out = NormOut({{"cookie", "a=1;b=2; ; c"}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "a=1;b=2", NI}, {"cookie", "", NI}, {"cookie", "c", NI}};
  EXPECT_EQ(out, want);
  out = NormOut({{"cookie", "a=1; "}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "a=1", NI}, {"cookie", "", NI}};
  EXPECT_EQ(out, want);
  out = NormOut({{"cookie", "; "}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "", NI}, {"cookie", "", NI}};
  EXPECT_EQ(out, want);
  out = NormOut({{"cookie", ";"}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", ";", NI}};
  EXPECT_EQ(out, want);
  out = NormOut({{"cookie", ""}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "", NI}};
  EXPECT_EQ(out, want);
  // pieces are stripped after splitting
  out = NormOut({{"cookie", "a=1 ;  b=2"}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "a=1", NI}, {"cookie", "b=2", NI}};
  EXPECT_EQ(out, want);
  // mixed-case name is lowercased, then split
  out = NormOut({{"CooKie", "x=1; y=2"}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "x=1", NI}, {"cookie", "y=2", NI}};
  EXPECT_EQ(out, want);
  // as in h2, a name with surrounding whitespace is not split
  out = NormOut({{" cookie", "x=1; y=2"}}, H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "x=1; y=2", NI}};
  EXPECT_EQ(out, want);
  // the input's flags are kept on each piece
  out = NormOut({{"cookie", "x=1234567890123456789012; y=2", NI}},
                H2_HN_SPLIT_COOKIES);
  want = {{"cookie", "x=1234567890123456789012", NI}, {"cookie", "y=2", NI}};
  EXPECT_EQ(out, want);
  // without the flag, no split
  out = NormOut({{"cookie", "a=1; b=2"}}, 0);
  want = {{"cookie", "a=1; b=2", NI}};
  EXPECT_EQ(out, want);
  // order around the pieces is kept
  out = NormOut({{"a", "1"}, {"cookie", "p; q"}, {"b", "2"}},
                H2_HN_SPLIT_COOKIES);
  want = {{"a", "1"}, {"cookie", "p", NI}, {"cookie", "q", NI}, {"b", "2"}};
  EXPECT_EQ(out, want);
}

TEST(HeadersNormalizeOut, DropsConnectionSpecificFields) {
  L out = NormOut({{":status", "200"},
                   {"Connection", "close"},
                   {"keep-alive", "timeout=5"},
                   {"Proxy-Connection", "x"},
                   {" transfer-encoding ", "chunked"},
                   {"UPGRADE", "h2c"},
                   {"te", "gzip"}, // kept: validation decides
                   {"x", "y"}},
                  0);
  L want = {{":status", "200"}, {"te", "gzip"}, {"x", "y"}};
  EXPECT_EQ(out, want);
  // everything dropped
  L in = {{"connection", "close"}};
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list l;
  ASSERT_EQ(h2_headers_normalize_outbound(nullptr, f.data(), 1, 0, &l), H2S_OK);
  EXPECT_EQ(l.count, 0u);
  EXPECT_EQ(l.block, nullptr);
  size_t nf, nb;
  EXPECT_EQ(h2_headers_normalize_outbound_size(f.data(), 1, 0, &nf, &nb), 1);
  EXPECT_EQ(nf, 0u);
}

TEST(HeadersNormalizeOut, MarksSensitiveFields) {
  L out = NormOut({{"Authorization", "Basic Zm9vOmJhcg=="},
                   {"proxy-authorization", "x"},
                   {"authorization2", "x"},
                   {"cookie", "0123456789012345678"},   // 19: never indexed
                   {"cookie", "01234567890123456789"},  // 20: indexed
                   {"cookie", " 0123456789012345678 "}, // 19 after strip
                   {"set-cookie", "a=1"},
                   {"x-token", "secret", NI}},
                  0);
  L want = {{"authorization", "Basic Zm9vOmJhcg==", NI},
            {"proxy-authorization", "x", NI},
            {"authorization2", "x"},
            {"cookie", "0123456789012345678", NI},
            {"cookie", "01234567890123456789"},
            {"cookie", "0123456789012345678", NI},
            {"set-cookie", "a=1"},
            {"x-token", "secret", NI}};
  EXPECT_EQ(out, want);
}

TEST(HeadersNormalizeOut, OutputValidates) {
  L in = {{":Method", "GET"},
          {":scheme", "https "},
          {":path", "/"},
          {"Host", " example.com"},
          {"Connection", "keep-alive"},
          {"User-Agent", "t\t"},
          {"Cookie", "a=1; b=2"}};
  std::vector<h2_hpack_field> f = Fields(in);
  const char *why = nullptr;
  EXPECT_EQ(
      h2_headers_validate(f.data(), f.size(), H2_HB_REQUEST, 0, nullptr, &why),
      H2S_PROTOCOL);
  EXPECT_STREQ(why, "uppercase character in header name");
  h2_header_list out;
  ASSERT_EQ(h2_headers_normalize_outbound(nullptr, f.data(), f.size(),
                                          H2_HN_SPLIT_COOKIES, &out),
            H2S_OK);
  h2_header_info info;
  EXPECT_EQ(
      h2_headers_validate(out.fields, out.count, H2_HB_REQUEST, 0, &info, &why),
      H2S_OK)
      << why;
  EXPECT_EQ(info.cookie_count, 2u);
  h2_header_list_free(&out);
  h2_header_list_free(&out); // twice is fine
  h2_header_list_free(nullptr);
}

TEST(HeadersNormalizeOut, InvalidArguments) {
  h2_header_list out;
  EXPECT_EQ(h2_headers_normalize_outbound(nullptr, nullptr, 1, 0, &out),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_headers_normalize_outbound(nullptr, nullptr, 0, 0, nullptr),
            H2S_INVALID_ARGUMENT);
  size_t n;
  EXPECT_EQ(h2_headers_normalize_outbound_into(nullptr, 1, 0, nullptr, 0,
                                               nullptr, 0, &n),
            H2S_INVALID_ARGUMENT);
  L in = {{"A", "b"}};
  std::vector<h2_hpack_field> f = Fields(in);
  EXPECT_EQ(h2_headers_normalize_outbound_into(f.data(), 1, 0, nullptr, 5,
                                               nullptr, 5, &n),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_headers_normalize_outbound_into(f.data(), 1, 0, nullptr, 0,
                                               nullptr, 0, &n),
            H2S_BUFFER_TOO_SMALL);
}

// ---- inbound normalization
// ---------------------------------------------------

L NormIn(const L &in, bool *allocated = nullptr) {
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  EXPECT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), f.size(), &out),
            H2S_OK);
  L r = ToL(out.fields, out.count);
  if (allocated) *allocated = out.block != nullptr;
  h2_header_list_free(&out);
  return r;
}

TEST(HeadersNormalizeIn, NoCookieUnchanged) {
  L in = Plus(Req(), {{"accept", "*/*"}, {"set-cookie", "a=1"}});
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  ASSERT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), f.size(), &out),
            H2S_OK);
  EXPECT_EQ(out.fields, f.data());
  EXPECT_EQ(out.count, f.size());
  EXPECT_EQ(out.block, nullptr);
  ASSERT_EQ(h2_headers_normalize_inbound(nullptr, nullptr, 0, &out), H2S_OK);
  EXPECT_EQ(out.count, 0u);
  EXPECT_EQ(h2_headers_normalize_inbound(nullptr, nullptr, 2, &out),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), 1, nullptr),
            H2S_INVALID_ARGUMENT);
}

TEST(HeadersNormalizeIn, JoinsCookiesLast) {
  bool alloc = false;
  L out = NormIn({{":method", "GET"},
                  {"cookie", "a=1"},
                  {"accept", "*/*"},
                  {"cookie", "b=2", NI},
                  {"user-agent", "x"},
                  {"cookie", "c=3"}},
                 &alloc);
  EXPECT_TRUE(alloc);
  L want = {{":method", "GET"},
            {"accept", "*/*"},
            {"user-agent", "x"},
            {"cookie", "a=1; b=2; c=3", NI}};
  EXPECT_EQ(out, want);
}

TEST(HeadersNormalizeIn, SingleCookieMovedAndNeverIndexed) {
  L out = NormIn({{"cookie", "a=1"}, {"x", "y"}});
  EXPECT_EQ(out, (L{{"x", "y"}, {"cookie", "a=1", NI}}));
  out = NormIn({{"x", "y"}, {"cookie", "a=1"}});
  EXPECT_EQ(out, (L{{"x", "y"}, {"cookie", "a=1", NI}}));
  bool alloc = true;
  out = NormIn({{"x", "y"}, {"cookie", "a=1", NI}}, &alloc);
  EXPECT_FALSE(alloc);
  EXPECT_EQ(out, (L{{"x", "y"}, {"cookie", "a=1", NI}}));
}

TEST(HeadersNormalizeIn, EmptyValuesAndOnlyCookies) {
  EXPECT_EQ(NormIn({{"cookie", ""}, {"cookie", ""}, {"cookie", "z"}}),
            (L{{"cookie", "; ; z", NI}}));
  EXPECT_EQ(NormIn({{"cookie", "a"}, {"cookie", ""}}),
            (L{{"cookie", "a; ", NI}}));
  // "Cookie" is not "cookie" (inbound names are lowercase once validated)
  EXPECT_EQ(NormIn({{"Cookie", "a"}, {"cookie", "b"}, {"x", "1"}}),
            (L{{"Cookie", "a"}, {"x", "1"}, {"cookie", "b", NI}}));
}

TEST(HeadersNormalizeIn, JoinThenValidate) {
  L in = Plus(Req(), {{"cookie", "a=1"}, {"cookie", "b=2"}, {"accept", "*/*"}});
  std::vector<h2_hpack_field> f = Fields(in);
  ASSERT_EQ(h2_headers_validate(f.data(), f.size(), H2_HB_REQUEST,
                                H2_HV_INBOUND, nullptr, nullptr),
            H2S_OK);
  h2_header_list out;
  ASSERT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), f.size(), &out),
            H2S_OK);
  EXPECT_EQ(h2_headers_validate(out.fields, out.count, H2_HB_REQUEST,
                                H2_HV_INBOUND, nullptr, nullptr),
            H2S_OK);
  h2_header_list_free(&out);
}

// ---- allocation
// -------------------------------------------------------------------

struct CountingMem {
  h2_mem mem;
  int allocs = 0;
  int frees = 0;
  int fail_after = -1; // fail the allocation with this index
  size_t last_size = 0;
};

void *CMalloc(size_t size, void *ud) {
  CountingMem *c = static_cast<CountingMem *>(ud);
  if (c->fail_after >= 0 && c->allocs >= c->fail_after) return nullptr;
  c->allocs++;
  c->last_size = size;
  return malloc(size);
}
void CFree(void *p, void *ud) {
  static_cast<CountingMem *>(ud)->frees++;
  free(p);
}
void *CCalloc(size_t n, size_t s, void *ud) {
  void *p = CMalloc(n * s, ud);
  if (p) memset(p, 0, n * s);
  return p;
}
void *CRealloc(void *, size_t, void *) { return nullptr; }

CountingMem MakeMem() {
  CountingMem c;
  c.mem = {CMalloc, CFree, CCalloc, CRealloc, nullptr};
  return c;
}

TEST(HeadersAlloc, OneBlockPerCallExactSize) {
  CountingMem c = MakeMem();
  c.mem.user_data = &c;
  L in = {{"Cookie", "a=1; b=2; c=3"}, {"X-Y", "z"}, {"connection", "x"}};
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  ASSERT_EQ(h2_headers_normalize_outbound(&c.mem, f.data(), f.size(),
                                          H2_HN_SPLIT_COOKIES, &out),
            H2S_OK);
  EXPECT_EQ(c.allocs, 1);
  EXPECT_EQ(out.count, 4u);
  EXPECT_EQ(c.last_size, 4 * sizeof(h2_hpack_field) + 6 + 3);
  h2_header_list_free(&out);
  EXPECT_EQ(c.frees, 1);

  L in2 = {{"cookie", "a"}, {"x", "1"}, {"cookie", "bb"}};
  f = Fields(in2);
  ASSERT_EQ(h2_headers_normalize_inbound(&c.mem, f.data(), f.size(), &out),
            H2S_OK);
  EXPECT_EQ(c.allocs, 2);
  EXPECT_EQ(c.last_size, 2 * sizeof(h2_hpack_field) + 5);
  h2_header_list_free(&out);
  EXPECT_EQ(c.frees, 2);
}

TEST(HeadersAlloc, NoMemory) {
  CountingMem c = MakeMem();
  c.mem.user_data = &c;
  c.fail_after = 0;
  L in = {{"X", "1"}, {"cookie", "a"}, {"cookie", "b"}};
  std::vector<h2_hpack_field> f = Fields(in);
  h2_header_list out;
  EXPECT_EQ(h2_headers_normalize_outbound(&c.mem, f.data(), f.size(), 0, &out),
            H2S_NOMEM);
  EXPECT_EQ(out.fields, nullptr);
  EXPECT_EQ(out.count, 0u);
  EXPECT_EQ(out.block, nullptr);
  EXPECT_EQ(h2_headers_normalize_inbound(&c.mem, f.data(), f.size(), &out),
            H2S_NOMEM);
  EXPECT_EQ(out.fields, nullptr);
  EXPECT_EQ(out.block, nullptr);
  h2_header_list_free(&out);
  EXPECT_EQ(c.frees, 0);
}

TEST(HeadersAlloc, ValidationNeverAllocates) {
  // h2_headers_validate/h2_headers_info take no allocator: nothing to count,
  // but a huge list must validate fine (no per-field state).
  L big = Req();
  for (int i = 0; i < 5000; i++)
    big.push_back({"x-h" + std::to_string(i), std::string(50, 'v')});
  Result r = Validate(big, H2_HB_REQUEST, H2_HV_INBOUND);
  EXPECT_EQ(r.rc, H2S_OK) << r.why;
}

// ---- real-world header lists
// ---------------------------------------------------

struct RealCase {
  const char *name;
  int kind;
  uint32_t flags;
  L headers;
  uint8_t method;
  uint16_t status;
  int64_t content_length;
};

TEST(HeadersRealWorld, ValidLists) {
  const RealCase cases[] = {
      {"browser GET",
       H2_HB_REQUEST,
       0,
       {{":method", "GET"},
        {":authority", "www.example.com"},
        {":scheme", "https"},
        {":path", "/search?q=http%2F2&hl=en"},
        {"sec-ch-ua", "\"Chromium\";v=\"124\", \"Not-A.Brand\";v=\"99\""},
        {"sec-ch-ua-mobile", "?0"},
        {"sec-ch-ua-platform", "\"Linux\""},
        {"upgrade-insecure-requests", "1"},
        {"user-agent",
         "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
         "Gecko) Chrome/124.0.0.0 Safari/537.36"},
        {"accept",
         "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
         "image/webp,*/*;q=0.8"},
        {"sec-fetch-site", "none"},
        {"sec-fetch-mode", "navigate"},
        {"sec-fetch-user", "?1"},
        {"sec-fetch-dest", "document"},
        {"accept-encoding", "gzip, deflate, br, zstd"},
        {"accept-language", "en-US,en;q=0.9"},
        {"cookie", "SID=31d4d96e407aad42"},
        {"cookie", "lang=en-US"},
        {"priority", "u=0, i"}},
       H2_METHOD_GET,
       0,
       -1},
      {"firefox GET with host",
       H2_HB_REQUEST,
       0,
       {{":method", "GET"},
        {":path", "/favicon.ico"},
        {":authority", "example.org:8443"},
        {":scheme", "https"},
        {"host", "example.org:8443"},
        {"accept", "image/avif,image/webp,*/*"},
        {"referer", "https://example.org:8443/"},
        {"dnt", "1"}},
       H2_METHOD_GET,
       0,
       -1},
      {"POST with body",
       H2_HB_REQUEST,
       0,
       {{":method", "POST"},
        {":scheme", "https"},
        {":authority", "api.example.com"},
        {":path", "/v1/items"},
        {"content-type", "application/json; charset=utf-8"},
        {"content-length", "1234"},
        {"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"},
        {"x-request-id", "f058ebd6-02f7-4d3f-942e-904344e8cde5"}},
       H2_METHOD_POST,
       0,
       1234},
      {"gRPC request",
       H2_HB_REQUEST,
       0,
       {{":method", "POST"},
        {":scheme", "http"},
        {":path", "/helloworld.Greeter/SayHello"},
        {":authority", "localhost:50051"},
        {"te", "trailers"},
        {"content-type", "application/grpc+proto"},
        {"user-agent", "grpc-c++/1.62.0 grpc-c/39.0.0 (linux; chttp2)"},
        {"grpc-accept-encoding", "identity, deflate, gzip"},
        {"grpc-timeout", "1S"}},
       H2_METHOD_POST,
       0,
       -1},
      {"gRPC response",
       H2_HB_RESPONSE,
       0,
       {{":status", "200"},
        {"content-type", "application/grpc"},
        {"grpc-encoding", "identity"}},
       H2_METHOD_NONE,
       200,
       -1},
      {"gRPC trailers",
       H2_HB_TRAILERS,
       0,
       {{"grpc-status", "0"}, {"grpc-message", ""}},
       H2_METHOD_NONE,
       0,
       -1},
      {"CONNECT proxy",
       H2_HB_REQUEST,
       0,
       {{":method", "CONNECT"},
        {":authority", "server.example.com:443"},
        {"proxy-authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
        {"user-agent", "curl/8.5.0"}},
       H2_METHOD_CONNECT,
       0,
       -1},
      {"extended CONNECT websocket",
       H2_HB_REQUEST,
       H2_HV_CONNECT_PROTOCOL,
       {{":method", "CONNECT"},
        {":protocol", "websocket"},
        {":scheme", "https"},
        {":path", "/chat?room=1"},
        {":authority", "server.example.com"},
        {"sec-websocket-protocol", "chat, superchat"},
        {"sec-websocket-extensions", "permessage-deflate"},
        {"sec-websocket-version", "13"},
        {"origin", "http://www.example.com"}},
       H2_METHOD_CONNECT,
       0,
       -1},
      {"OPTIONS *",
       H2_HB_REQUEST,
       0,
       {{":method", "OPTIONS"},
        {":scheme", "https"},
        {":authority", "example.com"},
        {":path", "*"},
        {"max-forwards", "0"}},
       H2_METHOD_OPTIONS,
       0,
       -1},
      {"HTML response",
       H2_HB_RESPONSE,
       0,
       {{":status", "200"},
        {"date", "Mon, 27 Jul 2009 12:28:53 GMT"},
        {"server", "Apache"},
        {"last-modified", "Wed, 22 Jul 2009 19:15:56 GMT"},
        {"etag", "\"34aa387-d-1568eb00\""},
        {"accept-ranges", "bytes"},
        {"content-length", "51"},
        {"vary", "Accept-Encoding"},
        {"content-type", "text/html; charset=utf-8"},
        {"set-cookie",
         "id=a3fWa; Expires=Thu, 31 Oct 2021 07:28:00 GMT; Secure"},
        {"set-cookie", "lang=en; Path=/"},
        {"strict-transport-security", "max-age=63072000; includeSubDomains"},
        {"alt-svc", "h3=\":443\"; ma=86400"}},
       H2_METHOD_NONE,
       200,
       51},
      {"304",
       H2_HB_RESPONSE,
       0,
       {{":status", "304"}, {"etag", "\"x\""}, {"cache-control", "max-age=60"}},
       H2_METHOD_NONE,
       304,
       -1},
      {"103 early hints",
       H2_HB_RESPONSE,
       0,
       {{":status", "103"},
        {"link", "</style.css>; rel=preload; as=style"},
        {"link", "</script.js>; rel=preload; as=script"}},
       H2_METHOD_NONE,
       103,
       -1},
      {"204 with zero length",
       H2_HB_RESPONSE,
       0,
       {{":status", "204"}, {"content-length", "0"}},
       H2_METHOD_NONE,
       204,
       0},
      {"pushed stylesheet",
       H2_HB_PUSH_REQUEST,
       0,
       {{":method", "GET"},
        {":scheme", "https"},
        {":authority", "www.example.com"},
        {":path", "/style.css"},
        {"accept", "text/css,*/*;q=0.1"}},
       H2_METHOD_GET,
       0,
       -1},
      {"HEAD",
       H2_HB_REQUEST,
       0,
       {{":method", "HEAD"},
        {":scheme", "https"},
        {":path", "/big.iso"},
        {"host", "mirror.example.net"}},
       H2_METHOD_HEAD,
       0,
       -1},
      {"request trailers",
       H2_HB_TRAILERS,
       0,
       {{"x-checksum", "sha256=abc"}, {"server-timing", "db;dur=53"}},
       H2_METHOD_NONE,
       0,
       -1},
  };
  for (const RealCase &c : cases) {
    for (uint32_t d : kDirs) {
      Result r = Validate(c.headers, c.kind, d | c.flags);
      ASSERT_EQ(r.rc, H2S_OK) << c.name << ": " << r.why;
      EXPECT_EQ(r.info.method, c.method) << c.name;
      EXPECT_EQ(r.info.status, c.status) << c.name;
      EXPECT_EQ(r.info.content_length, c.content_length) << c.name;
    }
    // normalizing an already valid list keeps it valid
    std::vector<h2_hpack_field> f = Fields(c.headers);
    h2_header_list out;
    ASSERT_EQ(h2_headers_normalize_outbound(nullptr, f.data(), f.size(),
                                            H2_HN_SPLIT_COOKIES, &out),
              H2S_OK);
    EXPECT_EQ(h2_headers_validate(out.fields, out.count, c.kind, c.flags,
                                  nullptr, nullptr),
              H2S_OK)
        << c.name;
    h2_header_list_free(&out);
    ASSERT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), f.size(), &out),
              H2S_OK);
    EXPECT_EQ(h2_headers_validate(out.fields, out.count, c.kind,
                                  c.flags | H2_HV_INBOUND, nullptr, nullptr),
              H2S_OK)
        << c.name;
    h2_header_list_free(&out);
  }
}

// ---- random input
// -------------------------------------------------------------------

TEST(HeadersRandom, NoCrashAndNormalizedOutputIsClean) {
  std::mt19937 rng(12345);
  const char *names[] = {":method",
                         ":path",
                         ":scheme",
                         ":authority",
                         ":status",
                         ":protocol",
                         "cookie",
                         "Cookie",
                         "host",
                         "te",
                         "content-length",
                         "connection",
                         "x",
                         "X-Y",
                         " z ",
                         "",
                         ":",
                         "authorization"};
  const char alphabet[] = "aZ09 ;\t\r\n\x00\x0b:=/*-@\x80\xff";
  for (int iter = 0; iter < 3000; iter++) {
    L l;
    int n = static_cast<int>(rng() % 8);
    for (int i = 0; i < n; i++) {
      H h;
      h.n = names[rng() % (sizeof names / sizeof *names)];
      int vl = static_cast<int>(rng() % 12);
      for (int j = 0; j < vl; j++)
        h.v += alphabet[rng() % (sizeof alphabet - 1)];
      if (rng() % 4 == 0) h.fl = NI;
      l.push_back(h);
    }
    std::vector<h2_hpack_field> f = Fields(l);
    for (int k : kKinds) {
      h2_header_info info;
      const char *why = nullptr;
      int rc = h2_headers_validate(
          f.data(), f.size(), k, static_cast<uint32_t>(rng() % 4), &info, &why);
      ASSERT_TRUE(rc == H2S_OK || rc == H2S_PROTOCOL);
      if (rc == H2S_PROTOCOL) {
        ASSERT_NE(why, nullptr);
      }
      h2_headers_info(f.data(), f.size(), k, &info);
    }
    h2_header_list out;
    ASSERT_EQ(h2_headers_normalize_outbound(nullptr, f.data(), f.size(),
                                            H2_HN_SPLIT_COOKIES, &out),
              H2S_OK);
    for (size_t i = 0; i < out.count; i++) {
      const h2_hpack_field &o = out.fields[i];
      for (size_t j = 0; j < o.name_len; j++)
        ASSERT_FALSE(o.name[j] >= 'A' && o.name[j] <= 'Z');
      if (o.value_len) {
        ASSERT_NE(o.value[0], ' ');
        ASSERT_NE(o.value[o.value_len - 1], '\t');
      }
      std::string nm(reinterpret_cast<const char *>(o.name), o.name_len);
      ASSERT_NE(nm, "connection");
    }
    h2_header_list_free(&out);
    ASSERT_EQ(h2_headers_normalize_inbound(nullptr, f.data(), f.size(), &out),
              H2S_OK);
    h2_header_list_free(&out);
  }
}

} // namespace
