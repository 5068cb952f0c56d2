// Connection engine through the public API: whole conversations between a
// client and a server engine in memory (each one also run one byte at a time
// and in random slices, which must give identical event sequences), settings
// and their acknowledgement order, flow control, queries.
#include <algorithm>
#include <map>

#include "api_test_util.h"

using namespace h2test;

namespace {

void ExpectSameEvents(const std::vector<Ev> &want, const std::vector<Ev> &got,
                      const char *side) {
  EXPECT_EQ(want.size(), got.size()) << side << "\nwant:\n" << Dump(want) << "got:\n"
                                     << Dump(got);
  for (size_t i = 0; i < std::min(want.size(), got.size()); i++)
    EXPECT_TRUE(want[i] == got[i]) << side << " event " << i << ": want " << want[i].Str()
                                   << " got " << got[i].Str();
}

// ---- conversations ------------------------------------------------------------

void ConvGet(Pair &p) {
  p.Handshake();
  EXPECT_EQ(h2_conn_state(p.cli), H2_CONN_IDLE);
  uint32_t sid = 0;
  EXPECT_EQ(h2_conn_get_next_available_stream_id(p.cli, &sid), 0);
  EXPECT_EQ(sid, 1u);
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0) << h2_conn_last_error(p.cli);
  EXPECT_EQ(h2_conn_state(p.cli), H2_CONN_CLIENT_OPEN);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_HALF_CLOSED_LOCAL);
  EXPECT_EQ(h2_conn_get_next_available_stream_id(p.cli, &sid), 0);
  EXPECT_EQ(sid, 3u);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_EQ(s.size(), 2u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_REQUEST_RECEIVED);
  EXPECT_EQ(s[0].stream_id, 1u);
  EXPECT_EQ(s[0].headers, Req());
  EXPECT_EQ(s[0].related & H2_REL_STREAM_ENDED, H2_REL_STREAM_ENDED);
  EXPECT_EQ(s[1].type, H2_EV_STREAM_ENDED);
  EXPECT_EQ(s[1].stream_id, 1u);
  EXPECT_EQ(h2_conn_state(p.srv), H2_CONN_SERVER_OPEN);
  EXPECT_EQ(StreamState(p.srv, 1), H2_STREAM_STATE_HALF_CLOSED_REMOTE);
  EXPECT_EQ(h2_conn_highest_inbound_stream_id(p.srv), 1u);
  EXPECT_EQ(h2_conn_open_inbound_streams(p.srv), 1u);
  EXPECT_EQ(h2_conn_open_outbound_streams(p.cli), 1u);

  HeaderList resp = Plus(Resp(), {{"content-type", "text/plain"}, {"server", "libh2-test"}});
  ASSERT_EQ(SendHeaders(p.srv, 1, resp), 0) << h2_conn_last_error(p.srv);
  ASSERT_EQ(SendData(p.srv, 1, "hello", H2_SEND_END_STREAM), 0);
  EXPECT_EQ(StreamState(p.srv, 1), H2_STREAM_STATE_CLOSED);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  ASSERT_EQ(c.size(), 3u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(c[0].headers, resp);
  EXPECT_EQ(c[0].related, 0u);
  EXPECT_EQ(c[1].type, H2_EV_DATA_RECEIVED);
  EXPECT_EQ(c[1].data, "hello");
  EXPECT_EQ(c[1].flow_len, 5u);
  EXPECT_EQ(c[1].related & H2_REL_STREAM_ENDED, H2_REL_STREAM_ENDED);
  EXPECT_EQ(c[2].type, H2_EV_STREAM_ENDED);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_CLOSED);
  EXPECT_EQ(h2_conn_open_outbound_streams(p.cli), 0u);
  EXPECT_EQ(h2_conn_open_inbound_streams(p.srv), 0u);
}

void ConvPostBody(Pair &p) {
  p.Handshake();
  const size_t kBody = 40000;
  std::string body(kBody, 'b');
  for (size_t i = 0; i < kBody; i++) body[i] = static_cast<char>('a' + i % 26);
  ASSERT_EQ(SendHeaders(p.cli, 1, Plus(Req("POST", "/upload"),
                                        {{"content-length", std::to_string(kBody)}})),
            0);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_OPEN);
  size_t at = 0;
  while (at < kBody) {
    size_t n = std::min<size_t>(h2_conn_max_outbound_frame_size(p.cli), kBody - at);
    ASSERT_EQ(SendData(p.cli, 1, body.substr(at, n)), 0) << at;
    at += n;
  }
  EXPECT_EQ(LocalWindow(p.cli, 1), 65535 - int64_t(kBody));
  EXPECT_EQ(LocalWindow(p.cli, 0), 65535 - int64_t(kBody));
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(s[0].type, H2_EV_REQUEST_RECEIVED);
  EXPECT_EQ(s[0].related, 0u);
  std::string got;
  for (auto &e : OfType(s, H2_EV_DATA_RECEIVED)) {
    got += e.data;
    EXPECT_EQ(e.flow_len, e.data.size());
  }
  EXPECT_EQ(got, body);
  EXPECT_EQ(RemoteWindow(p.srv, 1), 65535 - int64_t(kBody));
  EXPECT_EQ(RemoteWindow(p.srv, 0), 65535 - int64_t(kBody));

  // Less than half a window owed: nothing sent yet (h2's WindowManager).
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, 1000), 0);
  EXPECT_EQ(h2_conn_pending_data(p.srv), 0u);
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, kBody - 1000), 0);
  EXPECT_GT(h2_conn_pending_data(p.srv), 0u);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  auto wu = OfType(c, H2_EV_WINDOW_UPDATED);
  ASSERT_EQ(wu.size(), 2u) << Dump(c);
  std::map<uint32_t, uint32_t> deltas;
  for (auto &e : wu) deltas[e.stream_id] = e.delta;
  EXPECT_EQ(deltas[0], kBody);
  EXPECT_EQ(deltas[1], kBody);
  EXPECT_EQ(LocalWindow(p.cli, 1), 65535);
  EXPECT_EQ(RemoteWindow(p.srv, 1), 65535);

  ASSERT_EQ(h2_conn_end_stream(p.cli, 1), 0);
  ASSERT_EQ(p.Pump(), 0);
  s = p.S();
  ASSERT_NE(Find(s, H2_EV_STREAM_ENDED, 1), nullptr) << Dump(s);
  for (auto &e : OfType(s, H2_EV_DATA_RECEIVED)) EXPECT_TRUE(e.data.empty());
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp("201"), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  c = p.C();
  ASSERT_EQ(c.size(), 2u) << Dump(c);
  EXPECT_EQ(c[0].Header(":status"), "201");
  EXPECT_EQ(c[1].type, H2_EV_STREAM_ENDED);
}

void ConvTrailers(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Plus(Req("POST"), {{"te", "trailers"}})), 0);
  ASSERT_EQ(SendData(p.cli, 1, "abc"), 0);
  ASSERT_EQ(SendHeaders(p.cli, 1, {{"x-checksum", "900150983cd24fb0"}}, H2_SEND_END_STREAM), 0);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_HALF_CLOSED_LOCAL);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_EQ(s.size(), 4u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_REQUEST_RECEIVED);
  EXPECT_EQ(s[1].type, H2_EV_DATA_RECEIVED);
  EXPECT_EQ(s[2].type, H2_EV_TRAILERS_RECEIVED);
  EXPECT_EQ(s[2].headers, (HeaderList{{"x-checksum", "900150983cd24fb0"}}));
  EXPECT_EQ(s[2].related & H2_REL_STREAM_ENDED, H2_REL_STREAM_ENDED);
  EXPECT_EQ(s[3].type, H2_EV_STREAM_ENDED);

  ASSERT_EQ(SendHeaders(p.srv, 1, Resp()), 0);
  ASSERT_EQ(SendData(p.srv, 1, "ok"), 0);
  ASSERT_EQ(SendHeaders(p.srv, 1, {{"grpc-status", "0"}, {"grpc-message", "fine"}},
                        H2_SEND_END_STREAM),
            0);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  ASSERT_EQ(c.size(), 4u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(c[1].type, H2_EV_DATA_RECEIVED);
  EXPECT_EQ(c[2].type, H2_EV_TRAILERS_RECEIVED);
  EXPECT_EQ(c[2].Header("grpc-status"), "0");
  EXPECT_EQ(c[3].type, H2_EV_STREAM_ENDED);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_CLOSED);
}

void ConvInformational(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Plus(Req("PUT"), {{"expect", "100-continue"}})), 0);
  ASSERT_EQ(p.Pump(), 0);
  EXPECT_EQ(p.S().size(), 1u);
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp("100")), 0) << h2_conn_last_error(p.srv);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  ASSERT_EQ(c.size(), 1u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_INFORMATIONAL_RESPONSE_RECEIVED);
  EXPECT_EQ(c[0].Header(":status"), "100");
  ASSERT_EQ(SendData(p.cli, 1, "payload", H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  p.S();
  ASSERT_EQ(SendHeaders(p.srv, 1, Plus(Resp("103"), {{"link", "</s.css>; rel=preload"}})), 0);
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp("204"), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  c = p.C();
  ASSERT_EQ(c.size(), 3u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_INFORMATIONAL_RESPONSE_RECEIVED);
  EXPECT_EQ(c[0].Header("link"), "</s.css>; rel=preload");
  EXPECT_EQ(c[1].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(c[1].Header(":status"), "204");
  EXPECT_EQ(c[1].related & H2_REL_STREAM_ENDED, H2_REL_STREAM_ENDED);
  EXPECT_EQ(c[2].type, H2_EV_STREAM_ENDED);
}

void ConvPush(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  p.S();
  uint32_t next = 0;
  EXPECT_EQ(h2_conn_get_next_available_stream_id(p.srv, &next), 0);
  EXPECT_EQ(next, 2u);
  HeaderList preq = Req("GET", "/style.css");
  ASSERT_EQ(Push(p.srv, 1, 2, preq), 0) << h2_conn_last_error(p.srv);
  EXPECT_EQ(StreamState(p.srv, 2), H2_STREAM_STATE_RESERVED_LOCAL);
  EXPECT_EQ(h2_conn_get_next_available_stream_id(p.srv, &next), 0);
  EXPECT_EQ(next, 4u);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  ASSERT_EQ(c.size(), 1u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_PUSHED_STREAM_RECEIVED);
  EXPECT_EQ(c[0].stream_id, 2u);
  EXPECT_EQ(c[0].related_stream, 1u);
  EXPECT_EQ(c[0].headers, preq);
  EXPECT_EQ(StreamState(p.cli, 2), H2_STREAM_STATE_RESERVED_REMOTE);

  ASSERT_EQ(SendHeaders(p.srv, 2, Plus(Resp(), {{"content-type", "text/css"}})), 0);
  EXPECT_EQ(StreamState(p.srv, 2), H2_STREAM_STATE_HALF_CLOSED_REMOTE);
  ASSERT_EQ(SendData(p.srv, 2, "body{}", H2_SEND_END_STREAM), 0);
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  c = p.C();
  const Ev *r2 = Find(c, H2_EV_RESPONSE_RECEIVED, 2);
  ASSERT_NE(r2, nullptr) << Dump(c);
  EXPECT_EQ(r2->Header("content-type"), "text/css");
  const Ev *d2 = Find(c, H2_EV_DATA_RECEIVED, 2);
  ASSERT_NE(d2, nullptr);
  EXPECT_EQ(d2->data, "body{}");
  EXPECT_NE(Find(c, H2_EV_STREAM_ENDED, 2), nullptr);
  EXPECT_NE(Find(c, H2_EV_RESPONSE_RECEIVED, 1), nullptr);
  EXPECT_NE(Find(c, H2_EV_STREAM_ENDED, 1), nullptr);
  EXPECT_EQ(StreamState(p.cli, 2), H2_STREAM_STATE_CLOSED);
}

void ConvClientReset(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req("POST")), 0);
  ASSERT_EQ(p.Pump(), 0);
  p.S();
  ASSERT_EQ(h2_conn_reset_stream(p.cli, 1, H2_CANCEL), 0);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_CLOSED);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_EQ(s.size(), 1u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_STREAM_RESET);
  EXPECT_EQ(s[0].stream_id, 1u);
  EXPECT_EQ(s[0].error_code, H2_CANCEL);
  EXPECT_EQ(s[0].remote_reset, 1);
  EXPECT_EQ(StreamState(p.srv, 1), H2_STREAM_STATE_CLOSED);
  EXPECT_EQ(SendData(p.srv, 1, "late"), H2_ERR_STREAM_CLOSED);
  EXPECT_EQ(SendData(p.cli, 1, "late"), H2_ERR_STREAM_CLOSED);
  // The connection goes on.
  ASSERT_EQ(SendHeaders(p.cli, 3, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  EXPECT_NE(Find(p.S(), H2_EV_REQUEST_RECEIVED, 3), nullptr);
}

void ConvServerReset(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  p.S();
  ASSERT_EQ(h2_conn_reset_stream(p.srv, 1, H2_REFUSED_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  ASSERT_EQ(c.size(), 1u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_STREAM_RESET);
  EXPECT_EQ(c[0].error_code, H2_REFUSED_STREAM);
  EXPECT_EQ(c[0].remote_reset, 1);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_CLOSED);
  EXPECT_EQ(h2_conn_open_outbound_streams(p.cli), 0u);
}

void ConvGoaway(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(SendHeaders(p.cli, 3, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  p.S();
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(h2_conn_close(p.srv, H2_NO_ERROR, H2_LAST_STREAM_AUTO, U8(std::string("bye")), 3),
            0);
  EXPECT_EQ(h2_conn_state(p.srv), H2_CONN_CLOSED);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  const Ev *t = Find(c, H2_EV_CONNECTION_TERMINATED);
  ASSERT_NE(t, nullptr) << Dump(c);
  EXPECT_EQ(t->error_code, H2_NO_ERROR);
  EXPECT_EQ(t->related_stream, 3u);
  EXPECT_EQ(t->data, "bye");
  EXPECT_EQ(c.back().type, H2_EV_CONNECTION_TERMINATED);
  EXPECT_EQ(h2_conn_state(p.cli), H2_CONN_CLOSED);
  // §6.8: no new streams after GOAWAY, but stream 3 (<= last) completes.
  EXPECT_EQ(SendHeaders(p.cli, 5, Req(), H2_SEND_END_STREAM), H2_ERR_PROTOCOL);
  ASSERT_EQ(SendHeaders(p.srv, 3, Resp(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto c2 = p.C();
  const Ev *r = Find(c2, H2_EV_RESPONSE_RECEIVED);
  ASSERT_NE(r, nullptr) << Dump(c2);
  EXPECT_EQ(r->stream_id, 3u);
  EXPECT_NE(Find(c2, H2_EV_STREAM_ENDED), nullptr) << Dump(c2);
}

void ConvClientGoawayWithError(Pair &p) {
  p.Handshake();
  ASSERT_EQ(h2_conn_close(p.cli, H2_ENHANCE_YOUR_CALM, 0, nullptr, 0), 0);
  EXPECT_EQ(h2_conn_state(p.cli), H2_CONN_CLOSED);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_EQ(s.size(), 1u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_CONNECTION_TERMINATED);
  EXPECT_EQ(s[0].error_code, H2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(s[0].related_stream, 0u);
  EXPECT_TRUE(s[0].data.empty());
  EXPECT_EQ(h2_conn_state(p.srv), H2_CONN_CLOSED);
}

void ConvPing(Pair &p) {
  p.Handshake();
  const uint8_t opaque[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_EQ(h2_conn_ping(p.cli, opaque), 0);
  ASSERT_EQ(h2_conn_ping(p.srv, nullptr), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  auto c = p.C();
  const Ev *pr = Find(s, H2_EV_PING_RECEIVED);
  ASSERT_NE(pr, nullptr) << Dump(s);
  EXPECT_EQ(std::memcmp(pr->ping, opaque, 8), 0);
  const Ev *pa = Find(c, H2_EV_PING_ACK_RECEIVED);
  ASSERT_NE(pa, nullptr) << Dump(c);
  EXPECT_EQ(std::memcmp(pa->ping, opaque, 8), 0);
  const uint8_t zero[8] = {0};
  const Ev *cr = Find(c, H2_EV_PING_RECEIVED);
  ASSERT_NE(cr, nullptr);
  EXPECT_EQ(std::memcmp(cr->ping, zero, 8), 0);
  const Ev *sa = Find(s, H2_EV_PING_ACK_RECEIVED);
  ASSERT_NE(sa, nullptr);
  EXPECT_EQ(std::memcmp(sa->ping, zero, 8), 0);
}

void ConvSettings(Pair &p) {
  p.Handshake();
  EXPECT_EQ(LocalSetting(p.cli, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  h2_settings_entry e[2] = {{H2_SETTING_INITIAL_WINDOW_SIZE, 1000},
                            {H2_SETTING_MAX_CONCURRENT_STREAMS, 10}};
  ASSERT_EQ(h2_conn_update_settings(p.cli, e, 2), 0);
  // Not applied locally before the ACK.
  EXPECT_EQ(LocalSetting(p.cli, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  EXPECT_EQ(LocalSetting(p.cli, H2_SETTING_MAX_CONCURRENT_STREAMS), 100u);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  ASSERT_EQ(s.size(), 1u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_REMOTE_SETTINGS_CHANGED);
  const Setting *iw = s[0].FindSetting(H2_SETTING_INITIAL_WINDOW_SIZE);
  ASSERT_NE(iw, nullptr);
  EXPECT_TRUE(iw->has_original);
  EXPECT_EQ(iw->original, 65535u);
  EXPECT_EQ(iw->value, 1000u);
  const Setting *mc = s[0].FindSetting(H2_SETTING_MAX_CONCURRENT_STREAMS);
  ASSERT_NE(mc, nullptr);
  EXPECT_EQ(mc->value, 10u);
  EXPECT_EQ(RemoteSetting(p.srv, H2_SETTING_INITIAL_WINDOW_SIZE), 1000u);
  auto c = p.C();
  ASSERT_EQ(c.size(), 1u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_SETTINGS_ACKNOWLEDGED);
  const Setting *ack = c[0].FindSetting(H2_SETTING_INITIAL_WINDOW_SIZE);
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(ack->value, 1000u);
  EXPECT_EQ(LocalSetting(p.cli, H2_SETTING_INITIAL_WINDOW_SIZE), 1000u);
  EXPECT_EQ(LocalSetting(p.cli, H2_SETTING_MAX_CONCURRENT_STREAMS), 10u);
  // New streams use the new inbound window.
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0);
  EXPECT_EQ(RemoteWindow(p.cli, 1), 1000);
}

std::string B64UrlDecode(const std::string &in, bool *ok) {
  *ok = true;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '-') v = 62;
    else if (ch == '_') v = 63;
    else if (ch == '=') break;
    else { *ok = false; return out; }
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

void ConvUpgrade(Pair &p) {
  uint8_t out[512];
  size_t n = 0;
  ASSERT_EQ(h2_conn_initiate_upgrade(p.cli, nullptr, 0, out, sizeof out, &n), 0)
      << h2_conn_last_error(p.cli);
  std::string hdr = Bytes(out, n);
  ASSERT_FALSE(hdr.empty());
  // RFC 7540 section 3.2.1: base64url, trailing '=' omitted.
  EXPECT_EQ(hdr.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-_"),
            std::string::npos)
      << "HTTP2-Settings value: " << hdr;
  bool ok = false;
  std::string payload = B64UrlDecode(hdr, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(payload.size() % 6, 0u);
  EXPECT_FALSE(payload.empty());
  EXPECT_EQ(h2_conn_state(p.cli), H2_CONN_CLIENT_OPEN);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_HALF_CLOSED_LOCAL);
  uint32_t next = 0;
  EXPECT_EQ(h2_conn_get_next_available_stream_id(p.cli, &next), 0);
  EXPECT_EQ(next, 3u);
  // The connection start is queued too: preface + SETTINGS with the same body.
  const uint8_t *pend = nullptr;
  size_t plen = 0;
  ASSERT_EQ(h2_conn_peek_data(p.cli, &pend, &plen), 0);
  std::string start = Bytes(pend, plen);
  ASSERT_GE(start.size(), Preface().size());
  EXPECT_EQ(start.substr(0, Preface().size()), Preface());
  start.erase(0, Preface().size());
  auto fs = ParseFrames(start);
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(fs[0].type, kSettings);
  EXPECT_EQ(SettingsOf(fs[0].payload), SettingsOf(payload));

  size_t n2 = 12345;
  ASSERT_EQ(h2_conn_initiate_upgrade(p.srv, out, n, nullptr, 0, &n2), 0)
      << h2_conn_last_error(p.srv);
  EXPECT_EQ(h2_conn_state(p.srv), H2_CONN_SERVER_OPEN);
  EXPECT_EQ(StreamState(p.srv, 1), H2_STREAM_STATE_HALF_CLOSED_REMOTE);
  for (auto &e : SettingsOf(payload))
    EXPECT_EQ(RemoteSetting(p.srv, e.first), e.second) << "setting " << e.first;
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  EXPECT_NE(Find(s, H2_EV_REMOTE_SETTINGS_CHANGED), nullptr) << Dump(s);
  EXPECT_EQ(Find(s, H2_EV_REQUEST_RECEIVED), nullptr) << "stream 1 is not re-announced";
  auto c = p.C();
  EXPECT_NE(Find(c, H2_EV_REMOTE_SETTINGS_CHANGED), nullptr) << Dump(c);
  EXPECT_NE(Find(c, H2_EV_SETTINGS_ACKNOWLEDGED), nullptr) << Dump(c);
  ASSERT_EQ(SendHeaders(p.srv, 1, Resp()), 0) << h2_conn_last_error(p.srv);
  ASSERT_EQ(SendData(p.srv, 1, "upgraded", H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  c = p.C();
  ASSERT_EQ(c.size(), 3u) << Dump(c);
  EXPECT_EQ(c[0].type, H2_EV_RESPONSE_RECEIVED);
  EXPECT_EQ(c[0].stream_id, 1u);
  EXPECT_EQ(c[1].data, "upgraded");
  EXPECT_EQ(c[2].type, H2_EV_STREAM_ENDED);
  EXPECT_EQ(StreamState(p.cli, 1), H2_STREAM_STATE_CLOSED);
  // The next request uses stream 3.
  ASSERT_EQ(SendHeaders(p.cli, 3, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(p.Pump(), 0);
  EXPECT_NE(Find(p.S(), H2_EV_REQUEST_RECEIVED, 3), nullptr);
}

void ConvPriority(Pair &p) {
  p.Handshake();
  h2_priority pri = {0, 32, 1};
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM, &pri), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  int rr = IndexOf(s, H2_EV_REQUEST_RECEIVED, 1);
  int pu = IndexOf(s, H2_EV_PRIORITY_UPDATED, 1);
  ASSERT_GE(rr, 0) << Dump(s);
  ASSERT_GT(pu, rr) << Dump(s);
  EXPECT_EQ(s[rr].related & H2_REL_PRIORITY_UPDATED, H2_REL_PRIORITY_UPDATED);
  EXPECT_EQ(s[rr].related & H2_REL_STREAM_ENDED, H2_REL_STREAM_ENDED);
  EXPECT_EQ(s[pu].weight, 32);
  EXPECT_EQ(s[pu].exclusive, 1);
  EXPECT_EQ(s[pu].related_stream, 0u);

  h2_priority p2 = {1, 200, 0};
  ASSERT_EQ(h2_conn_prioritize(p.cli, 3, &p2), 0);
  ASSERT_EQ(p.Pump(), 0);
  s = p.S();
  ASSERT_EQ(s.size(), 1u) << Dump(s);
  EXPECT_EQ(s[0].type, H2_EV_PRIORITY_UPDATED);
  EXPECT_EQ(s[0].stream_id, 3u);
  EXPECT_EQ(s[0].weight, 200);
  EXPECT_EQ(s[0].exclusive, 0);
  EXPECT_EQ(s[0].related_stream, 1u);
}

void ConvPriorityUpdate(Pair &p) {
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req(), H2_SEND_END_STREAM), 0);
  const std::string fv = "u=1, i";
  ASSERT_EQ(h2_conn_send_priority_update(p.cli, 1, U8(fv), fv.size()), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  const Ev *e = Find(s, H2_EV_PRIORITY_UPDATE_RECEIVED);
  ASSERT_NE(e, nullptr) << Dump(s);
  EXPECT_EQ(e->data, fv);
  EXPECT_TRUE(e->stream_id == 1u || e->related_stream == 1u)
      << "prioritized stream id not reported: " << e->Str();
}

void ConvAltsvcOrigin(Pair &p) {
  p.Handshake();
  const std::string origin = "example.com", field = "h2=\":8443\"; ma=60";
  ASSERT_EQ(h2_conn_advertise_alternative_service(p.srv, 0, U8(origin), origin.size(),
                                                  U8(field), field.size()),
            0)
      << h2_conn_last_error(p.srv);
  std::string o1 = "https://a.example", o2 = "https://b.example:8443";
  h2_bytes origins[2] = {{U8(o1), o1.size()}, {U8(o2), o2.size()}};
  ASSERT_EQ(h2_conn_send_origin(p.srv, origins, 2), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  const Ev *a = Find(c, H2_EV_ALTERNATIVE_SERVICE_AVAILABLE);
  ASSERT_NE(a, nullptr) << Dump(c);
  EXPECT_EQ(a->origin, origin);
  EXPECT_EQ(a->data, field);
  EXPECT_EQ(a->stream_id, 0u);
  const Ev *o = Find(c, H2_EV_ORIGIN_RECEIVED);
  ASSERT_NE(o, nullptr) << Dump(c);
  std::string raw;
  Put16(raw, uint32_t(o1.size()));
  raw += o1;
  Put16(raw, uint32_t(o2.size()));
  raw += o2;
  EXPECT_EQ(o->data, raw);
}

void ConvManyStreams(Pair &p) {
  p.Handshake();
  for (uint32_t sid = 1; sid <= 9; sid += 2)
    ASSERT_EQ(SendHeaders(p.cli, sid, Req("POST", "/s" + std::to_string(sid))), 0);
  for (int round = 0; round < 3; round++)
    for (uint32_t sid = 1; sid <= 9; sid += 2)
      ASSERT_EQ(SendData(p.cli, sid, std::string(100 + sid, char('0' + round)),
                         round == 2 ? H2_SEND_END_STREAM : 0),
                0);
  EXPECT_EQ(h2_conn_open_outbound_streams(p.cli), 5u);
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  EXPECT_EQ(OfType(s, H2_EV_REQUEST_RECEIVED).size(), 5u);
  EXPECT_EQ(OfType(s, H2_EV_DATA_RECEIVED).size(), 15u);
  EXPECT_EQ(OfType(s, H2_EV_STREAM_ENDED).size(), 5u);
  EXPECT_EQ(h2_conn_highest_inbound_stream_id(p.srv), 9u);
  EXPECT_EQ(h2_conn_open_inbound_streams(p.srv), 5u);
  for (uint32_t sid = 9; sid >= 1 && sid <= 9; sid -= 2) {
    ASSERT_EQ(SendHeaders(p.srv, sid, Resp()), 0);
    ASSERT_EQ(SendData(p.srv, sid, "r" + std::to_string(sid), H2_SEND_END_STREAM), 0);
    // Acknowledge what the stream carried.
    ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, sid, 3 * (100 + sid)), 0);
  }
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  EXPECT_EQ(OfType(c, H2_EV_RESPONSE_RECEIVED).size(), 5u);
  EXPECT_EQ(OfType(c, H2_EV_STREAM_ENDED).size(), 5u);
  EXPECT_EQ(h2_conn_open_outbound_streams(p.cli), 0u);
}

struct ConvCase {
  const char *name;
  void (*fn)(Pair &);
};

}  // namespace

namespace {

const ConvCase kConversations[] = {
    {"Get", ConvGet},
    {"PostBody", ConvPostBody},
    {"Trailers", ConvTrailers},
    {"Informational", ConvInformational},
    {"Push", ConvPush},
    {"ClientReset", ConvClientReset},
    {"ServerReset", ConvServerReset},
    {"Goaway", ConvGoaway},
    {"ClientGoawayWithError", ConvClientGoawayWithError},
    {"Ping", ConvPing},
    {"Settings", ConvSettings},
    {"Upgrade", ConvUpgrade},
    {"Priority", ConvPriority},
    {"PriorityUpdate", ConvPriorityUpdate},
    {"AltsvcOrigin", ConvAltsvcOrigin},
    {"ManyStreams", ConvManyStreams},
};

void PrintTo(const ConvCase &c, std::ostream *os) { *os << c.name; }

class ConnConversation : public testing::TestWithParam<ConvCase> {};

// Whole buffers, then one byte at a time, then random slices (both output
// APIs): every run must pass the conversation's checks and give exactly the
// event sequences of the first run on both sides.
TEST_P(ConnConversation, WholeBytewiseAndSliced) {
  std::vector<Ev> ref_c, ref_s;
  {
    SCOPED_TRACE("whole");
    Pair p(Mode::kWhole, 2);
    GetParam().fn(p);
    ref_c = p.clog;
    ref_s = p.slog;
  }
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_FALSE(ref_c.empty() && ref_s.empty());
  {
    SCOPED_TRACE("one byte at a time");
    Pair p(Mode::kByte, 1);
    GetParam().fn(p);
    ExpectSameEvents(ref_c, p.clog, "client");
    ExpectSameEvents(ref_s, p.slog, "server");
  }
  for (unsigned seed = 3; seed < 7; seed++) {
    SCOPED_TRACE("random slices, seed " + std::to_string(seed));
    Pair p(Mode::kRandom, seed);
    GetParam().fn(p);
    ExpectSameEvents(ref_c, p.clog, "client");
    ExpectSameEvents(ref_s, p.slog, "server");
  }
}

INSTANTIATE_TEST_SUITE_P(All, ConnConversation, testing::ValuesIn(kConversations),
                         [](const testing::TestParamInfo<ConvCase> &i) {
                           return std::string(i.param.name);
                         });

// ---- settings and their acknowledgement ------------------------------------

TEST(ConnSettings, AckedInOrderAndAppliedOnlyOnAck) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  h2_settings_entry a[1] = {{H2_SETTING_INITIAL_WINDOW_SIZE, 1000}};
  h2_settings_entry b[2] = {{H2_SETTING_INITIAL_WINDOW_SIZE, 2000},
                            {H2_SETTING_MAX_FRAME_SIZE, 20000}};
  ASSERT_EQ(h2_conn_update_settings(e.c, a, 1), 0);
  ASSERT_EQ(h2_conn_update_settings(e.c, b, 2), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 2u) << Dump(fs);
  EXPECT_EQ(fs[0].type, kSettings);
  EXPECT_EQ(fs[0].flags, 0);
  EXPECT_EQ(SettingsOf(fs[0].payload),
            (std::vector<std::pair<uint16_t, uint32_t>>{{H2_SETTING_INITIAL_WINDOW_SIZE, 1000}}));
  EXPECT_EQ(SettingsOf(fs[1].payload),
            (std::vector<std::pair<uint16_t, uint32_t>>{{H2_SETTING_INITIAL_WINDOW_SIZE, 2000},
                                                        {H2_SETTING_MAX_FRAME_SIZE, 20000}}));
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  EXPECT_EQ(h2_conn_max_inbound_frame_size(e.c), 16384u);

  ASSERT_EQ(e.Feed(FSettingsAck()), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_SETTINGS_ACKNOWLEDGED);
  ASSERT_EQ(ev[0].settings.size(), 1u);
  EXPECT_EQ(ev[0].settings[0].id, H2_SETTING_INITIAL_WINDOW_SIZE);
  EXPECT_EQ(ev[0].settings[0].value, 1000u);
  EXPECT_TRUE(ev[0].settings[0].has_original);
  EXPECT_EQ(ev[0].settings[0].original, 65535u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 1000u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_FRAME_SIZE), 16384u);
  EXPECT_EQ(h2_conn_max_inbound_frame_size(e.c), 16384u);

  ASSERT_EQ(e.Feed(FSettingsAck()), 0);
  ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_SETTINGS_ACKNOWLEDGED);
  const Setting *iw = ev[0].FindSetting(H2_SETTING_INITIAL_WINDOW_SIZE);
  ASSERT_NE(iw, nullptr);
  EXPECT_EQ(iw->original, 1000u);
  EXPECT_EQ(iw->value, 2000u);
  const Setting *mf = ev[0].FindSetting(H2_SETTING_MAX_FRAME_SIZE);
  ASSERT_NE(mf, nullptr);
  EXPECT_EQ(mf->value, 20000u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 2000u);
  EXPECT_EQ(h2_conn_max_inbound_frame_size(e.c), 20000u);
}

TEST(ConnSettings, PeerMaySendOldWindowUntilItAcks) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(e.Feed(FHeaders(1, Resp(), 0)), 0);
  h2_settings_entry s[1] = {{H2_SETTING_INITIAL_WINDOW_SIZE, 10}};
  ASSERT_EQ(h2_conn_update_settings(e.c, s, 1), 0);
  e.Out();
  e.Take();
  // Before its ACK the peer still works with 65535.
  ASSERT_EQ(e.Feed(FData(1, std::string(100, 'x'))), 0) << h2_conn_last_error(e.c);
  EXPECT_NE(Find(e.Take(), H2_EV_DATA_RECEIVED, 1), nullptr);
  EXPECT_EQ(RemoteWindow(e.c, 1), 65535 - 100);
  ASSERT_EQ(e.Feed(FSettingsAck()), 0);
  // RFC 9113 section 6.9.2: the change applies to open streams, may go negative.
  EXPECT_EQ(RemoteWindow(e.c, 1), 10 - 100);
  int rc = e.Feed(FData(1, "y"));
  auto fs = e.Out();
  const Frame *g = FindFrame(fs, kGoaway);
  const Frame *r = FindFrame(fs, kRstStream, 1);
  ASSERT_TRUE(g || r) << "a DATA beyond a negative window must be refused\n" << Dump(fs);
  if (g) {
    EXPECT_EQ(g->Code(), H2_FLOW_CONTROL_ERROR);
    EXPECT_EQ(rc, H2_ERR_FLOW_CONTROL);
  } else {
    EXPECT_EQ(r->Code(), H2_FLOW_CONTROL_ERROR);
    EXPECT_EQ(rc, 0);
  }
}

TEST(ConnSettings, RemoteSettingsProcessedInOrderAndAcked) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FSettings({{H2_SETTING_INITIAL_WINDOW_SIZE, 100},
                              {H2_SETTING_MAX_FRAME_SIZE, 32768},
                              {H2_SETTING_INITIAL_WINDOW_SIZE, 200},
                              {0x77, 5} /* unknown: ignored */})),
            0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_REMOTE_SETTINGS_CHANGED);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 200u);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_MAX_FRAME_SIZE), 32768u);
  EXPECT_EQ(h2_conn_max_outbound_frame_size(e.c), 32768u);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u) << Dump(fs);
  EXPECT_EQ(fs[0].type, kSettings);
  EXPECT_EQ(fs[0].flags, kFlagAck);
  EXPECT_TRUE(fs[0].payload.empty());
}

TEST(ConnSettings, InitialSettingsFromConfigAreAdvertised) {
  Single e(H2_SIDE_SERVER, [](h2_config *c) {
    ASSERT_EQ(h2_config_set_setting(c, H2_SETTING_INITIAL_WINDOW_SIZE, 1 << 20), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_HEADER_LIST_SIZE, 8000), 0);
    ASSERT_EQ(h2_config_set(c, H2_OPT_MAX_CONCURRENT_STREAMS, 7), 0);
  });
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u);
  std::map<uint16_t, uint32_t> m;
  for (auto &kv : SettingsOf(fs[0].payload)) m[kv.first] = kv.second;
  EXPECT_EQ(m[H2_SETTING_INITIAL_WINDOW_SIZE], 1u << 20);
  EXPECT_EQ(m[H2_SETTING_MAX_HEADER_LIST_SIZE], 8000u);
  EXPECT_EQ(m[H2_SETTING_MAX_CONCURRENT_STREAMS], 7u);
  EXPECT_EQ(m.count(H2_SETTING_ENABLE_PUSH) ? m[H2_SETTING_ENABLE_PUSH] : 0u, 0u);
  // Applied only when acknowledged.
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  ASSERT_EQ(e.Feed(Preface() + FSettings({}) + FSettingsAck()), 0);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 1u << 20);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_CONCURRENT_STREAMS), 7u);
  EXPECT_NE(Find(e.Take(), H2_EV_SETTINGS_ACKNOWLEDGED), nullptr);
}

TEST(ConnSettings, ClientInitiateSendsPrefaceThenSettings) {
  h2_conn *c = NewConn(H2_SIDE_CLIENT);
  ASSERT_EQ(h2_conn_initiate(c), 0);
  std::string out = DrainOutput(c);
  ASSERT_GE(out.size(), Preface().size() + 9);
  EXPECT_EQ(out.substr(0, Preface().size()), Preface());
  out.erase(0, Preface().size());
  auto fs = ParseFrames(out);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, kSettings);
  EXPECT_EQ(fs[0].sid, 0u);
  std::map<uint16_t, uint32_t> m;
  for (auto &kv : SettingsOf(fs[0].payload)) m[kv.first] = kv.second;
  EXPECT_EQ(m[H2_SETTING_MAX_CONCURRENT_STREAMS], 100u);
  EXPECT_EQ(m[H2_SETTING_MAX_HEADER_LIST_SIZE], 65536u);
  EXPECT_EQ(h2_conn_initiate(c), H2_ERR_PROTOCOL) << "initiated twice";
  h2_conn_free(c);
}

// ---- flow control -------------------------------------------------------------

TEST(ConnFlow, ExactlyFillWindowThenWindowUpdate) {
  Pair p;
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req("POST")), 0);
  std::string chunk(16384, 'z');
  for (int i = 0; i < 3; i++) ASSERT_EQ(SendData(p.cli, 1, chunk), 0);
  ASSERT_EQ(SendData(p.cli, 1, std::string(16383, 'z')), 0);
  EXPECT_EQ(LocalWindow(p.cli, 1), 0);
  EXPECT_EQ(LocalWindow(p.cli, 0), 0);
  EXPECT_EQ(SendData(p.cli, 1, "!"), H2_ERR_FLOW_CONTROL);
  EXPECT_NE(std::string(h2_conn_last_error(p.cli)), "");
  EXPECT_EQ(SendData(p.cli, 1, ""), 0) << "an empty DATA fits a zero window";
  ASSERT_EQ(p.Pump(), 0);
  auto s = p.S();
  size_t total = 0;
  for (auto &e : OfType(s, H2_EV_DATA_RECEIVED)) total += e.flow_len;
  EXPECT_EQ(total, 65535u);
  EXPECT_EQ(RemoteWindow(p.srv, 1), 0);
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 1, 65535), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  EXPECT_EQ(OfType(c, H2_EV_WINDOW_UPDATED).size(), 2u) << Dump(c);
  EXPECT_EQ(LocalWindow(p.cli, 1), 65535);
  EXPECT_EQ(SendData(p.cli, 1, "!", H2_SEND_END_STREAM), 0);
}

TEST(ConnFlow, ConnectionWindowIsSharedByStreams) {
  Pair p;
  p.Handshake();
  ASSERT_EQ(SendHeaders(p.cli, 1, Req("POST")), 0);
  ASSERT_EQ(SendHeaders(p.cli, 3, Req("POST")), 0);
  for (int i = 0; i < 3; i++) ASSERT_EQ(SendData(p.cli, 1, std::string(16384, 'a')), 0);
  EXPECT_EQ(LocalWindow(p.cli, 3), 65535 - 3 * 16384) << "min(stream, connection)";
  EXPECT_EQ(SendData(p.cli, 3, std::string(16384, 'b')), H2_ERR_FLOW_CONTROL);
  EXPECT_EQ(SendData(p.cli, 3, std::string(65535 - 3 * 16384, 'b')), 0);
  EXPECT_EQ(LocalWindow(p.cli, 0), 0);
  ASSERT_EQ(p.Pump(), 0);
  // Connection-only credit (stream 0).
  ASSERT_EQ(h2_conn_acknowledge_received_data(p.srv, 0, 65535), 0);
  ASSERT_EQ(p.Pump(), 0);
  auto c = p.C();
  auto wu = OfType(c, H2_EV_WINDOW_UPDATED);
  ASSERT_EQ(wu.size(), 1u) << Dump(c);
  EXPECT_EQ(wu[0].stream_id, 0u);
  EXPECT_EQ(wu[0].delta, 65535u);
  EXPECT_EQ(LocalWindow(p.cli, 0), 65535);
  EXPECT_EQ(LocalWindow(p.cli, 3), 65535 - (65535 - 3 * 16384));
}

TEST(ConnFlow, InboundConnectionWindowExceeded) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  for (int i = 0; i < 3; i++) ASSERT_EQ(e.Feed(FData(1, std::string(16384, 'a'))), 0);
  ASSERT_EQ(e.Feed(FData(1, std::string(16383, 'a'))), 0) << "exactly the window";
  EXPECT_EQ(RemoteWindow(e.c, 0), 0);
  e.Out();
  EXPECT_EQ(e.Feed(FData(1, "x")), H2_ERR_FLOW_CONTROL);
  auto fs = e.Out();
  const Frame *g = FindFrame(fs, kGoaway);
  ASSERT_NE(g, nullptr) << Dump(fs);
  EXPECT_EQ(g->Code(), H2_FLOW_CONTROL_ERROR);
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
  auto t_src = e.Take();
  const Ev *t = Find(t_src, H2_EV_CONNECTION_TERMINATED);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->error_code, H2_FLOW_CONTROL_ERROR);
}

TEST(ConnFlow, InitialWindowChangeAdjustsOpenStreamsEvenBelowZero) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  ASSERT_EQ(SendHeaders(e.c, 1, Resp()), 0);
  ASSERT_EQ(SendData(e.c, 1, std::string(5000, 'd')), 0);
  EXPECT_EQ(LocalWindow(e.c, 1), 65535 - 5000);
  ASSERT_EQ(e.Feed(FSettings({{H2_SETTING_INITIAL_WINDOW_SIZE, 1000}})), 0);
  EXPECT_EQ(LocalWindow(e.c, 1), 1000 - 5000);
  EXPECT_EQ(LocalWindow(e.c, 0), 65535 - 5000) << "the connection window is not a setting";
  EXPECT_EQ(SendData(e.c, 1, "x"), H2_ERR_FLOW_CONTROL);
  e.Take();
  ASSERT_EQ(e.Feed(FWindowUpdate(1, 4500)), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_WINDOW_UPDATED);
  EXPECT_EQ(ev[0].delta, 4500u);
  EXPECT_EQ(LocalWindow(e.c, 1), 500);
  EXPECT_EQ(SendData(e.c, 1, std::string(501, 'x')), H2_ERR_FLOW_CONTROL);
  EXPECT_EQ(SendData(e.c, 1, std::string(500, 'x')), 0);
  ASSERT_EQ(e.Feed(FSettings({{H2_SETTING_INITIAL_WINDOW_SIZE, 2000}})), 0);
  EXPECT_EQ(LocalWindow(e.c, 1), 1000);
  // New streams start with the new value.
  ASSERT_EQ(e.Feed(FHeaders(3, Req(), kFlagEndStream)), 0);
  EXPECT_EQ(LocalWindow(e.c, 3), 2000);
}

TEST(ConnFlow, ConnectionWindowUpToMaxThenOverflow) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FWindowUpdate(0, 0x7fffffffu - 65535)), 0);
  EXPECT_EQ(LocalWindow(e.c, 0), 0x7fffffff);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, H2_EV_WINDOW_UPDATED);
  EXPECT_EQ(ev[0].stream_id, 0u);
  EXPECT_EQ(e.Feed(FWindowUpdate(0, 1)), H2_ERR_FLOW_CONTROL);
  auto g_src = e.Out();
  const Frame *g = FindFrame(g_src, kGoaway);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->Code(), H2_FLOW_CONTROL_ERROR);
}

TEST(ConnFlow, StreamWindowOverflowIsStreamError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  ASSERT_EQ(e.Feed(FWindowUpdate(1, 0x7fffffffu - 65535)), 0);
  int64_t w = 0;
  ASSERT_EQ(h2_conn_local_flow_control_window(e.c, 1, &w), 0);
  EXPECT_EQ(w, 65535) << "min with the connection window";
  e.Take();
  e.Out();
  ASSERT_EQ(e.Feed(FWindowUpdate(1, 1)), 0) << "RFC 9113 6.9.1: stream error";
  auto fs = e.Out();
  const Frame *r = FindFrame(fs, kRstStream, 1);
  ASSERT_NE(r, nullptr) << Dump(fs);
  EXPECT_EQ(r->Code(), H2_FLOW_CONTROL_ERROR);
  EXPECT_EQ(FindFrame(fs, kGoaway), nullptr);
  auto sr_src = e.Take();
  const Ev *sr = Find(sr_src, H2_EV_STREAM_RESET, 1);
  ASSERT_NE(sr, nullptr);
  EXPECT_EQ(sr->remote_reset, 0);
  EXPECT_EQ(sr->error_code, H2_FLOW_CONTROL_ERROR);
  ASSERT_EQ(e.Feed(FHeaders(3, Req(), kFlagEndStream)), 0);
  EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 3), nullptr);
}

TEST(ConnFlow, InitialWindowSettingOverflowingAStreamIsConnectionError) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  ASSERT_EQ(e.Feed(FWindowUpdate(1, 0x7fffffffu - 65535)), 0);
  int rc = e.Feed(FSettings({{H2_SETTING_INITIAL_WINDOW_SIZE, 65536}}));
  EXPECT_EQ(rc, H2_ERR_FLOW_CONTROL);
  auto g_src = e.Out();
  const Frame *g = FindFrame(g_src, kGoaway);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->Code(), H2_FLOW_CONTROL_ERROR);
}

TEST(ConnFlow, PaddingCountsAgainstWindows) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  e.Take();
  ASSERT_EQ(e.Feed(FPaddedData(1, "hello", 10)), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, H2_EV_DATA_RECEIVED);
  EXPECT_EQ(ev[0].data, "hello");
  EXPECT_EQ(ev[0].flow_len, 5u + 10u + 1u);
  EXPECT_EQ(RemoteWindow(e.c, 1), 65535 - 16);
  EXPECT_EQ(RemoteWindow(e.c, 0), 65535 - 16);
  // Outbound padding.
  ASSERT_EQ(SendHeaders(e.c, 1, Resp()), 0);
  e.Out();
  ASSERT_EQ(SendData(e.c, 1, "abc", 0, 7), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, kData);
  EXPECT_EQ(fs[0].flags & kFlagPadded, kFlagPadded);
  EXPECT_EQ(fs[0].payload.size(), 1u + 3u + 7u);
  EXPECT_EQ(uint8_t(fs[0].payload[0]), 7);
  EXPECT_EQ(fs[0].payload.substr(1, 3), "abc");
  EXPECT_EQ(LocalWindow(e.c, 1), 65535 - 11);
  EXPECT_EQ(SendData(e.c, 1, "abc", 0, 256), H2_ERR_INVALID_ARGUMENT);
  // Padding beyond the payload: connection PROTOCOL_ERROR (RFC 9113 6.1).
  std::string bad;
  bad += static_cast<char>(20);
  bad += "abc";
  EXPECT_EQ(e.Feed(RawFrame(kData, kFlagPadded, 1, bad)), H2_ERR_PROTOCOL);
  auto g_src = e.Out();
  const Frame *g = FindFrame(g_src, kGoaway);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->Code(), H2_PROTOCOL_ERROR);
}

TEST(ConnFlow, IncrementFlowControlWindow) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FHeaders(1, Req("POST"), 0)), 0);
  ASSERT_EQ(h2_conn_increment_flow_control_window(e.c, 0, 1000), 0);
  ASSERT_EQ(h2_conn_increment_flow_control_window(e.c, 1, 2000), 0);
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 2u) << Dump(fs);
  EXPECT_EQ(fs[0].type, kWindowUpdate);
  EXPECT_EQ(fs[0].sid, 0u);
  EXPECT_EQ(fs[0].Increment(), 1000u);
  EXPECT_EQ(fs[1].sid, 1u);
  EXPECT_EQ(fs[1].Increment(), 2000u);
  EXPECT_EQ(RemoteWindow(e.c, 0), 65535 + 1000);
  EXPECT_EQ(RemoteWindow(e.c, 1), 65535 + 1000) << "min(stream 67535, connection 66535)";
  EXPECT_EQ(h2_conn_increment_flow_control_window(e.c, 0, 0), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_increment_flow_control_window(e.c, 0, 0x80000000u),
            H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_increment_flow_control_window(e.c, 0, 0x7fffffffu), H2_ERR_FLOW_CONTROL);
  EXPECT_EQ(h2_conn_increment_flow_control_window(e.c, 9, 10), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(e.Out().size(), 0u) << "failed calls send nothing";
}

TEST(ConnFlow, FrameSizeLimitsBothWays) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  EXPECT_EQ(h2_conn_max_outbound_frame_size(e.c), 16384u);
  EXPECT_EQ(h2_conn_max_inbound_frame_size(e.c), 16384u);
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  ASSERT_EQ(SendHeaders(e.c, 1, Resp()), 0);
  EXPECT_EQ(SendData(e.c, 1, std::string(16385, 'q')), H2_ERR_FRAME_TOO_LARGE);
  EXPECT_EQ(SendData(e.c, 1, std::string(16380, 'q'), 0, 4), H2_ERR_FRAME_TOO_LARGE)
      << "padding counts towards the frame size";
  e.Out();
  ASSERT_EQ(e.Feed(FSettings({{H2_SETTING_MAX_FRAME_SIZE, 32768}})), 0);
  EXPECT_EQ(h2_conn_max_outbound_frame_size(e.c), 32768u);
  ASSERT_EQ(SendData(e.c, 1, std::string(16385, 'q')), 0);
  auto fs = e.Out();
  const Frame *d = FindFrame(fs, kData, 1);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->payload.size(), 16385u);
  // Inbound: one byte over our SETTINGS_MAX_FRAME_SIZE.
  ASSERT_EQ(e.Feed(FHeaders(3, Req("POST"), 0)), 0);
  int rc = e.Feed(FData(3, std::string(16385, 'q')));
  EXPECT_TRUE(rc == H2_ERR_FRAME_SIZE || rc == H2_ERR_FRAME_TOO_LARGE) << rc;
  auto g_src = e.Out();
  const Frame *g = FindFrame(g_src, kGoaway);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->Code(), H2_FRAME_SIZE_ERROR);
}

// ---- other received frames -------------------------------------------------------

TEST(ConnFrames, UnknownFrameIsReportedAndIgnored) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(RawFrame(0xfa, 0x5, 0, "xyz")), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_UNKNOWN_FRAME_RECEIVED);
  EXPECT_EQ(ev[0].frame_type, 0xfa);
  EXPECT_EQ(ev[0].frame_flags, 0x5);
  EXPECT_EQ(ev[0].data, "xyz");
  EXPECT_EQ(e.Out().size(), 0u);
  // On a stream too, even an idle one (RFC 9113 section 5.5).
  ASSERT_EQ(e.Feed(RawFrame(0xfb, 0, 7, "")), 0);
  ev = e.Take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].stream_id, 7u);
  ASSERT_EQ(e.Feed(FHeaders(1, Req(), kFlagEndStream)), 0);
  EXPECT_NE(Find(e.Take(), H2_EV_REQUEST_RECEIVED, 1), nullptr);
}

TEST(ConnFrames, HeaderBlockInContinuations) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  HeaderList req = Plus(Req(), {{"x-long", std::string(3000, 'v')}});
  std::string block = Hpack(req);
  std::string in = RawFrame(kHeaders, kFlagEndStream, 1, block.substr(0, 10));
  in += FContinuation(1, block.substr(10, 1000), 0);
  in += FContinuation(1, block.substr(1010), kFlagEndHeaders);
  ASSERT_EQ(e.FeedBytewise(in), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 2u) << Dump(ev);
  EXPECT_EQ(ev[0].headers, req);
  EXPECT_EQ(ev[1].type, H2_EV_STREAM_ENDED);
}

TEST(ConnFrames, PingIsAnsweredWithSameOpaqueData) {
  Single e(H2_SIDE_SERVER);
  e.Handshake();
  ASSERT_EQ(e.Feed(FPing("ABCDEFGH")), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, H2_EV_PING_RECEIVED);
  EXPECT_EQ(std::string(reinterpret_cast<char *>(ev[0].ping), 8), "ABCDEFGH");
  auto fs = e.Out();
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].type, kPing);
  EXPECT_EQ(fs[0].flags, kFlagAck);
  EXPECT_EQ(fs[0].payload, "ABCDEFGH");
  ASSERT_EQ(e.Feed(FPing("12345678", true)), 0);
  ev = e.Take();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, H2_EV_PING_ACK_RECEIVED);
  EXPECT_EQ(e.Out().size(), 0u) << "a PING ACK is not answered";
}

TEST(ConnFrames, GoawayFromPeer) {
  Single e(H2_SIDE_CLIENT);
  e.Handshake();
  ASSERT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(SendHeaders(e.c, 3, Req(), H2_SEND_END_STREAM), 0);
  ASSERT_EQ(e.Feed(FGoaway(1, H2_ENHANCE_YOUR_CALM, "calm down")), 0);
  auto ev = e.Take();
  ASSERT_EQ(ev.size(), 1u) << Dump(ev);
  EXPECT_EQ(ev[0].type, H2_EV_CONNECTION_TERMINATED);
  EXPECT_EQ(ev[0].error_code, H2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(ev[0].related_stream, 1u);
  EXPECT_EQ(ev[0].data, "calm down");
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
}

// ---- queries ------------------------------------------------------------------

TEST(ConnQuery, DefaultsAndPeerValues) {
  Single e(H2_SIDE_CLIENT);
  EXPECT_STREQ(h2_conn_last_error(e.c), "");
  EXPECT_EQ(h2_conn_state(e.c), H2_CONN_IDLE);
  e.Handshake({{H2_SETTING_MAX_CONCURRENT_STREAMS, 50},
               {H2_SETTING_HEADER_TABLE_SIZE, 8192},
               {H2_SETTING_ENABLE_CONNECT_PROTOCOL, 1}});
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_HEADER_TABLE_SIZE), 4096u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_ENABLE_PUSH), 1u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_FRAME_SIZE), 16384u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_CONCURRENT_STREAMS), 100u);
  EXPECT_EQ(LocalSetting(e.c, H2_SETTING_MAX_HEADER_LIST_SIZE), 65536u);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_MAX_CONCURRENT_STREAMS), 50u);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_HEADER_TABLE_SIZE), 8192u);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_ENABLE_CONNECT_PROTOCOL), 1u);
  EXPECT_EQ(RemoteSetting(e.c, H2_SETTING_INITIAL_WINDOW_SIZE), 65535u);
  uint32_t v = 0;
  EXPECT_EQ(h2_conn_local_setting(e.c, 0x99, &v), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h2_conn_remote_setting(e.c, 0x99, &v), H2_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(LocalWindow(e.c, 0), 65535);
  EXPECT_EQ(RemoteWindow(e.c, 0), 65535);
  int64_t w;
  EXPECT_EQ(h2_conn_local_flow_control_window(e.c, 1, &w), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(h2_conn_remote_flow_control_window(e.c, 1, &w), H2_ERR_NO_SUCH_STREAM);
  EXPECT_EQ(h2_conn_open_outbound_streams(e.c), 0u);
  EXPECT_EQ(h2_conn_open_inbound_streams(e.c), 0u);
  EXPECT_EQ(h2_conn_highest_inbound_stream_id(e.c), 0u);
  EXPECT_EQ(h2_conn_pending_data(e.c), 0u);
  ASSERT_EQ(SendHeaders(e.c, 1, Req()), 0);
  EXPECT_GT(h2_conn_pending_data(e.c), 0u);
  EXPECT_EQ(LocalWindow(e.c, 1), 65535);
  EXPECT_EQ(StreamState(e.c, 1), H2_STREAM_STATE_OPEN);
  EXPECT_EQ(h2_conn_open_outbound_streams(e.c), 1u);
  // An error leaves a message.
  EXPECT_EQ(SendHeaders(e.c, 1, {{"BAD NAME", "x"}}, H2_SEND_END_STREAM), H2_ERR_PROTOCOL);
  EXPECT_STRNE(h2_conn_last_error(e.c), "");
}

TEST(ConnQuery, OutputApis) {
  Single e(H2_SIDE_CLIENT);
  ASSERT_EQ(h2_conn_initiate(e.c), 0);
  size_t pending = h2_conn_pending_data(e.c);
  ASSERT_GT(pending, 24u);
  const uint8_t *p = nullptr;
  size_t n = 0;
  ASSERT_EQ(h2_conn_peek_data(e.c, &p, &n), 0);
  ASSERT_EQ(n, pending);
  std::string all = Bytes(p, n);
  EXPECT_EQ(h2_conn_consume_data(e.c, n + 1), H2_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(h2_conn_consume_data(e.c, 5), 0);
  EXPECT_EQ(h2_conn_pending_data(e.c), pending - 5);
  uint8_t buf[7];
  size_t got = 0;
  ASSERT_EQ(h2_conn_data_to_send(e.c, buf, sizeof buf, &got), 0);
  EXPECT_EQ(got, 7u);
  EXPECT_EQ(Bytes(buf, 7), all.substr(5, 7));
  std::string rest = DrainOutput(e.c);
  EXPECT_EQ(rest, all.substr(12));
  ASSERT_EQ(h2_conn_ping(e.c, nullptr), 0);
  EXPECT_GT(h2_conn_pending_data(e.c), 0u);
  ASSERT_EQ(h2_conn_clear_outbound_data(e.c), 0);
  EXPECT_EQ(h2_conn_pending_data(e.c), 0u);
  ASSERT_EQ(h2_conn_data_to_send(e.c, buf, sizeof buf, &got), 0);
  EXPECT_EQ(got, 0u);
}

}  // namespace
