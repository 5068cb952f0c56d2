// Shared helpers for the public-API tests of the connection engine:
// - a copy of every event (events are borrowed views; Ev owns its bytes),
// - a raw frame builder (9-byte header + payload) and a tiny HPACK encoder
//   (literal without indexing, no Huffman) for hand-made header blocks,
// - an output frame parser,
// - Single: one engine facing a hand-driven ("raw") peer,
// - Pair: a client and a server engine wired together in memory, pumped
//   whole, one byte at a time or in random slices.
// Only <h2/h2.h> is used: these tests link the shared library as users do.
#ifndef H2_API_TEST_UTIL_H
#define H2_API_TEST_UTIL_H

#include <gtest/gtest.h>
#include <h2/h2.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace h2test {

using Header = std::pair<std::string, std::string>;
using HeaderList = std::vector<Header>;

// Frame types (RFC 9113 §6, RFC 7838, RFC 8336, RFC 9218).
enum : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kPriority = 0x2,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPushPromise = 0x5,
  kPing = 0x6,
  kGoaway = 0x7,
  kWindowUpdate = 0x8,
  kContinuation = 0x9,
  kAltsvc = 0xa,
  kOrigin = 0xc,
  kPriorityUpdate = 0x10,
};
enum : uint8_t {
  kFlagEndStream = 0x1,
  kFlagAck = 0x1,
  kFlagEndHeaders = 0x4,
  kFlagPadded = 0x8,
  kFlagPriority = 0x20,
};

inline const std::string &Preface() {
  static const std::string p = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  return p;
}

inline std::string Bytes(const uint8_t *p, size_t n) {
  return p ? std::string(reinterpret_cast<const char *>(p), n) : std::string();
}
inline const uint8_t *U8(const std::string &s) {
  return reinterpret_cast<const uint8_t *>(s.data());
}

inline const char *EventName(int t) {
  switch (t) {
    case H2_EV_REQUEST_RECEIVED: return "RequestReceived";
    case H2_EV_RESPONSE_RECEIVED: return "ResponseReceived";
    case H2_EV_TRAILERS_RECEIVED: return "TrailersReceived";
    case H2_EV_INFORMATIONAL_RESPONSE_RECEIVED: return "InformationalResponseReceived";
    case H2_EV_DATA_RECEIVED: return "DataReceived";
    case H2_EV_WINDOW_UPDATED: return "WindowUpdated";
    case H2_EV_REMOTE_SETTINGS_CHANGED: return "RemoteSettingsChanged";
    case H2_EV_SETTINGS_ACKNOWLEDGED: return "SettingsAcknowledged";
    case H2_EV_PING_RECEIVED: return "PingReceived";
    case H2_EV_PING_ACK_RECEIVED: return "PingAckReceived";
    case H2_EV_STREAM_ENDED: return "StreamEnded";
    case H2_EV_STREAM_RESET: return "StreamReset";
    case H2_EV_PUSHED_STREAM_RECEIVED: return "PushedStreamReceived";
    case H2_EV_PRIORITY_UPDATED: return "PriorityUpdated";
    case H2_EV_CONNECTION_TERMINATED: return "ConnectionTerminated";
    case H2_EV_ALTERNATIVE_SERVICE_AVAILABLE: return "AlternativeServiceAvailable";
    case H2_EV_UNKNOWN_FRAME_RECEIVED: return "UnknownFrameReceived";
    case H2_EV_PRIORITY_UPDATE_RECEIVED: return "PriorityUpdateReceived";
    case H2_EV_ORIGIN_RECEIVED: return "OriginReceived";
    default: return "?";
  }
}

// ---- events ---------------------------------------------------------------

struct Setting {
  uint16_t id;
  bool has_original;
  uint32_t original;
  uint32_t value;
  bool operator==(const Setting &o) const {
    return id == o.id && has_original == o.has_original &&
           (!has_original || original == o.original) && value == o.value;
  }
};

// A plain copy of every field of an event.
struct Ev {
  int type = 0;
  uint32_t stream_id = 0;
  HeaderList headers;
  std::vector<uint32_t> header_flags;
  std::string data;
  bool has_data = false;
  size_t flow_len = 0;
  uint32_t error_code = 0;
  int remote_reset = 0;
  uint32_t delta = 0;
  uint32_t related_stream = 0;
  uint8_t ping[8] = {0};
  int ping_rc = 0;
  uint16_t weight = 0;
  int exclusive = 0;
  int priority_rc = 0;
  std::string origin;
  uint8_t frame_type = 0, frame_flags = 0;
  int frame_rc = 0;
  std::vector<Setting> settings;
  uint32_t related = 0;

  std::string Header(const std::string &name) const {
    for (auto &h : headers)
      if (h.first == name) return h.second;
    return "<absent>";
  }
  const Setting *FindSetting(uint16_t id) const {
    for (auto &s : settings)
      if (s.id == id) return &s;
    return nullptr;
  }
  bool operator==(const Ev &o) const {
    return type == o.type && stream_id == o.stream_id && headers == o.headers &&
           header_flags == o.header_flags && data == o.data &&
           flow_len == o.flow_len && error_code == o.error_code &&
           remote_reset == o.remote_reset && delta == o.delta &&
           related_stream == o.related_stream &&
           std::memcmp(ping, o.ping, 8) == 0 && weight == o.weight &&
           exclusive == o.exclusive && origin == o.origin &&
           frame_type == o.frame_type && frame_flags == o.frame_flags &&
           settings == o.settings && related == o.related;
  }
  std::string Str() const {
    std::ostringstream os;
    os << EventName(type) << "(sid=" << stream_id;
    if (!headers.empty()) {
      os << " hdrs=[";
      for (auto &h : headers) os << h.first << ":" << h.second << " ";
      os << "]";
    }
    if (!data.empty()) os << " data=" << data.size() << "B";
    if (flow_len) os << " flow=" << flow_len;
    if (error_code) os << " err=" << error_code;
    if (remote_reset) os << " remote";
    if (delta) os << " delta=" << delta;
    if (related_stream) os << " rel_sid=" << related_stream;
    if (related) os << " related=" << related;
    for (auto &s : settings) os << " s" << s.id << "=" << s.value;
    os << ")";
    return os.str();
  }
};

inline Ev CopyEvent(const h2_event *e) {
  Ev v;
  v.type = h2_event_type(e);
  v.stream_id = h2_event_stream_id(e);
  size_t n = h2_event_header_count(e);
  for (size_t i = 0; i < n; i++) {
    h2_header h;
    std::memset(&h, 0, sizeof h);
    if (h2_event_header(e, i, &h) != 1) {
      ADD_FAILURE() << "h2_event_header(" << i << ") failed below count " << n;
      break;
    }
    v.headers.emplace_back(Bytes(h.name, h.name_len), Bytes(h.value, h.value_len));
    v.header_flags.push_back(h.flags);
  }
  h2_header past;
  EXPECT_EQ(h2_event_header(e, n, &past), 0) << "header past the end";
  size_t len = 0;
  const uint8_t *d = h2_event_data(e, &len);
  v.has_data = d != nullptr;
  v.data = Bytes(d, len);
  v.flow_len = h2_event_flow_controlled_length(e);
  v.error_code = h2_event_error_code(e);
  v.remote_reset = h2_event_remote_reset(e);
  v.delta = h2_event_delta(e);
  v.related_stream = h2_event_related_stream_id(e);
  v.ping_rc = h2_event_ping_data(e, v.ping);
  if (v.type != H2_EV_PING_RECEIVED && v.type != H2_EV_PING_ACK_RECEIVED)
    std::memset(v.ping, 0, 8);
  v.priority_rc = h2_event_priority(e, &v.weight, &v.exclusive);
  if (v.type != H2_EV_PRIORITY_UPDATED) v.weight = 0, v.exclusive = 0;
  size_t olen = 0;
  const uint8_t *o = h2_event_origin(e, &olen);
  v.origin = Bytes(o, olen);
  v.frame_rc = h2_event_frame_type(e, &v.frame_type, &v.frame_flags);
  if (v.type != H2_EV_UNKNOWN_FRAME_RECEIVED) v.frame_type = 0, v.frame_flags = 0;
  size_t ns = h2_event_setting_count(e);
  for (size_t i = 0; i < ns; i++) {
    h2_changed_setting cs;
    std::memset(&cs, 0, sizeof cs);
    EXPECT_EQ(h2_event_setting(e, i, &cs), 1) << "setting " << i;
    v.settings.push_back({cs.id, cs.has_original != 0, cs.original_value, cs.new_value});
  }
  v.related = h2_event_related(e);
  return v;
}

inline std::string Dump(const std::vector<Ev> &evs) {
  std::string s;
  for (auto &e : evs) s += e.Str() + "\n";
  return s;
}

inline std::vector<Ev> OfType(const std::vector<Ev> &evs, int type) {
  std::vector<Ev> out;
  for (auto &e : evs)
    if (e.type == type) out.push_back(e);
  return out;
}
inline const Ev *Find(const std::vector<Ev> &evs, int type, int64_t sid = -1) {
  for (auto &e : evs)
    if (e.type == type && (sid < 0 || e.stream_id == static_cast<uint32_t>(sid))) return &e;
  return nullptr;
}
inline int IndexOf(const std::vector<Ev> &evs, int type, int64_t sid = -1) {
  for (size_t i = 0; i < evs.size(); i++)
    if (evs[i].type == type && (sid < 0 || evs[i].stream_id == static_cast<uint32_t>(sid)))
      return static_cast<int>(i);
  return -1;
}

// ---- frames -----------------------------------------------------------------

inline void Put32(std::string &s, uint32_t v) {
  s += static_cast<char>(v >> 24);
  s += static_cast<char>(v >> 16);
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v);
}
inline void Put16(std::string &s, uint32_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v);
}
inline uint32_t Get32(const std::string &s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}
inline uint32_t Get16(const std::string &s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 8) | uint32_t(uint8_t(s[at + 1]));
}

inline std::string RawFrame(uint8_t type, uint8_t flags, uint32_t sid,
                            const std::string &payload) {
  std::string f;
  size_t n = payload.size();
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  Put32(f, sid);
  return f + payload;
}

// HPACK integer with an N-bit prefix (RFC 7541 §5.1).
inline void HpackInt(std::string &out, uint8_t first, int prefix, size_t v) {
  size_t max = (1u << prefix) - 1;
  if (v < max) {
    out += static_cast<char>(first | v);
    return;
  }
  out += static_cast<char>(first | max);
  v -= max;
  while (v >= 128) {
    out += static_cast<char>((v & 127) | 128);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
// Literal header field without indexing, new name, no Huffman (§6.2.2).
inline std::string Hpack(const HeaderList &hs) {
  std::string out;
  for (auto &h : hs) {
    out += '\0';
    HpackInt(out, 0, 7, h.first.size());
    out += h.first;
    HpackInt(out, 0, 7, h.second.size());
    out += h.second;
  }
  return out;
}

inline std::string FSettings(const std::vector<std::pair<uint16_t, uint32_t>> &s) {
  std::string p;
  for (auto &e : s) {
    Put16(p, e.first);
    Put32(p, e.second);
  }
  return RawFrame(kSettings, 0, 0, p);
}
inline std::string FSettingsAck() { return RawFrame(kSettings, kFlagAck, 0, ""); }
inline std::string FHeaders(uint32_t sid, const HeaderList &hs, uint8_t flags) {
  return RawFrame(kHeaders, flags | kFlagEndHeaders, sid, Hpack(hs));
}
inline std::string FData(uint32_t sid, const std::string &d, uint8_t flags = 0) {
  return RawFrame(kData, flags, sid, d);
}
inline std::string FPaddedData(uint32_t sid, const std::string &d, uint8_t pad,
                               uint8_t flags = 0) {
  std::string p;
  p += static_cast<char>(pad);
  p += d;
  p += std::string(pad, '\0');
  return RawFrame(kData, flags | kFlagPadded, sid, p);
}
inline std::string FPriority(uint32_t sid, uint32_t dep, uint8_t weight_minus_1,
                             bool excl = false) {
  std::string p;
  Put32(p, dep | (excl ? 0x80000000u : 0));
  p += static_cast<char>(weight_minus_1);
  return RawFrame(kPriority, 0, sid, p);
}
inline std::string FRst(uint32_t sid, uint32_t code) {
  std::string p;
  Put32(p, code);
  return RawFrame(kRstStream, 0, sid, p);
}
inline std::string FWindowUpdate(uint32_t sid, uint32_t inc) {
  std::string p;
  Put32(p, inc);
  return RawFrame(kWindowUpdate, 0, sid, p);
}
inline std::string FPushPromise(uint32_t sid, uint32_t promised, const HeaderList &hs,
                                uint8_t flags = kFlagEndHeaders) {
  std::string p;
  Put32(p, promised);
  p += Hpack(hs);
  return RawFrame(kPushPromise, flags, sid, p);
}
inline std::string FContinuation(uint32_t sid, const std::string &block, uint8_t flags) {
  return RawFrame(kContinuation, flags, sid, block);
}
inline std::string FPing(const std::string &opaque8, bool ack = false) {
  return RawFrame(kPing, ack ? kFlagAck : 0, 0, opaque8);
}
inline std::string FGoaway(uint32_t last, uint32_t code, const std::string &dbg = "") {
  std::string p;
  Put32(p, last);
  Put32(p, code);
  return RawFrame(kGoaway, 0, 0, p + dbg);
}

struct Frame {
  uint8_t type = 0, flags = 0;
  uint32_t sid = 0;
  std::string payload;
  uint32_t Code() const {  // RST_STREAM / GOAWAY error code
    if (type == kRstStream && payload.size() >= 4) return Get32(payload, 0);
    if (type == kGoaway && payload.size() >= 8) return Get32(payload, 4);
    return 0xffffffffu;
  }
  uint32_t LastStream() const { return payload.size() >= 4 ? Get32(payload, 0) & 0x7fffffffu : 0; }
  uint32_t Increment() const { return payload.size() >= 4 ? Get32(payload, 0) & 0x7fffffffu : 0; }
  std::string Str() const {
    std::ostringstream os;
    os << "frame(type=" << int(type) << " flags=0x" << std::hex << int(flags) << std::dec
       << " sid=" << sid << " len=" << payload.size();
    if (type == kRstStream || type == kGoaway) os << " code=" << Code();
    os << ")";
    return os.str();
  }
};

// Parse as many whole frames as buf holds; the rest stays in buf.
inline std::vector<Frame> ParseFrames(std::string &buf) {
  std::vector<Frame> out;
  size_t at = 0;
  while (buf.size() - at >= 9) {
    size_t len = (size_t(uint8_t(buf[at])) << 16) | (size_t(uint8_t(buf[at + 1])) << 8) |
                 size_t(uint8_t(buf[at + 2]));
    if (buf.size() - at < 9 + len) break;
    Frame f;
    f.type = uint8_t(buf[at + 3]);
    f.flags = uint8_t(buf[at + 4]);
    f.sid = Get32(buf, at + 5) & 0x7fffffffu;
    f.payload = buf.substr(at + 9, len);
    out.push_back(f);
    at += 9 + len;
  }
  buf.erase(0, at);
  return out;
}
inline std::string Dump(const std::vector<Frame> &fs) {
  std::string s;
  for (auto &f : fs) s += f.Str() + "\n";
  return s;
}
inline const Frame *FindFrame(const std::vector<Frame> &fs, uint8_t type, int64_t sid = -1) {
  for (auto &f : fs)
    if (f.type == type && (sid < 0 || f.sid == static_cast<uint32_t>(sid))) return &f;
  return nullptr;
}
inline size_t CountFrames(const std::vector<Frame> &fs, uint8_t type) {
  size_t n = 0;
  for (auto &f : fs) n += f.type == type;
  return n;
}

// Settings entries of a SETTINGS payload.
inline std::vector<std::pair<uint16_t, uint32_t>> SettingsOf(const std::string &payload) {
  std::vector<std::pair<uint16_t, uint32_t>> out;
  for (size_t i = 0; i + 6 <= payload.size(); i += 6)
    out.emplace_back(uint16_t(Get16(payload, i)), Get32(payload, i + 2));
  return out;
}

// ---- header lists -----------------------------------------------------------

inline HeaderList Req(const std::string &method = "GET", const std::string &path = "/") {
  return {{":method", method}, {":scheme", "https"}, {":authority", "example.com"},
          {":path", path}};
}
inline HeaderList Resp(const std::string &status = "200") { return {{":status", status}}; }
inline HeaderList Plus(HeaderList a, const HeaderList &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// h2_header views of a HeaderList (which must outlive the views).
inline std::vector<h2_header> Views(const HeaderList &hs) {
  std::vector<h2_header> v;
  for (auto &h : hs) {
    h2_header x;
    x.name = U8(h.first);
    x.name_len = h.first.size();
    x.value = U8(h.second);
    x.value_len = h.second.size();
    x.flags = 0;
    v.push_back(x);
  }
  return v;
}
inline int SendHeaders(h2_conn *c, uint32_t sid, const HeaderList &hs, uint32_t flags = 0,
                       const h2_priority *pri = nullptr) {
  auto v = Views(hs);
  return h2_conn_send_headers(c, sid, v.data(), v.size(), flags, pri);
}
inline int SendData(h2_conn *c, uint32_t sid, const std::string &d, uint32_t flags = 0,
                    size_t pad = 0) {
  return h2_conn_send_data(c, sid, U8(d), d.size(), flags, pad);
}
inline int Push(h2_conn *c, uint32_t sid, uint32_t promised, const HeaderList &hs) {
  auto v = Views(hs);
  return h2_conn_push_stream(c, sid, promised, v.data(), v.size());
}

inline int StreamState(const h2_conn *c, uint32_t sid) {
  int st = -100;
  int rc = h2_conn_stream_state(c, sid, &st);
  return rc == 0 ? st : rc * 1000;  // an error shows up as a distinct number
}
inline int64_t LocalWindow(const h2_conn *c, uint32_t sid) {
  int64_t w = -1;
  EXPECT_EQ(h2_conn_local_flow_control_window(c, sid, &w), 0) << "sid " << sid;
  return w;
}
inline int64_t RemoteWindow(const h2_conn *c, uint32_t sid) {
  int64_t w = -1;
  EXPECT_EQ(h2_conn_remote_flow_control_window(c, sid, &w), 0) << "sid " << sid;
  return w;
}
inline uint32_t LocalSetting(const h2_conn *c, uint16_t id) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(h2_conn_local_setting(c, id, &v), 0) << "setting " << id;
  return v;
}
inline uint32_t RemoteSetting(const h2_conn *c, uint16_t id) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(h2_conn_remote_setting(c, id, &v), 0) << "setting " << id;
  return v;
}

using ConfigFn = std::function<void(h2_config *)>;

inline h2_conn *NewConn(int side, const ConfigFn &fn = nullptr) {
  h2_config *cfg = nullptr;
  EXPECT_EQ(h2_config_new(&cfg, side), 0);
  if (!cfg) return nullptr;
  if (fn) fn(cfg);
  h2_conn *c = nullptr;
  EXPECT_EQ(h2_conn_new(&c, cfg), 0);
  h2_config_free(cfg);
  return c;
}

// Drain all output of c into a string.
inline std::string DrainOutput(h2_conn *c) {
  std::string s;
  uint8_t buf[4096];
  for (;;) {
    size_t n = 0;
    int rc = h2_conn_data_to_send(c, buf, sizeof buf, &n);
    EXPECT_EQ(rc, 0);
    if (rc != 0 || n == 0) break;
    s.append(reinterpret_cast<char *>(buf), n);
  }
  return s;
}

inline std::vector<Ev> DrainEvents(h2_conn *c) {
  std::vector<Ev> out;
  const h2_event *e = nullptr;
  for (int guard = 0; guard < 1000000; guard++) {
    int rc = h2_conn_next_event(c, &e);
    if (rc != 1) {
      EXPECT_EQ(rc, 0);
      break;
    }
    out.push_back(CopyEvent(e));
  }
  return out;
}

// ---- one engine against a hand-driven peer ---------------------------------

class Single {
 public:
  h2_conn *c = nullptr;
  int side;
  std::vector<Ev> events;  // every event so far
  size_t taken = 0;
  std::string out;         // unparsed output
  bool preface_checked = false;
  uint64_t now = 0;

  explicit Single(int side_, const ConfigFn &fn = nullptr) : side(side_) {
    c = NewConn(side, fn);
  }
  ~Single() { h2_conn_free(c); }
  Single(const Single &) = delete;
  Single &operator=(const Single &) = delete;

  // Feed bytes; collect events. Returns the receive status.
  int Feed(const std::string &bytes) {
    int rc = h2_conn_receive(c, U8(bytes), bytes.size(), now);
    auto ev = DrainEvents(c);
    events.insert(events.end(), ev.begin(), ev.end());
    return rc;
  }
  // Feed one byte at a time; returns the first error (and stops there).
  int FeedBytewise(const std::string &bytes) {
    for (size_t i = 0; i < bytes.size(); i++) {
      int rc = Feed(bytes.substr(i, 1));
      if (rc != 0) return rc;
    }
    return 0;
  }
  // Events since the last call.
  std::vector<Ev> Take() {
    std::vector<Ev> r(events.begin() + static_cast<long>(taken), events.end());
    taken = events.size();
    return r;
  }
  // Output frames since the last call.
  std::vector<Frame> Out() {
    out += DrainOutput(c);
    if (!preface_checked && side == H2_SIDE_CLIENT && out.size() >= Preface().size()) {
      EXPECT_EQ(out.substr(0, Preface().size()), Preface());
      out.erase(0, Preface().size());
      preface_checked = true;
    }
    return ParseFrames(out);
  }
  // initiate, exchange SETTINGS with the raw peer (empty SETTINGS unless
  // peer_settings given) and ACKs; clears events and output.
  void Handshake(const std::vector<std::pair<uint16_t, uint32_t>> &peer_settings = {}) {
    ASSERT_EQ(h2_conn_initiate(c), 0);
    std::string in;
    if (side == H2_SIDE_SERVER) in += Preface();
    in += FSettings(peer_settings);
    in += FSettingsAck();
    ASSERT_EQ(Feed(in), 0) << h2_conn_last_error(c);
    auto fs = Out();
    ASSERT_NE(FindFrame(fs, kSettings), nullptr) << "own SETTINGS";
    const Frame *ack = nullptr;
    for (auto &f : fs)
      if (f.type == kSettings && (f.flags & kFlagAck)) ack = &f;
    ASSERT_NE(ack, nullptr) << "SETTINGS ACK for the peer's SETTINGS\n" << Dump(fs);
    Take();
  }
};

// ---- a client and a server in memory -----------------------------------------

enum class Mode { kWhole, kByte, kRandom };

class Pair {
 public:
  h2_conn *cli = nullptr, *srv = nullptr;
  Mode mode;
  std::mt19937 rng;
  std::vector<Ev> clog, slog;  // all events so far
  size_t ctaken = 0, staken = 0;
  int last_rc = 0;
  uint64_t now = 0;
  bool use_peek = false;

  explicit Pair(Mode m = Mode::kWhole, unsigned seed = 1, const ConfigFn &cfn = nullptr,
                const ConfigFn &sfn = nullptr)
      : mode(m), rng(seed) {
    cli = NewConn(H2_SIDE_CLIENT, cfn);
    srv = NewConn(H2_SIDE_SERVER, sfn);
    use_peek = (seed & 1) != 0;
  }
  ~Pair() {
    h2_conn_free(cli);
    h2_conn_free(srv);
  }
  Pair(const Pair &) = delete;
  Pair &operator=(const Pair &) = delete;

  // Take one side's pending output (copy-out or peek+consume).
  std::string Take(h2_conn *from) {
    if (!use_peek) return DrainOutput(from);
    const uint8_t *p = nullptr;
    size_t n = 0;
    EXPECT_EQ(h2_conn_peek_data(from, &p, &n), 0);
    EXPECT_EQ(n, h2_conn_pending_data(from));
    std::string s = Bytes(p, n);
    EXPECT_EQ(h2_conn_consume_data(from, n), 0);
    EXPECT_EQ(h2_conn_pending_data(from), 0u);
    return s;
  }
  int Deliver(h2_conn *to, std::vector<Ev> &log, const std::string &bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
      size_t n = bytes.size() - at;
      if (mode == Mode::kByte) n = 1;
      if (mode == Mode::kRandom)
        n = std::min(n, static_cast<size_t>(std::uniform_int_distribution<int>(1, 23)(rng)));
      int rc = h2_conn_receive(to, U8(bytes) + at, n, now);
      auto ev = DrainEvents(to);
      log.insert(log.end(), ev.begin(), ev.end());
      if (rc != 0) return rc;
      at += n;
    }
    return 0;
  }
  // Move bytes both ways until both sides are quiet. Returns the first
  // receive error (0 if none).
  int Pump() {
    for (int round = 0; round < 1000; round++) {
      std::string c2s = Take(cli);
      std::string s2c = Take(srv);
      if (c2s.empty() && s2c.empty()) return 0;
      int rc = Deliver(srv, slog, c2s);
      if (rc) return last_rc = rc;
      rc = Deliver(cli, clog, s2c);
      if (rc) return last_rc = rc;
    }
    ADD_FAILURE() << "pump did not settle";
    return -999;
  }
  std::vector<Ev> C() {
    std::vector<Ev> r(clog.begin() + static_cast<long>(ctaken), clog.end());
    ctaken = clog.size();
    return r;
  }
  std::vector<Ev> S() {
    std::vector<Ev> r(slog.begin() + static_cast<long>(staken), slog.end());
    staken = slog.size();
    return r;
  }
  void Handshake() {
    ASSERT_EQ(h2_conn_initiate(cli), 0);
    ASSERT_EQ(h2_conn_initiate(srv), 0);
    ASSERT_EQ(Pump(), 0) << h2_conn_last_error(cli) << " / " << h2_conn_last_error(srv);
    C();
    S();
  }
};

}  // namespace h2test

#endif  // H2_API_TEST_UTIL_H
