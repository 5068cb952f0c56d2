"""An httpx client (httpcore: an unmodified user of h2) for the tests.

Usage: httpx_client.py libh2|h2 BASE_URL
Makes three GETs and one POST of 1 MiB over one HTTP/2 connection (prior
knowledge) and prints one line per response, then the h2 module used.
"""
import sys
import zlib

if sys.argv[1] == "libh2":
    import libh2

    libh2.install_as_h2()

import h2.connection  # noqa: E402
import httpx  # noqa: E402

base = sys.argv[2]
body = bytes(range(256)) * 4096
with httpx.Client(http1=False, http2=True, timeout=20) as client:
    for path in ("/a", "/b", "/c"):
        r = client.get(base + path)
        print(r.http_version, r.status_code, r.text.strip())
    r = client.post(base + "/upload", content=body)
    print(r.http_version, r.status_code, r.text.strip())
print("expected POST:", "%d %08x" % (len(body), zlib.crc32(body)))
print("module", h2.connection.__name__)
