/*
 * W1 "roundtrip" and W2 "bulk": the connection engine of libh2 against
 * nghttp2, plus the memory each needs per idle connection and per open
 * stream. See /work/shared/workloads.md (W1, W2, Memory) and
 * bench/README.md.
 *
 * For each library, one client and one server connection object are wired
 * together in memory, without sockets or threads. A pump round: the client
 * tops up its streams; its pending output is copied into a 64 KiB "wire"
 * buffer and each slice (at most 64 KiB, as a socket read would deliver it)
 * is fed to the server, which handles its events after each slice; then the
 * server's output goes to the client the same way. Both libraries' output
 * is copied once into the wire buffer (libh2: h2_conn_data_to_send;
 * nghttp2: the chunks of nghttp2_session_mem_send), as a send() would copy
 * it into a socket; the receiver reads the slice in place.
 *
 *   W1: 20,000 GETs, at most 100 streams open at once; each answered with
 *       four headers and one 1,024-byte body. Figure: requests/s.
 *   W2: one GET answered with a 256 MiB body in 16,384-byte DATA frames;
 *       the client raises its windows to 1 MiB. Figure: GB/s of body.
 *   Memory: live bytes, counted through each library's allocator hook,
 *       of an idle connection and per open stream.
 *
 * Correctness is checked after every exchange, outside the timed region.
 *
 * Modes:
 *   w12_conn [--workload LIST] [--runs N] [--min-time S]   timed (default)
 *   w12_conn --workload W1|W2 --lib L --iterations N       fixed work, no
 *            timing, for valgrind --tool=callgrind
 *            --toggle-collect='w1_run_*' (or 'w2_run_*').
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <h2/h2.h>
#include <nghttp2/nghttp2.h>

/* W1 */
#define W1_REQUESTS 20000u
#define W1_CONCURRENCY 100u
#define W1_BODY 1024u
/* W2 */
#define W2_BODY_MIB 256u
#define W2_FRAME 16384u
#define W2_WINDOW (1u << 20)
/* The W2 body repeats a pseudo-random pattern of this period (a prime, so
 * frames start at every alignment); the source buffer holds one period
 * plus one frame, so any frame is one contiguous read. */
#define W2_PERIOD 1000003u
/* Memory: streams per measurement. */
#define MEM_STREAMS 100u
/* The wire: the most one read delivers. */
#define WIRE_SLICE 65536u

/* ---- utilities ----------------------------------------------------------- */

static void die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
  va_list ap;
  fflush(stdout);
  va_start(ap, fmt);
  fputs("w12_conn: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) die("out of memory (%zu bytes)", n);
  return p;
}

/* A libh2 call that must succeed. */
#define H2_CHECK(call)                                                         \
  do {                                                                         \
    int rv_ = (call);                                                          \
    if (rv_ != H2_OK) die("%s:%d: %s: %s", __FILE__, __LINE__, #call,          \
                          h2_strerror(rv_));                                   \
  } while (0)

/* An nghttp2 call that must succeed (return >= 0). */
#define NG_CHECK(call)                                                         \
  do {                                                                         \
    long rv_ = (long)(call);                                                   \
    if (rv_ < 0) die("%s:%d: %s: %s", __FILE__, __LINE__, #call,               \
                     nghttp2_strerror((int)rv_));                              \
  } while (0)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct stats {
  double median, min, max;
} stats;

static stats summarize(double *v, unsigned n) {
  qsort(v, n, sizeof *v, cmp_double);
  stats s = {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
  return s;
}

static bool bytes_are(const uint8_t *p, size_t n, const char *want) {
  size_t wn = strlen(want);
  return n == wn && memcmp(p, want, wn) == 0;
}

/* ---- counting allocator -----------------------------------------------------
 * Used by both libraries for the memory figures (libh2 through
 * h2_config_set_allocator, nghttp2 through nghttp2_mem). Each block carries
 * its size in a 16-byte header (not counted), so live bytes are exactly
 * what the library asked for and still holds. */

typedef struct counter {
  size_t live, peak;
  uint64_t allocs;
} counter;

#define CNT_HDR 16u

static void *cnt_wrap(counter *c, unsigned char *raw, size_t size) {
  if (!raw) return NULL;
  memcpy(raw, &size, sizeof size);
  c->live += size;
  if (c->live > c->peak) c->peak = c->live;
  c->allocs++;
  return raw + CNT_HDR;
}

static size_t cnt_size(void *ptr) {
  size_t size;
  memcpy(&size, (unsigned char *)ptr - CNT_HDR, sizeof size);
  return size;
}

static void *cnt_malloc(size_t size, void *ud) {
  return cnt_wrap(ud, malloc(size + CNT_HDR), size);
}

static void cnt_free(void *ptr, void *ud) {
  if (!ptr) return;
  counter *c = ud;
  c->live -= cnt_size(ptr);
  free((unsigned char *)ptr - CNT_HDR);
}

static void *cnt_calloc(size_t nmemb, size_t size, void *ud) {
  if (size && nmemb > (SIZE_MAX - CNT_HDR) / size) return NULL;
  return cnt_wrap(ud, calloc(1, nmemb * size + CNT_HDR), nmemb * size);
}

static void *cnt_realloc(void *ptr, size_t size, void *ud) {
  if (!ptr) return cnt_malloc(size, ud);
  counter *c = ud;
  size_t old = cnt_size(ptr);
  unsigned char *raw = realloc((unsigned char *)ptr - CNT_HDR, size + CNT_HDR);
  if (!raw) return NULL;
  c->live -= old;
  c->allocs--; /* cnt_wrap counts one more */
  return cnt_wrap(c, raw, size);
}

static h2_allocator counting_h2(counter *c) {
  h2_allocator a = {cnt_malloc, cnt_free, cnt_calloc, cnt_realloc, c};
  return a;
}

static nghttp2_mem counting_ng(counter *c) {
  nghttp2_mem m = {c, cnt_malloc, cnt_free, cnt_calloc, cnt_realloc};
  return m;
}

/* ---- the headers ------------------------------------------------------------
 * Built once, before any timing. Request i carries :path /resource/<i> and
 * x-request-id <i>. nghttp2 gets NGHTTP2_NV_FLAG_NO_COPY_NAME|VALUE: all
 * strings outlive the sessions, so it need not copy them (its fastest
 * documented use); libh2 encodes the headers during the call. */

#define REQ_FIELDS 8
#define RESP_FIELDS 4
#define REQ_PATH 3 /* index of :path */
#define REQ_ID 7   /* index of x-request-id */
#define REQ_MAX W1_REQUESTS

static char g_path[REQ_MAX][24];
static size_t g_path_len[REQ_MAX];
static char g_id[REQ_MAX][8];
static size_t g_id_len[REQ_MAX];

static const char *const g_req_fields[REQ_FIELDS][2] = {
    {":method", "GET"},
    {":scheme", "https"},
    {":authority", "example.com"},
    {":path", NULL},
    {"user-agent", "bench/1.0"},
    {"accept", "*/*"},
    {"accept-encoding", "gzip, deflate, br"},
    {"x-request-id", NULL},
};

static const char *const g_w1_resp_fields[RESP_FIELDS][2] = {
    {":status", "200"},
    {"content-type", "application/json"},
    {"content-length", "1024"},
    {"server", "bench"},
};

/* W2's content-length is written at start-up (the body size may change). */
static char g_w2_length[24];
static const char *g_w2_resp_fields[RESP_FIELDS][2] = {
    {":status", "200"},
    {"content-type", "application/octet-stream"},
    {"content-length", g_w2_length},
    {"server", "bench"},
};

static h2_header g_req_h2[REQ_FIELDS]; /* :path, x-request-id set per use */
static nghttp2_nv g_req_ng[REQ_FIELDS];
static h2_header g_w1_resp_h2[RESP_FIELDS], g_w2_resp_h2[RESP_FIELDS];
static nghttp2_nv g_w1_resp_ng[RESP_FIELDS], g_w2_resp_ng[RESP_FIELDS];

static uint8_t g_w1_body[W1_BODY];

static h2_header mk_h2(const char *name, const char *value) {
  h2_header h = {(const uint8_t *)name, strlen(name), (const uint8_t *)value,
                 value ? strlen(value) : 0, 0};
  return h;
}

static nghttp2_nv mk_ng(const char *name, const char *value) {
  nghttp2_nv nv = {(uint8_t *)(uintptr_t)name, (uint8_t *)(uintptr_t)value,
                   strlen(name), value ? strlen(value) : 0,
                   NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
  return nv;
}

static void init_headers(uint64_t w2_body) {
  for (unsigned i = 0; i < REQ_MAX; i++) {
    g_path_len[i] = (size_t)snprintf(g_path[i], sizeof g_path[i],
                                     "/resource/%u", i);
    g_id_len[i] = (size_t)snprintf(g_id[i], sizeof g_id[i], "%u", i);
  }
  for (int k = 0; k < REQ_FIELDS; k++) {
    g_req_h2[k] = mk_h2(g_req_fields[k][0], g_req_fields[k][1]);
    g_req_ng[k] = mk_ng(g_req_fields[k][0], g_req_fields[k][1]);
  }
  snprintf(g_w2_length, sizeof g_w2_length, "%llu",
           (unsigned long long)w2_body);
  for (int k = 0; k < RESP_FIELDS; k++) {
    g_w1_resp_h2[k] = mk_h2(g_w1_resp_fields[k][0], g_w1_resp_fields[k][1]);
    g_w1_resp_ng[k] = mk_ng(g_w1_resp_fields[k][0], g_w1_resp_fields[k][1]);
    g_w2_resp_h2[k] = mk_h2(g_w2_resp_fields[k][0], g_w2_resp_fields[k][1]);
    g_w2_resp_ng[k] = mk_ng(g_w2_resp_fields[k][0], g_w2_resp_fields[k][1]);
  }
  for (unsigned i = 0; i < W1_BODY; i++)
    g_w1_body[i] = (uint8_t)('a' + i % 26);
}

/* Request i's header list, for each library. */
static void req_h2(h2_header *h, uint32_t i) {
  memcpy(h, g_req_h2, sizeof g_req_h2);
  h[REQ_PATH].value = (const uint8_t *)g_path[i];
  h[REQ_PATH].value_len = g_path_len[i];
  h[REQ_ID].value = (const uint8_t *)g_id[i];
  h[REQ_ID].value_len = g_id_len[i];
}

static void req_ng(nghttp2_nv *nv, uint32_t i) {
  memcpy(nv, g_req_ng, sizeof g_req_ng);
  nv[REQ_PATH].value = (uint8_t *)g_path[i];
  nv[REQ_PATH].valuelen = g_path_len[i];
  nv[REQ_ID].value = (uint8_t *)g_id[i];
  nv[REQ_ID].valuelen = g_id_len[i];
}

/* ---- connection setup -------------------------------------------------------
 * Both ends send h2's default SETTINGS (the defaults of h2_config_new; for
 * nghttp2 the same seven values, in the same order, with
 * nghttp2_submit_settings). Validation stays at each library's default.
 * nghttp2 returns flow-control credit with its default automatic
 * WINDOW_UPDATE (it counts DATA as consumed the moment it is received);
 * libh2's receivers call h2_conn_acknowledge_received_data for each DATA
 * event. */

static const nghttp2_settings_entry g_ng_settings_client[] = {
    {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096},
    {NGHTTP2_SETTINGS_ENABLE_PUSH, 1},
    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
    {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 16384},
    {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0},
    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 65536},
};
#define NG_NSETTINGS                                                           \
  (sizeof g_ng_settings_client / sizeof g_ng_settings_client[0])

static const nghttp2_settings_entry g_ng_settings_server[NG_NSETTINGS] = {
    {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096},
    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
    {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 16384},
    {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 0},
    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 65536},
};

/* W2's client: INITIAL_WINDOW_SIZE 1 MiB instead. */
static nghttp2_settings_entry g_ng_settings_w2_client[NG_NSETTINGS];

/* Configurations and callback sets, made once (an application makes them
 * once, not per connection). */
static h2_config *g_cfg_client, *g_cfg_server, *g_cfg_w2_client;
static nghttp2_session_callbacks *g_cb_w1_client, *g_cb_w1_server,
    *g_cb_w2_client, *g_cb_w2_server;

static h2_config *h2_cfg(int side, uint32_t initial_window) {
  h2_config *cfg;
  H2_CHECK(h2_config_new(&cfg, side));
  if (initial_window != 65535)
    H2_CHECK(h2_config_set_setting(cfg, H2_SETTING_INITIAL_WINDOW_SIZE,
                                   initial_window));
  return cfg;
}

/* A libh2 connection from cfg, with alloc (NULL: the C library's). */
static h2_conn *h2_open(h2_config *cfg, const h2_allocator *alloc) {
  h2_conn *conn;
  if (alloc) H2_CHECK(h2_config_set_allocator(cfg, alloc));
  H2_CHECK(h2_conn_new(&conn, cfg));
  if (alloc) H2_CHECK(h2_config_set_allocator(cfg, NULL));
  H2_CHECK(h2_conn_initiate(conn));
  return conn;
}

static nghttp2_session *ng_open(bool server, nghttp2_session_callbacks *cb,
                                void *ud, const nghttp2_settings_entry *iv,
                                nghttp2_mem *mem) {
  nghttp2_session *s;
  if (server)
    NG_CHECK(nghttp2_session_server_new3(&s, cb, ud, NULL, mem));
  else
    NG_CHECK(nghttp2_session_client_new3(&s, cb, ud, NULL, mem));
  NG_CHECK(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, NG_NSETTINGS));
  return s;
}

/* ---- the wire ---------------------------------------------------------------
 * Move what `from` has to send to `to`: copied into the 64 KiB slice
 * buffer, each slice fed to `to` whole, then `handle(ctx)` (libh2: the
 * receiver handles its events; nghttp2 has already called its callbacks
 * inside nghttp2_session_mem_recv). Returns the bytes moved. */

typedef void (*h2_handler)(void *ctx);

static size_t h2_transfer(h2_conn *from, h2_conn *to, uint8_t *slice,
                          h2_handler handle, void *ctx) {
  size_t moved = 0;
  for (;;) {
    size_t n;
    H2_CHECK(h2_conn_data_to_send(from, slice, WIRE_SLICE, &n));
    if (n == 0) return moved;
    int rv = h2_conn_receive(to, slice, n, 0);
    if (rv != H2_OK)
      die("h2_conn_receive: %s (%s)", h2_strerror(rv), h2_conn_last_error(to));
    handle(ctx);
    moved += n;
  }
}

static void ng_feed(nghttp2_session *to, const uint8_t *slice, size_t n) {
  ssize_t r = nghttp2_session_mem_recv(to, slice, n);
  if (r < 0) die("nghttp2_session_mem_recv: %s", nghttp2_strerror((int)r));
  if ((size_t)r != n) die("nghttp2_session_mem_recv took %zd of %zu", r, n);
}

static size_t ng_transfer(nghttp2_session *from, nghttp2_session *to,
                          uint8_t *slice) {
  size_t fill = 0, moved = 0;
  for (;;) {
    const uint8_t *p;
    ssize_t n = nghttp2_session_mem_send(from, &p);
    if (n < 0) die("nghttp2_session_mem_send: %s", nghttp2_strerror((int)n));
    if (n == 0) break;
    size_t left = (size_t)n;
    moved += left;
    while (left > 0) {
      size_t k = left < WIRE_SLICE - fill ? left : WIRE_SLICE - fill;
      memcpy(slice + fill, p, k);
      fill += k;
      p += k;
      left -= k;
      if (fill == WIRE_SLICE) {
        ng_feed(to, slice, fill);
        fill = 0;
      }
    }
  }
  if (fill) ng_feed(to, slice, fill);
  return moved;
}

/* A pump loop that stopped moving bytes before it was done. */
#define MAX_IDLE_ROUNDS 3

/* ---- W1 "roundtrip" ---------------------------------------------------------
 */

#define W1_RING 256u /* libh2 server: bodies waiting for window */

typedef struct w1 {
  /* What to do (w1_reset). */
  uint32_t target;      /* requests to issue and complete */
  uint32_t concurrency; /* streams the client keeps open */
  bool respond;         /* the server answers (false: memory figures) */
  /* Client. Request i is on stream 2i+1. */
  uint32_t issued, completed, open, failed;
  uint8_t *status_ok; /* [i]: :status 200 received */
  uint32_t *body_len; /* [i]: body bytes received */
  /* Server. */
  uint32_t seen, srv_failed; /* requests received; streams failed */
  uint64_t path_bytes;       /* sum of the :path lengths received */
  uint32_t *srv_sent;        /* nghttp2: [i] body bytes sent */
  uint32_t ring[W1_RING];    /* libh2: streams whose body is not all sent */
  uint32_t ring_head, ring_tail, head_sent;
  uint64_t rounds;
  /* Connections. */
  h2_conn *hc, *hs;
  nghttp2_session *nc, *ns;
  uint8_t *slice;
} w1;

static void w1_init(w1 *S) {
  memset(S, 0, sizeof *S);
  S->status_ok = xmalloc(REQ_MAX);
  S->body_len = xmalloc(REQ_MAX * sizeof *S->body_len);
  S->srv_sent = xmalloc(REQ_MAX * sizeof *S->srv_sent);
  S->slice = xmalloc(WIRE_SLICE);
}

static void w1_reset(w1 *S, uint32_t target, uint32_t concurrency,
                     bool respond) {
  if (target > REQ_MAX) die("at most %u requests", REQ_MAX);
  S->target = target;
  S->concurrency = concurrency;
  S->respond = respond;
  S->issued = S->completed = S->open = S->failed = 0;
  S->seen = S->srv_failed = 0;
  S->path_bytes = 0;
  S->ring_head = S->ring_tail = S->head_sent = 0;
  S->rounds = 0;
  memset(S->status_ok, 0, REQ_MAX);
  memset(S->body_len, 0, REQ_MAX * sizeof *S->body_len);
  memset(S->srv_sent, 0, REQ_MAX * sizeof *S->srv_sent);
}

/* Stream id -> request index, for a client-opened stream. */
static uint32_t w1_index(const w1 *S, uint32_t sid) {
  uint32_t i = (sid - 1) / 2;
  if (sid % 2 == 0 || i >= S->issued) die("W1: unexpected stream %u", sid);
  return i;
}

/* After the exchange, outside timing: everything arrived intact. */
static void w1_verify(const w1 *S, const char *lib) {
  uint64_t paths = 0;
  for (uint32_t i = 0; i < S->target; i++)
    paths += g_path_len[i];
  if (S->issued != S->target || S->completed != S->target || S->failed ||
      S->srv_failed || S->seen != S->target || S->path_bytes != paths)
    die("W1 %s VERIFY FAILED: issued %u, completed %u of %u, failed %u/%u, "
        "server saw %u requests and %llu path bytes (expected %llu)",
        lib, S->issued, S->completed, S->target, S->failed, S->srv_failed,
        S->seen, (unsigned long long)S->path_bytes,
        (unsigned long long)paths);
  for (uint32_t i = 0; i < S->target; i++)
    if (!S->status_ok[i] || S->body_len[i] != W1_BODY)
      die("W1 %s VERIFY FAILED: request %u: status %s, body %u bytes "
          "(expected 200 and %u)",
          lib, i, S->status_ok[i] ? "200" : "not 200", S->body_len[i],
          W1_BODY);
}

/* -- libh2 -- */

static void w1_h2_request(w1 *S) {
  uint32_t i = S->issued, sid;
  H2_CHECK(h2_conn_get_next_available_stream_id(S->hc, &sid));
  if (sid != 2 * i + 1) die("W1 libh2: next stream id %u, expected %u", sid,
                            2 * i + 1);
  h2_header h[REQ_FIELDS];
  req_h2(h, i);
  H2_CHECK(h2_conn_send_headers(S->hc, sid, h, REQ_FIELDS, H2_SEND_END_STREAM,
                                NULL));
  S->issued++;
  S->open++;
}

/* Server: send what the windows allow of the bodies waiting, in order. */
static void w1_h2_flush(w1 *S) {
  while (S->ring_head != S->ring_tail) {
    uint32_t sid = S->ring[S->ring_head % W1_RING];
    int64_t window;
    H2_CHECK(h2_conn_local_flow_control_window(S->hs, sid, &window));
    if (window <= 0) return;
    size_t left = W1_BODY - S->head_sent;
    size_t n = (uint64_t)window < left ? (size_t)window : left;
    H2_CHECK(h2_conn_send_data(S->hs, sid, g_w1_body + S->head_sent, n,
                               n == left ? H2_SEND_END_STREAM : 0, 0));
    if (n < left) {
      S->head_sent += (uint32_t)n;
      return;
    }
    S->head_sent = 0;
    S->ring_head++;
  }
}

static void w1_h2_server_events(void *ctx) {
  w1 *S = ctx;
  const h2_event *ev;
  while (h2_conn_next_event(S->hs, &ev) == 1) {
    uint32_t sid = h2_event_stream_id(ev);
    switch (h2_event_type(ev)) {
    case H2_EV_REQUEST_RECEIVED: {
      size_t n = h2_event_header_count(ev);
      for (size_t k = 0; k < n; k++) {
        h2_header h;
        h2_event_header(ev, k, &h);
        if (bytes_are(h.name, h.name_len, ":path"))
          S->path_bytes += h.value_len;
      }
      S->seen++;
      if (!S->respond) break;
      H2_CHECK(h2_conn_send_headers(S->hs, sid, g_w1_resp_h2, RESP_FIELDS, 0,
                                    NULL));
      if (S->ring_tail - S->ring_head == W1_RING) die("W1: ring full");
      S->ring[S->ring_tail++ % W1_RING] = sid;
      break;
    }
    case H2_EV_DATA_RECEIVED: {
      size_t fcl = h2_event_flow_controlled_length(ev);
      H2_CHECK(h2_conn_acknowledge_received_data(S->hs, sid, fcl));
      break;
    }
    case H2_EV_STREAM_RESET:
    case H2_EV_CONNECTION_TERMINATED:
      S->srv_failed++;
      die("W1 libh2 server: event %d on stream %u (error code %u)",
          h2_event_type(ev), sid, h2_event_error_code(ev));
    default: break;
    }
  }
  w1_h2_flush(S);
}

static void w1_h2_client_events(void *ctx) {
  w1 *S = ctx;
  const h2_event *ev;
  while (h2_conn_next_event(S->hc, &ev) == 1) {
    uint32_t sid = h2_event_stream_id(ev);
    switch (h2_event_type(ev)) {
    case H2_EV_RESPONSE_RECEIVED: {
      uint32_t i = w1_index(S, sid);
      size_t n = h2_event_header_count(ev);
      for (size_t k = 0; k < n; k++) {
        h2_header h;
        h2_event_header(ev, k, &h);
        if (bytes_are(h.name, h.name_len, ":status"))
          S->status_ok[i] = bytes_are(h.value, h.value_len, "200");
      }
      break;
    }
    case H2_EV_DATA_RECEIVED: {
      size_t len, fcl = h2_event_flow_controlled_length(ev);
      h2_event_data(ev, &len);
      S->body_len[w1_index(S, sid)] += (uint32_t)len;
      H2_CHECK(h2_conn_acknowledge_received_data(S->hc, sid, fcl));
      break;
    }
    case H2_EV_STREAM_ENDED:
      w1_index(S, sid);
      S->completed++;
      S->open--;
      break;
    case H2_EV_STREAM_RESET:
    case H2_EV_CONNECTION_TERMINATED:
      S->failed++;
      die("W1 libh2 client: event %d on stream %u (error code %u)",
          h2_event_type(ev), sid, h2_event_error_code(ev));
    default: break;
    }
  }
}

static void w1_h2_open(w1 *S, const h2_allocator *ca, const h2_allocator *sa) {
  S->hc = h2_open(g_cfg_client, ca);
  S->hs = h2_open(g_cfg_server, sa);
}

static void w1_h2_close(w1 *S) {
  h2_conn_free(S->hc);
  h2_conn_free(S->hs);
  S->hc = S->hs = NULL;
}

/* One pump round; returns the bytes moved both ways. */
static size_t w1_h2_round(w1 *S) {
  while (S->open < S->concurrency && S->issued < S->target)
    w1_h2_request(S);
  size_t moved =
      h2_transfer(S->hc, S->hs, S->slice, w1_h2_server_events, S);
  w1_h2_flush(S);
  moved += h2_transfer(S->hs, S->hc, S->slice, w1_h2_client_events, S);
  S->rounds++;
  return moved;
}

/* ---- nghttp2 -- */

static int w1_ng_client_header(nghttp2_session *s, const nghttp2_frame *f,
                               const uint8_t *name, size_t namelen,
                               const uint8_t *value, size_t valuelen,
                               uint8_t flags, void *ud) {
  (void)s, (void)flags;
  w1 *S = ud;
  if (f->hd.type == NGHTTP2_HEADERS && bytes_are(name, namelen, ":status"))
    S->status_ok[w1_index(S, (uint32_t)f->hd.stream_id)] =
        bytes_are(value, valuelen, "200");
  return 0;
}

static int w1_ng_client_data(nghttp2_session *s, uint8_t flags, int32_t sid,
                             const uint8_t *data, size_t len, void *ud) {
  (void)s, (void)flags, (void)data;
  w1 *S = ud;
  S->body_len[w1_index(S, (uint32_t)sid)] += (uint32_t)len;
  return 0;
}

static int w1_ng_client_close(nghttp2_session *s, int32_t sid,
                              uint32_t error_code, void *ud) {
  (void)s;
  w1 *S = ud;
  w1_index(S, (uint32_t)sid);
  if (error_code != NGHTTP2_NO_ERROR) S->failed++;
  S->completed++;
  S->open--;
  return 0;
}

static int w1_ng_server_header(nghttp2_session *s, const nghttp2_frame *f,
                               const uint8_t *name, size_t namelen,
                               const uint8_t *value, size_t valuelen,
                               uint8_t flags, void *ud) {
  (void)s, (void)f, (void)value, (void)flags;
  w1 *S = ud;
  if (bytes_are(name, namelen, ":path")) S->path_bytes += valuelen;
  return 0;
}

static ssize_t w1_ng_read_body(nghttp2_session *s, int32_t sid, uint8_t *buf,
                               size_t length, uint32_t *data_flags,
                               nghttp2_data_source *src, void *ud) {
  (void)s, (void)src;
  w1 *S = ud;
  uint32_t *sent = &S->srv_sent[(uint32_t)(sid - 1) / 2];
  size_t left = W1_BODY - *sent;
  size_t n = length < left ? length : left;
  memcpy(buf, g_w1_body + *sent, n);
  *sent += (uint32_t)n;
  if (*sent == W1_BODY) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

static int w1_ng_server_frame(nghttp2_session *s, const nghttp2_frame *f,
                              void *ud) {
  w1 *S = ud;
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST ||
      !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
    return 0;
  S->seen++;
  if (!S->respond) return 0;
  nghttp2_data_provider body = {{.ptr = NULL}, w1_ng_read_body};
  NG_CHECK(nghttp2_submit_response(s, f->hd.stream_id, g_w1_resp_ng,
                                   RESP_FIELDS, &body));
  return 0;
}

static int w1_ng_server_close(nghttp2_session *s, int32_t sid,
                              uint32_t error_code, void *ud) {
  (void)s, (void)sid;
  w1 *S = ud;
  if (error_code != NGHTTP2_NO_ERROR) S->srv_failed++;
  return 0;
}

static void w1_ng_request(w1 *S) {
  uint32_t i = S->issued;
  nghttp2_nv nv[REQ_FIELDS];
  req_ng(nv, i);
  int32_t sid = nghttp2_submit_request(S->nc, NULL, nv, REQ_FIELDS, NULL, NULL);
  NG_CHECK(sid);
  if ((uint32_t)sid != 2 * i + 1)
    die("W1 nghttp2: stream id %d, expected %u", sid, 2 * i + 1);
  S->issued++;
  S->open++;
}

static void w1_ng_open(w1 *S, nghttp2_mem *cm, nghttp2_mem *sm) {
  S->nc = ng_open(false, g_cb_w1_client, S, g_ng_settings_client, cm);
  S->ns = ng_open(true, g_cb_w1_server, S, g_ng_settings_server, sm);
}

static void w1_ng_close(w1 *S) {
  nghttp2_session_del(S->nc);
  nghttp2_session_del(S->ns);
  S->nc = S->ns = NULL;
}

static size_t w1_ng_round(w1 *S) {
  while (S->open < S->concurrency && S->issued < S->target)
    w1_ng_request(S);
  size_t moved = ng_transfer(S->nc, S->ns, S->slice);
  moved += ng_transfer(S->ns, S->nc, S->slice);
  S->rounds++;
  return moved;
}

/* -- the measured exchanges --
 * Kept out of line and named w1_run_* so callgrind can count just them
 * (--toggle-collect='w1_run_*'): connection setup, all requests, teardown. */

__attribute__((noinline)) void w1_run_libh2(w1 *S);
__attribute__((noinline)) void w1_run_nghttp2(w1 *S);

void w1_run_libh2(w1 *S) {
  w1_h2_open(S, NULL, NULL);
  unsigned idle = 0;
  while (S->completed < S->target)
    if (w1_h2_round(S) == 0 && ++idle == MAX_IDLE_ROUNDS)
      die("W1 libh2: stalled after %u of %u responses (%u open)",
          S->completed, S->target, S->open);
  w1_h2_close(S);
}

void w1_run_nghttp2(w1 *S) {
  w1_ng_open(S, NULL, NULL);
  unsigned idle = 0;
  while (S->completed < S->target)
    if (w1_ng_round(S) == 0 && ++idle == MAX_IDLE_ROUNDS)
      die("W1 nghttp2: stalled after %u of %u responses (%u open)",
          S->completed, S->target, S->open);
  w1_ng_close(S);
}

/* ---- W2 "bulk" --------------------------------------------------------------
 */

/* W2_PERIOD + W2_FRAME bytes, read-only once filled: the client compares
 * what it receives with it, so neither library may change it (a write
 * through a pointer into it faults). */
static uint8_t *g_src;
static size_t g_src_size; /* rounded up to whole pages */

static void init_source(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  g_src_size = (W2_PERIOD + W2_FRAME + page - 1) / page * page;
  void *p;
  if (posix_memalign(&p, page, g_src_size)) die("out of memory");
  g_src = p;
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (size_t i = 0; i < W2_PERIOD; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    g_src[i] = (uint8_t)(x >> 32);
  }
  memcpy(g_src + W2_PERIOD, g_src, W2_FRAME);
  if (mprotect(g_src, g_src_size, PROT_READ)) die("mprotect failed");
}

static void free_source(void) {
  if (mprotect(g_src, g_src_size, PROT_READ | PROT_WRITE))
    die("mprotect failed");
  free(g_src);
}

/* Body bytes [off, off + n) for n <= W2_FRAME: one contiguous read. */
static const uint8_t *body_at(uint64_t off) { return g_src + off % W2_PERIOD; }

/* The client's consumption of the body, the same for both libraries: each
 * delivered chunk is compared byte for byte (memcmp) with what the body
 * holds at the chunk's offset, the number of body bytes received before
 * it. Every byte is read once more after delivery, as an application
 * would read it, and the comparison proves that each arrived intact, in
 * order and at its offset; it runs at about the speed of memcpy, so that
 * the figure is the libraries' and not the checker's. A mismatch is
 * recorded (count and first offset) and fails the exchange's
 * verification. */
typedef struct body_check {
  uint64_t off;       /* body bytes received */
  uint64_t bad;       /* chunks that differ from the body */
  uint64_t first_bad; /* the body offset of the first wrong byte */
} body_check;

static void body_check_update(body_check *c, uint64_t body, const uint8_t *p,
                              size_t n) {
  uint64_t off = c->off;
  c->off = off + n;
  if (n > body || off > body - n) { /* more than the body */
    if (c->bad++ == 0) c->first_bad = off;
    return;
  }
  while (n > 0) {
    size_t k = n < W2_FRAME ? n : W2_FRAME; /* body_at's limit */
    const uint8_t *want = body_at(off);
    if (memcmp(p, want, k) != 0 && c->bad++ == 0) {
      size_t i = 0;
      while (p[i] == want[i]) i++;
      c->first_bad = off + i;
    }
    p += k;
    off += k;
    n -= k;
  }
}

typedef struct w2 {
  uint64_t body; /* bytes the server sends */
  /* Client. */
  body_check got;
  uint64_t chunks; /* DATA events (libh2) / data chunks (nghttp2) */
  uint64_t frames; /* DATA frames (nghttp2: received; libh2: sent) */
  bool status_ok, ended;
  uint32_t failed;
  /* Server. */
  uint32_t sid; /* 0 until the request arrived */
  uint64_t sent;
  uint64_t rounds;
  /* Connections. */
  h2_conn *hc, *hs;
  nghttp2_session *nc, *ns;
  uint8_t *slice;
} w2;

static void w2_reset(w2 *S, uint64_t body) {
  uint8_t *slice = S->slice;
  memset(S, 0, sizeof *S);
  S->slice = slice;
  S->body = body;
}

static void w2_verify(const w2 *S, const char *lib) {
  if (!S->status_ok || !S->ended || S->failed || S->got.off != S->body ||
      S->sent != S->body || S->got.bad)
    die("W2 %s VERIFY FAILED: status %s, ended %d, failed %u, received %llu "
        "of %llu bytes (sent %llu), %llu chunks differ from the body (first "
        "wrong byte at offset %llu)",
        lib, S->status_ok ? "200" : "not 200", S->ended, S->failed,
        (unsigned long long)S->got.off, (unsigned long long)S->body,
        (unsigned long long)S->sent, (unsigned long long)S->got.bad,
        (unsigned long long)S->got.first_bad);
}

/* -- libh2 -- */

/* The server writes lazily, as a server writing to a socket would (and as
 * nghttp2_session_mem_send produces frame by frame): another DATA frame
 * only while less than one wire slice (64 KiB) is pending. The payload is
 * queued by reference (h2_conn_send_data_ref): the body stays in its source
 * buffer, which outlives the connection, so no release needs tracking, and
 * its one copy is the one into the wire slice (h2_conn_data_to_send). */
static void w2_h2_flush(w2 *S) {
  while (S->sid && S->sent < S->body &&
         h2_conn_pending_data(S->hs) < WIRE_SLICE) {
    int64_t window;
    H2_CHECK(h2_conn_local_flow_control_window(S->hs, S->sid, &window));
    if (window <= 0) return;
    uint64_t n = S->body - S->sent;
    if (n > W2_FRAME) n = W2_FRAME;
    if (n > (uint64_t)window) n = (uint64_t)window;
    H2_CHECK(h2_conn_send_data_ref(
        S->hs, S->sid, body_at(S->sent), (size_t)n,
        S->sent + n == S->body ? H2_SEND_END_STREAM : 0, 0, NULL));
    S->sent += n;
    S->frames++;
  }
}

static void w2_h2_server_events(void *ctx) {
  w2 *S = ctx;
  const h2_event *ev;
  while (h2_conn_next_event(S->hs, &ev) == 1) {
    uint32_t sid = h2_event_stream_id(ev);
    switch (h2_event_type(ev)) {
    case H2_EV_REQUEST_RECEIVED:
      if (S->sid) die("W2 libh2 server: a second request");
      S->sid = sid;
      H2_CHECK(h2_conn_send_headers(S->hs, sid, g_w2_resp_h2, RESP_FIELDS, 0,
                                    NULL));
      break;
    case H2_EV_DATA_RECEIVED: {
      size_t fcl = h2_event_flow_controlled_length(ev);
      H2_CHECK(h2_conn_acknowledge_received_data(S->hs, sid, fcl));
      break;
    }
    case H2_EV_STREAM_RESET:
    case H2_EV_CONNECTION_TERMINATED:
      die("W2 libh2 server: event %d on stream %u (error code %u)",
          h2_event_type(ev), sid, h2_event_error_code(ev));
    default: break;
    }
  }
  w2_h2_flush(S);
}

static void w2_h2_client_events(void *ctx) {
  w2 *S = ctx;
  const h2_event *ev;
  while (h2_conn_next_event(S->hc, &ev) == 1) {
    uint32_t sid = h2_event_stream_id(ev);
    switch (h2_event_type(ev)) {
    case H2_EV_RESPONSE_RECEIVED: {
      size_t n = h2_event_header_count(ev);
      for (size_t k = 0; k < n; k++) {
        h2_header h;
        h2_event_header(ev, k, &h);
        if (bytes_are(h.name, h.name_len, ":status"))
          S->status_ok = bytes_are(h.value, h.value_len, "200");
      }
      break;
    }
    case H2_EV_DATA_RECEIVED: {
      size_t len, fcl = h2_event_flow_controlled_length(ev);
      const uint8_t *data = h2_event_data(ev, &len);
      body_check_update(&S->got, S->body, data, len);
      S->chunks++;
      H2_CHECK(h2_conn_acknowledge_received_data(S->hc, sid, fcl));
      break;
    }
    case H2_EV_STREAM_ENDED: S->ended = true; break;
    case H2_EV_STREAM_RESET:
    case H2_EV_CONNECTION_TERMINATED:
      S->failed++;
      die("W2 libh2 client: event %d on stream %u (error code %u)",
          h2_event_type(ev), sid, h2_event_error_code(ev));
    default: break;
    }
  }
}

/* Server to client: a slice at a time, the server topping its output up
 * to 64 KiB before each (w2_h2_flush). */
static size_t w2_h2_serve(w2 *S) {
  size_t moved = 0;
  for (;;) {
    size_t n;
    w2_h2_flush(S);
    H2_CHECK(h2_conn_data_to_send(S->hs, S->slice, WIRE_SLICE, &n));
    if (n == 0) return moved;
    int rv = h2_conn_receive(S->hc, S->slice, n, 0);
    if (rv != H2_OK)
      die("h2_conn_receive: %s (%s)", h2_strerror(rv),
          h2_conn_last_error(S->hc));
    w2_h2_client_events(S);
    moved += n;
  }
}

static size_t w2_h2_round(w2 *S) {
  size_t moved = h2_transfer(S->hc, S->hs, S->slice, w2_h2_server_events, S);
  moved += w2_h2_serve(S);
  S->rounds++;
  return moved;
}

/* -- nghttp2 -- */

static int w2_ng_client_header(nghttp2_session *s, const nghttp2_frame *f,
                               const uint8_t *name, size_t namelen,
                               const uint8_t *value, size_t valuelen,
                               uint8_t flags, void *ud) {
  (void)s, (void)flags;
  w2 *S = ud;
  if (f->hd.type == NGHTTP2_HEADERS && bytes_are(name, namelen, ":status"))
    S->status_ok = bytes_are(value, valuelen, "200");
  return 0;
}

static int w2_ng_client_data(nghttp2_session *s, uint8_t flags, int32_t sid,
                             const uint8_t *data, size_t len, void *ud) {
  (void)s, (void)flags, (void)sid;
  w2 *S = ud;
  body_check_update(&S->got, S->body, data, len);
  S->chunks++;
  return 0;
}

static int w2_ng_client_frame(nghttp2_session *s, const nghttp2_frame *f,
                              void *ud) {
  (void)s;
  w2 *S = ud;
  if (f->hd.type == NGHTTP2_DATA) S->frames++;
  return 0;
}

static int w2_ng_client_close(nghttp2_session *s, int32_t sid,
                              uint32_t error_code, void *ud) {
  (void)s, (void)sid;
  w2 *S = ud;
  if (error_code != NGHTTP2_NO_ERROR) S->failed++;
  S->ended = true;
  return 0;
}

static ssize_t w2_ng_read_body(nghttp2_session *s, int32_t sid, uint8_t *buf,
                               size_t length, uint32_t *data_flags,
                               nghttp2_data_source *src, void *ud) {
  (void)s, (void)sid, (void)src;
  w2 *S = ud;
  uint64_t n = S->body - S->sent;
  if (n > length) n = length;
  if (n > W2_FRAME) n = W2_FRAME;
  memcpy(buf, body_at(S->sent), (size_t)n);
  S->sent += n;
  if (S->sent == S->body) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

static int w2_ng_server_frame(nghttp2_session *s, const nghttp2_frame *f,
                              void *ud) {
  w2 *S = ud;
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST ||
      !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
    return 0;
  if (S->sid) die("W2 nghttp2 server: a second request");
  S->sid = (uint32_t)f->hd.stream_id;
  nghttp2_data_provider body = {{.ptr = NULL}, w2_ng_read_body};
  NG_CHECK(nghttp2_submit_response(s, f->hd.stream_id, g_w2_resp_ng,
                                   RESP_FIELDS, &body));
  return 0;
}

static size_t w2_ng_round(w2 *S) {
  size_t moved = ng_transfer(S->nc, S->ns, S->slice);
  moved += ng_transfer(S->ns, S->nc, S->slice);
  S->rounds++;
  return moved;
}

/* -- the measured exchanges (callgrind: --toggle-collect='w2_run_*') -- */

__attribute__((noinline)) void w2_run_libh2(w2 *S);
__attribute__((noinline)) void w2_run_nghttp2(w2 *S);

void w2_run_libh2(w2 *S) {
  S->hc = h2_open(g_cfg_w2_client, NULL);
  S->hs = h2_open(g_cfg_server, NULL);
  /* Connection window: 65,535 -> 1 MiB. */
  H2_CHECK(h2_conn_increment_flow_control_window(S->hc, 0,
                                                 W2_WINDOW - 65535u));
  uint32_t sid;
  H2_CHECK(h2_conn_get_next_available_stream_id(S->hc, &sid));
  h2_header h[REQ_FIELDS];
  req_h2(h, 0);
  H2_CHECK(h2_conn_send_headers(S->hc, sid, h, REQ_FIELDS, H2_SEND_END_STREAM,
                                NULL));
  unsigned idle = 0;
  while (!S->ended)
    if (w2_h2_round(S) == 0 && ++idle == MAX_IDLE_ROUNDS)
      die("W2 libh2: stalled after %llu of %llu bytes",
          (unsigned long long)S->got.off, (unsigned long long)S->body);
  h2_conn_free(S->hc);
  h2_conn_free(S->hs);
  S->hc = S->hs = NULL;
}

void w2_run_nghttp2(w2 *S) {
  S->nc = ng_open(false, g_cb_w2_client, S, g_ng_settings_w2_client, NULL);
  S->ns = ng_open(true, g_cb_w2_server, S, g_ng_settings_server, NULL);
  /* Connection window: 65,535 -> 1 MiB (queues the WINDOW_UPDATE and makes
   * the automatic updates refill up to 1 MiB). */
  NG_CHECK(nghttp2_session_set_local_window_size(S->nc, NGHTTP2_FLAG_NONE, 0,
                                                 (int32_t)W2_WINDOW));
  nghttp2_nv nv[REQ_FIELDS];
  req_ng(nv, 0);
  NG_CHECK(nghttp2_submit_request(S->nc, NULL, nv, REQ_FIELDS, NULL, NULL));
  unsigned idle = 0;
  while (!S->ended)
    if (w2_ng_round(S) == 0 && ++idle == MAX_IDLE_ROUNDS)
      die("W2 nghttp2: stalled after %llu of %llu bytes",
          (unsigned long long)S->got.off, (unsigned long long)S->body);
  nghttp2_session_del(S->nc);
  nghttp2_session_del(S->ns);
  S->nc = S->ns = NULL;
}

/* ---- memory -----------------------------------------------------------------
 * Live bytes held through the allocator hook, client and server apart, on
 * a fresh connection pair:
 *  idle:       after both prefaces, SETTINGS and their ACKs (pumped until
 *              nothing moves);
 *  per stream, burst: then MEM_STREAMS W1 requests are sent and left
 *              unanswered (open on both sides, pumped until nothing moves;
 *              they reach the server in one receive call); the growth
 *              divided by MEM_STREAMS. For libh2 this includes the request
 *              events (and their header copies) the server has drained but
 *              that stay valid until its next receive call;
 *  per stream, steady: then the client sends a PING, pumped until nothing
 *              moves (the server receives it and sends the ACK, the client
 *              receives that): the same growth, with that transient event
 *              memory gone; what an open stream costs while it lives.
 *  Both include the HPACK dynamic tables filling up (4,096 bytes of
 *  entries plus each library's overhead, spread over the streams), as a
 *  real connection's first streams would. (A warmed-up connection is no
 *  better a base: nghttp2 keeps closed streams, and frees them as new ones
 *  open.) */

typedef struct mem_figures {
  size_t idle_client, idle_server;
  double burst_client, burst_server;   /* per stream, events still held */
  double stream_client, stream_server; /* per stream, after a PING */
  size_t peak_client, peak_server;
} mem_figures;

/* Pump with round() until no byte moves. */
#define PUMP_QUIET(round, S)                                                   \
  do {                                                                         \
    unsigned guard_ = 0;                                                       \
    while (round(S) != 0)                                                      \
      if (++guard_ == 100000) die("memory: the exchange never settles");       \
  } while (0)

static void mem_check_streams(const w1 *S, const char *lib) {
  if (S->seen != MEM_STREAMS || S->completed != 0 ||
      S->open != MEM_STREAMS || S->failed || S->srv_failed)
    die("memory %s: expected %u open streams, got %u completed, %u open, "
        "%u seen by the server",
        lib, MEM_STREAMS, S->completed, S->open, S->seen);
}

/* The PING exchange of the steady figure: one round must move the PING and
 * its ACK (17 bytes each), then nothing may move any more. */
static void mem_ping_moved(size_t moved, const char *lib) {
  if (moved < 2u * 17u)
    die("memory %s: the PING exchange moved %zu bytes", lib, moved);
}

static void mem_libh2(w1 *S, mem_figures *m) {
  counter cc = {0, 0, 0}, cs = {0, 0, 0};
  h2_allocator ca = counting_h2(&cc), sa = counting_h2(&cs);
  w1_reset(S, 0, MEM_STREAMS, false);
  w1_h2_open(S, &ca, &sa);
  PUMP_QUIET(w1_h2_round, S);
  m->idle_client = cc.live;
  m->idle_server = cs.live;
  S->target = MEM_STREAMS;
  PUMP_QUIET(w1_h2_round, S);
  mem_check_streams(S, "libh2");
  if (h2_conn_open_inbound_streams(S->hs) != MEM_STREAMS ||
      h2_conn_open_outbound_streams(S->hc) != MEM_STREAMS)
    die("memory libh2: open streams: server %zu inbound, client %zu "
        "outbound, expected %u",
        h2_conn_open_inbound_streams(S->hs),
        h2_conn_open_outbound_streams(S->hc), MEM_STREAMS);
  m->burst_client = ((double)cc.live - (double)m->idle_client) / MEM_STREAMS;
  m->burst_server = ((double)cs.live - (double)m->idle_server) / MEM_STREAMS;
  static const uint8_t opaque[8] = {'m', 'e', 'm', 'o', 'r', 'y', 0, 1};
  H2_CHECK(h2_conn_ping(S->hc, opaque));
  mem_ping_moved(w1_h2_round(S), "libh2");
  PUMP_QUIET(w1_h2_round, S);
  mem_check_streams(S, "libh2");
  m->stream_client = ((double)cc.live - (double)m->idle_client) / MEM_STREAMS;
  m->stream_server = ((double)cs.live - (double)m->idle_server) / MEM_STREAMS;
  m->peak_client = cc.peak;
  m->peak_server = cs.peak;
  w1_h2_close(S);
  if (cc.live || cs.live)
    die("memory libh2: %zu / %zu bytes still allocated after h2_conn_free",
        cc.live, cs.live);
}

static void mem_nghttp2(w1 *S, mem_figures *m) {
  counter cc = {0, 0, 0}, cs = {0, 0, 0};
  nghttp2_mem cm = counting_ng(&cc), sm = counting_ng(&cs);
  w1_reset(S, 0, MEM_STREAMS, false);
  w1_ng_open(S, &cm, &sm);
  PUMP_QUIET(w1_ng_round, S);
  m->idle_client = cc.live;
  m->idle_server = cs.live;
  S->target = MEM_STREAMS;
  PUMP_QUIET(w1_ng_round, S);
  mem_check_streams(S, "nghttp2");
  m->burst_client = ((double)cc.live - (double)m->idle_client) / MEM_STREAMS;
  m->burst_server = ((double)cs.live - (double)m->idle_server) / MEM_STREAMS;
  NG_CHECK(nghttp2_submit_ping(S->nc, NGHTTP2_FLAG_NONE, NULL));
  mem_ping_moved(w1_ng_round(S), "nghttp2");
  PUMP_QUIET(w1_ng_round, S);
  mem_check_streams(S, "nghttp2");
  m->stream_client = ((double)cc.live - (double)m->idle_client) / MEM_STREAMS;
  m->stream_server = ((double)cs.live - (double)m->idle_server) / MEM_STREAMS;
  m->peak_client = cc.peak;
  m->peak_server = cs.peak;
  w1_ng_close(S);
  if (cc.live || cs.live)
    die("memory nghttp2: %zu / %zu bytes still allocated after "
        "nghttp2_session_del",
        cc.live, cs.live);
}

/* ---- memcpy ceilings --------------------------------------------------------
 * 16 KiB blocks over a 256 MiB buffer, copied into a second 256 MiB buffer
 * and into one reused 16 KiB buffer (in cache). Called through a volatile
 * pointer so the copies cannot be optimised away. */

static void *(*volatile g_memcpy)(void *, const void *, size_t) = memcpy;

typedef struct ceilings {
  stats to_buffer, to_block;
} ceilings;

static ceilings memcpy_ceilings(unsigned runs) {
  const size_t total = (size_t)256 << 20;
  uint8_t *src = xmalloc(total), *dst = xmalloc(total),
          *blk = xmalloc(W2_FRAME);
  memset(src, 0x5a, total); /* fault every page in before timing */
  memset(dst, 0xa5, total);
  double *a = xmalloc(runs * sizeof *a), *b = xmalloc(runs * sizeof *b);
  for (unsigned r = 0; r < runs; r++) {
    double t0 = now_s();
    for (size_t off = 0; off < total; off += W2_FRAME)
      g_memcpy(dst + off, src + off, W2_FRAME);
    double t1 = now_s();
    for (size_t off = 0; off < total; off += W2_FRAME)
      g_memcpy(blk, src + off, W2_FRAME);
    double t2 = now_s();
    a[r] = (double)total / (t1 - t0) / 1e9;
    b[r] = (double)total / (t2 - t1) / 1e9;
  }
  ceilings c = {summarize(a, runs), summarize(b, runs)};
  if (dst[total - 1] != 0x5a || blk[0] != 0x5a) die("memcpy went wrong");
  free(a);
  free(b);
  free(src);
  free(dst);
  free(blk);
  return c;
}

/* ---- measurement ------------------------------------------------------------
 */

enum { M_W1_H2, M_W1_NG, M_W2_H2, M_W2_NG, M_COUNT };

static const char *const m_name[M_COUNT] = {"W1 libh2", "W1 nghttp2",
                                            "W2 libh2", "W2 nghttp2"};

typedef struct bench {
  w1 w1;
  w2 w2;
  uint64_t w2_body;
  /* Informational, from the last exchange of each measurement. */
  uint64_t rounds[M_COUNT], chunks[M_COUNT], frames[M_COUNT];
} bench;

/* One exchange of m; returns its wall time. Verified afterwards. */
static double run_once(bench *B, int m) {
  double t0, t;
  switch (m) {
  case M_W1_H2:
  case M_W1_NG:
    w1_reset(&B->w1, W1_REQUESTS, W1_CONCURRENCY, true);
    t0 = now_s();
    if (m == M_W1_H2)
      w1_run_libh2(&B->w1);
    else
      w1_run_nghttp2(&B->w1);
    t = now_s() - t0;
    w1_verify(&B->w1, m == M_W1_H2 ? "libh2" : "nghttp2");
    B->rounds[m] = B->w1.rounds;
    return t;
  default:
    w2_reset(&B->w2, B->w2_body);
    t0 = now_s();
    if (m == M_W2_H2)
      w2_run_libh2(&B->w2);
    else
      w2_run_nghttp2(&B->w2);
    t = now_s() - t0;
    w2_verify(&B->w2, m == M_W2_H2 ? "libh2" : "nghttp2");
    B->rounds[m] = B->w2.rounds;
    B->chunks[m] = B->w2.chunks;
    B->frames[m] = B->w2.frames;
    return t;
  }
}

/* Throughput of reps exchanges of m: requests/s (W1) or GB/s (W2). */
static double measure(bench *B, int m, unsigned reps) {
  double t = 0;
  for (unsigned r = 0; r < reps; r++)
    t += run_once(B, m);
  if (m == M_W1_H2 || m == M_W1_NG)
    return (double)W1_REQUESTS * reps / t;
  return (double)B->w2_body * reps / t / 1e9;
}

static void usage(void) __attribute__((noreturn));
static void help(int status) __attribute__((noreturn));

static void help(int status) {
  fprintf(status ? stderr : stdout,
          "usage: w12_conn [--workload LIST] [--runs N] [--min-time SECONDS]\n"
          "                [--only libh2|nghttp2]\n"
          "       w12_conn --workload W1|W2 --lib libh2|nghttp2 "
          "[--iterations N]\n"
          "                [--body-mib N]\n"
          "LIST: comma-separated W1, W2, MEM (default W1,W2,MEM). --only "
          "measures one\n"
          "library and prints no RESULT line. --body-mib: W2's body "
          "(default %u).\n"
          "See bench/README.md.\n",
          W2_BODY_MIB);
  exit(status);
}

static void usage(void) { help(64); }

static unsigned parse_uint(const char *s) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v == 0 || v > 1000000) usage();
  return (unsigned)v;
}

static void print_w2_info(const bench *B, int m) {
  printf("  %-11s %llu DATA frames (%llu chunks delivered), %llu pump rounds\n",
         m_name[m], (unsigned long long)B->frames[m],
         (unsigned long long)B->chunks[m], (unsigned long long)B->rounds[m]);
}

/* --workload W1|W2 --lib L --iterations N: fixed work, untimed. */
static int fixed_work(bench *B, bool is_w1, const char *lib,
                      unsigned iterations) {
  int m;
  if (!strcmp(lib, "libh2"))
    m = is_w1 ? M_W1_H2 : M_W2_H2;
  else if (!strcmp(lib, "nghttp2"))
    m = is_w1 ? M_W1_NG : M_W2_NG;
  else
    usage();
  for (unsigned r = 0; r < iterations; r++)
    run_once(B, m);
  if (is_w1)
    printf("fixed work: %s x %u = %llu requests (%llu pump rounds each)\n",
           m_name[m], iterations,
           (unsigned long long)W1_REQUESTS * iterations,
           (unsigned long long)B->rounds[m]);
  else
    printf("fixed work: %s x %u = %llu body bytes (%llu DATA frames each)\n",
           m_name[m], iterations, (unsigned long long)B->w2_body * iterations,
           (unsigned long long)B->frames[m]);
  return 0;
}

static void init_libraries(void) {
  g_cfg_client = h2_cfg(H2_SIDE_CLIENT, 65535);
  g_cfg_server = h2_cfg(H2_SIDE_SERVER, 65535);
  g_cfg_w2_client = h2_cfg(H2_SIDE_CLIENT, W2_WINDOW);
  /* A DATA frame split across two wire slices is handed out in two pieces
   * as it arrives (as nghttp2 hands out data chunks), not buffered. */
  H2_CHECK(h2_config_set(g_cfg_w2_client, H2_OPT_PARTIAL_DATA, 1));

  memcpy(g_ng_settings_w2_client, g_ng_settings_client,
         sizeof g_ng_settings_client);
  for (size_t k = 0; k < NG_NSETTINGS; k++)
    if (g_ng_settings_w2_client[k].settings_id ==
        NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE)
      g_ng_settings_w2_client[k].value = W2_WINDOW;

  nghttp2_session_callbacks *cb;
  NG_CHECK(nghttp2_session_callbacks_new(&cb));
  nghttp2_session_callbacks_set_on_header_callback(cb, w1_ng_client_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
                                                            w1_ng_client_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb,
                                                         w1_ng_client_close);
  g_cb_w1_client = cb;

  NG_CHECK(nghttp2_session_callbacks_new(&cb));
  nghttp2_session_callbacks_set_on_header_callback(cb, w1_ng_server_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, w1_ng_server_frame);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb,
                                                         w1_ng_server_close);
  g_cb_w1_server = cb;

  NG_CHECK(nghttp2_session_callbacks_new(&cb));
  nghttp2_session_callbacks_set_on_header_callback(cb, w2_ng_client_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb,
                                                            w2_ng_client_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, w2_ng_client_frame);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb,
                                                         w2_ng_client_close);
  g_cb_w2_client = cb;

  NG_CHECK(nghttp2_session_callbacks_new(&cb));
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, w2_ng_server_frame);
  g_cb_w2_server = cb;
}

static void free_libraries(void) {
  h2_config_free(g_cfg_client);
  h2_config_free(g_cfg_server);
  h2_config_free(g_cfg_w2_client);
  nghttp2_session_callbacks_del(g_cb_w1_client);
  nghttp2_session_callbacks_del(g_cb_w1_server);
  nghttp2_session_callbacks_del(g_cb_w2_client);
  nghttp2_session_callbacks_del(g_cb_w2_server);
}

int main(int argc, char **argv) {
  unsigned runs = 5, iterations = 1, body_mib = W2_BODY_MIB;
  double min_time = 0.3;
  const char *lib = NULL, *only = NULL, *workload = "W1,W2,MEM";

  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--workload") && v) {
      workload = v;
      i++;
    } else if (!strcmp(a, "--runs") && v) {
      runs = parse_uint(v);
      i++;
    } else if (!strcmp(a, "--min-time") && v) {
      min_time = atof(v);
      if (!(min_time > 0)) usage();
      i++;
    } else if (!strcmp(a, "--iterations") && v) {
      iterations = parse_uint(v);
      i++;
    } else if (!strcmp(a, "--lib") && v) {
      lib = v;
      i++;
    } else if (!strcmp(a, "--only") && v) {
      only = v;
      i++;
    } else if (!strcmp(a, "--body-mib") && v) {
      body_mib = parse_uint(v);
      if (body_mib > 4096) usage();
      i++;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      help(0);
    } else {
      usage();
    }
  }
  /* Which workloads. */
  bool do_w1 = false, do_w2 = false, do_mem = false;
  {
    char list[64];
    snprintf(list, sizeof list, "%s", workload);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
      if (!strcmp(t, "W1"))
        do_w1 = true;
      else if (!strcmp(t, "W2"))
        do_w2 = true;
      else if (!strcmp(t, "MEM"))
        do_mem = true;
      else
        usage();
    }
  }
  if (lib && (do_mem || do_w1 == do_w2 || only)) usage();
  if (only && strcmp(only, "libh2") && strcmp(only, "nghttp2")) usage();
  bool use_h2 = !only || !strcmp(only, "libh2");
  bool use_ng = !only || !strcmp(only, "nghttp2");

  bench *B = calloc(1, sizeof *B);
  if (!B) die("out of memory");
  B->w2_body = (uint64_t)body_mib << 20;
  init_headers(B->w2_body);
  init_source();
  init_libraries();
  w1_init(&B->w1);
  B->w2.slice = xmalloc(WIRE_SLICE);

  printf("W1/W2 connections: libh2 %s, nghttp2 %s\n", h2_version(),
         nghttp2_version(0)->version_str);
  if (lib) return fixed_work(B, do_w1, lib, iterations);

  /* Which measurements, in the order of each run. */
  int order[M_COUNT], nm = 0;
  if (do_w1) {
    if (use_h2) order[nm++] = M_W1_H2;
    if (use_ng) order[nm++] = M_W1_NG;
  }
  if (do_w2) {
    if (use_h2) order[nm++] = M_W2_H2;
    if (use_ng) order[nm++] = M_W2_NG;
  }

  /* Warm up and verify once, then calibrate: enough exchanges for each
   * measurement to last min_time. */
  unsigned reps[M_COUNT] = {0};
  for (int k = 0; k < nm; k++) {
    int m = order[k];
    run_once(B, m);
    double t = run_once(B, m);
    double need = ceil(min_time * 1.1 / t);
    reps[m] = need < 1 ? 1 : (unsigned)need;
  }
  if (do_w1 && nm)
    printf("verify: every W1 exchange checked (%u responses, status 200, "
           "%u-byte bodies)\n",
           W1_REQUESTS, W1_BODY);
  if (do_w2 && nm)
    printf("verify: every W2 exchange checked (status, length, every byte "
           "compared with the body)\n");

  /* The runs: libh2 and nghttp2 of a workload side by side, the order of
   * the two reversed every other run. */
  double *val[M_COUNT];
  for (int m = 0; m < M_COUNT; m++)
    val[m] = xmalloc(runs * sizeof(double));
  for (unsigned r = 0; r < runs; r++)
    for (int k = 0; k < nm; k++) {
      int kk = k;
      if (r % 2 && nm > 1 && use_h2 && use_ng) kk = k ^ 1; /* swap pairs */
      int m = order[kk];
      val[m][r] = measure(B, m, reps[m]);
    }

  stats st[M_COUNT];
  bool have[M_COUNT] = {false};
  for (int k = 0; k < nm; k++) {
    st[order[k]] = summarize(val[order[k]], runs);
    have[order[k]] = true;
  }

  if (do_w1 && nm) {
    printf("\nW1 roundtrip: %u GETs, up to %u streams open, %u-byte bodies; "
           "%u runs,\neach run N exchanges (>= %.2f s); requests/s over whole "
           "exchanges (setup included)\n",
           W1_REQUESTS, W1_CONCURRENCY, W1_BODY, runs, min_time);
    printf("%-12s %5s %12s %12s %12s %8s\n", "", "N", "median", "min", "max",
           "rounds");
    for (int m = M_W1_H2; m <= M_W1_NG; m++)
      if (have[m])
        printf("%-12s %5u %8.0f r/s %8.0f r/s %8.0f r/s %8llu\n", m_name[m],
               reps[m], st[m].median, st[m].min, st[m].max,
               (unsigned long long)B->rounds[m]);
  }
  ceilings ceil_gbs = {{0, 0, 0}, {0, 0, 0}};
  if (do_w2) {
    if (nm) {
      printf("\nW2 bulk: %u MiB body, 16 KiB frames, 1 MiB windows; client "
             "compares every byte with\nthe body; %u runs, each run N "
             "exchanges (>= %.2f s); 1 GB = 10^9 bytes\n",
             body_mib, runs, min_time);
      printf("%-12s %5s %12s %12s %12s\n", "", "N", "median", "min", "max");
      for (int m = M_W2_H2; m <= M_W2_NG; m++)
        if (have[m])
          printf("%-12s %5u %7.2f GB/s %7.2f GB/s %7.2f GB/s\n", m_name[m],
                 reps[m], st[m].median, st[m].min, st[m].max);
      for (int m = M_W2_H2; m <= M_W2_NG; m++)
        if (have[m]) print_w2_info(B, m);
    }
    ceil_gbs = memcpy_ceilings(runs);
    printf("ceiling: memcpy 16 KiB blocks, 256 MiB -> 256 MiB  %7.2f GB/s "
           "(min %.2f, max %.2f)\n",
           ceil_gbs.to_buffer.median, ceil_gbs.to_buffer.min,
           ceil_gbs.to_buffer.max);
    printf("ceiling: memcpy 16 KiB blocks, 256 MiB -> 16 KiB   %7.2f GB/s "
           "(min %.2f, max %.2f)\n",
           ceil_gbs.to_block.median, ceil_gbs.to_block.min,
           ceil_gbs.to_block.max);
  }

  mem_figures mh = {0, 0, 0, 0, 0, 0, 0, 0}, mn = mh;
  if (do_mem) {
    if (use_h2) mem_libh2(&B->w1, &mh);
    if (use_ng) mem_nghttp2(&B->w1, &mn);
    printf("\nMemory: live bytes through the allocator hook (block headers "
           "not counted); per stream =\n(live with %u unanswered W1 requests "
           "open - live idle) / %u, on a fresh connection pair;\nburst: "
           "right after the requests arrived (their events still held); "
           "steady: after one\nPING exchange more\n",
           MEM_STREAMS, MEM_STREAMS);
    printf("%-8s %7s %7s %13s %13s %14s %14s %7s %7s\n", "", "idle", "idle",
           "stream burst", "stream burst", "stream steady", "stream steady",
           "peak", "peak");
    printf("%-8s %7s %7s %13s %13s %14s %14s %7s %7s\n", "", "client",
           "server", "client", "server", "client", "server", "client",
           "server");
    if (use_h2)
      printf("%-8s %7zu %7zu %13.1f %13.1f %14.1f %14.1f %7zu %7zu\n",
             "libh2", mh.idle_client, mh.idle_server, mh.burst_client,
             mh.burst_server, mh.stream_client, mh.stream_server,
             mh.peak_client, mh.peak_server);
    if (use_ng)
      printf("%-8s %7zu %7zu %13.1f %13.1f %14.1f %14.1f %7zu %7zu\n",
             "nghttp2", mn.idle_client, mn.idle_server, mn.burst_client,
             mn.burst_server, mn.stream_client, mn.stream_server,
             mn.peak_client, mn.peak_server);
    printf("(RESULT lines: the server side)\n");
  }

  if (!only) {
    printf("\n");
    if (do_w1)
      printf("RESULT W1 libh2=%.0f nghttp2=%.0f unit=req/s ratio=%.2f\n",
             st[M_W1_H2].median, st[M_W1_NG].median,
             st[M_W1_H2].median / st[M_W1_NG].median);
    if (do_w2)
      printf("RESULT W2 libh2=%.2f nghttp2=%.2f unit=GB/s ratio=%.2f\n",
             st[M_W2_H2].median, st[M_W2_NG].median,
             st[M_W2_H2].median / st[M_W2_NG].median);
    if (do_mem) {
      printf("RESULT MEM-idle-conn libh2=%zu nghttp2=%zu unit=bytes "
             "ratio=%.2f\n",
             mh.idle_server, mn.idle_server,
             (double)mn.idle_server / (double)mh.idle_server);
      printf("RESULT MEM-per-stream libh2=%.0f nghttp2=%.0f unit=bytes "
             "ratio=%.2f\n",
             mh.stream_server, mn.stream_server,
             mn.stream_server / mh.stream_server);
      printf("RESULT MEM-per-stream-burst libh2=%.0f nghttp2=%.0f unit=bytes "
             "ratio=%.2f\n",
             mh.burst_server, mn.burst_server,
             mn.burst_server / mh.burst_server);
    }
  }

  for (int m = 0; m < M_COUNT; m++)
    free(val[m]);
  free(B->w1.status_ok);
  free(B->w1.body_len);
  free(B->w1.srv_sent);
  free(B->w1.slice);
  free(B->w2.slice);
  free(B);
  free_source();
  free_libraries();
  return 0;
}
