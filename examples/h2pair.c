/* h2pair: an HTTP/2 client and server talking to each other in memory.
 *
 * Both ends are libh2 connections driven through the public API only. The
 * client sends a GET and a POST with a body; the server answers each; the
 * bytes each side writes are fed to the other until both are quiet. Every
 * event each side sees is printed, with the frames' byte counts. */
#include <h2/h2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct peer {
  const char *name;
  h2_conn *conn;
} peer;

static void check(int rv, const char *what) {
  if (rv < 0) {
    fprintf(stderr, "h2pair: %s: %s\n", what, h2_strerror(rv));
    exit(1);
  }
}

#define HDR(n, v)                                                            \
  { (const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1, 0 }

static const char *event_name(int type) {
  switch (type) {
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

/* Print one event; a server answers requests and echoes bodies. */
static void handle(peer *p, const h2_event *ev, int is_server) {
  int type = h2_event_type(ev);
  uint32_t sid = h2_event_stream_id(ev);
  size_t i, n, len = 0;
  const uint8_t *data;

  printf("  %s: %s", p->name, event_name(type));
  if (sid) printf(" stream=%u", sid);
  if (h2_event_related(ev) & H2_REL_STREAM_ENDED) printf(" (ends stream)");
  printf("\n");

  n = h2_event_header_count(ev);
  for (i = 0; i < n; i++) {
    h2_header h;
    if (h2_event_header(ev, i, &h) == 1)
      printf("      %.*s: %.*s\n", (int)h.name_len, (const char *)h.name,
             (int)h.value_len, (const char *)h.value);
  }
  if (type == H2_EV_REMOTE_SETTINGS_CHANGED || type == H2_EV_SETTINGS_ACKNOWLEDGED) {
    n = h2_event_setting_count(ev);
    for (i = 0; i < n; i++) {
      h2_changed_setting s;
      if (h2_event_setting(ev, i, &s) == 1)
        printf("      setting 0x%x: %u\n", s.id, s.new_value);
    }
  }
  if (type == H2_EV_CONNECTION_TERMINATED || type == H2_EV_STREAM_RESET)
    printf("      error code %u\n", h2_event_error_code(ev));
  if (type == H2_EV_WINDOW_UPDATED)
    printf("      delta %u\n", h2_event_delta(ev));
  if (type == H2_EV_DATA_RECEIVED) {
    data = h2_event_data(ev, &len);
    printf("      %zu bytes: \"", len);
    for (i = 0; i < len; i++) {
      if (data[i] == '\n') printf("\\n");
      else if (data[i] < 0x20 || data[i] >= 0x7f) printf("\\x%02x", data[i]);
      else putchar(data[i]);
    }
    printf("\"\n");
    /* The application consumed the bytes: give the credit back. */
    check(h2_conn_acknowledge_received_data(
              p->conn, sid, h2_event_flow_controlled_length(ev)),
          "acknowledge_received_data");
  }

  if (!is_server) return;
  if (type == H2_EV_REQUEST_RECEIVED &&
      (h2_event_related(ev) & H2_REL_STREAM_ENDED)) {
    static const h2_header resp[] = {HDR(":status", "200"),
                                     HDR("content-type", "text/plain"),
                                     HDR("server", "h2pair")};
    static const char body[] = "hello from libh2\n";
    check(h2_conn_send_headers(p->conn, sid, resp, 3, 0, NULL), "send_headers");
    check(h2_conn_send_data(p->conn, sid, (const uint8_t *)body, sizeof(body) - 1,
                            H2_SEND_END_STREAM, 0),
          "send_data");
  } else if (type == H2_EV_DATA_RECEIVED &&
             (h2_event_related(ev) & H2_REL_STREAM_ENDED)) {
    static const h2_header resp[] = {HDR(":status", "200"),
                                     HDR("content-type", "text/plain")};
    check(h2_conn_send_headers(p->conn, sid, resp, 2, 0, NULL), "send_headers");
    check(h2_conn_send_data(p->conn, sid, data, len, H2_SEND_END_STREAM, 0),
          "send_data");
  }
}

/* Move everything from one side to the other; returns the bytes moved. */
static size_t transfer(peer *from, peer *to, int to_is_server) {
  const uint8_t *bytes;
  size_t len = 0;
  const h2_event *ev;
  check(h2_conn_peek_data(from->conn, &bytes, &len), "peek_data");
  if (len == 0) return 0;
  printf("%s -> %s: %zu bytes\n", from->name, to->name, len);
  check(h2_conn_receive(to->conn, bytes, len, 0), "receive");
  check(h2_conn_consume_data(from->conn, len), "consume_data");
  while (h2_conn_next_event(to->conn, &ev) == 1) handle(to, ev, to_is_server);
  return len;
}

static h2_conn *make(int side) {
  h2_config *cfg;
  h2_conn *conn;
  check(h2_config_new(&cfg, side), "config_new");
  check(h2_conn_new(&conn, cfg), "conn_new");
  h2_config_free(cfg);
  check(h2_conn_initiate(conn), "initiate");
  return conn;
}

int main(void) {
  static const h2_header get[] = {HDR(":method", "GET"), HDR(":scheme", "http"),
                                  HDR(":authority", "example.com"),
                                  HDR(":path", "/hello"),
                                  HDR("user-agent", "h2pair/1.0")};
  static const h2_header post[] = {HDR(":method", "POST"), HDR(":scheme", "http"),
                                   HDR(":authority", "example.com"),
                                   HDR(":path", "/echo"),
                                   HDR("content-length", "13")};
  peer client = {"client", NULL}, server = {"server", NULL};
  uint32_t sid;
  size_t moved;

  printf("libh2 %s: a client and a server in memory\n\n", h2_version());
  client.conn = make(H2_SIDE_CLIENT);
  server.conn = make(H2_SIDE_SERVER);

  check(h2_conn_get_next_available_stream_id(client.conn, &sid), "next stream id");
  check(h2_conn_send_headers(client.conn, sid, get, 5, H2_SEND_END_STREAM, NULL),
        "send_headers");
  check(h2_conn_get_next_available_stream_id(client.conn, &sid), "next stream id");
  check(h2_conn_send_headers(client.conn, sid, post, 5, 0, NULL), "send_headers");
  check(h2_conn_send_data(client.conn, sid, (const uint8_t *)"echo me back!", 13,
                          H2_SEND_END_STREAM, 0),
        "send_data");

  do {
    moved = transfer(&client, &server, 1);
    moved += transfer(&server, &client, 0);
  } while (moved);

  check(h2_conn_close(client.conn, H2_NO_ERROR, H2_LAST_STREAM_AUTO, NULL, 0), "close");
  transfer(&client, &server, 1);
  printf("\nclient state %d, server state %d (3 = closed)\n",
         h2_conn_state(client.conn), h2_conn_state(server.conn));
  h2_conn_free(client.conn);
  h2_conn_free(server.conn);
  return 0;
}
