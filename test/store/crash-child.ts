// test/store/crash-child.ts: writes update after update until killed (see crash.test.ts).
// Usage: crash-child.ts sqlite <dataDir> | crash-child.ts postgres <url> <schema>
// Starts on the first line of stdin; prints "ready <n>" once open, then each update's number
// only after its commit returned.
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { openPostgresStore, openSqliteStore, type Store } from '../../src/store/index.js';
import { CRASH_CHANNEL_ID, crashChannel, crashHtlc, crashPayment, HTLCS_PER_UPDATE } from './crash-model.js';

async function open(): Promise<Store> {
  const [kind, a, b] = process.argv.slice(2);
  if (kind === 'sqlite' && a !== undefined) return openSqliteStore({ dataDir: a });
  if (kind === 'postgres' && a !== undefined && b !== undefined)
    return openPostgresStore({ connectionString: a, schema: b, poolSize: 1 });
  throw new Error('usage: crash-child.ts sqlite <dataDir> | postgres <url> <schema>');
}

// Wait for the parent's go-ahead: it starts (and so warms up) each child while the previous one runs.
await new Promise((resolve) => process.stdin.once('data', resolve));
const store = await open();
await store.migrate();
let version = (await store.channels.get(CRASH_CHANNEL_ID))?.version ?? 0;
process.stdout.write(`ready ${version}\n`);
for (;;) {
  const seq = version + 1;
  await store.transaction(async (tx) => {
    await tx.channels.upsert(crashChannel(seq), seq - 1);
    for (let k = 0; k < HTLCS_PER_UPDATE; k++) {
      await tx.htlcs.upsert(crashHtlc(seq, k));
      await yieldTurn(); // spread the transaction over several turns of the event loop
    }
    await tx.payments.create(crashPayment(seq));
    await tx.kv('crash').put(`update/${seq}`, new Uint8Array([seq & 0xff]));
  });
  // Pipes are written synchronously on Linux: once this returns, the parent can read it.
  process.stdout.write(`${seq}\n`);
  version = seq;
}
