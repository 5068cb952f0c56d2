// H2_OPT_PARTIAL_DATA: a DATA frame split across receive calls handed out
// in pieces, without buffering, through the public header. Checked against
// the default (one event per frame) on the same input.
#include "api_test_util.h"

#include <map>

using namespace h2test;

namespace {

ConfigFn Partial(bool on) {
  return [on](h2_config *cfg) {
    ASSERT_EQ(h2_config_set(cfg, H2_OPT_PARTIAL_DATA, on ? 1 : 0), H2_OK);
    ASSERT_EQ(h2_config_set(cfg, H2_OPT_TRACE_FRAMES, 1024), H2_OK);
  };
}

// A DATA event as seen, with where its bytes were.
struct Piece {
  uint32_t sid;
  std::string data;
  size_t flow;
  uint32_t related;
  bool in_input;  // the bytes lie in the input of the receive call
};

// A client with stream 1 (and 3, 5) open and answered by a raw server.
struct Client : Single {
  std::vector<Piece> pieces;
  std::vector<int> types;  // every event type, in order
  explicit Client(bool partial, int streams = 1) : Single(H2_SIDE_CLIENT, Partial(partial)) {
    Handshake();
    std::string in;
    for (int i = 0; i < streams; i++) {
      uint32_t sid = 1 + 2 * static_cast<uint32_t>(i);
      EXPECT_EQ(SendHeaders(c, sid, Req(), H2_SEND_END_STREAM), 0);
      in += FHeaders(sid, Resp(), 0);
    }
    EXPECT_EQ(Feed(in), 0);
    Out();
    Take();
    types.clear();
  }
  // Feeds bytes in one call, recording DATA events raw (before the next
  // receive call invalidates them).
  int Recv(const std::string &bytes) {
    int rc = h2_conn_receive(c, U8(bytes), bytes.size(), 0);
    const h2_event *e;
    while (h2_conn_next_event(c, &e) == 1) {
      types.push_back(h2_event_type(e));
      if (h2_event_type(e) != H2_EV_DATA_RECEIVED) continue;
      size_t n = 0;
      const uint8_t *d = h2_event_data(e, &n);
      Piece p;
      p.sid = h2_event_stream_id(e);
      p.data = Bytes(d, n);
      p.flow = h2_event_flow_controlled_length(e);
      p.related = h2_event_related(e);
      p.in_input = n == 0 || (d >= U8(bytes) && d + n <= U8(bytes) + bytes.size());
      pieces.push_back(p);
    }
    return rc;
  }
  int RecvSplit(const std::string &bytes, const std::vector<size_t> &cuts) {
    size_t at = 0;
    for (size_t cut : cuts) {
      int rc = Recv(bytes.substr(at, cut - at));
      if (rc) return rc;
      at = cut;
    }
    return Recv(bytes.substr(at));
  }
  std::string Data(uint32_t sid) const {
    std::string s;
    for (auto &p : pieces)
      if (p.sid == sid) s += p.data;
    return s;
  }
  size_t Flow(uint32_t sid) const {
    size_t n = 0;
    for (auto &p : pieces)
      if (p.sid == sid) n += p.flow;
    return n;
  }
};

std::string Body(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i++) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST(PartialData, OptionIsOffByDefaultAndBoolean) {
  h2_config *cfg = nullptr;
  ASSERT_EQ(h2_config_new(&cfg, H2_SIDE_CLIENT), H2_OK);
  uint64_t v = 9;
  ASSERT_EQ(h2_config_get(cfg, H2_OPT_PARTIAL_DATA, &v), H2_OK);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_PARTIAL_DATA, 2), H2_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(h2_config_set(cfg, H2_OPT_PARTIAL_DATA, 1), H2_OK);
  ASSERT_EQ(h2_config_get(cfg, H2_OPT_PARTIAL_DATA, &v), H2_OK);
  EXPECT_EQ(v, 1u);
  h2_config_free(cfg);
}

TEST(PartialData, SplitFrameGivesOnePiecePerCallInPlace) {
  std::string body = Body(10000);
  std::string frame = FData(1, body);
  for (bool partial : {false, true}) {
    SCOPED_TRACE(partial);
    Client cl(partial);
    ASSERT_EQ(cl.RecvSplit(frame, {9 + 4000}), 0);
    ASSERT_EQ(cl.pieces.size(), partial ? 2u : 1u);
    EXPECT_EQ(cl.Data(1), body);
    EXPECT_EQ(cl.Flow(1), body.size());
    if (partial) {
      EXPECT_EQ(cl.pieces[0].data.size(), 4000u);
      EXPECT_TRUE(cl.pieces[0].in_input);
      EXPECT_TRUE(cl.pieces[1].in_input);
      EXPECT_EQ(cl.pieces[0].flow, 4000u);
      EXPECT_EQ(cl.pieces[1].flow, 6000u);
    } else {
      EXPECT_FALSE(cl.pieces[0].in_input);  // completed in the engine's buffer
    }
    // Only the frame header in one call: the payload arrives whole, one event.
    Client c2(partial);
    ASSERT_EQ(c2.RecvSplit(frame, {9}), 0);
    ASSERT_EQ(c2.pieces.size(), 1u);
    EXPECT_TRUE(c2.pieces[0].in_input);
    // Several whole frames in one call: one event each.
    Client c3(partial);
    ASSERT_EQ(c3.Recv(FData(1, "abc") + FData(1, "defg") + FData(1, "h", kFlagEndStream)), 0);
    ASSERT_EQ(c3.pieces.size(), 3u);
    EXPECT_EQ(c3.types.back(), H2_EV_STREAM_ENDED);
  }
}

// Every two-way split of a padded frame that ends the stream.
TEST(PartialData, PaddedFrameSplitAnywhere) {
  std::string body = Body(20);
  std::string frame = FPaddedData(1, body, 5, kFlagEndStream);  // payload 26
  for (size_t cut = 1; cut < frame.size(); cut++) {
    SCOPED_TRACE(cut);
    Client cl(true);
    ASSERT_EQ(cl.RecvSplit(frame, {cut}), 0) << h2_conn_last_error(cl.c);
    EXPECT_EQ(cl.Data(1), body);
    EXPECT_EQ(cl.Flow(1), 26u);
    ASSERT_FALSE(cl.pieces.empty());
    // A piece without data only as the last one.
    for (size_t i = 0; i + 1 < cl.pieces.size(); i++) EXPECT_FALSE(cl.pieces[i].data.empty());
    for (size_t i = 0; i + 1 < cl.pieces.size(); i++) EXPECT_EQ(cl.pieces[i].related, 0u);
    EXPECT_EQ(cl.pieces.back().related, H2_REL_STREAM_ENDED);
    for (auto &p : cl.pieces) EXPECT_TRUE(p.in_input);
    ASSERT_FALSE(cl.types.empty());
    EXPECT_EQ(cl.types.back(), H2_EV_STREAM_ENDED);
    EXPECT_EQ(StreamState(cl.c, 1), H2_STREAM_STATE_CLOSED);
  }
}

TEST(PartialData, BytewiseMatchesWholeFrames) {
  std::string in = FPaddedData(1, Body(300), 17) + FData(3, Body(77)) +
                   FPing("abcdefgh") + FPaddedData(3, "", 9) +
                   FData(1, Body(1000), kFlagEndStream) +
                   FPaddedData(3, Body(5), 0, kFlagEndStream);
  Client whole(false, 2), bytes(true, 2);
  ASSERT_EQ(whole.Recv(in), 0);
  for (char ch : in) ASSERT_EQ(bytes.Recv(std::string(1, ch)), 0) << h2_conn_last_error(bytes.c);
  for (uint32_t sid : {1u, 3u}) {
    EXPECT_EQ(bytes.Data(sid), whole.Data(sid)) << sid;
    EXPECT_EQ(bytes.Flow(sid), whole.Flow(sid)) << sid;
  }
  // The other events in the same order.
  std::vector<int> a, b;
  for (int t : whole.types)
    if (t != H2_EV_DATA_RECEIVED) a.push_back(t);
  for (int t : bytes.types)
    if (t != H2_EV_DATA_RECEIVED) b.push_back(t);
  EXPECT_EQ(a, b);
  EXPECT_EQ(StreamState(bytes.c, 1), H2_STREAM_STATE_CLOSED);
  EXPECT_EQ(StreamState(bytes.c, 3), H2_STREAM_STATE_CLOSED);
  // Each frame traced once, when it starts.
  auto count_data = [](h2_conn *c) {
    size_t n = 0;
    h2_frame_trace t;
    while (h2_conn_next_trace(c, &t) == 1) n += !t.outbound && t.type == kData;
    return n;
  };
  EXPECT_EQ(count_data(bytes.c), 5u);
  EXPECT_EQ(count_data(whole.c), 5u);
}

// Random frames, random slicing: the same data, credit and other events as
// one event per frame.
TEST(PartialData, RandomSlicesMatchTheDefault) {
  for (unsigned seed = 1; seed <= 30; seed++) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    std::string in;
    std::map<uint32_t, bool> ended;
    for (int i = 0; i < 12; i++) {
      uint32_t sid = 1 + 2 * std::uniform_int_distribution<uint32_t>(0, 2)(rng);
      if (ended[sid]) continue;
      size_t n = std::uniform_int_distribution<size_t>(0, 5000)(rng);
      bool end = std::uniform_int_distribution<int>(0, 5)(rng) == 0;
      if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) {
        uint8_t pad = static_cast<uint8_t>(std::uniform_int_distribution<int>(0, 255)(rng));
        in += FPaddedData(sid, Body(n), pad, end ? kFlagEndStream : 0);
      } else {
        in += FData(sid, Body(n), end ? kFlagEndStream : 0);
      }
      if (end) ended[sid] = true;
      if (std::uniform_int_distribution<int>(0, 4)(rng) == 0) in += FPing("12345678");
    }
    std::vector<size_t> cuts;
    for (size_t at = 0;;) {
      at += std::uniform_int_distribution<size_t>(1, 3000)(rng);
      if (at >= in.size()) break;
      cuts.push_back(at);
    }
    Client whole(false, 3), parts(true, 3);
    ASSERT_EQ(whole.Recv(in), 0) << h2_conn_last_error(whole.c);
    ASSERT_EQ(parts.RecvSplit(in, cuts), 0) << h2_conn_last_error(parts.c);
    for (uint32_t sid : {1u, 3u, 5u}) {
      EXPECT_EQ(parts.Data(sid), whole.Data(sid)) << sid;
      EXPECT_EQ(parts.Flow(sid), whole.Flow(sid)) << sid;
      EXPECT_EQ(StreamState(parts.c, sid), StreamState(whole.c, sid)) << sid;
    }
    for (auto &p : parts.pieces) EXPECT_TRUE(p.in_input);
    std::vector<int> a, b;
    for (int t : whole.types)
      if (t != H2_EV_DATA_RECEIVED) a.push_back(t);
    for (int t : parts.types)
      if (t != H2_EV_DATA_RECEIVED) b.push_back(t);
    EXPECT_EQ(a, b);
    EXPECT_EQ(RemoteWindow(parts.c, 0), RemoteWindow(whole.c, 0));
  }
}

// Errors are found on the first piece, with the codes of the default.
TEST(PartialData, FrameErrorsOnTheFirstPiece) {
  struct Case {
    const char *what;
    std::string before, frame;  // the frame is split 20 bytes into its payload
    int expect;
  };
  std::string full = FData(1, Body(16384)) + FData(1, Body(16384)) + FData(1, Body(16384)) +
                     FData(1, Body(16383));  // the whole connection window
  const std::vector<Case> cases = {
      {"over the connection window", full, FData(1, Body(100)), H2_ERR_FLOW_CONTROL},
      {"padding too long", "",
       RawFrame(kData, kFlagPadded, 1, std::string(1, char(200)) + Body(50)), H2_ERR_PROTOCOL},
      {"stream 0", "", RawFrame(kData, 0, 0, Body(100)), H2_ERR_PROTOCOL},
      {"idle stream", "", FData(9, Body(100)), H2_ERR_PROTOCOL},
  };
  for (const auto &tc : cases) {
    SCOPED_TRACE(tc.what);
    Client whole(false), parts(true);
    std::string in = tc.before + tc.frame;
    int rw = whole.Recv(in);
    int rp = parts.RecvSplit(in, {tc.before.size() + 9 + 20});
    EXPECT_EQ(rw, tc.expect) << h2_conn_last_error(whole.c);
    EXPECT_EQ(rp, tc.expect) << h2_conn_last_error(parts.c);
    EXPECT_STREQ(h2_conn_last_error(parts.c), h2_conn_last_error(whole.c));
    EXPECT_EQ(parts.Data(1), whole.Data(1));
    auto fw = whole.Out(), fp = parts.Out();
    ASSERT_NE(FindFrame(fp, kGoaway), nullptr);
    ASSERT_NE(FindFrame(fw, kGoaway), nullptr);
    EXPECT_EQ(FindFrame(fp, kGoaway)->Code(), FindFrame(fw, kGoaway)->Code());
  }
}

TEST(PartialData, StreamErrorOnTheFirstPieceDropsTheRest) {
  // content-length 10, a 100-byte frame split: RST_STREAM at the first
  // piece, no DATA event, the rest ignored and its credit returned.
  for (bool partial : {false, true}) {
    SCOPED_TRACE(partial);
    Client cl(partial);
    ASSERT_EQ(SendHeaders(cl.c, 3, Req(), H2_SEND_END_STREAM), 0);
    ASSERT_EQ(cl.Recv(FHeaders(3, Plus(Resp(), {{"content-length", "10"}}), 0)), 0);
    cl.Out();
    std::string frame = FData(3, Body(100));
    ASSERT_EQ(cl.Recv(frame.substr(0, 40)), 0);
    auto fs = cl.Out();
    if (partial) {
      ASSERT_NE(FindFrame(fs, kRstStream, 3), nullptr) << Dump(fs);
      EXPECT_EQ(FindFrame(fs, kRstStream, 3)->Code(), H2_PROTOCOL_ERROR);
    }
    ASSERT_EQ(cl.Recv(frame.substr(40) + FData(1, "after")), 0);
    fs = cl.Out();
    EXPECT_EQ(FindFrame(fs, kRstStream, 3) != nullptr, !partial);
    ASSERT_EQ(cl.pieces.size(), 1u);
    EXPECT_EQ(cl.pieces[0].sid, 1u);
    EXPECT_EQ(cl.pieces[0].data, "after");
    EXPECT_EQ(StreamState(cl.c, 3), H2_STREAM_STATE_CLOSED);
    // Taken from the window: 105; 100 returned, not yet sent (too little).
    EXPECT_EQ(RemoteWindow(cl.c, 0), 65535 - 105);
    // 32662 more received and acknowledged: 32767 owed, half the window.
    ASSERT_EQ(cl.Recv(FData(1, Body(16384)) + FData(1, Body(16278))), 0);
    for (auto &p : cl.pieces)
      ASSERT_EQ(h2_conn_acknowledge_received_data(cl.c, 1, p.flow), H2_OK);
    fs = cl.Out();
    ASSERT_NE(FindFrame(fs, kWindowUpdate, 0), nullptr) << Dump(fs);
    EXPECT_EQ(FindFrame(fs, kWindowUpdate, 0)->Increment(), 32767u);
  }
}

// This side resets the stream between two pieces: the rest is ignored and
// its connection credit returned, as when the whole frame comes after the
// reset by default.
TEST(PartialData, ResetBetweenPiecesReturnsTheCredit) {
  for (bool partial : {false, true}) {
    SCOPED_TRACE(partial);
    Client cl(partial, 2);
    std::string frame = FData(1, Body(16000));
    ASSERT_EQ(cl.Recv(frame.substr(0, 9 + 6000)), 0);
    ASSERT_EQ(cl.pieces.size(), partial ? 1u : 0u);
    ASSERT_EQ(h2_conn_reset_stream(cl.c, 1, H2_CANCEL), 0);
    ASSERT_EQ(cl.Recv(frame.substr(9 + 6000)), 0);
    ASSERT_EQ(cl.pieces.size(), partial ? 1u : 0u) << "a piece after the reset";
    for (auto &p : cl.pieces)
      ASSERT_EQ(h2_conn_acknowledge_received_data(cl.c, 1, p.flow), 0);
    cl.Out();
    // 16000 returned so far (not yet sent: below half the window); 16767
    // more makes 32767, half the window: one WINDOW_UPDATE for all of it.
    ASSERT_EQ(cl.Recv(FData(3, Body(16384)) + FData(3, Body(383))), 0);
    ASSERT_EQ(h2_conn_acknowledge_received_data(cl.c, 3, 16767), 0);
    auto fs = cl.Out();
    const Frame *wu = FindFrame(fs, kWindowUpdate, 0);
    ASSERT_NE(wu, nullptr) << Dump(fs);
    EXPECT_EQ(wu->Increment(), 32767u);
  }
}

}  // namespace
