/* h2demo: what an HTTP/2 request and response look like on the wire.
 *
 * A client's GET and POST and the server's answers are encoded with libh2's
 * HPACK encoder and frame writer, the bytes are shown, then read back with
 * the frame reader (one byte at a time, as a slow socket would deliver them)
 * and the HPACK decoder, and every frame is printed with its decoded
 * headers. Both directions keep their own compression state, as a real
 * connection does, so the second request shows the dynamic table at work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2_err.h"
#include "h2_frame.h"
#include "h2_hpack.h"

#define HDR(n, v)                                                            \
  { (const uint8_t *)(n), sizeof(n) - 1, (const uint8_t *)(v), sizeof(v) - 1, 0 }

typedef struct direction {
  const char *name;
  h2_hpack_enc enc;
  h2_hpack_dec dec;
  h2_frame_reader reader;
  uint8_t wire[4096];
  size_t wire_len;
} direction;

static void die(const char *what, int rv) {
  fprintf(stderr, "h2demo: %s failed (%d)\n", what, rv);
  exit(1);
}

static const char *type_name(uint8_t t) {
  static const char *names[] = {"DATA",     "HEADERS",      "PRIORITY",
                                "RST_STREAM", "SETTINGS",   "PUSH_PROMISE",
                                "PING",     "GOAWAY",       "WINDOW_UPDATE",
                                "CONTINUATION"};
  return t < sizeof(names) / sizeof(names[0]) ? names[t] : "UNKNOWN";
}

static void put_frame(direction *d, const h2_frame *f) {
  size_t n = 0;
  int rv = h2_frame_encode(f, d->wire + d->wire_len,
                           sizeof(d->wire) - d->wire_len, &n);
  if (rv != H2S_OK) die("h2_frame_encode", rv);
  d->wire_len += n;
}

static void send_headers(direction *d, uint32_t stream_id,
                         const h2_hpack_field *hdrs, size_t n, int end_stream) {
  uint8_t block[1024];
  size_t len = 0;
  h2_frame f;
  int rv = h2_hpack_encode(&d->enc, hdrs, n, block, sizeof(block), &len);
  if (rv != H2S_OK) die("h2_hpack_encode", rv);
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_HEADERS;
  f.hd.flags = (uint8_t)(H2_FLAG_END_HEADERS | (end_stream ? H2_FLAG_END_STREAM : 0));
  f.hd.stream_id = stream_id;
  f.u.headers.block = block;
  f.u.headers.block_len = len;
  put_frame(d, &f);
}

static void send_data(direction *d, uint32_t stream_id, const char *body,
                      int end_stream) {
  h2_frame f;
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_DATA;
  f.hd.flags = end_stream ? H2_FLAG_END_STREAM : 0;
  f.hd.stream_id = stream_id;
  f.u.data.data = (const uint8_t *)body;
  f.u.data.len = strlen(body);
  put_frame(d, &f);
}

static void send_settings(direction *d) {
  static const h2_setting s[] = {{H2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                                 {H2_SETTINGS_INITIAL_WINDOW_SIZE, 65535}};
  uint8_t raw[sizeof(s) / sizeof(s[0]) * 6];
  h2_frame f;
  h2_settings_pack(raw, s, 2);
  memset(&f, 0, sizeof(f));
  f.hd.type = H2_FT_SETTINGS;
  f.u.settings.raw = raw;
  f.u.settings.count = 2;
  put_frame(d, &f);
}

static void hexdump(const uint8_t *p, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    printf("%s%02x", i % 32 == 0 ? (i ? "\n    " : "    ") : " ", p[i]);
  printf("\n");
}

static const char *setting_name(uint16_t id) {
  switch (id) {
  case H2_SETTINGS_HEADER_TABLE_SIZE: return "HEADER_TABLE_SIZE";
  case H2_SETTINGS_ENABLE_PUSH: return "ENABLE_PUSH";
  case H2_SETTINGS_MAX_CONCURRENT_STREAMS: return "MAX_CONCURRENT_STREAMS";
  case H2_SETTINGS_INITIAL_WINDOW_SIZE: return "INITIAL_WINDOW_SIZE";
  case H2_SETTINGS_MAX_FRAME_SIZE: return "MAX_FRAME_SIZE";
  case H2_SETTINGS_MAX_HEADER_LIST_SIZE: return "MAX_HEADER_LIST_SIZE";
  default: return "unknown";
  }
}

/* Body bytes, with anything unprintable escaped. */
static void print_body(const uint8_t *p, size_t n) {
  size_t i;
  printf("      body: \"");
  for (i = 0; i < n; i++) {
    if (p[i] == '\n') printf("\\n");
    else if (p[i] < 0x20 || p[i] >= 0x7f || p[i] == '"') printf("\\x%02x", p[i]);
    else putchar(p[i]);
  }
  printf("\"\n");
}

static void print_flags(const h2_frame *f) {
  uint8_t fl = f->hd.flags;
  if (f->hd.type == H2_FT_SETTINGS || f->hd.type == H2_FT_PING) {
    if (fl & H2_FLAG_ACK) printf(" ACK");
    return;
  }
  if ((fl & H2_FLAG_END_STREAM) &&
      (f->hd.type == H2_FT_DATA || f->hd.type == H2_FT_HEADERS))
    printf(" END_STREAM");
  if (fl & H2_FLAG_END_HEADERS) printf(" END_HEADERS");
  if (fl & H2_FLAG_PADDED) printf(" PADDED");
  if (fl & H2_FLAG_PRIORITY) printf(" PRIORITY");
}

/* Read everything the sender wrote, one byte per call, and print it. */
static void receive(direction *d) {
  size_t pos = 0, i, count, plain = 0;
  printf("\n%s: %zu bytes on the wire\n", d->name, d->wire_len);
  hexdump(d->wire, d->wire_len);
  while (pos < d->wire_len) {
    h2_frame f;
    size_t used = 0;
    int rv = h2_frame_read(&d->reader, d->wire + pos, 1, &used, &f);
    pos += used;
    if (rv == H2_READ_NEED_MORE) continue;
    if (rv != H2_READ_FRAME) die("h2_frame_read", rv);
    printf("  %s stream=%u length=%u flags:", type_name(f.hd.type),
           f.hd.stream_id, f.hd.length);
    print_flags(&f);
    printf("\n");
    if (f.hd.type == H2_FT_SETTINGS) {
      for (i = 0; i < f.u.settings.count; i++) {
        h2_setting s;
        h2_frame_setting(&f, i, &s);
        printf("      %s (0x%x) = %u\n", setting_name(s.id), s.id, s.value);
      }
    } else if (f.hd.type == H2_FT_DATA) {
      print_body(f.u.data.data, f.u.data.len);
    } else if (f.hd.type == H2_FT_HEADERS) {
      const h2_hpack_field *h;
      rv = h2_hpack_decode(&d->dec, f.u.headers.block, f.u.headers.block_len, 1);
      if (rv != H2S_OK) die("h2_hpack_decode", rv);
      h = h2_hpack_dec_fields(&d->dec, &count);
      for (i = 0; i < count; i++) {
        printf("      %.*s: %.*s\n", (int)h[i].name_len, (const char *)h[i].name,
               (int)h[i].value_len, (const char *)h[i].value);
        plain += h[i].name_len + h[i].value_len;
      }
      printf("      (header block %zu bytes for %zu bytes of names and values; "
             "dynamic table now %u bytes)\n",
             f.u.headers.block_len, plain, h2_hpack_table_size(&d->dec.table));
      plain = 0;
    }
  }
  d->wire_len = 0;
}

static void direction_init(direction *d, const char *name) {
  memset(d, 0, sizeof(*d));
  d->name = name;
  if (h2_hpack_enc_init(&d->enc, NULL, H2_HPACK_POLICY_COMPACT) != H2S_OK ||
      h2_hpack_dec_init(&d->dec, NULL) != H2S_OK)
    die("init", H2S_NOMEM);
  h2_frame_reader_init(&d->reader, NULL);
}

static void direction_free(direction *d) {
  h2_hpack_enc_free(&d->enc);
  h2_hpack_dec_free(&d->dec);
  h2_frame_reader_free(&d->reader);
}

int main(void) {
  static const h2_hpack_field get[] = {
      HDR(":method", "GET"), HDR(":scheme", "https"),
      HDR(":authority", "example.com"), HDR(":path", "/index.html"),
      HDR("user-agent", "h2demo/1.0"), HDR("accept", "text/html")};
  static const h2_hpack_field post[] = {
      HDR(":method", "POST"), HDR(":scheme", "https"),
      HDR(":authority", "example.com"), HDR(":path", "/api/echo"),
      HDR("user-agent", "h2demo/1.0"), HDR("content-type", "text/plain"),
      HDR("content-length", "11")};
  static const h2_hpack_field ok[] = {
      HDR(":status", "200"), HDR("content-type", "text/html"),
      HDR("content-length", "20"), HDR("server", "libh2-demo")};
  static const h2_hpack_field echo[] = {
      HDR(":status", "200"), HDR("content-type", "text/plain"),
      HDR("server", "libh2-demo")};
  direction c2s, s2c;

  direction_init(&c2s, "client -> server");
  direction_init(&s2c, "server -> client");

  /* The client preface is followed by SETTINGS; then two requests. */
  send_settings(&c2s);
  send_headers(&c2s, 1, get, sizeof(get) / sizeof(get[0]), 1);
  send_headers(&c2s, 3, post, sizeof(post) / sizeof(post[0]), 0);
  send_data(&c2s, 3, "hello, h2!\n", 1);
  receive(&c2s);

  send_settings(&s2c);
  send_headers(&s2c, 1, ok, sizeof(ok) / sizeof(ok[0]), 0);
  send_data(&s2c, 1, "<h1>hello world</h1>", 1);
  send_headers(&s2c, 3, echo, sizeof(echo) / sizeof(echo[0]), 0);
  send_data(&s2c, 3, "hello, h2!\n", 1);
  receive(&s2c);

  direction_free(&c2s);
  direction_free(&s2c);
  printf("\nround trip complete\n");
  return 0;
}
