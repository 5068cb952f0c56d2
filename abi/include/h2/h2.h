/*
 * libh2 — an HTTP/2 protocol engine (RFC 9113, RFC 7541), sans I/O.
 *
 * This is the one public header of libh2 and its reference manual.
 *
 * Conventions
 * -----------
 * - Every function that can fail returns an int: 0 (H2_OK) on success or a
 *   negative H2_ERR_* code. h2_strerror() turns a code into static text.
 * - Objects are opaque and created by *_new(&out, ...) (the out-parameter
 *   comes first) and destroyed by *_free(), which accepts NULL.
 * - Memory: the library owns everything it returns. A pointer the library
 *   lends out ("borrowed") says in its function's documentation how long it
 *   stays valid. Inputs are copied when they must outlive the call.
 * - An object is used by one thread at a time; distinct objects are
 *   independent. The library has no global mutable state.
 * - Symbols are versioned: every function here is in the LIBH2_1.0 node
 *   unless its documentation says otherwise.
 */
#ifndef H2_H
#define H2_H

#include <stddef.h>
#include <stdint.h>

#include <h2/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(H2_BUILDING_LIBRARY)
#define H2_EXTERN __attribute__((visibility("default")))
#else
#define H2_EXTERN
#endif

/* ==== Version ============================================================ */

/* The version of the library actually loaded, as "MAJOR.MINOR.PATCH".
 * Compare with H2_VERSION to detect a header/library mismatch. Static text.
 * Since 1.0. */
H2_EXTERN const char *h2_version(void);

/* The same version as a number 0xMMmmpp (see H2_VERSION_NUM). Since 1.0. */
H2_EXTERN uint32_t h2_version_num(void);

/* ==== Errors ============================================================= */

/* Status codes. The list only grows; a code never changes meaning. */
enum {
  H2_OK = 0,
  /* Wrong use of the API: a NULL pointer, an out-of-range argument. */
  H2_ERR_INVALID_ARGUMENT = -1,
  /* An allocation failed. The object is unchanged and still usable. */
  H2_ERR_NOMEM = -2,
  /* The caller's output buffer is too small; nothing was written and the
   * object is unchanged. */
  H2_ERR_BUFFER_TOO_SMALL = -3,
  /* The call is not allowed in the object's current state. */
  H2_ERR_INVALID_STATE = -4,
  /* HTTP/2 protocol errors, one per class of error (Python h2's exceptions
   * map one to one onto these). */
  H2_ERR_PROTOCOL = -10,
  H2_ERR_FRAME_TOO_LARGE = -11,
  H2_ERR_FRAME_DATA_MISSING = -12,
  H2_ERR_TOO_MANY_STREAMS = -13,
  H2_ERR_FLOW_CONTROL = -14,
  H2_ERR_STREAM_ID_TOO_LOW = -15,
  H2_ERR_NO_AVAILABLE_STREAM_ID = -16,
  H2_ERR_NO_SUCH_STREAM = -17,
  H2_ERR_STREAM_CLOSED = -18,
  H2_ERR_INVALID_SETTINGS_VALUE = -19,
  H2_ERR_INVALID_BODY_LENGTH = -20,
  H2_ERR_UNSUPPORTED_FRAME = -21,
  H2_ERR_RFC1122 = -22,
  H2_ERR_DENIAL_OF_SERVICE = -23,
  /* A header block could not be decoded (RFC 7541): the connection must end
   * with COMPRESSION_ERROR. */
  H2_ERR_COMPRESSION = -24,
  /* A header block exceeded the configured header-list or field-size
   * limit (an HPACK bomb, or just too large). */
  H2_ERR_HEADER_LIST_TOO_LARGE = -25,
  /* A frame had a length its type does not allow (FRAME_SIZE_ERROR). */
  H2_ERR_FRAME_SIZE = -26
};

/* Static, human-readable text for a status code ("unknown error" for a code
 * this version does not know). Never NULL. Since 1.0. */
H2_EXTERN const char *h2_strerror(int code);

/* ==== Memory ============================================================= */

/* An allocator. Every function pointer must be set; user_data is passed to
 * each. The struct is copied when an object is created. Frozen in 1.0. */
typedef struct h2_allocator {
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
  void *user_data;
} h2_allocator;

/* ==== Header fields ====================================================== */

/* A header field: name and value as byte strings (not NUL-terminated).
 * Frozen in 1.0. */
typedef struct h2_header {
  const uint8_t *name;
  size_t name_len;
  const uint8_t *value;
  size_t value_len;
  uint32_t flags; /* H2_HEADER_* */
} h2_header;

/* Never put this field in a compression table (RFC 7541 §7.1.3): it is sent
 * as a literal never indexed, and intermediaries must keep it that way. Set
 * on decoded fields that arrived so. */
#define H2_HEADER_NEVER_INDEX 0x1u

/* ==== HPACK (RFC 7541) ===================================================
 *
 * A standalone encoder and decoder, the same ones a connection uses. Useful
 * on their own (tools, proxies, benchmarks). Each keeps a dynamic table. */

typedef struct h2_hpack_encoder h2_hpack_encoder;
typedef struct h2_hpack_decoder h2_hpack_decoder;

/* Encoder policies. */
/* Smallest output: Huffman only where it is shorter, no indexing of fields
 * that cannot pay off. */
#define H2_HPACK_POLICY_COMPACT 0
/* Exactly the choices of the Python hpack package (as used by h2):
 * Huffman for every literal, incremental indexing of every field that is
 * not sensitive. Produces h2's bytes. */
#define H2_HPACK_POLICY_H2COMPAT 1

/* The largest table size either object accepts (16 MiB). */
#define H2_HPACK_MAX_TABLE_SIZE (1u << 24)

/* Create an encoder with the given policy and a dynamic table of 4096 bytes
 * (the HTTP/2 default). alloc may be NULL for the C library's allocator.
 * Errors: H2_ERR_INVALID_ARGUMENT (out NULL, unknown policy),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_new(h2_hpack_encoder **out, int policy,
                                   const h2_allocator *alloc);

/* Destroy an encoder; NULL is ignored. Since 1.0. */
H2_EXTERN void h2_hpack_encoder_free(h2_hpack_encoder *enc);

/* Set the dynamic table size the encoder uses. It must not exceed the
 * peer's SETTINGS_HEADER_TABLE_SIZE. The next block begins with the
 * dynamic table size update(s) RFC 7541 §4.2 requires.
 * Errors: H2_ERR_INVALID_ARGUMENT (enc NULL, size > H2_HPACK_MAX_TABLE_SIZE),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_set_table_size(h2_hpack_encoder *enc,
                                              uint32_t size);

/* An upper bound of the encoded size of a header list, for sizing the
 * output buffer of h2_hpack_encoder_encode(). Since 1.0. */
H2_EXTERN size_t h2_hpack_encoder_bound(const h2_header *headers, size_t n);

/* Encode one header block into out[0..cap). *out_len receives its length.
 * Fields flagged H2_HEADER_NEVER_INDEX and the sensitive ones
 * (authorization, proxy-authorization, cookies shorter than 20 bytes) are
 * never indexed. Names should be lowercase (HTTP/2 requires it; the encoder
 * does not change them).
 * Errors: H2_ERR_INVALID_ARGUMENT (a NULL pointer with a non-zero length),
 * H2_ERR_BUFFER_TOO_SMALL (cap < h2_hpack_encoder_bound(); nothing changed),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_encoder_encode(h2_hpack_encoder *enc,
                                      const h2_header *headers, size_t n,
                                      uint8_t *out, size_t cap,
                                      size_t *out_len);

/* Create a decoder: dynamic table limit 4096, header list limit 64 KiB
 * (name + value + 32 per field), field limit 64 KiB. alloc may be NULL.
 * Errors: H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_new(h2_hpack_decoder **out,
                                   const h2_allocator *alloc);

/* Destroy a decoder; NULL is ignored. Since 1.0. */
H2_EXTERN void h2_hpack_decoder_free(h2_hpack_decoder *dec);

/* Set the maximum dynamic table size: the SETTINGS_HEADER_TABLE_SIZE this
 * side advertised, once acknowledged. A size update above it is a
 * compression error; after lowering it, the next block must start with a
 * size update within it.
 * Errors: H2_ERR_INVALID_ARGUMENT (size > H2_HPACK_MAX_TABLE_SIZE),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_set_max_table_size(h2_hpack_decoder *dec,
                                                  uint32_t size);

/* Limits against oversized blocks: the header list size (RFC 9113
 * SETTINGS_MAX_HEADER_LIST_SIZE accounting) and the length of any one name
 * or value. 0 means unlimited. Errors: H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_set_limits(h2_hpack_decoder *dec,
                                          size_t max_header_list_size,
                                          size_t max_field_size);

/* Flag for h2_hpack_decoder_decode(): this piece ends the header block. */
#define H2_HPACK_END_OF_BLOCK 0x1u

/* Decode a piece of a header block. A block may be given in any number of
 * pieces, split anywhere; flags has H2_HPACK_END_OF_BLOCK on its last piece.
 * Decoded fields are then read with h2_hpack_decoder_next_header().
 * Errors: H2_ERR_INVALID_ARGUMENT, H2_ERR_COMPRESSION (malformed block: the
 * decoder is then unusable, as the connection must end),
 * H2_ERR_HEADER_LIST_TOO_LARGE (a limit was exceeded; also final),
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_hpack_decoder_decode(h2_hpack_decoder *dec,
                                      const uint8_t *in, size_t len,
                                      uint32_t flags);

/* Take the next decoded field of the current block, in order. Returns 1 and
 * fills *out, or 0 when there is none left (for now). Borrowed: the bytes
 * stay valid until the first h2_hpack_decoder_decode() of the next block
 * or h2_hpack_decoder_free(). Returns H2_ERR_INVALID_ARGUMENT on NULL.
 * Since 1.0. */
H2_EXTERN int h2_hpack_decoder_next_header(h2_hpack_decoder *dec,
                                           h2_header *out);

/* The dynamic table's current size in RFC 7541 accounting (sum of name +
 * value + 32 over its entries). 0 for NULL. Since 1.0. */
H2_EXTERN size_t h2_hpack_decoder_table_size(const h2_hpack_decoder *dec);
H2_EXTERN size_t h2_hpack_encoder_table_size(const h2_hpack_encoder *enc);


/* ==== Connections ========================================================
 *
 * An HTTP/2 connection as a state machine (RFC 9113), with the semantics of
 * the Python h2 package (4.x). Bytes received go in with h2_conn_receive();
 * what happened comes out as events from h2_conn_next_event(); actions
 * (send headers, data, reset, ping, settings, ...) append frames to an
 * output buffer read with h2_conn_data_to_send() or h2_conn_peek_data() +
 * h2_conn_consume_data(). Nothing is ever sent implicitly by a clock: the
 * library reads no clock; rate limits use the time passed to
 * h2_conn_receive().
 *
 * Errors of the peer: h2_conn_receive() returns the error of the first
 * connection error (H2_ERR_PROTOCOL, H2_ERR_FLOW_CONTROL, ...), after the
 * engine has queued the GOAWAY RFC 9113 and h2 prescribe and a
 * H2_EV_CONNECTION_TERMINATED event; the connection is then closed and
 * ignores further input. Stream errors of the peer reset the stream
 * (RST_STREAM queued, H2_EV_STREAM_RESET with remote_reset 0) and do not
 * fail the call. Errors of the caller (an action not allowed now) return
 * the code and change nothing. h2_conn_last_error() gives detail text. */

typedef struct h2_config h2_config;
typedef struct h2_conn h2_conn;
typedef struct h2_event h2_event;

/* Sides. */
#define H2_SIDE_CLIENT 0
#define H2_SIDE_SERVER 1

/* Options of h2_config_set(): booleans are 0/1. Defaults in brackets. */
enum {
  /* Python h2's H2Configuration switches. */
  H2_OPT_VALIDATE_OUTBOUND_HEADERS = 1,  /* [1] */
  H2_OPT_NORMALIZE_OUTBOUND_HEADERS = 2, /* [1] lowercase names, strip
                                            whitespace, mark sensitive */
  H2_OPT_SPLIT_OUTBOUND_COOKIES = 3,     /* [0] */
  H2_OPT_VALIDATE_INBOUND_HEADERS = 4,   /* [1] */
  H2_OPT_NORMALIZE_INBOUND_HEADERS = 5,  /* [1] join cookies */
  H2_OPT_HPACK_POLICY = 6,               /* [H2_HPACK_POLICY_COMPACT] */
  /* Limits against abuse. Exceeding one ends the connection with
   * GOAWAY(ENHANCE_YOUR_CALM) (or the code RFC 9113 prescribes) and
   * H2_ERR_DENIAL_OF_SERVICE (or the matching error). */
  H2_OPT_MAX_HEADER_LIST_SIZE = 20,     /* [65536] advertised and enforced */
  H2_OPT_MAX_FIELD_SIZE = 21,           /* [65536] one name or value */
  H2_OPT_MAX_CONTINUATION_FRAMES = 22,  /* [8] per header block */
  H2_OPT_MAX_CONCURRENT_STREAMS = 23,   /* [100] advertised and enforced */
  H2_OPT_MAX_SETTINGS_ENTRIES = 24,     /* [32] per SETTINGS frame */
  H2_OPT_MAX_QUEUED_ACKS = 25,          /* [1000] PING/SETTINGS ACKs unsent */
  H2_OPT_MAX_QUEUED_CONTROL = 26,       /* [5000] non-DATA frames unsent */
  H2_OPT_RST_RATE_BURST = 27,           /* [1000] received RST_STREAM */
  H2_OPT_RST_RATE_PER_SEC = 28,         /* [33] */
  H2_OPT_GLITCH_RATE_BURST = 29,        /* [10000] peer-caused errors, empty
                                           frames, PRIORITY, stray frames */
  H2_OPT_GLITCH_RATE_PER_SEC = 30,      /* [330] */
  H2_OPT_MAX_RESERVED_STREAMS = 31,     /* [200] pushed, not yet opened */
  H2_OPT_MAX_CLOSED_STREAMS = 32,       /* [1000] closed streams remembered
                                           to answer late frames as h2 does */
  /* Diagnostics. */
  H2_OPT_TRACE_FRAMES = 33,             /* [0] keep a trace of the last N
                                           frames (0..65536), read with
                                           h2_conn_next_trace() */
  /* Receiving. */
  H2_OPT_PARTIAL_DATA = 34,             /* [0] 1: hand out a DATA frame
                                           split across receive calls in
                                           pieces, without buffering it
                                           (see h2_conn_receive()) */
  H2_OPT_STRICT_PREFACE = 35,           /* [1] the peer's first frame must
                                           be SETTINGS (RFC 9113 §3.4);
                                           0: accept others first, as h2 */
  H2_OPT_MALFORMED_CONN_ERROR = 36      /* [0] 1: a malformed message
                                           (§8.1.1) ends the connection
                                           with GOAWAY(PROTOCOL_ERROR), as
                                           h2 does (§5.4 allows it); 0: a
                                           stream error (RST_STREAM) */
};

/* Create a configuration for one side with the defaults above and the
 * initial local settings of h2 (HEADER_TABLE_SIZE 4096, ENABLE_PUSH 1 for a
 * client and 0 for a server, INITIAL_WINDOW_SIZE 65535, MAX_FRAME_SIZE
 * 16384, ENABLE_CONNECT_PROTOCOL 0, MAX_CONCURRENT_STREAMS 100,
 * MAX_HEADER_LIST_SIZE 65536). Errors: H2_ERR_INVALID_ARGUMENT,
 * H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_config_new(h2_config **out, int side);
H2_EXTERN void h2_config_free(h2_config *cfg);

/* Set or read an H2_OPT_* option. Errors: H2_ERR_INVALID_ARGUMENT (unknown
 * option, value out of range). Since 1.0. */
H2_EXTERN int h2_config_set(h2_config *cfg, int option, uint64_t value);
H2_EXTERN int h2_config_get(const h2_config *cfg, int option, uint64_t *out);

/* Set an initial local setting, sent by h2_conn_initiate() (like replacing
 * h2's local_settings before initiate_connection()). Errors:
 * H2_ERR_INVALID_SETTINGS_VALUE (value out of its RFC 9113 range),
 * H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_config_set_setting(h2_config *cfg, uint16_t id,
                                    uint32_t value);
/* Forget the initial local settings given so far, the defaults included:
 * h2_conn_initiate() then sends only those set afterwards with
 * h2_config_set_setting() (as h2 does when local_settings is replaced by a
 * Settings object without them). A setting not sent keeps its RFC 9113
 * default; MAX_CONCURRENT_STREAMS not sent means no limit is advertised or
 * enforced (H2_OPT_MAX_CONCURRENT_STREAMS is set back by a later
 * h2_config_set_setting() of it); the header-list limit stays enforced.
 * Errors: H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_config_clear_settings(h2_config *cfg);

/* Use this allocator for connections made from cfg (copied). NULL restores
 * the C library's. Errors: H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_config_set_allocator(h2_config *cfg,
                                      const h2_allocator *alloc);

/* Create a connection; cfg is copied and may be freed afterwards. The
 * connection is idle until h2_conn_initiate(). Errors:
 * H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_conn_new(h2_conn **out, const h2_config *cfg);
H2_EXTERN void h2_conn_free(h2_conn *conn);

/* Detail of the last error of this connection (a failed call or the
 * connection error that closed it); "" if none. Borrowed: valid until the
 * next call on conn. Since 1.0. */
H2_EXTERN const char *h2_conn_last_error(const h2_conn *conn);

/* Connection states, as h2's ConnectionState. */
enum {
  H2_CONN_IDLE = 0,
  H2_CONN_CLIENT_OPEN = 1,
  H2_CONN_SERVER_OPEN = 2,
  H2_CONN_CLOSED = 3
};
/* As h2's state machine: IDLE until the first HEADERS is sent (then
 * CLIENT_OPEN) or received (then SERVER_OPEN); h2_conn_initiate() leaves it
 * IDLE; CLOSED after a GOAWAY either way or a connection error. */
H2_EXTERN int h2_conn_state(const h2_conn *conn);

/* Start the connection: a client queues the preface and its SETTINGS, a
 * server its SETTINGS. Errors: H2_ERR_PROTOCOL (already initiated). */
H2_EXTERN int h2_conn_initiate(h2_conn *conn);

/* Start a connection upgraded from HTTP/1.1 (RFC 7540 §3.2, h2's
 * initiate_upgrade_connection). Client: settings_header is NULL; writes
 * the base64url HTTP2-Settings value for the upgrade request into out
 * (*out_len bytes) and opens stream 1 half-closed (local). Server:
 * settings_header is the client's HTTP2-Settings value, which is applied as
 * the remote settings; stream 1 is opened half-closed (remote); out may be
 * NULL. Both queue the connection start as h2_conn_initiate() does.
 * The client's value has no '=' padding (RFC 7540 §3.2.1); the server
 * accepts it with or without padding. As in h2 the server sends no
 * SETTINGS ACK and queues no event for the header's settings.
 * Errors: H2_ERR_PROTOCOL (not base64url, not a list of settings, or
 * already initiated), H2_ERR_INVALID_SETTINGS_VALUE (a value out of its
 * range), H2_ERR_BUFFER_TOO_SMALL (client: *out_len is set to the size
 * needed; nothing changed), H2_ERR_INVALID_ARGUMENT. */
H2_EXTERN int h2_conn_initiate_upgrade(h2_conn *conn,
                                       const uint8_t *settings_header,
                                       size_t settings_header_len,
                                       uint8_t *out, size_t cap,
                                       size_t *out_len);

/* Feed received bytes (any amount, split anywhere). now_ms is a monotonic
 * timestamp in milliseconds used by the rate limits. Events are queued.
 * Zero copy: the payload an event shows (DATA, unknown frames, GOAWAY debug
 * data, ...) points into data when its frame was complete there (a frame
 * split across calls is completed in a connection buffer, its only copy),
 * so keep data alive and unchanged until the events of this call are taken
 * and used, or until the next h2_conn_receive(), whichever comes first.
 * Actions called meanwhile neither copy nor invalidate queued events. This
 * call invalidates the events taken before it; events left undrained are
 * first copied into the connection (so data of the earlier call must still
 * be intact then) and stay queued. Header lists are always copied. A
 * connection that is CLOSED ignores input and returns 0.
 * Partial DATA: by default a DATA frame gives one H2_EV_DATA_RECEIVED
 * when it is complete, so a frame split across calls is first buffered.
 * With H2_OPT_PARTIAL_DATA set, such a frame is handed out as it arrives,
 * without that copy: the part of it each call holds gives one
 * DATA_RECEIVED event (its data, padding stripped, in place in the
 * input), whose flow-controlled length is the frame bytes (padding
 * included) read since the frame's previous event, so that acknowledging
 * every event returns exactly the frame's length. A part holding no data
 * (only padding) gives no event unless it is the last; the last part
 * always gives one, which carries H2_REL_STREAM_ENDED and is followed by
 * H2_EV_STREAM_ENDED if the frame ends the stream. The frame is checked
 * (flow control, stream state, content-length, padding) and traced when
 * its first part arrives; if this side resets the stream before the last
 * part, the rest is ignored. A frame whole in one call gives one event
 * either way. Since 1.0.
 * Errors: the connection error's code (see above); H2_ERR_NOMEM. */
H2_EXTERN int h2_conn_receive(h2_conn *conn, const uint8_t *data, size_t len,
                              uint64_t now_ms);

/* ---- events ---- */

enum {
  H2_EV_REQUEST_RECEIVED = 1,
  H2_EV_RESPONSE_RECEIVED = 2,
  H2_EV_TRAILERS_RECEIVED = 3,
  H2_EV_INFORMATIONAL_RESPONSE_RECEIVED = 4,
  H2_EV_DATA_RECEIVED = 5,
  H2_EV_WINDOW_UPDATED = 6,
  H2_EV_REMOTE_SETTINGS_CHANGED = 7,
  H2_EV_SETTINGS_ACKNOWLEDGED = 8,
  H2_EV_PING_RECEIVED = 9,
  H2_EV_PING_ACK_RECEIVED = 10,
  H2_EV_STREAM_ENDED = 11,
  H2_EV_STREAM_RESET = 12,
  H2_EV_PUSHED_STREAM_RECEIVED = 13,
  H2_EV_PRIORITY_UPDATED = 14,
  H2_EV_CONNECTION_TERMINATED = 15,
  H2_EV_ALTERNATIVE_SERVICE_AVAILABLE = 16,
  H2_EV_UNKNOWN_FRAME_RECEIVED = 17,
  H2_EV_PRIORITY_UPDATE_RECEIVED = 18, /* RFC 9218 PRIORITY_UPDATE */
  H2_EV_ORIGIN_RECEIVED = 19           /* RFC 8336 ORIGIN */
};

/* Take the next queued event: returns 1 and sets *out, or 0 when there is
 * none. Borrowed: the event and everything it points to stay valid until
 * the next h2_conn_receive() or h2_conn_free(); actions (send, acknowledge,
 * reset, ...) and h2_conn_next_event() do not invalidate events already
 * taken, so an application may react to an event by calling actions while
 * it still uses the event. */
H2_EXTERN int h2_conn_next_event(h2_conn *conn, const h2_event **out);

/* Accessors. A field an event type does not have reads as 0/NULL. */
H2_EXTERN int h2_event_type(const h2_event *ev);
H2_EXTERN uint32_t h2_event_stream_id(const h2_event *ev);
/* Headers of REQUEST/RESPONSE/TRAILERS/INFORMATIONAL_RESPONSE_RECEIVED and
 * PUSHED_STREAM_RECEIVED. h2_event_header() returns 1, or 0 past the end. */
H2_EXTERN size_t h2_event_header_count(const h2_event *ev);
H2_EXTERN int h2_event_header(const h2_event *ev, size_t i, h2_header *out);
/* DATA_RECEIVED: the payload and the flow-controlled length (payload plus
 * padding). UNKNOWN_FRAME_RECEIVED: the payload. GOAWAY: the debug data.
 * ALTERNATIVE_SERVICE_AVAILABLE: the field value. PRIORITY_UPDATE_RECEIVED:
 * the priority field value. ORIGIN_RECEIVED: the raw ORIGIN payload. */
H2_EXTERN const uint8_t *h2_event_data(const h2_event *ev, size_t *len);
H2_EXTERN size_t h2_event_flow_controlled_length(const h2_event *ev);
/* STREAM_RESET, CONNECTION_TERMINATED: the HTTP/2 error code. */
H2_EXTERN uint32_t h2_event_error_code(const h2_event *ev);
/* STREAM_RESET: 1 if the peer reset the stream, 0 if this side did. */
H2_EXTERN int h2_event_remote_reset(const h2_event *ev);
/* WINDOW_UPDATED: the increment. */
H2_EXTERN uint32_t h2_event_delta(const h2_event *ev);
/* CONNECTION_TERMINATED: last stream id. PUSHED_STREAM_RECEIVED: the
 * parent stream id. PRIORITY_UPDATED: the stream depended on. */
H2_EXTERN uint32_t h2_event_related_stream_id(const h2_event *ev);
/* PING_RECEIVED, PING_ACK_RECEIVED: the 8 opaque bytes. */
H2_EXTERN int h2_event_ping_data(const h2_event *ev, uint8_t out[8]);
/* PRIORITY_UPDATED: weight 1..256 and exclusive flag. */
H2_EXTERN int h2_event_priority(const h2_event *ev, uint16_t *weight,
                                int *exclusive);
/* ALTERNATIVE_SERVICE_AVAILABLE: the origin (NULL for an ALTSVC frame
 * received on a stream: the origin is then the request's). */
H2_EXTERN const uint8_t *h2_event_origin(const h2_event *ev, size_t *len);
/* UNKNOWN_FRAME_RECEIVED: frame type and flags. */
H2_EXTERN int h2_event_frame_type(const h2_event *ev, uint8_t *type,
                                  uint8_t *flags);

/* REMOTE_SETTINGS_CHANGED and SETTINGS_ACKNOWLEDGED: the settings. */
typedef struct h2_changed_setting {
  uint16_t id;
  uint8_t has_original; /* 0 when the setting had no value before */
  uint32_t original_value;
  uint32_t new_value;
} h2_changed_setting; /* frozen in 1.0 */
H2_EXTERN size_t h2_event_setting_count(const h2_event *ev);
H2_EXTERN int h2_event_setting(const h2_event *ev, size_t i,
                               h2_changed_setting *out);

/* Related events, as h2's: a REQUEST/RESPONSE/TRAILERS/DATA event that
 * also ended its stream has H2_REL_STREAM_ENDED; one whose HEADERS carried
 * priority has H2_REL_PRIORITY_UPDATED; the related event is also queued
 * after it. */
#define H2_REL_STREAM_ENDED 0x1u
#define H2_REL_PRIORITY_UPDATED 0x2u
H2_EXTERN uint32_t h2_event_related(const h2_event *ev);

/* ---- actions ---- */

/* Flags of h2_conn_send_headers() and h2_conn_send_data(_ref)(). */
#define H2_SEND_END_STREAM 0x1u
/* h2_conn_send_data() / h2_conn_send_data_ref(): set the PADDED flag even
 * when pad_length is 0 (a Pad Length field of 0, which counts one byte
 * against the windows), as h2's pad_length=0 does. Since 1.0. */
#define H2_SEND_PADDED 0x2u

/* RFC 7540 priority fields. Frozen in 1.0. */
typedef struct h2_priority {
  uint32_t depends_on;
  uint16_t weight; /* 1..256 */
  uint8_t exclusive;
} h2_priority;

/* A byte string. Frozen in 1.0. */
typedef struct h2_bytes {
  const uint8_t *data;
  size_t len;
} h2_bytes;

/* A setting for h2_conn_update_settings(). Frozen in 1.0. */
typedef struct h2_settings_entry {
  uint16_t id;
  uint32_t value;
} h2_settings_entry;

/* The lowest stream id this side can open next. Errors:
 * H2_ERR_NO_AVAILABLE_STREAM_ID. */
H2_EXTERN int h2_conn_get_next_available_stream_id(h2_conn *conn,
                                                   uint32_t *out);
/* Send a header block (HEADERS + CONTINUATION as needed) on stream_id:
 * opens the stream, sends a response, informational headers or trailers as
 * the stream's state says. pri may be NULL. Errors as h2's send_headers:
 * H2_ERR_PROTOCOL (invalid headers or state), H2_ERR_STREAM_CLOSED,
 * H2_ERR_STREAM_ID_TOO_LOW, H2_ERR_TOO_MANY_STREAMS,
 * H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM. */
H2_EXTERN int h2_conn_send_headers(h2_conn *conn, uint32_t stream_id,
                                   const h2_header *headers, size_t n,
                                   uint32_t flags, const h2_priority *pri);
/* Send DATA; pad_length (0..255) bytes of padding (0: no PADDED flag;
 * otherwise pad_length + 1 bytes count against the windows). More than the
 * flow-control window or the max outbound frame size allows is
 * H2_ERR_FLOW_CONTROL / H2_ERR_FRAME_TOO_LARGE, as in h2. Also
 * H2_ERR_STREAM_CLOSED, H2_ERR_NO_SUCH_STREAM, H2_ERR_PROTOCOL. The data is
 * copied once, into the output buffer (h2_conn_send_data_ref() does not
 * copy it). */
H2_EXTERN int h2_conn_send_data(h2_conn *conn, uint32_t stream_id,
                                const uint8_t *data, size_t len,
                                uint32_t flags, size_t pad_length);
/* Send DATA as h2_conn_send_data() does (the same checks and errors, the
 * same frame), without copying the payload: the frame header and the
 * padding go into the output buffer, data[0..len) is queued by reference.
 * Memory: the caller keeps data valid and unchanged until the output has
 * been consumed up to *out_end, that is until h2_conn_output_consumed(conn)
 * >= *out_end; out_end (may be NULL) receives the position of the end of
 * this frame in the connection's output, in bytes since the connection was
 * created. Output is consumed by h2_conn_data_to_send() (which makes the
 * one copy of the payload), h2_conn_consume_data() after
 * h2_conn_peek_iov() (none) or h2_conn_peek_data() (one, into the output
 * buffer), and dropped by h2_conn_clear_outbound_data(); freeing the
 * connection also releases every reference. A short payload may be copied
 * at once instead; the rule is the same. On error nothing is queued and
 * *out_end is not written. Queued payloads count as pending output
 * (h2_conn_pending_data(), and the limits on queued control frames, which
 * restart only once little output is pending). Errors: those of
 * h2_conn_send_data(); H2_ERR_NOMEM. Since 1.0. */
H2_EXTERN int h2_conn_send_data_ref(h2_conn *conn, uint32_t stream_id,
                                    const uint8_t *data, size_t len,
                                    uint32_t flags, size_t pad_length,
                                    uint64_t *out_end);
H2_EXTERN int h2_conn_end_stream(h2_conn *conn, uint32_t stream_id);
H2_EXTERN int h2_conn_reset_stream(h2_conn *conn, uint32_t stream_id,
                                   uint32_t error_code);
/* Server: promise promised_stream_id on stream_id with request headers. */
H2_EXTERN int h2_conn_push_stream(h2_conn *conn, uint32_t stream_id,
                                  uint32_t promised_stream_id,
                                  const h2_header *headers, size_t n);
/* Client: send PRIORITY (RFC 7540 §5.3). pri NULL: h2's defaults (weight
 * 16, no dependency, not exclusive). Errors: H2_ERR_RFC1122 (a server),
 * H2_ERR_PROTOCOL (depends on itself), H2_ERR_INVALID_ARGUMENT. */
H2_EXTERN int h2_conn_prioritize(h2_conn *conn, uint32_t stream_id,
                                 const h2_priority *pri);
/* opaque may be NULL for eight zero bytes. */
H2_EXTERN int h2_conn_ping(h2_conn *conn, const uint8_t opaque[8]);
/* Queue SETTINGS; the values apply locally when the peer acknowledges. */
H2_EXTERN int h2_conn_update_settings(h2_conn *conn,
                                      const h2_settings_entry *settings,
                                      size_t n);
/* The application consumed size bytes of stream_id's data: return credit
 * with h2's WINDOW_UPDATE behaviour (an update once half a window is
 * owed, or earlier when the window is exhausted). stream_id 0, or a
 * stream already closed, acknowledges connection-level data only.
 * Errors: H2_ERR_NO_SUCH_STREAM (an idle stream), H2_ERR_INVALID_ARGUMENT
 * (size > 2^31-1). */
H2_EXTERN int h2_conn_acknowledge_received_data(h2_conn *conn,
                                                uint32_t stream_id,
                                                size_t size);
/* Send WINDOW_UPDATE(increment) on stream_id (0: the connection). */
H2_EXTERN int h2_conn_increment_flow_control_window(h2_conn *conn,
                                                    uint32_t stream_id,
                                                    uint32_t increment);
/* Server: ALTSVC (RFC 7838) on stream 0 with origin, or on stream_id. */
H2_EXTERN int h2_conn_advertise_alternative_service(
    h2_conn *conn, uint32_t stream_id, const uint8_t *origin,
    size_t origin_len, const uint8_t *field_value, size_t field_value_len);
/* Last stream id for h2_conn_close(): the highest processed inbound id. */
#define H2_LAST_STREAM_AUTO 0xffffffffu
/* Queue GOAWAY. The connection state becomes H2_CONN_CLOSED (as in h2)
 * and no new streams may be opened either way. With H2_NO_ERROR the
 * shutdown is graceful (RFC 9113 §6.8): streams up to last_stream_id go on
 * in both directions until they end, and a stream the peer opens beyond it
 * is refused with RST_STREAM(REFUSED_STREAM); call again (with a last
 * stream id no higher than before) to send a final GOAWAY. With an error
 * code the connection ends at once: later input is ignored and later
 * actions fail with H2_ERR_PROTOCOL. Receiving a GOAWAY likewise lets the
 * streams up to its last stream id complete. */
H2_EXTERN int h2_conn_close(h2_conn *conn, uint32_t error_code,
                            uint32_t last_stream_id, const uint8_t *debug,
                            size_t debug_len);
/* Client: RFC 9218 PRIORITY_UPDATE for prioritized_stream_id.
 * Errors: H2_ERR_PROTOCOL (a server), H2_ERR_INVALID_ARGUMENT. */
H2_EXTERN int h2_conn_send_priority_update(h2_conn *conn,
                                           uint32_t prioritized_stream_id,
                                           const uint8_t *field_value,
                                           size_t len);
/* Server: RFC 8336 ORIGIN frame listing origins. */
H2_EXTERN int h2_conn_send_origin(h2_conn *conn, const h2_bytes *origins,
                                  size_t n);

/* ---- output ---- */

/* The pending output is the frames queued by actions, in order: bytes of
 * the connection's output buffer and payloads queued by reference
 * (h2_conn_send_data_ref()). Each of these calls takes it from the front. */

/* Copy up to cap pending bytes to buf and consume them (across referenced
 * payloads too). Errors: H2_ERR_INVALID_ARGUMENT. */
H2_EXTERN int h2_conn_data_to_send(h2_conn *conn, uint8_t *buf, size_t cap,
                                   size_t *out_len);
/* A view of all pending bytes as one contiguous block (borrowed until the
 * next call on conn other than queries), then consume n of them with
 * h2_conn_consume_data(). Zero copy, except that payloads queued by
 * reference are first copied into the output buffer to make the block
 * contiguous (h2_conn_peek_iov() avoids that copy). Errors:
 * H2_ERR_INVALID_ARGUMENT, H2_ERR_NOMEM (that copy failed; nothing
 * changed). */
H2_EXTERN int h2_conn_peek_data(h2_conn *conn, const uint8_t **data,
                                size_t *len);
/* Zero copy, writev-style: the pending output as up to max segments in
 * order (*n of them; fewer than max when that is all), bytes of the output
 * buffer and referenced payloads as they are. Borrowed: the segments stay
 * valid until the next call on conn other than queries. Consume what was
 * written with h2_conn_consume_data(). Errors: H2_ERR_INVALID_ARGUMENT
 * (conn or n NULL, iov NULL with max > 0). Since 1.0. */
H2_EXTERN int h2_conn_peek_iov(h2_conn *conn, h2_bytes *iov, size_t max,
                               size_t *n);
/* Consume n pending bytes (after h2_conn_peek_data() or
 * h2_conn_peek_iov()). Errors: H2_ERR_INVALID_ARGUMENT (n > pending). */
H2_EXTERN int h2_conn_consume_data(h2_conn *conn, size_t n);
/* All pending bytes, referenced payloads included. */
H2_EXTERN size_t h2_conn_pending_data(const h2_conn *conn);
/* Drop all pending output; this releases every referenced payload. */
H2_EXTERN int h2_conn_clear_outbound_data(h2_conn *conn);
/* The output consumed so far, in bytes since the connection was created:
 * taken by h2_conn_data_to_send() or h2_conn_consume_data(), or dropped by
 * h2_conn_clear_outbound_data(). A payload queued by reference is free
 * again once this reaches its out_end. 0 for NULL. Since 1.0. */
H2_EXTERN uint64_t h2_conn_output_consumed(const h2_conn *conn);

/* ---- frame trace ---- */

/* One frame read or sent. Frozen in 1.0. */
typedef struct h2_frame_trace {
  uint8_t outbound; /* 1: handed out for sending; 0: received */
  uint8_t type;     /* frame type (RFC 9113 §6 and extensions) */
  uint8_t flags;
  uint32_t stream_id;
  uint32_t length; /* payload length */
} h2_frame_trace;

/* With H2_OPT_TRACE_FRAMES = N > 0, the connection records every frame it
 * reads (when its header and payload were checked) and every frame it
 * hands out through h2_conn_data_to_send() / h2_conn_consume_data(), in
 * order, keeping the last N records: this is what an application or a
 * binding logs (Python h2's logger). Take the oldest record: returns 1 and
 * fills *out, 0 when there is none (or tracing is off), or
 * H2_ERR_INVALID_ARGUMENT. Since 1.0. */
H2_EXTERN int h2_conn_next_trace(h2_conn *conn, h2_frame_trace *out);
/* Records lost because more than N were waiting. Since 1.0. */
H2_EXTERN uint64_t h2_conn_trace_dropped(const h2_conn *conn);

/* ---- queries ---- */

/* How much DATA this side may send now on stream_id (the smaller of the
 * stream's and the connection's outbound windows); stream_id 0: the
 * connection's outbound window. Errors: H2_ERR_NO_SUCH_STREAM. */
H2_EXTERN int h2_conn_local_flow_control_window(const h2_conn *conn,
                                                uint32_t stream_id,
                                                int64_t *out);
/* How much DATA the peer may send now on stream_id (inbound windows).
 * Both window queries: H2_ERR_NO_SUCH_STREAM for an idle stream,
 * H2_ERR_STREAM_CLOSED for a closed one. */
H2_EXTERN int h2_conn_remote_flow_control_window(const h2_conn *conn,
                                                 uint32_t stream_id,
                                                 int64_t *out);
/* A stream's own flow-control windows, before the connection's apply:
 * *send what this side may send, *recv what the peer may send (h2's
 * H2Stream.outbound_flow_control_window and inbound_flow_control_window).
 * Errors as the window queries above, and H2_ERR_INVALID_ARGUMENT for
 * stream 0 or a NULL pointer. Since 1.0. */
H2_EXTERN int h2_conn_stream_windows(const h2_conn *conn, uint32_t stream_id,
                                     int64_t *send, int64_t *recv);
H2_EXTERN uint32_t h2_conn_max_inbound_frame_size(const h2_conn *conn);
H2_EXTERN uint32_t h2_conn_max_outbound_frame_size(const h2_conn *conn);
H2_EXTERN size_t h2_conn_open_inbound_streams(const h2_conn *conn);
H2_EXTERN size_t h2_conn_open_outbound_streams(const h2_conn *conn);
H2_EXTERN uint32_t h2_conn_highest_inbound_stream_id(const h2_conn *conn);
/* The acknowledged local value of a setting, and the peer's value.
 * Local values sent by h2_conn_initiate() or h2_conn_update_settings()
 * apply when the peer acknowledges them (RFC 9113 §6.5.3), except that
 * the initial MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE and
 * ENABLE_CONNECT_PROTOCOL of the config are enforced from the start.
 * Before the peer's SETTINGS, its MAX_CONCURRENT_STREAMS is taken as 100.
 * Errors: H2_ERR_INVALID_ARGUMENT (unknown id with no value). */
H2_EXTERN int h2_conn_local_setting(const h2_conn *conn, uint16_t id,
                                    uint32_t *out);
H2_EXTERN int h2_conn_remote_setting(const h2_conn *conn, uint16_t id,
                                     uint32_t *out);

/* Stream states, RFC 9113 §5.1. */
enum {
  H2_STREAM_STATE_IDLE = 0,
  H2_STREAM_STATE_RESERVED_LOCAL = 1,
  H2_STREAM_STATE_RESERVED_REMOTE = 2,
  H2_STREAM_STATE_OPEN = 3,
  H2_STREAM_STATE_HALF_CLOSED_LOCAL = 4,
  H2_STREAM_STATE_HALF_CLOSED_REMOTE = 5,
  H2_STREAM_STATE_CLOSED = 6
};
/* The state of stream_id: IDLE for an id not used yet, CLOSED for a
 * closed one (also once forgotten). Errors: H2_ERR_INVALID_ARGUMENT
 * (stream_id 0 or above 2^31-1). */
H2_EXTERN int h2_conn_stream_state(const h2_conn *conn, uint32_t stream_id,
                                   int *out);

/* HTTP/2 error codes (RFC 9113 §7) and setting ids, for convenience. */
#define H2_NO_ERROR 0x0u
#define H2_PROTOCOL_ERROR 0x1u
#define H2_INTERNAL_ERROR 0x2u
#define H2_FLOW_CONTROL_ERROR 0x3u
#define H2_SETTINGS_TIMEOUT 0x4u
#define H2_STREAM_CLOSED 0x5u
#define H2_FRAME_SIZE_ERROR 0x6u
#define H2_REFUSED_STREAM 0x7u
#define H2_CANCEL 0x8u
#define H2_COMPRESSION_ERROR 0x9u
#define H2_CONNECT_ERROR 0xau
#define H2_ENHANCE_YOUR_CALM 0xbu
#define H2_INADEQUATE_SECURITY 0xcu
#define H2_HTTP_1_1_REQUIRED 0xdu

#define H2_SETTING_HEADER_TABLE_SIZE 0x1u
#define H2_SETTING_ENABLE_PUSH 0x2u
#define H2_SETTING_MAX_CONCURRENT_STREAMS 0x3u
#define H2_SETTING_INITIAL_WINDOW_SIZE 0x4u
#define H2_SETTING_MAX_FRAME_SIZE 0x5u
#define H2_SETTING_MAX_HEADER_LIST_SIZE 0x6u
#define H2_SETTING_ENABLE_CONNECT_PROTOCOL 0x8u
#define H2_SETTING_NO_RFC7540_PRIORITIES 0x9u

#ifdef __cplusplus
}
#endif

#endif /* H2_H */
