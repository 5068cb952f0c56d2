// RFC 9113 section 5.1 stream states, table-driven through the public API:
// every state is reached on a stream of an engine facing a hand-driven peer,
// then (a) every frame type is received on it and the outcome checked (an
// event, nothing, a stream error with its RST_STREAM code, or a connection
// error with its GOAWAY code), and (b) every stream action is attempted and
// its status (and the frame it sends) checked.
#include "api_test_util.h"

using namespace h2test;

namespace {

enum StateId {
  kIdle,
  kReservedLocal,
  kReservedRemote,
  kOpen,
  kHalfClosedLocal,
  kHalfClosedRemote,
  kClosedEndStream,    // both END_STREAMs, ours last
  kClosedResetSent,    // we sent RST_STREAM
  kClosedResetRecv,    // the peer sent RST_STREAM
};

const char *StateName(StateId s) {
  switch (s) {
    case kIdle: return "Idle";
    case kReservedLocal: return "ReservedLocal";
    case kReservedRemote: return "ReservedRemote";
    case kOpen: return "Open";
    case kHalfClosedLocal: return "HalfClosedLocal";
    case kHalfClosedRemote: return "HalfClosedRemote";
    case kClosedEndStream: return "ClosedByEndStream";
    case kClosedResetSent: return "ClosedByResetSent";
    case kClosedResetRecv: return "ClosedByResetReceived";
  }
  return "?";
}

int PublicState(StateId s) {
  switch (s) {
    case kIdle: return H2_STREAM_STATE_IDLE;
    case kReservedLocal: return H2_STREAM_STATE_RESERVED_LOCAL;
    case kReservedRemote: return H2_STREAM_STATE_RESERVED_REMOTE;
    case kOpen: return H2_STREAM_STATE_OPEN;
    case kHalfClosedLocal: return H2_STREAM_STATE_HALF_CLOSED_LOCAL;
    case kHalfClosedRemote: return H2_STREAM_STATE_HALF_CLOSED_REMOTE;
    default: return H2_STREAM_STATE_CLOSED;
  }
}

// Which engine, which stream.
struct Setup {
  int side;
  uint32_t sid;
};

const HeaderList &PushReq() {
  static const HeaderList h = Req("GET", "/pushed");
  return h;
}

// Bring engine e (already handshaken) to state st on the returned stream.
uint32_t Reach(Single &e, StateId st) {
  auto feed = [&](const std::string &b) {
    int rc = e.Feed(b);
    EXPECT_EQ(rc, 0) << "setup: " << h2_conn_last_error(e.c);
  };
  switch (st) {
    case kIdle:  // server; stream 1 never used
      break;
    case kReservedLocal:  // server promised 2 on the client's stream 1
      feed(FHeaders(1, Req(), kFlagEndStream));
      EXPECT_EQ(Push(e.c, 1, 2, PushReq()), 0) << h2_conn_last_error(e.c);
      break;
    case kReservedRemote:  // client; the peer promised 2 on stream 1
      EXPECT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
      feed(FPushPromise(1, 2, PushReq()));
      break;
    case kOpen:  // server; the client's stream 1 without END_STREAM
      feed(FHeaders(1, Req("POST"), 0));
      break;
    case kHalfClosedLocal:  // client sent END_STREAM, response headers in
      EXPECT_EQ(SendHeaders(e.c, 1, Req(), H2_SEND_END_STREAM), 0);
      feed(FHeaders(1, Resp(), 0));
      break;
    case kHalfClosedRemote:  // server; request with END_STREAM
      feed(FHeaders(1, Req(), kFlagEndStream));
      break;
    case kClosedEndStream:  // client: response ended, then we end
      EXPECT_EQ(SendHeaders(e.c, 1, Req("POST")), 0);
      feed(FHeaders(1, Resp(), kFlagEndStream));
      EXPECT_EQ(h2_conn_end_stream(e.c, 1), 0);
      break;
    case kClosedResetSent:  // client resets its open stream
      EXPECT_EQ(SendHeaders(e.c, 1, Req("POST")), 0);
      EXPECT_EQ(h2_conn_reset_stream(e.c, 1, H2_CANCEL), 0);
      break;
    case kClosedResetRecv:  // server; the client resets stream 1
      feed(FHeaders(1, Req("POST"), 0));
      feed(FRst(1, H2_CANCEL));
      break;
  }
  uint32_t sid = (st == kReservedLocal || st == kReservedRemote) ? 2 : 1;
  if (st != kIdle) { EXPECT_EQ(StreamState(e.c, sid), PublicState(st)) << StateName(st); }
  e.Out();
  e.Take();
  return sid;
}

int SideOf(StateId st) {
  switch (st) {
    case kIdle:
    case kReservedLocal:
    case kOpen:
    case kHalfClosedRemote:
    case kClosedResetRecv:
      return H2_SIDE_SERVER;
    default:
      return H2_SIDE_CLIENT;
  }
}

// ---- (a) frames received --------------------------------------------------------

enum FrameKind { kFData, kFHeaders, kFPriority, kFRst, kFWindow, kFPush, kFCont };
const char *FrameName(FrameKind f) {
  static const char *n[] = {"DATA",          "HEADERS",      "PRIORITY",    "RST_STREAM",
                            "WINDOW_UPDATE", "PUSH_PROMISE", "CONTINUATION"};
  return n[f];
}

enum OutcomeKind {
  kEvent,        // receive OK, event of that type on the stream, no RST/GOAWAY
  kIgnored,      // receive OK, no event, no RST, no GOAWAY
  kIgnoredOrRst, // as kIgnored, but a RST_STREAM(STREAM_CLOSED) is tolerated
  kStreamError,  // receive OK, RST_STREAM(code) on the stream, no GOAWAY
  kConnError,    // receive fails, GOAWAY(code), ConnectionTerminated, CLOSED
  kNoConnError,  // receive OK, no GOAWAY (anything else allowed)
};

struct Outcome {
  OutcomeKind kind;
  int event = 0;          // kEvent
  uint32_t code = 0;      // kStreamError / kConnError
  bool need_reset_event = true;  // kStreamError: H2_EV_STREAM_RESET expected
};

Outcome Ev_(int t) { return {kEvent, t, 0, true}; }
Outcome Conn(uint32_t code) { return {kConnError, 0, code, true}; }
Outcome Strm(uint32_t code, bool ev = true) { return {kStreamError, 0, code, ev}; }
const Outcome kIgn = {kIgnored, 0, 0, true};
const Outcome kIgnRst = {kIgnoredOrRst, 0, 0, true};
const Outcome kNoConn = {kNoConnError, 0, 0, true};

struct RecvCell {
  StateId state;
  FrameKind frame;
  Outcome want;
  const char *why;  // RFC 9113 reference
};

// The expected outcomes, from RFC 9113 section 5.1 (and 6.x for the frame).
const RecvCell kRecvTable[] = {
    // idle
    {kIdle, kFData, Conn(H2_PROTOCOL_ERROR), "5.1 idle: anything but HEADERS/PRIORITY"},
    {kIdle, kFHeaders, Ev_(H2_EV_REQUEST_RECEIVED), "5.1 idle: HEADERS opens"},
    {kIdle, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 idle: PRIORITY allowed"},
    {kIdle, kFRst, Conn(H2_PROTOCOL_ERROR), "6.4 RST_STREAM on idle"},
    {kIdle, kFWindow, Conn(H2_PROTOCOL_ERROR), "5.1 idle"},
    {kIdle, kFPush, Conn(H2_PROTOCOL_ERROR), "8.4 client must not push"},
    {kIdle, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10 CONTINUATION without HEADERS"},
    // reserved (local)
    {kReservedLocal, kFData, Conn(H2_PROTOCOL_ERROR), "5.1 reserved (local)"},
    {kReservedLocal, kFHeaders, Conn(H2_PROTOCOL_ERROR), "5.1 reserved (local)"},
    {kReservedLocal, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 reserved (local)"},
    {kReservedLocal, kFRst, Ev_(H2_EV_STREAM_RESET), "5.1 reserved (local)"},
    {kReservedLocal, kFWindow, Ev_(H2_EV_WINDOW_UPDATED), "5.1 reserved (local)"},
    {kReservedLocal, kFPush, Conn(H2_PROTOCOL_ERROR), "8.4 client must not push"},
    {kReservedLocal, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // reserved (remote)
    {kReservedRemote, kFData, Conn(H2_PROTOCOL_ERROR), "5.1 reserved (remote)"},
    {kReservedRemote, kFHeaders, Ev_(H2_EV_RESPONSE_RECEIVED), "5.1 reserved (remote)"},
    {kReservedRemote, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 reserved (remote)"},
    {kReservedRemote, kFRst, Ev_(H2_EV_STREAM_RESET), "5.1 reserved (remote)"},
    {kReservedRemote, kFWindow, Conn(H2_PROTOCOL_ERROR), "5.1 reserved (remote)"},
    {kReservedRemote, kFPush, Conn(H2_PROTOCOL_ERROR), "6.6 push on a reserved stream"},
    {kReservedRemote, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // open
    {kOpen, kFData, Ev_(H2_EV_DATA_RECEIVED), "5.1 open"},
    {kOpen, kFHeaders, Ev_(H2_EV_TRAILERS_RECEIVED), "5.1 open, 8.1 trailers"},
    {kOpen, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 open"},
    {kOpen, kFRst, Ev_(H2_EV_STREAM_RESET), "5.1 open"},
    {kOpen, kFWindow, Ev_(H2_EV_WINDOW_UPDATED), "5.1 open"},
    {kOpen, kFPush, Conn(H2_PROTOCOL_ERROR), "8.4 client must not push"},
    {kOpen, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // half-closed (local)
    {kHalfClosedLocal, kFData, Ev_(H2_EV_DATA_RECEIVED), "5.1 half-closed (local)"},
    {kHalfClosedLocal, kFHeaders, Ev_(H2_EV_TRAILERS_RECEIVED), "5.1 half-closed (local)"},
    {kHalfClosedLocal, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 half-closed (local)"},
    {kHalfClosedLocal, kFRst, Ev_(H2_EV_STREAM_RESET), "5.1 half-closed (local)"},
    {kHalfClosedLocal, kFWindow, Ev_(H2_EV_WINDOW_UPDATED), "5.1 half-closed (local)"},
    {kHalfClosedLocal, kFPush, Ev_(H2_EV_PUSHED_STREAM_RECEIVED), "6.6"},
    {kHalfClosedLocal, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // half-closed (remote)
    {kHalfClosedRemote, kFData, Strm(H2_STREAM_CLOSED), "5.1 half-closed (remote)"},
    {kHalfClosedRemote, kFHeaders, Strm(H2_STREAM_CLOSED), "5.1 half-closed (remote)"},
    {kHalfClosedRemote, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 half-closed (remote)"},
    {kHalfClosedRemote, kFRst, Ev_(H2_EV_STREAM_RESET), "5.1 half-closed (remote)"},
    {kHalfClosedRemote, kFWindow, Ev_(H2_EV_WINDOW_UPDATED), "5.1 half-closed (remote)"},
    {kHalfClosedRemote, kFPush, Conn(H2_PROTOCOL_ERROR), "8.4 client must not push"},
    {kHalfClosedRemote, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // closed after END_STREAM both ways (ours last)
    {kClosedEndStream, kFData, Conn(H2_STREAM_CLOSED), "5.1 closed: after END_STREAM"},
    {kClosedEndStream, kFHeaders, Conn(H2_STREAM_CLOSED), "5.1 closed: after END_STREAM"},
    {kClosedEndStream, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 closed: PRIORITY ok"},
    {kClosedEndStream, kFRst, kIgn, "5.1 closed: RST_STREAM after our END_STREAM ignored"},
    {kClosedEndStream, kFWindow, kIgn, "5.1 closed: WINDOW_UPDATE after our END_STREAM"},
    {kClosedEndStream, kFPush, Conn(H2_PROTOCOL_ERROR), "6.6 push on a closed stream"},
    {kClosedEndStream, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // closed because we sent RST_STREAM: frames in flight are ignored
    {kClosedResetSent, kFData, kIgnRst, "5.1 closed: ignore after RST_STREAM sent"},
    {kClosedResetSent, kFHeaders, kIgnRst, "5.1 closed: ignore after RST_STREAM sent"},
    {kClosedResetSent, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 closed: PRIORITY ok"},
    {kClosedResetSent, kFRst, kIgn, "5.4.2 never RST_STREAM in answer to RST_STREAM"},
    {kClosedResetSent, kFWindow, kIgnRst, "5.1 closed: ignore after RST_STREAM sent"},
    {kClosedResetSent, kFPush, kNoConn, "5.1 closed: PUSH_PROMISE after RST_STREAM"},
    {kClosedResetSent, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
    // closed because the peer sent RST_STREAM
    {kClosedResetRecv, kFData, Strm(H2_STREAM_CLOSED, false), "5.1 closed: after RST_STREAM"},
    {kClosedResetRecv, kFHeaders, Strm(H2_STREAM_CLOSED, false), "5.1 closed: after RST_STREAM"},
    {kClosedResetRecv, kFPriority, Ev_(H2_EV_PRIORITY_UPDATED), "5.1 closed: PRIORITY ok"},
    {kClosedResetRecv, kFRst, kIgn, "5.4.2 never RST_STREAM in answer to RST_STREAM"},
    {kClosedResetRecv, kFWindow, Strm(H2_STREAM_CLOSED, false), "5.1 closed: after RST_STREAM"},
    {kClosedResetRecv, kFPush, Conn(H2_PROTOCOL_ERROR), "8.4 client must not push"},
    {kClosedResetRecv, kFCont, Conn(H2_PROTOCOL_ERROR), "6.10"},
};

std::string FrameFor(FrameKind f, StateId st, int side, uint32_t sid) {
  switch (f) {
    case kFData:
      return FData(sid, "abc");
    case kFHeaders: {
      HeaderList h;
      if (st == kIdle) h = Req();
      else if (st == kReservedRemote) h = Resp();
      else h = {{"x-trailer", "t"}};
      return FHeaders(sid, h, kFlagEndStream);
    }
    case kFPriority:
      return FPriority(sid, 0, 15);
    case kFRst:
      return FRst(sid, H2_CANCEL);
    case kFWindow:
      return FWindowUpdate(sid, 100);
    case kFPush: {
      uint32_t promised = (sid == 2) ? 4 : 2;
      if (side == H2_SIDE_SERVER) promised = sid + 2;  // a client pushing
      return FPushPromise(sid, promised, Req("GET", "/p"));
    }
    case kFCont:
      return FContinuation(sid, Hpack({{"x-a", "b"}}), kFlagEndHeaders);
  }
  return "";
}

// h2_conn_receive's code must be of the class of the GOAWAY's code.
bool RcMatchesCode(int rc, uint32_t code) {
  switch (code) {
    case H2_PROTOCOL_ERROR:
      return rc == H2_ERR_PROTOCOL || rc == H2_ERR_NO_SUCH_STREAM ||
             rc == H2_ERR_STREAM_ID_TOO_LOW || rc == H2_ERR_UNSUPPORTED_FRAME;
    case H2_STREAM_CLOSED:
      return rc == H2_ERR_STREAM_CLOSED;
    case H2_FLOW_CONTROL_ERROR:
      return rc == H2_ERR_FLOW_CONTROL;
    case H2_FRAME_SIZE_ERROR:
      return rc == H2_ERR_FRAME_SIZE || rc == H2_ERR_FRAME_TOO_LARGE ||
             rc == H2_ERR_FRAME_DATA_MISSING;
    default:
      return rc < 0;
  }
}

void PrintTo(const RecvCell &c, std::ostream *os) {
  *os << StateName(c.state) << " <- " << FrameName(c.frame);
}

class ConnStateRecv : public testing::TestWithParam<RecvCell> {};

TEST_P(ConnStateRecv, Outcome) {
  const RecvCell &cell = GetParam();
  SCOPED_TRACE(std::string(StateName(cell.state)) + " <- " + FrameName(cell.frame) + " (RFC 9113 " +
               cell.why + ")");
  int side = SideOf(cell.state);
  Single e(side);
  e.Handshake();
  uint32_t sid = Reach(e, cell.state);
  ASSERT_FALSE(HasFailure()) << "could not reach the state";
  int rc = e.Feed(FrameFor(cell.frame, cell.state, side, sid));
  auto fs = e.Out();
  auto ev = e.Take();
  const Frame *goaway = FindFrame(fs, kGoaway);
  const Frame *rst = FindFrame(fs, kRstStream, sid);
  std::string ctx = "rc=" + std::to_string(rc) + " (" + h2_conn_last_error(e.c) + ")\nframes:\n" +
                    Dump(fs) + "events:\n" + Dump(ev);
  const Outcome &w = cell.want;
  switch (w.kind) {
    case kEvent: {
      EXPECT_EQ(rc, 0) << ctx;
      EXPECT_EQ(goaway, nullptr) << ctx;
      EXPECT_EQ(rst, nullptr) << ctx;
      const Ev *x = Find(ev, w.event, w.event == H2_EV_PUSHED_STREAM_RECEIVED ? 2 : sid);
      EXPECT_NE(x, nullptr) << "want " << EventName(w.event) << "\n" << ctx;
      if (x && w.event == H2_EV_STREAM_RESET) {
        EXPECT_EQ(x->remote_reset, 1);
        EXPECT_EQ(x->error_code, H2_CANCEL);
      }
      if (x && w.event == H2_EV_WINDOW_UPDATED) { EXPECT_EQ(x->delta, 100u); }
      if (x && w.event == H2_EV_DATA_RECEIVED) { EXPECT_EQ(x->data, "abc"); }
      if (x && w.event == H2_EV_PRIORITY_UPDATED) { EXPECT_EQ(x->weight, 16); }
      break;
    }
    case kIgnored:
    case kIgnoredOrRst:
      EXPECT_EQ(rc, 0) << ctx;
      EXPECT_EQ(goaway, nullptr) << ctx;
      if (w.kind == kIgnored || !rst)
        EXPECT_EQ(rst, nullptr) << ctx;
      else
        EXPECT_EQ(rst->Code(), H2_STREAM_CLOSED) << ctx;
      for (auto &x : ev)
        EXPECT_NE(x.stream_id, sid) << "unexpected event " << x.Str() << "\n" << ctx;
      break;
    case kStreamError:
      EXPECT_EQ(rc, 0) << ctx;
      EXPECT_EQ(goaway, nullptr) << ctx;
      ASSERT_NE(rst, nullptr) << ctx;
      EXPECT_EQ(rst->Code(), w.code) << ctx;
      if (w.need_reset_event) {
        const Ev *x = Find(ev, H2_EV_STREAM_RESET, sid);
        ASSERT_NE(x, nullptr) << ctx;
        EXPECT_EQ(x->remote_reset, 0);
        EXPECT_EQ(x->error_code, w.code);
      }
      EXPECT_EQ(StreamState(e.c, sid), H2_STREAM_STATE_CLOSED);
      break;
    case kConnError: {
      EXPECT_LT(rc, 0) << ctx;
      EXPECT_TRUE(RcMatchesCode(rc, w.code)) << "rc " << rc << " for GOAWAY code " << w.code
                                             << "\n" << ctx;
      ASSERT_NE(goaway, nullptr) << ctx;
      EXPECT_EQ(goaway->Code(), w.code) << ctx;
      const Ev *t = Find(ev, H2_EV_CONNECTION_TERMINATED);
      ASSERT_NE(t, nullptr) << ctx;
      EXPECT_EQ(t->error_code, w.code);
      EXPECT_EQ(h2_conn_state(e.c), H2_CONN_CLOSED);
      EXPECT_STRNE(h2_conn_last_error(e.c), "");
      // Further input is ignored without crashing and without events.
      e.Feed(FHeaders(101, Req(), kFlagEndStream) + FPing("01234567"));
      EXPECT_EQ(e.Take().size(), 0u);
      break;
    }
    case kNoConnError:
      EXPECT_EQ(rc, 0) << ctx;
      EXPECT_EQ(goaway, nullptr) << ctx;
      break;
  }
  // The connection is still usable after anything but a connection error.
  if (w.kind != kConnError) {
    EXPECT_EQ(h2_conn_ping(e.c, nullptr), 0);
    EXPECT_EQ(e.Feed(FPing("pingpong")), 0);
    EXPECT_NE(Find(e.Take(), H2_EV_PING_RECEIVED), nullptr);
  }
}

std::string RecvName(const testing::TestParamInfo<RecvCell> &i) {
  std::string f = FrameName(i.param.frame);
  std::string out;
  for (char c : f)
    if (c != '_') out += c;
  return std::string(StateName(i.param.state)) + "_" + out;
}

INSTANTIATE_TEST_SUITE_P(Rfc9113Sec5_1, ConnStateRecv, testing::ValuesIn(kRecvTable), RecvName);

// ---- (b) actions ----------------------------------------------------------------

enum ActionKind { kAHeaders, kAData, kAEnd, kAReset, kAWindow, kAPush, kAPrioritize };
const char *ActionName(ActionKind a) {
  static const char *n[] = {"SendHeaders", "SendData", "EndStream", "ResetStream",
                            "IncrementWindow", "PushStream", "Prioritize"};
  return n[a];
}

struct ActCell {
  StateId state;
  ActionKind action;
  int want_rc;
  int new_state;  // after success, -1: not checked
  int alt_rc = 1; // another acceptable status (1: none)
};

// Action rows use: idle = stream 3 of a client whose stream 1 is open.
const int kNA = -1;
const ActCell kActTable[] = {
    // idle (client, stream 3)
    {kIdle, kAHeaders, 0, H2_STREAM_STATE_OPEN},
    {kIdle, kAData, H2_ERR_NO_SUCH_STREAM, kNA},
    {kIdle, kAEnd, H2_ERR_NO_SUCH_STREAM, kNA},
    {kIdle, kAReset, H2_ERR_NO_SUCH_STREAM, kNA},
    {kIdle, kAWindow, H2_ERR_NO_SUCH_STREAM, kNA},
    {kIdle, kAPush, H2_ERR_PROTOCOL, kNA},
    {kIdle, kAPrioritize, 0, kNA},
    // reserved (local) (server, stream 2)
    {kReservedLocal, kAHeaders, 0, H2_STREAM_STATE_HALF_CLOSED_REMOTE},
    {kReservedLocal, kAData, H2_ERR_PROTOCOL, kNA},
    {kReservedLocal, kAEnd, H2_ERR_PROTOCOL, kNA},
    {kReservedLocal, kAReset, 0, H2_STREAM_STATE_CLOSED},
    {kReservedLocal, kAWindow, H2_ERR_PROTOCOL, kNA},
    {kReservedLocal, kAPush, H2_ERR_PROTOCOL, kNA},
    {kReservedLocal, kAPrioritize, H2_ERR_RFC1122, kNA},
    // reserved (remote) (client, stream 2)
    {kReservedRemote, kAHeaders, H2_ERR_PROTOCOL, kNA},
    {kReservedRemote, kAData, H2_ERR_PROTOCOL, kNA},
    {kReservedRemote, kAEnd, H2_ERR_PROTOCOL, kNA},
    {kReservedRemote, kAReset, 0, H2_STREAM_STATE_CLOSED},
    {kReservedRemote, kAWindow, 0, H2_STREAM_STATE_RESERVED_REMOTE},
    {kReservedRemote, kAPush, H2_ERR_PROTOCOL, kNA},
    {kReservedRemote, kAPrioritize, 0, kNA},
    // open (server, stream 1; response headers not yet sent)
    {kOpen, kAHeaders, 0, H2_STREAM_STATE_OPEN},
    {kOpen, kAData, 0, H2_STREAM_STATE_OPEN},
    {kOpen, kAEnd, 0, H2_STREAM_STATE_HALF_CLOSED_LOCAL},
    {kOpen, kAReset, 0, H2_STREAM_STATE_CLOSED},
    {kOpen, kAWindow, 0, H2_STREAM_STATE_OPEN},
    {kOpen, kAPush, 0, H2_STREAM_STATE_OPEN},
    {kOpen, kAPrioritize, H2_ERR_RFC1122, kNA},
    // half-closed (local) (client, stream 1)
    // Sending after our END_STREAM: h2 raises ProtocolError.
    {kHalfClosedLocal, kAHeaders, H2_ERR_PROTOCOL, kNA},
    {kHalfClosedLocal, kAData, H2_ERR_PROTOCOL, kNA},
    {kHalfClosedLocal, kAEnd, H2_ERR_PROTOCOL, kNA},
    {kHalfClosedLocal, kAReset, 0, H2_STREAM_STATE_CLOSED},
    {kHalfClosedLocal, kAWindow, 0, H2_STREAM_STATE_HALF_CLOSED_LOCAL},
    {kHalfClosedLocal, kAPush, H2_ERR_PROTOCOL, kNA},
    {kHalfClosedLocal, kAPrioritize, 0, kNA},
    // half-closed (remote) (server, stream 1)
    {kHalfClosedRemote, kAHeaders, 0, H2_STREAM_STATE_HALF_CLOSED_REMOTE},
    {kHalfClosedRemote, kAData, 0, H2_STREAM_STATE_HALF_CLOSED_REMOTE},
    {kHalfClosedRemote, kAEnd, 0, H2_STREAM_STATE_CLOSED},
    {kHalfClosedRemote, kAReset, 0, H2_STREAM_STATE_CLOSED},
    {kHalfClosedRemote, kAWindow, 0, H2_STREAM_STATE_HALF_CLOSED_REMOTE},
    {kHalfClosedRemote, kAPush, 0, H2_STREAM_STATE_HALF_CLOSED_REMOTE},
    {kHalfClosedRemote, kAPrioritize, H2_ERR_RFC1122, kNA},
    // closed (client, stream 1)
    {kClosedEndStream, kAHeaders, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedEndStream, kAData, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedEndStream, kAEnd, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedEndStream, kAReset, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedEndStream, kAWindow, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedEndStream, kAPush, H2_ERR_PROTOCOL, kNA},
    {kClosedEndStream, kAPrioritize, 0, kNA},
    {kClosedResetSent, kAHeaders, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetSent, kAData, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetSent, kAEnd, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetSent, kAReset, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetSent, kAWindow, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetSent, kAPush, H2_ERR_PROTOCOL, kNA},
    {kClosedResetSent, kAPrioritize, 0, kNA},
    {kClosedResetRecv, kAHeaders, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetRecv, kAData, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetRecv, kAEnd, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetRecv, kAReset, H2_ERR_STREAM_CLOSED, kNA},
    {kClosedResetRecv, kAWindow, H2_ERR_STREAM_CLOSED, kNA},
    // h2: ProtocolError while the stream is remembered, StreamClosedError after
    {kClosedResetRecv, kAPush, H2_ERR_PROTOCOL, kNA, H2_ERR_STREAM_CLOSED},
};

int ActSide(StateId st) {
  if (st == kIdle) return H2_SIDE_CLIENT;
  return SideOf(st);
}

void PrintTo(const ActCell &c, std::ostream *os) {
  *os << StateName(c.state) << " -> " << ActionName(c.action);
}

class ConnStateAction : public testing::TestWithParam<ActCell> {};

TEST_P(ConnStateAction, Status) {
  const ActCell &cell = GetParam();
  SCOPED_TRACE(std::string(StateName(cell.state)) + " -> " + ActionName(cell.action));
  int side = ActSide(cell.state);
  Single e(side);
  e.Handshake();
  uint32_t sid;
  if (cell.state == kIdle) {
    ASSERT_EQ(SendHeaders(e.c, 1, Req()), 0);
    e.Out();
    sid = 3;
  } else {
    sid = Reach(e, cell.state);
  }
  ASSERT_FALSE(HasFailure()) << "could not reach the state";
  bool server = side == H2_SIDE_SERVER;
  HeaderList hdrs;
  if (cell.state == kIdle) hdrs = Req();
  else if (server && (cell.state == kReservedLocal || cell.state == kOpen ||
                      cell.state == kHalfClosedRemote))
    hdrs = Resp();
  else hdrs = {{"x-trailer", "t"}};
  // Trailers must end the stream; a response or request need not.
  uint32_t hflags = (hdrs.size() == 1 && hdrs[0].first == "x-trailer") ? H2_SEND_END_STREAM : 0;
  h2_priority pri = {0, 16, 0};
  if (server && (cell.state == kOpen || cell.state == kHalfClosedRemote) &&
      (cell.action == kAData || cell.action == kAEnd)) {
    ASSERT_EQ(SendHeaders(e.c, sid, Resp()), 0);  // DATA follows a response
    e.Out();
  }
  int rc = -999;
  uint8_t want_type = 0;
  switch (cell.action) {
    case kAHeaders:
      rc = SendHeaders(e.c, sid, hdrs, hflags);
      want_type = kHeaders;
      break;
    case kAData:
      rc = SendData(e.c, sid, "data");
      want_type = kData;
      break;
    case kAEnd:
      rc = h2_conn_end_stream(e.c, sid);
      want_type = kData;
      break;
    case kAReset:
      rc = h2_conn_reset_stream(e.c, sid, H2_INTERNAL_ERROR);
      want_type = kRstStream;
      break;
    case kAWindow:
      rc = h2_conn_increment_flow_control_window(e.c, sid, 10);
      want_type = kWindowUpdate;
      break;
    case kAPush: {
      uint32_t promised = 0;
      if (server) { EXPECT_EQ(h2_conn_get_next_available_stream_id(e.c, &promised), 0); }
      else promised = 2;
      rc = Push(e.c, sid, promised ? promised : 2, Req("GET", "/x"));
      want_type = kPushPromise;
      break;
    }
    case kAPrioritize:
      rc = h2_conn_prioritize(e.c, sid, &pri);
      want_type = kPriority;
      break;
  }
  auto fs = e.Out();
  if (cell.alt_rc != 1 && rc == cell.alt_rc)
    SUCCEED();
  else
    EXPECT_EQ(rc, cell.want_rc) << h2_conn_last_error(e.c);
  if (cell.want_rc == 0 && rc == 0) {
    const Frame *f = FindFrame(fs, want_type, sid);
    EXPECT_NE(f, nullptr) << "want frame type " << int(want_type) << "\n" << Dump(fs);
    if (f && cell.action == kAEnd) { EXPECT_TRUE(f->flags & kFlagEndStream); }
    if (cell.new_state >= 0) { EXPECT_EQ(StreamState(e.c, sid), cell.new_state); }
  } else if (rc != 0) {
    EXPECT_TRUE(fs.empty()) << "a refused action sends nothing\n" << Dump(fs);
    EXPECT_STRNE(h2_conn_last_error(e.c), "");
    if (cell.state != kIdle) {
      EXPECT_EQ(StreamState(e.c, sid), PublicState(cell.state)) << "state unchanged";
    }
  }
}

std::string ActName(const testing::TestParamInfo<ActCell> &i) {
  return std::string(StateName(i.param.state)) + "_" + ActionName(i.param.action);
}

INSTANTIATE_TEST_SUITE_P(Rfc9113Sec5_1, ConnStateAction, testing::ValuesIn(kActTable), ActName);

}  // namespace
