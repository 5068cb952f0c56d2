// HPACK (RFC 7541) unit tests: Huffman, integers, the Appendix C examples,
// the hpack-test-case corpus (decoding every encoder's output, encoding
// raw-data and the byte-exact python-hpack policy), malformed input,
// limits and allocation failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "h2_err.h"
#include "h2_hpack.h"
}

namespace {

using Bytes = std::vector<uint8_t>;
using Header = std::pair<std::string, std::string>;
using HeaderList = std::vector<Header>;
namespace fs = std::filesystem;

const std::string kCases = std::string(H2_SHARED_DIR) + "/hpack-test-case";

Bytes FromHex(const std::string &hex) {
  Bytes out;
  std::string digits;
  for (char c : hex)
    if (!isspace(static_cast<unsigned char>(c))) digits += c;
  for (size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return out;
}

std::string ToHex(const Bytes &b) {
  static const char *d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += d[c >> 4];
    s += d[c & 15];
  }
  return s;
}

struct Case {
  HeaderList headers;
  Bytes wire;
  long table_size = -1;  // header_table_size when the case carries it
};

std::vector<Case> LoadStory(const std::string &path) {
  std::ifstream f(path);
  nlohmann::json j = nlohmann::json::parse(f);
  std::vector<Case> cases;
  for (const auto &c : j["cases"]) {
    Case k;
    for (const auto &h : c["headers"])
      for (auto it = h.begin(); it != h.end(); ++it)
        k.headers.emplace_back(it.key(), it.value().get<std::string>());
    if (c.contains("wire")) k.wire = FromHex(c["wire"].get<std::string>());
    if (c.contains("header_table_size")) k.table_size = c["header_table_size"].get<long>();
    cases.push_back(std::move(k));
  }
  return cases;
}

std::vector<std::string> StoryFiles(const std::string &dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(kCases + "/" + dir, ec))
    if (e.path().extension() == ".json") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<h2_hpack_field> Fields(const HeaderList &hl, uint32_t flags = 0) {
  std::vector<h2_hpack_field> v;
  for (const auto &h : hl) {
    h2_hpack_field f;
    f.name = reinterpret_cast<const uint8_t *>(h.first.data());
    f.name_len = h.first.size();
    f.value = reinterpret_cast<const uint8_t *>(h.second.data());
    f.value_len = h.second.size();
    f.flags = flags;
    v.push_back(f);
  }
  return v;
}

HeaderList Collect(const h2_hpack_dec *dec, std::vector<uint32_t> *flags = nullptr) {
  size_t n = 0;
  const h2_hpack_field *f = h2_hpack_dec_fields(dec, &n);
  HeaderList out;
  for (size_t i = 0; i < n; i++) {
    out.emplace_back(std::string(reinterpret_cast<const char *>(f[i].name), f[i].name_len),
                     std::string(reinterpret_cast<const char *>(f[i].value), f[i].value_len));
    if (flags) flags->push_back(f[i].flags);
  }
  return out;
}

// Decodes one block in pieces of `step` bytes (0: one call).
int Decode(h2_hpack_dec *dec, const Bytes &wire, size_t step = 0) {
  if (step == 0 || wire.empty()) return h2_hpack_decode(dec, wire.data(), wire.size(), 1);
  for (size_t off = 0; off < wire.size(); off += step) {
    size_t n = std::min(step, wire.size() - off);
    int rv = h2_hpack_decode(dec, wire.data() + off, n, off + n == wire.size());
    if (rv != H2S_OK) return rv;
  }
  return H2S_OK;
}

Bytes Encode(h2_hpack_enc *enc, const HeaderList &hl, uint32_t flags = 0) {
  auto f = Fields(hl, flags);
  Bytes out(h2_hpack_encode_bound(f.data(), f.size()));
  size_t len = 0;
  int rv = h2_hpack_encode(enc, f.data(), f.size(), out.data(), out.size(), &len);
  EXPECT_EQ(rv, H2S_OK);
  out.resize(len);
  return out;
}

struct Enc {
  h2_hpack_enc e;
  explicit Enc(int policy, const h2_mem *mem = nullptr) {
    EXPECT_EQ(h2_hpack_enc_init(&e, mem, policy), H2S_OK);
  }
  ~Enc() { h2_hpack_enc_free(&e); }
  h2_hpack_enc *operator&() { return &e; }
};

struct Dec {
  h2_hpack_dec d;
  explicit Dec(const h2_mem *mem = nullptr) { EXPECT_EQ(h2_hpack_dec_init(&d, mem), H2S_OK); }
  ~Dec() { h2_hpack_dec_free(&d); }
  h2_hpack_dec *operator&() { return &d; }
};

// ---- Huffman ---------------------------------------------------------------

Bytes HuffEncode(const std::string &s) {
  const uint8_t *p = reinterpret_cast<const uint8_t *>(s.data());
  Bytes out(h2_huffman_encoded_len(p, s.size()));
  EXPECT_EQ(h2_huffman_encode(out.data(), p, s.size()), out.size());
  return out;
}

long HuffDecode(const Bytes &in, std::string *out) {
  Bytes buf(in.size() * 8 / 5 + 1);
  long n = h2_huffman_decode(buf.data(), in.data(), in.size());
  if (n >= 0) out->assign(buf.begin(), buf.begin() + n);
  return n;
}

TEST(Huffman, RfcExamples) {
  // RFC 7541 C.4.1 and C.6.1 strings.
  EXPECT_EQ(ToHex(HuffEncode("www.example.com")), "f1e3c2e5f23a6ba0ab90f4ff");
  EXPECT_EQ(ToHex(HuffEncode("no-cache")), "a8eb10649cbf");
  EXPECT_EQ(ToHex(HuffEncode("custom-key")), "25a849e95ba97d7f");
  EXPECT_EQ(ToHex(HuffEncode("302")), "6402");
  EXPECT_EQ(ToHex(HuffEncode("private")), "aec3771a4b");
  std::string s;
  ASSERT_EQ(HuffDecode(FromHex("f1e3c2e5f23a6ba0ab90f4ff"), &s), 15);
  EXPECT_EQ(s, "www.example.com");
  ASSERT_EQ(HuffDecode(FromHex("25a849e95bb8e8b4bf"), &s), 12);
  EXPECT_EQ(s, "custom-value");
  ASSERT_EQ(HuffDecode(Bytes(), &s), 0);
}

TEST(Huffman, RoundTripEveryByteAndRandom) {
  std::string all;
  for (int i = 0; i < 256; i++) all += static_cast<char>(i);
  std::string back;
  ASSERT_GE(HuffDecode(HuffEncode(all), &back), 0);
  EXPECT_EQ(back, all);
  std::mt19937 rng(7);
  for (int iter = 0; iter < 3000; iter++) {
    std::string s(rng() % 64, '\0');
    bool printable = iter % 2;
    for (auto &c : s) c = static_cast<char>(printable ? 32 + rng() % 95 : rng() % 256);
    ASSERT_GE(HuffDecode(HuffEncode(s), &back), 0) << iter;
    ASSERT_EQ(back, s) << iter;
  }
}

TEST(Huffman, Errors) {
  std::string s;
  // 'a' (00011) then 11 bits of padding: more than 7 bits.
  EXPECT_EQ(HuffDecode(FromHex("1fff"), &s), -1);
  // 'a' then padding 000: not a prefix of EOS.
  EXPECT_EQ(HuffDecode(FromHex("18"), &s), -1);
  // A whole byte of padding only.
  EXPECT_EQ(HuffDecode(FromHex("ff"), &s), -1);
  // EOS (30 ones) then two bits of padding.
  EXPECT_EQ(HuffDecode(FromHex("ffffffff"), &s), -1);
  // EOS after a symbol, in the fast loop (more than 8 bytes).
  EXPECT_EQ(HuffDecode(FromHex("0000000000fffffffc"), &s), -1);
  // Valid: 'a' + 3 one bits.
  ASSERT_EQ(HuffDecode(FromHex("1f"), &s), 1);
  EXPECT_EQ(s, "a");
}

// ---- integers and size updates (RFC 7541 C.1) ------------------------------

TEST(Integer, RfcExamplesThroughSizeUpdates) {
  Dec d;
  ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 100000), H2S_OK);
  // C.1.1: 10 in a 5-bit prefix; C.1.2: 1337 in a 5-bit prefix.
  ASSERT_EQ(Decode(&d, FromHex("2a")), H2S_OK);
  EXPECT_EQ(d.d.table.max_size, 10u);
  ASSERT_EQ(Decode(&d, FromHex("3f9a0a")), H2S_OK);
  EXPECT_EQ(d.d.table.max_size, 1337u);
  // Two updates in one block are fine (§4.2).
  ASSERT_EQ(Decode(&d, FromHex("203f9a0a82")), H2S_OK);
  EXPECT_EQ(Collect(&d), (HeaderList{{":method", "GET"}}));
}

TEST(Integer, Overflow) {
  {
    Dec d;  // 2^32 + 126: does not fit in 32 bits
    EXPECT_EQ(Decode(&d, FromHex("ffffffffff0f")), H2S_COMPRESSION);
  }
  {
    Dec d;  // six continuation bytes
    EXPECT_EQ(Decode(&d, FromHex("ff80808080808000")), H2S_COMPRESSION);
  }
  {
    Dec d;  // a string length that overflows
    EXPECT_EQ(Decode(&d, FromHex("007fffffffff7f")), H2S_COMPRESSION);
  }
  {
    Dec d;  // the largest 32-bit value is an integer, not an error: index
            // out of range instead
    EXPECT_EQ(Decode(&d, FromHex("ff80ffffff0f")), H2S_COMPRESSION);
  }
}

// ---- RFC 7541 Appendix C ---------------------------------------------------

struct Step {
  HeaderList headers;
  std::string wire;
  std::vector<std::pair<Header, uint32_t>> table;  // newest first, entry size
  uint32_t size;
};

void CheckTable(const h2_hpack_table *t, const Step &s) {
  EXPECT_EQ(h2_hpack_table_size(t), s.size);
  ASSERT_EQ(h2_hpack_table_count(t), s.table.size());
  for (size_t i = 0; i < s.table.size(); i++) {
    const h2_hpack_entry *e =
        &t->ents[(t->first_seq + t->ent_count - 1 - i) & (t->ent_cap - 1)];
    std::string n(reinterpret_cast<const char *>(t->store + e->off), e->name_len);
    std::string v(reinterpret_cast<const char *>(t->store + e->off + e->name_len), e->value_len);
    EXPECT_EQ(n, s.table[i].first.first);
    EXPECT_EQ(v, s.table[i].first.second);
    EXPECT_EQ(e->name_len + e->value_len + 32, s.table[i].second);
  }
}

const std::vector<Step> kRequests = {
    {{{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}},
     "",
     {{{":authority", "www.example.com"}, 57}},
     57},
    {{{":method", "GET"},
      {":scheme", "http"},
      {":path", "/"},
      {":authority", "www.example.com"},
      {"cache-control", "no-cache"}},
     "",
     {{{"cache-control", "no-cache"}, 53}, {{":authority", "www.example.com"}, 57}},
     110},
    {{{":method", "GET"},
      {":scheme", "https"},
      {":path", "/index.html"},
      {":authority", "www.example.com"},
      {"custom-key", "custom-value"}},
     "",
     {{{"custom-key", "custom-value"}, 54},
      {{"cache-control", "no-cache"}, 53},
      {{":authority", "www.example.com"}, 57}},
     164},
};

const char *kC3[] = {
    "828684410f7777772e6578616d706c652e636f6d",
    "828684be58086e6f2d6361636865",
    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
};
const char *kC4[] = {
    "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "828684be5886a8eb10649cbf",
    "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
};

const std::vector<Step> kResponses = {
    {{{":status", "302"},
      {"cache-control", "private"},
      {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
      {"location", "https://www.example.com"}},
     "",
     {{{"location", "https://www.example.com"}, 63},
      {{"date", "Mon, 21 Oct 2013 20:13:21 GMT"}, 65},
      {{"cache-control", "private"}, 52},
      {{":status", "302"}, 42}},
     222},
    {{{":status", "307"},
      {"cache-control", "private"},
      {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
      {"location", "https://www.example.com"}},
     "",
     {{{":status", "307"}, 42},
      {{"location", "https://www.example.com"}, 63},
      {{"date", "Mon, 21 Oct 2013 20:13:21 GMT"}, 65},
      {{"cache-control", "private"}, 52}},
     222},
    {{{":status", "200"},
      {"cache-control", "private"},
      {"date", "Mon, 21 Oct 2013 20:13:22 GMT"},
      {"location", "https://www.example.com"},
      {"content-encoding", "gzip"},
      {"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}},
     "",
     {{{"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}, 98},
      {{"content-encoding", "gzip"}, 52},
      {{"date", "Mon, 21 Oct 2013 20:13:22 GMT"}, 65}},
     215},
};

const char *kC5[] = {
    "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e"
    "1768747470733a2f2f7777772e6578616d706c652e636f6d",
    "4803333037c1c0bf",
    "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d"
    "4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b20766572"
    "73696f6e3d31",
};
const char *kC6[] = {
    "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b"
    "97c8e9ae82ae43d3",
    "4883640effc1c0bf",
    "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdf"
    "cd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
};

void RunAppendixC(const std::vector<Step> &steps, const char *const *wires, int huffman,
                  uint32_t table_size) {
  Enc e(H2_HPACK_POLICY_H2COMPAT);
  h2_hpack_enc_set_huffman_mode(&e, huffman);
  Dec d;
  if (table_size != 4096) {
    ASSERT_EQ(h2_hpack_enc_set_table_size(&e, table_size), H2S_OK);
    // The examples assume both sides already use this size: no update.
    e.e.pending_update = 0;
    e.e.signalled = table_size;
    d.d.table.max_size = table_size;
  }
  for (size_t i = 0; i < steps.size(); i++) {
    SCOPED_TRACE(i);
    Bytes wire = FromHex(wires[i]);
    EXPECT_EQ(ToHex(Encode(&e, steps[i].headers)), ToHex(wire));
    CheckTable(&e.e.table, steps[i]);
    ASSERT_EQ(Decode(&d, wire), H2S_OK);
    EXPECT_EQ(Collect(&d), steps[i].headers);
    CheckTable(&d.d.table, steps[i]);
  }
}

TEST(AppendixC, C2LiteralRepresentations) {
  struct {
    const char *wire;
    Header h;
    uint32_t flags;
    int policy;
    uint32_t table_size;
  } cases[] = {
      {"400a637573746f6d2d6b65790d637573746f6d2d686561646572",
       {"custom-key", "custom-header"}, 0, H2_HPACK_POLICY_H2COMPAT, 55},
      {"040c2f73616d706c652f70617468", {":path", "/sample/path"}, 0,
       H2_HPACK_POLICY_COMPACT, 0},
      {"100870617373776f726406736563726574", {"password", "secret"}, H2_HF_NEVER_INDEX,
       H2_HPACK_POLICY_COMPACT, 0},
      {"82", {":method", "GET"}, 0, H2_HPACK_POLICY_COMPACT, 0},
  };
  for (const auto &c : cases) {
    SCOPED_TRACE(c.wire);
    Enc e(c.policy);
    h2_hpack_enc_set_huffman_mode(&e, 0);
    EXPECT_EQ(ToHex(Encode(&e, {c.h}, c.flags)), c.wire);
    EXPECT_EQ(h2_hpack_table_size(&e.e.table), c.table_size);
    Dec d;
    ASSERT_EQ(Decode(&d, FromHex(c.wire)), H2S_OK);
    std::vector<uint32_t> flags;
    EXPECT_EQ(Collect(&d, &flags), HeaderList{c.h});
    EXPECT_EQ(flags[0], c.flags);
    EXPECT_EQ(h2_hpack_table_size(&d.d.table), c.table_size);
  }
}

TEST(AppendixC, C3RequestsWithoutHuffman) { RunAppendixC(kRequests, kC3, 0, 4096); }
TEST(AppendixC, C4RequestsWithHuffman) { RunAppendixC(kRequests, kC4, 1, 4096); }
TEST(AppendixC, C5ResponsesWithoutHuffman) { RunAppendixC(kResponses, kC5, 0, 256); }
TEST(AppendixC, C6ResponsesWithHuffman) { RunAppendixC(kResponses, kC6, 1, 256); }

// ---- the hpack-test-case corpus ---------------------------------------------

struct StoryParam {
  std::string dir, file;
};

void PrintTo(const StoryParam &p, std::ostream *os) { *os << p.dir << "/" << p.file; }

std::vector<StoryParam> AllStories() {
  std::vector<StoryParam> out;
  for (const char *dir : {"nghttp2", "nghttp2-change-table-size", "python-hpack", "go-hpack",
                          "haskell-http2-linear-huffman"})
    for (const auto &f : StoryFiles(dir)) out.push_back({dir, f});
  return out;
}

class StoryDecode : public ::testing::TestWithParam<StoryParam> {};

// Decodes a story's blocks with one decoder, in pieces of `step` bytes.
void DecodeStory(const std::vector<Case> &cases, size_t step) {
  Dec d;
  for (size_t i = 0; i < cases.size(); i++) {
    SCOPED_TRACE("case " + std::to_string(i) + " step " + std::to_string(step));
    if (cases[i].table_size >= 0) {
      ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, static_cast<uint32_t>(cases[i].table_size)),
                H2S_OK);
    }
    ASSERT_EQ(Decode(&d, cases[i].wire, step), H2S_OK);
    ASSERT_EQ(Collect(&d), cases[i].headers);
  }
}

TEST_P(StoryDecode, Whole) {
  DecodeStory(LoadStory(kCases + "/" + GetParam().dir + "/" + GetParam().file), 0);
}

TEST_P(StoryDecode, OneByteAtATime) {
  DecodeStory(LoadStory(kCases + "/" + GetParam().dir + "/" + GetParam().file), 1);
}

TEST_P(StoryDecode, OddPieces) {
  auto cases = LoadStory(kCases + "/" + GetParam().dir + "/" + GetParam().file);
  DecodeStory(cases, 3);
  DecodeStory(cases, 17);
}

std::string StoryName(const ::testing::TestParamInfo<StoryParam> &info) {
  std::string s = info.param.dir + "_" + info.param.file.substr(0, info.param.file.size() - 5);
  for (auto &c : s)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Corpus, StoryDecode, ::testing::ValuesIn(AllStories()), StoryName);

TEST(Corpus, AllDirectoriesPresent) {
  EXPECT_EQ(AllStories().size(), 32u * 4 + 31u);
  EXPECT_EQ(StoryFiles("raw-data").size(), 32u);
}

// Every raw-data header list through our encoder and decoder.
TEST(Corpus, RawDataRoundTrip) {
  size_t total[2] = {0, 0};
  for (int policy : {H2_HPACK_POLICY_COMPACT, H2_HPACK_POLICY_H2COMPAT}) {
    for (uint32_t size : {0u, 256u, 4096u}) {
      for (const auto &file : StoryFiles("raw-data")) {
        SCOPED_TRACE(file + " policy " + std::to_string(policy) + " size " + std::to_string(size));
        auto cases = LoadStory(kCases + "/raw-data/" + file);
        Enc e(policy);
        Dec d;
        if (size != 4096) {
          ASSERT_EQ(h2_hpack_enc_set_table_size(&e, size), H2S_OK);
          ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, size), H2S_OK);
        }
        for (size_t i = 0; i < cases.size(); i++) {
          Bytes wire = Encode(&e, cases[i].headers);
          if (size == 4096) total[policy] += wire.size();
          ASSERT_EQ(Decode(&d, wire, i % 3 == 2 ? 1 : 0), H2S_OK) << i;
          ASSERT_EQ(Collect(&d), cases[i].headers) << i;
          EXPECT_EQ(h2_hpack_table_size(&d.d.table), h2_hpack_table_size(&e.e.table));
        }
      }
    }
  }
  size_t ng = 0;
  for (const auto &file : StoryFiles("nghttp2"))
    for (const auto &c : LoadStory(kCases + "/nghttp2/" + file)) ng += c.wire.size();
  std::printf("encoded corpus: compact %zu bytes, h2compat %zu, nghttp2 vectors %zu\n",
              total[0], total[1], ng);
  EXPECT_LE(total[0], total[1]);
}

// python-hpack/ holds the output of the Python hpack encoder, without h2's
// sensitive-header rules: H2COMPAT must reproduce it byte for byte.
TEST(Corpus, H2CompatMatchesPythonHpack) {
  size_t cases_checked = 0;
  for (const auto &file : StoryFiles("python-hpack")) {
    auto cases = LoadStory(kCases + "/python-hpack/" + file);
    Enc e(H2_HPACK_POLICY_H2COMPAT);
    h2_hpack_enc_set_h2_sensitive(&e, 0);
    for (size_t i = 0; i < cases.size(); i++) {
      ASSERT_LT(cases[i].table_size, 0) << "not expected in python-hpack";
      ASSERT_EQ(ToHex(Encode(&e, cases[i].headers)), ToHex(cases[i].wire))
          << file << " case " << i;
      cases_checked++;
    }
  }
  EXPECT_EQ(cases_checked, 3384u);
}

// With h2's rules on, the only differences are the short cookies of
// story_01, which h2 sends never-indexed.
TEST(Corpus, H2CompatWithSensitiveRules) {
  std::vector<std::string> diffs;
  for (const auto &file : StoryFiles("python-hpack")) {
    auto cases = LoadStory(kCases + "/python-hpack/" + file);
    Enc e(H2_HPACK_POLICY_H2COMPAT);
    for (size_t i = 0; i < cases.size(); i++) {
      if (Encode(&e, cases[i].headers) != cases[i].wire)
        diffs.push_back(file + ":" + std::to_string(i));
    }
  }
  EXPECT_EQ(diffs, (std::vector<std::string>{"story_01.json:0", "story_01.json:1"}));
  Enc e(H2_HPACK_POLICY_H2COMPAT);
  // cookie "xxxxxxx1" (8 bytes < 20) as literal never indexed, name index 32.
  Bytes w = Encode(&e, {{"cookie", "xxxxxxx1"}});
  EXPECT_EQ(w[0], 0x1f);
  EXPECT_EQ(w[1], 32 - 15);
  EXPECT_EQ(h2_hpack_table_count(&e.e.table), 0u);
}

// ---- encoder behaviour ------------------------------------------------------

TEST(Encoder, SensitiveFields) {
  for (int policy : {H2_HPACK_POLICY_COMPACT, H2_HPACK_POLICY_H2COMPAT}) {
    Enc e(policy);
    Dec d;
    HeaderList hl = {{"authorization", "Basic Zm9vOmJhcg=="},
                     {"proxy-authorization", "x"},
                     {"cookie", "short=1"},
                     {"cookie", "a-long-cookie-value-of-more-than-20-bytes"},
                     {"x-secret", "v"},
                     {":method", "GET"},
                     {"x-a", "1"},
                     {"x-a", "1"}};
    auto f = Fields(hl);
    // Flagged fields stay never-indexed even when a table holds them.
    f[4].flags = f[5].flags = f[7].flags = H2_HF_NEVER_INDEX;
    Bytes out(h2_hpack_encode_bound(f.data(), f.size()));
    size_t len = 0;
    ASSERT_EQ(h2_hpack_encode(&e, f.data(), f.size(), out.data(), out.size(), &len), H2S_OK);
    out.resize(len);
    // Only the long cookie and x-a are indexed.
    EXPECT_EQ(h2_hpack_table_count(&e.e.table), 2u);
    ASSERT_EQ(Decode(&d, out), H2S_OK);
    std::vector<uint32_t> flags;
    EXPECT_EQ(Collect(&d, &flags), hl);
    EXPECT_EQ(flags, (std::vector<uint32_t>{1, 1, 1, 0, 1, 1, 0, 1}));
    // Sent again: the sensitive ones stay literal never indexed.
    ASSERT_EQ(h2_hpack_encode(&e, f.data(), f.size(), out.data(), out.capacity(), &len),
              H2S_OK);
    out.resize(len);
    flags.clear();
    ASSERT_EQ(Decode(&d, out), H2S_OK);
    EXPECT_EQ(Collect(&d, &flags), hl);
    EXPECT_EQ(flags, (std::vector<uint32_t>{1, 1, 1, 0, 1, 1, 0, 1}));
  }
}

TEST(Encoder, TableSizeUpdates) {
  Enc e(H2_HPACK_POLICY_H2COMPAT);
  Dec d;
  Encode(&e, {{"x-a", "1"}});
  // Lowered then raised: both the smallest and the final size (§4.2).
  ASSERT_EQ(h2_hpack_enc_set_table_size(&e, 0), H2S_OK);
  ASSERT_EQ(h2_hpack_enc_set_table_size(&e, 300), H2S_OK);
  Bytes w = Encode(&e, {{":method", "GET"}});
  EXPECT_EQ(ToHex(w), "203f8d0282");
  // Nothing pending: no update.
  EXPECT_EQ(ToHex(Encode(&e, {{":method", "GET"}})), "82");
  // Set to the current size: nothing to signal (as python hpack).
  ASSERT_EQ(h2_hpack_enc_set_table_size(&e, 300), H2S_OK);
  EXPECT_EQ(ToHex(Encode(&e, {{":method", "GET"}})), "82");
  ASSERT_EQ(h2_hpack_enc_set_table_size(&e, 5000), H2S_OK);
  EXPECT_EQ(ToHex(Encode(&e, {})), "3fe926");
  EXPECT_EQ(h2_hpack_enc_set_table_size(&e, H2_HPACK_MAX_TABLE_SIZE + 1), H2S_INVALID_ARGUMENT);
}

TEST(Encoder, BufferTooSmallChangesNothing) {
  Enc e(H2_HPACK_POLICY_COMPACT);
  auto hl = HeaderList{{"x-custom", "value"}};
  auto f = Fields(hl);
  size_t bound = h2_hpack_encode_bound(f.data(), f.size());
  Bytes out(bound);
  size_t len = 0;
  EXPECT_EQ(h2_hpack_encode(&e, f.data(), f.size(), out.data(), bound - 1, &len),
            H2S_BUFFER_TOO_SMALL);
  EXPECT_EQ(h2_hpack_table_count(&e.e.table), 0u);
  EXPECT_EQ(h2_hpack_encode(&e, f.data(), f.size(), out.data(), bound, &len), H2S_OK);
  EXPECT_EQ(h2_hpack_table_count(&e.e.table), 1u);
}

TEST(Encoder, CompactChoices) {
  Enc e(H2_HPACK_POLICY_COMPACT);
  // :path is not indexed; Huffman only when shorter.
  Bytes w = Encode(&e, {{":path", "/a/b"}, {"x-y", "\x01\x02"}});
  EXPECT_EQ(h2_hpack_table_count(&e.e.table), 1u);
  EXPECT_EQ(w[0], 0x04);  // without indexing, name index 4
  // Full match in the dynamic table, then a name match.
  EXPECT_EQ(ToHex(Encode(&e, {{"x-y", "\x01\x02"}})), "be");
  Bytes w2 = Encode(&e, {{"x-y", "other"}});
  EXPECT_EQ(w2[0], 0x7e);  // incremental, name index 62
}

// Random header lists with repeats, across table sizes and both policies.
TEST(Encoder, RandomRoundTrip) {
  std::mt19937 rng(11);
  const char *names[] = {"a", "b", ":path", "cookie", "set-cookie", "x-long", "", "user-agent"};
  for (int policy : {H2_HPACK_POLICY_COMPACT, H2_HPACK_POLICY_H2COMPAT}) {
    for (uint32_t size : {0u, 64u, 100u, 4096u, 70000u}) {
      Enc e(policy);
      Dec d;
      ASSERT_EQ(h2_hpack_enc_set_table_size(&e, size), H2S_OK);
      ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, size), H2S_OK);
      for (int block = 0; block < 200; block++) {
        HeaderList hl;
        int n = static_cast<int>(rng() % 12);
        for (int i = 0; i < n; i++) {
          std::string v(rng() % (rng() % 8 == 0 ? 3000 : 20), '\0');
          for (auto &c : v) c = static_cast<char>('a' + rng() % 4);
          hl.emplace_back(names[rng() % 8], v);
        }
        if (block % 50 == 49) {
          uint32_t s = static_cast<uint32_t>(rng() % (size + 1));
          ASSERT_EQ(h2_hpack_enc_set_table_size(&e, s), H2S_OK);
        }
        Bytes w = Encode(&e, hl);
        ASSERT_EQ(Decode(&d, w, static_cast<size_t>(block % 4)), H2S_OK);
        ASSERT_EQ(Collect(&d), hl);
        ASSERT_EQ(h2_hpack_table_size(&d.d.table), h2_hpack_table_size(&e.e.table));
        ASSERT_EQ(h2_hpack_table_count(&d.d.table), h2_hpack_table_count(&e.e.table));
      }
    }
  }
}

// ---- malformed input ---------------------------------------------------------

int DecodeHex(const std::string &hex, h2_hpack_dec *dec = nullptr) {
  if (dec) return Decode(dec, FromHex(hex));
  Dec d;
  return Decode(&d, FromHex(hex));
}

TEST(Malformed, Indices) {
  EXPECT_EQ(DecodeHex("80"), H2S_COMPRESSION);    // index 0
  EXPECT_EQ(DecodeHex("be"), H2S_COMPRESSION);    // 62 in an empty table
  EXPECT_EQ(DecodeHex("7e0161"), H2S_COMPRESSION);  // literal, name index 62
  EXPECT_EQ(DecodeHex("0f300161"), H2S_COMPRESSION);  // without indexing, name 63
  EXPECT_EQ(DecodeHex("bd"), H2S_OK);             // 61 is the last static entry
  Dec d;
  ASSERT_EQ(DecodeHex("4001610162", &d), H2S_OK);  // adds a: b
  EXPECT_EQ(DecodeHex("be", &d), H2S_OK);
  EXPECT_EQ(DecodeHex("bf", &d), H2S_COMPRESSION);
}

TEST(Malformed, Truncated) {
  EXPECT_EQ(DecodeHex("400561"), H2S_COMPRESSION);  // string cut at block end
  EXPECT_EQ(DecodeHex("40"), H2S_COMPRESSION);
  EXPECT_EQ(DecodeHex("ff"), H2S_COMPRESSION);  // integer cut
  EXPECT_EQ(DecodeHex("400161ff"), H2S_COMPRESSION);  // value length cut
  EXPECT_EQ(DecodeHex("0001"), H2S_COMPRESSION);
}

TEST(Malformed, Huffman) {
  EXPECT_EQ(DecodeHex("00016184ffffffff"), H2S_COMPRESSION);  // EOS
  EXPECT_EQ(DecodeHex("000161821fff"), H2S_COMPRESSION);      // 11 bits padding
  EXPECT_EQ(DecodeHex("0001618118"), H2S_COMPRESSION);        // padding not ones
  EXPECT_EQ(DecodeHex("0001618162"), H2S_COMPRESSION);
  EXPECT_EQ(DecodeHex("000161811f"), H2S_OK);
}

TEST(Malformed, SizeUpdates) {
  EXPECT_EQ(DecodeHex("3fe21f"), H2S_COMPRESSION);  // 4097 > 4096
  EXPECT_EQ(DecodeHex("3fe11f"), H2S_OK);           // 4096
  EXPECT_EQ(DecodeHex("8220"), H2S_COMPRESSION);    // after a field
  {
    Dec d;  // a later block may start with one again
    ASSERT_EQ(DecodeHex("82", &d), H2S_OK);
    EXPECT_EQ(DecodeHex("2082", &d), H2S_OK);
  }
  {
    Dec d;  // lowered setting: the next block must start with an update
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 100), H2S_OK);
    EXPECT_EQ(DecodeHex("82", &d), H2S_COMPRESSION);
  }
  {
    Dec d;
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 100), H2S_OK);
    EXPECT_EQ(DecodeHex("", &d), H2S_COMPRESSION);  // empty block
  }
  {
    Dec d;
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 100), H2S_OK);
    EXPECT_EQ(DecodeHex("3f6582", &d), H2S_COMPRESSION);  // 132 > 100
  }
  {
    Dec d;
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 100), H2S_OK);
    ASSERT_EQ(DecodeHex("3f4582", &d), H2S_OK);  // 100
    EXPECT_EQ(DecodeHex("82", &d), H2S_OK);      // not required any more
  }
  {
    Dec d;  // lowered to 0 and raised again: an update <= 0 is still owed
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 0), H2S_OK);
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 4096), H2S_OK);
    EXPECT_EQ(DecodeHex("3fe11f82", &d), H2S_COMPRESSION);
  }
  {
    Dec d;
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 0), H2S_OK);
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 4096), H2S_OK);
    EXPECT_EQ(DecodeHex("203fe11f82", &d), H2S_OK);
  }
  {
    Dec d;  // raising the setting needs no update
    ASSERT_EQ(h2_hpack_dec_set_max_table_size(&d, 8192), H2S_OK);
    EXPECT_EQ(DecodeHex("82", &d), H2S_OK);
    EXPECT_EQ(DecodeHex("3fe13f82", &d), H2S_OK);  // 8192
  }
  Dec d;
  EXPECT_EQ(h2_hpack_dec_set_max_table_size(&d, H2_HPACK_MAX_TABLE_SIZE + 1),
            H2S_INVALID_ARGUMENT);
}

TEST(Malformed, StaysFailed) {
  Dec d;
  ASSERT_EQ(DecodeHex("80", &d), H2S_COMPRESSION);
  EXPECT_EQ(DecodeHex("82", &d), H2S_COMPRESSION);
  EXPECT_EQ(h2_hpack_decode(&d, nullptr, 0, 1), H2S_COMPRESSION);
}

// ---- limits ------------------------------------------------------------------

TEST(Limits, HeaderListAndField) {
  {
    Dec d;
    h2_hpack_dec_set_limits(&d, 100, 0);
    // 3 x (":method" + "GET" + 32) = 126 > 100
    EXPECT_EQ(DecodeHex("828282", &d), H2S_HEADER_LIST_TOO_LARGE);
  }
  {
    Dec d;
    h2_hpack_dec_set_limits(&d, 84, 0);  // exactly 2 x 42
    EXPECT_EQ(DecodeHex("8282", &d), H2S_OK);
    EXPECT_EQ(DecodeHex("8282", &d), H2S_OK);  // per block
  }
  {
    Dec d;
    h2_hpack_dec_set_limits(&d, 0, 10);
    EXPECT_EQ(DecodeHex("000161" "0a" "30313233343536373839", &d), H2S_OK);
    EXPECT_EQ(DecodeHex("000161" "0b" "3031323334353637383930", &d), H2S_HEADER_LIST_TOO_LARGE);
  }
  {
    Dec d;  // a Huffman value decoding past the limit
    h2_hpack_dec_set_limits(&d, 0, 10);
    Bytes v = HuffEncode("aaaaaaaaaaaa");  // 12 bytes of 5 bits: 8 bytes
    Bytes w = FromHex("000161");
    w.push_back(static_cast<uint8_t>(0x80 | v.size()));
    w.insert(w.end(), v.begin(), v.end());
    EXPECT_EQ(Decode(&d, w), H2S_HEADER_LIST_TOO_LARGE);
  }
}

// A hostile declared length is refused from its header bytes alone, before
// the decoder buffers any of it.
TEST(Limits, RefusedBeforeBuffering) {
  Dec d;
  h2_hpack_dec_set_limits(&d, 65536, 65536);
  // literal, new name of 2^20 bytes (raw): only the first 5 bytes arrive.
  Bytes w = FromHex("007f81ff3f");
  EXPECT_EQ(h2_hpack_decode(&d, w.data(), w.size(), 0), H2S_HEADER_LIST_TOO_LARGE);
  EXPECT_EQ(d.d.partial_cap, 0u);
  Dec d2;  // Huffman name of 300,000 bytes: at least 80,000 decoded
  Bytes w2 = FromHex("00ffe1a612");
  EXPECT_EQ(h2_hpack_decode(&d2, w2.data(), w2.size(), 0), H2S_HEADER_LIST_TOO_LARGE);
  Dec d3;  // within limits it is buffered, up to its length only
  Bytes w3 = FromHex("0005616263");
  EXPECT_EQ(h2_hpack_decode(&d3, w3.data(), w3.size(), 0), H2S_OK);
  EXPECT_LE(d3.d.partial_cap, 64u);
}

struct CountingMem {
  h2_mem mem;
  size_t live = 0, peak = 0, allocs = 0, fail_at = 0;  // fail_at: 1-based, 0 never
  bool failed = false;
  std::map<void *, size_t> sizes;

  CountingMem() {
    mem.malloc = [](size_t n, void *u) { return static_cast<CountingMem *>(u)->Alloc(nullptr, n); };
    mem.calloc = [](size_t a, size_t b, void *u) {
      void *p = static_cast<CountingMem *>(u)->Alloc(nullptr, a * b);
      if (p) memset(p, 0, a * b);
      return p;
    };
    mem.realloc = [](void *p, size_t n, void *u) {
      return static_cast<CountingMem *>(u)->Alloc(p, n);
    };
    mem.free = [](void *p, void *u) { static_cast<CountingMem *>(u)->Free(p); };
    mem.user_data = this;
  }
  void *Alloc(void *old, size_t n) {
    if (++allocs == fail_at) {
      failed = true;
      return nullptr;
    }
    void *p = realloc(old, n);
    if (!p) return nullptr;
    if (old) {
      live -= sizes[old];
      sizes.erase(old);
    }
    sizes[p] = n;
    live += n;
    peak = std::max(peak, live);
    return p;
  }
  void Free(void *p) {
    live -= sizes[p];
    sizes.erase(p);
    free(p);
  }
};

// One big entry indexed over and over: the list limit stops it, and memory
// stays near the limit.
TEST(Limits, HpackBomb) {
  CountingMem cm;
  {
    Dec d(&cm.mem);
    Bytes w = FromHex("4001787fa11e");  // x: a 4000-byte value
    size_t vlen = 4000;
    w.resize(w.size() + vlen, 'v');
    ASSERT_EQ(Decode(&d, w), H2S_OK);
    ASSERT_EQ(h2_hpack_table_count(&d.d.table), 1u);
    size_t before = cm.live;
    Bytes bomb(100000, 0xbe);
    EXPECT_EQ(Decode(&d, bomb), H2S_HEADER_LIST_TOO_LARGE);
    EXPECT_LT(cm.peak - before, 4u * H2_HPACK_DEFAULT_MAX_HEADER_LIST);
  }
  EXPECT_EQ(cm.live, 0u);
}

// ---- allocation failures -----------------------------------------------------

// Encodes and decodes a few stories with the Nth allocation failing; every
// failure must surface as H2S_NOMEM, without leaks.
TEST(Memory, FailEveryAllocation) {
  std::vector<std::vector<Case>> stories;
  for (const char *f : {"story_00.json", "story_01.json", "story_30.json"})
    stories.push_back(LoadStory(kCases + "/raw-data/" + f));
  auto ng = LoadStory(kCases + "/nghttp2-change-table-size/story_01.json");
  for (size_t n = 1;; n++) {
    CountingMem cm;
    cm.fail_at = n;
    int errors = 0;
    for (int policy : {H2_HPACK_POLICY_COMPACT, H2_HPACK_POLICY_H2COMPAT}) {
      for (const auto &cases : stories) {
        h2_hpack_enc e;
        h2_hpack_dec d;
        ASSERT_EQ(h2_hpack_enc_init(&e, &cm.mem, policy), H2S_OK);
        ASSERT_EQ(h2_hpack_dec_init(&d, &cm.mem), H2S_OK);
        for (size_t i = 0; i < cases.size(); i++) {
          auto f = Fields(cases[i].headers);
          Bytes out(h2_hpack_encode_bound(f.data(), f.size()));
          size_t len = 0;
          int rv = h2_hpack_encode(&e, f.data(), f.size(), out.data(), out.size(), &len);
          if (rv != H2S_OK) {
            ASSERT_EQ(rv, H2S_NOMEM);
            errors++;
            break;
          }
          out.resize(len);
          rv = Decode(&d, out, i % 2 ? 5 : 0);
          if (rv != H2S_OK) {
            ASSERT_EQ(rv, H2S_NOMEM);
            errors++;
            EXPECT_EQ(Decode(&d, out), H2S_NOMEM);  // stays failed
            break;
          }
          ASSERT_EQ(Collect(&d), cases[i].headers);
        }
        h2_hpack_enc_free(&e);
        h2_hpack_dec_free(&d);
      }
    }
    {
      h2_hpack_dec d;
      ASSERT_EQ(h2_hpack_dec_init(&d, &cm.mem), H2S_OK);
      for (size_t i = 0; i < ng.size(); i++) {
        if (ng[i].table_size >= 0)
          h2_hpack_dec_set_max_table_size(&d, static_cast<uint32_t>(ng[i].table_size));
        int rv = Decode(&d, ng[i].wire, 1);
        if (rv != H2S_OK) {
          ASSERT_EQ(rv, H2S_NOMEM);
          errors++;
          break;
        }
      }
      h2_hpack_dec_free(&d);
    }
    EXPECT_EQ(cm.live, 0u) << "leak with allocation " << n << " failing";
    EXPECT_EQ(errors > 0, cm.failed) << n;
    if (!cm.failed) break;  // every allocation has been failed once
    ASSERT_LT(n, 100000u);
  }
}

}  // namespace
