// node_server: a cleartext HTTP/2 server (http2.createServer) for the libh2
// interop matrix.
//
//   node node_server.mjs ROOT    listen on 127.0.0.1, a free port; prints
//                                "listening on http://127.0.0.1:PORT/"
//
//   GET /NAME          the file ROOT/NAME (404 if absent)
//   POST|PUT /echo     the request body streamed back
//
// Node's cleartext http2 server speaks prior knowledge only: it has no
// HTTP/1.1 "Upgrade: h2c" support, so the matrix skips that cell.
import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] || '.');
const server = http2.createServer();

server.on('stream', (stream, headers) => {
  const method = headers[':method'];
  const p = decodeURIComponent(headers[':path'].split('?')[0]);
  stream.on('error', () => {});
  if ((method === 'POST' || method === 'PUT') && p === '/echo') {
    const h = { ':status': 200, 'content-type': headers['content-type'] || 'application/octet-stream' };
    stream.respond(h);
    stream.pipe(stream);
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    stream.respond({ ':status': 405 }, { endStream: true });
    return;
  }
  const file = path.join(root, path.normalize(p));
  if (!file.startsWith(root + path.sep)) {
    stream.respond({ ':status': 404 }, { endStream: true });
    return;
  }
  stream.respondWithFile(file, { 'content-type': 'application/octet-stream' }, {
    onError: () => {
      if (!stream.headersSent) stream.respond({ ':status': 404 }, { endStream: true });
      else stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    },
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`node_server listening on http://127.0.0.1:${server.address().port}/\n`);
});

function stop() {
  server.close();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
