// Payloads queued by reference (h2_conn_send_data_ref) and the output
// calls around them (h2_conn_peek_iov, h2_conn_output_consumed, and
// data_to_send / peek_data / consume_data / pending_data / clear across
// referenced payloads), through the public header.
//
// The central check: two identical server connections get the same input
// and the same actions, one sending DATA with h2_conn_send_data, the other
// with h2_conn_send_data_ref; their output must be the same bytes whatever
// way it is taken. The referenced buffers are freed as soon as
// h2_conn_output_consumed() passes their out_end, so a reference kept too
// long shows as a difference (or as a use after free under ASan).
#include "api_test_util.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>

using namespace h2test;

namespace {

constexpr uint32_t kMaxWindow = 0x7fffffffu;

// A payload handed to send_data_ref: owned here until released.
struct Held {
  std::unique_ptr<uint8_t[]> bytes;
  size_t len = 0;
  uint64_t end = 0;
};

// Ways of taking output.
enum class Taker {
  kCopy1,      // data_to_send, 1 byte per call
  kCopy7,      // data_to_send, 7 bytes per call
  kCopyFrame,  // data_to_send, 16384 + 9 bytes per call
  kCopyAll,    // data_to_send, everything at once
  kIov,        // peek_iov (a few segments) + consume, partly
  kIovAll,     // peek_iov (many segments) + consume all
  kPeek,       // peek_data + consume, partly
  kMixed,      // a different one at each step
};

const char *TakerName(Taker t) {
  switch (t) {
    case Taker::kCopy1: return "copy1";
    case Taker::kCopy7: return "copy7";
    case Taker::kCopyFrame: return "copy16393";
    case Taker::kCopyAll: return "copyall";
    case Taker::kIov: return "iov";
    case Taker::kIovAll: return "iovall";
    case Taker::kPeek: return "peek";
    case Taker::kMixed: return "mixed";
  }
  return "?";
}

// Take at most `budget` bytes of c's output (all of it for SIZE_MAX) the
// way t says; appends them to `into`.
void TakeSome(h2_conn *c, Taker t, size_t budget, std::mt19937 &rng, std::string &into) {
  if (t == Taker::kMixed)
    t = static_cast<Taker>(std::uniform_int_distribution<int>(0, 6)(rng));
  size_t left = budget;
  while (left > 0 && h2_conn_pending_data(c) > 0) {
    size_t before = h2_conn_pending_data(c);
    uint64_t consumed = h2_conn_output_consumed(c);
    size_t got = 0;
    switch (t) {
      case Taker::kCopy1:
      case Taker::kCopy7:
      case Taker::kCopyFrame:
      case Taker::kCopyAll: {
        size_t step = t == Taker::kCopy1 ? 1 : t == Taker::kCopy7 ? 7
                    : t == Taker::kCopyFrame ? 16384 + 9 : before;
        step = std::min(step, left);
        std::vector<uint8_t> buf(step + 1, 0xAB);
        ASSERT_EQ(h2_conn_data_to_send(c, buf.data(), step, &got), H2_OK);
        ASSERT_EQ(got, std::min(step, before));
        ASSERT_EQ(buf[step], 0xAB) << "wrote past cap";
        into.append(reinterpret_cast<char *>(buf.data()), got);
        break;
      }
      case Taker::kIov:
      case Taker::kIovAll: {
        size_t max = t == Taker::kIov ? std::uniform_int_distribution<size_t>(1, 4)(rng) : 64;
        h2_bytes iov[64];
        size_t n = 999;
        ASSERT_EQ(h2_conn_peek_iov(c, iov, max, &n), H2_OK);
        ASSERT_GE(n, 1u);
        ASSERT_LE(n, max);
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
          ASSERT_GT(iov[i].len, 0u) << "empty segment " << i;
          ASSERT_NE(iov[i].data, nullptr);
          total += iov[i].len;
        }
        ASSERT_LE(total, before);
        if (n < max) {
          ASSERT_EQ(total, before) << "fewer segments than allowed, not all output";
        }
        // Write part of it, as a short writev would.
        size_t want = total;
        if (t == Taker::kIov && total > 1)
          want = std::uniform_int_distribution<size_t>(1, total)(rng);
        want = std::min(want, left);
        for (size_t i = 0; i < n && got < want; i++) {
          size_t k = std::min(iov[i].len, want - got);
          into.append(reinterpret_cast<const char *>(iov[i].data), k);
          got += k;
        }
        ASSERT_EQ(h2_conn_consume_data(c, got), H2_OK);
        break;
      }
      case Taker::kPeek: {
        const uint8_t *p = nullptr;
        size_t n = 0;
        ASSERT_EQ(h2_conn_peek_data(c, &p, &n), H2_OK);
        ASSERT_EQ(n, before);
        ASSERT_EQ(h2_conn_output_consumed(c), consumed) << "peeking consumed";
        size_t want = n > 1 ? std::uniform_int_distribution<size_t>(1, n)(rng) : n;
        want = std::min(want, left);
        into.append(reinterpret_cast<const char *>(p), want);
        got = want;
        ASSERT_EQ(h2_conn_consume_data(c, got), H2_OK);
        break;
      }
      case Taker::kMixed: break;
    }
    ASSERT_EQ(h2_conn_pending_data(c), before - got);
    ASSERT_EQ(h2_conn_output_consumed(c), consumed + got);
    if (left != SIZE_MAX) left -= got;
  }
}

// One server connection facing a scripted client; sends DATA by copy or by
// reference.
class Side {
 public:
  Side(bool by_ref, Taker t, unsigned seed) : by_ref_(by_ref), taker_(t), rng_(seed) {
    c_ = NewConn(H2_SIDE_SERVER, [](h2_config *cfg) {
      EXPECT_EQ(h2_config_set(cfg, H2_OPT_TRACE_FRAMES, 65536), H2_OK);
    });
  }
  ~Side() { h2_conn_free(c_); }
  Side(const Side &) = delete;
  Side &operator=(const Side &) = delete;

  h2_conn *c() { return c_; }
  const std::string &out() const { return out_; }
  size_t held() const { return held_.size(); }

  int Feed(const std::string &in) {
    int rc = h2_conn_receive(c_, U8(in), in.size(), 0);
    DrainEvents(c_);
    return rc;
  }

  // Sends len bytes of `src` on sid; returns the status.
  int Data(uint32_t sid, const std::string &src, uint32_t flags, size_t pad) {
    if (!by_ref_) return h2_conn_send_data(c_, sid, U8(src), src.size(), flags, pad);
    Held h;
    h.len = src.size();
    h.bytes.reset(new uint8_t[h.len ? h.len : 1]);
    if (h.len) std::memcpy(h.bytes.get(), src.data(), h.len);
    uint64_t end = 0xdeadbeefu;
    size_t pending = h2_conn_pending_data(c_);
    int rc = h2_conn_send_data_ref(c_, sid, h.bytes.get(), h.len, flags, pad, &end);
    if (rc != H2_OK) {
      EXPECT_EQ(end, 0xdeadbeefu) << "out_end written on error";
      EXPECT_EQ(h2_conn_pending_data(c_), pending) << "queued on error";
      return rc;
    }
    size_t frame = 9 + h.len + (pad ? pad + 1 : 0);
    EXPECT_EQ(h2_conn_pending_data(c_), pending + frame);
    EXPECT_EQ(end, h2_conn_output_consumed(c_) + h2_conn_pending_data(c_));
    h.end = end;
    held_.push_back(std::move(h));
    return rc;
  }

  // Takes up to budget bytes, then frees every released buffer after
  // scribbling over it.
  void Take(size_t budget, std::mt19937 &rng) {
    TakeSome(c_, taker_, budget, rng, out_);
    Release();
  }
  void Release() {
    uint64_t done = h2_conn_output_consumed(c_);
    while (!held_.empty() && held_.front().end <= done) {
      std::memset(held_.front().bytes.get(), 0xEE, held_.front().len);
      held_.pop_front();
    }
  }

  std::vector<h2_frame_trace> Trace() {
    std::vector<h2_frame_trace> v;
    h2_frame_trace t;
    while (h2_conn_next_trace(c_, &t) == 1) v.push_back(t);
    return v;
  }

 private:
  h2_conn *c_;
  bool by_ref_;
  Taker taker_;
  std::mt19937 rng_;
  std::deque<Held> held_;
  std::string out_;
};

std::string Pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

// The same script on a copying and a referencing connection.
void RunScript(Taker taker, unsigned seed) {
  SCOPED_TRACE(std::string("taker ") + TakerName(taker) + " seed " + std::to_string(seed));
  Side a(false, taker, seed), b(true, taker, seed);
  std::mt19937 rng(seed), rng_a(seed + 100), rng_b(seed + 100);
  auto both = [&](const std::function<int(Side &)> &f) {
    int ra = f(a), rb = f(b);
    EXPECT_EQ(ra, rb);
    EXPECT_STREQ(h2_conn_last_error(a.c()), h2_conn_last_error(b.c()));
    return ra;
  };
  auto compare = [&]() {
    ASSERT_EQ(h2_conn_pending_data(a.c()), h2_conn_pending_data(b.c()));
    ASSERT_EQ(h2_conn_output_consumed(a.c()), h2_conn_output_consumed(b.c()));
    ASSERT_EQ(a.out().size(), b.out().size());
    ASSERT_TRUE(a.out() == b.out()) << "output differs";
  };
  ASSERT_EQ(both([](Side &s) { return h2_conn_initiate(s.c()); }), H2_OK);
  // The client: a large window, streams 1, 3, 5, 7 open (GET, ended).
  std::string in = Preface() +
                   FSettings({{0x4, kMaxWindow}}) + FSettingsAck() +
                   FWindowUpdate(0, kMaxWindow - 65535);
  uint32_t next_sid = 1;
  std::vector<uint32_t> open;  // streams the server may still send on
  auto open_streams = [&](int k) {
    std::string hs;
    for (int i = 0; i < k; i++, next_sid += 2) {
      hs += FHeaders(next_sid, Req("GET", "/s" + std::to_string(next_sid)), kFlagEndStream);
      open.push_back(next_sid);
    }
    return hs;
  };
  in += open_streams(4);
  ASSERT_EQ(both([&](Side &s) { return s.Feed(in); }), H2_OK);
  std::map<uint32_t, bool> answered;
  for (int step = 0; step < 400; step++) {
    int op = std::uniform_int_distribution<int>(0, 99)(rng);
    if (open.empty()) {
      std::string more = open_streams(3);
      ASSERT_EQ(both([&](Side &s) { return s.Feed(more); }), H2_OK);
    }
    uint32_t sid = open[std::uniform_int_distribution<size_t>(0, open.size() - 1)(rng)];
    if (!answered[sid]) {
      ASSERT_EQ(both([&](Side &s) {
                  return SendHeaders(s.c(), sid, Plus(Resp(), {{"server", "zc"}}));
                }),
                H2_OK);
      answered[sid] = true;
    } else if (op < 60) {
      // DATA: short (copied), medium, or a whole frame; padding sometimes.
      int kind = std::uniform_int_distribution<int>(0, 9)(rng);
      size_t len = kind < 2   ? std::uniform_int_distribution<size_t>(0, 70)(rng)
                   : kind < 8 ? std::uniform_int_distribution<size_t>(64, 5000)(rng)
                              : 16384;
      size_t pad = 0;
      if (std::uniform_int_distribution<int>(0, 3)(rng) == 0)
        pad = std::uniform_int_distribution<size_t>(0, 255)(rng);
      if (len + (pad ? pad + 1 : 0) > 16384) pad = 0;
      bool end = std::uniform_int_distribution<int>(0, 9)(rng) == 0;
      std::string body = Pattern(len, static_cast<uint32_t>(step));
      ASSERT_EQ(both([&](Side &s) {
                  return s.Data(sid, body, end ? H2_SEND_END_STREAM : 0u, pad);
                }),
                H2_OK);
      if (end) open.erase(std::find(open.begin(), open.end(), sid));
    } else if (op < 66) {
      ASSERT_EQ(both([](Side &s) { return h2_conn_ping(s.c(), nullptr); }), H2_OK);
    } else if (op < 70) {
      // Input that makes the engine queue frames itself: PING ACK.
      std::string ping = FPing("12345678");
      ASSERT_EQ(both([&](Side &s) { return s.Feed(ping); }), H2_OK);
    } else if (op < 74) {
      ASSERT_EQ(both([](Side &s) { return h2_conn_increment_flow_control_window(s.c(), 0, 100); }),
                H2_OK);
    } else if (op < 77) {
      // Trailers end the stream.
      ASSERT_EQ(both([&](Side &s) {
                  return SendHeaders(s.c(), sid, {{"x-trailer", "t"}}, H2_SEND_END_STREAM);
                }),
                H2_OK);
      open.erase(std::find(open.begin(), open.end(), sid));
    } else if (op < 79) {
      ASSERT_EQ(both([&](Side &s) { return h2_conn_end_stream(s.c(), sid); }), H2_OK);
      open.erase(std::find(open.begin(), open.end(), sid));
    } else if (op < 80) {
      ASSERT_EQ(both([&](Side &s) { return h2_conn_reset_stream(s.c(), sid, H2_CANCEL); }),
                H2_OK);
      open.erase(std::find(open.begin(), open.end(), sid));
    } else {
      // Take some output (the same amount from both).
      size_t budget = std::uniform_int_distribution<size_t>(1, 40000)(rng);
      a.Take(budget, rng_a);
      b.Take(budget, rng_b);
      ASSERT_NO_FATAL_FAILURE(compare());
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  a.Take(SIZE_MAX, rng_a);
  b.Take(SIZE_MAX, rng_b);
  ASSERT_NO_FATAL_FAILURE(compare());
  EXPECT_EQ(h2_conn_pending_data(b.c()), 0u);
  EXPECT_EQ(b.held(), 0u) << "a buffer not released with all output consumed";
  EXPECT_EQ(h2_conn_output_consumed(b.c()), b.out().size());
  // The output parses into frames, DATA among them.
  std::string copy = b.out();
  auto frames = ParseFrames(copy);
  EXPECT_TRUE(copy.empty()) << "trailing partial frame";
  EXPECT_GT(CountFrames(frames, kData), 50u);
  // The frame trace saw the same frames in both.
  auto ta = a.Trace(), tb = b.Trace();
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 0; i < ta.size(); i++) {
    EXPECT_EQ(ta[i].type, tb[i].type) << i;
    EXPECT_EQ(ta[i].flags, tb[i].flags) << i;
    EXPECT_EQ(ta[i].stream_id, tb[i].stream_id) << i;
    EXPECT_EQ(ta[i].length, tb[i].length) << i;
  }
  size_t outbound = 0;
  for (auto &t : tb) outbound += t.outbound;
  EXPECT_EQ(outbound, frames.size());
}

class SameBytes : public ::testing::TestWithParam<Taker> {};

TEST_P(SameBytes, CopyAndReferenceGiveTheSameOutput) {
  for (unsigned seed : {1u, 2u, 3u}) RunScript(GetParam(), seed);
}

INSTANTIATE_TEST_SUITE_P(Takers, SameBytes,
                         ::testing::Values(Taker::kCopy1, Taker::kCopy7, Taker::kCopyFrame,
                                           Taker::kCopyAll, Taker::kIov, Taker::kIovAll,
                                           Taker::kPeek, Taker::kMixed),
                         [](const ::testing::TestParamInfo<Taker> &i) {
                           return std::string(TakerName(i.param));
                         });

// ---- one server with one open stream ------------------------------------------

// A server that answered stream 1 (response headers sent, output drained),
// with the given window for the peer.
struct Server : Single {
  explicit Server(uint32_t window = kMaxWindow, const ConfigFn &fn = nullptr)
      : Single(H2_SIDE_SERVER, fn) {
    Handshake({{0x4, window}});
    EXPECT_EQ(Feed(FWindowUpdate(0, window - 65535) +
                   FHeaders(1, Req(), kFlagEndStream)),
              0);
    EXPECT_EQ(SendHeaders(c, 1, Resp()), 0);
    Out();
    Take();
  }
};

std::string TakeAll(h2_conn *c) { return DrainOutput(c); }

TEST(ZeroCopy, OutEndAndOutputConsumed) {
  h2_conn *c = NewConn(H2_SIDE_SERVER);
  EXPECT_EQ(h2_conn_output_consumed(c), 0u);
  ASSERT_EQ(h2_conn_initiate(c), 0);
  size_t settings = h2_conn_pending_data(c);
  ASSERT_GT(settings, 0u);
  EXPECT_EQ(h2_conn_output_consumed(c), 0u);
  std::string in = Preface() + FSettings({}) + FWindowUpdate(0, 100000) +
                   FHeaders(1, Req(), kFlagEndStream);
  ASSERT_EQ(h2_conn_receive(c, U8(in), in.size(), 0), 0);
  ASSERT_EQ(SendHeaders(c, 1, Resp()), 0);
  size_t before = h2_conn_pending_data(c);
  std::string body = Pattern(1000, 7);
  uint64_t end1 = 0, end2 = 0;
  ASSERT_EQ(h2_conn_send_data_ref(c, 1, U8(body), 1000, 0, 0, &end1), 0);
  EXPECT_EQ(end1, before + 9 + 1000);
  ASSERT_EQ(h2_conn_send_data_ref(c, 1, U8(body), 500, H2_SEND_END_STREAM, 10, &end2), 0);
  EXPECT_EQ(end2, end1 + 9 + 500 + 11);
  EXPECT_EQ(h2_conn_pending_data(c), end2);
  // Consumed counts what is taken, in whatever pieces.
  uint8_t buf[100];
  size_t n = 0;
  ASSERT_EQ(h2_conn_data_to_send(c, buf, 37, &n), 0);
  EXPECT_EQ(n, 37u);
  EXPECT_EQ(h2_conn_output_consumed(c), 37u);
  ASSERT_EQ(h2_conn_consume_data(c, end1 - 37 - 1), 0);
  EXPECT_EQ(h2_conn_output_consumed(c), end1 - 1);  // one byte of the first body left
  h2_bytes iov[4];
  ASSERT_EQ(h2_conn_peek_iov(c, iov, 4, &n), 0);
  ASSERT_EQ(n, 4u);  // last body byte, header + pad length, second body, padding
  EXPECT_EQ(iov[0].len, 1u);
  EXPECT_EQ(iov[0].data, U8(body) + 999);
  EXPECT_EQ(iov[1].len, 10u);
  EXPECT_EQ(iov[2].data, U8(body));
  EXPECT_EQ(iov[2].len, 500u);
  EXPECT_EQ(iov[3].len, 10u);
  EXPECT_EQ(h2_conn_consume_data(c, end2 - end1 + 2), H2_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(h2_conn_consume_data(c, 1), 0);
  EXPECT_EQ(h2_conn_output_consumed(c), end1);  // the first body is released
  // Output after the references keeps counting from there.
  ASSERT_EQ(h2_conn_ping(c, nullptr), 0);
  EXPECT_EQ(h2_conn_pending_data(c), end2 - end1 + 17);
  ASSERT_EQ(h2_conn_clear_outbound_data(c), 0);
  EXPECT_EQ(h2_conn_output_consumed(c), end2 + 17);
  EXPECT_EQ(h2_conn_pending_data(c), 0u);
  EXPECT_EQ(h2_conn_output_consumed(nullptr), 0u);
  h2_conn_free(c);
}

TEST(ZeroCopy, OutEndMayBeNullAndEmptyDataWorks) {
  Server s;
  std::string body = Pattern(300, 1);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(body), body.size(), 0, 0, nullptr), 0);
  uint64_t end = 0;
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, nullptr, 0, H2_SEND_END_STREAM, 0, &end), 0);
  EXPECT_EQ(end, h2_conn_output_consumed(s.c) + h2_conn_pending_data(s.c));
  auto fs = s.Out();
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].payload, body);
  EXPECT_EQ(fs[1].payload, "");
  EXPECT_EQ(fs[1].flags, kFlagEndStream);
  EXPECT_EQ(StreamState(s.c, 1), H2_STREAM_STATE_CLOSED);
}

TEST(ZeroCopy, PeekIovHandsOutTheCallersBytes) {
  Server s;
  std::string b1 = Pattern(4000, 1), b2 = Pattern(16384, 2);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b1), b1.size(), 0, 0, nullptr), 0);
  ASSERT_EQ(h2_conn_ping(s.c, nullptr), 0);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b2), b2.size(), H2_SEND_END_STREAM, 0, nullptr), 0);
  h2_bytes iov[8];
  size_t n = 0;
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 8, &n), 0);
  ASSERT_EQ(n, 4u);
  EXPECT_EQ(iov[0].len, 9u);
  EXPECT_EQ(iov[1].data, U8(b1));  // zero copy: the caller's memory itself
  EXPECT_EQ(iov[1].len, b1.size());
  EXPECT_EQ(iov[2].len, 17u + 9u);  // PING, then the second DATA header
  EXPECT_EQ(iov[3].data, U8(b2));
  EXPECT_EQ(iov[3].len, b2.size());
  // Fewer slots: the first ones.
  h2_bytes two[2];
  ASSERT_EQ(h2_conn_peek_iov(s.c, two, 2, &n), 0);
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(two[1].data, iov[1].data);
  ASSERT_EQ(h2_conn_peek_iov(s.c, nullptr, 0, &n), 0);
  EXPECT_EQ(n, 0u);
  // Part of a reference consumed: the rest starts inside the caller's bytes.
  ASSERT_EQ(h2_conn_consume_data(s.c, 9 + 1000), 0);
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 8, &n), 0);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(iov[0].data, U8(b1) + 1000);
  EXPECT_EQ(iov[0].len, b1.size() - 1000);
  // Nothing pending: no segment.
  ASSERT_EQ(h2_conn_consume_data(s.c, h2_conn_pending_data(s.c)), 0);
  n = 99;
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 8, &n), 0);
  EXPECT_EQ(n, 0u);
  // Argument errors.
  EXPECT_EQ(h2_conn_peek_iov(nullptr, iov, 8, &n), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_peek_iov(s.c, iov, 8, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_peek_iov(s.c, nullptr, 1, &n), H2_ERR_INVALID_ARGUMENT);
}

TEST(ZeroCopy, ShortPayloadsAreCopied) {
  // A copy may replace a short reference; the output is the same and the
  // caller's rule (wait for out_end) still holds.
  Server s;
  std::string b = "tiny";
  uint64_t end = 0;
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b), b.size(), 0, 0, &end), 0);
  b = "XXXX";
  auto fs = s.Out();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].payload, "tiny");
  EXPECT_GE(h2_conn_output_consumed(s.c), end);
}

TEST(ZeroCopy, PeekDataFlattensReferences) {
  Server s;
  std::string b1 = Pattern(3000, 1), b2 = Pattern(9000, 2);
  ASSERT_EQ(SendData(s.c, 1, "copied", 0, 3), 0);
  uint64_t e1 = 0, e2 = 0;
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b1), b1.size(), 0, 7, &e1), 0);
  ASSERT_EQ(h2_conn_ping(s.c, nullptr), 0);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b2), b2.size(), 0, 0, &e2), 0);
  // Take into the first reference, so the view starts mid-payload.
  ASSERT_EQ(h2_conn_consume_data(s.c, 9 + 10 + 9 + 1 + 100), 0);
  size_t pending = h2_conn_pending_data(s.c);
  uint64_t consumed = h2_conn_output_consumed(s.c);
  const uint8_t *p = nullptr;
  size_t n = 0;
  ASSERT_EQ(h2_conn_peek_data(s.c, &p, &n), 0);
  ASSERT_EQ(n, pending);
  EXPECT_EQ(h2_conn_output_consumed(s.c), consumed);
  std::string view = Bytes(p, n);
  std::string expect = b1.substr(100) + std::string(7, '\0') +
                       RawFrame(kPing, 0, 0, std::string(8, '\0')) +
                       RawFrame(kData, 0, 1, b2);
  EXPECT_TRUE(view == expect);
  // The engine holds copies now: changing the buffers changes nothing.
  std::fill(b1.begin(), b1.end(), 'x');
  std::fill(b2.begin(), b2.end(), 'y');
  // One segment after flattening.
  h2_bytes iov[4];
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 4, &n), 0);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(Bytes(iov[0].data, iov[0].len), expect);
  // References queued after it come after it.
  std::string b3 = Pattern(500, 3);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b3), b3.size(), H2_SEND_END_STREAM, 0, nullptr),
            0);
  ASSERT_EQ(h2_conn_consume_data(s.c, 5), 0);
  EXPECT_EQ(TakeAll(s.c), expect.substr(5) + RawFrame(kData, kFlagEndStream, 1, b3));
  EXPECT_EQ(h2_conn_output_consumed(s.c), e2 + 9 + 500);
}

TEST(ZeroCopy, ClearReleasesEveryReference) {
  Server s;
  auto *buf = new uint8_t[5000];
  std::memset(buf, 'a', 5000);
  uint64_t end = 0;
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, buf, 5000, 0, 0, &end), 0);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, buf + 100, 4000, 0, 9, &end), 0);
  ASSERT_EQ(h2_conn_consume_data(s.c, 20), 0);
  ASSERT_EQ(h2_conn_clear_outbound_data(s.c), 0);
  EXPECT_GE(h2_conn_output_consumed(s.c), end);
  EXPECT_EQ(h2_conn_pending_data(s.c), 0u);
  delete[] buf;  // ASan: any later read of it is a use after free
  h2_bytes iov[4];
  size_t n = 9;
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 4, &n), 0);
  EXPECT_EQ(n, 0u);
  std::string b = Pattern(200, 5);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(b), b.size(), H2_SEND_END_STREAM, 0, nullptr), 0);
  ASSERT_EQ(h2_conn_ping(s.c, nullptr), 0);
  std::string out = TakeAll(s.c);
  EXPECT_EQ(out, RawFrame(kData, kFlagEndStream, 1, b) + RawFrame(kPing, 0, 0, std::string(8, '\0')));
}

TEST(ZeroCopy, BufferReusedAfterReleaseLeavesTakenOutputAlone) {
  Server s;
  std::vector<uint8_t> buf(16384);
  std::string taken, expect;
  for (int i = 0; i < 20; i++) {
    std::string b = Pattern(buf.size(), static_cast<uint32_t>(i));
    std::memcpy(buf.data(), b.data(), b.size());
    uint64_t end = 0;
    ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, buf.data(), buf.size(), 0, 0, &end), 0);
    expect += RawFrame(kData, 0, 1, b);
    // Take until released, in odd pieces, then reuse the buffer at once.
    while (h2_conn_output_consumed(s.c) < end) {
      uint8_t piece[1000];
      size_t n = 0;
      ASSERT_EQ(h2_conn_data_to_send(s.c, piece, 999, &n), 0);
      ASSERT_GT(n, 0u);
      taken.append(reinterpret_cast<char *>(piece), n);
    }
    std::memset(buf.data(), 0xEE, buf.size());
  }
  EXPECT_EQ(h2_conn_pending_data(s.c), 0u);
  EXPECT_TRUE(taken == expect);
}

// ---- errors: the same as send_data's, nothing queued ------------------------------

struct ErrorCase {
  const char *what;
  std::function<void(Single &)> setup;
  uint32_t sid;
  size_t len;
  uint32_t flags;
  size_t pad;
  bool null_data;
  int expect;
};

TEST(ZeroCopy, EveryErrorOfSendDataWithNothingQueued) {
  const std::vector<ErrorCase> cases = {
      {"invalid flags", nullptr, 1, 100, 0x4, 0, false, H2_ERR_INVALID_ARGUMENT},
      {"null data", nullptr, 1, 100, 0, 0, true, H2_ERR_INVALID_ARGUMENT},
      {"pad > 255", nullptr, 1, 100, 0, 256, false, H2_ERR_INVALID_ARGUMENT},
      {"stream 0", nullptr, 0, 100, 0, 0, false, H2_ERR_INVALID_ARGUMENT},
      {"stream id > 2^31-1", nullptr, 0x80000001u, 100, 0, 0, false, H2_ERR_INVALID_ARGUMENT},
      {"idle stream", nullptr, 3, 100, 0, 0, false, H2_ERR_NO_SUCH_STREAM},
      {"idle own stream", nullptr, 2, 100, 0, 0, false, H2_ERR_NO_SUCH_STREAM},
      {"closed stream",
       [](Single &s) { ASSERT_EQ(h2_conn_end_stream(s.c, 1), 0); }, 1, 100, 0, 0, false,
       H2_ERR_STREAM_CLOSED},
      {"reset stream",
       [](Single &s) { ASSERT_EQ(h2_conn_reset_stream(s.c, 1, H2_CANCEL), 0); }, 1, 100, 0, 0,
       false, H2_ERR_STREAM_CLOSED},
      {"before the response headers",
       [](Single &s) { ASSERT_EQ(s.Feed(FHeaders(3, Req(), kFlagEndStream)), 0); }, 3, 100, 0,
       0, false, H2_ERR_PROTOCOL},
      {"informational response only",
       [](Single &s) {
         ASSERT_EQ(s.Feed(FHeaders(3, Req(), kFlagEndStream)), 0);
         ASSERT_EQ(SendHeaders(s.c, 3, Resp("103")), 0);
       },
       3, 100, 0, 0, false, H2_ERR_PROTOCOL},
      {"over the stream window",
       [](Single &s) { ASSERT_EQ(s.Feed(FHeaders(3, Req(), kFlagEndStream)), 0);
                       ASSERT_EQ(SendHeaders(s.c, 3, Resp()), 0);
                       ASSERT_EQ(s.Feed(FSettings({{0x4, 1000}})), 0); },
       3, 1001, 0, 0, false, H2_ERR_FLOW_CONTROL},
      {"padding over the window",
       [](Single &s) { ASSERT_EQ(s.Feed(FSettings({{0x4, 1000}})), 0); }, 1, 900, 0, 100,
       false, H2_ERR_FLOW_CONTROL},
      {"over the max frame size", nullptr, 1, 16385, 0, 0, false, H2_ERR_FRAME_TOO_LARGE},
      {"padding over the max frame size", nullptr, 1, 16300, 0, 84, false,
       H2_ERR_FRAME_TOO_LARGE},
      {"connection closed with an error",
       [](Single &s) { ASSERT_EQ(h2_conn_close(s.c, H2_PROTOCOL_ERROR, 0, nullptr, 0), 0); },
       1, 100, 0, 0, false, H2_ERR_PROTOCOL},
  };
  std::string big = Pattern(20000, 9);
  for (const auto &tc : cases) {
    SCOPED_TRACE(tc.what);
    Server a, b;
    if (tc.setup) {
      tc.setup(a);
      tc.setup(b);
    }
    size_t pa = h2_conn_pending_data(a.c), pb = h2_conn_pending_data(b.c);
    ASSERT_EQ(pa, pb);
    int64_t wa = LocalWindow(a.c, 0);
    const uint8_t *d = tc.null_data ? nullptr : U8(big);
    int ra = h2_conn_send_data(a.c, tc.sid, d, tc.len, tc.flags, tc.pad);
    uint64_t end = 12345;
    int rb = h2_conn_send_data_ref(b.c, tc.sid, d, tc.len, tc.flags, tc.pad, &end);
    EXPECT_EQ(ra, tc.expect);
    EXPECT_EQ(rb, ra);
    EXPECT_STREQ(h2_conn_last_error(b.c), h2_conn_last_error(a.c));
    EXPECT_EQ(end, 12345u) << "out_end written on error";
    EXPECT_EQ(h2_conn_pending_data(b.c), pb) << "something queued";
    EXPECT_EQ(h2_conn_pending_data(a.c), pa);
    EXPECT_EQ(LocalWindow(b.c, 0), wa) << "window taken";
    EXPECT_EQ(TakeAll(a.c), TakeAll(b.c));
  }
  EXPECT_EQ(h2_conn_send_data_ref(nullptr, 1, U8(big), 10, 0, 0, nullptr),
            H2_ERR_INVALID_ARGUMENT);
}

// An allocator that can be told to fail.
struct Failing {
  bool fail = false;
  static void *Malloc(size_t n, void *u) {
    return static_cast<Failing *>(u)->fail ? nullptr : std::malloc(n);
  }
  static void Free(void *p, void *) { std::free(p); }
  static void *Calloc(size_t k, size_t n, void *u) {
    return static_cast<Failing *>(u)->fail ? nullptr : std::calloc(k, n);
  }
  static void *Realloc(void *p, size_t n, void *u) {
    return static_cast<Failing *>(u)->fail ? nullptr : std::realloc(p, n);
  }
};

TEST(ZeroCopy, OutOfMemoryChangesNothing) {
  static Failing f;
  f.fail = false;
  h2_allocator alloc = {Failing::Malloc, Failing::Free, Failing::Calloc, Failing::Realloc, &f};
  Server s(kMaxWindow, [&](h2_config *cfg) {
    ASSERT_EQ(h2_config_set_allocator(cfg, &alloc), H2_OK);
  });
  std::string big = Pattern(16384, 4);
  // The first reference needs the ring of references.
  f.fail = true;
  int64_t w = LocalWindow(s.c, 1);
  uint64_t end = 7;
  EXPECT_EQ(h2_conn_send_data_ref(s.c, 1, U8(big), big.size(), 0, 0, &end), H2_ERR_NOMEM);
  EXPECT_EQ(end, 7u);
  EXPECT_EQ(h2_conn_pending_data(s.c), 0u);
  EXPECT_EQ(LocalWindow(s.c, 1), w);
  f.fail = false;
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(big), big.size(), 0, 0, &end), H2_OK);
  ASSERT_EQ(h2_conn_send_data_ref(s.c, 1, U8(big), big.size(), 0, 0, &end), H2_OK);
  // Flattening 32 KiB of references needs a larger output buffer.
  size_t pending = h2_conn_pending_data(s.c);
  f.fail = true;
  const uint8_t *p = nullptr;
  size_t n = 0;
  EXPECT_EQ(h2_conn_peek_data(s.c, &p, &n), H2_ERR_NOMEM);
  EXPECT_EQ(h2_conn_pending_data(s.c), pending);
  h2_bytes iov[8];
  ASSERT_EQ(h2_conn_peek_iov(s.c, iov, 8, &n), H2_OK);
  EXPECT_EQ(n, 4u);
  f.fail = false;
  EXPECT_EQ(TakeAll(s.c), RawFrame(kData, 0, 1, big) + RawFrame(kData, 0, 1, big));
}

// ---- limits -----------------------------------------------------------------------

// Queued references are pending output: the count of control frames queued
// by the peer restarts only when little output is pending, references
// included, exactly as when the payload is copied.
TEST(ZeroCopy, ReferencesCountAsPendingOutputForFloodLimits) {
  for (bool by_ref : {false, true}) {
    SCOPED_TRACE(by_ref ? "by reference" : "copied");
    Server s(kMaxWindow, [](h2_config *cfg) {
      ASSERT_EQ(h2_config_set(cfg, H2_OPT_MAX_QUEUED_ACKS, 10), H2_OK);
    });
    std::string big = Pattern(16000, 1);
    ASSERT_EQ(by_ref ? h2_conn_send_data_ref(s.c, 1, U8(big), big.size(), 0, 0, nullptr)
                     : SendData(s.c, 1, big),
              0);
    // The application writes one byte per PING it gets: the output never
    // drains, so the ACKs pile up.
    int rc = 0;
    for (int i = 0; i < 12 && rc == 0; i++) {
      rc = s.Feed(FPing("abcdefgh"));
      if (rc == 0) {
        ASSERT_EQ(h2_conn_consume_data(s.c, 1), 0);
      }
    }
    EXPECT_EQ(rc, H2_ERR_DENIAL_OF_SERVICE);
  }
}

// ---- a client and a server exchanging a body by reference ---------------------------

TEST(ZeroCopy, PairExchangesABodyByReference) {
  for (int way = 0; way < 3; way++) {
    SCOPED_TRACE(way);
    auto big_window = [](h2_config *cfg) {
      ASSERT_EQ(h2_config_set_setting(cfg, H2_SETTING_INITIAL_WINDOW_SIZE, 1 << 20), H2_OK);
    };
    Pair p(Mode::kWhole, 2, big_window, big_window);
    p.Handshake();
    ASSERT_EQ(h2_conn_increment_flow_control_window(p.cli, 0, (1 << 20) - 65535), 0);
    ASSERT_EQ(h2_conn_increment_flow_control_window(p.srv, 0, (1 << 20) - 65535), 0);
    ASSERT_EQ(p.Pump(), 0);
    const std::string body = Pattern(3 * 16384 + 777, 11);
    std::vector<uint8_t> out_buf(body.begin(), body.end());  // the client's buffer
    ASSERT_EQ(SendHeaders(p.cli, 1, Req("POST")), 0);
    uint64_t end = 0;
    for (size_t off = 0; off < body.size(); off += 16000) {
      size_t k = std::min<size_t>(16000, body.size() - off);
      ASSERT_EQ(h2_conn_send_data_ref(p.cli, 1, out_buf.data() + off, k,
                                      off + k == body.size() ? H2_SEND_END_STREAM : 0u,
                                      off ? 0 : 5, &end),
                0);
    }
    // Move the client's output by the chosen way; the server echoes every
    // chunk back by reference from its own copy.
    std::deque<std::string> echo;  // the server's buffers, released in order
    std::deque<uint64_t> echo_end;
    std::string got;
    bool server_answered = false, client_done = false;
    // Events borrow the received bytes until the next receive call: each
    // direction's wire buffer lives until then.
    std::string wire_to_srv, wire_to_cli;
    auto move = [&](h2_conn *from, h2_conn *to) {
      std::string &wire = to == p.srv ? wire_to_srv : wire_to_cli;
      wire.clear();
      if (way == 0) {
        wire = DrainOutput(from);
      } else if (way == 1) {
        for (;;) {
          h2_bytes iov[3];
          size_t n = 0;
          EXPECT_EQ(h2_conn_peek_iov(from, iov, 3, &n), 0);
          if (n == 0) break;
          // A short writev: all but the last byte of the last segment.
          size_t w = 0;
          for (size_t i = 0; i < n; i++) {
            size_t k = iov[i].len - (i + 1 == n && iov[i].len > 1 ? 1 : 0);
            wire.append(reinterpret_cast<const char *>(iov[i].data), k);
            w += k;
          }
          EXPECT_EQ(h2_conn_consume_data(from, w), 0);
        }
      } else {
        const uint8_t *d = nullptr;
        size_t n = 0;
        EXPECT_EQ(h2_conn_peek_data(from, &d, &n), 0);
        wire = Bytes(d, n);
        EXPECT_EQ(h2_conn_consume_data(from, n), 0);
      }
      if (wire.empty()) return false;
      EXPECT_EQ(h2_conn_receive(to, U8(wire), wire.size(), 0), 0);
      return true;
    };
    for (int round = 0; round < 100 && !client_done; round++) {
      bool moved = move(p.cli, p.srv);
      if (h2_conn_output_consumed(p.cli) >= end) std::fill(out_buf.begin(), out_buf.end(), 0);
      const h2_event *e;
      while (h2_conn_next_event(p.srv, &e) == 1) {
        int t = h2_event_type(e);
        if (t == H2_EV_REQUEST_RECEIVED) {
          ASSERT_EQ(SendHeaders(p.srv, 1, Resp()), 0);
          server_answered = true;
        } else if (t == H2_EV_DATA_RECEIVED) {
          size_t n = 0;
          const uint8_t *d = h2_event_data(e, &n);
          ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, h2_event_flow_controlled_length(e)),
                    0);
          echo.emplace_back(Bytes(d, n));
          uint64_t e_end = 0;
          ASSERT_EQ(h2_conn_send_data_ref(p.srv, 1, U8(echo.back()), n, 0, 0, &e_end), 0);
          echo_end.push_back(e_end);
        } else if (t == H2_EV_STREAM_ENDED) {
          ASSERT_TRUE(server_answered);
          ASSERT_EQ(h2_conn_end_stream(p.srv, 1), 0);
        }
      }
      moved |= move(p.srv, p.cli);
      while (!echo.empty() && h2_conn_output_consumed(p.srv) >= echo_end.front()) {
        std::fill(echo.front().begin(), echo.front().end(), '!');
        echo.pop_front();
        echo_end.pop_front();
      }
      while (h2_conn_next_event(p.cli, &e) == 1) {
        int t = h2_event_type(e);
        if (t == H2_EV_DATA_RECEIVED) {
          size_t n = 0;
          const uint8_t *d = h2_event_data(e, &n);
          got += Bytes(d, n);
          ASSERT_EQ(h2_conn_acknowledge_received_data(p.cli, 1, h2_event_flow_controlled_length(e)),
                    0);
        } else if (t == H2_EV_STREAM_ENDED) {
          client_done = true;
        } else if (t == H2_EV_STREAM_RESET || t == H2_EV_CONNECTION_TERMINATED) {
          FAIL() << "event " << t;
        }
      }
      if (!moved) break;
    }
    EXPECT_TRUE(client_done);
    size_t diff = 0;
    while (diff < std::min(got.size(), body.size()) && got[diff] == body[diff]) diff++;
    EXPECT_TRUE(got == body) << got.size() << " of " << body.size() << ", first difference at "
                             << diff;
    EXPECT_TRUE(echo.empty());
    EXPECT_EQ(h2_conn_pending_data(p.cli), 0u);
    EXPECT_EQ(h2_conn_pending_data(p.srv), 0u);
  }
}

}  // namespace

// H2_SEND_PADDED: the PADDED flag with a Pad Length of 0 (h2's
// pad_length=0), one byte against the windows, copied or referenced alike.
TEST(SendPadded, ZeroPadLengthStillSetsTheFlag) {
  std::string body = Pattern(5000, 3);
  for (int by_ref = 0; by_ref < 2; by_ref++) {
    Server s(100000);
    int64_t before = 0, after = 0;
    ASSERT_EQ(h2_conn_local_flow_control_window(s.c, 1, &before), 0);
    int rv = by_ref ? h2_conn_send_data_ref(s.c, 1, U8(body), body.size(),
                                            H2_SEND_PADDED, 0, nullptr)
                    : h2_conn_send_data(s.c, 1, U8(body), body.size(),
                                        H2_SEND_PADDED, 0);
    ASSERT_EQ(rv, 0);
    ASSERT_EQ(h2_conn_local_flow_control_window(s.c, 1, &after), 0);
    EXPECT_EQ(before - after, (int64_t)body.size() + 1);
    auto fs = s.Out();
    ASSERT_EQ(fs.size(), 1u);
    EXPECT_EQ(fs[0].flags, 0x8);  // PADDED only
    EXPECT_EQ(fs[0].payload, std::string(1, '\0') + body);
    // With padding the flag changes nothing; unknown flags are refused.
    ASSERT_EQ(h2_conn_send_data(s.c, 1, U8(body), 10,
                                H2_SEND_PADDED | H2_SEND_END_STREAM, 3), 0);
    fs = s.Out();
    ASSERT_EQ(fs.size(), 1u);
    EXPECT_EQ(fs[0].flags, 0x8 | kFlagEndStream);
    EXPECT_EQ(fs[0].payload, std::string(1, '\3') + body.substr(0, 10) +
                                 std::string(3, '\0'));
  }
  Server s;
  EXPECT_EQ(h2_conn_send_data(s.c, 1, U8(body), 10, 0x4, 0),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_data_ref(s.c, 1, U8(body), 10, 0x4, 0, nullptr),
            H2_ERR_INVALID_ARGUMENT);
}
