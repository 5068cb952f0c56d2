/* Fuzz target: a server and a client connection fed arbitrary bytes.
 *
 * The first input byte picks the side and options; the rest is cut into
 * slices whose sizes come from the input itself. The server gets the
 * client preface first so the fuzzer reaches frame handling at once. After
 * each slice every event is drained and read through every accessor, and
 * the application reacts as a real one would (answer requests, return
 * flow-control credit, send data, reset), so the send paths run against
 * whatever state the peer's bytes produced (with knob bit 2: DATA sent by
 * reference, output taken with h2_conn_peek_iov() in short writes, DATA
 * received in pieces). Any crash, sanitizer report or leak is a finding;
 * the engine must only ever return status codes. */
#include <h2/h2.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#define HDR(n, v)                                                            \
  { (const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1, 0 }

static void touch_event(h2_conn *conn, const h2_event *ev, int server,
                        uint8_t knob) {
  static const h2_header resp[] = {HDR(":status", "200"), HDR("server", "fuzz")};
  static const h2_header req[] = {HDR(":method", "GET"), HDR(":scheme", "http"),
                                  HDR(":authority", "fuzz"), HDR(":path", "/")};
  size_t i, n, len = 0;
  uint8_t ping[8];
  uint16_t weight;
  int excl;
  uint8_t type, flags;
  uint32_t sid = h2_event_stream_id(ev);
  h2_header h;
  h2_changed_setting s;
  volatile size_t sink = 0;

  n = h2_event_header_count(ev);
  for (i = 0; i <= n; i++)
    if (h2_event_header(ev, i, &h) == 1) sink += h.name_len + h.value_len;
  n = h2_event_setting_count(ev);
  for (i = 0; i <= n; i++)
    if (h2_event_setting(ev, i, &s) == 1) sink += s.new_value;
  if (h2_event_data(ev, &len)) sink += len;
  (void)h2_event_origin(ev, &len);
  (void)h2_event_ping_data(ev, ping);
  (void)h2_event_priority(ev, &weight, &excl);
  (void)h2_event_frame_type(ev, &type, &flags);
  sink += h2_event_error_code(ev) + h2_event_delta(ev) +
          h2_event_related_stream_id(ev) + h2_event_related(ev) +
          (size_t)h2_event_remote_reset(ev) + h2_event_flow_controlled_length(ev);
  (void)sink;

  switch (h2_event_type(ev)) {
  case H2_EV_DATA_RECEIVED:
    h2_conn_acknowledge_received_data(conn, sid, h2_event_flow_controlled_length(ev));
    break;
  case H2_EV_REQUEST_RECEIVED:
    if (server) {
      h2_conn_send_headers(conn, sid, resp, 2, knob & 1 ? H2_SEND_END_STREAM : 0, NULL);
      if (!(knob & 1))
        h2_conn_send_data(conn, sid, (const uint8_t *)"body", 4, H2_SEND_END_STREAM,
                          knob & 2 ? 3 : 0);
      if (knob & 4) {
        uint32_t promised = 0;
        if (h2_conn_get_next_available_stream_id(conn, &promised) == H2_OK)
          h2_conn_push_stream(conn, sid, promised, req, 4);
      }
    }
    break;
  case H2_EV_RESPONSE_RECEIVED:
    if (knob & 8) h2_conn_reset_stream(conn, sid, H2_CANCEL);
    break;
  case H2_EV_WINDOW_UPDATED:
    if (sid && (knob & 16)) {
      static const uint8_t more[200] = {'m', 'o', 'r', 'e'};
      if (knob & 2) /* by reference (the buffer is static) */
        h2_conn_send_data_ref(conn, sid, more, sizeof(more), 0, knob & 1 ? 7 : 0,
                              NULL);
      else
        h2_conn_send_data(conn, sid, more, 4, 0, 0);
    }
    break;
  default:
    break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  h2_config *cfg = NULL;
  h2_conn *conn = NULL;
  const h2_event *ev;
  uint8_t knob, out[4096];
  size_t pos = 1, out_len;
  uint64_t now = 0;
  int server;

  if (size < 1) return 0;
  knob = data[0];
  server = !(knob & 0x80);
  if (h2_config_new(&cfg, server ? H2_SIDE_SERVER : H2_SIDE_CLIENT) != H2_OK) return 0;
  if (knob & 0x40) h2_config_set(cfg, H2_OPT_VALIDATE_INBOUND_HEADERS, 0);
  if (knob & 0x20) h2_config_set(cfg, H2_OPT_MAX_CONTINUATION_FRAMES, 2);
  h2_config_set(cfg, H2_OPT_HPACK_POLICY, (knob & 0x10) ? 1 : 0);
  if (knob & 2) h2_config_set(cfg, H2_OPT_PARTIAL_DATA, 1);
  if (h2_conn_new(&conn, cfg) != H2_OK) {
    h2_config_free(cfg);
    return 0;
  }
  h2_config_free(cfg);
  h2_conn_initiate(conn);
  if (server) h2_conn_receive(conn, kPreface, sizeof(kPreface) - 1, now);
  if (!server) {
    static const h2_header req[] = {HDR(":method", "GET"), HDR(":scheme", "http"),
                                    HDR(":authority", "fuzz"), HDR(":path", "/")};
    h2_conn_send_headers(conn, 1, req, 4, H2_SEND_END_STREAM, NULL);
  }

  while (pos < size) {
    /* Slice length from the next byte: 1..64, or the rest. */
    size_t want = (size_t)(data[pos] & 0x3f) + 1, len;
    if (data[pos] & 0x40) want = size;
    pos++;
    len = size - pos < want ? size - pos : want;
    now += 7;
    h2_conn_receive(conn, data + pos, len, now);
    pos += len;
    while (h2_conn_next_event(conn, &ev) == 1) touch_event(conn, ev, server, knob);
    if (knob & 0x08) h2_conn_ping(conn, NULL);
    if (knob & 2) { /* writev-style, a short write at a time */
      h2_bytes iov[4];
      size_t n = 0;
      while (h2_conn_peek_iov(conn, iov, 4, &n) == H2_OK && n) {
        size_t w = iov[0].len > 1 ? iov[0].len - 1 : iov[0].len;
        if (n > 1) w = iov[0].len + iov[1].len / 2;
        h2_conn_consume_data(conn, w);
      }
    } else {
      while (h2_conn_data_to_send(conn, out, sizeof(out), &out_len) == H2_OK && out_len)
        ;
    }
  }
  (void)h2_conn_last_error(conn);
  h2_conn_free(conn);
  return 0;
}
