// Connection engine errors through the public API: every H2_ERR_* code
// provoked on purpose (caller misuse and peer violations), every H2_OPT_*
// limit hit on purpose, NULL arguments, and a failing allocator.
#include <map>
#include <set>
#include <unordered_map>

#include "api_test_util.h"

using namespace h2test;

namespace {

// Expect a connection error: rc one of `rcs`, GOAWAY(code) queued, a
// ConnectionTerminated event, state CLOSED, further input ignored.
void ExpectConnError(Single &e, int rc, std::set<int> rcs, uint32_t code) {
  auto fs = e.Out();
  auto ev = e.Take();
  std::string ctx = "rc=" + std::to_string(rc) + " last_error='" + h2_conn_last_error(e.c) +
                    "'\nframes:\n" + Dump(fs) + "events:\n" + Dump(ev);
  EXPECT_TRUE(rcs.count(rc)) << ctx;
  const Frame *g = FindFrame(fs, kGoaway);
  ASSERT_NE(g, nullptr) << ctx;
  EXPECT_EQ(g->Code(), code) << ctx;
  EXPECT_EQ(g->sid, 0u);
  const Ev *t = Find(ev, H2_EV_CONNECTION_TERMINATED);
  ASSERT_NE(t, nullptr) << ctx;
  EXPECT_EQ(t->error_code, code);
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
  EXPECT_STRNE(h2_conn_last_error(e.c), "");
  // Further input: no crash, no events, no second GOAWAY storm.
  for (int i = 0; i < 3; i++) e.Feed(FPing("zzzzzzzz") + FHeaders(99, Req(), kFlagEndStream));
  EXPECT_EQ(e.Take().size(), 0u);
  EXPECT_EQ(FindFrame(e.Out(), kPing), nullptr) << "no PING ACK after the connection ended";
}

// Expect a stream error: receive OK, RST_STREAM(code), StreamReset(remote 0).
void ExpectStreamError(Single &e, int rc, uint32_t sid, uint32_t code) {
  auto fs = e.Out();
  auto ev = e.Take();
  std::string ctx = "rc=" + std::to_string(rc) + " last_error='" + h2_conn_last_error(e.c) +
                    "'\nframes:\n" + Dump(fs) + "events:\n" + Dump(ev);
  EXPECT_EQ(rc, 0) << ctx;
  EXPECT_EQ(FindFrame(fs, kGoaway), nullptr) << ctx;
  const Frame *r = FindFrame(fs, kRstStream, sid);
  ASSERT_NE(r, nullptr) << ctx;
  EXPECT_EQ(r->Code(), code) << ctx;
  const Ev *x = Find(ev, H2_EV_STREAM_RESET, sid);
  ASSERT_NE(x, nullptr) << ctx;
  EXPECT_EQ(x->remote_reset, 0);
  EXPECT_EQ(x->error_code, code);
  for (auto &y : ev) {
    EXPECT_NE(y.type, H2_EV_REQUEST_RECEIVED) << "a malformed request must not be delivered";
  }
  // The connection goes on.
  int st = StreamState(e.c, sid);
  EXPECT_EQ(st, H2_STREAM_STATE_CLOSED);
  EXPECT_EQ(e.Feed(FPing("stillok!")), 0);
  EXPECT_NE(Find(e.Take(), H2_EV_PING_RECEIVED), nullptr);
}

const std::set<int> kProto = {H2_ERR_PROTOCOL};
const std::set<int> kDos = {H2_ERR_DENIAL_OF_SERVICE};
const std::set<int> kFrameSize = {H2_ERR_FRAME_SIZE, H2_ERR_FRAME_DATA_MISSING,
                                  H2_ERR_FRAME_TOO_LARGE};

// ---- errors of the caller ----------------------------------------------------

TEST(ConnErrors, ProtocolErrorOnSendAfterEnd) {
  // Half-closed (local): h2 raises ProtocolError for more DATA or an end.
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  EXPECT_EQ(SendData(e.c, 1, "x"), H2_ERR_PROTOCOL);
  EXPECT_EQ(h2_conn_end_stream(e.c, 1), H2_ERR_PROTOCOL);
  EXPECT_STRNE(h2_conn_last_error(e.c), "");
}

TEST(ConnErrors, StreamClosedOnSendAfterClose) {
  // Closed (both ends finished): StreamClosedError.
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(h2_conn_reset_stream(e.c, 1, H2_CANCEL), 0);
  EXPECT_EQ(SendData(e.c, 1, "x"), H2_ERR_STREAM_CLOSED);
  EXPECT_EQ(h2_conn_end_stream(e.c, 1), H2_ERR_STREAM_CLOSED);
  EXPECT_STRNE(h2_conn_last_error(e.c), "");
}

TEST(ConnErrors, NoSuchStream) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req()), 0);
  EXPECT_EQ(SendData(e.c, 3, "x"), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(h2_conn_end_stream(e.c, 5), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(h2_conn_reset_stream(e.c, 7, H2_CANCEL), H2_ERR_NO_SUCH_STREAM);
  int st;
  int rc = h2_conn_stream_state(e.c, 9, &st);
  EXPECT_TRUE(rc == H2_ERR_NO_SUCH_STREAM || (rc == 0 && st == H2_STREAM_STATE_IDLE)) << rc;
}

TEST(ConnErrors, StreamIdTooLow) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 5, Req(), H2_SEND_END_STREAM), 0);
  e.Out();
  EXPECT_EQ(SendHeaders(e.c, 3, Req(), H2_SEND_END_STREAM), H2_ERR_STREAM_ID_TOO_LOW);
  EXPECT_EQ(e.Out().size(), 0u);
  uint32_t next = 0;
  EXPECT_EQ(h2_conn_get_next_available_stream_id(e.c, &next), 0);
  EXPECT_EQ(next, 7u);
  EXPECT_EQ(SendHeaders(e.c, 8, Req()), H2_ERR_PROTOCOL) << "a client opens odd streams";
}

TEST(ConnErrors, TooManyStreamsOutbound) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake({{H2_SETTING_MAX_CONCURRENT_STREAMS, 1}});
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  EXPECT_EQ(SendHeaders(e.c, 3, Req(), H2_SEND_END_STREAM), H2_ERR_TOO_MANY_STREAMS);
  ASSERT_EQ(e.Feed(FHeaders(1, Resp(), kFlagEndStream)), 0);
  EXPECT_EQ(SendHeaders(e.c, 3, Req(), H2_SEND_END_STREAM), 0) << "stream 1 closed";
}

TEST(ConnErrors, NoAvailableStreamId) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 0x7fffffffu, Req(), H2_SEND_END_STREAM), 0);
  uint32_t next = 0;
  EXPECT_EQ(h2_conn_get_next_available_stream_id(e.c, &next), H2_ERR_NO_AVAILABLE_STREAM_ID);
  int rc = SendHeaders(e.c, 0x80000001u, Req());
  EXPECT_TRUE(rc == H2_ERR_INVALID_ARGUMENT || rc == H2_ERR_PROTOCOL ||
              rc == H2_ERR_NO_AVAILABLE_STREAM_ID) << rc;
}

TEST(ConnErrors, FlowControlAndFrameTooLargeOnSend) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake({{H2_SETTING_INITIAL_WINDOW_SIZE, 10}});
  ASSERT_EQ(SendHeaders(e.c, 1, Req("POST")), 0);
  EXPECT_EQ(SendData(e.c, 1, std::string(11, 'a')), H2_ERR_FLOW_CONTROL);
  EXPECT_EQ(SendData(e.c, 1, std::string(5, 'a'), 0, 5), H2_ERR_FLOW_CONTROL)
      << "5 + 5 padding + 1 pad length > 10";
  EXPECT_EQ(SendData(e.c, 1, std::string(10, 'a')), 0);
  Single f(H2_SIDE_CLIENT);
  f.Handshake();
  ASSERT_EQ(SendHeaders(f.c, 1, Req("POST")), 0);
  EXPECT_EQ(SendData(f.c, 1, std::string(16385, 'a')), H2_ERR_FRAME_TOO_LARGE);
}

TEST(ConnErrors, InvalidSettingsValueOnUpdate) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  const h2_settings_entry bad[] = {{H2_SETTING_ENABLE_PUSH, 2},
                                   {H2_SETTING_INITIAL_WINDOW_SIZE, 0x80000000u},
                                   {H2_SETTING_MAX_FRAME_SIZE, 16383},
                                   {H2_SETTING_MAX_FRAME_SIZE, 1u << 24},
                                   {H2_SETTING_ENABLE_CONNECT_PROTOCOL, 2}};
  for (auto &b : bad) {
    EXPECT_EQ(h2_conn_update_settings(e.c, &b, 1), H2_ERR_INVALID_SETTINGS_VALUE)
        << "id " << b.id << " value " << b.value;
  }
  EXPECT_EQ(e.Out().size(), 0u) << "nothing sent for refused settings";
  const h2_settings_entry ok[] = {{H2_SETTING_MAX_FRAME_SIZE, (1u << 24) - 1}};
  EXPECT_EQ(h2_conn_update_settings(e.c, ok, 1), 0);
}

TEST(ConnErrors, OutboundHeaderValidation) {
  Single e(H2_SIDE_CLIENT, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_NORMALIZE_OUTBOUND_HEADERS, 0), 0);
  });
  e.Handshake();
  EXPECT_EQ(SendHeaders(e.c, 1, Plus({{":method", "GET"}}, {})), H2_ERR_PROTOCOL)
      << "missing pseudo-headers";
  EXPECT_EQ(SendHeaders(e.c, 1, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"},
                                 {":authority", "a"}, {"X-Upper", "v"}}),
            H2_ERR_PROTOCOL);
  EXPECT_EQ(SendHeaders(e.c, 1, {{":method", "GET"}, {":scheme", "https"}, {":path", "/"},
                                 {":authority", "a"}, {"connection", "close"}}),
            H2_ERR_PROTOCOL);
  EXPECT_EQ(SendHeaders(e.c, 1, {{":method", "GET"}, {"x-a", "b"}, {":scheme", "https"},
                                 {":path", "/"}, {":authority", "a"}}),
            H2_ERR_PROTOCOL)
      << "pseudo-header after a regular one";
  EXPECT_EQ(e.Out().size(), 0u);
  ASSERT_EQ(SendHeaders(e.c, 1, Req("POST")), 0);
  EXPECT_EQ(SendHeaders(e.c, 1, {{"x-trailer", "v"}}), H2_ERR_PROTOCOL)
      << "trailers must end the stream";
  EXPECT_EQ(SendHeaders(e.c, 1, {{":status", "200"}}, H2_SEND_END_STREAM), H2_ERR_PROTOCOL)
      << "no pseudo-headers in trailers";
  EXPECT_EQ(SendHeaders(e.c, 1, {{"x-trailer", "v"}}, H2_SEND_END_STREAM), 0);
}

TEST(ConnErrors, NormalizationLowercasesOutboundNames) {
  Pair p;
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Plus(Req(), {{"X-Mixed-Case", "  v  "}}), H2_SEND_END_STREAM),
            0);
  ASSERT_EQ(p.Pump(), 0);
  auto r_src = p.S();
  const Ev *r = Find(r_src, H2_EV_REQUEST_RECEIVED);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->Header("x-mixed-case"), "v");
}

TEST(ConnErrors, InformationalResponseCannotEndStream) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  EXPECT_EQ(SendHeaders(e.c, 1, Resp("100"), H2_SEND_END_STREAM), H2_ERR_PROTOCOL);
  EXPECT_EQ(SendHeaders(e.c, 1, Resp("103")), 0);
  EXPECT_EQ(SendHeaders(e.c, 1, Resp("200"), H2_SEND_END_STREAM), 0);
}

TEST(ConnErrors, ServerCannotPrioritizeRfc1122) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  h2_priority pri = {0, 16, 0};
  EXPECT_EQ(h2_conn_prioritize(e.c, 1, &pri), H2_ERR_RFC1122);
}

TEST(ConnErrors, PushWhenPeerDisabledIt) {
  Single e(H2_SIDE_SERVER);
  e.Handshake({{H2_SETTING_ENABLE_PUSH, 0}});
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  EXPECT_EQ(Push(e.c, 1, 2, Req("GET", "/x")), H2_ERR_PROTOCOL);
  EXPECT_EQ(e.Out().size(), 0u);
}

TEST(ConnErrors, UpgradeErrors) {
  h2_conn *c = NewConn(H2_SIDE_CLIENT);
  uint8_t small[4];
  size_t n = 0;
  EXPECT_EQ(h2_conn_initiate_upgrade(c, nullptr, 0, small, sizeof small, &n),
            H2_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(h2_conn_initiate_upgrade(c, nullptr, 0, nullptr, 0, nullptr),
            H2_ERR_INVALID_ARGUMENT);
  h2_conn_free(c);
  h2_conn *s = NewConn(H2_SIDE_SERVER);
  const std::string bad = "!!not base64!!";
  EXPECT_EQ(h2_conn_initiate_upgrade(s, U8(bad), bad.size(), nullptr, 0, &n), H2_ERR_PROTOCOL);
  h2_conn_free(s);
  s = NewConn(H2_SIDE_SERVER);
  const std::string five = "AAAAAAA";  // 5 bytes: not a whole setting
  EXPECT_EQ(h2_conn_initiate_upgrade(s, U8(five), five.size(), nullptr, 0, &n),
            H2_ERR_PROTOCOL);
  h2_conn_free(s);
  s = NewConn(H2_SIDE_SERVER);
  ASSERT_EQ(h2_conn_initiate(s), 0);
  const std::string empty = "";
  EXPECT_EQ(h2_conn_initiate_upgrade(s, U8(empty), 0, nullptr, 0, &n), H2_ERR_PROTOCOL)
      << "already initiated";
  h2_conn_free(s);
}

// ---- errors of the peer: connection errors --------------------------------------

TEST(ConnErrors, DataOnStreamZero) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ExpectConnError(e, e.Feed(FData(0, "x")), kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, HeadersOnStreamZero) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ExpectConnError(e, e.Feed(FHeaders(0, Req(), kFlagEndStream)), kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, ContinuationOutOfSequence) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  ExpectConnError(e, e.Feed(FContinuation(1, Hpack({{"a", "b"}}), kFlagEndHeaders)), kProto,
                  H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, ContinuationOnAnotherStream) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  std::string block = Hpack(Req());
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndStream, 1, block.substr(0, 5)) +
                  FContinuation(3, block.substr(5), kFlagEndHeaders));
  ExpectConnError(e, rc, kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, OtherFrameInsideHeaderBlock) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  std::string block = Hpack(Req());
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndStream, 1, block.substr(0, 5)) + FPing("abcdefgh"));
  ExpectConnError(e, rc, kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, UnknownFrameInsideHeaderBlock) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  std::string block = Hpack(Req());
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndStream, 1, block.substr(0, 5)) +
                  RawFrame(0xfa, 0, 1, "x"));
  ExpectConnError(e, rc, kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, SettingsAndPingOnAStream) {
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(RawFrame(kSettings, 0, 1, "")), kProto, H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(RawFrame(kPing, 0, 1, "12345678")), kProto, H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(RawFrame(kGoaway, 0, 1, std::string(8, '\0'))), kProto,
                    H2_PROTOCOL_ERROR);
  }
}

TEST(ConnErrors, FrameSizeErrors) {
  struct Case {
    const char *what;
    std::string frame;
  } cases[] = {
      {"PING of 7", RawFrame(kPing, 0, 0, "1234567")},
      {"SETTINGS of 5", RawFrame(kSettings, 0, 0, "12345")},
      {"SETTINGS ACK with payload", RawFrame(kSettings, kFlagAck, 0, std::string(6, '\0'))},
      {"WINDOW_UPDATE of 3", RawFrame(kWindowUpdate, 0, 0, "abc")},
      {"RST_STREAM of 3", RawFrame(kRstStream, 0, 1, "abc")},
  };
  for (auto &c : cases) {
    SCOPED_TRACE(c.what);
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
    e.Out();
    e.Take();
    ExpectConnError(e, e.Feed(c.frame), kFrameSize, H2_FRAME_SIZE_ERROR);
  }
}

TEST(ConnErrors, PriorityOfWrongLengthIsStreamError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), 0)), 0);
  e.Take();
  // RFC 9113 section 6.3: stream error FRAME_SIZE_ERROR.
  ExpectStreamError(e, e.Feed(RawFrame(kPriority, 0, 1, "1234")), 1, H2_FRAME_SIZE_ERROR);
}

TEST(ConnErrors, PriorityOfWrongLengthOnIdleStreamIsConnectionFrameSizeError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  // No RST_STREAM for an idle stream (section 6.4): the stream error of
  // section 6.3 becomes a connection error with the same code.
  ExpectConnError(e, e.Feed(RawFrame(kPriority, 0, 3, "12")), {H2_ERR_FRAME_SIZE},
                  H2_FRAME_SIZE_ERROR);
}

TEST(ConnErrors, PriorityOnItselfIsStreamError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), 0)), 0);
  e.Take();
  // RFC 9113 section 5.3.1: a stream cannot depend on itself: stream error.
  ExpectStreamError(e, e.Feed(FPriority(1, 1, 15)), 1, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, WindowUpdateOfZero) {
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(FWindowUpdate(0, 0)), kProto, H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ASSERT_EQ(e.Feed(FHeaders(1, Req(), 0)), 0);
    e.Take();
    // RFC 9113 section 6.9: a stream error on a stream.
    ExpectStreamError(e, e.Feed(FWindowUpdate(1, 0)), 1, H2_PROTOCOL_ERROR);
  }
}

TEST(ConnErrors, InvalidSettingsReceived) {
  struct Case {
    uint16_t id;
    uint32_t value;
    uint32_t code;
    std::set<int> rcs;
  } cases[] = {
      {H2_SETTING_ENABLE_PUSH, 2, H2_PROTOCOL_ERROR,
       {H2_ERR_PROTOCOL, H2_ERR_INVALID_SETTINGS_VALUE}},
      {H2_SETTING_INITIAL_WINDOW_SIZE, 0x80000000u, H2_FLOW_CONTROL_ERROR,
       {H2_ERR_FLOW_CONTROL, H2_ERR_INVALID_SETTINGS_VALUE}},
      {H2_SETTING_MAX_FRAME_SIZE, 16383, H2_PROTOCOL_ERROR,
       {H2_ERR_PROTOCOL, H2_ERR_INVALID_SETTINGS_VALUE}},
      {H2_SETTING_MAX_FRAME_SIZE, 1u << 24, H2_PROTOCOL_ERROR,
       {H2_ERR_PROTOCOL, H2_ERR_INVALID_SETTINGS_VALUE}},
      {H2_SETTING_ENABLE_CONNECT_PROTOCOL, 2, H2_PROTOCOL_ERROR,
       {H2_ERR_PROTOCOL, H2_ERR_INVALID_SETTINGS_VALUE}},
  };
  for (auto &c : cases) {
    SCOPED_TRACE("setting " + std::to_string(c.id) + "=" + std::to_string(c.value));
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(FSettings({{c.id, c.value}})), c.rcs, c.code);
  }
}

TEST(ConnErrors, ServerSendingEnablePushOne) {
  // RFC 9113 section 6.5.2: a client MUST treat ENABLE_PUSH=1 from a server
  // as a connection error of type PROTOCOL_ERROR.
  Single e(H2_SIDE_CLIENT);
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  e.Out();
  int rc = e.Feed(FSettings({{H2_SETTING_ENABLE_PUSH, 1}}));
  ExpectConnError(e, rc, {H2_ERR_PROTOCOL, H2_ERR_INVALID_SETTINGS_VALUE}, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, ServerPrefaceMustStartWithSettings) {
  // RFC 9113 section 3.4.
  Single e(H2_SIDE_CLIENT);
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  e.Out();
  int rc = e.Feed(FPing("abcdefgh"));
  ExpectConnError(e, rc, kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, InvalidClientPreface) {
  Single e(H2_SIDE_SERVER);
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  e.Out();
  int rc = e.Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(rc, H2_ERR_PROTOCOL);
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
  // GOAWAY is optional here (section 3.4); a later valid frame is ignored.
  e.Feed(Preface() + FSettings({}));
  for (auto &ev : e.Take()) EXPECT_NE(ev.type, H2_EV_REMOTE_SETTINGS_CHANGED);
}

TEST(ConnErrors, InvalidPrefaceFedBytewise) {
  Single e(H2_SIDE_SERVER);
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  std::string bad = Preface();
  bad[5] = 'X';
  EXPECT_EQ(e.FeedBytewise(bad), H2_ERR_PROTOCOL);
}

TEST(ConnErrors, EvenStreamFromClient) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  int rc = e.Feed(FHeaders(2, Req(), kFlagEndStream));
  ExpectConnError(e, rc, {H2_ERR_PROTOCOL}, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, UnpromisedServerStream) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  int rc = e.Feed(FHeaders(2, Resp(), kFlagEndStream));
  ExpectConnError(e, rc, {H2_ERR_PROTOCOL, H2_ERR_NO_SUCH_STREAM}, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, NewStreamIdLowerThanPrevious) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(5, Req(), kFlagEndStream)), 0);
  int rc = e.Feed(FHeaders(3, Req(), kFlagEndStream));
  // RFC 9113 section 5.1.1.
  ExpectConnError(e, rc, {H2_ERR_PROTOCOL, H2_ERR_STREAM_ID_TOO_LOW}, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, PushPromiseWhenPushDisabled) {
  Single e(H2_SIDE_CLIENT, [](h2_config *c) {
    ASSERT_EQ(h2_config_set_setting(c, H2_SETTING_ENABLE_PUSH, 0), 0);
  });
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  int rc = e.Feed(FPushPromise(1, 2, Req("GET", "/p")));
  ExpectConnError(e, rc, kProto, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, CompressionError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  // Indexed field 0 does not exist (RFC 7541 section 6.1).
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndHeaders | kFlagEndStream, 1, std::string(1, '\x80')));
  ExpectConnError(e, rc, {H2_ERR_COMPRESSION}, H2_COMPRESSION_ERROR);
}

TEST(ConnErrors, CompressionErrorTableSizeAboveSetting) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  std::string block;
  HpackInt(block, 0x20, 5, 8192);  // size update above our 4096
  block += Hpack(Req());
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndHeaders | kFlagEndStream, 1, block));
  ExpectConnError(e, rc, {H2_ERR_COMPRESSION}, H2_COMPRESSION_ERROR);
}

TEST(ConnErrors, TruncatedHeaderBlockIsCompressionError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  std::string block = Hpack(Req());
  block.pop_back();
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndHeaders | kFlagEndStream, 1, block));
  ExpectConnError(e, rc, {H2_ERR_COMPRESSION}, H2_COMPRESSION_ERROR);
}

// ---- errors of the peer: stream errors (malformed messages, RFC 9113 8.1.1) --

struct Malformed {
  const char *what;
  HeaderList headers;
  uint8_t flags;
};

TEST(ConnErrors, MalformedRequestsResetTheStream) {
  const Malformed cases[] = {
      {"uppercase name", Plus(Req(), {{"X-Upper", "v"}}), kFlagEndStream},
      {"pseudo after regular",
       {{":method", "GET"}, {"x-a", "b"}, {":scheme", "https"}, {":path", "/"},
        {":authority", "a"}},
       kFlagEndStream},
      {"missing :method", {{":scheme", "https"}, {":path", "/"}, {":authority", "a"}},
       kFlagEndStream},
      {"duplicate :path", Plus(Req(), {{":path", "/again"}}), kFlagEndStream},
      {"unknown pseudo", Plus(Req(), {{":foo", "bar"}}), kFlagEndStream},
      {"connection-specific", Plus(Req(), {{"connection", "keep-alive"}}), kFlagEndStream},
      {"te not trailers", Plus(Req(), {{"te", "gzip"}}), kFlagEndStream},
      {"response pseudo in request", Plus(Req(), {{":status", "200"}}), kFlagEndStream},
      {"empty :path", {{":method", "GET"}, {":scheme", "https"}, {":path", ""},
                       {":authority", "a"}}, kFlagEndStream},
      {"NUL in value", Plus(Req(), {{"x-a", std::string("a\0b", 3)}}), kFlagEndStream},
  };
  for (auto &c : cases) {
    SCOPED_TRACE(c.what);
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    int rc = e.Feed(FHeaders(1, c.headers, c.flags));
    ExpectStreamError(e, rc, 1, H2_PROTOCOL_ERROR);
    // The HPACK context is intact: the next request decodes.
    ASSERT_EQ(e.Feed(FHeaders(3, Req(), kFlagEndStream)), 0);
    EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 3), nullptr);
  }
}

TEST(ConnErrors, MalformedTrailersResetTheStream) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  e.Take();
  ExpectStreamError(e, e.Feed(FHeaders(1, {{":path", "/x"}}, kFlagEndStream)), 1,
                    H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, TrailersWithoutEndStreamResetTheStream) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  e.Take();
  ExpectStreamError(e, e.Feed(FHeaders(1, {{"x-t", "1"}}, 0)), 1, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, BodyLongerThanContentLength) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Req("POST"), {{"content-length", "3"}}), 0)), 0);
  e.Take();
  ExpectStreamError(e, e.Feed(FData(1, "abcd")), 1, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, BodyShorterThanContentLength) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Req("POST"), {{"content-length", "10"}}), 0)), 0);
  ASSERT_EQ(e.Feed(FData(1, "abcde")), 0);
  e.Take();
  e.Out();
  ExpectStreamError(e, e.Feed(FData(1, "", kFlagEndStream)), 1, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, ResponseDataBeyondContentLength) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Resp(), {{"content-length", "2"}}), 0)), 0);
  e.Take();
  e.Out();
  ExpectStreamError(e, e.Feed(FData(1, "abc", kFlagEndStream)), 1, H2_PROTOCOL_ERROR);
}

TEST(ConnErrors, InboundValidationCanBeDisabled) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_VALIDATE_INBOUND_HEADERS, 0), 0);
  });
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Req(), {{"X-Upper", "v"}}), kFlagEndStream)), 0);
  auto r_src = e.Take();
  const Ev *r = Find(r_src, H2_EV_REQUEST_RECEIVED, 1);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->Header("X-Upper"), "v");
}

TEST(ConnErrors, ReceiveAfterConnectionErrorIsHarmless) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_LT(e.Feed(FData(0, "x")), 0);
  e.Out();
  e.Take();
  std::mt19937 rng(7);
  for (int i = 0; i < 200; i++) {
    std::string junk(static_cast<size_t>(rng() % 64), '\0');
    for (auto &ch : junk) ch = static_cast<char>(rng());
    e.Feed(junk);
  }
  EXPECT_EQ(e.Take().size(), 0u);
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
  EXPECT_EQ(SendHeaders(e.c, 1, Resp()), H2_ERR_PROTOCOL);
}

// ---- limits ------------------------------------------------------------------

TEST(ConnLimits, HeaderListSizeAdvertisedAndEnforced) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_HEADER_LIST_SIZE, 1000), 0);
  });
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u);
  bool advertised = false;
  for (auto &kv : SettingsOf(fs[0].payload))
    advertised |= kv.first == H2_SETTING_MAX_HEADER_LIST_SIZE && kv.second == 1000;
  EXPECT_TRUE(advertised);
  ASSERT_EQ(e.Feed(Preface() + FSettings({}) + FSettingsAck()), 0);
  e.Out();
  e.Take();
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Req(), {{"x-small", std::string(500, 'a')}}),
                            kFlagEndStream)),
            0);
  EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 1), nullptr);
  int rc = e.Feed(FHeaders(3, Plus(Req(), {{"x-big", std::string(2000, 'a')}}), kFlagEndStream));
  ExpectConnError(e, rc, {H2_ERR_HEADER_LIST_TOO_LARGE, H2_ERR_DENIAL_OF_SERVICE},
                  H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, HeaderListSizeDefaultIs64KiB) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  HeaderList big = Req();
  for (int i = 0; i < 20; i++) big.push_back({"x-h" + std::to_string(i), std::string(4000, 'v')});
  int rc = e.Feed(RawFrame(kHeaders, kFlagEndStream, 1, Hpack(big).substr(0, 16000)) +
                  FContinuation(1, Hpack(big).substr(16000, 16000), 0) +
                  FContinuation(1, Hpack(big).substr(32000, 16000), 0) +
                  FContinuation(1, Hpack(big).substr(48000, 16000), 0) +
                  FContinuation(1, Hpack(big).substr(64000), kFlagEndHeaders));
  ExpectConnError(e, rc, {H2_ERR_HEADER_LIST_TOO_LARGE, H2_ERR_DENIAL_OF_SERVICE},
                  H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, FieldSize) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_FIELD_SIZE, 100), 0);
  });
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Plus(Req(), {{"x-a", std::string(100, 'a')}}), kFlagEndStream)),
            0);
  EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 1), nullptr);
  int rc = e.Feed(FHeaders(3, Plus(Req(), {{"x-a", std::string(101, 'a')}}), kFlagEndStream));
  ExpectConnError(e, rc, {H2_ERR_HEADER_LIST_TOO_LARGE, H2_ERR_DENIAL_OF_SERVICE},
                  H2_ENHANCE_YOUR_CALM);
}

std::string HeadersInFrames(uint32_t sid, const HeaderList &h, int continuations) {
  std::string block = Hpack(h);
  size_t pieces = size_t(continuations) + 1;
  size_t each = block.size() / pieces;
  std::string out = RawFrame(kHeaders, kFlagEndStream, sid, block.substr(0, each));
  for (int i = 1; i <= continuations; i++) {
    bool last = i == continuations;
    out += FContinuation(sid, last ? block.substr(each * size_t(i)) : block.substr(each * size_t(i), each),
                         last ? kFlagEndHeaders : 0);
  }
  return out;
}

TEST(ConnLimits, ContinuationFramesDefault) {
  HeaderList h = Plus(Req(), {{"x-pad", std::string(200, 'p')}});
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ASSERT_EQ(e.Feed(HeadersInFrames(1, h, 7)), 0) << h2_conn_last_error(e.c);
    EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 1), nullptr);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(HeadersInFrames(1, h, 9)), kDos, H2_ENHANCE_YOUR_CALM);
  }
}

TEST(ConnLimits, ContinuationFramesConfigured) {
  auto cfg = [](h2_config *c) { ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_CONTINUATION_FRAMES, 2), 0); };
  HeaderList h = Plus(Req(), {{"x-pad", std::string(200, 'p')}});
  {
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    ASSERT_EQ(e.Feed(HeadersInFrames(1, h, 1)), 0);
  }
  {
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    ExpectConnError(e, e.FeedBytewise(HeadersInFrames(1, h, 3)), kDos, H2_ENHANCE_YOUR_CALM);
  }
  {
    // Empty CONTINUATION frames are the 2024 flood: same limit.
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    std::string in = RawFrame(kHeaders, kFlagEndStream, 1, Hpack(Req()));
    for (int i = 0; i < 10; i++) in += FContinuation(1, "", 0);
    ExpectConnError(e, e.Feed(in), kDos, H2_ENHANCE_YOUR_CALM);
  }
}

TEST(ConnLimits, ConcurrentStreamsInbound) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_CONCURRENT_STREAMS, 2), 0);
  });
  e.Handshake();
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_CONCURRENT_STREAMS), 2u);
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  ASSERT_EQ(e.Feed(FHeaders(3, Req("POST"), 0)), 0);
  e.Take();
  e.Out();
  int rc = e.Feed(FHeaders(5, Req("POST"), 0));
  auto fs = e.Out();
  auto ev = e.Take();
  // RFC 9113 section 5.1.2: stream error PROTOCOL_ERROR or REFUSED_STREAM.
  EXPECT_EQ(rc, 0) << h2_conn_last_error(e.c);
  EXPECT_EQ(FindFrame(fs, kGoaway), nullptr) << Dump(fs);
  const Frame *r = FindFrame(fs, kRstStream, 5);
  ASSERT_NE(r, nullptr) << Dump(fs);
  EXPECT_TRUE(r->Code() == H2_REFUSED_STREAM || r->Code() == H2_PROTOCOL_ERROR) << r->Code();
  EXPECT_EQ(Find(ev, H2_EV_REQUEST_RECEIVED, 5), nullptr);
  EXPECT_EQ(h2_conn_open_inbound_streams(e.c), 2u);
  ASSERT_EQ(e.Feed(FData(1, "x", kFlagEndStream)), 0);
  ASSERT_EQ(SendHeaders(e.c, 1, Resp(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(e.Feed(FHeaders(7, Req(), kFlagEndStream)), 0);
  EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 7), nullptr);
}

TEST(ConnLimits, SettingsEntries) {
  std::vector<std::pair<uint16_t, uint32_t>> s32, s33;
  for (int i = 0; i < 32; i++) s32.push_back({H2_SETTING_HEADER_TABLE_SIZE, 4096});
  s33 = s32;
  s33.push_back({H2_SETTING_HEADER_TABLE_SIZE, 4096});
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    EXPECT_EQ(e.Feed(FSettings(s32)), 0);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(FSettings(s33)), kDos, H2_ENHANCE_YOUR_CALM);
  }
  {
    Single e(H2_SIDE_SERVER, [](h2_config *c) {
      ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_SETTINGS_ENTRIES, 2), 0);
    });
    e.Handshake();
    // Checked from the frame header, before the payload arrives.
    std::string f = FSettings({{1, 4096}, {1, 4096}, {1, 4096}});
    ExpectConnError(e, e.Feed(f.substr(0, 9)), kDos, H2_ENHANCE_YOUR_CALM);
  }
}

TEST(ConnLimits, QueuedPingAcksWhenOutputNeverRead) {
  auto cfg = [](h2_config *c) { ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_QUEUED_ACKS, 10), 0); };
  {
    // Reading the output keeps the queue short: no limit hit.
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    for (int i = 0; i < 100; i++) {
      ASSERT_EQ(e.Feed(FPing("pingpong")), 0) << i;
      e.Out();
    }
  }
  Single e(H2_SIDE_SERVER, cfg);
  e.Handshake();
  int rc = 0, i = 0;
  for (; i < 50 && rc == 0; i++) rc = e.Feed(FPing("pingpong"));
  EXPECT_GT(i, 5) << "tripped too early";
  EXPECT_LE(i, 12) << "tripped too late";
  ExpectConnError(e, rc, kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, QueuedSettingsAcksWhenOutputNeverRead) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_QUEUED_ACKS, 10), 0);
  });
  e.Handshake();
  int rc = 0, i = 0;
  for (; i < 50 && rc == 0; i++) rc = e.Feed(FSettings({}));
  EXPECT_LE(i, 12);
  ExpectConnError(e, rc, kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, QueuedControlFramesWhenOutputNeverRead) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_QUEUED_CONTROL, 20), 0);
  });
  e.Handshake();
  int rc = 0;
  uint32_t sid = 1;
  for (; sid < 200 && rc == 0; sid += 2) {
    // Each DATA on a half-closed (remote) stream queues a RST_STREAM.
    rc = e.Feed(FHeaders(sid, Req(), kFlagEndStream) + FData(sid, "x"));
  }
  EXPECT_LT(sid, 80u) << "never tripped";
  ExpectConnError(e, rc, kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, RstStreamRate) {
  auto cfg = [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_RST_RATE_BURST, 5), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_RST_RATE_PER_SEC, 1), 0);
  };
  {
    // One per second is sustainable forever.
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    for (uint32_t sid = 1; sid < 60; sid += 2) {
      e.now += 1000;
      ASSERT_EQ(e.Feed(FHeaders(sid, Req(), 0) + FRst(sid, H2_CANCEL)), 0) << sid;
      e.Out();
    }
  }
  Single e(H2_SIDE_SERVER, cfg);
  e.Handshake();
  e.now = 5000;
  int rc = 0;
  uint32_t sid = 1;
  for (; sid < 60 && rc == 0; sid += 2) {
    rc = e.Feed(FHeaders(sid, Req(), 0) + FRst(sid, H2_CANCEL));
    e.Out();
  }
  EXPECT_LE(sid, 15u) << "burst of 5 exceeded without effect";
  EXPECT_GT(sid, 9u) << "tripped within the burst";
  // e.Out() above consumed the GOAWAY on the failing call; check the event.
  EXPECT_EQ(rc, H2_ERR_DENIAL_OF_SERVICE);
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
  auto t_src = e.Take();
  const Ev *t = Find(t_src, H2_EV_CONNECTION_TERMINATED);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->error_code, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, RstStreamRateGoaway) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_RST_RATE_BURST, 3), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_RST_RATE_PER_SEC, 1), 0);
  });
  e.Handshake();
  std::string in;
  for (uint32_t sid = 1; sid < 30; sid += 2) in += FHeaders(sid, Req(), 0) + FRst(sid, H2_CANCEL);
  ExpectConnError(e, e.Feed(in), kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, GlitchRateEmptyData) {
  auto cfg = [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_BURST, 10), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_PER_SEC, 1), 0);
  };
  {
    Single e(H2_SIDE_SERVER, cfg);
    e.Handshake();
    ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
    for (int i = 0; i < 40; i++) {
      e.now += 2000;
      ASSERT_EQ(e.Feed(FData(1, "")), 0) << i;
    }
  }
  Single e(H2_SIDE_SERVER, cfg);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  std::string in;
  for (int i = 0; i < 40; i++) in += FData(1, "");
  ExpectConnError(e, e.Feed(in), kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, GlitchRatePriorityFlood) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_BURST, 10), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_PER_SEC, 1), 0);
  });
  e.Handshake();
  std::string in;
  for (uint32_t sid = 1; sid < 100; sid += 2) in += FPriority(sid, 0, 15);
  ExpectConnError(e, e.Feed(in), kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, GlitchRateStreamErrors) {
  // MadeYouReset: peer-caused stream errors count too.
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_BURST, 10), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_GLITCH_RATE_PER_SEC, 1), 0);
  });
  e.Handshake();
  std::string in;
  for (uint32_t sid = 1; sid < 100; sid += 2)
    in += FHeaders(sid, Req(), 0) + FWindowUpdate(sid, 0);
  ExpectConnError(e, e.Feed(in), kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, ReservedStreams) {
  Single e(H2_SIDE_CLIENT, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_RESERVED_STREAMS, 3), 0);
  });
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  for (uint32_t p = 2; p <= 6; p += 2)
    ASSERT_EQ(e.Feed(FPushPromise(1, p, Req("GET", "/p" + std::to_string(p)))), 0) << p;
  EXPECT_EQ(OfType(e.Take(), H2_EV_PUSHED_STREAM_RECEIVED).size(), 3u);
  e.Out();
  ExpectConnError(e, e.Feed(FPushPromise(1, 8, Req("GET", "/p8"))), kDos, H2_ENHANCE_YOUR_CALM);
}

TEST(ConnLimits, ReservedStreamsFreedWhenOpened) {
  Single e(H2_SIDE_CLIENT, [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_RESERVED_STREAMS, 1), 0);
  });
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(e.Feed(FPushPromise(1, 2, Req("GET", "/a"))), 0);
  ASSERT_EQ(e.Feed(FHeaders(2, Resp(), kFlagEndStream)), 0);
  ASSERT_EQ(e.Feed(FPushPromise(1, 4, Req("GET", "/b"))), 0) << "stream 2 no longer reserved";
}

TEST(ConnLimits, ClosedStreamsRemembered) {
  auto run = [](uint64_t max_closed, uint32_t late_sid) {
    Single e(H2_SIDE_SERVER, [&](h2_config *c) {
      ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_CLOSED_STREAMS, max_closed), 0);
    });
    e.Handshake();
    for (uint32_t sid = 1; sid <= 19; sid += 2) {
      EXPECT_EQ(e.Feed(FHeaders(sid, Req("POST"), 0)), 0);
      EXPECT_EQ(h2_conn_reset_stream(e.c, sid, H2_CANCEL), 0);
    }
    e.Out();
    e.Take();
    int rc = e.Feed(FData(late_sid, "late"));
    auto fs = e.Out();
    return std::make_pair(rc, fs);
  };
  // Remembered: a frame in flight after our RST_STREAM does not end the
  // connection (RFC 9113 section 5.1, closed).
  auto a = run(1000, 1);
  EXPECT_EQ(a.first, 0);
  EXPECT_EQ(FindFrame(a.second, kGoaway), nullptr) << Dump(a.second);
  auto b = run(2, 19);
  EXPECT_EQ(b.first, 0);
  EXPECT_EQ(FindFrame(b.second, kGoaway), nullptr) << Dump(b.second);
  // Forgotten (only the 2 most recent are kept): h2 treats a frame on a
  // stream it no longer knows as a connection error.
  auto c = run(2, 1);
  EXPECT_LT(c.first, 0);
  EXPECT_NE(FindFrame(c.second, kGoaway), nullptr) << Dump(c.second);
}

// ---- configuration and NULL arguments ------------------------------------------

TEST(ConnMisuse, ConfigDefaultsAndRanges) {
  h2_config *cfg = nullptr;
  EXPECT_EQ(h2_config_new(nullptr, H2_SIDE_CLIENT), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_new(&cfg, 7), H2_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(h2_config_new(&cfg, H2_SIDE_SERVER), 0);
  const std::map<int, uint64_t> defaults = {
      {H2_OPT_VALIDATE_OUTBOUND_HEADERS, 1}, {H2_OPT_NORMALIZE_OUTBOUND_HEADERS, 1},
      {H2_OPT_SPLIT_OUTBOUND_COOKIES, 0},    {H2_OPT_VALIDATE_INBOUND_HEADERS, 1},
      {H2_OPT_NORMALIZE_INBOUND_HEADERS, 1}, {H2_OPT_HPACK_POLICY, H2_HPACK_POLICY_COMPACT},
      {H2_OPT_MAX_HEADER_LIST_SIZE, 65536},  {H2_OPT_MAX_FIELD_SIZE, 65536},
      {H2_OPT_MAX_CONTINUATION_FRAMES, 8},   {H2_OPT_MAX_CONCURRENT_STREAMS, 100},
      {H2_OPT_MAX_SETTINGS_ENTRIES, 32},     {H2_OPT_MAX_QUEUED_ACKS, 1000},
      {H2_OPT_MAX_QUEUED_CONTROL, 5000},     {H2_OPT_RST_RATE_BURST, 1000},
      {H2_OPT_RST_RATE_PER_SEC, 33},         {H2_OPT_GLITCH_RATE_BURST, 10000},
      {H2_OPT_GLITCH_RATE_PER_SEC, 330},     {H2_OPT_MAX_RESERVED_STREAMS, 200},
      {H2_OPT_MAX_CLOSED_STREAMS, 1000}};
  for (auto &kv : defaults) {
    uint64_t v = 12345;
    EXPECT_EQ(h2_config_get(cfg, kv.first, &v), 0) << kv.first;
    EXPECT_EQ(v, kv.second) << "option " << kv.first;
  }
  uint64_t v;
  EXPECT_EQ(h2_config_get(cfg, 999, &v), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_get(cfg, H2_OPT_MAX_FIELD_SIZE, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(cfg, 999, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(nullptr, H2_OPT_MAX_FIELD_SIZE, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_VALIDATE_OUTBOUND_HEADERS, 2), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_HPACK_POLICY, 9), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_MAX_CONCURRENT_STREAMS, 1ull << 33),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set(cfg, H2_OPT_MAX_SETTINGS_ENTRIES, 77), 0);
  EXPECT_EQ(h2_config_get(cfg, H2_OPT_MAX_SETTINGS_ENTRIES, &v), 0);
  EXPECT_EQ(v, 77u);
  EXPECT_EQ(h2_config_set_setting(cfg, H2_SETTING_ENABLE_PUSH, 2), H2_ERR_INVALID_SETTINGS_VALUE);
  EXPECT_EQ(h2_config_set_setting(cfg, H2_SETTING_INITIAL_WINDOW_SIZE, 0x80000000u),
            H2_ERR_INVALID_SETTINGS_VALUE);
  EXPECT_EQ(h2_config_set_setting(cfg, H2_SETTING_MAX_FRAME_SIZE, 100),
            H2_ERR_INVALID_SETTINGS_VALUE);
  EXPECT_EQ(h2_config_set_setting(nullptr, H2_SETTING_MAX_FRAME_SIZE, 16384),
            H2_ERR_INVALID_ARGUMENT);
  h2_allocator half = {nullptr, nullptr, nullptr, nullptr, nullptr};
  EXPECT_EQ(h2_config_set_allocator(cfg, &half), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_config_set_allocator(cfg, nullptr), 0);
  h2_conn *c = nullptr;
  EXPECT_EQ(h2_conn_new(nullptr, cfg), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_new(&c, nullptr), H2_ERR_INVALID_ARGUMENT);
  h2_config_free(cfg);
  h2_config_free(nullptr);
  h2_conn_free(nullptr);
}

TEST(ConnMisuse, NullArguments) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  h2_conn *c = e.c;
  const h2_event *ev = nullptr;
  size_t n = 0;
  uint8_t buf[8];
  EXPECT_EQ(h2_conn_initiate(nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_receive(nullptr, buf, 1, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_receive(c, nullptr, 5, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_next_event(nullptr, &ev), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_next_event(c, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_headers(nullptr, 1, nullptr, 0, 0, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_headers(c, 1, nullptr, 3, 0, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_data(nullptr, 1, buf, 1, 0, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_data(c, 1, nullptr, 4, 0, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_end_stream(nullptr, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_reset_stream(nullptr, 1, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_push_stream(nullptr, 1, 2, nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_prioritize(nullptr, 1, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_ping(nullptr, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_update_settings(nullptr, nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_update_settings(c, nullptr, 2), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_acknowledge_received_data(nullptr, 1, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_increment_flow_control_window(nullptr, 0, 1), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_advertise_alternative_service(nullptr, 0, nullptr, 0, nullptr, 0),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_close(nullptr, 0, 0, nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_close(c, 0, 0, nullptr, 3), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_priority_update(nullptr, 1, nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_priority_update(c, 1, nullptr, 4), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_send_origin(nullptr, nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_data_to_send(nullptr, buf, 8, &n), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_data_to_send(c, nullptr, 8, &n), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_data_to_send(c, buf, 8, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_peek_data(nullptr, nullptr, &n), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_consume_data(nullptr, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_clear_outbound_data(nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_get_next_available_stream_id(c, nullptr), H2_ERR_INVALID_ARGUMENT);
  int64_t w;
  uint32_t v;
  int st;
  EXPECT_EQ(h2_conn_local_flow_control_window(nullptr, 0, &w), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_local_flow_control_window(c, 0, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_remote_flow_control_window(nullptr, 0, &w), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_local_setting(nullptr, 1, &v), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_remote_setting(c, 1, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_stream_state(nullptr, 1, &st), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_stream_state(c, 1, nullptr), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_initiate_upgrade(nullptr, nullptr, 0, buf, 8, &n), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_pending_data(nullptr), 0u);
  EXPECT_EQ(h2_conn_open_inbound_streams(nullptr), 0u);
  EXPECT_EQ(h2_conn_highest_inbound_stream_id(nullptr), 0u);
  // Nothing above changed the connection.
  EXPECT_EQ(h2_conn_pending_data(c), 0u);
  EXPECT_EQ(h2_conn_state(c), H2_CONN_IDLE);
  ASSERT_EQ(SendHeaders(c, 1, Req(), H2_SEND_END_STREAM), 0);
}

TEST(ConnMisuse, OutOfRangeArguments) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req("POST")), 0);
  e.Out();
  int rc = SendHeaders(e.c, 0, Req());
  EXPECT_TRUE(rc == H2_ERR_INVALID_ARGUMENT || rc == H2_ERR_PROTOCOL) << rc;
  EXPECT_EQ(SendData(e.c, 1, "x", 0, 256), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(SendData(e.c, 1, "x", 0x80, 0), H2_ERR_INVALID_ARGUMENT) << "unknown flag";
  const uint8_t o[4] = {1, 2, 3, 4};
  rc = h2_conn_send_data(e.c, 0, o, 4, 0, 0);
  EXPECT_TRUE(rc == H2_ERR_INVALID_ARGUMENT || rc == H2_ERR_PROTOCOL) << "DATA on stream 0: " << rc;
  ASSERT_EQ(e.Out().size(), 0u);
  h2_priority bad_w = {0, 0, 0};
  EXPECT_EQ(h2_conn_prioritize(e.c, 1, &bad_w), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(e.Out().size(), 0u) << "weight 0";
  h2_priority bad_w2 = {0, 257, 0};
  EXPECT_EQ(h2_conn_prioritize(e.c, 1, &bad_w2), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(e.Out().size(), 0u) << "weight 257";
  h2_priority self = {1, 16, 0};
  rc = h2_conn_prioritize(e.c, 1, &self);
  EXPECT_TRUE(rc == H2_ERR_PROTOCOL || rc == H2_ERR_INVALID_ARGUMENT) << "depends on itself";
  EXPECT_EQ(e.Out().size(), 0u) << "no frame for refused calls";
}

TEST(ConnMisuse, StrErrorCoversEveryCode) {
  const int codes[] = {H2_OK, H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM, H2_ERR_BUFFER_TOO_SMALL,
                       H2_ERR_INVALID_STATE, H2_ERR_PROTOCOL, H2_ERR_FRAME_TOO_LARGE,
                       H2_ERR_FRAME_DATA_MISSING, H2_ERR_TOO_MANY_STREAMS, H2_ERR_FLOW_CONTROL,
                       H2_ERR_STREAM_ID_TOO_LOW, H2_ERR_NO_AVAILABLE_STREAM_ID,
                       H2_ERR_NO_SUCH_STREAM, H2_ERR_STREAM_CLOSED,
                       H2_ERR_INVALID_SETTINGS_VALUE, H2_ERR_INVALID_BODY_LENGTH,
                       H2_ERR_UNSUPPORTED_FRAME, H2_ERR_RFC1122, H2_ERR_DENIAL_OF_SERVICE,
                       H2_ERR_COMPRESSION, H2_ERR_HEADER_LIST_TOO_LARGE, H2_ERR_FRAME_SIZE};
  std::set<std::string> seen;
  const std::string unknown = h2_strerror(-9999);
  for (int c : codes) {
    const char *s = h2_strerror(c);
    ASSERT_NE(s, nullptr);
    EXPECT_STRNE(s, "");
    EXPECT_NE(std::string(s), unknown) << c;
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), sizeof codes / sizeof codes[0]) << "each code has its own text";
}

// ---- a failing allocator ---------------------------------------------------------

struct FailAlloc {
  long count = 0;
  long fail_at = -1;  // 1-based; -1 never
  bool failed = false;
  std::unordered_map<void *, size_t> live;
  bool Fail() {
    count++;
    if (count == fail_at) {
      failed = true;
      return true;
    }
    return false;
  }
};

void *FaMalloc(size_t n, void *u) {
  auto *a = static_cast<FailAlloc *>(u);
  if (a->Fail()) return nullptr;
  void *p = std::malloc(n ? n : 1);
  a->live[p] = n;
  return p;
}
void FaFree(void *p, void *u) {
  auto *a = static_cast<FailAlloc *>(u);
  if (!p) return;
  EXPECT_EQ(a->live.erase(p), 1u) << "free of a pointer not allocated here";
  std::free(p);
}
void *FaCalloc(size_t m, size_t n, void *u) {
  auto *a = static_cast<FailAlloc *>(u);
  if (a->Fail()) return nullptr;
  void *p = std::calloc(m ? m : 1, n ? n : 1);
  a->live[p] = m * n;
  return p;
}
void *FaRealloc(void *p, size_t n, void *u) {
  auto *a = static_cast<FailAlloc *>(u);
  if (a->Fail()) return nullptr;
  if (p) {
    EXPECT_EQ(a->live.count(p), 1u) << "realloc of a pointer not allocated here";
  }
  void *q = std::realloc(p, n ? n : 1);
  if (p) a->live.erase(p);
  a->live[q] = n;
  return q;
}

// A client conversation against a raw server; every step that fails with
// NOMEM is retried once (the object must be unchanged and usable), except
// receive, after which the scenario stops. Returns false if it stopped.
bool AllocScenario(FailAlloc &fa, int side) {
  h2_config *cfg = nullptr;
  EXPECT_EQ(h2_config_new(&cfg, side), 0);
  h2_allocator al = {FaMalloc, FaFree, FaCalloc, FaRealloc, &fa};
  EXPECT_EQ(h2_config_set_allocator(cfg, &al), 0);
  h2_conn *c = nullptr;
  int rc = h2_conn_new(&c, cfg);
  h2_config_free(cfg);
  if (rc == H2_ERR_NOMEM) {
    EXPECT_EQ(c, nullptr);
    return false;
  }
  EXPECT_EQ(rc, 0);
  if (!c) return false;
  auto step = [&](const std::function<int()> &f, const char *what) {
    int r = f();
    if (r == H2_ERR_NOMEM) r = f();
    EXPECT_EQ(r, 0) << what << " (alloc #" << fa.fail_at << "): " << h2_conn_last_error(c);
    return r == 0;
  };
  auto recv = [&](const std::string &b) {
    int r = h2_conn_receive(c, U8(b), b.size(), 0);
    const h2_event *ev;
    while (h2_conn_next_event(c, &ev) == 1) CopyEvent(ev);
    if (r == H2_ERR_NOMEM) return false;
    EXPECT_EQ(r, 0) << "receive (alloc #" << fa.fail_at << "): " << h2_conn_last_error(c);
    return r == 0;
  };
  bool ok = true;
  do {
    if (!step([&] { return h2_conn_initiate(c); }, "initiate")) { ok = false; break; }
    if (side == H2_SIDE_CLIENT) {
      if (!recv(FSettings({{H2_SETTING_MAX_CONCURRENT_STREAMS, 10}}) + FSettingsAck())) { ok = false; break; }
      HeaderList big = Plus(Req("POST"), {{"x-long", std::string(3000, 'l')}});
      if (!step([&] { return SendHeaders(c, 1, big); }, "send_headers")) { ok = false; break; }
      if (!step([&] { return SendData(c, 1, std::string(5000, 'd'), H2_SEND_END_STREAM); },
                "send_data")) { ok = false; break; }
      if (!recv(FHeaders(1, Plus(Resp(), {{"x-r", std::string(2000, 'r')}}), 0) +
                FData(1, std::string(3000, 'x')) + FPushPromise(1, 2, Req("GET", "/p")) +
                FPing("abcdefgh") + FHeaders(1, {{"x-t", "1"}}, kFlagEndStream))) { ok = false; break; }
      if (!step([&] { return h2_conn_acknowledge_received_data(c, 1, 3000); }, "ack")) { ok = false; break; }
      if (!step([&] { return h2_conn_ping(c, nullptr); }, "ping")) { ok = false; break; }
      h2_settings_entry s = {H2_SETTING_INITIAL_WINDOW_SIZE, 100000};
      if (!step([&] { return h2_conn_update_settings(c, &s, 1); }, "settings")) { ok = false; break; }
      if (!step([&] { return h2_conn_reset_stream(c, 2, H2_CANCEL); }, "reset")) { ok = false; break; }
      if (!step([&] { return h2_conn_close(c, 0, H2_LAST_STREAM_AUTO, nullptr, 0); }, "close")) { ok = false; break; }
    } else {
      if (!recv(Preface() + FSettings({}) + FSettingsAck() +
                FHeaders(1, Plus(Req("POST"), {{"x-long", std::string(3000, 'l')}}), 0) +
                FData(1, std::string(3000, 'x'), kFlagEndStream) + FHeaders(3, Req(), 0) +
                FRst(3, H2_CANCEL))) { ok = false; break; }
      if (!step([&] { return Push(c, 1, 2, Req("GET", "/p")); }, "push")) { ok = false; break; }
      if (!step([&] { return SendHeaders(c, 1, Plus(Resp(), {{"x-big", std::string(4000, 'b')}})); },
                "send_headers")) { ok = false; break; }
      if (!step([&] { return SendData(c, 1, std::string(7000, 'd')); }, "send_data")) { ok = false; break; }
      if (!step([&] { return SendHeaders(c, 1, {{"x-t", "1"}}, H2_SEND_END_STREAM); }, "trailers")) { ok = false; break; }
    }
    std::string out;
    uint8_t buf[1000];
    size_t n = 0;
    while (h2_conn_data_to_send(c, buf, sizeof buf, &n) == 0 && n) out.append(reinterpret_cast<char *>(buf), n);
    EXPECT_FALSE(out.empty());
  } while (false);
  h2_conn_free(c);
  EXPECT_TRUE(fa.live.empty()) << fa.live.size() << " allocations leaked (fail at #"
                               << fa.fail_at << ")";
  return ok;
}

TEST(ConnAlloc, FailEveryAllocationInTurn) {
  for (int side : {H2_SIDE_CLIENT, H2_SIDE_SERVER}) {
    SCOPED_TRACE(side == H2_SIDE_CLIENT ? "client" : "server");
    FailAlloc clean;
    ASSERT_TRUE(AllocScenario(clean, side));
    ASSERT_GT(clean.count, 0) << "the allocator was never used";
    long total = clean.count;
    int nomem_seen = 0;
    for (long i = 1; i <= total + 2; i++) {
      FailAlloc fa;
      fa.fail_at = i;
      AllocScenario(fa, side);
      nomem_seen += fa.failed;
      if (HasFailure()) {
        ADD_FAILURE() << "stopping at allocation #" << i << " of " << total;
        break;
      }
    }
    EXPECT_GT(nomem_seen, 0);
  }
}

}  // namespace

// h2_config_clear_settings(): only the settings given afterwards are sent;
// without MAX_CONCURRENT_STREAMS no limit applies (h2 with a replaced
// local_settings lacking it).
TEST(ConfigSettings, ClearedSettingsSendOnlyWhatIsSetAfterwards) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_clear_settings(c), 0);
    ASSERT_EQ(h2_config_set_setting(c, H2_SETTING_INITIAL_WINDOW_SIZE, 1000), 0);
  });
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, kSettings);
  EXPECT_EQ(fs[0].payload, std::string("\x00\x04\x00\x00\x03\xe8", 6));
  std::string in = Preface() + FSettings({}) + FSettingsAck();
  for (uint32_t sid = 1; sid <= 2 * 150; sid += 2) in += FHeaders(sid, Req(), 0);
  ASSERT_EQ(e.Feed(in), 0) << h2_conn_last_error(e.c);
  EXPECT_EQ(h2_conn_open_inbound_streams(e.c), 150u);
  EXPECT_EQ(h2_config_clear_settings(nullptr), H2_ERR_INVALID_ARGUMENT);
}

TEST(ConfigSettings, ClearedThenLimitSetAgainIsAdvertisedAndEnforced) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_clear_settings(c), 0);
    ASSERT_EQ(h2_config_set_setting(c, H2_SETTING_MAX_CONCURRENT_STREAMS, 2), 0);
  });
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), 0) + FHeaders(3, Req(), 0)), 0);
  e.Out();
  ASSERT_EQ(e.Feed(FHeaders(5, Req(), 0)), 0);
  auto fs = e.Out();
  const Frame *rst = FindFrame(fs, kRstStream);
  ASSERT_NE(rst, nullptr) << Dump(fs);
  EXPECT_EQ(rst->sid, 5u);
}

// RST_STREAM and WINDOW_UPDATE on an idle stream: connection error
// PROTOCOL_ERROR (RFC 9113 section 5.1), reported with h2's exceptions
// (NoSuchStreamError, ProtocolError).
TEST(ConnErrors, ControlFramesOnIdleStreamAreConnectionErrors) {
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(FWindowUpdate(7, 10)), {H2_ERR_NO_SUCH_STREAM},
                    H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER);
    e.Handshake();
    ExpectConnError(e, e.Feed(FRst(9, 0)), {H2_ERR_PROTOCOL}, H2_PROTOCOL_ERROR);
  }
}

// h2_conn_stream_windows(): the stream's own windows, where the window
// queries give the smaller of the stream's and the connection's.
TEST(Queries, StreamWindowsAreTheStreamsOwn) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), 0) + FHeaders(3, Req(), 0)), 0);
  ASSERT_EQ(SendHeaders(e.c, 1, Resp()), 0);
  ASSERT_EQ(SendHeaders(e.c, 3, Resp()), 0);
  std::string body(16384, 'x');
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(h2_conn_send_data(e.c, 1, U8(body), body.size(), 0, 0), 0);
  ASSERT_EQ(e.Feed(FData(3, std::string(1000, 'y'))), 0);
  int64_t send = 0, recv = 0, local = 0, remote = 0;
  ASSERT_EQ(h2_conn_stream_windows(e.c, 3, &send, &recv), 0);
  EXPECT_EQ(send, 65535);  // stream 3 sent nothing
  EXPECT_EQ(recv, 65535 - 1000);
  ASSERT_EQ(h2_conn_local_flow_control_window(e.c, 3, &local), 0);
  EXPECT_EQ(local, 65535 - 3 * 16384);  // the connection's is smaller
  ASSERT_EQ(h2_conn_stream_windows(e.c, 1, &send, &recv), 0);
  EXPECT_EQ(send, 65535 - 3 * 16384);
  ASSERT_EQ(h2_conn_remote_flow_control_window(e.c, 1, &remote), 0);
  EXPECT_EQ(recv, 65535);
  EXPECT_EQ(remote, 65535 - 1000);  // the connection's inbound window
  EXPECT_EQ(h2_conn_stream_windows(e.c, 5, &send, &recv), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(h2_conn_stream_windows(e.c, 0, &send, &recv), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_stream_windows(e.c, 1, nullptr, &recv), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_stream_windows(nullptr, 1, &send, &recv), H2_ERR_INVALID_ARGUMENT);
}

// H2_OPT_STRICT_PREFACE: by default the peer's first frame must be
// SETTINGS (RFC 9113 section 3.4); with 0 other frames are accepted first,
// as h2 does.
TEST(ConnErrors, FirstFrameNotSettings) {
  std::string in = Preface() + FHeaders(1, Req(), kFlagEndStream);
  {
    Single e(H2_SIDE_SERVER);
    ASSERT_EQ(h2_conn_initiate(e.c), 0);
    ExpectConnError(e, e.Feed(in), kProto, H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER, [](h2_config *c) {
      ASSERT_EQ(h2_config_set(c, H2_OPT_STRICT_PREFACE, 0), 0);
    });
    ASSERT_EQ(h2_conn_initiate(e.c), 0);
    ASSERT_EQ(e.Feed(in), 0) << h2_conn_last_error(e.c);
    auto ev = e.Take();
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev[0].type, H2_EV_REQUEST_RECEIVED);
  }
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    EXPECT_EQ(h2_config_set(c, H2_OPT_STRICT_PREFACE, 2), H2_ERR_INVALID_ARGUMENT);
  });
}

// H2_OPT_MALFORMED_CONN_ERROR: malformed messages end the connection (as
// h2), instead of the stream error of RFC 9113 section 8.1.1.
TEST(ConnErrors, MalformedMessageAsConnectionError) {
  auto strict = [](h2_config *c) {
    ASSERT_EQ(h2_config_set(c, H2_OPT_MALFORMED_CONN_ERROR, 1), 0);
  };
  {
    Single e(H2_SIDE_SERVER, strict);
    e.Handshake();
    HeaderList bad = {{":method", "GET"}, {":scheme", "https"}, {":authority", "x"}};
    ExpectConnError(e, e.Feed(FHeaders(1, bad, kFlagEndStream)), {H2_ERR_PROTOCOL},
                    H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER, strict);
    e.Handshake();
    HeaderList req = Req("POST", "/");
    req.push_back({"content-length", "10"});
    ASSERT_EQ(e.Feed(FHeaders(1, req, 0)), 0);
    ExpectConnError(e, e.Feed(FData(1, "abc", kFlagEndStream)), {H2_ERR_INVALID_BODY_LENGTH},
                    H2_PROTOCOL_ERROR);
  }
  {
    Single e(H2_SIDE_SERVER);  // default: a stream error
    e.Handshake();
    HeaderList bad = {{":method", "GET"}, {":scheme", "https"}, {":authority", "x"}};
    ExpectStreamError(e, e.Feed(FHeaders(1, bad, kFlagEndStream)), 1, H2_PROTOCOL_ERROR);
  }
}
