// The frame trace (H2_OPT_TRACE_FRAMES, h2_conn_next_trace) through the
// public header: what a binding's logger reads.
#include <h2/h2.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

h2_conn *Make(int side, uint64_t trace) {
  h2_config *cfg = nullptr;
  h2_conn *c = nullptr;
  EXPECT_EQ(h2_config_new(&cfg, side), H2_OK);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_TRACE_FRAMES, trace), H2_OK);
  EXPECT_EQ(h2_conn_new(&c, cfg), H2_OK);
  h2_config_free(cfg);
  return c;
}

std::vector<h2_frame_trace> Drain(h2_conn *c) {
  std::vector<h2_frame_trace> v;
  h2_frame_trace t;
  while (h2_conn_next_trace(c, &t) == 1) v.push_back(t);
  return v;
}

// Takes all pending output, `step` bytes per call.
std::vector<uint8_t> TakeOutput(h2_conn *c, size_t step) {
  std::vector<uint8_t> all;
  uint8_t buf[64];
  size_t n = 0;
  do {
    EXPECT_EQ(h2_conn_data_to_send(c, buf, step < sizeof buf ? step : sizeof buf, &n), H2_OK);
    all.insert(all.end(), buf, buf + n);
  } while (n);
  return all;
}

const h2_header kReq[] = {
    {reinterpret_cast<const uint8_t *>(":method"), 7, reinterpret_cast<const uint8_t *>("GET"), 3, 0},
    {reinterpret_cast<const uint8_t *>(":scheme"), 7, reinterpret_cast<const uint8_t *>("http"), 4, 0},
    {reinterpret_cast<const uint8_t *>(":authority"), 10, reinterpret_cast<const uint8_t *>("a.example"), 9, 0},
    {reinterpret_cast<const uint8_t *>(":path"), 5, reinterpret_cast<const uint8_t *>("/"), 1, 0},
};

TEST(ConnTrace, OutboundAndInboundFramesInOrder) {
  h2_conn *cli = Make(H2_SIDE_CLIENT, 16);
  h2_conn *srv = Make(H2_SIDE_SERVER, 16);
  ASSERT_EQ(h2_conn_initiate(cli), H2_OK);
  ASSERT_EQ(h2_conn_initiate(srv), H2_OK);
  ASSERT_EQ(h2_conn_send_headers(cli, 1, kReq, 4, H2_SEND_END_STREAM, nullptr), H2_OK);
  // Handed out a few bytes at a time: headers split across calls.
  for (size_t step : {size_t(5)}) {
    auto bytes = TakeOutput(cli, step);
    auto out = Drain(cli);
    ASSERT_EQ(out.size(), 2u);  // the preface is not a frame
    EXPECT_EQ(out[0].outbound, 1);
    EXPECT_EQ(out[0].type, 0x4);  // SETTINGS
    EXPECT_EQ(out[0].stream_id, 0u);
    EXPECT_EQ(out[1].type, 0x1);  // HEADERS
    EXPECT_EQ(out[1].stream_id, 1u);
    EXPECT_EQ(out[1].flags & 0x5, 0x5);  // END_STREAM | END_HEADERS
    EXPECT_EQ(24 + 9 + out[0].length + 9 + out[1].length, bytes.size());

    ASSERT_EQ(h2_conn_receive(srv, bytes.data(), bytes.size(), 0), H2_OK);
    auto in = Drain(srv);
    ASSERT_EQ(in.size(), 2u);
    for (size_t i = 0; i < 2; i++) {
      EXPECT_EQ(in[i].outbound, 0);
      EXPECT_EQ(in[i].type, out[i].type);
      EXPECT_EQ(in[i].flags, out[i].flags);
      EXPECT_EQ(in[i].stream_id, out[i].stream_id);
      EXPECT_EQ(in[i].length, out[i].length);
    }
  }
  // The server's SETTINGS and its ACK of ours, through peek + consume.
  const uint8_t *p = nullptr;
  size_t len = 0;
  ASSERT_EQ(h2_conn_peek_data(srv, &p, &len), H2_OK);
  ASSERT_GT(len, 9u);
  ASSERT_EQ(h2_conn_consume_data(srv, 4), H2_OK);
  EXPECT_TRUE(Drain(srv).empty());  // header not complete yet
  ASSERT_EQ(h2_conn_consume_data(srv, len - 4), H2_OK);
  auto sout = Drain(srv);
  ASSERT_EQ(sout.size(), 2u);
  EXPECT_EQ(sout[0].type, 0x4);
  EXPECT_EQ(sout[0].flags, 0);
  EXPECT_EQ(sout[1].type, 0x4);
  EXPECT_EQ(sout[1].flags, 0x1);  // ACK
  EXPECT_EQ(h2_conn_trace_dropped(srv), 0u);
  h2_conn_free(cli);
  h2_conn_free(srv);
}

TEST(ConnTrace, BoundedWithDropCount) {
  h2_conn *cli = Make(H2_SIDE_CLIENT, 2);
  ASSERT_EQ(h2_conn_initiate(cli), H2_OK);
  for (int i = 0; i < 5; i++) ASSERT_EQ(h2_conn_ping(cli, nullptr), H2_OK);
  TakeOutput(cli, 64);
  auto t = Drain(cli);
  ASSERT_EQ(t.size(), 2u);  // the last two PINGs
  EXPECT_EQ(t[0].type, 0x6);
  EXPECT_EQ(t[1].type, 0x6);
  EXPECT_EQ(h2_conn_trace_dropped(cli), 4u);  // SETTINGS and three PINGs
  h2_conn_free(cli);
}

TEST(ConnTrace, OffByDefaultAndClearedOutput) {
  h2_config *cfg = nullptr;
  h2_conn *c = nullptr;
  ASSERT_EQ(h2_config_new(&cfg, H2_SIDE_CLIENT), H2_OK);
  uint64_t v = 99;
  ASSERT_EQ(h2_config_get(cfg, H2_OPT_TRACE_FRAMES, &v), H2_OK);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_TRACE_FRAMES, 65537), H2_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(h2_conn_new(&c, cfg), H2_OK);
  h2_config_free(cfg);
  ASSERT_EQ(h2_conn_initiate(c), H2_OK);
  TakeOutput(c, 64);
  h2_frame_trace t;
  EXPECT_EQ(h2_conn_next_trace(c, &t), 0);
  EXPECT_EQ(h2_conn_next_trace(c, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_next_trace(nullptr, &t), H2_ERR_INVALID_ARGUMENT);
  h2_conn_free(c);

  // Output dropped mid-frame: the trace resumes at the next frame.
  c = Make(H2_SIDE_CLIENT, 8);
  ASSERT_EQ(h2_conn_initiate(c), H2_OK);
  ASSERT_EQ(h2_conn_consume_data(c, 30), H2_OK);  // preface + 6 header bytes
  ASSERT_EQ(h2_conn_clear_outbound_data(c), H2_OK);
  ASSERT_EQ(h2_conn_ping(c, nullptr), H2_OK);
  TakeOutput(c, 7);
  auto all = Drain(c);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].type, 0x6);
  EXPECT_EQ(all[0].length, 8u);
  h2_conn_free(c);
}

}  // namespace
