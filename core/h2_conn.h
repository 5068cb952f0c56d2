/* The HTTP/2 connection: RFC 9113 state machine with the semantics of the
 * Python h2 package (4.x). Split over:
 *   h2_conn.c        configuration, lifetime, settings, receive path
 *   h2_conn_send.c   actions (send headers/data, reset, ...), output, queries
 *   h2_stream.c      stream table (hash map + pool) and closed-stream memory
 *   h2_event.c       event queue, its arena, token buckets
 *
 * Where h2 and RFC 9113 disagree, RFC 9113 wins:
 *   - inbound stream over SETTINGS_MAX_CONCURRENT_STREAMS: RST_STREAM
 *     (REFUSED_STREAM) (§5.1.2), not h2's connection error;
 *   - malformed messages (bad header block, content-length mismatch,
 *     trailers without END_STREAM, DATA before HEADERS): stream error
 *     PROTOCOL_ERROR (§8.1.1), not h2's connection error;
 *   - PRIORITY / HEADERS depending on themselves: stream error (§5.3.1);
 *   - each SETTINGS ACK acknowledges the oldest unacknowledged SETTINGS
 *     frame (§6.5.3), h2 applies every pending value on the first ACK;
 *   - RST_STREAM and WINDOW_UPDATE on an idle stream: connection error
 *     PROTOCOL_ERROR (§5.1); on a closed stream they are ignored;
 *   - reserved streams do not count against MAX_CONCURRENT_STREAMS (§5.1.2);
 *   - the HTTP2-Settings value is base64url without padding (RFC 7540
 *     §3.2.1; h2 pads); padding is tolerated when decoding;
 *   - the first frame of the peer must be SETTINGS (§3.4);
 *   - a client receiving PRIORITY_UPDATE: PROTOCOL_ERROR (RFC 9218 §7.1);
 *   - DATA on a stream closed after END_STREAM (or no longer remembered):
 *     connection error STREAM_CLOSED (§5.1); h2 answers RST_STREAM;
 *   - WINDOW_UPDATE after a received RST_STREAM: stream error STREAM_CLOSED
 *     (§5.1); h2 ignores it;
 *   - PUSH_PROMISE on a parent closed by END_STREAM: PROTOCOL_ERROR (§6.6);
 *   - local settings (also the initial ones) apply when acknowledged
 *     (§6.5.3), except the limits MAX_CONCURRENT_STREAMS,
 *     MAX_HEADER_LIST_SIZE, ENABLE_CONNECT_PROTOCOL which are enforced from
 *     the start (h2 treats its initial settings as in force at once).
 *   - frames arriving on a stream after we sent RST_STREAM are ignored
 *     (§5.1), DATA's connection credit is returned; h2 answers
 *     RST_STREAM(STREAM_CLOSED);
 *   - GOAWAY (§6.8): after one with NO_ERROR, sent or received, streams up
 *     to its last stream id still complete; h2 closes everything at once;
 *   - an action on a half-closed (local) stream is H2S_PROTOCOL as in h2.
 * Kept from h2: HEADERS on a stream closed by the peer's RST gets
 * RST_STREAM(STREAM_CLOSED), by END_STREAM a connection error
 * STREAM_CLOSED, on a forgotten one StreamIDTooLow (PROTOCOL_ERROR); flow
 * control violations on a stream end the connection; the connection
 * state stays IDLE until the first HEADERS.
 * Other choices: the peer's MAX_CONCURRENT_STREAMS is assumed 100 until its
 * SETTINGS arrive (design.md); a header list over our limit ends the
 * connection with ENHANCE_YOUR_CALM (h2's DenialOfServiceError) and returns
 * H2S_HEADER_LIST_TOO_LARGE; limits given as 0 are disabled; our own
 * connection errors also queue a CONNECTION_TERMINATED event (h2 raises
 * only); after a connection error, ours or a GOAWAY sent with an error code,
 * all input is ignored. An ALTSVC frame on a stream gives an event without origin (the
 * per-stream :authority is not kept, to keep streams small).
 *
 * Borrowed data rule: events point into the caller's input when the frame
 * was complete there, and into the frame reader's buffer when it was split
 * across calls (the one copy). At most one delivered frame per receive call
 * lives in the reader's buffer (the one split at its start); when its
 * events borrow from it, the reader is handed a second buffer (rbuf_spare,
 * the two swap), so the rest of the call cannot overwrite it. Header lists
 * and settings are copied into the event arena (the HPACK arena is reset by
 * the next block). Events and everything they point to stay valid until the
 * next receive call (or free): actions and h2_evq_next never touch the
 * queue or the arena. A receive call that starts with undrained events
 * first copies their borrowed bytes into the arena ("pinned"); one that
 * starts with the queue drained resets the queue and the arena, and frees
 * what a burst made them grow beyond their small defaults. The queue
 * holds at most a few events per frame received (each frame is >= 9 bytes
 * of input), so its size is bounded by the input the caller chose to pass
 * in one call. */
#ifndef H2_CORE_CONN_H
#define H2_CORE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "h2_frame.h"
#include "h2_hpack.h"
#include "h2_mem.h"

/* Inline a helper shared by a hot path and a rarer one, where the
 * compiler would otherwise keep the call. */
#if defined(__GNUC__)
#define H2_HOT_INLINE inline __attribute__((always_inline))
#else
#define H2_HOT_INLINE inline
#endif

/* Option ids: the public H2_OPT_* values. */
enum {
  H2O_VALIDATE_OUTBOUND_HEADERS = 1,
  H2O_NORMALIZE_OUTBOUND_HEADERS = 2,
  H2O_SPLIT_OUTBOUND_COOKIES = 3,
  H2O_VALIDATE_INBOUND_HEADERS = 4,
  H2O_NORMALIZE_INBOUND_HEADERS = 5,
  H2O_HPACK_POLICY = 6,
  H2O_MAX_HEADER_LIST_SIZE = 20,
  H2O_MAX_FIELD_SIZE = 21,
  H2O_MAX_CONTINUATION_FRAMES = 22,
  H2O_MAX_CONCURRENT_STREAMS = 23,
  H2O_MAX_SETTINGS_ENTRIES = 24,
  H2O_MAX_QUEUED_ACKS = 25,
  H2O_MAX_QUEUED_CONTROL = 26,
  H2O_RST_RATE_BURST = 27,
  H2O_RST_RATE_PER_SEC = 28,
  H2O_GLITCH_RATE_BURST = 29,
  H2O_GLITCH_RATE_PER_SEC = 30,
  H2O_MAX_RESERVED_STREAMS = 31,
  H2O_MAX_CLOSED_STREAMS = 32,
  H2O_TRACE_FRAMES = 33,
  H2O_PARTIAL_DATA = 34,
  H2O_STRICT_PREFACE = 35,
  H2O_MALFORMED_CONN_ERROR = 36,
  H2O_COUNT = 37
};

/* Settings are stored by id; ids 1..9 are known (7 is unassigned). */
#define H2_NSET 10
typedef struct h2_settings {
  uint32_t v[H2_NSET];
  uint16_t has; /* bit per id */
} h2_settings;

struct h2_config {
  h2_mem mem;
  int side;
  uint64_t opt[H2O_COUNT];
  h2_settings local; /* initial local settings */
};
typedef struct h2_config h2_config_t;

/* Events: the public h2_event is this struct. */
typedef struct h2_ev_setting {
  uint16_t id;
  uint8_t has_original;
  uint32_t original_value;
  uint32_t new_value;
} h2_ev_setting;

/* A header field of an event, compact: the name bytes are at off from the
 * start of the event's field array, the value bytes follow the name. */
typedef struct h2_ev_field {
  uint32_t off;
  uint32_t name_len; /* H2_EVF_NEVER_INDEX: the field's H2_HF_NEVER_INDEX */
  uint32_t value_len;
} h2_ev_field;
#define H2_EVF_NEVER_INDEX 0x80000000u

/* Kept small (the queue holds every event of one receive call): lengths
 * are 32-bit (a frame is < 2^24 bytes), and the members no event type has
 * together share storage; the accessors read them by type. */
struct h2_event {
  uint8_t type;
  uint8_t remote_reset;
  uint8_t frame_type;
  uint8_t frame_flags;
  uint8_t exclusive;
  uint8_t borrowed; /* data/origin point outside the arena */
  uint16_t weight;
  uint32_t related; /* H2_REL_* */
  uint32_t stream_id;
  uint32_t related_stream_id;
  uint32_t error_code;
  uint32_t delta;
  uint32_t flow_len;
  uint32_t data_len;
  union { /* ALTERNATIVE_SERVICE / headers events / settings events */
    uint32_t origin_len;
    uint32_t nheaders;
    uint32_t nsettings;
  };
  const uint8_t *data;
  union {
    const uint8_t *origin;        /* ALTERNATIVE_SERVICE_AVAILABLE */
    const h2_ev_field *headers;   /* REQUEST..INFORMATIONAL, PUSHED */
    const h2_ev_setting *settings; /* REMOTE_SETTINGS_CHANGED, ..._ACKED */
    uint8_t ping[8];              /* PING_RECEIVED, PING_ACK_RECEIVED */
  };
};
typedef struct h2_event h2_ev;

enum {
  H2E_REQUEST_RECEIVED = 1,
  H2E_RESPONSE_RECEIVED = 2,
  H2E_TRAILERS_RECEIVED = 3,
  H2E_INFORMATIONAL_RESPONSE_RECEIVED = 4,
  H2E_DATA_RECEIVED = 5,
  H2E_WINDOW_UPDATED = 6,
  H2E_REMOTE_SETTINGS_CHANGED = 7,
  H2E_SETTINGS_ACKNOWLEDGED = 8,
  H2E_PING_RECEIVED = 9,
  H2E_PING_ACK_RECEIVED = 10,
  H2E_STREAM_ENDED = 11,
  H2E_STREAM_RESET = 12,
  H2E_PUSHED_STREAM_RECEIVED = 13,
  H2E_PRIORITY_UPDATED = 14,
  H2E_CONNECTION_TERMINATED = 15,
  H2E_ALTERNATIVE_SERVICE_AVAILABLE = 16,
  H2E_UNKNOWN_FRAME_RECEIVED = 17,
  H2E_PRIORITY_UPDATE_RECEIVED = 18,
  H2E_ORIGIN_RECEIVED = 19
};
#define H2_RELF_STREAM_ENDED 0x1u
#define H2_RELF_PRIORITY_UPDATED 0x2u

/* Arena of stable chunks for event bytes. */
typedef struct h2_arena_chunk {
  struct h2_arena_chunk *next;
  size_t cap, len;
} h2_arena_chunk;

/* Retained memory is trimmed by h2_evq_begin when the queue is drained:
 * at most one H2_ARENA_MIN chunk and H2_EVQ_MIN slots stay, so a burst's
 * memory does not outlive the next receive call. The hints (what the last
 * receive used) make a regrowth one step instead of a chain of doublings. */
#define H2_ARENA_MIN 4096u
#define H2_EVQ_MIN 16u
typedef struct h2_evq {
  h2_ev *ev;
  size_t head, len, cap;
  h2_arena_chunk *chunks; /* newest first */
  uint32_t ev_hint;       /* events of the last receive call */
  uint32_t arena_hint;    /* arena bytes of the last receive call */
} h2_evq;

/* A token bucket in milli-tokens; burst 0 disables it. */
typedef struct h2_bucket {
  uint64_t tokens;
  uint64_t last_ms;
  uint32_t burst, rate;
  int started;
} h2_bucket;

/* Connection states (public H2_CONN_*). */
enum { H2C_IDLE = 0, H2C_CLIENT_OPEN = 1, H2C_SERVER_OPEN = 2, H2C_CLOSED = 3 };

/* Stream states, RFC 9113 §5.1 (public H2_STREAM_STATE_*). */
enum {
  H2SS_IDLE = 0,
  H2SS_RESERVED_LOCAL = 1,
  H2SS_RESERVED_REMOTE = 2,
  H2SS_OPEN = 3,
  H2SS_HALF_CLOSED_LOCAL = 4,
  H2SS_HALF_CLOSED_REMOTE = 5,
  H2SS_CLOSED = 6
};

/* How a stream was closed (h2's StreamClosedBy). */
enum {
  H2CB_NONE = 0,
  H2CB_SEND_END_STREAM = 1,
  H2CB_RECV_END_STREAM = 2,
  H2CB_SEND_RST_STREAM = 3,
  H2CB_RECV_RST_STREAM = 4
};

/* Message progress in one direction. */
enum { H2M_NONE = 0, H2M_INFO = 1, H2M_FINAL = 2, H2M_TRAILERS = 3 };

/* h2's WindowManager for an inbound window. */
typedef struct h2_wm {
  int64_t max;     /* max_window_size */
  int64_t current; /* current_window_size */
  int64_t processed;
} h2_wm;

typedef struct h2_stream {
  struct h2_stream *hnext; /* hash chain, or free list */
  uint32_t id;
  uint8_t state;
  uint8_t recv_msg; /* H2M_* of what we received */
  uint8_t sent_msg; /* H2M_* of what we sent */
  uint8_t head;     /* request was HEAD: no body-length check */
  uint8_t counted;  /* counted as an open stream */
  uint8_t no_body;  /* 304 / HEAD: content-length not checked */
  int64_t send_window;
  h2_wm recv;
  int64_t content_length; /* -1: none */
  uint64_t body_received;
} h2_stream;

typedef struct h2_closed_rec {
  uint32_t id;
  uint32_t closed_by;
} h2_closed_rec;

struct h2_conn {
  h2_mem mem;
  int side; /* 0 client, 1 server */
  int state;
  /* GOAWAY (§6.8): after one is sent or received the connection state is
   * CLOSED as in h2, but streams up to the last stream id go on; only a
   * connection error (dead) stops all processing. */
  uint8_t dead;
  uint8_t goaway_sent;
  uint8_t goaway_recv;
  uint8_t remote_mcs_assumed; /* peer's MAX_CONCURRENT_STREAMS not yet sent */
  uint32_t goaway_sent_last;
  uint32_t goaway_recv_last;
  /* frame trace (h2_trace.c): a ring of the last records, when enabled */
  struct h2_trace_rec *trace;
  uint32_t trace_cap, trace_head, trace_count;
  uint64_t trace_dropped;
  uint64_t trace_out_seen;   /* output bytes scanned so far */
  uint32_t trace_out_skip;   /* payload bytes of the current frame left */
  uint8_t trace_out_hd[9];   /* a frame header split across hand-outs */
  uint8_t trace_out_hd_len;
  uint64_t opt[H2O_COUNT];
  char errmsg[160];

  /* settings */
  h2_settings local;  /* acknowledged */
  h2_settings remote; /* in force */
  h2_settings initial; /* sent by initiate */
  h2_setting *pend;   /* sent, not yet acknowledged, in order */
  size_t pend_len, pend_cap;
  uint32_t *pend_frames; /* entries per pending frame */
  size_t pend_nframes, pend_frames_cap;
  int got_remote_settings;
  int initiated; /* h2_conn_initiate done (state stays IDLE as in h2) */
  size_t preface_pos; /* server: client preface bytes seen */

  /* frames */
  h2_frame_reader reader;
  uint8_t *rbuf_spare; /* the reader's other buffer (see h2_conn_recv) */
  size_t rbuf_spare_cap;
  h2_hpack_enc enc;
  h2_hpack_dec dec;

  /* DATA frame being received in pieces (H2O_PARTIAL_DATA) */
  uint8_t dp_deliver; /* its pieces go to the application */
  int64_t dp_carry;   /* bytes read but not yet in an event */
  int64_t dp_left;    /* bytes of the frame still to come */

  /* header block being received */
  uint32_t hb_sid;      /* 0: none */
  uint32_t hb_promised; /* PUSH_PROMISE */
  uint8_t hb_type;      /* H2_FT_HEADERS or H2_FT_PUSH_PROMISE */
  uint8_t hb_flags;
  uint8_t hb_has_pri;
  h2_priority_spec hb_pri;
  uint32_t hb_frames;

  /* streams */
  h2_stream **buckets;
  uint32_t nbuckets; /* power of two or 0 */
  size_t nstreams;
  h2_stream *free_streams;
  size_t nfree;
  h2_closed_rec *closed; /* ring */
  size_t closed_cap, closed_head, closed_len;
  uint32_t highest_in, highest_out;
  size_t open_in, open_out, reserved_remote;

  /* flow control */
  int64_t send_window; /* connection outbound */
  h2_wm recv;          /* connection inbound */

  /* output: the bytes to send, in order, are the engine's bytes
   * out[out_off..out_len) with the payloads queued by reference (refs, a
   * ring) inserted among them; see h2_conn_send.c */
  uint8_t *out;
  size_t out_off, out_len, out_cap;
  struct h2_out_ref *refs;
  size_t ref_head, ref_count, ref_cap;
  size_t ref_bytes;       /* bytes of the queued references left */
  uint64_t own_consumed;  /* engine bytes consumed (or dropped) so far */
  uint64_t out_consumed;  /* output bytes consumed (or dropped) so far */
  uint8_t *scratch; /* header block encoding */
  size_t scratch_cap;
  h2_hpack_field *nfields; /* outbound normalization */
  size_t nfields_cap;
  uint8_t *nbytes;
  size_t nbytes_cap;
  size_t queued_acks, queued_control;

  /* limits */
  h2_bucket rst_bucket, glitch_bucket;
  uint64_t now_ms;

  h2_evq evq;
};
typedef struct h2_conn h2_conn_t;

/* ---- h2_event.c ---- */
void h2_evq_free(h2_evq *q, const h2_mem *mem);
/* A new zeroed event at the tail, or NULL (no memory). */
h2_ev *h2_evq_push(h2_evq *q, const h2_mem *mem);
/* Undo the last push. */
void h2_evq_pop_last(h2_evq *q);
int h2_evq_next(h2_evq *q, const h2_ev **out);
/* Stable bytes from the arena, or NULL. */
void *h2_evq_alloc(h2_evq *q, const h2_mem *mem, size_t n);
/* At the start of a receive call: reset (and trim) the queue and the arena
 * if the queue is empty, else copy borrowed bytes of undrained events into
 * the arena. */
int h2_evq_begin(h2_evq *q, const h2_mem *mem);
/* Does an event from index from on borrow bytes from outside the arena? */
int h2_evq_borrows(const h2_evq *q, size_t from);
/* Copy borrowed bytes of the events from index from on into the arena. */
int h2_evq_pin_from(h2_evq *q, const h2_mem *mem, size_t from);

void h2_bucket_init(h2_bucket *b, uint64_t burst, uint64_t rate);
/* Take one token at now_ms; 0 when the bucket is empty. */
int h2_bucket_take(h2_bucket *b, uint64_t now_ms);

/* ---- h2_stream.c ---- */
h2_stream *h2_stream_find(const h2_conn_t *c, uint32_t id);
/* A new stream in the table (IDLE), or NULL (no memory). */
h2_stream *h2_stream_new(h2_conn_t *c, uint32_t id);
/* Remove a stream from the table, remember how it closed. */
void h2_stream_forget(h2_conn_t *c, h2_stream *s, uint32_t closed_by);
/* How a forgotten stream closed: H2CB_*, or H2CB_NONE when unknown. */
uint32_t h2_stream_closed_by(const h2_conn_t *c, uint32_t id);
void h2_streams_free(h2_conn_t *c);
/* Set a stream's state, keeping the open/reserved counters right. */
void h2_stream_set_state(h2_conn_t *c, h2_stream *s, uint8_t state);
/* Is id initiated by this side? */
int h2_stream_is_local(const h2_conn_t *c, uint32_t id);
/* Call fn for every stream; stops at the first non-zero return. */
int h2_streams_each(h2_conn_t *c, int (*fn)(h2_conn_t *, h2_stream *, void *),
                    void *arg);

/* ---- h2_conn.c ---- */
void h2_config_defaults(h2_config_t *cfg, int side);
int h2_config_option_set(h2_config_t *cfg, int option, uint64_t value);
int h2_config_option_get(const h2_config_t *cfg, int option, uint64_t *out);
int h2_setting_validate(uint16_t id, uint32_t value);
int h2_conn_create(h2_conn_t **out, const h2_config_t *cfg);
void h2_conn_destroy(h2_conn_t *c);
int h2_conn_recv(h2_conn_t *c, const uint8_t *data, size_t len,
                 uint64_t now_ms);
/* Set last-error text (printf-like, truncated) and return code. */
int h2_conn_err(h2_conn_t *c, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void h2_wm_init(h2_wm *w, int64_t max);
int64_t h2_wm_process(h2_wm *w, int64_t n);
int h2_settings_get(const h2_settings *s, uint16_t id, uint32_t *out);
void h2_settings_put(h2_settings *s, uint16_t id, uint32_t v);
int h2_conn_start(h2_conn_t *c);
int h2_conn_upgrade(h2_conn_t *c, const uint8_t *hdr, size_t hdr_len,
                    uint8_t *out, size_t cap, size_t *out_len);

/* h2_c_send_data() flag: PADDED even with no padding (H2_SEND_PADDED). */
#define H2_SEND_FLAG_PADDED 0x2u

/* ---- h2_conn_send.c ---- */
/* A payload queued by reference: it follows the engine byte number at
 * (counted like own_consumed) in the output. */
typedef struct h2_out_ref {
  uint64_t at;
  const uint8_t *p;
  size_t len;
} h2_out_ref;
typedef struct h2_cbytes {
  const uint8_t *data;
  size_t len;
} h2_cbytes; /* the public h2_bytes */
/* Make room for n more output bytes; returns the write pointer or NULL. */
uint8_t *h2_out_reserve(h2_conn_t *c, size_t n);
/* All pending output: engine bytes and referenced payloads. */
size_t h2_out_pending(const h2_conn_t *c);
/* Consume n <= h2_out_pending() bytes of output, in order, copying them to
 * dst unless it is NULL (the frame trace sees them either way). */
void h2_out_take(h2_conn_t *c, uint8_t *dst, size_t n);
/* Drop all pending output (and every reference). */
void h2_out_clear(h2_conn_t *c);
/* The pending output as up to max segments in order; returns how many. */
size_t h2_out_segments(const h2_conn_t *c, h2_cbytes *seg, size_t max);
/* Copy the referenced payloads into the output buffer, so that the pending
 * output is out[out_off..out_len). H2S_NOMEM leaves it as it was. */
int h2_out_flatten(h2_conn_t *c);
/* Append an encoded frame (control frames). */
int h2_out_frame(h2_conn_t *c, const h2_frame *f);
int h2_out_rst(h2_conn_t *c, uint32_t sid, uint32_t code);
int h2_out_window_update(h2_conn_t *c, uint32_t sid, uint32_t inc);
int h2_out_goaway(h2_conn_t *c, uint32_t last, uint32_t code,
                  const uint8_t *dbg, size_t dbg_len);
int h2_out_settings(h2_conn_t *c, const h2_setting *s, size_t n, int ack);

int h2_c_next_stream_id(h2_conn_t *c, uint32_t *out);
int h2_c_send_headers(h2_conn_t *c, uint32_t sid, const h2_hpack_field *h,
                      size_t n, uint32_t flags, const h2_priority_spec *pri);
int h2_c_send_data(h2_conn_t *c, uint32_t sid, const uint8_t *data,
                   size_t len, uint32_t flags, size_t pad);
/* The same frame with the payload queued by reference; *out_end (may be
 * NULL) receives the output position of the frame's end. */
int h2_c_send_data_ref(h2_conn_t *c, uint32_t sid, const uint8_t *data,
                       size_t len, uint32_t flags, size_t pad,
                       uint64_t *out_end);
int h2_c_end_stream(h2_conn_t *c, uint32_t sid);
int h2_c_reset_stream(h2_conn_t *c, uint32_t sid, uint32_t code);
int h2_c_push_stream(h2_conn_t *c, uint32_t sid, uint32_t promised,
                     const h2_hpack_field *h, size_t n);
int h2_c_prioritize(h2_conn_t *c, uint32_t sid, const h2_priority_spec *pri);
int h2_c_ping(h2_conn_t *c, const uint8_t opaque[8]);
int h2_c_update_settings(h2_conn_t *c, const h2_setting *s, size_t n);
int h2_c_ack_data(h2_conn_t *c, uint32_t sid, size_t size);
int h2_c_increment_window(h2_conn_t *c, uint32_t sid, uint32_t inc);
int h2_c_altsvc(h2_conn_t *c, uint32_t sid, const uint8_t *origin,
                size_t origin_len, const uint8_t *value, size_t value_len);
int h2_c_close(h2_conn_t *c, uint32_t code, uint32_t last,
               const uint8_t *dbg, size_t dbg_len);
int h2_c_priority_update(h2_conn_t *c, uint32_t sid, const uint8_t *v,
                         size_t len);
int h2_c_origin(h2_conn_t *c, const h2_cbytes *origins, size_t n);
int h2_c_local_window(const h2_conn_t *c, uint32_t sid, int64_t *out);
int h2_c_remote_window(const h2_conn_t *c, uint32_t sid, int64_t *out);
int h2_c_stream_windows(const h2_conn_t *c, uint32_t sid, int64_t *send,
                        int64_t *recv);
int h2_c_stream_state(const h2_conn_t *c, uint32_t sid, int *out);

/* Frame trace (h2_trace.c). Records are taken with h2_trace_next(). */
typedef struct h2_trace_rec {
  uint8_t outbound;
  uint8_t type;
  uint8_t flags;
  uint32_t stream_id;
  uint32_t length;
} h2_trace_rec;
int h2_trace_init(h2_conn_t *c);
void h2_trace_free(h2_conn_t *c);
void h2_trace_in(h2_conn_t *c, const h2_frame_hd *hd);
/* Bytes handed to the application for sending (in order). */
void h2_trace_out(h2_conn_t *c, const uint8_t *p, size_t n);
/* Pending output was dropped: the next byte starts a frame. */
void h2_trace_out_reset(h2_conn_t *c);
int h2_trace_next(h2_conn_t *c, h2_trace_rec *out);

#endif
