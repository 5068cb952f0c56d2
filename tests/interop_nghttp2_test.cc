// Interoperability of libh2's connection engine with nghttp2, in memory.
//
// Each test wires a libh2 connection to an nghttp2 session: the output of
// one is fed to the other, whole, one byte at a time, or in random slices
// (the test parameter). Both directions are covered: libh2 client with an
// nghttp2 server (H2ClientNgServer_*) and nghttp2 client with a libh2
// server (NgClientH2Server_*). Every body byte, status and header is
// checked, and neither side may report an error: nghttp2's invalid-frame,
// error and not-sent callbacks, libh2's h2_conn_receive() return codes and
// any StreamReset / ConnectionTerminated event a test does not expect are
// collected and fail the test in TearDown().
#include <gtest/gtest.h>
#include <h2/h2.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

enum class Slicing { kWhole, kOneByte, kRandom };

const uint8_t *U8(const std::string &s) {
  return reinterpret_cast<const uint8_t *>(s.data());
}

// Deterministic bytes covering all 256 values.
std::string Body(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  std::mt19937 r(seed);
  for (auto &c : s) c = static_cast<char>(r() & 0xff);
  return s;
}

// A header value of n lowercase letters (valid field value).
std::string Letters(size_t n, uint32_t seed) {
  std::string s(n, 'a');
  std::mt19937 r(seed);
  for (auto &c : s) c = static_cast<char>('a' + r() % 26);
  return s;
}

std::string Get(const Headers &h, const std::string &name) {
  for (const auto &f : h)
    if (f.first == name) return f.second;
  return "<missing " + name + ">";
}
size_t CountOf(const Headers &h, const std::string &name) {
  size_t n = 0;
  for (const auto &f : h) n += f.first == name;
  return n;
}

Headers Req(const std::string &method, const std::string &path) {
  return {{":method", method},
          {":scheme", "https"},
          {":authority", "example.org"},
          {":path", path}};
}
Headers Resp(const std::string &status) { return {{":status", status}}; }

// Base64url without padding (RFC 4648 §5), as HTTP2-Settings uses.
std::string B64UrlEncode(const std::string &in) {
  static const char *k =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) |
                 uint8_t(in[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (in.size() - i == 1) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
  } else if (in.size() - i == 2) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
  }
  return out;
}
std::string B64UrlDecode(const std::string &in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    EXPECT_GE(v, 0) << "bad base64url character " << c;
    if (v < 0) return out;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// Parses one direction of the wire into frame headers (for checks of frame
// sizes, CONTINUATION and padding).
struct FrameLog {
  struct Frame {
    uint8_t type, flags;
    uint32_t len, sid;
    uint32_t pad;  // DATA/HEADERS with PADDED: the pad length octet
  };
  size_t skip = 0;  // client preface still to skip
  std::string buf;
  std::vector<Frame> frames;
  void Add(const std::string &s) {
    buf += s;
    size_t p = 0;
    if (skip) {
      size_t k = std::min(skip, buf.size());
      p = k;
      skip -= k;
    }
    auto b = [&](size_t i) { return uint32_t(uint8_t(buf[i])); };
    while (buf.size() - p >= 9) {
      uint32_t len = (b(p) << 16) | (b(p + 1) << 8) | b(p + 2);
      if (buf.size() - p < 9 + size_t(len)) break;
      Frame f{uint8_t(b(p + 3)), uint8_t(b(p + 4)), len,
              ((b(p + 5) << 24) | (b(p + 6) << 16) | (b(p + 7) << 8) |
               b(p + 8)) & 0x7fffffffu,
              0};
      if ((f.type == 0 || f.type == 1) && (f.flags & 0x8) && len > 0)
        f.pad = b(p + 9);
      frames.push_back(f);
      p += 9 + len;
    }
    buf.erase(0, p);
  }
  size_t Count(uint8_t type) const {
    size_t n = 0;
    for (const auto &f : frames) n += f.type == type;
    return n;
  }
  uint32_t MaxLen(uint8_t type) const {
    uint32_t m = 0;
    for (const auto &f : frames)
      if (f.type == type) m = std::max(m, f.len);
    return m;
  }
  uint64_t SumLen(uint8_t type) const {
    uint64_t s = 0;
    for (const auto &f : frames)
      if (f.type == type) s += f.len;
    return s;
  }
};

// ---------------------------------------------------------------- libh2 --

struct Ev {
  int type = 0;
  uint32_t sid = 0;
  Headers headers;
  std::string data;
  size_t flow = 0;
  uint32_t code = 0;
  int remote = 0;
  uint32_t related_sid = 0;
  std::string ping;
  uint32_t related = 0;
};

struct H2Stream {
  Headers head;  // request or final response
  bool have_head = false;
  std::vector<Headers> info;
  Headers trailers;
  bool have_trailers = false;
  std::string body;
  size_t flow = 0;
  size_t data_events = 0;
  bool ended = false;
  bool reset = false;
  uint32_t reset_code = 0;
  int remote_reset = 0;
  uint32_t pushed_by = 0;
  Headers push_request;
};

struct OutBody {
  std::string data;
  size_t off = 0;
  bool end_stream = true;
  Headers trailers;
  size_t limit = SIZE_MAX;  // stop after this many bytes (until raised)
  size_t pad = 0;
  bool done = false;
};

class H2Peer {
 public:
  h2_conn *c = nullptr;
  int side;
  std::map<uint32_t, H2Stream> st;
  std::vector<Ev> events;
  std::vector<std::string> errors;
  std::map<uint32_t, OutBody> out;
  std::deque<std::pair<Headers, std::string>> pending;  // client queue
  std::vector<uint32_t> request_order;
  bool auto_ack = true;
  bool allow_resets = false;
  bool allow_goaway = false;
  bool terminated = false;
  uint32_t goaway_code = 0, goaway_last = 0;
  size_t max_open_inbound = 0, max_open_outbound = 0;
  std::function<void(H2Peer &, const Ev &)> on_event;
  uint64_t now = 1;

  explicit H2Peer(int s, const std::function<void(h2_config *)> &cfgfn = {})
      : side(s) {
    h2_config *cfg = nullptr;
    EXPECT_EQ(h2_config_new(&cfg, side), 0);
    if (cfgfn) cfgfn(cfg);
    EXPECT_EQ(h2_conn_new(&c, cfg), 0);
    h2_config_free(cfg);
  }
  ~H2Peer() { h2_conn_free(c); }

  void Err(const std::string &what, int rv) {
    errors.push_back("libh2 " + what + ": " + std::to_string(rv) + " " +
                     h2_strerror(rv) + " (" + h2_conn_last_error(c) + ")");
  }

  void Receive(const uint8_t *p, size_t n) {
    int rv = h2_conn_receive(c, p, n, now++);
    if (rv != 0) Err("h2_conn_receive", rv);
    Drain();
  }

  void Drain() {
    const h2_event *e = nullptr;
    while (h2_conn_next_event(c, &e) == 1) {
      Ev ev;
      ev.type = h2_event_type(e);
      ev.sid = h2_event_stream_id(e);
      for (size_t i = 0; i < h2_event_header_count(e); ++i) {
        h2_header h;
        EXPECT_EQ(h2_event_header(e, i, &h), 1);
        ev.headers.emplace_back(
            std::string(reinterpret_cast<const char *>(h.name), h.name_len),
            std::string(reinterpret_cast<const char *>(h.value),
                        h.value_len));
      }
      size_t len = 0;
      const uint8_t *d = h2_event_data(e, &len);
      if (d) ev.data.assign(reinterpret_cast<const char *>(d), len);
      ev.flow = h2_event_flow_controlled_length(e);
      ev.code = h2_event_error_code(e);
      ev.remote = h2_event_remote_reset(e);
      ev.related_sid = h2_event_related_stream_id(e);
      ev.related = h2_event_related(e);
      if (ev.type == H2_EV_PING_RECEIVED ||
          ev.type == H2_EV_PING_ACK_RECEIVED) {
        uint8_t o[8];
        EXPECT_EQ(h2_event_ping_data(e, o), 0);
        ev.ping.assign(reinterpret_cast<const char *>(o), 8);
      }
      Record(ev);
      events.push_back(ev);
      if (on_event) on_event(*this, ev);
    }
    max_open_inbound = std::max(max_open_inbound, h2_conn_open_inbound_streams(c));
    Flush();
  }

  void Record(const Ev &ev) {
    H2Stream &s = st[ev.sid];
    switch (ev.type) {
      case H2_EV_REQUEST_RECEIVED:
      case H2_EV_RESPONSE_RECEIVED:
        s.head = ev.headers;
        s.have_head = true;
        break;
      case H2_EV_INFORMATIONAL_RESPONSE_RECEIVED:
        s.info.push_back(ev.headers);
        break;
      case H2_EV_TRAILERS_RECEIVED:
        s.trailers = ev.headers;
        s.have_trailers = true;
        break;
      case H2_EV_DATA_RECEIVED:
        s.body += ev.data;
        s.flow += ev.flow;
        s.data_events++;
        if (auto_ack && ev.flow) {
          int rv = h2_conn_acknowledge_received_data(c, ev.sid, ev.flow);
          if (rv != 0) Err("acknowledge_received_data", rv);
        }
        break;
      case H2_EV_STREAM_ENDED:
        s.ended = true;
        break;
      case H2_EV_STREAM_RESET:
        s.reset = true;
        s.reset_code = ev.code;
        s.remote_reset = ev.remote;
        if (!allow_resets)
          errors.push_back("libh2 unexpected StreamReset on " +
                           std::to_string(ev.sid) + " code " +
                           std::to_string(ev.code) + " remote " +
                           std::to_string(ev.remote));
        break;
      case H2_EV_CONNECTION_TERMINATED:
        terminated = true;
        goaway_code = ev.code;
        goaway_last = ev.related_sid;
        if (!allow_goaway || ev.code != 0)
          errors.push_back("libh2 unexpected ConnectionTerminated code " +
                           std::to_string(ev.code) + " last " +
                           std::to_string(ev.related_sid));
        break;
      case H2_EV_PUSHED_STREAM_RECEIVED:
        s.pushed_by = ev.related_sid;
        s.push_request = ev.headers;
        break;
      default:
        break;
    }
  }

  int SendHeaders(uint32_t sid, const Headers &hs, uint32_t flags) {
    std::vector<h2_header> v;
    for (const auto &h : hs)
      v.push_back({U8(h.first), h.first.size(), U8(h.second), h.second.size(),
                   0});
    int rv = h2_conn_send_headers(c, sid, v.data(), v.size(), flags, nullptr);
    if (rv != 0) Err("send_headers on " + std::to_string(sid), rv);
    return rv;
  }

  // Client: open a request now. body empty => END_STREAM on HEADERS
  // unless trailers are given or keep_open.
  uint32_t Request(const Headers &hs, const std::string &body,
                   const Headers &trailers = {}, bool keep_open = false) {
    uint32_t sid = 0;
    int rv = h2_conn_get_next_available_stream_id(c, &sid);
    if (rv != 0) {
      Err("get_next_available_stream_id", rv);
      return 0;
    }
    bool end = body.empty() && trailers.empty() && !keep_open;
    if (SendHeaders(sid, hs, end ? H2_SEND_END_STREAM : 0) != 0) return 0;
    request_order.push_back(sid);
    if (!end) {
      OutBody &o = out[sid];
      o.data = body;
      o.trailers = trailers;
      o.end_stream = !keep_open;
    }
    max_open_outbound =
        std::max(max_open_outbound, h2_conn_open_outbound_streams(c));
    return sid;
  }

  // Server: respond (body may be empty; trailers optional).
  void Respond(uint32_t sid, const Headers &hs, const std::string &body,
               const Headers &trailers = {}) {
    bool end = body.empty() && trailers.empty();
    if (SendHeaders(sid, hs, end ? H2_SEND_END_STREAM : 0) != 0) return;
    if (!end) {
      OutBody &o = out[sid];
      o.data = body;
      o.trailers = trailers;
    }
  }

  void Flush() {
    // Client queue: open while the peer's concurrency limit allows.
    if (side == H2_SIDE_CLIENT) {
      uint32_t limit = 100;
      h2_conn_remote_setting(c, H2_SETTING_MAX_CONCURRENT_STREAMS, &limit);
      while (!pending.empty() && h2_conn_open_outbound_streams(c) < limit) {
        auto r = pending.front();
        pending.pop_front();
        Request(r.first, r.second);
      }
    }
    for (auto &kv : out) {
      uint32_t sid = kv.first;
      OutBody &o = kv.second;
      if (o.done) continue;
      int state = 0;
      h2_conn_stream_state(c, sid, &state);
      if (state == H2_STREAM_STATE_CLOSED) {
        o.done = true;
        continue;
      }
      while (o.off < o.data.size() && o.off < o.limit) {
        int64_t win = 0;
        if (h2_conn_local_flow_control_window(c, sid, &win) != 0) break;
        int64_t overhead = o.pad ? int64_t(o.pad) + 1 : 0;
        int64_t n = std::min<int64_t>(
            {win - overhead, int64_t(o.data.size() - o.off),
             int64_t(std::min(o.limit, o.data.size()) - o.off),
             int64_t(h2_conn_max_outbound_frame_size(c)) - overhead});
        if (n <= 0) break;
        bool last = o.off + size_t(n) == o.data.size() && o.end_stream &&
                    o.trailers.empty();
        int rv = h2_conn_send_data(c, sid, U8(o.data) + o.off, size_t(n),
                                   last ? H2_SEND_END_STREAM : 0, o.pad);
        if (rv != 0) {
          Err("send_data on " + std::to_string(sid), rv);
          o.done = true;
          break;
        }
        o.off += size_t(n);
      }
      if (!o.done && o.off == o.data.size()) {
        if (!o.trailers.empty())
          SendHeaders(sid, o.trailers, H2_SEND_END_STREAM);
        else if (o.end_stream && o.data.empty()) {
          int rv = h2_conn_end_stream(c, sid);
          if (rv != 0) Err("end_stream", rv);
        }
        o.done = true;
      }
    }
  }

  std::string TakeOutput() {
    std::string s;
    const uint8_t *p = nullptr;
    size_t n = 0;
    while (h2_conn_peek_data(c, &p, &n) == 0 && n > 0) {
      s.append(reinterpret_cast<const char *>(p), n);
      EXPECT_EQ(h2_conn_consume_data(c, n), 0);
    }
    return s;
  }

  size_t CountEvents(int type) const {
    size_t n = 0;
    for (const auto &e : events) n += e.type == type;
    return n;
  }
};

// -------------------------------------------------------------- nghttp2 --

struct NgStream {
  std::vector<std::pair<int, Headers>> blocks;  // (category, fields)
  std::string body;
  bool end_stream_recv = false;
  bool closed = false;
  uint32_t close_code = 0;
  bool rst_recv = false;
  uint32_t rst_code = 0;
  int32_t pushed_by = 0;
  Headers push_request;
  size_t data_frames = 0;
};

struct NgSource {
  std::string data;
  size_t off = 0;
  Headers trailers;
  size_t limit = SIZE_MAX;
  bool deferred = false;
};

std::vector<nghttp2_nv> Nv(const Headers &hs) {
  std::vector<nghttp2_nv> v;
  for (const auto &h : hs)
    v.push_back({const_cast<uint8_t *>(U8(h.first)),
                 const_cast<uint8_t *>(U8(h.second)), h.first.size(),
                 h.second.size(), NGHTTP2_NV_FLAG_NONE});
  return v;
}

class NgPeer {
 public:
  nghttp2_session *s = nullptr;
  bool server;
  std::map<int32_t, NgStream> st;
  std::map<int32_t, std::unique_ptr<NgSource>> src;
  std::vector<std::string> errors;
  bool allow_rst = false;
  bool goaway_recv = false;
  uint32_t goaway_code = 0;
  int32_t goaway_last = 0;
  std::vector<std::string> pings, ping_acks;
  size_t settings_acks = 0;
  size_t open_requests = 0, max_open_requests = 0;
  std::vector<nghttp2_frame_hd> sent;
  std::vector<nghttp2_frame_hd> received;
  std::vector<size_t> recv_data_padlen;
  bool big_frames = false;  // send DATA up to the peer's MAX_FRAME_SIZE
  std::function<ssize_t(const nghttp2_frame *, size_t)> padding;
  // Server: called once a request's headers (end_stream false) arrive and
  // once it is complete.
  std::function<void(NgPeer &, int32_t)> on_request_headers;
  std::function<void(NgPeer &, int32_t)> on_request;
  std::function<void(NgPeer &, const nghttp2_frame *)> on_frame;

  NgPeer(bool is_server, std::vector<nghttp2_settings_entry> settings,
         bool submit_settings = true)
      : server(is_server) {
    nghttp2_session_callbacks *cb = nullptr;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, BeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(cb, OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, FrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, DataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, StreamClose);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb,
                                                                 InvalidFrame);
    nghttp2_session_callbacks_set_error_callback2(cb, Error);
    nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, NotSent);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, FrameSend);
    nghttp2_session_callbacks_set_on_begin_frame_callback(cb, BeginFrame);
    nghttp2_session_callbacks_set_select_padding_callback(cb, Padding);
    nghttp2_session_callbacks_set_data_source_read_length_callback(cb,
                                                                   ReadLength);
    int rv = server ? nghttp2_session_server_new(&s, cb, this)
                    : nghttp2_session_client_new(&s, cb, this);
    EXPECT_EQ(rv, 0);
    nghttp2_session_callbacks_del(cb);
    if (submit_settings) {
      EXPECT_EQ(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, settings.data(),
                                        settings.size()),
                0);
    }
  }
  ~NgPeer() { nghttp2_session_del(s); }

  static NgPeer *Self(void *ud) { return static_cast<NgPeer *>(ud); }

  static int BeginHeaders(nghttp2_session *, const nghttp2_frame *f,
                          void *ud) {
    NgPeer *p = Self(ud);
    if (f->hd.type == NGHTTP2_PUSH_PROMISE) {
      p->st[f->push_promise.promised_stream_id].pushed_by = f->hd.stream_id;
      return 0;
    }
    p->st[f->hd.stream_id].blocks.emplace_back(f->headers.cat, Headers{});
    if (p->server && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
      p->open_requests++;
      p->max_open_requests = std::max(p->max_open_requests, p->open_requests);
    }
    return 0;
  }
  static int OnHeader(nghttp2_session *, const nghttp2_frame *f,
                      const uint8_t *name, size_t namelen,
                      const uint8_t *value, size_t valuelen, uint8_t,
                      void *ud) {
    NgPeer *p = Self(ud);
    Header h(std::string(reinterpret_cast<const char *>(name), namelen),
             std::string(reinterpret_cast<const char *>(value), valuelen));
    if (f->hd.type == NGHTTP2_PUSH_PROMISE)
      p->st[f->push_promise.promised_stream_id].push_request.push_back(h);
    else
      p->st[f->hd.stream_id].blocks.back().second.push_back(h);
    return 0;
  }
  static int FrameRecv(nghttp2_session *, const nghttp2_frame *f, void *ud) {
    NgPeer *p = Self(ud);
    int32_t sid = f->hd.stream_id;
    switch (f->hd.type) {
      case NGHTTP2_DATA:
        p->st[sid].data_frames++;
        p->recv_data_padlen.push_back(f->data.padlen);
        break;
      case NGHTTP2_HEADERS:
        if (p->server && f->headers.cat == NGHTTP2_HCAT_REQUEST &&
            !(f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
            p->on_request_headers)
          p->on_request_headers(*p, sid);
        break;
      case NGHTTP2_PING:
        (f->hd.flags & NGHTTP2_FLAG_ACK ? p->ping_acks : p->pings)
            .emplace_back(reinterpret_cast<const char *>(f->ping.opaque_data),
                          8);
        break;
      case NGHTTP2_SETTINGS:
        if (f->hd.flags & NGHTTP2_FLAG_ACK) p->settings_acks++;
        break;
      case NGHTTP2_GOAWAY:
        p->goaway_recv = true;
        p->goaway_code = f->goaway.error_code;
        p->goaway_last = f->goaway.last_stream_id;
        break;
      case NGHTTP2_RST_STREAM:
        if (!p->st[sid].rst_recv) p->st[sid].rst_code = f->rst_stream.error_code;
        p->st[sid].rst_recv = true;
        if (!p->allow_rst)
          p->errors.push_back("nghttp2 unexpected RST_STREAM on " +
                              std::to_string(sid) + " code " +
                              std::to_string(f->rst_stream.error_code));
        break;
      default:
        break;
    }
    if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      p->st[sid].end_stream_recv = true;
      if (p->server && p->on_request) p->on_request(*p, sid);
    }
    if (p->on_frame) p->on_frame(*p, f);
    return 0;
  }
  static int DataChunk(nghttp2_session *, uint8_t, int32_t sid,
                       const uint8_t *d, size_t len, void *ud) {
    Self(ud)->st[sid].body.append(reinterpret_cast<const char *>(d), len);
    return 0;
  }
  static int StreamClose(nghttp2_session *, int32_t sid, uint32_t code,
                         void *ud) {
    NgPeer *p = Self(ud);
    NgStream &s = p->st[sid];
    s.closed = true;
    s.close_code = code;
    if (p->server && (sid & 1) && p->open_requests) p->open_requests--;
    if (code != 0 && !p->allow_rst)
      p->errors.push_back("nghttp2 stream " + std::to_string(sid) +
                          " closed with code " + std::to_string(code));
    return 0;
  }
  static int InvalidFrame(nghttp2_session *, const nghttp2_frame *f,
                          int lib_error, void *ud) {
    Self(ud)->errors.push_back(
        "nghttp2 invalid frame type " + std::to_string(f->hd.type) +
        " stream " + std::to_string(f->hd.stream_id) + ": " +
        nghttp2_strerror(lib_error));
    return 0;
  }
  static int Error(nghttp2_session *, int code, const char *msg, size_t len,
                   void *ud) {
    Self(ud)->errors.push_back("nghttp2 error " + std::to_string(code) +
                               ": " + std::string(msg, len));
    return 0;
  }
  static int NotSent(nghttp2_session *, const nghttp2_frame *f, int lib_error,
                     void *ud) {
    Self(ud)->errors.push_back("nghttp2 frame type " +
                               std::to_string(f->hd.type) + " not sent: " +
                               nghttp2_strerror(lib_error));
    return 0;
  }
  static int FrameSend(nghttp2_session *, const nghttp2_frame *f, void *ud) {
    Self(ud)->sent.push_back(f->hd);
    return 0;
  }
  static int BeginFrame(nghttp2_session *, const nghttp2_frame_hd *hd,
                        void *ud) {
    Self(ud)->received.push_back(*hd);
    return 0;
  }
  static ssize_t Padding(nghttp2_session *, const nghttp2_frame *f,
                         size_t max_payloadlen, void *ud) {
    NgPeer *p = Self(ud);
    if (p->padding) return p->padding(f, max_payloadlen);
    return ssize_t(f->hd.length);
  }
  static ssize_t ReadLength(nghttp2_session *, uint8_t, int32_t,
                            int32_t conn_win, int32_t stream_win,
                            uint32_t max_frame, void *ud) {
    if (!Self(ud)->big_frames) return 16384;
    int64_t n = std::min<int64_t>({conn_win, stream_win, max_frame});
    return ssize_t(std::max<int64_t>(n, 1));
  }
  static ssize_t Read(nghttp2_session *session, int32_t sid, uint8_t *buf,
                      size_t len, uint32_t *flags,
                      nghttp2_data_source *source, void *ud) {
    NgSource *src = static_cast<NgSource *>(source->ptr);
    size_t end = std::min(src->limit, src->data.size());
    if (src->off >= end && src->off < src->data.size()) {
      src->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    // With padding on, leave room for it in the frame.
    if (Self(ud)->padding && len > 1024) len -= 300;
    size_t n = std::min(len, end - src->off);
    if (n) std::memcpy(buf, src->data.data() + src->off, n);
    src->off += n;
    if (src->off == src->data.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!src->trailers.empty()) {
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        auto nv = Nv(src->trailers);
        int rv = nghttp2_submit_trailer(session, sid, nv.data(), nv.size());
        EXPECT_EQ(rv, 0);
      }
    }
    return ssize_t(n);
  }

  std::unique_ptr<NgSource> MakeSource(const std::string &body,
                                       const Headers &trailers, size_t limit) {
    auto p = std::make_unique<NgSource>();
    p->data = body;
    p->trailers = trailers;
    p->limit = limit;
    return p;
  }

  // Client: submit a request; has_body false => END_STREAM on HEADERS.
  int32_t Request(const Headers &hs, bool has_body, const std::string &body,
                  const Headers &trailers = {}, size_t limit = SIZE_MAX) {
    auto nv = Nv(hs);
    auto source = MakeSource(body, trailers, limit);
    nghttp2_data_provider prd;
    prd.source.ptr = source.get();
    prd.read_callback = Read;
    int32_t sid = nghttp2_submit_request(s, nullptr, nv.data(), nv.size(),
                                         has_body ? &prd : nullptr, nullptr);
    EXPECT_GT(sid, 0) << nghttp2_strerror(sid);
    if (sid > 0 && has_body) src[sid] = std::move(source);
    return sid;
  }
  void Respond(int32_t sid, const Headers &hs, bool has_body,
               const std::string &body, const Headers &trailers = {},
               size_t limit = SIZE_MAX) {
    auto nv = Nv(hs);
    auto source = MakeSource(body, trailers, limit);
    nghttp2_data_provider prd;
    prd.source.ptr = source.get();
    prd.read_callback = Read;
    int rv = nghttp2_submit_response(s, sid, nv.data(), nv.size(),
                                     has_body ? &prd : nullptr);
    EXPECT_EQ(rv, 0) << nghttp2_strerror(rv);
    if (has_body) src[sid] = std::move(source);
  }
  void Resume(int32_t sid, size_t new_limit = SIZE_MAX) {
    NgSource *p = src.at(sid).get();
    p->limit = new_limit;
    if (p->deferred) {
      p->deferred = false;
      EXPECT_EQ(nghttp2_session_resume_data(s, sid), 0);
    }
  }

  void Feed(const uint8_t *p, size_t n) {
    ssize_t rv = nghttp2_session_mem_recv(s, p, n);
    if (rv < 0)
      errors.push_back(std::string("nghttp2_session_mem_recv: ") +
                       nghttp2_strerror(int(rv)));
    else if (size_t(rv) != n)
      errors.push_back("nghttp2_session_mem_recv consumed " +
                       std::to_string(rv) + " of " + std::to_string(n));
  }
  std::string TakeOutput() {
    std::string out;
    for (;;) {
      const uint8_t *p = nullptr;
      ssize_t n = nghttp2_session_mem_send(s, &p);
      if (n < 0) {
        errors.push_back(std::string("nghttp2_session_mem_send: ") +
                         nghttp2_strerror(int(n)));
        break;
      }
      if (n == 0) break;
      out.append(reinterpret_cast<const char *>(p), size_t(n));
    }
    return out;
  }
  // The last header block of a category on a stream.
  const Headers &Block(int32_t sid, size_t i) {
    static const Headers empty;
    auto &b = st[sid].blocks;
    return i < b.size() ? b[i].second : empty;
  }
};

std::vector<nghttp2_settings_entry> NgDefaults() {
  return {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
}

// ------------------------------------------------------------- fixture --

class Interop : public ::testing::TestWithParam<Slicing> {
 protected:
  std::unique_ptr<H2Peer> h;
  std::unique_ptr<NgPeer> n;
  FrameLog to_ng, to_h2;  // wire frames in each direction
  std::mt19937 rng{12345};
  std::function<void()> step;  // called each pump round
  // Feed nghttp2 whole chunks even in the sliced modes: Debian's nghttp2
  // 1.52 (CVE-2024-28182 backport) rejects a HEADERS + one CONTINUATION
  // with "Too many CONTINUATION frames" when given one byte per
  // nghttp2_session_mem_recv() call. libh2 is still fed sliced.
  bool ng_whole = false;

  void H2Client(const std::function<void(h2_config *)> &cfg = {},
                std::vector<nghttp2_settings_entry> ng = NgDefaults(),
                bool initiate = true) {
    h = std::make_unique<H2Peer>(H2_SIDE_CLIENT, cfg);
    n = std::make_unique<NgPeer>(true, ng);
    to_ng.skip = 24;
    if (initiate) {
      EXPECT_EQ(h2_conn_initiate(h->c), 0);
    }
  }
  void H2Server(const std::function<void(h2_config *)> &cfg = {},
                std::vector<nghttp2_settings_entry> ng = NgDefaults(),
                bool initiate = true, bool ng_settings = true) {
    h = std::make_unique<H2Peer>(H2_SIDE_SERVER, cfg);
    n = std::make_unique<NgPeer>(false, ng, ng_settings);
    to_h2.skip = 24;
    if (initiate) {
      EXPECT_EQ(h2_conn_initiate(h->c), 0);
    }
  }

  template <typename F>
  void Deliver(const std::string &bytes, F feed) {
    const uint8_t *p = U8(bytes);
    size_t left = bytes.size();
    while (left) {
      size_t k = left;
      if (GetParam() == Slicing::kOneByte)
        k = 1;
      else if (GetParam() == Slicing::kRandom)
        k = std::min<size_t>(left, 1 + rng() % 3000);
      feed(p, k);
      p += k;
      left -= k;
    }
  }

  void Pump() {
    for (int round = 0; round < 100000; ++round) {
      if (step) step();
      bool moved = false;
      std::string a = h->TakeOutput();
      if (!a.empty()) {
        moved = true;
        to_ng.Add(a);
        if (ng_whole)
          n->Feed(U8(a), a.size());
        else
          Deliver(a, [&](const uint8_t *p, size_t k) { n->Feed(p, k); });
      }
      std::string b = n->TakeOutput();
      if (!b.empty()) {
        moved = true;
        to_h2.Add(b);
        Deliver(b, [&](const uint8_t *p, size_t k) { h->Receive(p, k); });
      }
      if (!moved) {
        h->Drain();
        if (h2_conn_pending_data(h->c) == 0 &&
            !nghttp2_session_want_write(n->s))
          return;
      }
    }
    ADD_FAILURE() << "pump did not settle";
  }

  void TearDown() override {
    if (!h || !n) return;
    for (const auto &e : h->errors) ADD_FAILURE() << e;
    for (const auto &e : n->errors) ADD_FAILURE() << e;
  }
};

// Server behaviour of nghttp2: echo the request body (status 200), or for
// GET answer "hello <path>".
void NgEchoServer(NgPeer &n) {
  n.on_request = [](NgPeer &p, int32_t sid) {
    const Headers &req = p.Block(sid, 0);
    std::string method = Get(req, ":method");
    if (method == "GET")
      p.Respond(sid, {{":status", "200"}, {"x-path", Get(req, ":path")}},
                true, "hello " + Get(req, ":path"));
    else
      p.Respond(sid, {{":status", "200"}}, true, p.st[sid].body);
  };
}

// Server behaviour of libh2: the same.
void H2EchoServer(H2Peer &h) {
  h.on_event = [](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    H2Stream &s = p.st[ev.sid];
    if (Get(s.head, ":method") == "GET")
      p.Respond(ev.sid, {{":status", "200"}, {"x-path", Get(s.head, ":path")}},
                "hello " + Get(s.head, ":path"));
    else
      p.Respond(ev.sid, {{":status", "200"}}, s.body);
  };
}

// ----------------------------------------------------------------- GET --

TEST_P(Interop, H2ClientNgServer_Get) {
  H2Client();
  NgEchoServer(*n);
  uint32_t sid = h->Request(Req("GET", "/index.html"), "");
  Pump();
  H2Stream &s = h->st[sid];
  EXPECT_TRUE(s.have_head);
  EXPECT_EQ(Get(s.head, ":status"), "200");
  EXPECT_EQ(Get(s.head, "x-path"), "/index.html");
  EXPECT_EQ(s.body, "hello /index.html");
  EXPECT_TRUE(s.ended);
  EXPECT_EQ(Get(n->Block(int32_t(sid), 0), ":authority"), "example.org");
}

TEST_P(Interop, NgClientH2Server_Get) {
  H2Server();
  H2EchoServer(*h);
  int32_t sid = n->Request(Req("GET", "/index.html"), false, "");
  Pump();
  NgStream &s = n->st[sid];
  EXPECT_EQ(Get(n->Block(sid, 0), ":status"), "200");
  EXPECT_EQ(Get(n->Block(sid, 0), "x-path"), "/index.html");
  EXPECT_EQ(s.body, "hello /index.html");
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.close_code, 0u);
  EXPECT_EQ(Get(h->st[uint32_t(sid)].head, ":authority"), "example.org");
}

// ------------------------------------------------------- 1 MiB echo --

TEST_P(Interop, H2ClientNgServer_PostEcho1MiB) {
  H2Client();
  NgEchoServer(*n);
  std::string body = Body(1 << 20, 1);
  uint32_t sid = h->Request(Req("POST", "/echo"), body);
  Pump();
  EXPECT_EQ(n->st[int32_t(sid)].body.size(), body.size());
  EXPECT_TRUE(n->st[int32_t(sid)].body == body);
  H2Stream &s = h->st[sid];
  EXPECT_EQ(Get(s.head, ":status"), "200");
  EXPECT_EQ(s.body.size(), body.size());
  EXPECT_TRUE(s.body == body);
  EXPECT_TRUE(s.ended);
}

TEST_P(Interop, NgClientH2Server_PostEcho1MiB) {
  H2Server();
  H2EchoServer(*h);
  std::string body = Body(1 << 20, 2);
  int32_t sid = n->Request(Req("POST", "/echo"), true, body);
  Pump();
  EXPECT_TRUE(h->st[uint32_t(sid)].body == body);
  NgStream &s = n->st[sid];
  EXPECT_EQ(Get(n->Block(sid, 0), ":status"), "200");
  EXPECT_EQ(s.body.size(), body.size());
  EXPECT_TRUE(s.body == body);
  EXPECT_TRUE(s.closed);
}

// ------------------------------------------------- 200 concurrent streams --

TEST_P(Interop, H2ClientNgServer_200Streams) {
  H2Client();
  NgEchoServer(*n);
  for (int i = 0; i < 200; ++i)
    h->pending.emplace_back(Req("GET", "/r" + std::to_string(i)), "");
  h->Flush();
  Pump();
  ASSERT_EQ(h->request_order.size(), 200u);
  for (size_t i = 0; i < 200; ++i) {
    uint32_t sid = h->request_order[i];
    H2Stream &s = h->st[sid];
    EXPECT_EQ(Get(s.head, ":status"), "200") << sid;
    EXPECT_EQ(s.body, "hello /r" + std::to_string(i)) << sid;
    EXPECT_TRUE(s.ended) << sid;
    EXPECT_FALSE(s.reset) << sid;
  }
  EXPECT_LE(n->max_open_requests, 100u);
  EXPECT_EQ(h2_conn_open_outbound_streams(h->c), 0u);
}

TEST_P(Interop, NgClientH2Server_200Streams) {
  H2Server();
  H2EchoServer(*h);
  std::vector<int32_t> sids;
  for (int i = 0; i < 200; ++i)
    sids.push_back(
        n->Request(Req("GET", "/r" + std::to_string(i)), false, ""));
  Pump();
  for (size_t i = 0; i < sids.size(); ++i) {
    NgStream &s = n->st[sids[i]];
    EXPECT_EQ(Get(n->Block(sids[i], 0), ":status"), "200") << sids[i];
    EXPECT_EQ(s.body, "hello /r" + std::to_string(i));
    EXPECT_TRUE(s.closed);
    EXPECT_EQ(s.close_code, 0u) << "stream " << sids[i];
  }
  EXPECT_LE(h->max_open_inbound, 100u);
  EXPECT_EQ(h2_conn_open_inbound_streams(h->c), 0u);
}

// ------------------------------------------------------------ trailers --

TEST_P(Interop, H2ClientNgServer_Trailers) {
  H2Client();
  n->on_request = [](NgPeer &p, int32_t sid) {
    p.Respond(sid, Resp("200"), true, "resp-" + p.st[sid].body,
              {{"x-resp-trailer", "r1"}, {"grpc-status", "0"}});
  };
  uint32_t sid = h->Request(Req("POST", "/t"), "request body",
                            {{"x-req-trailer", "q1"}});
  Pump();
  NgStream &ns = n->st[int32_t(sid)];
  ASSERT_EQ(ns.blocks.size(), 2u);
  EXPECT_EQ(ns.blocks[1].first, NGHTTP2_HCAT_HEADERS);
  EXPECT_EQ(Get(ns.blocks[1].second, "x-req-trailer"), "q1");
  EXPECT_EQ(ns.body, "request body");
  H2Stream &s = h->st[sid];
  EXPECT_EQ(s.body, "resp-request body");
  EXPECT_TRUE(s.have_trailers);
  EXPECT_EQ(Get(s.trailers, "x-resp-trailer"), "r1");
  EXPECT_EQ(Get(s.trailers, "grpc-status"), "0");
  EXPECT_TRUE(s.ended);
}

TEST_P(Interop, NgClientH2Server_Trailers) {
  H2Server();
  h->on_event = [](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    p.Respond(ev.sid, Resp("200"), "resp-" + p.st[ev.sid].body,
              {{"x-resp-trailer", "r1"}, {"grpc-status", "0"}});
  };
  int32_t sid = n->Request(Req("POST", "/t"), true, "request body",
                           {{"x-req-trailer", "q1"}});
  Pump();
  H2Stream &hs = h->st[uint32_t(sid)];
  EXPECT_TRUE(hs.have_trailers);
  EXPECT_EQ(Get(hs.trailers, "x-req-trailer"), "q1");
  EXPECT_EQ(hs.body, "request body");
  NgStream &s = n->st[sid];
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(Get(s.blocks[0].second, ":status"), "200");
  EXPECT_EQ(s.blocks[1].first, NGHTTP2_HCAT_HEADERS);
  EXPECT_EQ(Get(s.blocks[1].second, "x-resp-trailer"), "r1");
  EXPECT_EQ(Get(s.blocks[1].second, "grpc-status"), "0");
  EXPECT_EQ(s.body, "resp-request body");
  EXPECT_TRUE(s.closed);
}

// -------------------------------------------------------- 100-continue --

TEST_P(Interop, H2ClientNgServer_Continue100) {
  H2Client();
  n->on_request_headers = [](NgPeer &p, int32_t sid) {
    if (Get(p.Block(sid, 0), "expect") != "100-continue") return;
    Headers h100 = Resp("100");
    auto nv = Nv(h100);
    EXPECT_EQ(nghttp2_submit_headers(p.s, NGHTTP2_FLAG_NONE, sid, nullptr,
                                     nv.data(), nv.size(), nullptr),
              0);
  };
  NgEchoServer(*n);
  std::string body = Body(100000, 3);
  Headers req = Req("POST", "/c");
  req.emplace_back("expect", "100-continue");
  // The body is sent only after the 100 arrives.
  uint32_t sid = h->Request(req, body);
  h->out[sid].limit = 0;
  h->on_event = [sid](H2Peer &p, const Ev &ev) {
    if (ev.type == H2_EV_INFORMATIONAL_RESPONSE_RECEIVED && ev.sid == sid)
      p.out[sid].limit = SIZE_MAX;
  };
  Pump();
  H2Stream &s = h->st[sid];
  ASSERT_EQ(s.info.size(), 1u);
  EXPECT_EQ(Get(s.info[0], ":status"), "100");
  EXPECT_EQ(Get(s.head, ":status"), "200");
  EXPECT_TRUE(s.body == body);
  EXPECT_TRUE(s.ended);
}

TEST_P(Interop, NgClientH2Server_Continue100) {
  H2Server();
  H2EchoServer(*h);
  auto echo = h->on_event;
  h->on_event = [echo](H2Peer &p, const Ev &ev) {
    if (ev.type == H2_EV_REQUEST_RECEIVED &&
        Get(ev.headers, "expect") == "100-continue")
      p.SendHeaders(ev.sid, Resp("100"), 0);
    echo(p, ev);
  };
  std::string body = Body(100000, 4);
  Headers req = Req("POST", "/c");
  req.emplace_back("expect", "100-continue");
  int32_t sid = n->Request(req, true, body, {}, 0);  // deferred
  n->on_frame = [sid](NgPeer &p, const nghttp2_frame *f) {
    if (f->hd.type == NGHTTP2_HEADERS && f->hd.stream_id == sid &&
        Get(p.Block(sid, 0), ":status") == "100" && p.src.count(sid) &&
        p.src[sid]->limit == 0)
      p.Resume(sid);
  };
  Pump();
  NgStream &s = n->st[sid];
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(Get(s.blocks[0].second, ":status"), "100");
  EXPECT_EQ(Get(s.blocks[1].second, ":status"), "200");
  EXPECT_TRUE(s.body == body);
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.close_code, 0u);
}

// ---------------------------------------------------------- server push --

TEST_P(Interop, H2ClientNgServer_Push) {
  H2Client();
  n->on_request = [](NgPeer &p, int32_t sid) {
    Headers preq = Req("GET", "/style.css");
    auto nv = Nv(preq);
    int32_t pid = nghttp2_submit_push_promise(p.s, NGHTTP2_FLAG_NONE, sid,
                                              nv.data(), nv.size(), nullptr);
    EXPECT_GT(pid, 0) << nghttp2_strerror(pid);
    p.Respond(pid, {{":status", "200"}, {"content-type", "text/css"}}, true,
              "body{}");
    p.Respond(sid, Resp("200"), true, "<html>");
  };
  uint32_t sid = h->Request(Req("GET", "/"), "");
  Pump();
  EXPECT_EQ(h->st[sid].body, "<html>");
  ASSERT_EQ(h->CountEvents(H2_EV_PUSHED_STREAM_RECEIVED), 1u);
  uint32_t pid = 0;
  for (const auto &e : h->events)
    if (e.type == H2_EV_PUSHED_STREAM_RECEIVED) pid = e.sid;
  EXPECT_EQ(pid % 2, 0u);
  H2Stream &ps = h->st[pid];
  EXPECT_EQ(ps.pushed_by, sid);
  EXPECT_EQ(Get(ps.push_request, ":path"), "/style.css");
  EXPECT_EQ(Get(ps.head, ":status"), "200");
  EXPECT_EQ(Get(ps.head, "content-type"), "text/css");
  EXPECT_EQ(ps.body, "body{}");
  EXPECT_TRUE(ps.ended);
}

TEST_P(Interop, NgClientH2Server_Push) {
  H2Server({}, {{NGHTTP2_SETTINGS_ENABLE_PUSH, 1},
                {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}});
  h->on_event = [](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    uint32_t pid = 0;
    ASSERT_EQ(h2_conn_get_next_available_stream_id(p.c, &pid), 0);
    Headers preq = Req("GET", "/style.css");
    std::vector<h2_header> v;
    for (const auto &x : preq)
      v.push_back({U8(x.first), x.first.size(), U8(x.second), x.second.size(),
                   0});
    int rv = h2_conn_push_stream(p.c, ev.sid, pid, v.data(), v.size());
    if (rv != 0) p.Err("push_stream", rv);
    p.Respond(pid, {{":status", "200"}, {"content-type", "text/css"}},
              "body{}");
    p.Respond(ev.sid, Resp("200"), "<html>");
  };
  int32_t sid = n->Request(Req("GET", "/"), false, "");
  Pump();
  EXPECT_EQ(n->st[sid].body, "<html>");
  int32_t pid = 0;
  for (auto &kv : n->st)
    if (kv.second.pushed_by) pid = kv.first;
  ASSERT_EQ(pid, 2);
  NgStream &ps = n->st[pid];
  EXPECT_EQ(ps.pushed_by, sid);
  EXPECT_EQ(Get(ps.push_request, ":path"), "/style.css");
  EXPECT_EQ(Get(n->Block(pid, 0), ":status"), "200");
  EXPECT_EQ(Get(n->Block(pid, 0), "content-type"), "text/css");
  EXPECT_EQ(ps.body, "body{}");
  EXPECT_TRUE(ps.closed);
  EXPECT_EQ(ps.close_code, 0u);
}

// ----------------------------------------------------- RST_STREAM mid-body --

// libh2 client cancels a 1 MiB download; then a second 1 MiB download on
// the same connection must complete (connection window credit for the
// discarded DATA must come back).
TEST_P(Interop, H2ClientNgServer_ClientResetsMidBody) {
  H2Client();
  n->allow_rst = true;
  std::string big = Body(1 << 20, 5);
  n->on_request = [&big](NgPeer &p, int32_t sid) {
    p.Respond(sid, Resp("200"), true, big);
  };
  uint32_t sid = h->Request(Req("GET", "/big"), "");
  bool reset = false;
  h->on_event = [&](H2Peer &p, const Ev &ev) {
    if (ev.type == H2_EV_DATA_RECEIVED && ev.sid == sid && !reset &&
        p.st[sid].body.size() >= 30000) {
      reset = true;
      int rv = h2_conn_reset_stream(p.c, sid, H2_CANCEL);
      if (rv != 0) p.Err("reset_stream", rv);
    }
  };
  Pump();
  ASSERT_TRUE(reset);
  EXPECT_TRUE(n->st[int32_t(sid)].rst_recv);
  EXPECT_EQ(n->st[int32_t(sid)].rst_code, H2_CANCEL);
  EXPECT_EQ(n->st[int32_t(sid)].close_code, H2_CANCEL);
  // RFC 9113 §5.1: DATA still in flight after the RST_STREAM is to be
  // discarded, not answered with more RST_STREAM frames.
  size_t rsts = 0;
  for (const auto &f : to_ng.frames) rsts += f.type == 3 && f.sid == sid;
  EXPECT_EQ(rsts, 1u) << "libh2 answered late DATA with RST_STREAM";
  const std::string &got = h->st[sid].body;
  EXPECT_TRUE(got == big.substr(0, got.size()));
  uint32_t sid2 = h->Request(Req("GET", "/big2"), "");
  Pump();
  EXPECT_EQ(h->st[sid2].body.size(), big.size());
  EXPECT_TRUE(h->st[sid2].body == big);
  EXPECT_TRUE(h->st[sid2].ended);
}

TEST_P(Interop, H2ClientNgServer_ServerResetsMidBody) {
  H2Client();
  h->allow_resets = true;
  std::string big = Body(200000, 6);
  NgEchoServer(*n);
  n->on_request = [&big](NgPeer &p, int32_t sid) {
    if (Get(p.Block(sid, 0), ":path") == "/big")
      p.Respond(sid, Resp("200"), true, big, {}, 30000);
    else
      p.Respond(sid, Resp("200"), true, "after");
  };
  uint32_t sid = h->Request(Req("GET", "/big"), "");
  Pump();
  EXPECT_EQ(h->st[sid].body, big.substr(0, 30000));
  n->allow_rst = true;
  EXPECT_EQ(nghttp2_submit_rst_stream(n->s, NGHTTP2_FLAG_NONE, int32_t(sid),
                                      NGHTTP2_INTERNAL_ERROR),
            0);
  Pump();
  H2Stream &s = h->st[sid];
  EXPECT_TRUE(s.reset);
  EXPECT_EQ(s.reset_code, H2_INTERNAL_ERROR);
  EXPECT_EQ(s.remote_reset, 1);
  EXPECT_FALSE(s.ended);
  uint32_t sid2 = h->Request(Req("GET", "/next"), "");
  Pump();
  EXPECT_EQ(h->st[sid2].body, "after");
}

TEST_P(Interop, NgClientH2Server_ClientResetsMidBody) {
  H2Server();
  h->allow_resets = true;
  n->allow_rst = true;
  std::string big = Body(1 << 20, 7);
  h->on_event = [&big](H2Peer &p, const Ev &ev) {
    if (ev.type == H2_EV_STREAM_ENDED) p.Respond(ev.sid, Resp("200"), big);
  };
  int32_t sid = n->Request(Req("GET", "/big"), false, "");
  bool reset = false;
  step = [&] {
    if (!reset && n->st[sid].body.size() >= 30000) {
      reset = true;
      EXPECT_EQ(nghttp2_submit_rst_stream(n->s, NGHTTP2_FLAG_NONE, sid,
                                          NGHTTP2_CANCEL),
                0);
    }
  };
  Pump();
  ASSERT_TRUE(reset);
  H2Stream &hs = h->st[uint32_t(sid)];
  EXPECT_TRUE(hs.reset);
  EXPECT_EQ(hs.reset_code, H2_CANCEL);
  EXPECT_EQ(hs.remote_reset, 1);
  const std::string &got = n->st[sid].body;
  EXPECT_TRUE(got == big.substr(0, got.size()));
  step = nullptr;
  h->allow_resets = false;
  n->allow_rst = false;
  int32_t sid2 = n->Request(Req("GET", "/big2"), false, "");
  Pump();
  EXPECT_TRUE(n->st[sid2].body == big);
  EXPECT_EQ(n->st[sid2].close_code, 0u);
}

TEST_P(Interop, NgClientH2Server_ServerResetsMidBody) {
  H2Server();
  n->allow_rst = true;
  std::string big = Body(200000, 8);
  h->on_event = [&big](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    if (Get(p.st[ev.sid].head, ":path") == "/big") {
      p.Respond(ev.sid, Resp("200"), big);
      p.out[ev.sid].limit = 30000;
    } else {
      p.Respond(ev.sid, Resp("200"), "after");
    }
  };
  int32_t sid = n->Request(Req("GET", "/big"), false, "");
  Pump();
  EXPECT_EQ(n->st[sid].body, big.substr(0, 30000));
  EXPECT_EQ(h2_conn_reset_stream(h->c, uint32_t(sid), H2_INTERNAL_ERROR), 0);
  Pump();
  NgStream &s = n->st[sid];
  EXPECT_TRUE(s.rst_recv);
  EXPECT_EQ(s.rst_code, H2_INTERNAL_ERROR);
  EXPECT_TRUE(s.closed);
  EXPECT_EQ(s.close_code, H2_INTERNAL_ERROR);
  n->allow_rst = false;
  int32_t sid2 = n->Request(Req("GET", "/next"), false, "");
  Pump();
  EXPECT_EQ(n->st[sid2].body, "after");
}

// ---------------------------------------------------------------- PING --

void PingBothWays(H2Peer &h, NgPeer &n, const std::function<void()> &pump) {
  const uint8_t mine[8] = {'l', 'i', 'b', 'h', '2', 0, 1, 0xff};
  const uint8_t theirs[8] = {'n', 'g', 'h', 't', 't', 'p', 0xfe, 2};
  EXPECT_EQ(h2_conn_ping(h.c, mine), 0);
  EXPECT_EQ(nghttp2_submit_ping(n.s, NGHTTP2_FLAG_NONE, theirs), 0);
  pump();
  std::string m(reinterpret_cast<const char *>(mine), 8);
  std::string t(reinterpret_cast<const char *>(theirs), 8);
  ASSERT_EQ(h.CountEvents(H2_EV_PING_ACK_RECEIVED), 1u);
  ASSERT_EQ(h.CountEvents(H2_EV_PING_RECEIVED), 1u);
  for (const auto &e : h.events) {
    if (e.type == H2_EV_PING_ACK_RECEIVED) {
      EXPECT_EQ(e.ping, m);
    }
    if (e.type == H2_EV_PING_RECEIVED) {
      EXPECT_EQ(e.ping, t);
    }
  }
  ASSERT_EQ(n.pings.size(), 1u);
  EXPECT_EQ(n.pings[0], m);
  ASSERT_EQ(n.ping_acks.size(), 1u);
  EXPECT_EQ(n.ping_acks[0], t);
}

TEST_P(Interop, H2ClientNgServer_Ping) {
  H2Client();
  PingBothWays(*h, *n, [this] { Pump(); });
}
TEST_P(Interop, NgClientH2Server_Ping) {
  H2Server();
  PingBothWays(*h, *n, [this] { Pump(); });
}

// ----------------------------------------------- INITIAL_WINDOW_SIZE changes --

// A 1 MiB echo during which each receiver lowers its INITIAL_WINDOW_SIZE
// (the sender's stream windows may go negative, RFC 9113 §6.9.2) and later
// raises it well above the default.
TEST_P(Interop, H2ClientNgServer_InitialWindowSizeChanges) {
  H2Client();
  NgEchoServer(*n);
  std::string body = Body(1 << 20, 9);
  uint32_t sid = h->Request(Req("POST", "/echo"), body);
  int sh = 0, sn = 0;
  step = [&] {
    size_t hr = h->st[sid].body.size(), nr = n->st[int32_t(sid)].body.size();
    if (sh == 0 && hr >= 100000) {
      h2_settings_entry e{H2_SETTING_INITIAL_WINDOW_SIZE, 16384};
      EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
      sh = 1;
    } else if (sh == 1 && hr >= 400000) {
      h2_settings_entry e{H2_SETTING_INITIAL_WINDOW_SIZE, 1 << 20};
      EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
      sh = 2;
    }
    if (sn == 0 && nr >= 100000) {
      nghttp2_settings_entry e{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 16384};
      EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &e, 1), 0);
      sn = 1;
    } else if (sn == 1 && nr >= 400000) {
      nghttp2_settings_entry e{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20};
      EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &e, 1), 0);
      sn = 2;
    }
  };
  Pump();
  EXPECT_EQ(sh, 2);
  EXPECT_EQ(sn, 2);
  EXPECT_TRUE(n->st[int32_t(sid)].body == body);
  EXPECT_TRUE(h->st[sid].body == body);
  EXPECT_TRUE(h->st[sid].ended);
  uint32_t v = 0;
  EXPECT_EQ(h2_conn_remote_setting(h->c, H2_SETTING_INITIAL_WINDOW_SIZE, &v),
            0);
  EXPECT_EQ(v, 1u << 20);
  EXPECT_EQ(h2_conn_local_setting(h->c, H2_SETTING_INITIAL_WINDOW_SIZE, &v),
            0);
  EXPECT_EQ(v, 1u << 20);
}

TEST_P(Interop, NgClientH2Server_InitialWindowSizeChanges) {
  H2Server();
  H2EchoServer(*h);
  std::string body = Body(1 << 20, 10);
  int32_t sid = n->Request(Req("POST", "/echo"), true, body);
  int sh = 0, sn = 0;
  step = [&] {
    size_t hr = h->st[uint32_t(sid)].body.size(), nr = n->st[sid].body.size();
    if (sh == 0 && hr >= 100000) {
      h2_settings_entry e{H2_SETTING_INITIAL_WINDOW_SIZE, 16384};
      EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
      sh = 1;
    } else if (sh == 1 && hr >= 400000) {
      h2_settings_entry e{H2_SETTING_INITIAL_WINDOW_SIZE, 1 << 20};
      EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
      sh = 2;
    }
    if (sn == 0 && nr >= 100000) {
      nghttp2_settings_entry e{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 16384};
      EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &e, 1), 0);
      sn = 1;
    } else if (sn == 1 && nr >= 400000) {
      nghttp2_settings_entry e{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20};
      EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &e, 1), 0);
      sn = 2;
    }
  };
  Pump();
  EXPECT_EQ(sh, 2);
  EXPECT_EQ(sn, 2);
  EXPECT_TRUE(h->st[uint32_t(sid)].body == body);
  EXPECT_TRUE(n->st[sid].body == body);
  EXPECT_EQ(n->st[sid].close_code, 0u);
}

// ------------------------------------------------- HEADER_TABLE_SIZE 0, up --

// Both sides first advertise HEADER_TABLE_SIZE 0, exchange requests with
// repeated fields, then raise it (8192 / 65536) and exchange more: each
// encoder must emit the size updates RFC 7541 §4.2 requires.
TEST_P(Interop, H2ClientNgServer_HeaderTableSize) {
  H2Client(
      [](h2_config *c) {
        EXPECT_EQ(h2_config_set_setting(c, H2_SETTING_HEADER_TABLE_SIZE, 0),
                  0);
      },
      {{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0},
       {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}});
  n->on_request = [](NgPeer &p, int32_t sid) {
    p.Respond(sid,
              {{":status", "200"},
               {"x-resp", "value-" + Get(p.Block(sid, 0), "x-req")},
               {"cache-control", "no-cache"}},
              true, "ok" + std::to_string(sid));
  };
  std::vector<uint32_t> sids;
  auto round = [&](int k) {
    for (int i = 0; i < 3; ++i) {
      Headers r = Req("GET", "/h");
      r.emplace_back("x-req", "abc" + std::to_string(k));
      r.emplace_back("user-agent", "libh2-interop");
      sids.push_back(h->Request(r, ""));
      Pump();
    }
  };
  round(0);
  h2_settings_entry e{H2_SETTING_HEADER_TABLE_SIZE, 65536};
  EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
  nghttp2_settings_entry ne{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 8192};
  EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &ne, 1), 0);
  Pump();
  round(1);
  for (size_t i = 0; i < sids.size(); ++i) {
    uint32_t sid = sids[i];
    int k = i < 3 ? 0 : 1;
    EXPECT_EQ(Get(n->Block(int32_t(sid), 0), "x-req"),
              "abc" + std::to_string(k));
    EXPECT_EQ(Get(n->Block(int32_t(sid), 0), "user-agent"), "libh2-interop");
    EXPECT_EQ(Get(h->st[sid].head, "x-resp"), "value-abc" + std::to_string(k));
    EXPECT_EQ(Get(h->st[sid].head, "cache-control"), "no-cache");
    EXPECT_EQ(h->st[sid].body, "ok" + std::to_string(sid));
  }
  uint32_t v = 1;
  EXPECT_EQ(h2_conn_local_setting(h->c, H2_SETTING_HEADER_TABLE_SIZE, &v), 0);
  EXPECT_EQ(v, 65536u);
  EXPECT_EQ(h2_conn_remote_setting(h->c, H2_SETTING_HEADER_TABLE_SIZE, &v),
            0);
  EXPECT_EQ(v, 8192u);
}

TEST_P(Interop, NgClientH2Server_HeaderTableSize) {
  H2Server(
      [](h2_config *c) {
        EXPECT_EQ(h2_config_set_setting(c, H2_SETTING_HEADER_TABLE_SIZE, 0),
                  0);
      },
      {{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0},
       {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}});
  h->on_event = [](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    p.Respond(ev.sid,
              {{":status", "200"},
               {"x-resp", "value-" + Get(p.st[ev.sid].head, "x-req")},
               {"cache-control", "no-cache"}},
              "ok" + std::to_string(ev.sid));
  };
  std::vector<int32_t> sids;
  auto round = [&](int k) {
    for (int i = 0; i < 3; ++i) {
      Headers r = Req("GET", "/h");
      r.emplace_back("x-req", "abc" + std::to_string(k));
      r.emplace_back("user-agent", "nghttp2-interop");
      sids.push_back(n->Request(r, false, ""));
      Pump();
    }
  };
  round(0);
  h2_settings_entry e{H2_SETTING_HEADER_TABLE_SIZE, 65536};
  EXPECT_EQ(h2_conn_update_settings(h->c, &e, 1), 0);
  nghttp2_settings_entry ne{NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 8192};
  EXPECT_EQ(nghttp2_submit_settings(n->s, NGHTTP2_FLAG_NONE, &ne, 1), 0);
  Pump();
  round(1);
  for (size_t i = 0; i < sids.size(); ++i) {
    int32_t sid = sids[i];
    int k = i < 3 ? 0 : 1;
    EXPECT_EQ(Get(h->st[uint32_t(sid)].head, "x-req"),
              "abc" + std::to_string(k));
    EXPECT_EQ(Get(n->Block(sid, 0), "x-resp"), "value-abc" + std::to_string(k));
    EXPECT_EQ(Get(n->Block(sid, 0), "cache-control"), "no-cache");
    EXPECT_EQ(n->st[sid].body, "ok" + std::to_string(sid));
  }
}

// ------------------------------------------------ MAX_FRAME_SIZE 32768 --

TEST_P(Interop, H2ClientNgServer_MaxFrameSize32768) {
  H2Client(
      [](h2_config *c) {
        EXPECT_EQ(h2_config_set_setting(c, H2_SETTING_MAX_FRAME_SIZE, 32768),
                  0);
      },
      {{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 32768},
       {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}});
  n->big_frames = true;
  NgEchoServer(*n);
  std::string body = Body(1 << 20, 11);
  uint32_t sid = h->Request(Req("POST", "/echo"), body);
  Pump();
  EXPECT_TRUE(n->st[int32_t(sid)].body == body);
  EXPECT_TRUE(h->st[sid].body == body);
  EXPECT_EQ(to_ng.MaxLen(0), 32768u);
  EXPECT_EQ(to_h2.MaxLen(0), 32768u);
  EXPECT_EQ(h2_conn_max_inbound_frame_size(h->c), 32768u);
  EXPECT_EQ(h2_conn_max_outbound_frame_size(h->c), 32768u);
}

TEST_P(Interop, NgClientH2Server_MaxFrameSize32768) {
  H2Server(
      [](h2_config *c) {
        EXPECT_EQ(h2_config_set_setting(c, H2_SETTING_MAX_FRAME_SIZE, 32768),
                  0);
      },
      {{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 32768},
       {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}});
  n->big_frames = true;
  H2EchoServer(*h);
  std::string body = Body(1 << 20, 12);
  int32_t sid = n->Request(Req("POST", "/echo"), true, body);
  Pump();
  EXPECT_TRUE(h->st[uint32_t(sid)].body == body);
  EXPECT_TRUE(n->st[sid].body == body);
  EXPECT_EQ(to_ng.MaxLen(0), 32768u);
  EXPECT_EQ(to_h2.MaxLen(0), 32768u);
}

// ------------------------------------------------------ graceful GOAWAY --

// The server receives three requests, sends GOAWAY(NO_ERROR) naming the
// last of them, then answers all three: they must complete (RFC 9113 §6.8).
TEST_P(Interop, H2ClientNgServer_GracefulGoaway) {
  H2Client();
  h->allow_goaway = true;
  std::vector<int32_t> got;
  n->on_request = [&got](NgPeer &p, int32_t sid) {
    got.push_back(sid);
    if (got.size() < 3) return;
    EXPECT_EQ(nghttp2_submit_goaway(p.s, NGHTTP2_FLAG_NONE, got.back(),
                                    NGHTTP2_NO_ERROR, nullptr, 0),
              0);
    for (int32_t s : got)
      p.Respond(s, Resp("200"), true, "bye" + std::to_string(s));
  };
  std::vector<uint32_t> sids;
  for (int i = 0; i < 3; ++i) sids.push_back(h->Request(Req("GET", "/g"), ""));
  Pump();
  EXPECT_TRUE(h->terminated);
  EXPECT_EQ(h->goaway_code, 0u);
  EXPECT_EQ(h->goaway_last, sids.back());
  for (uint32_t sid : sids) {
    EXPECT_EQ(Get(h->st[sid].head, ":status"), "200") << sid;
    EXPECT_EQ(h->st[sid].body, "bye" + std::to_string(sid));
    EXPECT_TRUE(h->st[sid].ended) << sid;
  }
}

TEST_P(Interop, NgClientH2Server_GracefulGoaway) {
  H2Server();
  std::vector<uint32_t> got;
  h->on_event = [&got](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    got.push_back(ev.sid);
    if (got.size() < 3) return;
    int rv = h2_conn_close(p.c, H2_NO_ERROR, H2_LAST_STREAM_AUTO, nullptr, 0);
    if (rv != 0) p.Err("close", rv);
    for (uint32_t s : got)
      p.Respond(s, Resp("200"), "bye" + std::to_string(s));
  };
  std::vector<int32_t> sids;
  for (int i = 0; i < 3; ++i)
    sids.push_back(n->Request(Req("GET", "/g"), false, ""));
  Pump();
  EXPECT_TRUE(n->goaway_recv);
  EXPECT_EQ(n->goaway_code, 0u);
  EXPECT_EQ(n->goaway_last, sids.back());
  for (int32_t sid : sids) {
    EXPECT_EQ(Get(n->Block(sid, 0), ":status"), "200") << sid;
    EXPECT_EQ(n->st[sid].body, "bye" + std::to_string(sid));
    EXPECT_EQ(n->st[sid].close_code, 0u);
  }
}

// ------------------------------------------- large headers, CONTINUATION --

TEST_P(Interop, H2ClientNgServer_LargeHeaders) {
  H2Client();
  ng_whole = true;
  std::string req_big = Letters(40000, 13), resp_big = Letters(40000, 14);
  n->on_request = [&resp_big](NgPeer &p, int32_t sid) {
    p.Respond(sid, {{":status", "200"}, {"x-big", resp_big}}, true, "ok");
  };
  Headers r = Req("GET", "/big-headers");
  r.emplace_back("x-big", req_big);
  uint32_t sid = h->Request(r, "");
  Pump();
  EXPECT_TRUE(Get(n->Block(int32_t(sid), 0), "x-big") == req_big);
  EXPECT_TRUE(Get(h->st[sid].head, "x-big") == resp_big);
  EXPECT_EQ(h->st[sid].body, "ok");
  EXPECT_GE(to_ng.Count(9), 1u);  // CONTINUATION
  EXPECT_GE(to_h2.Count(9), 1u);
}

TEST_P(Interop, NgClientH2Server_LargeHeaders) {
  H2Server();
  ng_whole = true;
  std::string req_big = Letters(40000, 15), resp_big = Letters(40000, 16);
  h->on_event = [&resp_big](H2Peer &p, const Ev &ev) {
    if (ev.type == H2_EV_STREAM_ENDED)
      p.Respond(ev.sid, {{":status", "200"}, {"x-big", resp_big}}, "ok");
  };
  Headers r = Req("GET", "/big-headers");
  r.emplace_back("x-big", req_big);
  int32_t sid = n->Request(r, false, "");
  Pump();
  EXPECT_TRUE(Get(h->st[uint32_t(sid)].head, "x-big") == req_big);
  EXPECT_TRUE(Get(n->Block(sid, 0), "x-big") == resp_big);
  EXPECT_EQ(n->st[sid].body, "ok");
  EXPECT_GE(to_ng.Count(9), 1u);
  EXPECT_GE(to_h2.Count(9), 1u);
}

// ------------------------------------------------------- cookie crumbs --

TEST_P(Interop, H2ClientNgServer_CookieCrumbs) {
  H2Client([](h2_config *c) {
    EXPECT_EQ(h2_config_set(c, H2_OPT_SPLIT_OUTBOUND_COOKIES, 1), 0);
  });
  NgEchoServer(*n);
  Headers r = Req("GET", "/c");
  r.emplace_back("cookie", "a=1; b=2; session=abcdefghijklmnopqrstuvwxyz");
  uint32_t sid = h->Request(r, "");
  Pump();
  const Headers &got = n->Block(int32_t(sid), 0);
  Headers cookies;
  for (const auto &f : got)
    if (f.first == "cookie") cookies.push_back(f);
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_EQ(cookies[0].second, "a=1");
  EXPECT_EQ(cookies[1].second, "b=2");
  EXPECT_EQ(cookies[2].second, "session=abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(h->st[sid].body, "hello /c");
}

TEST_P(Interop, NgClientH2Server_CookieCrumbs) {
  H2Server();
  H2EchoServer(*h);
  Headers r = Req("GET", "/c");
  r.emplace_back("cookie", "a=1");
  r.emplace_back("x-between", "y");
  r.emplace_back("cookie", "b=2");
  r.emplace_back("cookie", "session=abcdefghijklmnopqrstuvwxyz");
  int32_t sid = n->Request(r, false, "");
  Pump();
  const Headers &got = h->st[uint32_t(sid)].head;
  EXPECT_EQ(CountOf(got, "cookie"), 1u);
  EXPECT_EQ(Get(got, "cookie"), "a=1; b=2; session=abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(Get(got, "x-between"), "y");
  EXPECT_EQ(n->st[sid].body, "hello /c");
}

// ------------------------------------------------------------- padding --

// nghttp2 pads every HEADERS and DATA frame; libh2 must report the
// flow-controlled length (payload + padding + 1) and return credit for it.
ssize_t PadALot(const nghttp2_frame *f, size_t max_payloadlen) {
  return ssize_t(std::min<size_t>(max_payloadlen, f->hd.length + 1 + 57));
}

TEST_P(Interop, H2ClientNgServer_PaddingReceivedByLibh2) {
  H2Client();
  n->padding = PadALot;
  std::string big = Body(300000, 17);
  n->on_request = [&big](NgPeer &p, int32_t sid) {
    p.Respond(sid, Resp("200"), true, big);
  };
  uint32_t sid = h->Request(Req("GET", "/pad"), "");
  Pump();
  H2Stream &s = h->st[sid];
  EXPECT_TRUE(s.body == big);
  EXPECT_TRUE(s.ended);
  uint64_t wire = to_h2.SumLen(0);
  EXPECT_EQ(s.flow, wire);
  EXPECT_GT(s.flow, big.size());
  size_t padded = 0;
  for (const auto &f : to_h2.frames) padded += (f.flags & 0x8) != 0;
  EXPECT_GT(padded, 2u);
  // A second padded download on the same connection: needs the credit.
  uint32_t sid2 = h->Request(Req("GET", "/pad2"), "");
  Pump();
  EXPECT_TRUE(h->st[sid2].body == big);
}

TEST_P(Interop, NgClientH2Server_PaddingReceivedByLibh2) {
  H2Server();
  n->padding = PadALot;
  H2EchoServer(*h);
  std::string body = Body(300000, 18);
  int32_t sid = n->Request(Req("POST", "/pad"), true, body);
  Pump();
  H2Stream &s = h->st[uint32_t(sid)];
  EXPECT_TRUE(s.body == body);
  EXPECT_EQ(s.flow, to_h2.SumLen(0));
  EXPECT_GT(s.flow, body.size());
  EXPECT_TRUE(n->st[sid].body == body);
}

// libh2 pads its DATA (pad_length 100): nghttp2 must strip it.
TEST_P(Interop, NgClientH2Server_PaddingSentByLibh2) {
  H2Server();
  std::string big = Body(200000, 19);
  h->on_event = [&big](H2Peer &p, const Ev &ev) {
    if (ev.type != H2_EV_STREAM_ENDED) return;
    p.Respond(ev.sid, Resp("200"), big);
    p.out[ev.sid].pad = 100;
  };
  int32_t sid = n->Request(Req("GET", "/"), false, "");
  Pump();
  EXPECT_TRUE(n->st[sid].body == big);
  size_t padded = 0;
  for (size_t pl : n->recv_data_padlen) padded += pl == 101;
  EXPECT_GT(padded, 2u);
}

// --------------------------------------------------------- h2c upgrade --

TEST_P(Interop, H2ClientNgServer_Upgrade) {
  H2Client({}, NgDefaults(), false);
  uint8_t b64[256];
  size_t len = 0;
  ASSERT_EQ(h2_conn_initiate_upgrade(h->c, nullptr, 0, b64, sizeof b64, &len),
            0);
  std::string value(reinterpret_cast<const char *>(b64), len);
  EXPECT_EQ(value.find('='), std::string::npos);
  std::string payload = B64UrlDecode(value);
  EXPECT_EQ(payload.size() % 6, 0u);
  ASSERT_EQ(nghttp2_session_upgrade2(n->s, U8(payload), payload.size(), 0,
                                     nullptr),
            0);
  // The HTTP/1.1 request was "GET /upgrade"; answer it on stream 1.
  n->Respond(1, {{":status", "200"}, {"x-upgraded", "yes"}}, true,
             "upgraded body");
  Pump();
  H2Stream &s = h->st[1];
  EXPECT_EQ(Get(s.head, ":status"), "200");
  EXPECT_EQ(Get(s.head, "x-upgraded"), "yes");
  EXPECT_EQ(s.body, "upgraded body");
  EXPECT_TRUE(s.ended);
  // The connection goes on: a normal request on stream 3.
  NgEchoServer(*n);
  uint32_t sid = h->Request(Req("GET", "/after"), "");
  EXPECT_EQ(sid, 3u);
  Pump();
  EXPECT_EQ(h->st[sid].body, "hello /after");
}

TEST_P(Interop, NgClientH2Server_Upgrade) {
  H2Server({}, {}, false, false);
  H2EchoServer(*h);
  std::vector<nghttp2_settings_entry> iv = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  uint8_t payload[64];
  ssize_t plen =
      nghttp2_pack_settings_payload(payload, sizeof payload, iv.data(),
                                    iv.size());
  ASSERT_GT(plen, 0);
  ASSERT_EQ(nghttp2_session_upgrade2(n->s, payload, size_t(plen), 0, nullptr),
            0);
  std::string value = B64UrlEncode(
      std::string(reinterpret_cast<const char *>(payload), size_t(plen)));
  ASSERT_EQ(h2_conn_initiate_upgrade(h->c, U8(value), value.size(), nullptr,
                                     0, nullptr),
            0);
  uint32_t v = 0;
  EXPECT_EQ(h2_conn_remote_setting(h->c, H2_SETTING_INITIAL_WINDOW_SIZE, &v),
            0);
  EXPECT_EQ(v, 1u << 20);
  std::string big = Body(300000, 20);
  h->Respond(1, {{":status", "200"}, {"x-upgraded", "yes"}}, big);
  Pump();
  EXPECT_EQ(Get(n->Block(1, 0), ":status"), "200");
  EXPECT_EQ(Get(n->Block(1, 0), "x-upgraded"), "yes");
  EXPECT_TRUE(n->st[1].body == big);
  EXPECT_TRUE(n->st[1].closed);
  EXPECT_EQ(n->st[1].close_code, 0u);
  int32_t sid = n->Request(Req("GET", "/after"), false, "");
  EXPECT_EQ(sid, 3);
  Pump();
  EXPECT_EQ(n->st[sid].body, "hello /after");
}

INSTANTIATE_TEST_SUITE_P(
    Slicings, Interop,
    ::testing::Values(Slicing::kWhole, Slicing::kOneByte, Slicing::kRandom),
    [](const ::testing::TestParamInfo<Slicing> &i) {
      switch (i.param) {
        case Slicing::kWhole: return std::string("Whole");
        case Slicing::kOneByte: return std::string("OneByte");
        default: return std::string("RandomSlices");
      }
    });

}  // namespace
