// White-box tests of the connection engine (core/h2_conn*.c): borrowed-data
// rules, h2c upgrade, header blocks split over CONTINUATION, limits.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

extern "C" {
#include "h2_conn.h"
#include "h2_frame.h"
}
#include <h2/h2.h>

namespace {

struct Ev {
  int type = 0;
  uint32_t sid = 0;
  std::string data;
  std::vector<std::pair<std::string, std::string>> headers;
  uint32_t code = 0;
  uint32_t related_sid = 0;
};

std::vector<Ev> Drain(h2_conn *c) {
  std::vector<Ev> out;
  const h2_event *e;
  while (h2_conn_next_event(c, &e) == 1) {
    Ev v;
    v.type = h2_event_type(e);
    v.sid = h2_event_stream_id(e);
    size_t n = 0;
    const uint8_t *d = h2_event_data(e, &n);
    if (d) v.data.assign(reinterpret_cast<const char *>(d), n);
    for (size_t i = 0; i < h2_event_header_count(e); i++) {
      h2_header h;
      h2_event_header(e, i, &h);
      v.headers.emplace_back(std::string((const char *)h.name, h.name_len),
                             std::string((const char *)h.value, h.value_len));
    }
    v.code = h2_event_error_code(e);
    v.related_sid = h2_event_related_stream_id(e);
    out.push_back(v);
  }
  return out;
}

std::string TakeOut(h2_conn *c) {
  const uint8_t *p;
  size_t n;
  EXPECT_EQ(h2_conn_peek_data(c, &p, &n), 0);
  std::string s(reinterpret_cast<const char *>(p ? p : (const uint8_t *)""), n);
  EXPECT_EQ(h2_conn_consume_data(c, n), 0);
  return s;
}

int Feed(h2_conn *c, const std::string &s, uint64_t now = 0) {
  return h2_conn_receive(c, reinterpret_cast<const uint8_t *>(s.data()),
                         s.size(), now);
}

h2_header H(const char *n, const char *v) {
  h2_header h;
  h.name = reinterpret_cast<const uint8_t *>(n);
  h.name_len = strlen(n);
  h.value = reinterpret_cast<const uint8_t *>(v);
  h.value_len = strlen(v);
  h.flags = 0;
  return h;
}

std::vector<h2_header> Req() {
  return {H(":method", "GET"), H(":scheme", "https"), H(":authority", "a.example"),
          H(":path", "/")};
}

struct Pair {
  h2_conn *cli = nullptr, *srv = nullptr;
  explicit Pair(void (*tweak)(h2_config *) = nullptr) {
    h2_config *cc, *sc;
    EXPECT_EQ(h2_config_new(&cc, H2_SIDE_CLIENT), 0);
    EXPECT_EQ(h2_config_new(&sc, H2_SIDE_SERVER), 0);
    if (tweak) {
      tweak(cc);
      tweak(sc);
    }
    EXPECT_EQ(h2_conn_new(&cli, cc), 0);
    EXPECT_EQ(h2_conn_new(&srv, sc), 0);
    h2_config_free(cc);
    h2_config_free(sc);
  }
  ~Pair() {
    h2_conn_free(cli);
    h2_conn_free(srv);
  }
  void Start() {
    ASSERT_EQ(h2_conn_initiate(cli), 0);
    ASSERT_EQ(h2_conn_initiate(srv), 0);
    Pump();
    Drain(cli);
    Drain(srv);
  }
  // Event payloads may point into the input: keep it until drained.
  std::deque<std::string> keep;
  void Pump() {
    for (int i = 0; i < 10; i++) {
      keep.push_back(TakeOut(cli));
      const std::string &a = keep.back();
      keep.push_back(TakeOut(srv));
      const std::string &b = keep.back();
      if (a.empty() && b.empty()) return;
      ASSERT_EQ(Feed(srv, a), 0) << h2_conn_last_error(srv);
      ASSERT_EQ(Feed(cli, b), 0) << h2_conn_last_error(cli);
    }
  }
};

std::string Frame(uint8_t type, uint8_t flags, uint32_t sid, const std::string &p) {
  std::string s;
  s += char(p.size() >> 16);
  s += char(p.size() >> 8);
  s += char(p.size());
  s += char(type);
  s += char(flags);
  s += char(sid >> 24);
  s += char(sid >> 16);
  s += char(sid >> 8);
  s += char(sid);
  return s + p;
}

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

TEST(ConnCore, RequestResponseRoundTrip) {
  Pair p;
  p.Start();
  auto req = Req();
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), 0, nullptr), 0);
  ASSERT_EQ(h2_conn_send_data(p.cli, 1, (const uint8_t *)"hello", 5,
                              H2_SEND_END_STREAM, 3), 0);
  p.Pump();
  auto ev = Drain(p.srv);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, H2_EV_REQUEST_RECEIVED);
  EXPECT_EQ(ev[0].headers.size(), 4u);
  EXPECT_EQ(ev[1].type, H2_EV_DATA_RECEIVED);
  EXPECT_EQ(ev[1].data, "hello");
  EXPECT_EQ(ev[2].type, H2_EV_STREAM_ENDED);
  h2_header resp[] = {H(":status", "200"), H("content-length", "2")};
  ASSERT_EQ(h2_conn_send_headers(p.srv, 1, resp, 2, 0, nullptr), 0);
  ASSERT_EQ(h2_conn_send_data(p.srv, 1, (const uint8_t *)"ok", 2, H2_SEND_END_STREAM, 0), 0);
  p.Pump();
  ev = Drain(p.cli);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(ev[1].data, "ok");
  int st;
  ASSERT_EQ(h2_conn_stream_state(p.cli, 1, &st), 0);
  EXPECT_EQ(st, H2_STREAM_STATE_CLOSED);
}

// Events must stay valid across receive calls made before draining, and a
// split frame's data must survive the next split frame in the same call.
TEST(ConnCore, BorrowedDataSurvivesLaterInput) {
  Pair p;
  p.Start();
  auto req = Req();
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), 0, nullptr), 0);
  std::string a(1000, 'a'), b(1000, 'b'), c(1000, 'c');
  ASSERT_EQ(h2_conn_send_data(p.cli, 1, (const uint8_t *)a.data(), a.size(), 0, 0), 0);
  ASSERT_EQ(h2_conn_send_data(p.cli, 1, (const uint8_t *)b.data(), b.size(), 0, 0), 0);
  ASSERT_EQ(h2_conn_send_data(p.cli, 1, (const uint8_t *)c.data(), c.size(),
                              H2_SEND_END_STREAM, 0), 0);
  std::string wire = TakeOut(p.cli);
  // Feed in 700-byte slices through a buffer that is overwritten each time.
  std::string buf;
  for (size_t i = 0; i < wire.size(); i += 700) {
    buf = wire.substr(i, 700);
    ASSERT_EQ(Feed(p.srv, buf), 0) << h2_conn_last_error(p.srv);
    std::fill(buf.begin(), buf.end(), 'x');
  }
  auto ev = Drain(p.srv);
  std::string got;
  for (auto &e : ev)
    if (e.type == H2_EV_DATA_RECEIVED) got += e.data;
  EXPECT_EQ(got, a + b + c);
}

TEST(ConnCore, LargeHeaderBlockUsesContinuation) {
  Pair p([](h2_config *c) { h2_config_set(c, H2_OPT_MAX_CONTINUATION_FRAMES, 16); });
  p.Start();
  std::string big(40000, 'v');
  auto req = Req();
  req.push_back(H("x-big", big.c_str()));
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), H2_SEND_END_STREAM,
                                 nullptr), 0);
  std::string wire = TakeOut(p.cli);
  EXPECT_EQ(uint8_t(wire[3]), H2_FT_HEADERS);
  EXPECT_EQ(uint8_t(wire[4]) & H2_FLAG_END_HEADERS, 0);
  ASSERT_EQ(Feed(p.srv, wire), 0) << h2_conn_last_error(p.srv);
  auto ev = Drain(p.srv);
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, H2_EV_REQUEST_RECEIVED);
  EXPECT_EQ(ev[0].headers.back().second, big);
}

TEST(ConnCore, UpgradeRoundTrip) {
  Pair p;
  uint8_t hdr[128];
  size_t n = 0;
  ASSERT_EQ(h2_conn_initiate_upgrade(p.cli, nullptr, 0, hdr, sizeof(hdr), &n), 0);
  ASSERT_GT(n, 0u);
  for (size_t i = 0; i < n; i++) EXPECT_NE(hdr[i], '=');
  ASSERT_EQ(h2_conn_initiate_upgrade(p.srv, hdr, n, nullptr, 0, nullptr), 0);
  int st;
  ASSERT_EQ(h2_conn_stream_state(p.cli, 1, &st), 0);
  EXPECT_EQ(st, H2_STREAM_STATE_HALF_CLOSED_LOCAL);
  ASSERT_EQ(h2_conn_stream_state(p.srv, 1, &st), 0);
  EXPECT_EQ(st, H2_STREAM_STATE_HALF_CLOSED_REMOTE);
  uint32_t v = 0;
  ASSERT_EQ(h2_conn_remote_setting(p.srv, H2_SETTING_ENABLE_PUSH, &v), 0);
  EXPECT_EQ(v, 1u);
  p.Pump();
  h2_header resp[] = {H(":status", "200")};
  ASSERT_EQ(h2_conn_send_headers(p.srv, 1, resp, 1, H2_SEND_END_STREAM, nullptr), 0);
  p.Pump();
  auto ev = Drain(p.cli);
  bool saw = false;
  for (auto &e : ev) saw |= e.type == H2_EV_RESPONSE_RECEIVED && e.sid == 1;
  EXPECT_TRUE(saw);
  // Bad header value.
  Pair q;
  EXPECT_EQ(h2_conn_initiate_upgrade(q.srv, (const uint8_t *)"***", 3, nullptr, 0, nullptr),
            H2_ERR_PROTOCOL);
}

TEST(ConnCore, BadPrefaceAndFirstFrame) {
  Pair p;
  ASSERT_EQ(h2_conn_initiate(p.srv), 0);
  EXPECT_EQ(Feed(p.srv, "GET / HTTP/1.1\r\n\r\n"), H2_ERR_PROTOCOL);
  EXPECT_EQ(h2_conn_state(p.srv), H2_CONN_CLOSED);
  Pair q;
  ASSERT_EQ(h2_conn_initiate(q.srv), 0);
  EXPECT_EQ(Feed(q.srv, kPreface + Frame(H2_FT_PING, 0, 0, std::string(8, 'p'))),
            H2_ERR_PROTOCOL);
}

TEST(ConnCore, PingFloodIsBounded) {
  Pair p([](h2_config *c) { h2_config_set(c, H2_OPT_MAX_QUEUED_ACKS, 10); });
  ASSERT_EQ(h2_conn_initiate(p.srv), 0);
  std::string in = kPreface + Frame(H2_FT_SETTINGS, 0, 0, "");
  for (int i = 0; i < 20; i++) in += Frame(H2_FT_PING, 0, 0, std::string(8, 'p'));
  EXPECT_EQ(Feed(p.srv, in), H2_ERR_DENIAL_OF_SERVICE);
  std::string out = TakeOut(p.srv);
  // The last frame queued is GOAWAY(ENHANCE_YOUR_CALM).
  ASSERT_GE(out.size(), 17u);
  EXPECT_EQ(uint8_t(out[out.size() - 17 + 3]), H2_FT_GOAWAY);
  EXPECT_EQ(uint8_t(out[out.size() - 1]), H2_ENHANCE_YOUR_CALM);
  // Later input is ignored.
  EXPECT_EQ(Feed(p.srv, Frame(H2_FT_PING, 0, 0, std::string(8, 'p'))), 0);
}

TEST(ConnCore, ContinuationFloodAndSettingsEntries) {
  Pair p;
  ASSERT_EQ(h2_conn_initiate(p.srv), 0);
  std::string in = kPreface + Frame(H2_FT_SETTINGS, 0, 0, "");
  in += Frame(H2_FT_HEADERS, 0, 1, "");
  for (int i = 0; i < 9; i++) in += Frame(H2_FT_CONTINUATION, 0, 1, "");
  EXPECT_EQ(Feed(p.srv, in), H2_ERR_DENIAL_OF_SERVICE);

  Pair q;
  ASSERT_EQ(h2_conn_initiate(q.srv), 0);
  std::string s;
  for (int i = 0; i < 33; i++) s += std::string("\x00\x01\x00\x00\x10\x00", 6);
  EXPECT_EQ(Feed(q.srv, kPreface + Frame(H2_FT_SETTINGS, 0, 0, s)),
            H2_ERR_DENIAL_OF_SERVICE);
}

TEST(ConnCore, RapidResetIsLimited) {
  Pair p([](h2_config *c) {
    h2_config_set(c, H2_OPT_RST_RATE_BURST, 5);
    h2_config_set(c, H2_OPT_RST_RATE_PER_SEC, 1);
  });
  p.Start();
  auto req = Req();
  int rc = 0;
  for (uint32_t sid = 1; sid < 40 && rc == 0; sid += 2) {
    ASSERT_EQ(h2_conn_send_headers(p.cli, sid, req.data(), req.size(), 0, nullptr), 0);
    ASSERT_EQ(h2_conn_reset_stream(p.cli, sid, H2_CANCEL), 0);
    rc = Feed(p.srv, TakeOut(p.cli), 1000);
  }
  EXPECT_EQ(rc, H2_ERR_DENIAL_OF_SERVICE);
}

TEST(ConnCore, RefusedStreamOverLimit) {
  Pair p([](h2_config *c) { h2_config_set(c, H2_OPT_MAX_CONCURRENT_STREAMS, 1); });
  p.Start();
  auto req = Req();
  // The client honours the server's limit...
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), 0, nullptr), 0);
  EXPECT_EQ(h2_conn_send_headers(p.cli, 3, req.data(), req.size(), 0, nullptr),
            H2_ERR_TOO_MANY_STREAMS);
  p.Pump();
  Drain(p.srv);
  // ...a raw peer that does not gets RST_STREAM(REFUSED_STREAM).
  h2_hpack_encoder *enc;
  ASSERT_EQ(h2_hpack_encoder_new(&enc, H2_HPACK_POLICY_COMPACT, nullptr), 0);
  uint8_t blk[4096];
  size_t bl;
  // Match the client's dynamic table state by re-encoding isn't possible;
  // use literal-only headers from a fresh encoder with size 0 tables.
  ASSERT_EQ(h2_hpack_encoder_set_table_size(enc, 0), 0);
  ASSERT_EQ(h2_hpack_encoder_encode(enc, req.data(), req.size(), blk, sizeof blk, &bl), 0);
  h2_hpack_encoder_free(enc);
  ASSERT_EQ(Feed(p.srv, Frame(H2_FT_HEADERS, H2_FLAG_END_HEADERS | H2_FLAG_END_STREAM, 3,
                              std::string((const char *)blk, bl))), 0)
      << h2_conn_last_error(p.srv);
  std::string out = TakeOut(p.srv);
  ASSERT_EQ(out.size(), 13u);
  EXPECT_EQ(uint8_t(out[3]), H2_FT_RST_STREAM);
  EXPECT_EQ(uint8_t(out[8]), 3);
  EXPECT_EQ(uint8_t(out[12]), H2_REFUSED_STREAM);
  EXPECT_TRUE(Drain(p.srv).empty());
}

TEST(ConnCore, AcknowledgeReceivedDataFollowsWindowManager) {
  Pair p;
  p.Start();
  auto req = Req();
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), 0, nullptr), 0);
  std::string d(16384, 'd');
  for (int i = 0; i < 2; i++)
    ASSERT_EQ(h2_conn_send_data(p.cli, 1, (const uint8_t *)d.data(), d.size(), 0, 0), 0);
  p.Pump();
  Drain(p.srv);
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, 16384), 0);
  EXPECT_EQ(h2_conn_pending_data(p.srv), 0u) << "below half the window";
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, 16384), 0);
  std::string out = TakeOut(p.srv);
  ASSERT_EQ(out.size(), 26u) << "two WINDOW_UPDATE frames";
  EXPECT_EQ(uint8_t(out[3]), H2_FT_WINDOW_UPDATE);
  int64_t w;
  ASSERT_EQ(h2_conn_remote_flow_control_window(p.srv, 1, &w), 0);
  EXPECT_EQ(w, 65535);
}

TEST(ConnCore, PushPromiseRoundTrip) {
  Pair p;
  p.Start();
  auto req = Req();
  ASSERT_EQ(h2_conn_send_headers(p.cli, 1, req.data(), req.size(), H2_SEND_END_STREAM,
                                 nullptr), 0);
  p.Pump();
  Drain(p.srv);
  auto preq = Req();
  preq[3] = H(":path", "/style.css");
  ASSERT_EQ(h2_conn_push_stream(p.srv, 1, 2, preq.data(), preq.size()), 0);
  h2_header resp[] = {H(":status", "200")};
  ASSERT_EQ(h2_conn_send_headers(p.srv, 2, resp, 1, H2_SEND_END_STREAM, nullptr), 0);
  ASSERT_EQ(h2_conn_send_headers(p.srv, 1, resp, 1, H2_SEND_END_STREAM, nullptr), 0);
  p.Pump();
  auto ev = Drain(p.cli);
  ASSERT_GE(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, H2_EV_PUSHED_STREAM_RECEIVED);
  EXPECT_EQ(ev[0].sid, 2u);
  EXPECT_EQ(ev[0].related_sid, 1u);
  EXPECT_EQ(ev[1].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(ev[1].sid, 2u);
}

// Random frames after a valid start: any outcome but a crash, and the
// connection keeps answering queries (run under the sanitizers).
TEST(ConnCore, RandomFramesDoNotCrash) {
  uint32_t seed = 12345;
  auto rnd = [&seed]() {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fffu;
  };
  int rounds = 300;
  if (const char *r = getenv("H2_CONN_FUZZ_ROUNDS")) rounds = atoi(r);
  for (int round = 0; round < rounds; round++) {
    for (int side = 0; side < 2; side++) {
      h2_config *cfg;
      h2_conn *c;
      ASSERT_EQ(h2_config_new(&cfg, side), 0);
      ASSERT_EQ(h2_conn_new(&c, cfg), 0);
      h2_config_free(cfg);
      ASSERT_EQ(h2_conn_initiate(c), 0);
      std::string in = (side == 1 ? kPreface : "") + Frame(H2_FT_SETTINGS, 0, 0, "");
      if (side == 0) {
        auto req = Req();
        ASSERT_EQ(h2_conn_send_headers(c, 1, req.data(), req.size(), 0, nullptr), 0);
      }
      for (int i = 0; i < 30; i++) {
        uint8_t type = uint8_t(rnd() % 18);
        uint8_t flags = uint8_t(rnd() & 0xff);
        uint32_t sid = rnd() % 6;
        std::string pl;
        size_t n = rnd() % 40;
        for (size_t k = 0; k < n; k++) pl += char(rnd() & 0xff);
        if (type == H2_FT_HEADERS && (rnd() & 1)) {
          pl = std::string("\x82\x86\x84\x41\x01" "a", 6);  // a valid block
          flags = uint8_t(flags & ~H2_FLAG_PADDED & ~H2_FLAG_PRIORITY);
        }
        in += Frame(type, flags, sid, pl);
      }
      size_t pos = 0;
      while (pos < in.size()) {
        size_t k = 1 + rnd() % 64;
        if (k > in.size() - pos) k = in.size() - pos;
        int rc = h2_conn_receive(c, (const uint8_t *)in.data() + pos, k, uint64_t(pos));
        pos += k;
        const h2_event *e;
        while (h2_conn_next_event(c, &e) == 1) {
          size_t dl;
          h2_event_data(e, &dl);
          (void)h2_event_header_count(e);
        }
        if (rc < 0) {
          EXPECT_EQ(h2_conn_state(c), H2_CONN_CLOSED);
          break;
        }
      }
      int64_t w;
      (void)h2_conn_local_flow_control_window(c, 0, &w);
      TakeOut(c);
      h2_conn_free(c);
    }
  }
}

TEST(ConnCore, StreamStructIsSmall) {
  EXPECT_LE(sizeof(h2_stream), 256u);
}

}  // namespace

namespace {

struct CountingMem {
  size_t calls = 0;  // malloc + realloc + free
  static void *Malloc(size_t n, void *ud) {
    static_cast<CountingMem *>(ud)->calls++;
    return std::malloc(n);
  }
  static void Free(void *p, void *ud) {
    if (p) static_cast<CountingMem *>(ud)->calls++;
    std::free(p);
  }
  static void *Calloc(size_t n, size_t s, void *ud) {
    static_cast<CountingMem *>(ud)->calls++;
    return std::calloc(n, s);
  }
  static void *Realloc(void *p, size_t n, void *ud) {
    static_cast<CountingMem *>(ud)->calls++;
    return std::realloc(p, n);
  }
};

// A burst grows the event queue and its arena; the next receive call that
// starts drained gives back all but the small defaults, and a steady flow
// of small calls allocates nothing.
TEST(ConnCore, EventQueueTrimsAfterBurst) {
  CountingMem cm;
  h2_mem mem = {CountingMem::Malloc, CountingMem::Free, CountingMem::Calloc,
                CountingMem::Realloc, &cm};
  h2_evq q;
  std::memset(&q, 0, sizeof(q));
  const h2_ev *e;
  for (int i = 0; i < 200; i++) {
    ASSERT_NE(h2_evq_push(&q, &mem), nullptr);
    ASSERT_NE(h2_evq_alloc(&q, &mem, 150), nullptr);
  }
  EXPECT_GE(q.cap, 200u);
  while (h2_evq_next(&q, &e)) {
  }
  ASSERT_EQ(h2_evq_begin(&q, &mem), 0);
  EXPECT_EQ(q.cap, size_t{H2_EVQ_MIN});
  ASSERT_NE(q.chunks, nullptr);
  EXPECT_EQ(q.chunks->next, nullptr);
  EXPECT_LE(q.chunks->cap, size_t{H2_ARENA_MIN});
  // Steady small calls: no allocator call at all.
  for (int round = 0; round < 3; round++) {
    ASSERT_EQ(h2_evq_begin(&q, &mem), 0);
    size_t before = cm.calls;
    for (int i = 0; i < 8; i++) {
      ASSERT_NE(h2_evq_push(&q, &mem), nullptr);
      ASSERT_NE(h2_evq_alloc(&q, &mem, 100), nullptr);
    }
    while (h2_evq_next(&q, &e)) {
    }
    EXPECT_EQ(cm.calls, before) << "round " << round;
  }
  // Undrained events are kept as they are.
  ASSERT_EQ(h2_evq_begin(&q, &mem), 0);
  for (int i = 0; i < 40; i++) ASSERT_NE(h2_evq_push(&q, &mem), nullptr);
  size_t cap = q.cap;
  ASSERT_EQ(h2_evq_begin(&q, &mem), 0);
  EXPECT_EQ(q.cap, cap);
  EXPECT_EQ(q.len, 40u);
  h2_evq_free(&q, &mem);
}

}  // namespace
