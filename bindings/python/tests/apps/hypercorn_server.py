"""A hypercorn server (an unmodified user of h2) for the tests.

Usage: hypercorn_server.py libh2|h2 PORT
With libh2, libh2.install_as_h2() runs first, so hypercorn's `import h2...`
gets libh2. GET answers "hello <path>"; POST answers with the body's
length and CRC-32.
"""
import asyncio
import sys
import zlib

if sys.argv[1] == "libh2":
    import libh2

    libh2.install_as_h2()

import h2.connection  # noqa: E402  (after the switch above)
from hypercorn.asyncio import serve  # noqa: E402
from hypercorn.config import Config  # noqa: E402


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["method"] == "POST":
        out = b"%d %08x\n" % (len(body), zlib.crc32(body))
    else:
        out = b"hello " + scope["path"].encode() + b"\n"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", b"%d" % len(out))]})
    await send({"type": "http.response.body", "body": out})


config = Config()
config.bind = ["127.0.0.1:" + sys.argv[2]]
config.accesslog = None
print("serving with", h2.connection.__name__, flush=True)
asyncio.run(serve(app, config))
