/* h2serve: an event-driven cleartext HTTP/2 server on libh2's public API.
 *
 * One thread, epoll, non-blocking sockets. Each connection starts in a
 * detection state: bytes that begin with the HTTP/2 client preface make it
 * an HTTP/2 connection ("prior knowledge"); otherwise they are read as an
 * HTTP/1.1 request head, which may ask for "Upgrade: h2c" (RFC 7540 §3.2);
 * the upgraded request then becomes stream 1. Anything else gets a plain
 * HTTP/1.1 400 or 505 and the connection is closed.
 *
 * Resources:
 *   GET/HEAD any path     a file under --root (index.html for directories)
 *   POST/PUT /echo        the request body streamed back as it arrives
 *   anything else         405 (or 404) with a short text body
 *
 * Flow control is honoured in both directions: DATA goes out only within
 * h2_conn_local_flow_control_window() and h2_conn_max_outbound_frame_size();
 * received DATA is acknowledged only once it is consumed, or while the
 * stream's buffered echo data stays under a bound (backpressure).
 *
 * SIGINT/SIGTERM: stop accepting, send GOAWAY, let in-flight streams finish
 * (at most --shutdown-timeout ms), then exit 0.
 *
 * Linux only (epoll, signalfd, accept4). */
#define _GNU_SOURCE
#include <h2/h2.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- tunables ------------------------------------------------------------ */

#define READ_CHUNK 65536
#define FILE_CHUNK 65536
/* Stop producing DATA for a connection while this much output is queued. */
#define OUT_HIGH_WATER (256u * 1024u)
/* Stop reading from a peer that does not read what we send. */
#define OUT_READ_STOP (4u * 1024u * 1024u)
/* The most echo data a stream buffers before it stops granting credit. */
#define ECHO_BUFFER_LIMIT (1024u * 1024u)
/* HTTP/1.1 request head and upgrade body limits. */
#define H1_HEAD_LIMIT (16u * 1024u)
#define H1_BODY_LIMIT (1024u * 1024u)

/* ---- small byte queue ------------------------------------------------------ */

typedef struct bytes {
  uint8_t *p;
  size_t off, len, cap; /* live data is p[off..len) */
} bytes;

static size_t bytes_avail(const bytes *b) { return b->len - b->off; }

static int bytes_append(bytes *b, const void *data, size_t n) {
  if (n == 0) return 0;
  if (b->off == b->len) b->off = b->len = 0;
  if (b->len + n > b->cap && b->off) {
    memmove(b->p, b->p + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    uint8_t *np;
    while (cap < b->len + n) cap *= 2;
    np = realloc(b->p, cap);
    if (!np) return -1;
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

static void bytes_consume(bytes *b, size_t n) {
  b->off += n;
  if (b->off >= b->len) b->off = b->len = 0;
}

static void bytes_free(bytes *b) {
  free(b->p);
  memset(b, 0, sizeof(*b));
}

/* ---- state ------------------------------------------------------------------- */

enum { SK_STATIC, SK_FILE, SK_ECHO };

typedef struct stream {
  struct stream *next;
  uint32_t id;
  int kind;
  int head;          /* HEAD request: no body */
  int req_ended;     /* the request (headers and body) is complete */
  int resp_started;  /* response headers sent */
  int resp_ended;    /* END_STREAM sent */
  int status;
  int fd;            /* SK_FILE */
  struct cached_file *cf; /* fd borrowed from the file cache, or NULL */
  uint64_t remaining; /* SK_FILE: bytes still to send */
  off_t offset;
  const char *ctype;
  char *echo_ctype;   /* SK_ECHO: the request's content-type, if any */
  bytes body;         /* SK_STATIC, SK_ECHO: bytes still to send */
  size_t owed;        /* flow-controlled bytes received, not acknowledged */
} stream;

enum { M_DETECT, M_H1_REPLY, M_H2, M_LINGER };

typedef struct client {
  struct client *prev, *next;
  unsigned long serial;
  int fd;
  int mode;
  int closing;      /* close once the output is flushed */
  uint32_t ev_mask; /* what epoll currently watches */
  bytes in;         /* M_DETECT: bytes read so far */
  bytes raw;        /* bytes to write before the HTTP/2 output */
  h2_conn *h2;
  stream *streams;
  int goaway_pending; /* shutdown: GOAWAY to write at a frame boundary */
  int goaway_sent;
  uint32_t goaway_last;
  uint64_t linger_until; /* M_LINGER: drop the connection at this time */
} client;

static struct {
  const char *root;
  int root_fd;
  int epfd, lfd, sfd;
  int verbose;
  unsigned max_conns;
  unsigned nconns;
  unsigned long serial;
  uint32_t conn_window;
  uint64_t shutdown_timeout_ms;
  int shutting_down;
  uint64_t shutdown_deadline;
  client *clients;
  client *dead; /* closed during this epoll batch; freed after it */
  unsigned nlinger;
  h2_config *cfg;
} g;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void logv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logv(const char *fmt, ...) {
  va_list ap;
  if (!g.verbose) return;
  va_start(ap, fmt);
  fputs("h2serve: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void die(const char *what) {
  fprintf(stderr, "h2serve: %s: %s\n", what, strerror(errno));
  exit(1);
}

static h2_header hdr(const char *name, const char *value) {
  h2_header h;
  h.name = (const uint8_t *)name;
  h.name_len = strlen(name);
  h.value = (const uint8_t *)value;
  h.value_len = strlen(value);
  h.flags = 0;
  return h;
}

/* ---- epoll bookkeeping ----------------------------------------------------- */

static void watch(client *c) {
  uint32_t want = 0;
  struct epoll_event ev;
  int pending = bytes_avail(&c->raw) > 0 || (c->h2 && h2_conn_pending_data(c->h2) > 0);
  if (!c->closing && !(c->h2 && h2_conn_pending_data(c->h2) > OUT_READ_STOP))
    want |= EPOLLIN;
  if (pending) want |= EPOLLOUT;
  if (want == c->ev_mask) return;
  memset(&ev, 0, sizeof(ev));
  ev.events = want;
  ev.data.ptr = c;
  if (epoll_ctl(g.epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl");
  c->ev_mask = want;
}

/* ---- streams ----------------------------------------------------------------- */

static stream *stream_find(client *c, uint32_t id) {
  stream *s;
  for (s = c->streams; s; s = s->next)
    if (s->id == id) return s;
  return NULL;
}

/* ---- open files, kept for a second ----------------------------------------
 * Opening, checking and closing the file on every request cost more CPU
 * than the whole HTTP/2 exchange; like other servers, keep recently
 * served files open. An entry is trusted for FILE_CACHE_MS, then the path
 * is opened again, so a changed file is served within that time. */
#define FILE_CACHE_SLOTS 64
#define FILE_CACHE_MS 1000

typedef struct cached_file {
  char rel[256];
  int fd;
  uint64_t size;
  const char *ctype;
  uint64_t opened_ms;
  unsigned refs;    /* streams reading from fd */
  int stale;        /* replaced: close when the last reader is done */
} cached_file;

static cached_file file_cache[FILE_CACHE_SLOTS];

static uint64_t now_ms(void);

static size_t file_cache_slot(const char *rel) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *rel; rel++) h = (h ^ (uint8_t)*rel) * 16777619u;
  return h % FILE_CACHE_SLOTS;
}

static void file_cache_release(cached_file *cf) {
  if (cf->refs) cf->refs--;
  if (!cf->refs && cf->stale) {
    close(cf->fd);
    cf->fd = -1;
    cf->stale = 0;
    cf->rel[0] = '\0';
  }
}

/* A fresh cache hit for rel, or NULL. */
static cached_file *file_cache_get(const char *rel) {
  cached_file *cf = &file_cache[file_cache_slot(rel)];
  if (cf->fd < 0 || cf->stale || cf->rel[0] == '\0' || strcmp(cf->rel, rel) != 0)
    return NULL;
  if (now_ms() - cf->opened_ms > FILE_CACHE_MS) return NULL;
  return cf;
}

/* Keep fd for rel if its slot can take it; returns the entry or NULL. */
static cached_file *file_cache_put(const char *rel, int fd, uint64_t size,
                                   const char *ctype) {
  cached_file *cf = &file_cache[file_cache_slot(rel)];
  if (strlen(rel) >= sizeof(cf->rel)) return NULL;
  if (cf->fd >= 0) {
    if (cf->refs) return NULL; /* in use: this request goes uncached */
    close(cf->fd);
  }
  strcpy(cf->rel, rel);
  cf->fd = fd;
  cf->size = size;
  cf->ctype = ctype;
  cf->opened_ms = now_ms();
  cf->refs = 0;
  cf->stale = 0;
  return cf;
}

static void file_cache_init(void) {
  size_t i;
  for (i = 0; i < FILE_CACHE_SLOTS; i++) file_cache[i].fd = -1;
}

static stream *stream_new(client *c, uint32_t id) {
  stream *s = calloc(1, sizeof(*s));
  if (!s) return NULL;
  s->id = id;
  s->fd = -1;
  s->next = c->streams;
  c->streams = s;
  return s;
}

/* Forget a stream; credit it still owed goes back to the connection. */
static void stream_free(client *c, stream *s) {
  stream **pp;
  for (pp = &c->streams; *pp; pp = &(*pp)->next)
    if (*pp == s) {
      *pp = s->next;
      break;
    }
  if (s->owed && c->h2 && h2_conn_state(c->h2) != H2_CONN_CLOSED)
    (void)h2_conn_acknowledge_received_data(c->h2, s->id, s->owed);
  if (s->cf) file_cache_release(s->cf);
  else if (s->fd >= 0) close(s->fd);
  bytes_free(&s->body);
  free(s->echo_ctype);
  free(s);
}

/* Acknowledge what the stream owes once its buffer has room again. */
static void stream_credit(client *c, stream *s) {
  size_t buffered = bytes_avail(&s->body);
  if (!s->owed) return;
  if (s->kind == SK_ECHO && !s->resp_ended && buffered > ECHO_BUFFER_LIMIT / 2)
    return;
  if (h2_conn_acknowledge_received_data(c->h2, s->id, s->owed) == 0) s->owed = 0;
}

static const char *content_type(const char *path) {
  static const struct {
    const char *ext, *type;
  } types[] = {{"html", "text/html; charset=utf-8"},
               {"htm", "text/html; charset=utf-8"},
               {"txt", "text/plain; charset=utf-8"},
               {"css", "text/css"},
               {"js", "text/javascript"},
               {"mjs", "text/javascript"},
               {"json", "application/json"},
               {"xml", "application/xml"},
               {"svg", "image/svg+xml"},
               {"png", "image/png"},
               {"jpg", "image/jpeg"},
               {"jpeg", "image/jpeg"},
               {"gif", "image/gif"},
               {"webp", "image/webp"},
               {"ico", "image/x-icon"},
               {"pdf", "application/pdf"},
               {"wasm", "application/wasm"}};
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  size_t i;
  if (!dot || (slash && slash > dot)) return "application/octet-stream";
  for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (strcasecmp(dot + 1, types[i].ext) == 0) return types[i].type;
  return "application/octet-stream";
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Turn a request target into a path relative to the root, in out. Query and
 * fragment are dropped, %XX decoded, "." and empty segments skipped; ".."
 * segments, NUL and backslashes are refused. Returns 0, or -1 (bad). */
static int sanitize_path(const char *target, size_t tlen, char *out, size_t cap) {
  char dec[4096];
  size_t i, n = 0, o = 0;
  const char *seg;
  if (tlen == 0 || target[0] != '/') return -1;
  for (i = 0; i < tlen && target[i] != '?' && target[i] != '#'; i++) {
    int ch = (unsigned char)target[i];
    if (ch == '%') {
      int hi, lo;
      if (i + 2 >= tlen) return -1;
      hi = hexval(target[i + 1]);
      lo = hexval(target[i + 2]);
      if (hi < 0 || lo < 0) return -1;
      ch = hi * 16 + lo;
      i += 2;
    }
    if (ch == 0 || ch == '\\') return -1;
    if (n + 1 >= sizeof(dec)) return -1;
    dec[n++] = (char)ch;
  }
  dec[n] = '\0';
  seg = dec;
  while (*seg) {
    const char *end = strchr(seg, '/');
    size_t len = end ? (size_t)(end - seg) : strlen(seg);
    if (len == 2 && seg[0] == '.' && seg[1] == '.') return -1;
    if (len > 0 && !(len == 1 && seg[0] == '.')) {
      if (o + len + 2 >= cap) return -1;
      if (o) out[o++] = '/';
      memcpy(out + o, seg, len);
      o += len;
    }
    seg += len;
    if (*seg == '/') seg++;
  }
  out[o] = '\0';
  return 0;
}

/* Open the file a GET/HEAD names; sets the stream up as SK_FILE, or returns
 * the HTTP status to answer instead. */
static int open_file(stream *s, const char *target, size_t tlen) {
  char rel[4096];
  struct stat st;
  int fd;
  cached_file *cf;
  if (sanitize_path(target, tlen, rel, sizeof(rel) - 16) < 0) return 400;
  if (rel[0] == '\0') strcpy(rel, "index.html");
  cf = file_cache_get(rel);
  if (cf) {
    cf->refs++;
    s->kind = SK_FILE;
    s->fd = cf->fd;
    s->cf = cf;
    s->remaining = cf->size;
    s->offset = 0;
    s->status = 200;
    s->ctype = cf->ctype;
    return 200;
  }
  fd = openat(g.root_fd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == EACCES ? 403 : 404;
  if (fstat(fd, &st) < 0) {
    close(fd);
    return 500;
  }
  if (S_ISDIR(st.st_mode)) {
    int dfd = fd;
    fd = openat(dfd, "index.html", O_RDONLY | O_CLOEXEC);
    close(dfd);
    if (fd < 0 || fstat(fd, &st) < 0) {
      if (fd >= 0) close(fd);
      return 404;
    }
    strcat(rel, "/index.html");
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return 404;
  }
  s->kind = SK_FILE;
  s->fd = fd;
  s->remaining = (uint64_t)st.st_size;
  s->offset = 0;
  s->status = 200;
  s->ctype = content_type(rel);
  {
    /* Replace an expired entry for the same path; its readers keep it. */
    cached_file *old = &file_cache[file_cache_slot(rel)];
    if (old->fd >= 0 && old->refs && strcmp(old->rel, rel) == 0) old->stale = 1;
    if (!old->stale) {
      cf = file_cache_put(rel, fd, s->remaining, s->ctype);
      if (cf) {
        cf->refs++;
        s->cf = cf;
      }
    }
  }
  return 200;
}

static void make_static(stream *s, int status, const char *text) {
  s->kind = SK_STATIC;
  s->status = status;
  s->ctype = "text/plain; charset=utf-8";
  (void)bytes_append(&s->body, text, strlen(text));
}

static const char *status_text(int status) {
  switch (status) {
  case 400: return "400 Bad Request\n";
  case 403: return "403 Forbidden\n";
  case 404: return "404 Not Found\n";
  case 405: return "405 Method Not Allowed\n";
  case 413: return "413 Content Too Large\n";
  default: return "500 Internal Server Error\n";
  }
}

/* Decide what answers a request (method and target known). */
static void route(stream *s, const char *method, size_t mlen,
                  const char *path, size_t plen, const char *ctype, size_t clen) {
  int is_echo = plen >= 5 && memcmp(path, "/echo", 5) == 0 &&
                (plen == 5 || path[5] == '?');
  if (is_echo && ((mlen == 4 && memcmp(method, "POST", 4) == 0) ||
                  (mlen == 3 && memcmp(method, "PUT", 3) == 0))) {
    s->kind = SK_ECHO;
    s->status = 200;
    if (ctype && clen) {
      s->echo_ctype = malloc(clen + 1);
      if (s->echo_ctype) {
        memcpy(s->echo_ctype, ctype, clen);
        s->echo_ctype[clen] = '\0';
      }
    }
    return;
  }
  if ((mlen == 3 && memcmp(method, "GET", 3) == 0) ||
      (mlen == 4 && memcmp(method, "HEAD", 4) == 0)) {
    int st;
    s->head = mlen == 4;
    st = open_file(s, path, plen);
    if (st != 200) make_static(s, st, status_text(st));
    return;
  }
  make_static(s, 405, status_text(405));
}

/* Decimal digits of v into buf (NUL-terminated); snprintf showed up in
 * the per-request profile. */
static const char *fmt_u64(char *buf, size_t cap, uint64_t v) {
  char *p = buf + cap - 1;
  *p = '\0';
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v && p > buf);
  return p;
}

/* Send the response headers; END_STREAM with them if there is no body. */
static int start_response(client *c, stream *s) {
  h2_header h[5];
  size_t n = 0;
  char status[8], clen[24];
  int rv, empty;
  uint32_t flags = 0;
  h[n++] = hdr(":status", fmt_u64(status, sizeof(status), (uint64_t)s->status));
  h[n++] = hdr("server", "h2serve");
  if (s->kind == SK_ECHO) {
    h[n++] = hdr("content-type",
                 s->echo_ctype ? s->echo_ctype : "application/octet-stream");
    empty = 0;
  } else {
    uint64_t len = s->kind == SK_FILE ? s->remaining : bytes_avail(&s->body);
    h[n++] = hdr("content-type", s->ctype);
    h[n++] = hdr("content-length", fmt_u64(clen, sizeof(clen), len));
    if (s->status == 405) h[n++] = hdr("allow", "GET, HEAD, POST, PUT");
    empty = s->head || len == 0;
  }
  if (empty) flags = H2_SEND_END_STREAM;
  rv = h2_conn_send_headers(c->h2, s->id, h, n, flags, NULL);
  if (rv < 0) {
    logv("#%lu stream %u: send_headers: %s (%s)", c->serial, s->id,
         h2_strerror(rv), h2_conn_last_error(c->h2));
    return rv;
  }
  s->resp_started = 1;
  if (empty) s->resp_ended = 1;
  return 0;
}

/* Queue DATA for streams with something to send, round robin, one frame per
 * stream per round, within the windows. Returns 1 if anything was queued. */
static int pump(client *c) {
  static uint8_t chunk[FILE_CHUNK];
  int any = 0, progress = 1;
  stream *s, *next;
  if (!c->h2 || h2_conn_state(c->h2) == H2_CONN_CLOSED) return 0;
  while (progress && h2_conn_pending_data(c->h2) < OUT_HIGH_WATER) {
    progress = 0;
    for (s = c->streams; s; s = s->next) {
      int64_t window = 0;
      size_t n, avail, maxf;
      uint32_t flags = 0;
      int rv;
      if (!s->resp_started || s->resp_ended) continue;
      avail = s->kind == SK_FILE ? (size_t)(s->remaining > SIZE_MAX ? SIZE_MAX : s->remaining)
                                 : bytes_avail(&s->body);
      if (avail == 0) {
        if (s->kind == SK_ECHO && !s->req_ended) continue;
        rv = h2_conn_end_stream(c->h2, s->id);
        if (rv < 0) {
          (void)h2_conn_reset_stream(c->h2, s->id, H2_INTERNAL_ERROR);
        }
        s->resp_ended = 1;
        progress = 1;
        continue;
      }
      if (h2_conn_local_flow_control_window(c->h2, s->id, &window) < 0 || window <= 0)
        continue;
      maxf = h2_conn_max_outbound_frame_size(c->h2);
      n = avail;
      if ((uint64_t)n > (uint64_t)window) n = (size_t)window;
      if (n > maxf) n = maxf;
      if (s->kind == SK_FILE) {
        ssize_t r;
        if (n > sizeof(chunk)) n = sizeof(chunk);
        r = pread(s->fd, chunk, n, s->offset);
        if (r <= 0) { /* the file shrank or failed: abandon the stream */
          (void)h2_conn_reset_stream(c->h2, s->id, H2_INTERNAL_ERROR);
          s->resp_ended = 1;
          continue;
        }
        n = (size_t)r;
        if ((uint64_t)n == s->remaining) flags = H2_SEND_END_STREAM;
        rv = h2_conn_send_data(c->h2, s->id, chunk, n, flags, 0);
        if (rv == 0) {
          s->remaining -= n;
          s->offset += (off_t)n;
        }
      } else {
        if (n == avail && (s->kind == SK_STATIC || s->req_ended))
          flags = H2_SEND_END_STREAM;
        rv = h2_conn_send_data(c->h2, s->id, s->body.p + s->body.off, n, flags, 0);
        if (rv == 0) {
          bytes_consume(&s->body, n);
          stream_credit(c, s);
        }
      }
      if (rv < 0) {
        logv("#%lu stream %u: send_data: %s", c->serial, s->id, h2_strerror(rv));
        (void)h2_conn_reset_stream(c->h2, s->id, H2_INTERNAL_ERROR);
        s->resp_ended = 1;
        continue;
      }
      if (flags) s->resp_ended = 1;
      any = progress = 1;
      if (h2_conn_pending_data(c->h2) >= OUT_HIGH_WATER) break;
    }
  }
  /* A stream whose response is complete and whose request is complete is
   * done with; the engine remembers it for late frames. */
  for (s = c->streams; s; s = next) {
    next = s->next;
    if (s->resp_ended && s->req_ended) stream_free(c, s);
  }
  return any;
}

/* ---- HTTP/2 events ------------------------------------------------------- */

static void on_request(client *c, const h2_event *ev) {
  uint32_t sid = h2_event_stream_id(ev);
  const char *method = NULL, *path = NULL, *ctype = NULL;
  size_t mlen = 0, plen = 0, clen = 0, i, n = h2_event_header_count(ev);
  stream *s;
  if (c->goaway_sent && sid > c->goaway_last) {
    (void)h2_conn_reset_stream(c->h2, sid, H2_REFUSED_STREAM);
    return;
  }
  for (i = 0; i < n; i++) {
    h2_header h;
    if (h2_event_header(ev, i, &h) != 1) break;
    if (h.name_len == 7 && memcmp(h.name, ":method", 7) == 0) {
      method = (const char *)h.value;
      mlen = h.value_len;
    } else if (h.name_len == 5 && memcmp(h.name, ":path", 5) == 0) {
      path = (const char *)h.value;
      plen = h.value_len;
    } else if (h.name_len == 12 && memcmp(h.name, "content-type", 12) == 0) {
      ctype = (const char *)h.value;
      clen = h.value_len;
    }
  }
  s = stream_new(c, sid);
  if (!s) {
    (void)h2_conn_reset_stream(c->h2, sid, H2_INTERNAL_ERROR);
    return;
  }
  if (!method || !path)
    make_static(s, 400, status_text(400));
  else
    route(s, method, mlen, path, plen, ctype, clen);
  logv("#%lu stream %u: %.*s %.*s -> %d", c->serial, sid, (int)mlen,
       method ? method : "", (int)plen, path ? path : "", s->status);
}

static void on_data(client *c, const h2_event *ev) {
  uint32_t sid = h2_event_stream_id(ev);
  size_t len = 0, fl = h2_event_flow_controlled_length(ev);
  const uint8_t *data = h2_event_data(ev, &len);
  stream *s = stream_find(c, sid);
  if (!s || s->kind != SK_ECHO || s->resp_ended) {
    /* Not wanted: consumed (discarded) at once. */
    (void)h2_conn_acknowledge_received_data(c->h2, sid, fl);
    return;
  }
  if (bytes_append(&s->body, data, len) < 0) {
    (void)h2_conn_reset_stream(c->h2, sid, H2_INTERNAL_ERROR);
    stream_free(c, s);
    (void)h2_conn_acknowledge_received_data(c->h2, sid, fl);
    return;
  }
  s->owed += fl;
  /* Grant credit while the buffer is below the bound: the peer can then
   * have at most one more window in flight. */
  if (bytes_avail(&s->body) <= ECHO_BUFFER_LIMIT) stream_credit(c, s);
  if (!s->resp_started && start_response(c, s) < 0) stream_free(c, s);
}

static void on_stream_ended(client *c, uint32_t sid) {
  stream *s = stream_find(c, sid);
  if (!s) return;
  s->req_ended = 1;
  if (!s->resp_started && start_response(c, s) < 0) {
    (void)h2_conn_reset_stream(c->h2, sid, H2_INTERNAL_ERROR);
    stream_free(c, s);
  }
}

static void handle_event(client *c, const h2_event *ev) {
  int type = h2_event_type(ev);
  uint32_t sid = h2_event_stream_id(ev);
  stream *s;
  switch (type) {
  case H2_EV_REQUEST_RECEIVED:
    on_request(c, ev);
    break;
  case H2_EV_DATA_RECEIVED:
    on_data(c, ev);
    break;
  case H2_EV_STREAM_ENDED:
    on_stream_ended(c, sid);
    break;
  case H2_EV_STREAM_RESET:
    logv("#%lu stream %u reset (%s, error 0x%x)", c->serial, sid,
         h2_event_remote_reset(ev) ? "by peer" : "by us", h2_event_error_code(ev));
    s = stream_find(c, sid);
    if (s) stream_free(c, s);
    break;
  case H2_EV_CONNECTION_TERMINATED:
    logv("#%lu peer sent GOAWAY (error 0x%x, last stream %u)", c->serial,
         h2_event_error_code(ev), h2_event_related_stream_id(ev));
    c->closing = 1;
    break;
  default: /* settings, pings, window updates: the engine did the work, and
              pump() runs after every batch */
    break;
  }
}

/* Feed bytes to the engine and act on its events. */
static void h2_input(client *c, const uint8_t *data, size_t len) {
  const h2_event *ev;
  int rv = h2_conn_receive(c->h2, data, len, now_ms());
  while (h2_conn_next_event(c->h2, &ev) == 1) handle_event(c, ev);
  if (rv < 0) {
    logv("#%lu connection error: %s (%s)", c->serial, h2_strerror(rv),
         h2_conn_last_error(c->h2));
    c->closing = 1; /* the engine queued GOAWAY: flush it, then close */
  }
}

static int h2_start(client *c) {
  int rv = h2_conn_new(&c->h2, g.cfg);
  if (rv < 0) return rv;
  c->mode = M_H2;
  return 0;
}

/* Open up the connection-level receive window beyond the 65,535 default. */
static void h2_grow_window(client *c) {
  if (g.conn_window > 65535u)
    (void)h2_conn_increment_flow_control_window(c->h2, 0, g.conn_window - 65535u);
}

/* ---- HTTP/1.1 (detection, upgrade, refusal) ------------------------------ */

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void h1_reply(client *c, int status, const char *reason, const char *body) {
  char head[256];
  int n = snprintf(head, sizeof(head),
                   "HTTP/1.1 %d %s\r\nServer: h2serve\r\nContent-Type: text/plain\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   status, reason, strlen(body));
  (void)bytes_append(&c->raw, head, (size_t)n);
  (void)bytes_append(&c->raw, body, strlen(body));
  c->mode = M_H1_REPLY;
  c->closing = 1;
}

/* Does a comma-separated header value contain token (case-insensitive)? */
static int has_token(const char *v, size_t vlen, const char *token) {
  size_t tl = strlen(token), i = 0;
  while (i < vlen) {
    size_t s, e;
    while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    s = i;
    while (i < vlen && v[i] != ',') i++;
    e = i;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
    if (e - s == tl && strncasecmp(v + s, token, tl) == 0) return 1;
  }
  return 0;
}

typedef struct h1_req {
  const char *method, *target, *version;
  size_t mlen, tlen, vlen;
  const char *connection, *upgrade, *settings, *ctype;
  size_t conn_len, up_len, set_len, ctype_len;
  int nsettings;
  int has_te;
  long long clen; /* -1: none */
} h1_req;

/* Parse a request head of hlen bytes (ending with CRLF CRLF). 0 or -1. */
static int h1_parse(const char *p, size_t hlen, h1_req *r) {
  const char *end = p + hlen, *line, *eol, *sp1, *sp2;
  memset(r, 0, sizeof(*r));
  r->clen = -1;
  eol = memchr(p, '\r', hlen);
  if (!eol || eol + 1 >= end || eol[1] != '\n') return -1;
  sp1 = memchr(p, ' ', (size_t)(eol - p));
  if (!sp1) return -1;
  sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
  if (!sp2) return -1;
  r->method = p;
  r->mlen = (size_t)(sp1 - p);
  r->target = sp1 + 1;
  r->tlen = (size_t)(sp2 - sp1 - 1);
  r->version = sp2 + 1;
  r->vlen = (size_t)(eol - sp2 - 1);
  if (!r->mlen || !r->tlen || r->vlen != 8 || memcmp(r->version, "HTTP/1.", 7) != 0)
    return -1;
  for (line = eol + 2; line < end; line = eol + 2) {
    const char *colon, *v;
    size_t nlen, vlen;
    eol = memchr(line, '\r', (size_t)(end - line));
    if (!eol || eol + 1 >= end || eol[1] != '\n') return -1;
    if (eol == line) break; /* the empty line */
    colon = memchr(line, ':', (size_t)(eol - line));
    if (!colon || colon == line) return -1;
    nlen = (size_t)(colon - line);
    v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    vlen = (size_t)(eol - v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
#define IS(name) (nlen == sizeof(name) - 1 && strncasecmp(line, name, nlen) == 0)
    if (IS("connection")) {
      r->connection = v;
      r->conn_len = vlen;
    } else if (IS("upgrade")) {
      r->upgrade = v;
      r->up_len = vlen;
    } else if (IS("http2-settings")) {
      r->settings = v;
      r->set_len = vlen;
      r->nsettings++;
    } else if (IS("content-type")) {
      r->ctype = v;
      r->ctype_len = vlen;
    } else if (IS("transfer-encoding")) {
      r->has_te = 1;
    } else if (IS("content-length")) {
      char *e;
      char tmp[24];
      if (vlen == 0 || vlen >= sizeof(tmp) || r->clen >= 0) return -1;
      memcpy(tmp, v, vlen);
      tmp[vlen] = '\0';
      r->clen = strtoll(tmp, &e, 10);
      if (*e || r->clen < 0) return -1;
    }
#undef IS
  }
  return 0;
}

/* Is the first line "METHOD SP TARGET SP HTTP/1.x"? */
static int h1_request_line_ok(const char *p, size_t len) {
  const char *eol = memchr(p, '\r', len), *sp1, *sp2;
  size_t i;
  if (!eol) return 1; /* not known yet */
  sp1 = memchr(p, ' ', (size_t)(eol - p));
  if (!sp1 || sp1 == p) return 0;
  for (i = 0; p + i < sp1; i++)
    if (p[i] < 'A' || p[i] > 'Z') return 0;
  sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
  return sp2 && sp2 > sp1 + 1 && eol - sp2 - 1 == 8 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0;
}

/* Neither a preface nor HTTP/1.x: let the engine treat the bytes as a bad
 * HTTP/2 preface (SETTINGS, then GOAWAY(PROTOCOL_ERROR), then close), as a
 * server speaking only HTTP/2 would. */
static void detect_as_h2(client *c, const char *p, size_t len) {
  if (h2_start(c) < 0 || h2_conn_initiate(c->h2) < 0) {
    c->closing = 1;
    return;
  }
  h2_input(c, (const uint8_t *)p, len);
  bytes_free(&c->in);
}

/* Bytes arrived on a connection still being detected. */
static void detect(client *c) {
  const char *p = (const char *)c->in.p + c->in.off;
  size_t len = bytes_avail(&c->in), cmp = len < 24 ? len : 24, hlen;
  const char *eoh;
  h1_req r;
  stream *s;
  int rv;

  if (memcmp(p, preface, cmp) == 0) {
    if (len < 24) return;
    if (h2_start(c) < 0 || h2_conn_initiate(c->h2) < 0) {
      c->closing = 1;
      return;
    }
    logv("#%lu HTTP/2 with prior knowledge", c->serial);
    h2_grow_window(c);
    h2_input(c, (const uint8_t *)p, len);
    bytes_free(&c->in);
    return;
  }
  if (!h1_request_line_ok(p, len)) {
    logv("#%lu neither HTTP/2 nor HTTP/1.x", c->serial);
    detect_as_h2(c, p, len);
    return;
  }
  eoh = memmem(p, len, "\r\n\r\n", 4);
  if (!eoh) {
    if (len > H1_HEAD_LIMIT)
      h1_reply(c, 431, "Request Header Fields Too Large", "request head too large\n");
    return;
  }
  hlen = (size_t)(eoh - p) + 4;
  if (h1_parse(p, hlen, &r) < 0) {
    h1_reply(c, 400, "Bad Request", "malformed HTTP/1.1 request\n");
    return;
  }
  if (!(r.vlen == 8 && r.version[7] == '1' && r.upgrade &&
        has_token(r.upgrade, r.up_len, "h2c") && r.connection &&
        has_token(r.connection, r.conn_len, "upgrade") &&
        has_token(r.connection, r.conn_len, "http2-settings") && r.nsettings == 1 &&
        !r.has_te)) {
    logv("#%lu HTTP/1.x without h2c upgrade: 505", c->serial);
    h1_reply(c, 505, "HTTP Version Not Supported",
             "this server speaks HTTP/2 only (prior knowledge or Upgrade: h2c)\n");
    return;
  }
  if (r.clen > (long long)H1_BODY_LIMIT) {
    h1_reply(c, 413, "Content Too Large", "upgrade request body too large\n");
    return;
  }
  if (r.clen > 0 && len < hlen + (size_t)r.clen) return; /* body still coming */

  /* Upgrade: the settings must be valid before we say 101. */
  if (h2_start(c) < 0) {
    c->closing = 1;
    return;
  }
  rv = h2_conn_initiate_upgrade(c->h2, (const uint8_t *)r.settings, r.set_len, NULL, 0,
                                NULL);
  if (rv < 0) {
    logv("#%lu bad HTTP2-Settings: %s", c->serial, h2_strerror(rv));
    h2_conn_free(c->h2);
    c->h2 = NULL;
    h1_reply(c, 400, "Bad Request", "invalid HTTP2-Settings\n");
    return;
  }
  {
    static const char sw[] =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    (void)bytes_append(&c->raw, sw, sizeof(sw) - 1);
  }
  logv("#%lu HTTP/1.1 upgraded to h2c", c->serial);
  h2_grow_window(c);
  /* The HTTP/1.1 request is stream 1's request, already complete. */
  s = stream_new(c, 1);
  if (!s) {
    c->closing = 1;
    return;
  }
  route(s, r.method, r.mlen, r.target, r.tlen, r.ctype, r.ctype_len);
  logv("#%lu stream 1: %.*s %.*s -> %d", c->serial, (int)r.mlen, r.method,
       (int)r.tlen, r.target, s->status);
  if (s->kind == SK_ECHO && r.clen > 0)
    (void)bytes_append(&s->body, p + hlen, (size_t)r.clen);
  s->req_ended = 1;
  if (start_response(c, s) < 0) stream_free(c, s);
  hlen += r.clen > 0 ? (size_t)r.clen : 0;
  /* What follows (the client preface) is HTTP/2. Copy it: c->in is freed. */
  if (len > hlen) {
    bytes rest = {0, 0, 0, 0};
    if (bytes_append(&rest, p + hlen, len - hlen) == 0)
      h2_input(c, rest.p, rest.len);
    bytes_free(&rest);
  }
  bytes_free(&c->in);
}

/* ---- connections ------------------------------------------------------------ */

/* Close at once. The memory is freed after the current epoll batch, which
 * may still name this client. */
static void client_close(client *c) {
  if (c->fd < 0) return;
  while (c->streams) stream_free(c, c->streams);
  epoll_ctl(g.epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  if (c->mode == M_LINGER) g.nlinger--;
  h2_conn_free(c->h2);
  c->h2 = NULL;
  bytes_free(&c->in);
  bytes_free(&c->raw);
  if (c->prev) c->prev->next = c->next;
  else g.clients = c->next;
  if (c->next) c->next->prev = c->prev;
  g.nconns--;
  logv("#%lu closed", c->serial);
  c->next = g.dead;
  g.dead = c;
}

/* Everything is sent: half-close and read until the peer closes (or a
 * short while), so that unread input does not make the kernel answer with
 * a reset that could destroy our last frames (a GOAWAY) in flight. */
static void client_finish(client *c) {
  struct epoll_event ev;
  if (c->fd < 0 || c->mode == M_LINGER) return;
  while (c->streams) stream_free(c, c->streams);
  shutdown(c->fd, SHUT_WR);
  c->mode = M_LINGER;
  c->linger_until = now_ms() + 2000;
  g.nlinger++;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(g.epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->ev_mask = EPOLLIN;
}

/* Append a GOAWAY frame (RFC 9113 §6.8) to the raw output, by hand. Used
 * at shutdown only, for a connection with streams in flight, at a frame
 * boundary of the engine's output (nothing pending): h2_conn_close() puts
 * the engine in its CLOSED state at once (h2's semantics: no more sending,
 * input ignored), and in-flight streams are to finish first. Streams the
 * peer opens later get RST_STREAM(REFUSED_STREAM); once the last in-flight
 * stream is done, h2_conn_close() sends the final GOAWAY (same last id). */
static void write_goaway(client *c, uint32_t last) {
  uint8_t f[17] = {0, 0, 8, 0x7, 0, 0, 0, 0, 0};
  f[9] = (uint8_t)(last >> 24 & 0x7f);
  f[10] = (uint8_t)(last >> 16);
  f[11] = (uint8_t)(last >> 8);
  f[12] = (uint8_t)last; /* error code NO_ERROR: f[13..16] stay 0 */
  (void)bytes_append(&c->raw, f, sizeof(f));
  c->goaway_sent = 1;
  c->goaway_last = last;
}

/* Write what we can. Returns 0 (more to come), 1 (done: all written and the
 * connection is closing) or -1 (the connection failed). */
static int flush(client *c) {
  for (;;) {
    while (bytes_avail(&c->raw)) {
      ssize_t n = send(c->fd, c->raw.p + c->raw.off, bytes_avail(&c->raw), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) goto blocked;
        return -1;
      }
      bytes_consume(&c->raw, (size_t)n);
    }
    if (c->h2) {
      const uint8_t *p;
      size_t len = 0;
      while (h2_conn_peek_data(c->h2, &p, &len) == 0 && len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK) goto blocked;
          return -1;
        }
        (void)h2_conn_consume_data(c->h2, (size_t)n);
      }
      /* Output empty: a frame boundary. */
      if (c->goaway_pending && h2_conn_state(c->h2) != H2_CONN_CLOSED) {
        c->goaway_pending = 0;
        write_goaway(c, h2_conn_highest_inbound_stream_id(c->h2));
        continue;
      }
      if (pump(c)) continue;
      if (g.shutting_down && !c->closing && c->goaway_sent && !c->streams &&
          h2_conn_state(c->h2) != H2_CONN_CLOSED) {
        (void)h2_conn_close(c->h2, H2_NO_ERROR, H2_LAST_STREAM_AUTO, NULL, 0);
        c->closing = 1;
        continue;
      }
    }
    break;
  }
  if (c->closing || (c->h2 && h2_conn_state(c->h2) == H2_CONN_CLOSED)) return 1;
  watch(c);
  return 0;
blocked:
  watch(c);
  return 0;
}

static void after_flush(client *c, int rv) {
  if (rv < 0) client_close(c);
  else if (rv > 0) client_finish(c);
}

static void on_readable(client *c) {
  static uint8_t buf[READ_CHUNK];
  ssize_t n;
  if (c->fd < 0) return;
  n = recv(c->fd, buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    client_close(c);
    return;
  }
  if (n == 0) { /* the peer is done: nothing more can be answered usefully */
    client_close(c);
    return;
  }
  if (c->mode == M_LINGER) return; /* discarded */
  if (c->mode == M_DETECT) {
    if (bytes_append(&c->in, buf, (size_t)n) < 0) {
      client_close(c);
      return;
    }
    detect(c);
  } else if (c->mode == M_H2) {
    h2_input(c, buf, (size_t)n);
  } /* M_H1_REPLY: input ignored */
  after_flush(c, flush(c));
}

static void on_accept(void) {
  for (;;) {
    struct epoll_event ev;
    client *c;
    int one = 1;
    int fd = accept4(g.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return; /* EAGAIN, or out of descriptors: try again later */
    }
    if (g.nconns >= g.max_conns || !(c = calloc(1, sizeof(*c)))) {
      close(fd);
      continue;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->serial = ++g.serial;
    c->mode = M_DETECT;
    c->ev_mask = EPOLLIN;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = c;
    if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      close(fd);
      free(c);
      continue;
    }
    c->next = g.clients;
    if (g.clients) g.clients->prev = c;
    g.clients = c;
    g.nconns++;
    logv("#%lu accepted", c->serial);
  }
}

static void begin_shutdown(void) {
  client *c, *next;
  if (g.shutting_down) return;
  g.shutting_down = 1;
  g.shutdown_deadline = now_ms() + g.shutdown_timeout_ms;
  logv("shutting down: %u connection(s) open", g.nconns);
  epoll_ctl(g.epfd, EPOLL_CTL_DEL, g.lfd, NULL);
  close(g.lfd);
  g.lfd = -1;
  for (c = g.clients; c; c = next) {
    next = c->next;
    if (c->mode == M_DETECT) {
      client_close(c);
      continue;
    }
    if (c->mode == M_H2) {
      if (c->streams) {
        c->goaway_pending = 1; /* in flight: GOAWAY now, close when done */
      } else {
        if (h2_conn_state(c->h2) != H2_CONN_CLOSED)
          (void)h2_conn_close(c->h2, H2_NO_ERROR, H2_LAST_STREAM_AUTO, NULL, 0);
        c->closing = 1;
      }
    }
    if (c->mode != M_LINGER) after_flush(c, flush(c));
  }
}

static void force_close_all(void) {
  while (g.clients) {
    client *c = g.clients;
    if (c->h2 && h2_conn_state(c->h2) != H2_CONN_CLOSED)
      (void)h2_conn_close(c->h2, H2_NO_ERROR, H2_LAST_STREAM_AUTO, NULL, 0);
    c->closing = 1;
    if (c->mode != M_LINGER) (void)flush(c); /* best effort */
    client_close(c);
  }
}

/* ---- setup ------------------------------------------------------------------ */

static void usage(FILE *f) {
  fprintf(f,
          "usage: h2serve --port PORT --root DIR [options]\n"
          "\n"
          "A cleartext HTTP/2 server (prior knowledge and HTTP/1.1 Upgrade: h2c).\n"
          "GET/HEAD serve files under DIR; POST/PUT /echo echo the request body.\n"
          "\n"
          "  --port PORT                    TCP port (0: any; the port is printed)\n"
          "  --root DIR                     directory to serve\n"
          "  --host ADDR                    address to listen on [127.0.0.1]\n"
          "  --max-concurrent-streams N     SETTINGS_MAX_CONCURRENT_STREAMS [100]\n"
          "  --max-header-list-size N       SETTINGS_MAX_HEADER_LIST_SIZE [65536]\n"
          "  --max-field-size N             largest header name or value [65536]\n"
          "  --max-continuation-frames N    CONTINUATIONs per header block [8]\n"
          "  --initial-window-size N        SETTINGS_INITIAL_WINDOW_SIZE [65535]\n"
          "  --max-frame-size N             SETTINGS_MAX_FRAME_SIZE [16384]\n"
          "  --connection-window N          connection receive window [1048576]\n"
          "  --max-connections N            connections at once [1024]\n"
          "  --shutdown-timeout MS          grace period on SIGINT/SIGTERM [5000]\n"
          "  -v, --verbose                  log connections and requests to stderr\n"
          "  -h, --help                     this text\n");
}

static uint64_t parse_num(const char *opt, const char *s, uint64_t max) {
  char *end;
  unsigned long long v;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || *end || end == s || s[0] == '-' || v > max) {
    fprintf(stderr, "h2serve: bad value for --%s: %s\n", opt, s);
    exit(2);
  }
  return (uint64_t)v;
}

static void cfg_check(int rv, const char *what) {
  if (rv < 0) {
    fprintf(stderr, "h2serve: %s: %s\n", what, h2_strerror(rv));
    exit(2);
  }
}

static int listen_on(const char *host, uint16_t port) {
  struct sockaddr_storage ss;
  socklen_t sl;
  int fd, one = 1;
  memset(&ss, 0, sizeof(ss));
  if (strchr(host, ':')) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) goto bad;
    sl = sizeof(*a);
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) goto bad;
    sl = sizeof(*a);
  }
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) die("bind");
  if (listen(fd, 512) < 0) die("listen");
  return fd;
bad:
  fprintf(stderr, "h2serve: --host must be a numeric IPv4 or IPv6 address: %s\n", host);
  exit(2);
}

int main(int argc, char **argv) {
  enum {
    O_PORT = 256, O_ROOT, O_HOST, O_MCS, O_MHLS, O_MFS, O_MCF, O_IWS, O_MAXF,
    O_CWIN, O_MAXC, O_SDT
  };
  static const struct option opts[] = {
      {"port", required_argument, NULL, O_PORT},
      {"root", required_argument, NULL, O_ROOT},
      {"host", required_argument, NULL, O_HOST},
      {"max-concurrent-streams", required_argument, NULL, O_MCS},
      {"max-header-list-size", required_argument, NULL, O_MHLS},
      {"max-field-size", required_argument, NULL, O_MFS},
      {"max-continuation-frames", required_argument, NULL, O_MCF},
      {"initial-window-size", required_argument, NULL, O_IWS},
      {"max-frame-size", required_argument, NULL, O_MAXF},
      {"connection-window", required_argument, NULL, O_CWIN},
      {"max-connections", required_argument, NULL, O_MAXC},
      {"shutdown-timeout", required_argument, NULL, O_SDT},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *host = "127.0.0.1";
  long port = -1;
  int opt;
  sigset_t mask;
  struct epoll_event ev;
  struct sockaddr_storage bound;
  socklen_t blen = sizeof(bound);

  g.max_conns = 1024;
  g.conn_window = 1u << 20;
  g.shutdown_timeout_ms = 5000;
  cfg_check(h2_config_new(&g.cfg, H2_SIDE_SERVER), "config");
  /* The response headers are built here, lowercase and valid by
   * construction (an echoed content-type passed inbound validation), so
   * the engine need not check or normalize them again. */
  cfg_check(h2_config_set(g.cfg, H2_OPT_VALIDATE_OUTBOUND_HEADERS, 0), "config");
  cfg_check(h2_config_set(g.cfg, H2_OPT_NORMALIZE_OUTBOUND_HEADERS, 0), "config");
  while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
    switch (opt) {
    case O_PORT: port = (long)parse_num("port", optarg, 65535); break;
    case O_ROOT: g.root = optarg; break;
    case O_HOST: host = optarg; break;
    case O_MCS:
      cfg_check(h2_config_set(g.cfg, H2_OPT_MAX_CONCURRENT_STREAMS,
                              parse_num("max-concurrent-streams", optarg, UINT32_MAX)),
                "--max-concurrent-streams");
      break;
    case O_MHLS:
      cfg_check(h2_config_set(g.cfg, H2_OPT_MAX_HEADER_LIST_SIZE,
                              parse_num("max-header-list-size", optarg, UINT32_MAX)),
                "--max-header-list-size");
      break;
    case O_MFS:
      cfg_check(h2_config_set(g.cfg, H2_OPT_MAX_FIELD_SIZE,
                              parse_num("max-field-size", optarg, UINT32_MAX)),
                "--max-field-size");
      break;
    case O_MCF:
      cfg_check(h2_config_set(g.cfg, H2_OPT_MAX_CONTINUATION_FRAMES,
                              parse_num("max-continuation-frames", optarg, UINT32_MAX)),
                "--max-continuation-frames");
      break;
    case O_IWS:
      cfg_check(h2_config_set_setting(g.cfg, H2_SETTING_INITIAL_WINDOW_SIZE,
                                      (uint32_t)parse_num("initial-window-size", optarg,
                                                          UINT32_MAX)),
                "--initial-window-size");
      break;
    case O_MAXF:
      cfg_check(h2_config_set_setting(g.cfg, H2_SETTING_MAX_FRAME_SIZE,
                                      (uint32_t)parse_num("max-frame-size", optarg,
                                                          UINT32_MAX)),
                "--max-frame-size");
      break;
    case O_CWIN:
      g.conn_window = (uint32_t)parse_num("connection-window", optarg, 0x7fffffff);
      break;
    case O_MAXC:
      g.max_conns = (unsigned)parse_num("max-connections", optarg, 1000000);
      break;
    case O_SDT: g.shutdown_timeout_ms = parse_num("shutdown-timeout", optarg, 86400000); break;
    case 'v': g.verbose = 1; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind != argc || port < 0 || !g.root) {
    usage(stderr);
    return 2;
  }
  file_cache_init();
  g.root_fd = open(g.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g.root_fd < 0) die(g.root);

  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
  g.sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (g.sfd < 0) die("signalfd");
  signal(SIGPIPE, SIG_IGN);

  g.lfd = listen_on(host, (uint16_t)port);
  g.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (g.epfd < 0) die("epoll_create1");
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.ptr = &g.lfd;
  if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.lfd, &ev) < 0) die("epoll_ctl");
  ev.data.ptr = &g.sfd;
  if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.sfd, &ev) < 0) die("epoll_ctl");

  if (getsockname(g.lfd, (struct sockaddr *)&bound, &blen) == 0) {
    unsigned p = bound.ss_family == AF_INET6
                     ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                     : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    printf("h2serve %s listening on http://%s%s%s:%u/ (root %s)\n", h2_version(),
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", p, g.root);
    fflush(stdout);
  }

  for (;;) {
    struct epoll_event evs[64];
    int i, n, timeout = -1;
    if (g.shutting_down) {
      uint64_t t = now_ms();
      if (!g.clients) break;
      if (t >= g.shutdown_deadline) {
        logv("shutdown timeout: closing %u connection(s)", g.nconns);
        force_close_all();
        while (g.dead) {
          client *c = g.dead;
          g.dead = c->next;
          free(c);
        }
        break;
      }
      timeout = (int)(g.shutdown_deadline - t);
    }
    if (g.nlinger && (timeout < 0 || timeout > 250)) timeout = 250;
    n = epoll_wait(g.epfd, evs, 64, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (i = 0; i < n; i++) {
      void *ptr = evs[i].data.ptr;
      if (ptr == &g.lfd) {
        if (!g.shutting_down) on_accept();
      } else if (ptr == &g.sfd) {
        struct signalfd_siginfo si;
        while (read(g.sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
          logv("signal %u", si.ssi_signo);
          begin_shutdown();
        }
      } else {
        client *c = ptr;
        if (c->fd < 0) continue; /* closed earlier in this batch */
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          on_readable(c);
        } else if (evs[i].events & EPOLLOUT) {
          after_flush(c, flush(c));
        }
      }
    }
    if (g.nlinger) {
      uint64_t t = now_ms();
      client *c, *next;
      for (c = g.clients; c; c = next) {
        next = c->next;
        if (c->mode == M_LINGER && t >= c->linger_until) client_close(c);
      }
    }
    while (g.dead) {
      client *c = g.dead;
      g.dead = c->next;
      free(c);
    }
  }
  h2_config_free(g.cfg);
  close(g.epfd);
  close(g.sfd);
  close(g.root_fd);
  logv("bye");
  return 0;
}
