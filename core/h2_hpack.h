/* HPACK, RFC 7541: header compression for HTTP/2.
 *
 * One encoder and one decoder per direction of a connection. Both keep a
 * dynamic table; the structs are defined here so a connection can embed
 * them without an extra allocation, but their fields are private to
 * h2_hpack.c.
 *
 * Errors: H2S_COMPRESSION for any malformed block (the caller turns it into
 * a connection error COMPRESSION_ERROR), H2S_HEADER_LIST_TOO_LARGE when a
 * block exceeds the configured header-list or field-size limit,
 * H2S_NOMEM, H2S_BUFFER_TOO_SMALL, H2S_INVALID_ARGUMENT. */
#ifndef H2_CORE_HPACK_H
#define H2_CORE_HPACK_H

#include <stddef.h>
#include <stdint.h>

#include "h2_mem.h"

/* A header field. Frozen layout: it is also the public h2_header. */
typedef struct h2_hpack_field {
  const uint8_t *name;
  size_t name_len;
  const uint8_t *value;
  size_t value_len;
  uint32_t flags; /* H2_HF_* */
} h2_hpack_field;

/* Never index this field: encoded as "literal never indexed" (RFC 7541
 * §6.2.3) and set on decoded fields that arrived that way. */
#define H2_HF_NEVER_INDEX 0x1u

/* Encoder policies. */
enum {
  /* Smallest output: Huffman only when it is shorter, no indexing of fields
   * unlikely to repeat (e.g. :path, content-length, long values). */
  H2_HPACK_POLICY_COMPACT = 0,
  /* The choices of the Python hpack package used by h2: Huffman for every
   * literal string, incremental indexing for every non-sensitive field. */
  H2_HPACK_POLICY_H2COMPAT = 1
};

/* RFC 7541 §4.1: per-entry overhead in the table size accounting. */
#define H2_HPACK_ENTRY_OVERHEAD 32u
/* Default SETTINGS_HEADER_TABLE_SIZE. */
#define H2_HPACK_DEFAULT_TABLE_SIZE 4096u
/* The largest table size the core will allocate for, either side. */
#define H2_HPACK_MAX_TABLE_SIZE (1u << 24)
/* Decoder defaults (configurable). */
#define H2_HPACK_DEFAULT_MAX_HEADER_LIST 65536u
#define H2_HPACK_DEFAULT_MAX_FIELD 65536u

/* ---- private layout ---------------------------------------------------- */
/* Entries are numbered by insertion (seq, wrapping uint32); entry seq lives
 * in slot seq & (ent_cap - 1). The oldest is first_seq, the newest
 * first_seq + ent_count - 1 (dynamic index 62). */
typedef struct h2_hpack_entry {
  uint32_t off;      /* offset of name bytes in the ring storage */
  uint32_t name_len; /* value bytes follow the name */
  uint32_t value_len;
  uint32_t hash; /* hash of the name (used by the encoder) */
  uint32_t next; /* encoder: seq of the next older entry in its bucket */
} h2_hpack_entry;

typedef struct h2_hpack_table {
  const h2_mem *mem;
  h2_hpack_entry *ents; /* ring of entries, slot = seq & (ent_cap - 1) */
  uint32_t ent_cap;     /* power of two, or 0 before the first entry */
  uint32_t first_seq;   /* seq of the oldest entry */
  uint32_t ent_count;
  uint8_t *store;       /* ring of name+value bytes, each entry contiguous */
  uint32_t store_cap;
  uint32_t store_tail;  /* end of the newest entry's bytes */
  uint32_t size;        /* RFC 7541 size: sum of len + 32 */
  uint32_t max_size;    /* current maximum (last size update) */
  /* encoder only: newest seq per name-hash bucket, chained by entry.next */
  uint32_t *buckets;
  uint32_t bucket_mask;
  int indexed;
} h2_hpack_table;

typedef struct h2_hpack_enc {
  h2_hpack_table table;
  int policy;
  uint32_t signalled;   /* table maximum the peer's decoder knows */
  uint32_t pending_min; /* smallest size set since the last block */
  int pending_update;   /* a size update is owed */
  int huffman_mode;     /* tests: -1 as the policy says, 0 never, 1 always */
  int h2_sensitive;     /* apply h2's sensitive-name rules (default 1) */
} h2_hpack_enc;

typedef struct h2_hpack_dec {
  h2_hpack_table table;
  uint32_t settings_max;  /* SETTINGS_HEADER_TABLE_SIZE we acknowledged */
  uint32_t update_bound;  /* the required update must be <= this */
  int update_required;    /* next block must start with a size update */
  size_t max_header_list; /* RFC 9113 header list size limit */
  size_t max_field;       /* limit on one name or one value */
  int failed;             /* the error that left the decoder unusable */
  int in_block;           /* between first byte and end_of_block */
  int field_seen;         /* a field representation was decoded in block */
  size_t list_size;       /* header list size of the block so far */
  /* partial representation carried across calls */
  uint8_t *partial;
  size_t partial_len;
  size_t partial_cap;
  /* decoded fields of the current block and the bytes they point into */
  h2_hpack_field *fields;
  size_t field_count;
  size_t field_cap;
  /* arena: chunks never move; full ones are chained from arena_old and
   * freed when the next block starts */
  uint8_t *arena; /* data of the current chunk */
  size_t arena_len;
  size_t arena_cap;
  void *arena_chunk; /* the current chunk (arena points inside it) */
  void *arena_old;   /* retired chunks of this block */
} h2_hpack_dec;

/* Tests only: force Huffman coding of literals off (0), on (1), or back to
 * the policy's choice (-1); and switch off h2's rule that authorization,
 * proxy-authorization and short cookies are never indexed (to compare with
 * raw hpack output). */
void h2_hpack_enc_set_huffman_mode(h2_hpack_enc *enc, int mode);
void h2_hpack_enc_set_h2_sensitive(h2_hpack_enc *enc, int on);

/* Huffman tables, h2_huffman_table.c (generated). */
#define H2_HUFF_LOOKUP_BITS 12
extern const uint32_t h2_huff_code[257];
extern const uint8_t h2_huff_len[257];
extern const uint32_t h2_huff_dec[1u << H2_HUFF_LOOKUP_BITS];
extern const uint32_t h2_huff_limit[31];
extern const uint32_t h2_huff_base[31];
extern const uint16_t h2_huff_sym[257];
/* ------------------------------------------------------------------------ */

/* Encoder ---------------------------------------------------------------- */

/* Initialise with a table size of 4096. mem may be NULL (libc). */
int h2_hpack_enc_init(h2_hpack_enc *enc, const h2_mem *mem,
                          int policy);
void h2_hpack_enc_free(h2_hpack_enc *enc);

/* Set the dynamic table size the encoder uses (at most the peer's
 * SETTINGS_HEADER_TABLE_SIZE; the caller ensures that). Evicts as needed and
 * queues a dynamic table size update (RFC 7541 §6.3) for the start of the
 * next block; when it is called several times between blocks, the smallest
 * and the final value are both signalled (§4.2).
 * H2S_INVALID_ARGUMENT if size > H2_HPACK_MAX_TABLE_SIZE. */
int h2_hpack_enc_set_table_size(h2_hpack_enc *enc, uint32_t size);

/* An upper bound on the encoded size of this list (cheap: no scan). */
size_t h2_hpack_encode_bound(const h2_hpack_field *fields, size_t n);

/* Encode one header block into out. Fields with H2_HF_NEVER_INDEX, and the
 * sensitive ones (authorization, proxy-authorization, cookie values shorter
 * than 20 bytes), are never indexed. If cap < h2_hpack_encode_bound(),
 * returns H2S_BUFFER_TOO_SMALL and changes nothing. */
int h2_hpack_encode(h2_hpack_enc *enc, const h2_hpack_field *fields,
                    size_t n, uint8_t *out, size_t cap, size_t *out_len);

/* Decoder ---------------------------------------------------------------- */

/* Initialise with table size 4096 and the default limits. */
int h2_hpack_dec_init(h2_hpack_dec *dec, const h2_mem *mem);
void h2_hpack_dec_free(h2_hpack_dec *dec);

/* The SETTINGS_HEADER_TABLE_SIZE this side advertised and the peer
 * acknowledged. Size updates above it are COMPRESSION_ERROR; when it is
 * lowered below the table's current maximum, the next block must begin with
 * a size update no larger than it (RFC 7541 §4.2).
 * H2S_INVALID_ARGUMENT if size > H2_HPACK_MAX_TABLE_SIZE. */
int h2_hpack_dec_set_max_table_size(h2_hpack_dec *dec, uint32_t size);

/* Limits: the header list size (sum of name + value + 32 over the block)
 * and the length of one name or value. 0 means no limit. */
void h2_hpack_dec_set_limits(h2_hpack_dec *dec, size_t max_header_list,
                                 size_t max_field);

/* Decode a piece of a header block. Pieces may be split anywhere (down to
 * one byte); end_of_block says this piece ends the block, after which a
 * partial representation is COMPRESSION_ERROR. The fields decoded so far in
 * the block are appended to the decoder's field list; the first call after
 * a completed block clears that list. After any error the decoder fails
 * every later call with the same error. */
int h2_hpack_decode(h2_hpack_dec *dec, const uint8_t *in, size_t len,
                    int end_of_block);

/* The fields decoded in the current (or just completed) block. The pointers
 * stay valid until the next h2_hpack_decode() that starts a new block. */
const h2_hpack_field *h2_hpack_dec_fields(const h2_hpack_dec *dec,
                                              size_t *count);

/* Current dynamic table size (RFC 7541 accounting), for tests and stats. */
uint32_t h2_hpack_table_size(const h2_hpack_table *t);
uint32_t h2_hpack_table_count(const h2_hpack_table *t);

/* Huffman primitives (RFC 7541 §5.2, Appendix B), in h2_huffman.c. */
size_t h2_huffman_encoded_len(const uint8_t *src, size_t len);
/* Writes exactly h2_huffman_encoded_len(src, len) bytes to dst. */
size_t h2_huffman_encode(uint8_t *dst, const uint8_t *src, size_t len);
/* Decodes a complete Huffman string; dst must hold len * 8 / 5 + 1 bytes.
 * Returns the decoded length, or -1 (EOS symbol, padding longer than 7 bits
 * or not all ones). */
long h2_huffman_decode(uint8_t *dst, const uint8_t *src, size_t len);

#endif
