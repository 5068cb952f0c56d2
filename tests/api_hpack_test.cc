// The HPACK objects through the public header and the shared library, as an
// application sees them: argument checks, block iteration, limits, the
// allocator hook, error texts.
#include <h2/h2.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::vector<h2_header> View(const Fields &f, uint32_t flags = 0) {
  std::vector<h2_header> v;
  for (const auto &p : f)
    v.push_back({reinterpret_cast<const uint8_t *>(p.first.data()), p.first.size(),
                 reinterpret_cast<const uint8_t *>(p.second.data()), p.second.size(), flags});
  return v;
}

Fields Drain(h2_hpack_decoder *dec, std::vector<uint32_t> *flags = nullptr) {
  Fields out;
  h2_header h;
  int rv;
  while ((rv = h2_hpack_decoder_next_header(dec, &h)) == 1) {
    out.emplace_back(std::string(reinterpret_cast<const char *>(h.name), h.name_len),
                     std::string(reinterpret_cast<const char *>(h.value), h.value_len));
    if (flags) flags->push_back(h.flags);
  }
  EXPECT_EQ(rv, 0);
  return out;
}

std::vector<uint8_t> Encode(h2_hpack_encoder *enc, const std::vector<h2_header> &h) {
  std::vector<uint8_t> buf(h2_hpack_encoder_bound(h.data(), h.size()));
  size_t len = 0;
  EXPECT_EQ(h2_hpack_encoder_encode(enc, h.data(), h.size(), buf.data(), buf.size(), &len),
            H2_OK);
  buf.resize(len);
  return buf;
}

const Fields kRequest = {{":method", "GET"},
                         {":scheme", "https"},
                         {":authority", "example.org"},
                         {":path", "/a/b?c=d"},
                         {"user-agent", "api-test/1.0"},
                         {"accept", "*/*"}};

TEST(ApiHpack, RoundTripBothPolicies) {
  for (int policy : {H2_HPACK_POLICY_COMPACT, H2_HPACK_POLICY_H2COMPAT}) {
    h2_hpack_encoder *enc = nullptr;
    h2_hpack_decoder *dec = nullptr;
    ASSERT_EQ(h2_hpack_encoder_new(&enc, policy, nullptr), H2_OK);
    ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
    for (int round = 0; round < 3; round++) {
      auto wire = Encode(enc, View(kRequest));
      ASSERT_EQ(h2_hpack_decoder_decode(dec, wire.data(), wire.size(), H2_HPACK_END_OF_BLOCK),
                H2_OK);
      EXPECT_EQ(Drain(dec), kRequest);
    }
    EXPECT_GT(h2_hpack_encoder_table_size(enc), 0u);
    EXPECT_EQ(h2_hpack_encoder_table_size(enc), h2_hpack_decoder_table_size(dec));
    h2_hpack_encoder_free(enc);
    h2_hpack_decoder_free(dec);
  }
}

TEST(ApiHpack, IncrementalDecodeAndNextHeaderAcrossPieces) {
  h2_hpack_encoder *enc = nullptr;
  h2_hpack_decoder *dec = nullptr;
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  auto wire = Encode(enc, View(kRequest));
  Fields got;
  for (size_t i = 0; i < wire.size(); i++) {
    uint32_t flags = i + 1 == wire.size() ? H2_HPACK_END_OF_BLOCK : 0;
    ASSERT_EQ(h2_hpack_decoder_decode(dec, &wire[i], 1, flags), H2_OK) << i;
    for (auto &f : Drain(dec)) got.push_back(f);
  }
  EXPECT_EQ(got, kRequest);
  // The next block starts a fresh list.
  auto again = Encode(enc, View({{"x-next", "1"}}));
  ASSERT_EQ(h2_hpack_decoder_decode(dec, again.data(), again.size(), H2_HPACK_END_OF_BLOCK),
            H2_OK);
  EXPECT_EQ(Drain(dec), (Fields{{"x-next", "1"}}));
  h2_hpack_encoder_free(enc);
  h2_hpack_decoder_free(dec);
}

TEST(ApiHpack, NeverIndexedFlagSurvives) {
  h2_hpack_encoder *enc = nullptr;
  h2_hpack_decoder *dec = nullptr;
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_H2COMPAT, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  Fields secret = {{"x-token", "s3cr3t-value-long-enough"}};
  auto wire = Encode(enc, View(secret, H2_HEADER_NEVER_INDEX));
  EXPECT_EQ(h2_hpack_encoder_table_size(enc), 0u);  // not indexed
  ASSERT_EQ(h2_hpack_decoder_decode(dec, wire.data(), wire.size(), H2_HPACK_END_OF_BLOCK),
            H2_OK);
  std::vector<uint32_t> flags;
  EXPECT_EQ(Drain(dec, &flags), secret);
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0] & H2_HEADER_NEVER_INDEX, H2_HEADER_NEVER_INDEX);
  h2_hpack_encoder_free(enc);
  h2_hpack_decoder_free(dec);
}

TEST(ApiHpack, ArgumentChecks) {
  h2_hpack_encoder *enc = nullptr;
  h2_hpack_decoder *dec = nullptr;
  EXPECT_EQ(h2_hpack_encoder_new(nullptr, H2_HPACK_POLICY_COMPACT, nullptr),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_encoder_new(&enc, 7, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(enc, nullptr);
  EXPECT_EQ(h2_hpack_decoder_new(nullptr, nullptr), H2_ERR_INVALID_ARGUMENT);
  h2_allocator partial = {};
  EXPECT_EQ(h2_hpack_decoder_new(&dec, &partial), H2_ERR_INVALID_ARGUMENT);

  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  size_t len = 0;
  uint8_t buf[64];
  EXPECT_EQ(h2_hpack_encoder_encode(nullptr, nullptr, 0, buf, sizeof buf, &len),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_encoder_encode(enc, nullptr, 1, buf, sizeof buf, &len),
            H2_ERR_INVALID_ARGUMENT);
  h2_header bad = {nullptr, 3, reinterpret_cast<const uint8_t *>("v"), 1, 0};
  EXPECT_EQ(h2_hpack_encoder_encode(enc, &bad, 1, buf, sizeof buf, &len),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_encoder_set_table_size(enc, H2_HPACK_MAX_TABLE_SIZE + 1),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_set_max_table_size(dec, H2_HPACK_MAX_TABLE_SIZE + 1),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_decode(dec, nullptr, 3, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_decode(dec, buf, 1, 0x80), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_next_header(dec, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_set_limits(nullptr, 1, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_hpack_decoder_table_size(nullptr), 0u);
  h2_hpack_encoder_free(nullptr);
  h2_hpack_decoder_free(nullptr);
  h2_hpack_encoder_free(enc);
  h2_hpack_decoder_free(dec);
}

TEST(ApiHpack, BufferTooSmallChangesNothing) {
  h2_hpack_encoder *enc = nullptr;
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  auto h = View(kRequest);
  size_t bound = h2_hpack_encoder_bound(h.data(), h.size());
  std::vector<uint8_t> small(bound - 1);
  size_t len = 0;
  EXPECT_EQ(h2_hpack_encoder_encode(enc, h.data(), h.size(), small.data(), small.size(), &len),
            H2_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(h2_hpack_encoder_table_size(enc), 0u);
  // Still usable, and produces what a fresh encoder produces.
  h2_hpack_encoder *fresh = nullptr;
  ASSERT_EQ(h2_hpack_encoder_new(&fresh, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  EXPECT_EQ(Encode(enc, h), Encode(fresh, h));
  h2_hpack_encoder_free(enc);
  h2_hpack_encoder_free(fresh);
}

TEST(ApiHpack, MalformedBlockIsFinal) {
  h2_hpack_decoder *dec = nullptr;
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  const uint8_t index_zero[] = {0x80};
  EXPECT_EQ(h2_hpack_decoder_decode(dec, index_zero, 1, H2_HPACK_END_OF_BLOCK),
            H2_ERR_COMPRESSION);
  const uint8_t fine[] = {0x82};
  EXPECT_EQ(h2_hpack_decoder_decode(dec, fine, 1, H2_HPACK_END_OF_BLOCK), H2_ERR_COMPRESSION);
  h2_hpack_decoder_free(dec);
}

TEST(ApiHpack, HeaderListLimit) {
  h2_hpack_encoder *enc = nullptr;
  h2_hpack_decoder *dec = nullptr;
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_set_limits(dec, 100, 0), H2_OK);
  Fields big = {{"x-a", std::string(40, 'a')}, {"x-b", std::string(40, 'b')}};
  auto wire = Encode(enc, View(big));
  EXPECT_EQ(h2_hpack_decoder_decode(dec, wire.data(), wire.size(), H2_HPACK_END_OF_BLOCK),
            H2_ERR_HEADER_LIST_TOO_LARGE);
  h2_hpack_decoder_free(dec);
  h2_hpack_encoder_free(enc);
  // A fresh pair: the field limit alone.
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_new(&dec, nullptr), H2_OK);
  ASSERT_EQ(h2_hpack_decoder_set_limits(dec, 0, 39), H2_OK);
  wire = Encode(enc, View(big));
  EXPECT_EQ(h2_hpack_decoder_decode(dec, wire.data(), wire.size(), H2_HPACK_END_OF_BLOCK),
            H2_ERR_HEADER_LIST_TOO_LARGE);
  h2_hpack_encoder_free(enc);
  h2_hpack_decoder_free(dec);
}

// An allocator that counts and can fail from the Nth call on.
struct Counting {
  long calls = 0;
  long fail_at = -1;
  long live = 0;
};

void *CMalloc(size_t n, void *ud) {
  auto *c = static_cast<Counting *>(ud);
  if (c->fail_at >= 0 && c->calls++ >= c->fail_at) return nullptr;
  void *p = std::malloc(n);
  if (p) c->live++;
  return p;
}
void CFree(void *p, void *ud) {
  if (p) static_cast<Counting *>(ud)->live--;
  std::free(p);
}
void *CCalloc(size_t n, size_t s, void *ud) {
  auto *c = static_cast<Counting *>(ud);
  if (c->fail_at >= 0 && c->calls++ >= c->fail_at) return nullptr;
  void *p = std::calloc(n, s);
  if (p) c->live++;
  return p;
}
void *CRealloc(void *p, size_t n, void *ud) {
  auto *c = static_cast<Counting *>(ud);
  if (c->fail_at >= 0 && c->calls++ >= c->fail_at) return nullptr;
  void *q = std::realloc(p, n);
  if (q && !p) c->live++;
  return q;
}

TEST(ApiHpack, AllocatorHookAndFailures) {
  bool succeeded = false;
  for (long n = 0; n < 64 && !succeeded; n++) {
    Counting c;
    c.fail_at = n;
    h2_allocator a = {CMalloc, CFree, CCalloc, CRealloc, &c};
    h2_hpack_encoder *enc = nullptr;
    h2_hpack_decoder *dec = nullptr;
    int rv = h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, &a);
    if (rv == H2_OK) rv = h2_hpack_decoder_new(&dec, &a);
    std::vector<uint8_t> wire;
    if (rv == H2_OK) {
      auto h = View(kRequest);
      wire.resize(h2_hpack_encoder_bound(h.data(), h.size()));
      size_t len = 0;
      rv = h2_hpack_encoder_encode(enc, h.data(), h.size(), wire.data(), wire.size(), &len);
      wire.resize(len);
    }
    if (rv == H2_OK)
      rv = h2_hpack_decoder_decode(dec, wire.data(), wire.size(), H2_HPACK_END_OF_BLOCK);
    if (rv == H2_OK) {
      EXPECT_EQ(Drain(dec), kRequest);
      succeeded = true;
    } else {
      EXPECT_EQ(rv, H2_ERR_NOMEM) << "failing allocation " << n;
    }
    h2_hpack_encoder_free(enc);
    h2_hpack_decoder_free(dec);
    EXPECT_EQ(c.live, 0) << "leak with failing allocation " << n;
  }
  EXPECT_TRUE(succeeded);
}

TEST(ApiHpack, ErrorTexts) {
  EXPECT_STREQ(h2_strerror(H2_OK), "success");
  EXPECT_STREQ(h2_strerror(H2_ERR_COMPRESSION), "header compression error");
  EXPECT_STREQ(h2_strerror(-9999), "unknown error");
  for (int code = 0; code >= -26; code--) EXPECT_NE(h2_strerror(code), nullptr);
}

}  // namespace
