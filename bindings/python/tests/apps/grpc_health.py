"""grpclib (an unmodified user of h2) for the tests: the standard gRPC
health service, checked three times.

Usage: grpc_health.py SERVER_LIB CLIENT_LIB
SERVER_LIB / CLIENT_LIB are libh2 or h2. With the same library for both,
server and client run in this process; otherwise the server runs in a
child process of this script. Prints one status per check, then the h2
module used here.
"""
import asyncio
import subprocess
import sys

server_lib, client_lib = sys.argv[1], sys.argv[2]
here_lib = server_lib if sys.argv[3:] == ["--serve"] else client_lib
if here_lib == "libh2":
    import libh2

    libh2.install_as_h2()

import h2.connection  # noqa: E402
from grpclib.client import Channel  # noqa: E402
from grpclib.health.service import Health  # noqa: E402
from grpclib.health.v1.health_grpc import HealthStub  # noqa: E402
from grpclib.health.v1.health_pb2 import HealthCheckRequest  # noqa: E402
from grpclib.server import Server  # noqa: E402


async def serve():
    server = Server([Health()])
    await server.start("127.0.0.1", 0)
    print(server._server.sockets[0].getsockname()[1], flush=True)
    await server.wait_closed()


async def check(port):
    async with Channel("127.0.0.1", port) as channel:
        stub = HealthStub(channel)
        for _ in range(3):
            reply = await stub.Check(HealthCheckRequest(), timeout=20)
            print(reply.status)


async def main():
    if sys.argv[3:] == ["--serve"]:
        await serve()
        return
    if server_lib == client_lib:
        server = Server([Health()])
        await server.start("127.0.0.1", 0)
        await check(server._server.sockets[0].getsockname()[1])
        server.close()
        await server.wait_closed()
    else:
        child = subprocess.Popen([sys.executable, __file__, server_lib,
                                  client_lib, "--serve"],
                                 stdout=subprocess.PIPE)
        try:
            port = int(child.stdout.readline())
            await check(port)
        finally:
            child.kill()
            child.wait()
    print("module", h2.connection.__name__)


asyncio.run(main())
