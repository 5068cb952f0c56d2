"""h2get_split: split h2get's stdout into response bodies.

  python3 h2get_split.py OUTPUT OUTDIR URL...

h2get prints, for each URL in order, "==> URL <==" (only when there are
several URLs), "HTTP/2 STATUS", the header fields, an empty line and the body.
Each body is written to OUTDIR/0, OUTDIR/1, ... in URL order. Exit 1 (with a
message) if the output does not parse or a status is not 200.
"""
import os
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: h2get_split.py OUTPUT OUTDIR URL...")
    with open(argv[0], "rb") as f:
        out = f.read()
    outdir, urls = argv[1], argv[2:]
    marks = [("==> %s <==\n" % u).encode() for u in urls] if len(urls) > 1 else [b""]
    pos = 0
    for i, mark in enumerate(marks):
        if not out.startswith(mark, pos):
            sys.exit("h2get_split: response %d (%s) not where expected" % (i, urls[i]))
        pos += len(mark)
        head_end = out.find(b"\n\n", pos)
        if head_end < 0:
            sys.exit("h2get_split: %s: no end of header block" % urls[i])
        head = out[pos:head_end].decode("latin-1").split("\n")
        if head[0] != "HTTP/2 200":
            sys.exit("h2get_split: %s: got %r, want 'HTTP/2 200'" % (urls[i], head[0]))
        body_start = head_end + 2
        if i + 1 < len(marks):
            end = out.find(marks[i + 1], body_start)
            if end < 0:
                sys.exit("h2get_split: no response for %s" % urls[i + 1])
        else:
            end = len(out)
        with open(os.path.join(outdir, str(i)), "wb") as f:
            f.write(out[body_start:end])
        pos = end


if __name__ == "__main__":
    main(sys.argv[1:])
