/* HTTP/2 frames, RFC 9113 §4 and §6, plus ALTSVC (RFC 7838), ORIGIN
 * (RFC 8336) and PRIORITY_UPDATE (RFC 9218). Any other type is passed
 * through as an unknown frame.
 *
 * The reader is incremental: bytes may arrive split anywhere, and a frame
 * that is complete in the caller's buffer is parsed in place (the pointers
 * in h2_frame then point into that buffer). Only a frame split across calls
 * is copied, into a buffer sized once for SETTINGS_MAX_FRAME_SIZE. */
#ifndef H2_CORE_FRAME_H
#define H2_CORE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "h2_mem.h"

#define H2_FRAME_HEADER_LEN 9u
#define H2_DEFAULT_MAX_FRAME_SIZE 16384u
#define H2_MAX_MAX_FRAME_SIZE 16777215u
#define H2_MAX_STREAM_ID 0x7fffffffu
#define H2_MAX_WINDOW 0x7fffffffu

enum h2_frame_type {
  H2_FT_DATA = 0x0,
  H2_FT_HEADERS = 0x1,
  H2_FT_PRIORITY = 0x2,
  H2_FT_RST_STREAM = 0x3,
  H2_FT_SETTINGS = 0x4,
  H2_FT_PUSH_PROMISE = 0x5,
  H2_FT_PING = 0x6,
  H2_FT_GOAWAY = 0x7,
  H2_FT_WINDOW_UPDATE = 0x8,
  H2_FT_CONTINUATION = 0x9,
  H2_FT_ALTSVC = 0xa,
  H2_FT_ORIGIN = 0xc,
  H2_FT_PRIORITY_UPDATE = 0x10
};

#define H2_FLAG_END_STREAM 0x01u
#define H2_FLAG_ACK 0x01u
#define H2_FLAG_END_HEADERS 0x04u
#define H2_FLAG_PADDED 0x08u
#define H2_FLAG_PRIORITY 0x20u

enum h2_setting_id {
  H2_SETTINGS_HEADER_TABLE_SIZE = 0x1,
  H2_SETTINGS_ENABLE_PUSH = 0x2,
  H2_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
  H2_SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
  H2_SETTINGS_MAX_FRAME_SIZE = 0x5,
  H2_SETTINGS_MAX_HEADER_LIST_SIZE = 0x6,
  H2_SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8,
  H2_SETTINGS_NO_RFC7540_PRIORITIES = 0x9
};

typedef struct h2_frame_hd {
  uint32_t length; /* payload length, 24 bits */
  uint8_t type;
  uint8_t flags;
  uint32_t stream_id; /* reserved bit cleared */
} h2_frame_hd;

typedef struct h2_setting {
  uint16_t id;
  uint32_t value;
} h2_setting;

/* RFC 9113 §5.3.2 priority fields (HEADERS with PRIORITY flag, PRIORITY). */
typedef struct h2_priority_spec {
  uint32_t dep; /* stream dependency, reserved bit cleared */
  uint8_t exclusive;
  uint16_t weight; /* 1..256: the wire byte plus one */
} h2_priority_spec;

typedef struct h2_frame {
  h2_frame_hd hd;
  /* DATA, HEADERS, PUSH_PROMISE with PADDED: pad_len padding bytes at pad
   * (the pad length byte itself is not included). When encoding, pad may be
   * NULL for zero padding. */
  uint16_t pad_len;
  const uint8_t *pad;
  union {
    struct {
      const uint8_t *data;
      size_t len;
    } data;
    struct {
      h2_priority_spec pri; /* valid when hd.flags has H2_FLAG_PRIORITY */
      const uint8_t *block;
      size_t block_len;
    } headers;
    h2_priority_spec priority;
    struct {
      uint32_t error_code;
    } rst_stream;
    struct {
      const uint8_t *raw; /* count * 6 bytes; see h2_frame_setting() */
      size_t count;
    } settings;
    struct {
      uint32_t promised_id;
      const uint8_t *block;
      size_t block_len;
    } push_promise;
    struct {
      uint8_t opaque[8];
    } ping;
    struct {
      uint32_t last_stream_id;
      uint32_t error_code;
      const uint8_t *debug;
      size_t debug_len;
    } goaway;
    struct {
      uint32_t increment; /* reserved bit cleared */
    } window_update;
    struct {
      const uint8_t *block;
      size_t block_len;
    } continuation;
    struct {
      const uint8_t *origin;
      size_t origin_len;
      const uint8_t *value; /* Alt-Svc field value */
      size_t value_len;
    } altsvc;
    struct {
      const uint8_t *payload; /* entries: 16-bit length + ASCII origin */
      size_t len;
    } origin;
    struct {
      uint32_t prioritized_id;
      const uint8_t *field; /* Priority Field Value (RFC 9218 §4) */
      size_t field_len;
    } priority_update;
    struct {
      const uint8_t *payload;
      size_t len;
    } unknown;
  } u;
} h2_frame;

/* Reader results. */
enum {
  H2_READ_NEED_MORE = 0,    /* all input consumed, no complete frame */
  H2_READ_FRAME = 1,        /* *out holds a frame */
  H2_READ_STREAM_ERROR = 2, /* frame consumed; stream error on
                               r->err_stream_id with r->err_code */
  H2_READ_IGNORED = 3,      /* frame consumed and to be ignored (a malformed
                               extension frame that its RFC says to drop);
                               out->hd is filled */
  H2_READ_DATA_PIECE = 4,   /* partial_data: the part of a DATA frame that
                               the input held (see h2_frame_read) */
  H2_READ_CONN_ERROR = -1   /* connection error r->err_code; the reader
                               stays failed */
};

typedef struct h2_frame_reader {
  const h2_mem *mem;
  uint32_t max_frame_size; /* our SETTINGS_MAX_FRAME_SIZE */
  int partial_data; /* hand out DATA frames split across calls in pieces */
  /* Set with H2_READ_DATA_PIECE: the piece is the frame's first / last,
   * and piece_flow bytes of the payload (padding included) were read. */
  uint8_t piece_first, piece_last;
  size_t piece_flow;
  /* private */
  int in_piece;     /* a DATA frame is being handed out in pieces */
  size_t piece_off; /* its payload bytes read so far */
  size_t piece_pad; /* its padding */
  uint8_t hdbuf[H2_FRAME_HEADER_LEN];
  size_t hdlen;
  int have_hd;
  h2_frame_hd hd;
  uint8_t *buf; /* partial payload */
  size_t buf_len;
  size_t buf_cap;
  int failed;
  /* error detail */
  uint32_t err_code;
  uint32_t err_stream_id;
  const char *err_msg; /* static text */
} h2_frame_reader;

void h2_frame_reader_init(h2_frame_reader *r, const h2_mem *mem);
void h2_frame_reader_free(h2_frame_reader *r);
/* H2S_INVALID_ARGUMENT outside 16384..16777215. */
int h2_frame_reader_set_max_frame_size(h2_frame_reader *r, uint32_t size);

/* Read at most one frame from in[0..len). *consumed is set to the bytes
 * used. Returns one of the H2_READ_* values. With partial_data set, a DATA
 * frame whose payload is not all in the input is not buffered: each call
 * returns H2_READ_DATA_PIECE for the part it holds (at least one payload
 * byte), with out->hd the frame's header, out->pad_len its padding and
 * out->u.data the data bytes of the part (padding stripped; possibly
 * none), piece_first / piece_last / piece_flow telling which part; the
 * frame checks are made on its first part. Frame-level checks of RFC 9113
 * (length vs max frame size, per-type length rules, padding, stream id zero
 * or not, promised stream id) are done here; stream state is not. Pointers
 * in *out are valid until the next call. out->hd holds the frame header
 * on every result but NEED_MORE (except the repeated CONN_ERROR of a
 * reader that has already failed). If the buffer for a split frame cannot be
 * allocated, the result is H2_READ_CONN_ERROR with err_code INTERNAL_ERROR. */
int h2_frame_read(h2_frame_reader *r, const uint8_t *in, size_t len,
                  size_t *consumed, h2_frame *out);

/* The i-th setting of a SETTINGS frame (i < u.settings.count). */
void h2_frame_setting(const h2_frame *f, size_t i, h2_setting *out);

/* Iterate ORIGIN entries: *pos starts at 0; returns 1 with the next origin,
 * 0 at the end, -1 on a malformed entry. */
int h2_frame_origin_next(const h2_frame *f, size_t *pos, const uint8_t **origin,
                         size_t *origin_len);

/* Writer ------------------------------------------------------------------ */

void h2_frame_hd_pack(uint8_t out[H2_FRAME_HEADER_LEN], const h2_frame_hd *hd);
void h2_frame_hd_unpack(h2_frame_hd *hd, const uint8_t in[H2_FRAME_HEADER_LEN]);

/* Payload length the frame would have (from its fields and flags). */
size_t h2_frame_payload_len(const h2_frame *f);

/* Encode f (header + payload; hd.length is computed, not read). For
 * SETTINGS, u.settings.raw must hold count * 6 packed bytes (see
 * h2_settings_pack). H2S_BUFFER_TOO_SMALL if cap is short,
 * H2S_INVALID_ARGUMENT if a field is out of range. */
int h2_frame_encode(const h2_frame *f, uint8_t *out, size_t cap,
                    size_t *out_len);

/* Pack settings into raw 6-byte entries (n * 6 bytes). */
void h2_settings_pack(uint8_t *out, const h2_setting *s, size_t n);

#endif
