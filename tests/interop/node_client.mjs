// node_client: an h2c (prior knowledge) client for the libh2 interop matrix,
// on Node's built-in http2 module. One session (one TCP connection) per run.
//
//   node node_client.mjs get URL OUT           GET URL, write the body to OUT
//   node node_client.mjs post URL IN OUT       POST IN's bytes, write the body to OUT
//   node node_client.mjs multi N BASE OUTDIR   GET BASE/f0 .. BASE/f(N-1) at once,
//                                              write each body to OUTDIR/fI
//
// Every response must have :status 200. Exit 0 on success, 1 otherwise.
import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';

function die(msg) {
  process.stderr.write(`node_client: ${msg}\n`);
  process.exit(1);
}

function request(session, method, url, body) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = { ':method': method, ':path': u.pathname + u.search };
    if (body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    const req = session.request(headers, { endStream: !body });
    const chunks = [];
    let status = 0;
    req.on('response', (h) => { status = h[':status']; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (status !== 200) reject(new Error(`${method} ${url}: status ${status}`));
      else resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => reject(new Error(`${method} ${url}: ${e.message}`)));
    if (body) req.end(body);
  });
}

async function main() {
  const [mode, ...a] = process.argv.slice(2);
  const target = mode === 'multi' ? a[1] : a[0];
  if (!target) die('usage: get URL OUT | post URL IN OUT | multi N BASE OUTDIR');
  const session = http2.connect(new URL(target).origin);
  session.on('error', (e) => die(`session: ${e.message}`));
  try {
    if (mode === 'get' && a.length === 2) {
      fs.writeFileSync(a[1], await request(session, 'GET', a[0]));
    } else if (mode === 'post' && a.length === 3) {
      fs.writeFileSync(a[2], await request(session, 'POST', a[0], fs.readFileSync(a[1])));
    } else if (mode === 'multi' && a.length === 3) {
      const n = Number(a[0]);
      const names = Array.from({ length: n }, (_, i) => `f${i}`);
      const bodies = await Promise.all(names.map((f) => request(session, 'GET', `${a[1]}/${f}`)));
      names.forEach((f, i) => fs.writeFileSync(path.join(a[2], f), bodies[i]));
    } else {
      die('usage: get URL OUT | post URL IN OUT | multi N BASE OUTDIR');
    }
  } catch (e) {
    die(e.message);
  }
  session.close();
}

main();
