// ws-client.js: drives the WebSocket echo of examples/web with the ws
// package (its version pinned by package-lock.json beside this file):
// text and binary messages up to 1 MiB, a message sent in fragments, a
// ping answered by a pong with its payload, a close the server answers
// with the client's code, and a close the server starts with its own.
// Every step is checked; the first failure exits 1.
//
// Usage: NODE_PATH=$AFD_CACHE/node/node_modules node ws-client.js ws://127.0.0.1:8080/ws
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const url = process.argv[2];
if (!url) {
  console.error('usage: ws-client.js ws://host:port/ws');
  process.exit(2);
}
setTimeout(() => fail('timed out after 60 s'), 60000).unref();

function fail(msg) {
  console.error('ws-client: FAIL: ' + msg);
  process.exit(1);
}

// open connects and queues every event for next.
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 32 << 20 });
    const events = [];
    let waiter = null;
    const push = (e) => {
      if (waiter) {
        const w = waiter;
        waiter = null;
        w(e);
      } else {
        events.push(e);
      }
    };
    ws.on('message', (data, isBinary) => push({ kind: 'message', data, isBinary }));
    ws.on('pong', (data) => push({ kind: 'pong', data }));
    ws.on('close', (code, reason) => push({ kind: 'close', code, reason: reason.toString() }));
    ws.on('error', (err) => push({ kind: 'error', err }));
    ws.next = () => new Promise((r) => (events.length ? r(events.shift()) : (waiter = r)));
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function expectMessage(ws, want, isBinary, what) {
  const e = await ws.next();
  if (e.kind !== 'message') fail(`${what}: got ${e.kind} ${e.code || ''} ${e.err || ''}, want a message`);
  if (e.isBinary !== isBinary) fail(`${what}: binary ${e.isBinary}, want ${isBinary}`);
  if (!Buffer.from(want).equals(e.data)) fail(`${what}: ${e.data.length} bytes back, want ${Buffer.from(want).length}`);
}

async function main() {
  let ws = await open();
  for (const n of [0, 1, 125, 126, 65535, 65536, 300000, 1 << 20]) {
    const text = 'x€'.repeat(Math.floor(n / 4));
    ws.send(text, { binary: false });
    await expectMessage(ws, text, false, `text of ${Buffer.byteLength(text)} bytes`);
    const bin = crypto.randomBytes(n);
    ws.send(bin, { binary: true });
    await expectMessage(ws, bin, true, `binary of ${n} bytes`);
  }
  console.log('ws-client: echo of text and binary, 0 B to 1 MiB: ok');

  // A text message in three fragments, a rune split between two of them.
  const euro = Buffer.from('€');
  ws.send(Buffer.concat([Buffer.from('one '), euro.subarray(0, 1)]), { binary: false, fin: false });
  ws.send(Buffer.concat([euro.subarray(1), Buffer.from(' two ')]), { fin: false });
  ws.send(Buffer.from('three'), { fin: true });
  await expectMessage(ws, 'one € two three', false, 'fragmented text');
  const parts = [crypto.randomBytes(70000), crypto.randomBytes(5), crypto.randomBytes(200000)];
  parts.forEach((p, i) => ws.send(p, { binary: true, fin: i === parts.length - 1 }));
  await expectMessage(ws, Buffer.concat(parts), true, 'fragmented binary');
  console.log('ws-client: fragmented messages: ok');

  ws.ping(Buffer.from('are you there'));
  let e = await ws.next();
  if (e.kind !== 'pong' || e.data.toString() !== 'are you there') fail(`ping: got ${e.kind} ${e.data}`);
  console.log('ws-client: ping/pong: ok');

  ws.close(4000, 'client done');
  e = await ws.next();
  if (e.kind !== 'close' || e.code !== 4000) fail(`client close: got ${e.kind} ${e.code}, want the server's answer 4000`);

  ws = await open();
  ws.send('close 4001 server done');
  e = await ws.next();
  if (e.kind !== 'close' || e.code !== 4001 || e.reason !== 'server done') {
    fail(`server close: got ${e.kind} ${e.code} ${e.reason}, want 4001 "server done"`);
  }
  console.log('ws-client: close codes both ways: ok');
}

main().catch((err) => fail(err.stack || String(err)));
