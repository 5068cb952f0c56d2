// Tests of the HTTP/2 frame layer (core/h2_frame.c): RFC 9113 §4, §6,
// RFC 7838 (ALTSVC), RFC 8336 (ORIGIN), RFC 9218 (PRIORITY_UPDATE).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern "C" {
#include "h2_err.h"
#include "h2_frame.h"
}

namespace {

using Bytes = std::vector<uint8_t>;
namespace fs = std::filesystem;

Bytes FromHex(const std::string &hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(
        static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

Bytes B(const std::string &s) { return Bytes(s.begin(), s.end()); }

std::string S(const uint8_t *p, size_t n) {
  return n ? std::string(reinterpret_cast<const char *>(p), n) : std::string();
}

// Build a raw frame: 9-byte header plus payload (length taken from payload
// unless given).
Bytes Raw(uint8_t type, uint8_t flags, uint32_t sid, const Bytes &payload,
          long length = -1) {
  uint32_t len = length < 0 ? static_cast<uint32_t>(payload.size())
                            : static_cast<uint32_t>(length);
  Bytes out = {static_cast<uint8_t>(len >> 16),
               static_cast<uint8_t>(len >> 8),
               static_cast<uint8_t>(len),
               type,
               flags,
               static_cast<uint8_t>(sid >> 24),
               static_cast<uint8_t>(sid >> 16),
               static_cast<uint8_t>(sid >> 8),
               static_cast<uint8_t>(sid)};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes U32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes &p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Counting allocator that can be told to fail.
struct TestAlloc {
  int allocs = 0;
  int fail_after = -1; // allocations allowed before failing; -1: never
  h2_mem mem{};
  TestAlloc() {
    mem.malloc = [](size_t n, void *ud) -> void * {
      auto *a = static_cast<TestAlloc *>(ud);
      if (a->fail_after >= 0 && a->allocs >= a->fail_after) return nullptr;
      a->allocs++;
      return std::malloc(n);
    };
    mem.free = [](void *p, void *) { std::free(p); };
    mem.calloc = [](size_t n, size_t s, void *ud) -> void * {
      auto *a = static_cast<TestAlloc *>(ud);
      if (a->fail_after >= 0 && a->allocs >= a->fail_after) return nullptr;
      a->allocs++;
      return std::calloc(n, s);
    };
    mem.realloc = [](void *p, size_t n, void *ud) -> void * {
      auto *a = static_cast<TestAlloc *>(ud);
      if (a->fail_after >= 0 && a->allocs >= a->fail_after) return nullptr;
      a->allocs++;
      return std::realloc(p, n);
    };
    mem.user_data = this;
  }
};

struct Reader {
  h2_frame_reader r;
  explicit Reader(const h2_mem *mem = nullptr) {
    h2_frame_reader_init(&r, mem);
  }
  ~Reader() { h2_frame_reader_free(&r); }
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;
};

// Serialize a decoded frame (its fields) through the encoder.
Bytes Encode(const h2_frame &f) {
  Bytes out(H2_FRAME_HEADER_LEN + h2_frame_payload_len(&f));
  size_t n = 0;
  int rv = h2_frame_encode(&f, out.data(), out.size(), &n);
  EXPECT_EQ(rv, H2S_OK);
  out.resize(n);
  return out;
}

// One result of h2_frame_read, made independent of buffer addresses.
struct Event {
  int rv;
  size_t offset; // bytes of the stream consumed when the result came
  uint32_t err_code, err_sid;
  uint32_t length, sid;
  uint8_t type, flags;
  Bytes enc; // re-encoding of the frame (H2_READ_FRAME)
  bool operator==(const Event &o) const {
    return rv == o.rv && offset == o.offset && err_code == o.err_code &&
           err_sid == o.err_sid && length == o.length && sid == o.sid &&
           type == o.type && flags == o.flags && enc == o.enc;
  }
};

std::ostream &operator<<(std::ostream &os, const Event &e) {
  return os << "{rv=" << e.rv << " off=" << e.offset << " err=" << e.err_code
            << "/" << e.err_sid << " type=" << int(e.type)
            << " flags=" << int(e.flags) << " sid=" << e.sid
            << " len=" << e.length << " enc=" << e.enc.size() << "}";
}

// Feed `in` in the given chunk sizes; returns every non-NEED_MORE result.
std::vector<Event> ReadChunks(const Bytes &in,
                              const std::vector<size_t> &chunks,
                              uint32_t max_frame = H2_DEFAULT_MAX_FRAME_SIZE) {
  Reader rd;
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, max_frame), H2S_OK);
  std::vector<Event> ev;
  size_t base = 0;
  for (size_t c : chunks) {
    // A private copy per chunk, so in-place pointers die with the chunk.
    Bytes chunk(in.begin() + static_cast<long>(base),
                in.begin() + static_cast<long>(base + c));
    size_t off = 0;
    for (;;) {
      h2_frame f;
      size_t used = 12345;
      int rv = h2_frame_read(&rd.r, chunk.data() + off, c - off, &used, &f);
      EXPECT_LE(used, c - off);
      off += used;
      if (rv == H2_READ_NEED_MORE) {
        EXPECT_EQ(off, c);
        break;
      }
      Event e{rv,        base + off, 0, 0, f.hd.length, f.hd.stream_id,
              f.hd.type, f.hd.flags, {}};
      if (rv == H2_READ_FRAME) {
        e.enc = Encode(f);
      } else {
        e.err_code = rd.r.err_code;
        e.err_sid = rd.r.err_stream_id;
        EXPECT_NE(rd.r.err_msg, nullptr);
      }
      ev.push_back(e);
      if (rv == H2_READ_CONN_ERROR) return ev;
    }
    base += c;
  }
  return ev;
}

std::vector<Event> ReadOneShot(const Bytes &in,
                               uint32_t max_frame = H2_DEFAULT_MAX_FRAME_SIZE) {
  return ReadChunks(in, {in.size()}, max_frame);
}

std::vector<Event>
ReadBytewise(const Bytes &in, uint32_t max_frame = H2_DEFAULT_MAX_FRAME_SIZE) {
  return ReadChunks(in, std::vector<size_t>(in.size(), 1), max_frame);
}

std::vector<Event> ReadSplitAt(const Bytes &in, size_t k,
                               uint32_t max_frame = H2_DEFAULT_MAX_FRAME_SIZE) {
  return ReadChunks(in, {k, in.size() - k}, max_frame);
}

// Read exactly one result from a complete buffer.
int ReadOne(h2_frame_reader *r, const Bytes &in, h2_frame *f,
            size_t *used = nullptr) {
  size_t u = 0;
  int rv = h2_frame_read(r, in.data(), in.size(), &u, f);
  if (used) *used = u;
  if (rv != H2_READ_FRAME && rv != H2_READ_NEED_MORE) {
    EXPECT_NE(r->err_msg, nullptr);
  }
  return rv;
}

bool Inside(const void *p, const Bytes &buf) {
  auto *q = static_cast<const uint8_t *>(p);
  return q >= buf.data() && q <= buf.data() + buf.size();
}

// Field-by-field comparison of two frames of the same type.
::testing::AssertionResult SameFrame(const h2_frame &a, const h2_frame &b) {
  auto fail = [](const char *what) {
    return ::testing::AssertionFailure() << "field differs: " << what;
  };
  auto bytes_eq = [](const uint8_t *p, size_t n, const uint8_t *q, size_t m) {
    return n == m && (n == 0 || std::memcmp(p, q, n) == 0);
  };
  auto pri_eq = [](const h2_priority_spec &x, const h2_priority_spec &y) {
    return x.dep == y.dep && x.weight == y.weight &&
           !x.exclusive == !y.exclusive;
  };
  if (a.hd.type != b.hd.type) return fail("type");
  if (a.hd.flags != b.hd.flags) return fail("flags");
  if (a.hd.stream_id != b.hd.stream_id) return fail("stream_id");
  bool padded = (a.hd.flags & H2_FLAG_PADDED) != 0;
  bool padtype = a.hd.type == H2_FT_DATA || a.hd.type == H2_FT_HEADERS ||
                 a.hd.type == H2_FT_PUSH_PROMISE;
  if (padded && padtype) {
    if (a.pad_len != b.pad_len) return fail("pad_len");
    // A NULL pad means zeros.
    for (size_t i = 0; i < a.pad_len; i++) {
      uint8_t x = a.pad ? a.pad[i] : 0, y = b.pad ? b.pad[i] : 0;
      if (x != y) return fail("pad");
    }
  }
  switch (a.hd.type) {
  case H2_FT_DATA:
    if (!bytes_eq(a.u.data.data, a.u.data.len, b.u.data.data, b.u.data.len))
      return fail("data");
    break;
  case H2_FT_HEADERS:
    if ((a.hd.flags & H2_FLAG_PRIORITY) &&
        !pri_eq(a.u.headers.pri, b.u.headers.pri))
      return fail("headers.pri");
    if (!bytes_eq(a.u.headers.block, a.u.headers.block_len, b.u.headers.block,
                  b.u.headers.block_len))
      return fail("headers.block");
    break;
  case H2_FT_PRIORITY:
    if (!pri_eq(a.u.priority, b.u.priority)) return fail("priority");
    break;
  case H2_FT_RST_STREAM:
    if (a.u.rst_stream.error_code != b.u.rst_stream.error_code)
      return fail("rst_stream.error_code");
    break;
  case H2_FT_SETTINGS:
    if (!bytes_eq(a.u.settings.raw, a.u.settings.count * 6, b.u.settings.raw,
                  b.u.settings.count * 6))
      return fail("settings");
    break;
  case H2_FT_PUSH_PROMISE:
    if (a.u.push_promise.promised_id != b.u.push_promise.promised_id)
      return fail("promised_id");
    if (!bytes_eq(a.u.push_promise.block, a.u.push_promise.block_len,
                  b.u.push_promise.block, b.u.push_promise.block_len))
      return fail("push_promise.block");
    break;
  case H2_FT_PING:
    if (std::memcmp(a.u.ping.opaque, b.u.ping.opaque, 8) != 0)
      return fail("ping");
    break;
  case H2_FT_GOAWAY:
    if (a.u.goaway.last_stream_id != b.u.goaway.last_stream_id ||
        a.u.goaway.error_code != b.u.goaway.error_code ||
        !bytes_eq(a.u.goaway.debug, a.u.goaway.debug_len, b.u.goaway.debug,
                  b.u.goaway.debug_len))
      return fail("goaway");
    break;
  case H2_FT_WINDOW_UPDATE:
    if (a.u.window_update.increment != b.u.window_update.increment)
      return fail("window_update");
    break;
  case H2_FT_CONTINUATION:
    if (!bytes_eq(a.u.continuation.block, a.u.continuation.block_len,
                  b.u.continuation.block, b.u.continuation.block_len))
      return fail("continuation");
    break;
  case H2_FT_ALTSVC:
    if (!bytes_eq(a.u.altsvc.origin, a.u.altsvc.origin_len, b.u.altsvc.origin,
                  b.u.altsvc.origin_len) ||
        !bytes_eq(a.u.altsvc.value, a.u.altsvc.value_len, b.u.altsvc.value,
                  b.u.altsvc.value_len))
      return fail("altsvc");
    break;
  case H2_FT_ORIGIN:
    if (!bytes_eq(a.u.origin.payload, a.u.origin.len, b.u.origin.payload,
                  b.u.origin.len))
      return fail("origin");
    break;
  case H2_FT_PRIORITY_UPDATE:
    if (a.u.priority_update.prioritized_id !=
            b.u.priority_update.prioritized_id ||
        !bytes_eq(a.u.priority_update.field, a.u.priority_update.field_len,
                  b.u.priority_update.field, b.u.priority_update.field_len))
      return fail("priority_update");
    break;
  default:
    if (!bytes_eq(a.u.unknown.payload, a.u.unknown.len, b.u.unknown.payload,
                  b.u.unknown.len))
      return fail("unknown");
    break;
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// http2-frame-test-case vectors, one parameterized test per file.

std::string VectorDir() {
  return std::string(H2_SHARED_DIR) + "/http2-frame-test-case";
}

std::vector<std::string> VectorFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(VectorDir(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".json")
      files.push_back(fs::relative(it->path(), VectorDir()).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json LoadVector(const std::string &rel) {
  std::ifstream in(VectorDir() + "/" + rel);
  EXPECT_TRUE(in.good()) << rel;
  return nlohmann::json::parse(in);
}

std::string VectorName(const ::testing::TestParamInfo<std::string> &info) {
  std::string n = info.param.substr(0, info.param.size() - 5); // ".json"
  for (char &c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// Null in JSON stands for "absent"; returns def then.
template <typename T> T Opt(const nlohmann::json &j, const char *key, T def) {
  if (!j.contains(key) || j[key].is_null()) return def;
  return j[key].get<T>();
}

// Build the h2_frame a vector describes (pointers into `store`).
h2_frame FrameFromJson(const nlohmann::json &fr, std::deque<std::string> &store,
                       Bytes &settings_raw) {
  h2_frame f;
  std::memset(&f, 0, sizeof(f));
  f.hd.type = fr["type"].get<uint8_t>();
  f.hd.flags = fr["flags"].get<uint8_t>();
  f.hd.stream_id = fr["stream_identifier"].get<uint32_t>();
  f.hd.length = fr["length"].get<uint32_t>();
  const auto &p = fr["frame_payload"];
  auto keep = [&](const char *key) -> std::pair<const uint8_t *, size_t> {
    store.push_back(Opt<std::string>(p, key, ""));
    const std::string &s = store.back();
    return {reinterpret_cast<const uint8_t *>(s.data()), s.size()};
  };
  if (p.contains("padding_length") && !p["padding_length"].is_null()) {
    f.pad_len = p["padding_length"].get<uint16_t>();
    f.pad = keep("padding").first;
  }
  switch (f.hd.type) {
  case H2_FT_DATA: {
    auto d = keep("data");
    f.u.data.data = d.first;
    f.u.data.len = d.second;
    break;
  }
  case H2_FT_HEADERS: {
    f.u.headers.pri.dep = Opt<uint32_t>(p, "stream_dependency", 0);
    f.u.headers.pri.weight = Opt<uint16_t>(p, "weight", 0);
    f.u.headers.pri.exclusive = Opt<bool>(p, "exclusive", false) ? 1 : 0;
    auto d = keep("header_block_fragment");
    f.u.headers.block = d.first;
    f.u.headers.block_len = d.second;
    break;
  }
  case H2_FT_PRIORITY:
    f.u.priority.dep = Opt<uint32_t>(p, "stream_dependency", 0);
    f.u.priority.weight = Opt<uint16_t>(p, "weight", 0);
    f.u.priority.exclusive = Opt<bool>(p, "exclusive", false) ? 1 : 0;
    break;
  case H2_FT_RST_STREAM:
    f.u.rst_stream.error_code = p["error_code"].get<uint32_t>();
    break;
  case H2_FT_SETTINGS: {
    std::vector<h2_setting> s;
    for (const auto &kv : p["settings"])
      s.push_back({kv[0].get<uint16_t>(), kv[1].get<uint32_t>()});
    settings_raw.assign(s.size() * 6, 0);
    h2_settings_pack(settings_raw.data(), s.data(), s.size());
    f.u.settings.raw = settings_raw.data();
    f.u.settings.count = s.size();
    break;
  }
  case H2_FT_PUSH_PROMISE: {
    f.u.push_promise.promised_id = p["promised_stream_id"].get<uint32_t>();
    auto d = keep("header_block_fragment");
    f.u.push_promise.block = d.first;
    f.u.push_promise.block_len = d.second;
    break;
  }
  case H2_FT_PING: {
    std::string o = p["opaque_data"].get<std::string>();
    EXPECT_EQ(o.size(), 8u);
    std::memcpy(f.u.ping.opaque, o.data(), std::min<size_t>(8, o.size()));
    break;
  }
  case H2_FT_GOAWAY: {
    f.u.goaway.last_stream_id = p["last_stream_id"].get<uint32_t>();
    f.u.goaway.error_code = p["error_code"].get<uint32_t>();
    auto d = keep("additional_debug_data");
    f.u.goaway.debug = d.first;
    f.u.goaway.debug_len = d.second;
    break;
  }
  case H2_FT_WINDOW_UPDATE:
    f.u.window_update.increment = p["window_size_increment"].get<uint32_t>();
    break;
  case H2_FT_CONTINUATION: {
    auto d = keep("header_block_fragment");
    f.u.continuation.block = d.first;
    f.u.continuation.block_len = d.second;
    break;
  }
  default: ADD_FAILURE() << "unexpected frame type in vector";
  }
  return f;
}

class FrameVector : public ::testing::TestWithParam<std::string> {};

TEST_P(FrameVector, Decode) {
  nlohmann::json j = LoadVector(GetParam());
  Bytes wire = FromHex(j["wire"].get<std::string>());
  Reader rd;
  h2_frame f;
  size_t used = 0;
  int rv = ReadOne(&rd.r, wire, &f, &used);
  if (!j["error"].is_null()) {
    ASSERT_TRUE(rv == H2_READ_CONN_ERROR || rv == H2_READ_STREAM_ERROR) << rv;
    bool listed = false;
    for (const auto &c : j["error"])
      if (c.get<uint32_t>() == rd.r.err_code) listed = true;
    EXPECT_TRUE(listed) << "err_code " << rd.r.err_code << " not in "
                        << j["error"].dump();
    return;
  }
  ASSERT_EQ(rv, H2_READ_FRAME) << rd.r.err_msg;
  EXPECT_EQ(used, wire.size());
  const auto &fr = j["frame"];
  EXPECT_EQ(f.hd.length, fr["length"].get<uint32_t>());
  EXPECT_EQ(f.hd.type, fr["type"].get<uint32_t>());
  EXPECT_EQ(f.hd.flags, fr["flags"].get<uint32_t>());
  EXPECT_EQ(f.hd.stream_id, fr["stream_identifier"].get<uint32_t>());
  const auto &p = fr["frame_payload"];

  // Explicit checks against the JSON (independent of the encoder).
  if (p.contains("padding_length") && !p["padding_length"].is_null()) {
    EXPECT_TRUE(f.hd.flags & H2_FLAG_PADDED);
    EXPECT_EQ(f.pad_len, p["padding_length"].get<uint32_t>());
    EXPECT_EQ(S(f.pad, f.pad_len), p["padding"].get<std::string>());
  } else {
    EXPECT_EQ(f.pad_len, 0u);
  }
  switch (f.hd.type) {
  case H2_FT_DATA:
    EXPECT_EQ(S(f.u.data.data, f.u.data.len), p["data"].get<std::string>());
    break;
  case H2_FT_HEADERS:
    EXPECT_EQ(S(f.u.headers.block, f.u.headers.block_len),
              p["header_block_fragment"].get<std::string>());
    if (!p["weight"].is_null()) {
      ASSERT_TRUE(f.hd.flags & H2_FLAG_PRIORITY);
      EXPECT_EQ(f.u.headers.pri.weight, p["weight"].get<uint32_t>());
      EXPECT_EQ(f.u.headers.pri.dep, p["stream_dependency"].get<uint32_t>());
      EXPECT_EQ(f.u.headers.pri.exclusive != 0, p["exclusive"].get<bool>());
    } else {
      EXPECT_FALSE(f.hd.flags & H2_FLAG_PRIORITY);
    }
    break;
  case H2_FT_PRIORITY:
    EXPECT_EQ(f.u.priority.weight, p["weight"].get<uint32_t>());
    EXPECT_EQ(f.u.priority.dep, p["stream_dependency"].get<uint32_t>());
    EXPECT_EQ(f.u.priority.exclusive != 0, p["exclusive"].get<bool>());
    break;
  case H2_FT_RST_STREAM:
    EXPECT_EQ(f.u.rst_stream.error_code, p["error_code"].get<uint32_t>());
    break;
  case H2_FT_SETTINGS: {
    ASSERT_EQ(f.u.settings.count, p["settings"].size());
    for (size_t i = 0; i < f.u.settings.count; i++) {
      h2_setting s;
      h2_frame_setting(&f, i, &s);
      EXPECT_EQ(s.id, p["settings"][i][0].get<uint32_t>());
      EXPECT_EQ(s.value, p["settings"][i][1].get<uint32_t>());
    }
    break;
  }
  case H2_FT_PUSH_PROMISE:
    EXPECT_EQ(f.u.push_promise.promised_id,
              p["promised_stream_id"].get<uint32_t>());
    EXPECT_EQ(S(f.u.push_promise.block, f.u.push_promise.block_len),
              p["header_block_fragment"].get<std::string>());
    break;
  case H2_FT_PING:
    EXPECT_EQ(S(f.u.ping.opaque, 8), p["opaque_data"].get<std::string>());
    break;
  case H2_FT_GOAWAY:
    EXPECT_EQ(f.u.goaway.last_stream_id, p["last_stream_id"].get<uint32_t>());
    EXPECT_EQ(f.u.goaway.error_code, p["error_code"].get<uint32_t>());
    EXPECT_EQ(S(f.u.goaway.debug, f.u.goaway.debug_len),
              p["additional_debug_data"].get<std::string>());
    break;
  case H2_FT_WINDOW_UPDATE:
    EXPECT_EQ(f.u.window_update.increment,
              p["window_size_increment"].get<uint32_t>());
    break;
  case H2_FT_CONTINUATION:
    EXPECT_EQ(S(f.u.continuation.block, f.u.continuation.block_len),
              p["header_block_fragment"].get<std::string>());
    break;
  default: ADD_FAILURE() << "unexpected type";
  }

  // The decoded frame matches the one built from JSON, and both encode to
  // the wire bytes.
  std::deque<std::string> store;
  Bytes raw;
  h2_frame want = FrameFromJson(fr, store, raw);
  EXPECT_TRUE(SameFrame(f, want));
  EXPECT_EQ(Encode(f), wire);
  EXPECT_EQ(Encode(want), wire);
  EXPECT_EQ(h2_frame_payload_len(&f) + H2_FRAME_HEADER_LEN, wire.size());
}

TEST_P(FrameVector, ByteAtATime) {
  nlohmann::json j = LoadVector(GetParam());
  Bytes wire = FromHex(j["wire"].get<std::string>());
  std::vector<Event> one = ReadOneShot(wire);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(ReadBytewise(wire), one);
}

TEST_P(FrameVector, SplitEverywhere) {
  nlohmann::json j = LoadVector(GetParam());
  Bytes wire = FromHex(j["wire"].get<std::string>());
  std::vector<Event> one = ReadOneShot(wire);
  for (size_t k = 0; k <= wire.size(); k++)
    EXPECT_EQ(ReadSplitAt(wire, k), one) << "split at " << k;
}

INSTANTIATE_TEST_SUITE_P(Http2FrameTestCase, FrameVector,
                         ::testing::ValuesIn(VectorFiles()), VectorName);

TEST(FrameVectors, AllFilesFound) {
  // 12 valid + 22 malformed at the pinned commit (SOURCE.txt says 20).
  std::vector<std::string> files = VectorFiles();
  size_t valid = 0;
  for (const std::string &rel : files)
    if (LoadVector(rel)["error"].is_null()) valid++;
  EXPECT_GE(files.size(), 32u);
  EXPECT_EQ(valid, 12u);
}

// All vectors back to back: the valid ones as one stream, then each error
// vector appended to it.
TEST(FrameVectors, WholeSuiteAnySplit) {
  Bytes valid;
  std::vector<Bytes> errors;
  for (const std::string &rel : VectorFiles()) {
    nlohmann::json j = LoadVector(rel);
    Bytes w = FromHex(j["wire"].get<std::string>());
    if (j["error"].is_null())
      valid.insert(valid.end(), w.begin(), w.end());
    else
      errors.push_back(w);
  }
  std::mt19937 rng(1234);
  auto check = [&](const Bytes &stream, size_t expect_events) {
    std::vector<Event> one = ReadOneShot(stream);
    EXPECT_EQ(one.size(), expect_events);
    EXPECT_EQ(ReadBytewise(stream), one);
    for (size_t k = 0; k <= stream.size(); k++)
      EXPECT_EQ(ReadSplitAt(stream, k), one) << "split at " << k;
    for (int trial = 0; trial < 50; trial++) {
      std::vector<size_t> chunks;
      size_t left = stream.size();
      while (left) {
        size_t c = std::min<size_t>(left, rng() % 40);
        chunks.push_back(c); // zero-length chunks included
        left -= c;
      }
      EXPECT_EQ(ReadChunks(stream, chunks), one);
    }
  };
  check(valid, 12);
  for (const Bytes &e : errors) {
    Bytes s = valid;
    s.insert(s.end(), e.begin(), e.end());
    s.insert(s.end(), valid.begin(), valid.end()); // after a stream error
    std::vector<Event> one = ReadOneShot(s);
    ASSERT_GE(one.size(), 13u);
    size_t expect = one[12].rv == H2_READ_CONN_ERROR ? 13u : 25u;
    check(s, expect);
  }
}

// ---------------------------------------------------------------------------
// Round trip: every type x every flag value.

class RoundTrip {
public:
  // Fill f for a type/flags pair with values valid for the reader.
  static void Build(uint8_t type, uint8_t flags, h2_frame *f) {
    static const uint8_t kData[] = "some data bytes";
    static const uint8_t kPad[] = "PADDINGPADDINGPADDING";
    static const uint8_t kBlock[] = "\x82\x86\x84\x41\x0f";
    static const uint8_t kOrigin[] = "https://a.example";
    static const uint8_t kAlt[] = "h3=\":443\"; ma=3600";
    static const uint8_t kOrigins[] = "\x00\x11https://a.example\x00\x00";
    static const uint8_t kField[] = "u=1, i";
    static uint8_t settings_raw[12];
    static const h2_setting s[2] = {{H2_SETTINGS_MAX_FRAME_SIZE, 20000},
                                    {0xabcd, 0xffffffffu}};
    h2_settings_pack(settings_raw, s, 2);

    std::memset(f, 0, sizeof(*f));
    f->hd.type = type;
    f->hd.flags = flags;
    f->hd.length = 999999; // ignored by the encoder
    f->pad_len = static_cast<uint16_t>(flags % 11);
    f->pad = (flags & 0x40) ? nullptr : kPad; // NULL pad: zeros
    switch (type) {
    case H2_FT_DATA:
      f->hd.stream_id = 1;
      f->u.data.data = kData;
      f->u.data.len = (flags & 2) ? 0 : sizeof(kData) - 1;
      break;
    case H2_FT_HEADERS:
      f->hd.stream_id = 3;
      f->u.headers.pri.dep = flags & 2 ? 0 : 0x7fffffffu;
      f->u.headers.pri.exclusive = flags & 1;
      f->u.headers.pri.weight = static_cast<uint16_t>(flags + 1);
      f->u.headers.block = kBlock;
      f->u.headers.block_len = (flags & 2) ? 0 : sizeof(kBlock) - 1;
      break;
    case H2_FT_PRIORITY:
      f->hd.stream_id = 0x7fffffffu;
      f->u.priority.dep = flags;
      f->u.priority.exclusive = (flags & 0x80) ? 1 : 0;
      f->u.priority.weight = static_cast<uint16_t>(256 - flags);
      break;
    case H2_FT_RST_STREAM:
      f->hd.stream_id = 7;
      f->u.rst_stream.error_code = 0xdeadbeefu + flags;
      break;
    case H2_FT_SETTINGS:
      f->hd.stream_id = 0;
      f->u.settings.raw = settings_raw;
      f->u.settings.count = (flags & H2_FLAG_ACK) ? 0 : 2;
      break;
    case H2_FT_PUSH_PROMISE:
      f->hd.stream_id = 1;
      f->u.push_promise.promised_id = 2u * (flags + 1u);
      f->u.push_promise.block = kBlock;
      f->u.push_promise.block_len = (flags & 2) ? 0 : sizeof(kBlock) - 1;
      break;
    case H2_FT_PING:
      for (int i = 0; i < 8; i++)
        f->u.ping.opaque[i] = static_cast<uint8_t>(flags ^ (i * 37));
      break;
    case H2_FT_GOAWAY:
      f->u.goaway.last_stream_id = 0x7fffffffu - flags;
      f->u.goaway.error_code = flags;
      f->u.goaway.debug = kData;
      f->u.goaway.debug_len = flags % 8;
      break;
    case H2_FT_WINDOW_UPDATE:
      f->hd.stream_id = flags & 1;
      f->u.window_update.increment = 0x7fffffffu - flags;
      break;
    case H2_FT_CONTINUATION:
      f->hd.stream_id = 5;
      f->u.continuation.block = kBlock;
      f->u.continuation.block_len = flags % 6;
      break;
    case H2_FT_ALTSVC:
      f->hd.stream_id = (flags & 1) ? 9 : 0; // origin only on stream 0
      f->u.altsvc.origin = (flags & 1) ? nullptr : kOrigin;
      f->u.altsvc.origin_len = (flags & 1) ? 0 : sizeof(kOrigin) - 1;
      f->u.altsvc.value = kAlt;
      f->u.altsvc.value_len = sizeof(kAlt) - 1;
      break;
    case H2_FT_ORIGIN:
      f->u.origin.payload = kOrigins;
      f->u.origin.len = (flags & 1) ? 0 : sizeof(kOrigins) - 1;
      break;
    case H2_FT_PRIORITY_UPDATE:
      f->u.priority_update.prioritized_id = 1u + flags;
      f->u.priority_update.field = kField;
      f->u.priority_update.field_len = (flags & 1) ? 0 : sizeof(kField) - 1;
      break;
    default:
      f->hd.stream_id = 0x12345u + flags;
      f->u.unknown.payload = kData;
      f->u.unknown.len = flags % 16;
      break;
    }
  }
};

const uint8_t kAllTypes[] = {0x0, 0x1, 0x2, 0x3, 0x4, 0x5,  0x6,  0x7, 0x8,
                             0x9, 0xa, 0xb, 0xc, 0xd, 0x10, 0x11, 0xff};

TEST(FrameRoundTrip, EveryTypeEveryFlag) {
  int n = 0;
  for (uint8_t type : kAllTypes) {
    for (int fl = 0; fl < 256; fl++) {
      SCOPED_TRACE("type " + std::to_string(type) + " flags " +
                   std::to_string(fl));
      h2_frame f;
      RoundTrip::Build(type, static_cast<uint8_t>(fl), &f);
      Bytes wire(H2_FRAME_HEADER_LEN + h2_frame_payload_len(&f));
      size_t len = 0;
      ASSERT_EQ(h2_frame_encode(&f, wire.data(), wire.size(), &len), H2S_OK);
      ASSERT_EQ(len, wire.size());
      // Header says what the fields say.
      h2_frame_hd hd;
      h2_frame_hd_unpack(&hd, wire.data());
      EXPECT_EQ(hd.length, len - H2_FRAME_HEADER_LEN);
      EXPECT_EQ(hd.type, type);
      EXPECT_EQ(hd.flags, fl);

      Reader rd;
      h2_frame g;
      size_t used = 0;
      ASSERT_EQ(ReadOne(&rd.r, wire, &g, &used), H2_READ_FRAME) << rd.r.err_msg;
      EXPECT_EQ(used, len);
      EXPECT_EQ(g.hd.length, hd.length);
      EXPECT_TRUE(SameFrame(f, g));
      EXPECT_EQ(Encode(g), wire);
      // Same through a split read and byte by byte.
      std::vector<Event> one = ReadOneShot(wire);
      EXPECT_EQ(ReadSplitAt(wire, len / 2), one);
      EXPECT_EQ(ReadBytewise(wire), one);
      n++;
    }
  }
  EXPECT_EQ(n, 256 * static_cast<int>(sizeof(kAllTypes)));
}

// ---------------------------------------------------------------------------
// Malformed frames, one test per class.

struct Outcome {
  int rv;
  uint32_t code;
  uint32_t sid;
};

Outcome Decode(const Bytes &wire_in, h2_frame *out = nullptr) {
  // Kept alive for the test's lifetime: *out points into it.
  static std::deque<Bytes> keep;
  keep.push_back(wire_in);
  const Bytes &wire = keep.back();
  Reader rd;
  h2_frame f;
  size_t used = 0;
  int rv = ReadOne(&rd.r, wire, &f, &used);
  if (out) *out = f;
  if (rv != H2_READ_CONN_ERROR) {
    EXPECT_EQ(used, wire.size());
  }
  // Result independent of how the bytes arrive.
  std::vector<Event> one = ReadOneShot(wire);
  EXPECT_EQ(ReadBytewise(wire), one);
  if (rv == H2_READ_FRAME) return {rv, 0, 0};
  return {rv, rd.r.err_code, rd.r.err_stream_id};
}

#define EXPECT_CONN(wire, code_)                                               \
  do {                                                                         \
    Outcome o_ = Decode(wire);                                                 \
    EXPECT_EQ(o_.rv, H2_READ_CONN_ERROR);                                      \
    EXPECT_EQ(o_.code, static_cast<uint32_t>(code_));                          \
    EXPECT_EQ(o_.sid, 0u);                                                     \
  } while (0)

#define EXPECT_STREAM(wire, code_, sid_)                                       \
  do {                                                                         \
    Outcome o_ = Decode(wire);                                                 \
    EXPECT_EQ(o_.rv, H2_READ_STREAM_ERROR);                                    \
    EXPECT_EQ(o_.code, static_cast<uint32_t>(code_));                          \
    EXPECT_EQ(o_.sid, static_cast<uint32_t>(sid_));                            \
  } while (0)

#define EXPECT_OK(wire) EXPECT_EQ(Decode(wire).rv, H2_READ_FRAME)

TEST(FrameMalformed, LengthAboveMaxFrameSize) {
  // Header alone triggers the error: nothing of the payload is needed.
  TestAlloc a;
  Reader rd(&a.mem);
  Bytes hd = Raw(H2_FT_DATA, 0, 1, {}, 16385);
  h2_frame f;
  size_t used = 0;
  EXPECT_EQ(h2_frame_read(&rd.r, hd.data(), hd.size(), &used, &f),
            H2_READ_CONN_ERROR);
  EXPECT_EQ(used, 9u);
  EXPECT_EQ(rd.r.err_code, (uint32_t)H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_EQ(f.hd.length, 16385u);
  EXPECT_EQ(a.allocs, 0);
  // Also for types with their own length rules and unknown types.
  EXPECT_CONN(Raw(H2_FT_SETTINGS, 0, 0, Bytes(16386, 0)),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(0x42, 0, 0, Bytes(16385, 0)), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(0x42, 0, 0, Bytes(16384, 0)));
}

TEST(FrameMalformed, PriorityLengthIsStreamError) {
  // §6.3: stream error FRAME_SIZE_ERROR; the frame is consumed.
  EXPECT_STREAM(Raw(H2_FT_PRIORITY, 0, 3, {0, 0, 0, 1}),
                H2_CODE_FRAME_SIZE_ERROR, 3);
  EXPECT_STREAM(Raw(H2_FT_PRIORITY, 0, 3, {0, 0, 0, 1, 2, 3}),
                H2_CODE_FRAME_SIZE_ERROR, 3);
  EXPECT_STREAM(Raw(H2_FT_PRIORITY, 0, 3, {}), H2_CODE_FRAME_SIZE_ERROR, 3);
  // The reader goes on after a stream error.
  Bytes s = Cat({Raw(H2_FT_PRIORITY, 0, 3, {1, 2}),
                 Raw(H2_FT_PRIORITY, 0, 3, {0, 0, 0, 1, 15})});
  std::vector<Event> ev = ReadOneShot(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].rv, H2_READ_STREAM_ERROR);
  EXPECT_EQ(ev[1].rv, H2_READ_FRAME);
}

TEST(FrameMalformed, PrioritySelfDependency) {
  // §5.3.1: a stream cannot depend on itself.
  EXPECT_STREAM(Raw(H2_FT_PRIORITY, 0, 5, {0x80, 0, 0, 5, 15}),
                H2_CODE_PROTOCOL_ERROR, 5);
}

TEST(FrameMalformed, FixedLengthsAreConnectionErrors) {
  EXPECT_CONN(Raw(H2_FT_RST_STREAM, 0, 1, {0, 0, 0}), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_RST_STREAM, 0, 1, {0, 0, 0, 0, 0}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_PING, 0, 0, Bytes(7, 0)), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_PING, H2_FLAG_ACK, 0, Bytes(9, 0)),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_WINDOW_UPDATE, 0, 1, {0, 0, 1}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_WINDOW_UPDATE, 0, 0, {0, 0, 0, 1, 0}),
              H2_CODE_FRAME_SIZE_ERROR);
}

TEST(FrameMalformed, SettingsLength) {
  EXPECT_CONN(Raw(H2_FT_SETTINGS, 0, 0, Bytes(5, 0)), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_SETTINGS, 0, 0, Bytes(13, 0)),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(H2_FT_SETTINGS, 0, 0, Bytes(18, 0)));
  EXPECT_OK(Raw(H2_FT_SETTINGS, 0, 0, {}));
}

TEST(FrameMalformed, SettingsAckWithPayload) {
  EXPECT_CONN(Raw(H2_FT_SETTINGS, H2_FLAG_ACK, 0, Bytes(6, 0)),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_SETTINGS, H2_FLAG_ACK, 0, Bytes(1, 0)),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(H2_FT_SETTINGS, H2_FLAG_ACK, 0, {}));
}

TEST(FrameMalformed, GoawayTooShort) {
  EXPECT_CONN(Raw(H2_FT_GOAWAY, 0, 0, Bytes(7, 0)), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_GOAWAY, 0, 0, {}), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(H2_FT_GOAWAY, 0, 0, Bytes(8, 0)));
}

TEST(FrameMalformed, PaddedTooShortForPadLength) {
  EXPECT_CONN(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {}), H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_HEADERS, H2_FLAG_PADDED, 1, {}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, H2_FLAG_PADDED, 1, {}),
              H2_CODE_FRAME_SIZE_ERROR);
}

TEST(FrameMalformed, TooShortForPriorityFields) {
  EXPECT_CONN(Raw(H2_FT_HEADERS, H2_FLAG_PRIORITY, 1, {0, 0, 0, 3}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(
      Raw(H2_FT_HEADERS, H2_FLAG_PRIORITY | H2_FLAG_PADDED, 1, {0, 0, 0, 0, 3}),
      H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(H2_FT_HEADERS, H2_FLAG_PRIORITY, 1, {0, 0, 0, 3, 9}));
  EXPECT_OK(Raw(H2_FT_HEADERS, H2_FLAG_PRIORITY | H2_FLAG_PADDED, 1,
                {0, 0, 0, 0, 3, 9}));
}

TEST(FrameMalformed, TooShortForPromisedId) {
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, 0, 1, {0, 0, 2}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, H2_FLAG_PADDED, 1, {0, 0, 0, 2}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_OK(Raw(H2_FT_PUSH_PROMISE, H2_FLAG_PADDED, 1, {0, 0, 0, 0, 2}));
}

TEST(FrameMalformed, PaddingTooLong) {
  // §6.1: padding >= payload length is PROTOCOL_ERROR.
  EXPECT_CONN(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {1}), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {5, 0, 0, 0, 0}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {255, 0}),
              H2_CODE_PROTOCOL_ERROR);
  // Padding filling all the rest is fine (empty data).
  h2_frame f;
  EXPECT_EQ(Decode(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {3, 7, 8, 9}), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.data.len, 0u);
  EXPECT_EQ(f.pad_len, 3u);
  EXPECT_OK(Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {0}));
  // §6.2: the priority fields are not room for padding.
  EXPECT_CONN(Raw(H2_FT_HEADERS, H2_FLAG_PADDED | H2_FLAG_PRIORITY, 1,
                  {1, 0, 0, 0, 0, 3}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_OK(Raw(H2_FT_HEADERS, H2_FLAG_PADDED | H2_FLAG_PRIORITY, 1,
                {1, 0, 0, 0, 0, 3, 0}));
  EXPECT_CONN(Raw(H2_FT_HEADERS, H2_FLAG_PADDED, 1, {2, 0}),
              H2_CODE_PROTOCOL_ERROR);
  // §6.6: nor is the promised stream id.
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, H2_FLAG_PADDED, 1, {1, 0, 0, 0, 2}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_OK(Raw(H2_FT_PUSH_PROMISE, H2_FLAG_PADDED, 1, {1, 0, 0, 0, 2, 0}));
}

TEST(FrameMalformed, StreamZeroForbidden) {
  EXPECT_CONN(Raw(H2_FT_DATA, 0, 0, {1}), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_HEADERS, 0, 0, {1}), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PRIORITY, 0, 0, {0, 0, 0, 1, 1}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_RST_STREAM, 0, 0, {0, 0, 0, 1}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, 0, 0, {0, 0, 0, 2}),
              H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_CONTINUATION, 0, 0, {}), H2_CODE_PROTOCOL_ERROR);
  // The reserved bit does not make a stream id non-zero.
  EXPECT_CONN(Raw(H2_FT_DATA, 0, 0x80000000u, {}), H2_CODE_PROTOCOL_ERROR);
}

TEST(FrameMalformed, StreamNonZeroForbidden) {
  EXPECT_CONN(Raw(H2_FT_SETTINGS, 0, 1, {}), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_SETTINGS, H2_FLAG_ACK, 3, {}), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PING, 0, 1, Bytes(8, 0)), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_GOAWAY, 0, 1, Bytes(8, 0)), H2_CODE_PROTOCOL_ERROR);
  EXPECT_OK(Raw(H2_FT_SETTINGS, 0, 0x80000000u, {}));
}

TEST(FrameMalformed, PromisedStreamId) {
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, 0, 1, U32(0)), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, 0, 1, U32(3)), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PUSH_PROMISE, 0, 1, U32(0x80000000u)),
              H2_CODE_PROTOCOL_ERROR);
  h2_frame f;
  ASSERT_EQ(Decode(Raw(H2_FT_PUSH_PROMISE, 0, 1, U32(0x80000004u)), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.push_promise.promised_id, 4u); // reserved bit ignored
}

TEST(FrameMalformed, WindowUpdateZeroIncrement) {
  // §6.9: stream error on a stream, connection error on stream 0.
  EXPECT_STREAM(Raw(H2_FT_WINDOW_UPDATE, 0, 7, U32(0)), H2_CODE_PROTOCOL_ERROR,
                7);
  EXPECT_STREAM(Raw(H2_FT_WINDOW_UPDATE, 0, 7, U32(0x80000000u)),
                H2_CODE_PROTOCOL_ERROR, 7);
  EXPECT_CONN(Raw(H2_FT_WINDOW_UPDATE, 0, 0, U32(0)), H2_CODE_PROTOCOL_ERROR);
  // The reader continues after the stream error.
  Bytes s = Cat({Raw(H2_FT_WINDOW_UPDATE, 0, 7, U32(0)),
                 Raw(H2_FT_WINDOW_UPDATE, 0, 7, U32(1))});
  std::vector<Event> ev = ReadOneShot(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].rv, H2_READ_FRAME);
}

TEST(FrameMalformed, ReservedBitsIgnored) {
  h2_frame f;
  ASSERT_EQ(Decode(Raw(H2_FT_DATA, 0, 0x80000001u, B("x")), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.hd.stream_id, 1u);
  ASSERT_EQ(Decode(Raw(H2_FT_WINDOW_UPDATE, 0, 0, U32(0x80000010u)), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.window_update.increment, 16u);
  ASSERT_EQ(
      Decode(Raw(H2_FT_GOAWAY, 0, 0, Cat({U32(0xffffffffu), U32(0)})), &f).rv,
      H2_READ_FRAME);
  EXPECT_EQ(f.u.goaway.last_stream_id, 0x7fffffffu);
  ASSERT_EQ(Decode(Raw(H2_FT_PRIORITY_UPDATE, 0, 0, U32(0x80000009u)), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.priority_update.prioritized_id, 9u);
  // The exclusive bit of a dependency is split off.
  ASSERT_EQ(Decode(Raw(H2_FT_PRIORITY, 0, 1, {0x80, 0, 0, 3, 255}), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.priority.dep, 3u);
  EXPECT_EQ(f.u.priority.exclusive, 1);
  EXPECT_EQ(f.u.priority.weight, 256);
  // Encoding clears them: the decoded frames re-encode without them.
  ASSERT_EQ(Decode(Raw(H2_FT_DATA, 0, 0x80000001u, B("x")), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(Encode(f), Raw(H2_FT_DATA, 0, 1, B("x")));
}

TEST(FrameMalformed, UnknownFlagsPreserved) {
  h2_frame f;
  ASSERT_EQ(Decode(Raw(H2_FT_DATA, 0xf6, 1, B("abc")), &f).rv, H2_READ_FRAME);
  EXPECT_EQ(f.hd.flags, 0xf6);
  EXPECT_EQ(S(f.u.data.data, f.u.data.len), "abc");
  // PADDED and PRIORITY mean nothing for other types.
  ASSERT_EQ(Decode(Raw(H2_FT_CONTINUATION, 0xff, 1, B("abc")), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.hd.flags, 0xff);
  EXPECT_EQ(f.u.continuation.block_len, 3u);
  ASSERT_EQ(Decode(Raw(H2_FT_PUSH_PROMISE, 0x20, 1, U32(2)), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.push_promise.block_len, 0u);
  ASSERT_EQ(Decode(Raw(H2_FT_PING, 0xfe, 0, Bytes(8, 1)), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.hd.flags, 0xfe);
}

TEST(FrameMalformed, PriorityUpdate) {
  // RFC 9218 §7.1.
  EXPECT_CONN(Raw(H2_FT_PRIORITY_UPDATE, 0, 1, U32(1)), H2_CODE_PROTOCOL_ERROR);
  EXPECT_CONN(Raw(H2_FT_PRIORITY_UPDATE, 0, 0, {0, 0, 1}),
              H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_CONN(Raw(H2_FT_PRIORITY_UPDATE, 0, 0, U32(0)), H2_CODE_PROTOCOL_ERROR);
  h2_frame f;
  ASSERT_EQ(
      Decode(Raw(H2_FT_PRIORITY_UPDATE, 0, 0, Cat({U32(5), B("u=2")})), &f).rv,
      H2_READ_FRAME);
  EXPECT_EQ(f.u.priority_update.prioritized_id, 5u);
  EXPECT_EQ(S(f.u.priority_update.field, f.u.priority_update.field_len), "u=2");
}

TEST(FrameMalformed, AltsvcIgnored) {
  // RFC 7838 §4: malformed ALTSVC frames are dropped, not errors.
  Bytes bad = Raw(H2_FT_ALTSVC, 0, 0, Cat({{0, 10}, B("abc")}));
  h2_frame f;
  Outcome o = Decode(bad, &f);
  EXPECT_EQ(o.rv, H2_READ_IGNORED);
  EXPECT_EQ(f.hd.type, H2_FT_ALTSVC);
  EXPECT_EQ(f.hd.length, 5u);
  EXPECT_EQ(Decode(Raw(H2_FT_ALTSVC, 0, 0, {0})).rv, H2_READ_IGNORED);
  EXPECT_EQ(Decode(Raw(H2_FT_ALTSVC, 0, 0, Cat({{0, 0}, B("h2=\":443\"")}))).rv,
            H2_READ_IGNORED); // stream 0 needs an origin
  EXPECT_EQ(
      Decode(Raw(H2_FT_ALTSVC, 0, 3, Cat({{0, 1}, B("xh2=\":443\"")}))).rv,
      H2_READ_IGNORED); // a stream must not carry one
  // The reader goes on.
  Bytes s = Cat({bad, Raw(H2_FT_PING, 0, 0, Bytes(8, 0))});
  std::vector<Event> ev = ReadOneShot(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].rv, H2_READ_IGNORED);
  EXPECT_EQ(ev[1].rv, H2_READ_FRAME);
  // Valid ones.
  ASSERT_EQ(
      Decode(Raw(H2_FT_ALTSVC, 0, 0, Cat({{0, 3}, B("a.bh2=\":1\"")})), &f).rv,
      H2_READ_FRAME);
  EXPECT_EQ(S(f.u.altsvc.origin, f.u.altsvc.origin_len), "a.b");
  EXPECT_EQ(S(f.u.altsvc.value, f.u.altsvc.value_len), "h2=\":1\"");
  ASSERT_EQ(Decode(Raw(H2_FT_ALTSVC, 0, 3, Cat({{0, 0}, B("clear")})), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.u.altsvc.origin_len, 0u);
  EXPECT_EQ(S(f.u.altsvc.value, f.u.altsvc.value_len), "clear");
}

TEST(FrameMalformed, OriginOnStreamIgnored) {
  // RFC 8336 §2: ORIGIN on a non-zero stream is ignored.
  EXPECT_EQ(Decode(Raw(H2_FT_ORIGIN, 0, 1, Cat({{0, 3}, B("a.b")}))).rv,
            H2_READ_IGNORED);
  h2_frame f;
  ASSERT_EQ(Decode(Raw(H2_FT_ORIGIN, 0xff, 0, Cat({{0, 3}, B("a.b")})), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.hd.flags, 0xff); // no flags defined; kept as received
}

TEST(FrameMalformed, UnknownTypePassedThrough) {
  h2_frame f;
  ASSERT_EQ(Decode(Raw(0xb, 0x5a, 0x7fffffffu, B("opaque")), &f).rv,
            H2_READ_FRAME);
  EXPECT_EQ(f.hd.type, 0xb);
  EXPECT_EQ(f.hd.flags, 0x5a);
  EXPECT_EQ(f.hd.stream_id, 0x7fffffffu);
  EXPECT_EQ(S(f.u.unknown.payload, f.u.unknown.len), "opaque");
  ASSERT_EQ(Decode(Raw(0xee, 0, 0, {}), &f).rv, H2_READ_FRAME);
  EXPECT_EQ(f.u.unknown.len, 0u);
}

TEST(FrameMalformed, ReaderStaysFailed) {
  Reader rd;
  Bytes bad = Raw(H2_FT_PING, 0, 1, Bytes(8, 0));
  Bytes good = Raw(H2_FT_PING, 0, 0, Bytes(8, 0));
  h2_frame f;
  size_t used = 99;
  EXPECT_EQ(ReadOne(&rd.r, bad, &f), H2_READ_CONN_ERROR);
  EXPECT_EQ(h2_frame_read(&rd.r, good.data(), good.size(), &used, &f),
            H2_READ_CONN_ERROR);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(rd.r.err_code, (uint32_t)H2_CODE_PROTOCOL_ERROR);
  EXPECT_EQ(h2_frame_read(&rd.r, nullptr, 0, &used, &f), H2_READ_CONN_ERROR);
}

TEST(FrameMalformed, ErrorMessagesSet) {
  const Bytes cases[] = {
      Raw(H2_FT_DATA, 0, 0, {}),     Raw(H2_FT_DATA, 0, 1, {}, 20000),
      Raw(H2_FT_PRIORITY, 0, 1, {}), Raw(H2_FT_WINDOW_UPDATE, 0, 3, U32(0)),
      Raw(H2_FT_ALTSVC, 0, 0, {}),   Raw(H2_FT_ORIGIN, 0, 9, {}),
  };
  for (const Bytes &c : cases) {
    Reader rd;
    h2_frame f;
    size_t used;
    int rv = h2_frame_read(&rd.r, c.data(), c.size(), &used, &f);
    EXPECT_NE(rv, H2_READ_FRAME);
    ASSERT_NE(rd.r.err_msg, nullptr);
    EXPECT_GT(std::strlen(rd.r.err_msg), 0u);
  }
}

// ---------------------------------------------------------------------------
// Incremental reading.

TEST(FrameIncremental, BackToBackInPlace) {
  Bytes s = Cat({Raw(H2_FT_SETTINGS, 0, 0, Bytes(12, 1)),
                 Raw(H2_FT_HEADERS, H2_FLAG_END_HEADERS, 1, B("block")),
                 Raw(H2_FT_DATA, H2_FLAG_PADDED | H2_FLAG_END_STREAM, 1,
                     Cat({{2}, B("body"), {0, 0}})),
                 Raw(H2_FT_CONTINUATION, 0, 1, {}),
                 Raw(H2_FT_GOAWAY, 0, 0, Cat({U32(1), U32(0), B("bye")})),
                 Raw(0x77, 0, 0, B("x"))});
  TestAlloc a;
  Reader rd(&a.mem);
  size_t off = 0;
  int frames = 0;
  while (off < s.size()) {
    h2_frame f;
    size_t used = 0;
    int rv = h2_frame_read(&rd.r, s.data() + off, s.size() - off, &used, &f);
    ASSERT_EQ(rv, H2_READ_FRAME);
    ASSERT_GT(used, 0u);
    switch (f.hd.type) {
    case H2_FT_SETTINGS: EXPECT_EQ(f.u.settings.raw, s.data() + off + 9); break;
    case H2_FT_HEADERS: EXPECT_EQ(f.u.headers.block, s.data() + off + 9); break;
    case H2_FT_DATA:
      EXPECT_EQ(f.u.data.data, s.data() + off + 10);
      EXPECT_EQ(f.pad, s.data() + off + 14);
      EXPECT_EQ(S(f.u.data.data, f.u.data.len), "body");
      break;
    case H2_FT_GOAWAY: EXPECT_EQ(f.u.goaway.debug, s.data() + off + 17); break;
    case H2_FT_CONTINUATION:
      EXPECT_TRUE(Inside(f.u.continuation.block, s));
      break;
    default: EXPECT_EQ(f.u.unknown.payload, s.data() + off + 9);
    }
    off += used;
    frames++;
  }
  EXPECT_EQ(frames, 6);
  EXPECT_EQ(a.allocs, 0); // nothing copied
  h2_frame f;
  size_t used = 1;
  EXPECT_EQ(h2_frame_read(&rd.r, s.data() + off, 0, &used, &f),
            H2_READ_NEED_MORE);
  EXPECT_EQ(used, 0u);
}

TEST(FrameIncremental, SplitHeaderParsedInPlace) {
  // Header split, payload complete in the second buffer: no copy.
  TestAlloc a;
  Reader rd(&a.mem);
  Bytes w = Raw(H2_FT_DATA, 0, 1, B("payload"));
  Bytes p1(w.begin(), w.begin() + 4), p2(w.begin() + 4, w.end());
  h2_frame f;
  size_t used = 0;
  EXPECT_EQ(h2_frame_read(&rd.r, p1.data(), p1.size(), &used, &f),
            H2_READ_NEED_MORE);
  EXPECT_EQ(used, 4u);
  EXPECT_EQ(h2_frame_read(&rd.r, p2.data(), p2.size(), &used, &f),
            H2_READ_FRAME);
  EXPECT_EQ(used, p2.size());
  EXPECT_EQ(f.u.data.data, p2.data() + 5);
  EXPECT_EQ(a.allocs, 0);
}

TEST(FrameIncremental, SplitPayloadCopiedOnce) {
  TestAlloc a;
  Reader rd(&a.mem);
  for (int round = 0; round < 20; round++) {
    Bytes w = Raw(H2_FT_DATA, 0, 1, Bytes(16384, static_cast<uint8_t>(round)));
    size_t k = 10 + static_cast<size_t>(round) * 700;
    Bytes p1(w.begin(), w.begin() + static_cast<long>(k));
    Bytes p2(w.begin() + static_cast<long>(k), w.end());
    h2_frame f;
    size_t used = 0;
    ASSERT_EQ(h2_frame_read(&rd.r, p1.data(), p1.size(), &used, &f),
              H2_READ_NEED_MORE);
    ASSERT_EQ(h2_frame_read(&rd.r, p2.data(), p2.size(), &used, &f),
              H2_READ_FRAME);
    EXPECT_FALSE(Inside(f.u.data.data, p2));
    EXPECT_EQ(f.u.data.len, 16384u);
    EXPECT_EQ(f.u.data.data[16383], round);
  }
  EXPECT_EQ(a.allocs, 1); // one buffer for all split frames
  EXPECT_LE(rd.r.buf_cap, (size_t)H2_DEFAULT_MAX_FRAME_SIZE);
}

TEST(FrameIncremental, RandomChunksOfMixedFrames) {
  // Every type from the round trip, back to back, read in random chunks.
  Bytes s;
  for (uint8_t type : kAllTypes)
    for (int fl = 0; fl < 256; fl += 17) {
      h2_frame f;
      RoundTrip::Build(type, static_cast<uint8_t>(fl), &f);
      Bytes w = Encode(f);
      s.insert(s.end(), w.begin(), w.end());
    }
  std::vector<Event> one = ReadOneShot(s);
  EXPECT_EQ(one.size(), sizeof(kAllTypes) * 16);
  EXPECT_EQ(ReadBytewise(s), one);
  std::mt19937 rng(99);
  for (int trial = 0; trial < 100; trial++) {
    std::vector<size_t> chunks;
    size_t left = s.size();
    while (left) {
      size_t c = std::min<size_t>(left, rng() % 100);
      chunks.push_back(c);
      left -= c;
    }
    EXPECT_EQ(ReadChunks(s, chunks), one);
  }
}

// ---------------------------------------------------------------------------
// Maximum frame size.

TEST(FrameMaxSize, Range) {
  Reader rd;
  EXPECT_EQ(rd.r.max_frame_size, H2_DEFAULT_MAX_FRAME_SIZE);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 16383),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 16777216),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 0), H2S_INVALID_ARGUMENT);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 0xffffffffu),
            H2S_INVALID_ARGUMENT);
  EXPECT_EQ(rd.r.max_frame_size, H2_DEFAULT_MAX_FRAME_SIZE);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 16777215), H2S_OK);
  EXPECT_EQ(rd.r.max_frame_size, 16777215u);
  EXPECT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 16384), H2S_OK);
  EXPECT_EQ(rd.r.max_frame_size, 16384u);
}

TEST(FrameMaxSize, Enforced) {
  const uint32_t max = 100000;
  Bytes ok = Raw(H2_FT_DATA, 0, 1, Bytes(max, 7));
  Bytes big = Raw(H2_FT_DATA, 0, 1, Bytes(max + 1, 7));
  std::vector<Event> e1 = ReadOneShot(ok, max);
  ASSERT_EQ(e1.size(), 1u);
  EXPECT_EQ(e1[0].rv, H2_READ_FRAME);
  EXPECT_EQ(ReadSplitAt(ok, 50000, max), e1);
  std::vector<size_t> chunks(ok.size() / 1000, 1000);
  chunks.push_back(ok.size() % 1000);
  EXPECT_EQ(ReadChunks(ok, chunks, max), e1);
  std::vector<Event> e2 = ReadOneShot(big, max);
  ASSERT_EQ(e2.size(), 1u);
  EXPECT_EQ(e2[0].rv, H2_READ_CONN_ERROR);
  EXPECT_EQ(e2[0].err_code, (uint32_t)H2_CODE_FRAME_SIZE_ERROR);
  EXPECT_EQ(e2[0].offset, 9u);
  // Default limit rejects what the raised one accepted.
  EXPECT_EQ(ReadOneShot(ok)[0].rv, H2_READ_CONN_ERROR);
  // The largest allowed frame size.
  Bytes huge = Raw(0x33, 0, 0, Bytes(H2_MAX_MAX_FRAME_SIZE, 1));
  std::vector<Event> e3 = ReadSplitAt(huge, 12345, H2_MAX_MAX_FRAME_SIZE);
  ASSERT_EQ(e3.size(), 1u);
  EXPECT_EQ(e3[0].rv, H2_READ_FRAME);
  EXPECT_EQ(e3[0].length, H2_MAX_MAX_FRAME_SIZE);
}

// ---------------------------------------------------------------------------
// Allocation failure of the partial-payload buffer: H2_READ_CONN_ERROR with
// INTERNAL_ERROR, and the reader stays failed.

TEST(FrameAlloc, FailureIsInternalError) {
  TestAlloc a;
  a.fail_after = 0;
  Reader rd(&a.mem);
  Bytes w = Raw(H2_FT_DATA, 0, 1, B("0123456789"));
  h2_frame f;
  size_t used = 0;
  // Complete frames need no buffer.
  ASSERT_EQ(h2_frame_read(&rd.r, w.data(), w.size(), &used, &f), H2_READ_FRAME);
  // A split one does.
  ASSERT_EQ(h2_frame_read(&rd.r, w.data(), 12, &used, &f), H2_READ_CONN_ERROR);
  EXPECT_EQ(rd.r.err_code, (uint32_t)H2_CODE_INTERNAL_ERROR);
  EXPECT_NE(rd.r.err_msg, nullptr);
  EXPECT_EQ(f.hd.type, H2_FT_DATA);
  EXPECT_EQ(h2_frame_read(&rd.r, w.data() + used, w.size() - used, &used, &f),
            H2_READ_CONN_ERROR);
  EXPECT_EQ(used, 0u);
}

TEST(FrameAlloc, GrowthFailure) {
  TestAlloc a;
  a.fail_after = 1; // the first buffer, then nothing
  Reader rd(&a.mem);
  ASSERT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, 1 << 20), H2S_OK);
  Bytes small = Raw(H2_FT_DATA, 0, 1, Bytes(100, 1));
  Bytes large = Raw(H2_FT_DATA, 0, 1, Bytes(50000, 2));
  h2_frame f;
  size_t used = 0;
  ASSERT_EQ(h2_frame_read(&rd.r, small.data(), 50, &used, &f),
            H2_READ_NEED_MORE);
  ASSERT_EQ(
      h2_frame_read(&rd.r, small.data() + 50, small.size() - 50, &used, &f),
      H2_READ_FRAME);
  EXPECT_EQ(a.allocs, 1);
  // Fits the first buffer (16384): fine.
  ASSERT_EQ(h2_frame_read(&rd.r, large.data(), 10000, &used, &f),
            H2_READ_NEED_MORE);
  // Needs to grow: fails.
  EXPECT_EQ(h2_frame_read(&rd.r, large.data() + 10000, 30000, &used, &f),
            H2_READ_CONN_ERROR);
  EXPECT_EQ(rd.r.err_code, (uint32_t)H2_CODE_INTERNAL_ERROR);
}

TEST(FrameAlloc, GrowsOnlyWithReceivedBytes) {
  // A header announcing a large frame does not allocate for it up front.
  TestAlloc a;
  Reader rd(&a.mem);
  ASSERT_EQ(h2_frame_reader_set_max_frame_size(&rd.r, H2_MAX_MAX_FRAME_SIZE),
            H2S_OK);
  Bytes w = Raw(H2_FT_DATA, 0, 1, {1, 2, 3}, H2_MAX_MAX_FRAME_SIZE);
  h2_frame f;
  size_t used = 0;
  ASSERT_EQ(h2_frame_read(&rd.r, w.data(), w.size(), &used, &f),
            H2_READ_NEED_MORE);
  EXPECT_LE(rd.r.buf_cap, (size_t)H2_DEFAULT_MAX_FRAME_SIZE);
}

// ---------------------------------------------------------------------------
// Encoder.

TEST(FrameEncode, HeaderPackUnpack) {
  h2_frame_hd hd{0xabcdef, 0x12, 0x34, 0x7fffffffu};
  uint8_t b[9];
  h2_frame_hd_pack(b, &hd);
  EXPECT_EQ(Bytes(b, b + 9), FromHex("ABCDEF12347FFFFFFF"));
  h2_frame_hd back;
  h2_frame_hd_unpack(&back, b);
  EXPECT_EQ(back.length, hd.length);
  EXPECT_EQ(back.type, hd.type);
  EXPECT_EQ(back.flags, hd.flags);
  EXPECT_EQ(back.stream_id, hd.stream_id);
  b[5] |= 0x80;
  h2_frame_hd_unpack(&back, b);
  EXPECT_EQ(back.stream_id, 0x7fffffffu);
  hd.stream_id = 0xffffffffu; // reserved bit zero on send
  h2_frame_hd_pack(b, &hd);
  EXPECT_EQ(b[5], 0x7f);
}

TEST(FrameEncode, SettingsPack) {
  h2_setting s[3] = {{1, 4096}, {0x8, 1}, {0xffff, 0xffffffffu}};
  uint8_t raw[18];
  h2_settings_pack(raw, s, 3);
  EXPECT_EQ(Bytes(raw, raw + 18),
            FromHex("000100001000000800000001FFFFFFFFFFFF"));
  h2_frame f;
  std::memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_SETTINGS;
  f.u.settings.raw = raw;
  f.u.settings.count = 3;
  for (size_t i = 0; i < 3; i++) {
    h2_setting o;
    h2_frame_setting(&f, i, &o);
    EXPECT_EQ(o.id, s[i].id);
    EXPECT_EQ(o.value, s[i].value);
  }
  EXPECT_EQ(Encode(f), Raw(H2_FT_SETTINGS, 0, 0, Bytes(raw, raw + 18)));
}

TEST(FrameEncode, ZeroPaddingWhenPadNull) {
  h2_frame f;
  std::memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_DATA;
  f.hd.flags = H2_FLAG_PADDED;
  f.hd.stream_id = 1;
  f.pad_len = 3;
  f.pad = nullptr;
  static const uint8_t d[] = {'h', 'i'};
  f.u.data.data = d;
  f.u.data.len = 2;
  EXPECT_EQ(h2_frame_payload_len(&f), 6u);
  EXPECT_EQ(Encode(f),
            Raw(H2_FT_DATA, H2_FLAG_PADDED, 1, {3, 'h', 'i', 0, 0, 0}));
  // Without PADDED the pad fields are unused.
  f.hd.flags = 0;
  f.pad_len = 300;
  EXPECT_EQ(Encode(f), Raw(H2_FT_DATA, 0, 1, {'h', 'i'}));
}

TEST(FrameEncode, RangeChecks) {
  uint8_t buf[64];
  size_t n = 77;
  h2_frame f;
  auto reset = [&](uint8_t type) {
    std::memset(&f, 0, sizeof(f));
    f.hd.type = type;
    f.hd.stream_id = 1;
  };
  reset(H2_FT_DATA);
  f.hd.stream_id = 0x80000000u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_DATA);
  f.hd.flags = H2_FLAG_PADDED;
  f.pad_len = 256;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  f.pad_len = 255;
  Bytes big(300);
  EXPECT_EQ(h2_frame_encode(&f, big.data(), big.size(), &n), H2S_OK);
  EXPECT_EQ(n, 9u + 256u);
  for (uint16_t w : {0, 257, 1000}) {
    reset(H2_FT_HEADERS);
    f.hd.flags = H2_FLAG_PRIORITY;
    f.u.headers.pri.weight = w;
    EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT)
        << w;
    reset(H2_FT_PRIORITY);
    f.u.priority.weight = w;
    EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT)
        << w;
  }
  reset(H2_FT_HEADERS); // weight unused without PRIORITY
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_OK);
  reset(H2_FT_PRIORITY);
  f.u.priority.weight = 16;
  f.u.priority.dep = 0x80000000u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_PUSH_PROMISE);
  f.u.push_promise.promised_id = 0x80000002u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_WINDOW_UPDATE);
  f.u.window_update.increment = 0x80000000u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_GOAWAY);
  f.u.goaway.last_stream_id = 0x80000000u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_PRIORITY_UPDATE);
  f.u.priority_update.prioritized_id = 0x80000000u;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  reset(H2_FT_ALTSVC);
  Bytes origin(65536, 'a');
  f.u.altsvc.origin = origin.data();
  f.u.altsvc.origin_len = origin.size();
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
  // Payload above 2^24-1.
  Bytes payload(H2_MAX_MAX_FRAME_SIZE + 1);
  Bytes out(payload.size() + 16);
  reset(H2_FT_DATA);
  f.u.data.data = payload.data();
  f.u.data.len = payload.size();
  EXPECT_EQ(h2_frame_encode(&f, out.data(), out.size(), &n),
            H2S_INVALID_ARGUMENT);
  f.u.data.len = H2_MAX_MAX_FRAME_SIZE;
  EXPECT_EQ(h2_frame_encode(&f, out.data(), out.size(), &n), H2S_OK);
  EXPECT_EQ(n, 9u + H2_MAX_MAX_FRAME_SIZE);
  reset(0x99);
  f.u.unknown.payload = payload.data();
  f.u.unknown.len = payload.size();
  EXPECT_EQ(h2_frame_encode(&f, out.data(), out.size(), &n),
            H2S_INVALID_ARGUMENT);
  // NULL pointer with a length.
  reset(H2_FT_CONTINUATION);
  f.u.continuation.block_len = 3;
  EXPECT_EQ(h2_frame_encode(&f, buf, sizeof(buf), &n), H2S_INVALID_ARGUMENT);
}

TEST(FrameEncode, BufferTooSmall) {
  for (uint8_t type : kAllTypes) {
    h2_frame f;
    RoundTrip::Build(type, 0x2d, &f);
    size_t need = H2_FRAME_HEADER_LEN + h2_frame_payload_len(&f);
    Bytes out(need);
    size_t n = 0;
    for (size_t cap = 0; cap < need; cap++)
      EXPECT_EQ(h2_frame_encode(&f, out.data(), cap, &n), H2S_BUFFER_TOO_SMALL)
          << int(type) << " cap " << cap;
    EXPECT_EQ(h2_frame_encode(&f, out.data(), need, &n), H2S_OK);
    EXPECT_EQ(n, need);
  }
}

TEST(FrameEncode, PayloadLen) {
  h2_frame f;
  std::memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_HEADERS;
  f.hd.flags = H2_FLAG_PADDED | H2_FLAG_PRIORITY;
  f.pad_len = 10;
  f.u.headers.block_len = 7;
  EXPECT_EQ(h2_frame_payload_len(&f), 1u + 10u + 5u + 7u);
  f.hd.type = H2_FT_PUSH_PROMISE;
  f.u.push_promise.block_len = 7;
  EXPECT_EQ(h2_frame_payload_len(&f), 1u + 10u + 4u + 7u);
  f.hd.type = H2_FT_PRIORITY;
  EXPECT_EQ(h2_frame_payload_len(&f), 5u);
  f.hd.type = H2_FT_RST_STREAM;
  EXPECT_EQ(h2_frame_payload_len(&f), 4u);
  f.hd.type = H2_FT_PING;
  EXPECT_EQ(h2_frame_payload_len(&f), 8u);
  f.hd.type = H2_FT_WINDOW_UPDATE;
  EXPECT_EQ(h2_frame_payload_len(&f), 4u);
  std::memset(&f.u, 0, sizeof(f.u));
  f.hd.type = H2_FT_GOAWAY;
  f.u.goaway.debug_len = 3;
  EXPECT_EQ(h2_frame_payload_len(&f), 11u);
  std::memset(&f.u, 0, sizeof(f.u));
  f.hd.type = H2_FT_ALTSVC;
  f.u.altsvc.origin_len = 3;
  f.u.altsvc.value_len = 4;
  EXPECT_EQ(h2_frame_payload_len(&f), 9u);
}

// ---------------------------------------------------------------------------
// ORIGIN iterator (RFC 8336 §2).

TEST(FrameOrigin, Iterator) {
  Bytes payload =
      Cat({{0, 17}, B("https://a.example"), {0, 0}, {0, 3}, B("x.y")});
  h2_frame f;
  ASSERT_EQ(Decode(Raw(H2_FT_ORIGIN, 0, 0, payload), &f).rv, H2_READ_FRAME);
  // Decode() freed its reader; re-point at our own copy.
  f.u.origin.payload = payload.data();
  size_t pos = 0;
  const uint8_t *o = nullptr;
  size_t olen = 0;
  ASSERT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 1);
  EXPECT_EQ(S(o, olen), "https://a.example");
  ASSERT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 1);
  EXPECT_EQ(olen, 0u);
  ASSERT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 1);
  EXPECT_EQ(S(o, olen), "x.y");
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 0);
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 0);

  // Empty frame: no entries.
  f.u.origin.len = 0;
  pos = 0;
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 0);
  // Truncated length field, and length past the end.
  Bytes bad1 = {0};
  f.u.origin.payload = bad1.data();
  f.u.origin.len = bad1.size();
  pos = 0;
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), -1);
  Bytes bad2 = Cat({{0, 1}, B("a"), {0, 5}, B("abcd")});
  f.u.origin.payload = bad2.data();
  f.u.origin.len = bad2.size();
  pos = 0;
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), 1);
  EXPECT_EQ(h2_frame_origin_next(&f, &pos, &o, &olen), -1);
}

TEST(FrameReader, InitFree) {
  Reader rd;
  EXPECT_EQ(rd.r.max_frame_size, H2_DEFAULT_MAX_FRAME_SIZE);
  EXPECT_EQ(rd.r.failed, 0);
  h2_frame_reader_free(&rd.r); // twice is harmless
  h2_frame_reader_free(&rd.r);
  h2_frame f;
  size_t used = 5;
  EXPECT_EQ(h2_frame_read(&rd.r, nullptr, 0, &used, &f), H2_READ_NEED_MORE);
  EXPECT_EQ(used, 0u);
}

} // namespace
