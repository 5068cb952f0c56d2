#!/usr/bin/env python3
"""Generate the HPACK lookup tables of libh2.

  tools/gen_hpack_tables.py huffman > core/h2_huffman_table.c
  tools/gen_hpack_tables.py static      (prints the static-table hash index
                                         pasted into core/h2_hpack.c)

The Huffman code is RFC 7541 Appendix B, transcribed as (code, bit length)
per symbol 0..256; the static table is RFC 7541 Appendix A.
"""
import sys

# RFC 7541 Appendix B: symbol -> (code as hex, length in bits).
HUFFMAN = """
1ff8:13 7fffd8:23 fffffe2:28 fffffe3:28 fffffe4:28 fffffe5:28 fffffe6:28
fffffe7:28 fffffe8:28 ffffea:24 3ffffffc:30 fffffe9:28 fffffea:28
3ffffffd:30 fffffeb:28 fffffec:28 fffffed:28 fffffee:28 fffffef:28
ffffff0:28 ffffff1:28 ffffff2:28 3ffffffe:30 ffffff3:28 ffffff4:28
ffffff5:28 ffffff6:28 ffffff7:28 ffffff8:28 ffffff9:28 ffffffa:28
ffffffb:28
14:6 3f8:10 3f9:10 ffa:12 1ff9:13 15:6 f8:8 7fa:11 3fa:10 3fb:10 f9:8
7fb:11 fa:8 16:6 17:6 18:6
0:5 1:5 2:5 19:6 1a:6 1b:6 1c:6 1d:6 1e:6 1f:6 5c:7 fb:8 7ffc:15 20:6
ffb:12 3fc:10
1ffa:13 21:6 5d:7 5e:7 5f:7 60:7 61:7 62:7 63:7 64:7 65:7 66:7 67:7 68:7
69:7 6a:7
6b:7 6c:7 6d:7 6e:7 6f:7 70:7 71:7 72:7 fc:8 73:7 fd:8 1ffb:13 7fff0:19
1ffc:13 3ffc:14 22:6
7ffd:15 3:5 23:6 4:5 24:6 5:5 25:6 26:6 27:6 6:5 74:7 75:7 28:6 29:6 2a:6
7:5
2b:6 76:7 2c:6 8:5 9:5 2d:6 77:7 78:7 79:7 7a:7 7b:7 7ffe:15 7fc:11
3ffd:14 1ffd:13 ffffffc:28
fffe6:20 3fffd2:22 fffe7:20 fffe8:20 3fffd3:22 3fffd4:22 3fffd5:22
7fffd9:23 3fffd6:22 7fffda:23 7fffdb:23 7fffdc:23 7fffdd:23 7fffde:23
ffffeb:24 7fffdf:23
ffffec:24 ffffed:24 3fffd7:22 7fffe0:23 ffffee:24 7fffe1:23 7fffe2:23
7fffe3:23 7fffe4:23 1fffdc:21 3fffd8:22 7fffe5:23 3fffd9:22 7fffe6:23
7fffe7:23 ffffef:24
3fffda:22 1fffdd:21 fffe9:20 3fffdb:22 3fffdc:22 7fffe8:23 7fffe9:23
1fffde:21 7fffea:23 3fffdd:22 3fffde:22 fffff0:24 1fffdf:21 3fffdf:22
7fffeb:23 7fffec:23
1fffe0:21 1fffe1:21 3fffe0:22 1fffe2:21 7fffed:23 3fffe1:22 7fffee:23
7fffef:23 fffea:20 3fffe2:22 3fffe3:22 3fffe4:22 7ffff0:23 3fffe5:22
3fffe6:22 7ffff1:23
3ffffe0:26 3ffffe1:26 fffeb:20 7fff1:19 3fffe7:22 7ffff2:23 3fffe8:22
1ffffec:25 3ffffe2:26 3ffffe3:26 3ffffe4:26 7ffffde:27 7ffffdf:27
3ffffe5:26 fffff1:24 1ffffed:25
7fff2:19 1fffe3:21 3ffffe6:26 7ffffe0:27 7ffffe1:27 3ffffe7:26 7ffffe2:27
fffff2:24 1fffe4:21 1fffe5:21 3ffffe8:26 3ffffe9:26 ffffffd:28 7ffffe3:27
7ffffe4:27 7ffffe5:27
fffec:20 fffff3:24 fffed:20 1fffe6:21 3fffe9:22 1fffe7:21 1fffe8:21
7ffff3:23 3fffea:22 3fffeb:22 1ffffee:25 1ffffef:25 fffff4:24 fffff5:24
3ffffea:26 7ffff4:23
3ffffeb:26 7ffffe6:27 3ffffec:26 3ffffed:26 7ffffe7:27 7ffffe8:27
7ffffe9:27 7ffffea:27 7ffffeb:27 ffffffe:28 7ffffec:27 7ffffed:27
7ffffee:27 7ffffef:27 7fffff0:27 3ffffee:26
3fffffff:30
"""

# RFC 7541 Appendix A.
STATIC = [
    (":authority", ""), (":method", "GET"), (":method", "POST"),
    (":path", "/"), (":path", "/index.html"), (":scheme", "http"),
    (":scheme", "https"), (":status", "200"), (":status", "204"),
    (":status", "206"), (":status", "304"), (":status", "400"),
    (":status", "404"), (":status", "500"), ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"), ("accept-language", ""),
    ("accept-ranges", ""), ("accept", ""),
    ("access-control-allow-origin", ""), ("age", ""), ("allow", ""),
    ("authorization", ""), ("cache-control", ""),
    ("content-disposition", ""), ("content-encoding", ""),
    ("content-language", ""), ("content-length", ""),
    ("content-location", ""), ("content-range", ""), ("content-type", ""),
    ("cookie", ""), ("date", ""), ("etag", ""), ("expect", ""),
    ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
    ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""),
    ("if-unmodified-since", ""), ("last-modified", ""), ("link", ""),
    ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
    ("proxy-authorization", ""), ("range", ""), ("referer", ""),
    ("refresh", ""), ("retry-after", ""), ("server", ""),
    ("set-cookie", ""), ("strict-transport-security", ""),
    ("transfer-encoding", ""), ("user-agent", ""), ("vary", ""),
    ("via", ""), ("www-authenticate", ""),
]

LOOKUP_BITS = 12  # must match H2_HUFF_LOOKUP_BITS in h2_hpack.h


def load_code():
    syms = []
    for tok in HUFFMAN.split():
        code, bits = tok.split(":")
        syms.append((int(code, 16), int(bits)))
    assert len(syms) == 257, len(syms)
    for code, bits in syms:
        assert 5 <= bits <= 30 and code < (1 << bits)
    # A complete prefix code: Kraft sum exactly 1, no code a prefix of another.
    assert sum(1 << (30 - b) for _, b in syms) == 1 << 30
    seen = {}
    for s, (code, bits) in enumerate(syms):
        for l in range(1, bits):
            assert (code >> (bits - l), l) not in seen, s
        seen[(code, bits)] = s
    return syms


def canonical(syms):
    """first[l], count[l], symbol order; asserts the code is canonical."""
    order = sorted(range(257), key=lambda s: (syms[s][1], syms[s][0]))
    first = [0] * 31
    count = [0] * 31
    offset = [0] * 31
    code = 0
    prev = 0
    for i, s in enumerate(order):
        c, b = syms[s]
        code <<= b - prev
        prev = b
        if count[b] == 0:
            first[b] = code
            offset[b] = i
        assert c == code, "not canonical at symbol %d" % s
        count[b] += 1
        code += 1
    return first, count, offset, order


def decode_entry(syms, idx):
    """The lookup entry for LOOKUP_BITS bits: up to two whole symbols."""
    short = {(c, b): s for s, (c, b) in enumerate(syms) if b <= LOOKUP_BITS}
    out = []
    used = 0
    while len(out) < 2:
        hit = None
        for b in range(1, LOOKUP_BITS - used + 1):
            c = (idx >> (LOOKUP_BITS - used - b)) & ((1 << b) - 1)
            if (c, b) in short:
                hit = (short[(c, b)], b)
                break
        if hit is None:
            break
        out.append(hit)
        used += hit[1]
    if not out:
        return 0
    # Bits used first: the decoder's critical path is acc <<= (e & 31).
    e = used | (len(out) << 5) | (out[0][0] << 8) | (out[0][1] << 24)
    if len(out) == 2:
        e |= out[1][0] << 16
    return e


def gen_huffman():
    syms = load_code()
    first, count, offset, order = canonical(syms)
    w = sys.stdout.write
    w("/* Generated by tools/gen_hpack_tables.py huffman: do not edit.\n"
      " * RFC 7541 Appendix B Huffman code and its decoding tables. */\n")
    w('#include "h2_hpack.h"\n\n')
    w("#if H2_HUFF_LOOKUP_BITS != %d\n#error regenerate with tools/gen_hpack_tables.py\n#endif\n\n"
      % LOOKUP_BITS)
    w("/* Code of each symbol, right-aligned, and its length in bits. */\n")
    w("const uint32_t h2_huff_code[257] = {\n")
    for i in range(0, 257, 6):
        w("  " + ", ".join("0x%xu" % syms[s][0]
                           for s in range(i, min(i + 6, 257))) + ",\n")
    w("};\n\nconst uint8_t h2_huff_len[257] = {\n")
    for i in range(0, 257, 16):
        w("  " + ", ".join("%d" % syms[s][1]
                           for s in range(i, min(i + 16, 257))) + ",\n")
    w("};\n\n")
    w("/* Indexed by the next %d bits: bits 0-4 bits used, 5-6 symbol count\n"
      " * (1 or 2), 8-15 first symbol, 16-23 second, 24-28 first length; 0\n"
      " * when the next code is longer than %d bits. */\n"
      % (LOOKUP_BITS, LOOKUP_BITS))
    w("const uint32_t h2_huff_dec[1u << H2_HUFF_LOOKUP_BITS] = {\n")
    ents = [decode_entry(syms, i) for i in range(1 << LOOKUP_BITS)]
    for i in range(0, len(ents), 6):
        w("  " + ", ".join("0x%08xu" % e for e in ents[i:i + 6]) + ",\n")
    w("};\n\n")
    # Canonical decoding of long codes: codes of length l are the l-bit
    # values in [first, first + count); the symbol is order[offset + c - first].
    lim = [first[l] + count[l] for l in range(31)]
    w("/* Long codes (canonical): for length l, l-bit values below\n"
      " * h2_huff_limit[l] are codes, symbol h2_huff_sym[c - h2_huff_base[l]]. */\n")
    w("const uint32_t h2_huff_limit[31] = {\n")
    for i in range(0, 31, 6):
        w("  " + ", ".join("0x%xu" % lim[l] for l in range(i, min(i + 6, 31))) + ",\n")
    w("};\n\nconst uint32_t h2_huff_base[31] = {\n")
    base = [(first[l] - offset[l]) & 0xffffffff for l in range(31)]
    for i in range(0, 31, 6):
        w("  " + ", ".join("0x%xu" % base[l] for l in range(i, min(i + 6, 31))) + ",\n")
    w("};\n\nconst uint16_t h2_huff_sym[257] = {\n")
    for i in range(0, 257, 12):
        w("  " + ", ".join("%d" % order[j] for j in range(i, min(i + 12, 257))) + ",\n")
    w("};\n")


def name_hash(name):
    # Must match hpack_hash() in core/h2_hpack.c.
    b = name.encode()
    m = (1 << 64) - 1
    k = 0xff51afd7ed558ccd
    n = len(b)
    h = 0x9e3779b97f4a7c15 ^ n
    i = 0
    while n - i >= 8:
        h = ((h ^ int.from_bytes(b[i:i + 8], "little")) * k) & m
        i += 8
    r = n - i
    if r >= 4:
        w = int.from_bytes(b[i:i + 4], "little") | (
            int.from_bytes(b[n - 4:n], "little") << 32)
        h = ((h ^ w) * k) & m
    elif r > 0:
        w = b[i] | (b[i + r // 2] << 8) | (b[n - 1] << 16)
        h = ((h ^ w) * k) & m
    h ^= h >> 32
    return h & 0xffffffff


def gen_static():
    groups = []
    for i, (n, _) in enumerate(STATIC):
        if not groups or groups[-1][0] != n:
            groups.append([n, i + 1, 0])
        groups[-1][2] += 1
    for shift in range(0, 24):
        slots = {}
        ok = True
        for n, first, cnt in groups:
            s = (name_hash(n) >> shift) & 511
            if s in slots:
                ok = False
                break
            slots[s] = (first, cnt)
        if ok:
            break
    assert ok
    w = sys.stdout.write
    w("/* Generated by tools/gen_hpack_tables.py static: slot\n"
      " * (hpack_hash(name) >> %d) & 511 -> first static index with that name\n"
      " * (0: none) and how many entries share it. No two names collide. */\n"
      % shift)
    w("#define HPACK_STATIC_SHIFT %d\n" % shift)
    w("static const uint8_t hpack_static_slot[512][2] = {\n")
    for s in range(512):
        if s in slots:
            w("  [%d] = {%d, %d},\n" % (s, slots[s][0], slots[s][1]))
    w("};\n")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "huffman"
    {"huffman": gen_huffman, "static": gen_static}[what]()
