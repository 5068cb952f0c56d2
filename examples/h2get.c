/* h2get: fetch http:// URLs over cleartext HTTP/2 with libh2.
 *
 * All URLs (same host and port) are requested concurrently on one
 * connection, started with prior knowledge or, with --upgrade, with an
 * HTTP/1.1 "Upgrade: h2c" request for the first URL (RFC 7540 §3.2). Each
 * response is printed to stdout in the order of the URLs: a status line,
 * the header fields, an empty line and the body. Responses that complete
 * out of turn are held until their turn. -v traces the connection (the
 * requests sent, every event, byte counts in and out) on stderr.
 *
 * Exit status: 0 when every request got a complete response; 1 on a
 * connection, protocol or stream error; 2 on bad usage. */
#define _GNU_SOURCE
#include <h2/h2.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef struct url {
  const char *text;
  char host[256]; /* without brackets */
  char authority[300];
  char port[8];
  char *path; /* path and query */
} url;

typedef struct req {
  url u;
  uint32_t sid;
  size_t sent;    /* request body bytes sent */
  int body_done;  /* END_STREAM sent */
  int status;
  int done;       /* response complete */
  int failed;
  char *held;     /* output held until its turn */
  size_t held_len, held_cap;
} req;

static struct {
  int verbose;
  int upgrade;
  const char *method;
  uint8_t *data;
  size_t data_len;
  int has_data;
  const char *extra[32];
  size_t nextra;
  int timeout_ms;
  req *reqs;
  size_t nreqs;
  size_t turn; /* index of the response printed now */
  int fd;
  h2_conn *conn;
  int errors;
} g;

static void print_trace(void);

static void fail(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0)));
static void fail(const char *fmt, const char *arg) {
  fprintf(stderr, "h2get: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(1);
}

static void check(int rv, const char *what) {
  if (rv < 0) {
    fprintf(stderr, "h2get: %s: %s", what, h2_strerror(rv));
    if (g.conn && *h2_conn_last_error(g.conn))
      fprintf(stderr, " (%s)", h2_conn_last_error(g.conn));
    fputc('\n', stderr);
    exit(1);
  }
}

static h2_header mkhdr(const char *name, size_t nlen, const char *value, size_t vlen) {
  h2_header h;
  h.name = (const uint8_t *)name;
  h.name_len = nlen;
  h.value = (const uint8_t *)value;
  h.value_len = vlen;
  h.flags = 0;
  return h;
}

static h2_header hdr(const char *name, const char *value) {
  return mkhdr(name, strlen(name), value, strlen(value));
}

/* ---- URLs --------------------------------------------------------------- */

static int parse_url(const char *text, url *u) {
  const char *p, *auth, *auth_end, *host_end;
  size_t hlen;
  memset(u, 0, sizeof(*u));
  u->text = text;
  if (strncasecmp(text, "http://", 7) != 0) return -1;
  auth = text + 7;
  auth_end = auth + strcspn(auth, "/?#");
  if (auth_end == auth || (size_t)(auth_end - auth) >= sizeof(u->authority)) return -1;
  memcpy(u->authority, auth, (size_t)(auth_end - auth));
  if (memchr(auth, '@', (size_t)(auth_end - auth))) return -1; /* no userinfo */
  if (*auth == '[') {
    host_end = memchr(auth, ']', (size_t)(auth_end - auth));
    if (!host_end) return -1;
    hlen = (size_t)(host_end - auth - 1);
    if (hlen >= sizeof(u->host)) return -1;
    memcpy(u->host, auth + 1, hlen);
    p = host_end + 1;
  } else {
    host_end = memchr(auth, ':', (size_t)(auth_end - auth));
    if (!host_end) host_end = auth_end;
    hlen = (size_t)(host_end - auth);
    if (hlen == 0 || hlen >= sizeof(u->host)) return -1;
    memcpy(u->host, auth, hlen);
    p = host_end;
  }
  if (p < auth_end) {
    size_t plen;
    if (*p != ':') return -1;
    plen = (size_t)(auth_end - p - 1);
    if (plen == 0 || plen >= sizeof(u->port) || strspn(p + 1, "0123456789") < plen)
      return -1;
    memcpy(u->port, p + 1, plen);
  } else {
    strcpy(u->port, "80");
  }
  /* The path and query; a fragment is not sent. */
  p = auth_end;
  hlen = strcspn(p, "#");
  u->path = malloc(hlen + 2);
  if (!u->path) return -1;
  if (hlen == 0 || *p == '?') {
    u->path[0] = '/';
    memcpy(u->path + 1, p, hlen);
    u->path[hlen + 1] = '\0';
  } else {
    memcpy(u->path, p, hlen);
    u->path[hlen] = '\0';
  }
  return 0;
}

/* ---- output ----------------------------------------------------------------- */

/* Text for the response of r: printed now if it is r's turn, else held. */
static void out(req *r, const void *data, size_t len) {
  if (r == &g.reqs[g.turn]) {
    if (len && fwrite(data, 1, len, stdout) != len) fail("writing output: %s", strerror(errno));
    return;
  }
  if (r->held_len + len > r->held_cap) {
    size_t cap = r->held_cap ? r->held_cap : 4096;
    char *np;
    while (cap < r->held_len + len) cap *= 2;
    np = realloc(r->held, cap);
    if (!np) fail("%s", "out of memory");
    r->held = np;
    r->held_cap = cap;
  }
  memcpy(r->held + r->held_len, data, len);
  r->held_len += len;
}

static void outs(req *r, const char *s) { out(r, s, strlen(s)); }

/* Move the turn past finished responses, printing what they held. */
static void advance(void) {
  while (g.turn < g.nreqs) {
    req *r = &g.reqs[g.turn];
    if (r->held_len && fwrite(r->held, 1, r->held_len, stdout) != r->held_len)
      fail("writing output: %s", strerror(errno));
    free(r->held);
    r->held = NULL;
    r->held_len = r->held_cap = 0;
    if (!r->done) break;
    g.turn++;
  }
  fflush(stdout);
}

static req *find(uint32_t sid) {
  size_t i;
  for (i = 0; i < g.nreqs; i++)
    if (g.reqs[i].sid == sid) return &g.reqs[i];
  return NULL;
}

static void finish(req *r, int failed) {
  if (r->done) return;
  r->done = 1;
  r->failed = failed;
  if (failed) g.errors++;
  advance();
}

/* ---- tracing (-v) ------------------------------------------------------------- */

static const char *event_name(int type) {
  switch (type) {
  case H2_EV_REQUEST_RECEIVED: return "REQUEST_RECEIVED";
  case H2_EV_RESPONSE_RECEIVED: return "RESPONSE_RECEIVED";
  case H2_EV_TRAILERS_RECEIVED: return "TRAILERS_RECEIVED";
  case H2_EV_INFORMATIONAL_RESPONSE_RECEIVED: return "INFORMATIONAL_RESPONSE_RECEIVED";
  case H2_EV_DATA_RECEIVED: return "DATA_RECEIVED";
  case H2_EV_WINDOW_UPDATED: return "WINDOW_UPDATED";
  case H2_EV_REMOTE_SETTINGS_CHANGED: return "REMOTE_SETTINGS_CHANGED";
  case H2_EV_SETTINGS_ACKNOWLEDGED: return "SETTINGS_ACKNOWLEDGED";
  case H2_EV_PING_RECEIVED: return "PING_RECEIVED";
  case H2_EV_PING_ACK_RECEIVED: return "PING_ACK_RECEIVED";
  case H2_EV_STREAM_ENDED: return "STREAM_ENDED";
  case H2_EV_STREAM_RESET: return "STREAM_RESET";
  case H2_EV_PUSHED_STREAM_RECEIVED: return "PUSHED_STREAM_RECEIVED";
  case H2_EV_PRIORITY_UPDATED: return "PRIORITY_UPDATED";
  case H2_EV_CONNECTION_TERMINATED: return "CONNECTION_TERMINATED";
  case H2_EV_ALTERNATIVE_SERVICE_AVAILABLE: return "ALTERNATIVE_SERVICE_AVAILABLE";
  case H2_EV_UNKNOWN_FRAME_RECEIVED: return "UNKNOWN_FRAME_RECEIVED";
  case H2_EV_PRIORITY_UPDATE_RECEIVED: return "PRIORITY_UPDATE_RECEIVED";
  case H2_EV_ORIGIN_RECEIVED: return "ORIGIN_RECEIVED";
  default: return "?";
  }
}

static const char *setting_name(uint16_t id) {
  switch (id) {
  case H2_SETTING_HEADER_TABLE_SIZE: return "HEADER_TABLE_SIZE";
  case H2_SETTING_ENABLE_PUSH: return "ENABLE_PUSH";
  case H2_SETTING_MAX_CONCURRENT_STREAMS: return "MAX_CONCURRENT_STREAMS";
  case H2_SETTING_INITIAL_WINDOW_SIZE: return "INITIAL_WINDOW_SIZE";
  case H2_SETTING_MAX_FRAME_SIZE: return "MAX_FRAME_SIZE";
  case H2_SETTING_MAX_HEADER_LIST_SIZE: return "MAX_HEADER_LIST_SIZE";
  case H2_SETTING_ENABLE_CONNECT_PROTOCOL: return "ENABLE_CONNECT_PROTOCOL";
  case H2_SETTING_NO_RFC7540_PRIORITIES: return "NO_RFC7540_PRIORITIES";
  default: return "unknown";
  }
}

static void trace_event(const h2_event *ev) {
  int type = h2_event_type(ev);
  uint32_t sid = h2_event_stream_id(ev);
  size_t i, n, len = 0;
  if (!g.verbose) return;
  fprintf(stderr, "< %s", event_name(type));
  if (sid) fprintf(stderr, " stream=%u", sid);
  if (h2_event_related(ev) & H2_REL_STREAM_ENDED) fprintf(stderr, " (END_STREAM)");
  switch (type) {
  case H2_EV_DATA_RECEIVED:
    (void)h2_event_data(ev, &len);
    fprintf(stderr, " %zu bytes (flow-controlled %zu)", len,
            h2_event_flow_controlled_length(ev));
    break;
  case H2_EV_WINDOW_UPDATED: fprintf(stderr, " delta=%u", h2_event_delta(ev)); break;
  case H2_EV_STREAM_RESET:
    fprintf(stderr, " error=0x%x %s", h2_event_error_code(ev),
            h2_event_remote_reset(ev) ? "(by server)" : "(by us)");
    break;
  case H2_EV_CONNECTION_TERMINATED: {
    const uint8_t *dbg = h2_event_data(ev, &len);
    fprintf(stderr, " error=0x%x last_stream=%u", h2_event_error_code(ev),
            h2_event_related_stream_id(ev));
    if (len) fprintf(stderr, " debug=\"%.*s\"", (int)len, (const char *)dbg);
    break;
  }
  case H2_EV_PING_RECEIVED:
  case H2_EV_PING_ACK_RECEIVED: {
    uint8_t op[8];
    (void)h2_event_ping_data(ev, op);
    fprintf(stderr, " opaque=%02x%02x%02x%02x%02x%02x%02x%02x", op[0], op[1], op[2],
            op[3], op[4], op[5], op[6], op[7]);
    break;
  }
  case H2_EV_UNKNOWN_FRAME_RECEIVED: {
    uint8_t ft = 0, fl = 0;
    (void)h2_event_frame_type(ev, &ft, &fl);
    (void)h2_event_data(ev, &len);
    fprintf(stderr, " type=0x%02x flags=0x%02x %zu bytes", ft, fl, len);
    break;
  }
  default: break;
  }
  fputc('\n', stderr);
  n = h2_event_header_count(ev);
  for (i = 0; i < n; i++) {
    h2_header h;
    if (h2_event_header(ev, i, &h) == 1)
      fprintf(stderr, "<   %.*s: %.*s\n", (int)h.name_len, (const char *)h.name,
              (int)h.value_len, (const char *)h.value);
  }
  n = h2_event_setting_count(ev);
  for (i = 0; i < n; i++) {
    h2_changed_setting s;
    if (h2_event_setting(ev, i, &s) == 1)
      fprintf(stderr, "<   %s (0x%x) = %u\n", setting_name(s.id), s.id, s.new_value);
  }
}

/* ---- requests -------------------------------------------------------------------- */

/* Request headers of r into h (at most 8 + nextra). */
static size_t request_headers(const req *r, h2_header *h, char *clen, size_t clen_cap) {
  size_t n = 0, i;
  h[n++] = hdr(":method", g.method);
  h[n++] = hdr(":scheme", "http");
  h[n++] = hdr(":authority", r->u.authority);
  h[n++] = hdr(":path", r->u.path);
  h[n++] = hdr("user-agent", "h2get/libh2");
  h[n++] = hdr("accept", "*/*");
  if (g.has_data) {
    snprintf(clen, clen_cap, "%zu", g.data_len);
    h[n++] = hdr("content-length", clen);
  }
  for (i = 0; i < g.nextra; i++) {
    const char *e = g.extra[i], *colon = strchr(e, ':'), *v;
    size_t nlen;
    if (!colon || colon == e) continue;
    nlen = (size_t)(colon - e);
    v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    h[n++] = mkhdr(e, nlen, v, strlen(v));
  }
  return n;
}

static void send_request(req *r) {
  h2_header h[8 + 32];
  char clen[24];
  size_t i, n = request_headers(r, h, clen, sizeof(clen));
  uint32_t flags = (!g.has_data || g.data_len == 0) ? H2_SEND_END_STREAM : 0;
  check(h2_conn_get_next_available_stream_id(g.conn, &r->sid), "next stream id");
  check(h2_conn_send_headers(g.conn, r->sid, h, n, flags, NULL), "send_headers");
  if (flags) r->body_done = 1;
  if (g.verbose) {
    fprintf(stderr, "> HEADERS stream=%u%s\n", r->sid, flags ? " (END_STREAM)" : "");
    for (i = 0; i < n; i++)
      fprintf(stderr, ">   %.*s: %.*s\n", (int)h[i].name_len, (const char *)h[i].name,
              (int)h[i].value_len, (const char *)h[i].value);
  }
}

/* Send request bodies within the flow-control windows. */
static void pump(void) {
  size_t i;
  int progress = 1;
  if (h2_conn_state(g.conn) == H2_CONN_CLOSED) return;
  while (progress) {
    progress = 0;
    for (i = 0; i < g.nreqs; i++) {
      req *r = &g.reqs[i];
      int64_t window = 0;
      size_t n = g.data_len - r->sent, maxf = h2_conn_max_outbound_frame_size(g.conn);
      uint32_t flags = 0;
      if (r->body_done || r->done) continue;
      if (h2_conn_local_flow_control_window(g.conn, r->sid, &window) < 0 || window <= 0)
        continue;
      if ((uint64_t)n > (uint64_t)window) n = (size_t)window;
      if (n > maxf) n = maxf;
      if (r->sent + n == g.data_len) flags = H2_SEND_END_STREAM;
      check(h2_conn_send_data(g.conn, r->sid, g.data + r->sent, n, flags, 0), "send_data");
      r->sent += n;
      if (g.verbose)
        fprintf(stderr, "> DATA stream=%u %zu bytes%s\n", r->sid, n,
                flags ? " (END_STREAM)" : "");
      if (flags) r->body_done = 1;
      progress = 1;
    }
  }
}

static void on_event(const h2_event *ev) {
  int type = h2_event_type(ev);
  uint32_t sid = h2_event_stream_id(ev);
  req *r = sid ? find(sid) : NULL;
  size_t i, n, len = 0;
  const uint8_t *data;
  trace_event(ev);
  switch (type) {
  case H2_EV_RESPONSE_RECEIVED:
    if (!r) break;
    if (g.nreqs > 1) {
      outs(r, "==> ");
      outs(r, r->u.text);
      outs(r, " <==\n");
    }
    n = h2_event_header_count(ev);
    for (i = 0; i < n; i++) {
      h2_header h;
      if (h2_event_header(ev, i, &h) != 1) break;
      if (h.name_len == 7 && memcmp(h.name, ":status", 7) == 0) {
        outs(r, "HTTP/2 ");
        out(r, h.value, h.value_len);
        outs(r, "\n");
        r->status = atoi((const char *)h.value); /* digits, then a non-digit or end */
      }
    }
    for (i = 0; i < n; i++) {
      h2_header h;
      if (h2_event_header(ev, i, &h) != 1) break;
      if (h.name_len && h.name[0] == ':') continue;
      out(r, h.name, h.name_len);
      outs(r, ": ");
      out(r, h.value, h.value_len);
      outs(r, "\n");
    }
    outs(r, "\n");
    break;
  case H2_EV_TRAILERS_RECEIVED:
    if (!r) break;
    n = h2_event_header_count(ev);
    for (i = 0; i < n; i++) {
      h2_header h;
      if (h2_event_header(ev, i, &h) == 1)
        fprintf(stderr, "h2get: stream %u trailer %.*s: %.*s\n", sid, (int)h.name_len,
                (const char *)h.name, (int)h.value_len, (const char *)h.value);
    }
    break;
  case H2_EV_DATA_RECEIVED:
    data = h2_event_data(ev, &len);
    if (r) out(r, data, len);
    /* Printed or held: consumed, so the server may send more. */
    (void)h2_conn_acknowledge_received_data(g.conn, sid, h2_event_flow_controlled_length(ev));
    break;
  case H2_EV_STREAM_ENDED:
    if (r) finish(r, 0);
    break;
  case H2_EV_STREAM_RESET:
    if (r && !r->done) {
      fprintf(stderr, "h2get: %s: stream %u reset, error 0x%x\n", r->u.text, sid,
              h2_event_error_code(ev));
      finish(r, 1);
    }
    break;
  case H2_EV_PUSHED_STREAM_RECEIVED: /* push is not wanted: refuse it */
    (void)h2_conn_reset_stream(g.conn, sid, H2_REFUSED_STREAM);
    break;
  case H2_EV_CONNECTION_TERMINATED:
    for (i = 0; i < g.nreqs; i++) {
      req *q = &g.reqs[i];
      /* The engine ignores input once GOAWAY arrived (h2's semantics),
       * so even streams at or below its last stream id end here. */
      if (!q->done) {
        fprintf(stderr, "h2get: %s: connection closed by the server (GOAWAY 0x%x)\n",
                q->u.text, h2_event_error_code(ev));
        finish(q, 1);
      }
    }
    break;
  default:
    break;
  }
}

/* ---- I/O ------------------------------------------------------------------------------ */

static int dial(const url *u) {
  struct addrinfo hints, *res, *ai;
  int fd = -1, rv, one = 1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  rv = getaddrinfo(u->host, u->port, &hints, &res);
  if (rv) {
    fprintf(stderr, "h2get: %s: %s\n", u->host, gai_strerror(rv));
    exit(1);
  }
  for (ai = res; ai; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) fail("cannot connect: %s", strerror(errno));
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) fail("fcntl: %s", strerror(errno));
  if (g.verbose) fprintf(stderr, "* connected to %s port %s\n", u->host, u->port);
  return fd;
}

/* Write raw bytes, then the engine's output. 1 if something is left. */
static int flush(char *raw, size_t *raw_len, int h2_ready) {
  size_t total = 0;
  while (*raw_len) {
    ssize_t n = send(g.fd, raw, *raw_len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
      fail("send: %s", strerror(errno));
    }
    memmove(raw, raw + n, *raw_len - (size_t)n);
    *raw_len -= (size_t)n;
    if (g.verbose) fprintf(stderr, "> %zd bytes sent (HTTP/1.1)\n", n);
  }
  if (!h2_ready) return 0;
  for (;;) {
    const uint8_t *p;
    size_t len = 0;
    ssize_t n;
    check(h2_conn_peek_data(g.conn, &p, &len), "peek_data");
    if (len == 0) break;
    n = send(g.fd, p, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (g.verbose && total) fprintf(stderr, "> %zu bytes sent\n", total);
        print_trace();
        return 1;
      }
      fail("send: %s", strerror(errno));
    }
    check(h2_conn_consume_data(g.conn, (size_t)n), "consume_data");
    total += (size_t)n;
  }
  if (g.verbose && total) fprintf(stderr, "> %zu bytes sent\n", total);
  print_trace();
  return 0;
}

/* -v: every frame read or sent, from the connection's frame trace. */
static void print_trace(void) {
  static const char *names[] = {"DATA",   "HEADERS",      "PRIORITY",
                                "RST_STREAM", "SETTINGS", "PUSH_PROMISE",
                                "PING",   "GOAWAY",       "WINDOW_UPDATE",
                                "CONTINUATION", "ALTSVC", "UNKNOWN_0xb",
                                "ORIGIN"};
  h2_frame_trace t;
  if (!g.verbose) return;
  while (h2_conn_next_trace(g.conn, &t) == 1) {
    const char *name = t.type < sizeof(names) / sizeof(names[0]) ? names[t.type]
                       : t.type == 0x10 ? "PRIORITY_UPDATE"
                                        : "UNKNOWN";
    int ack = t.type == 0x4 || t.type == 0x6;
    fprintf(stderr, "%c [frame] %s stream=%u length=%u flags=0x%02x%s%s%s%s%s\n",
            t.outbound ? '>' : '<', name, (unsigned)t.stream_id,
            (unsigned)t.length, (unsigned)t.flags,
            ack && (t.flags & 0x1) ? " ACK" : "",
            !ack && (t.flags & 0x1) ? " END_STREAM" : "",
            (t.flags & 0x4) ? " END_HEADERS" : "",
            (t.flags & 0x8) ? " PADDED" : "",
            (t.flags & 0x20) ? " PRIORITY" : "");
  }
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void receive(const uint8_t *data, size_t len) {
  const h2_event *ev;
  int rv = h2_conn_receive(g.conn, data, len, now_ms());
  print_trace(); /* the frames read, then what they meant */
  while (h2_conn_next_event(g.conn, &ev) == 1) on_event(ev);
  if (rv < 0) {
    fprintf(stderr, "h2get: protocol error: %s (%s)\n", h2_strerror(rv),
            h2_conn_last_error(g.conn));
    g.errors++;
  }
}

static int all_done(void) { return g.turn >= g.nreqs; }

static void read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  size_t cap = 65536;
  if (!f) fail("%s: cannot open", path);
  g.data = malloc(cap);
  for (;;) {
    size_t n;
    if (!g.data) fail("%s", "out of memory");
    n = fread(g.data + g.data_len, 1, cap - g.data_len, f);
    g.data_len += n;
    if (n == 0) break;
    if (g.data_len == cap) {
      cap *= 2;
      g.data = realloc(g.data, cap);
    }
  }
  if (ferror(f)) fail("%s: read error", path);
  fclose(f);
  g.has_data = 1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: h2get [options] URL...\n"
          "\n"
          "Fetch http:// URLs (all on the same host and port) concurrently over one\n"
          "cleartext HTTP/2 connection; print each status, header fields and body.\n"
          "\n"
          "  -d, --data DATA        send DATA as the request body (method POST)\n"
          "      --data-file FILE   send FILE's contents as the request body\n"
          "  -X, --method METHOD    request method [GET, or POST with a body]\n"
          "  -H, --header 'N: V'    add a request header field (repeatable)\n"
          "      --upgrade          start with HTTP/1.1 Upgrade: h2c, not prior knowledge\n"
          "      --timeout SECONDS  give up after this long without progress [30]\n"
          "  -v, --verbose          trace frames, events and byte counts on stderr\n"
          "  -h, --help             this text\n"
          "\n"
          "Exit status: 0 if every response arrived complete, 1 on errors, 2 on usage.\n");
}

int main(int argc, char **argv) {
  enum { O_DATA_FILE = 256, O_UPGRADE, O_TIMEOUT };
  static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                       {"data-file", required_argument, NULL, O_DATA_FILE},
                                       {"method", required_argument, NULL, 'X'},
                                       {"header", required_argument, NULL, 'H'},
                                       {"upgrade", no_argument, NULL, O_UPGRADE},
                                       {"timeout", required_argument, NULL, O_TIMEOUT},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  h2_config *cfg;
  char raw[8192];
  size_t raw_len = 0, i;
  int opt, h2_ready, closing = 0;
  char *h1 = NULL; /* --upgrade: the HTTP/1.1 response head read so far */
  size_t h1_len = 0;

  g.timeout_ms = 30000;
  while ((opt = getopt_long(argc, argv, "d:X:H:vh", opts, NULL)) != -1) {
    switch (opt) {
    case 'd':
      free(g.data);
      g.data_len = strlen(optarg);
      g.data = malloc(g.data_len + 1);
      if (!g.data) fail("%s", "out of memory");
      memcpy(g.data, optarg, g.data_len + 1);
      g.has_data = 1;
      break;
    case O_DATA_FILE:
      free(g.data);
      g.data = NULL;
      g.data_len = 0;
      read_file(optarg);
      break;
    case 'X': g.method = optarg; break;
    case 'H':
      if (g.nextra == sizeof(g.extra) / sizeof(g.extra[0])) fail("%s", "too many -H");
      g.extra[g.nextra++] = optarg;
      break;
    case O_UPGRADE: g.upgrade = 1; break;
    case O_TIMEOUT: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v <= 0 || v > 86400) {
        fprintf(stderr, "h2get: bad --timeout: %s\n", optarg);
        return 2;
      }
      g.timeout_ms = (int)v * 1000;
      break;
    }
    case 'v': g.verbose = 1; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  if (!g.method) g.method = g.has_data ? "POST" : "GET";
  g.nreqs = (size_t)(argc - optind);
  g.reqs = calloc(g.nreqs, sizeof(req));
  if (!g.reqs) fail("%s", "out of memory");
  for (i = 0; i < g.nreqs; i++) {
    if (parse_url(argv[optind + (int)i], &g.reqs[i].u) < 0) {
      fprintf(stderr, "h2get: not an http:// URL: %s\n", argv[optind + (int)i]);
      return 2;
    }
    if (strcasecmp(g.reqs[i].u.host, g.reqs[0].u.host) != 0 ||
        strcmp(g.reqs[i].u.port, g.reqs[0].u.port) != 0) {
      fprintf(stderr, "h2get: all URLs must be on the same host and port: %s\n",
              g.reqs[i].u.text);
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);

  g.fd = dial(&g.reqs[0].u);
  check(h2_config_new(&cfg, H2_SIDE_CLIENT), "config_new");
  /* No server push wanted; a larger window lets responses flow. */
  check(h2_config_set_setting(cfg, H2_SETTING_ENABLE_PUSH, 0), "config");
  check(h2_config_set_setting(cfg, H2_SETTING_INITIAL_WINDOW_SIZE, 1u << 20), "config");
  if (g.verbose) check(h2_config_set(cfg, H2_OPT_TRACE_FRAMES, 4096), "config");
  check(h2_conn_new(&g.conn, cfg), "conn_new");
  h2_config_free(cfg);

  if (g.upgrade) {
    /* The first request goes as HTTP/1.1 and becomes stream 1; the
     * engine's output (preface, SETTINGS, further requests) waits for 101. */
    uint8_t settings[256];
    size_t slen = 0;
    req *r = &g.reqs[0];
    int n;
    check(h2_conn_initiate_upgrade(g.conn, NULL, 0, settings, sizeof(settings), &slen),
          "initiate_upgrade");
    n = snprintf(raw, sizeof(raw),
                 "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                 "Upgrade: h2c\r\nHTTP2-Settings: %.*s\r\nUser-Agent: h2get/libh2\r\n"
                 "Accept: */*\r\n",
                 g.method, r->u.path, r->u.authority, (int)slen, (const char *)settings);
    if (n < 0 || (size_t)n >= sizeof(raw) - 64) fail("%s", "request too long");
    raw_len = (size_t)n;
    for (i = 0; i < g.nextra; i++) {
      n = snprintf(raw + raw_len, sizeof(raw) - raw_len, "%s\r\n", g.extra[i]);
      if (n < 0 || raw_len + (size_t)n >= sizeof(raw) - 64) fail("%s", "request too long");
      raw_len += (size_t)n;
    }
    if (g.has_data)
      raw_len += (size_t)snprintf(raw + raw_len, sizeof(raw) - raw_len,
                                  "Content-Length: %zu\r\n", g.data_len);
    raw_len += (size_t)snprintf(raw + raw_len, sizeof(raw) - raw_len, "\r\n");
    if (g.verbose) fprintf(stderr, "> HTTP/1.1 upgrade request:\n%.*s", (int)raw_len, raw);
    r->sid = 1;
    r->body_done = 1;
    /* The body is sent as HTTP/1.1, after the head. */
    if (g.has_data && g.data_len) {
      size_t off = 0;
      while (off < raw_len) {
        ssize_t w = send(g.fd, raw + off, raw_len - off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EINTR) fail("send: %s", strerror(errno));
        if (w > 0) off += (size_t)w;
        if (w < 0 && errno == EAGAIN) {
          struct pollfd pf = {g.fd, POLLOUT, 0};
          (void)poll(&pf, 1, g.timeout_ms);
        }
      }
      raw_len = 0;
      off = 0;
      while (off < g.data_len) {
        ssize_t w = send(g.fd, g.data + off, g.data_len - off, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EINTR) fail("send: %s", strerror(errno));
        if (w > 0) off += (size_t)w;
        if (w < 0 && errno == EAGAIN) {
          struct pollfd pf = {g.fd, POLLOUT, 0};
          (void)poll(&pf, 1, g.timeout_ms);
        }
      }
    }
    for (i = 1; i < g.nreqs; i++) send_request(&g.reqs[i]);
    h2_ready = 0;
  } else {
    check(h2_conn_initiate(g.conn), "initiate");
    for (i = 0; i < g.nreqs; i++) send_request(&g.reqs[i]);
    h2_ready = 1;
  }
  pump();

  for (;;) {
    struct pollfd pfd;
    int rv, blocked;
    if (!closing && (all_done() || h2_conn_state(g.conn) == H2_CONN_CLOSED)) {
      if (h2_conn_state(g.conn) != H2_CONN_CLOSED)
        (void)h2_conn_close(g.conn, H2_NO_ERROR, H2_LAST_STREAM_AUTO, NULL, 0);
      closing = 1;
    }
    blocked = flush(raw, &raw_len, h2_ready);
    if (closing && !blocked) break;
    pfd.fd = g.fd;
    pfd.events = (short)(POLLIN | (blocked ? POLLOUT : 0));
    pfd.revents = 0;
    rv = poll(&pfd, 1, g.timeout_ms);
    if (rv < 0) {
      if (errno == EINTR) continue;
      fail("poll: %s", strerror(errno));
    }
    if (rv == 0) {
      fprintf(stderr, "h2get: timed out\n");
      g.errors++;
      break;
    }
    if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
      uint8_t buf[65536];
      ssize_t n = recv(g.fd, buf, sizeof(buf), 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        fprintf(stderr, "h2get: recv: %s\n", strerror(errno));
        g.errors++;
        break;
      }
      if (n == 0) {
        if (!all_done()) {
          fprintf(stderr, "h2get: the server closed the connection\n");
          g.errors++;
        }
        break;
      }
      if (g.verbose) fprintf(stderr, "< %zd bytes received\n", n);
      if (h2_ready) {
        receive(buf, (size_t)n);
      } else {
        /* --upgrade: the HTTP/1.1 response head first. */
        char *eoh, *np = realloc(h1, h1_len + (size_t)n + 1);
        size_t hlen;
        if (!np) fail("%s", "out of memory");
        h1 = np;
        memcpy(h1 + h1_len, buf, (size_t)n);
        h1_len += (size_t)n;
        h1[h1_len] = '\0';
        eoh = memmem(h1, h1_len, "\r\n\r\n", 4);
        if (!eoh) {
          if (h1_len > 65536) fail("%s", "HTTP/1.1 response head too long");
          continue;
        }
        hlen = (size_t)(eoh - h1) + 4;
        if (g.verbose) fprintf(stderr, "< HTTP/1.1 response head:\n%.*s", (int)hlen, h1);
        if (h1_len < 12 || memcmp(h1, "HTTP/1.", 7) != 0 || memcmp(h1 + 8, " 101", 4) != 0) {
          char *eol = strstr(h1, "\r\n");
          fprintf(stderr, "h2get: the server did not upgrade: %.*s\n",
                  eol ? (int)(eol - h1) : (int)h1_len, h1);
          return 1;
        }
        h2_ready = 1;
        if (h1_len > hlen) receive((const uint8_t *)h1 + hlen, h1_len - hlen);
        free(h1);
        h1 = NULL;
        h1_len = 0;
      }
      pump();
    }
  }
  (void)close(g.fd);
  advance();
  for (i = 0; i < g.nreqs; i++) {
    if (!g.reqs[i].done) {
      fprintf(stderr, "h2get: %s: no complete response\n", g.reqs[i].u.text);
      g.errors++;
    }
    free(g.reqs[i].u.path);
    free(g.reqs[i].held);
  }
  free(g.reqs);
  free(g.data);
  free(h1);
  h2_conn_free(g.conn);
  return g.errors ? 1 : 0;
}
