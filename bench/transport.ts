// bench/transport.ts: BOLT 8 throughput with 1 KiB messages over loopback TCP between two
// endpoints in this process, against references measured in the same run: the same payload over
// plain TCP (2-byte length prefix, no encryption), and ChaCha20-Poly1305 alone in memory.
// Bounded: five phases of about one second each.
import { once } from 'node:events';
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net';
import { chachaPolyEncrypt, hexToBytes, publicKeyCreate, randomBytes } from '../src/crypto/index.js';
import {
  CipherState,
  connect,
  encryptMessage,
  listen,
  MessageDecoder,
  type NoiseConnection,
} from '../src/transport/index.js';

const MESSAGE_BYTES = 1024;
const PHASE_MS = 1000;
const payload = randomBytes(MESSAGE_BYTES);

interface Result {
  name: string;
  messages: number;
  seconds: number;
}
const rate = (r: Result) => r.messages / r.seconds;
const mbps = (r: Result) => (r.messages * MESSAGE_BYTES) / r.seconds / 1e6;

/** Runs `step` (which handles `batch` messages) repeatedly for about PHASE_MS. */
function inMemory(name: string, batch: number, step: () => void): Result {
  for (let i = 0; i < 3; i++) step(); // warm up
  let messages = 0;
  const start = performance.now();
  while (performance.now() - start < PHASE_MS) {
    step();
    messages += batch;
  }
  return { name, messages, seconds: (performance.now() - start) / 1000 };
}

/** Sends 1 KiB messages for about PHASE_MS honouring 'drain', resolves when all have arrived. */
async function overTcp(
  name: string,
  send: () => boolean,
  waitDrain: () => Promise<unknown>,
  received: () => number,
  allReceived: (n: number) => Promise<void>,
): Promise<Result> {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < PHASE_MS) {
    for (let i = 0; i < 64; i++) {
      sent++;
      if (!send()) {
        await waitDrain();
        break;
      }
    }
    if (received() < sent - 4096) await new Promise((r) => setImmediate(r)); // let the reader run
  }
  await allReceived(sent);
  return { name, messages: sent, seconds: (performance.now() - start) / 1000 };
}

async function noiseTcp(): Promise<Result> {
  const serverKey = hexToBytes('21'.repeat(32));
  const server = await listen({ port: 0, localPrivateKey: serverKey });
  const accepted = once(server, 'connection') as Promise<[NoiseConnection]>;
  const client = await connect({
    host: '127.0.0.1',
    port: server.port,
    localPrivateKey: hexToBytes('11'.repeat(32)),
    remoteNodeId: publicKeyCreate(serverKey),
  });
  const [remote] = await accepted;
  let count = 0;
  let target = Number.POSITIVE_INFINITY;
  let done: () => void = () => {};
  remote.on('message', (m) => {
    if (m.length !== MESSAGE_BYTES) throw new Error('bench: wrong message length');
    if (++count === target) done();
  });
  const result = await overTcp(
    'BOLT 8 over loopback TCP',
    () => client.send(payload) === 'ok',
    () => once(client, 'drain'),
    () => count,
    (n) =>
      new Promise<void>((resolve) => {
        target = n;
        done = resolve;
        if (count >= n) resolve();
      }),
  );
  client.close();
  await remote.closed;
  await server.close();
  return result;
}

async function plainTcp(): Promise<Result> {
  const frame = new Uint8Array(2 + MESSAGE_BYTES);
  frame.set([MESSAGE_BYTES >> 8, MESSAGE_BYTES & 0xff]);
  frame.set(payload, 2);
  let bytes = 0;
  let target = Number.POSITIVE_INFINITY;
  let done: () => void = () => {};
  const sockets: Socket[] = [];
  const server = createServer({ noDelay: true }, (s) => {
    sockets.push(s);
    s.on('data', (chunk: Uint8Array) => {
      bytes += chunk.length;
      if (bytes >= target) done();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = netConnect({
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    noDelay: true,
  });
  await once(client, 'connect');
  const result = await overTcp(
    'plain TCP, same payload, no encryption',
    () => client.write(frame),
    () => once(client, 'drain'),
    () => Math.floor(bytes / frame.length),
    (n) =>
      new Promise<void>((resolve) => {
        target = n * frame.length;
        done = resolve;
        if (bytes >= target) resolve();
      }),
  );
  client.destroy();
  for (const s of sockets) s.destroy();
  server.close();
  return result;
}

function keys(): { sending: CipherState; receiving: CipherState } {
  const k = randomBytes(32);
  const ck = randomBytes(32);
  return { sending: new CipherState(k, ck), receiving: new CipherState(k, ck) };
}

async function main(): Promise<void> {
  const nonce = new Uint8Array(12);
  const empty = new Uint8Array(0);
  const key = randomBytes(32);
  const aead = inMemory('ChaCha20-Poly1305 seal of 1 KiB (one AEAD call)', 256, () => {
    for (let i = 0; i < 256; i++) chachaPolyEncrypt(key, nonce, empty, payload);
  });
  const { sending } = keys();
  const frames = inMemory('encryptMessage (length + body, two AEAD calls)', 256, () => {
    for (let i = 0; i < 256; i++) encryptMessage(sending, payload);
  });
  const pipe = keys();
  const decoder = new MessageDecoder(pipe.receiving);
  const roundTrip = inMemory('encryptMessage + MessageDecoder in memory', 256, () => {
    for (let i = 0; i < 256; i++) {
      const r = decoder.push(encryptMessage(pipe.sending, payload));
      if (r.messages.length !== 1) throw new Error('bench: decode failed');
    }
  });
  const plain = await plainTcp();
  const noise = await noiseTcp();

  console.log(`BOLT 8 transport, ${MESSAGE_BYTES}-byte messages, node ${process.version}, one process`);
  for (const r of [aead, frames, roundTrip, plain, noise]) {
    console.log(
      `  ${r.name.padEnd(48)} ${Math.round(rate(r)).toLocaleString('en-US').padStart(10)} msg/s ${mbps(r).toFixed(1).padStart(8)} MB/s`,
    );
  }
  console.log('ratios:');
  console.log(`  BOLT 8 TCP / plain TCP:                     ${(rate(noise) / rate(plain)).toFixed(2)}`);
  console.log(`  BOLT 8 TCP / in-memory encrypt+decrypt:     ${(rate(noise) / rate(roundTrip)).toFixed(2)}`);
  console.log(`  encryptMessage / single AEAD seal:          ${(rate(frames) / rate(aead)).toFixed(2)}`);
}

await main();
