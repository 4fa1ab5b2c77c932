// test/store/suite/kv.ts: the namespaced key-value repository.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TestBackend } from '../backends.js';
import { byCodePoint, rejectsWith, withStore } from './harness.js';

/** The wallet's interface, restated here: the store's kv must satisfy it as is. */
interface KeyValueStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
}

export function kvCases(backend: TestBackend): void {
  test('kv: put, get, overwrite, delete, list by prefix; namespaces are separate', () =>
    withStore(backend, async (store) => {
      const wallet: KeyValueStore = store.kv('wallet');
      await wallet.put('addr/0', new Uint8Array([1]));
      await wallet.put('addr/1', new Uint8Array([2]));
      await wallet.put('seed', new Uint8Array([3, 4]));
      await wallet.put('addr/0', new Uint8Array([9]));
      assert.deepEqual(await wallet.get('addr/0'), new Uint8Array([9]));
      assert.equal(await wallet.get('missing'), undefined);
      assert.equal(await store.kv('other').get('seed'), undefined);

      const list = await store.kv('wallet').list('addr/');
      assert.deepEqual(
        list.map((e) => [e.key, [...e.value]]),
        [
          ['addr/0', [9]],
          ['addr/1', [2]],
        ],
      );
      assert.equal((await store.kv('wallet').list()).length, 3);
      assert.equal(await store.kv('wallet').delete('addr/0'), true);
      assert.equal(await store.kv('wallet').delete('addr/0'), false);
      assert.deepEqual(
        (await store.kv('wallet').list()).map((e) => e.key),
        ['addr/1', 'seed'],
      );
      // An empty value is a value, not an absence.
      await wallet.put('empty', new Uint8Array(0));
      assert.deepEqual(await wallet.get('empty'), new Uint8Array(0));
    }));

  test('kv: refuses text the other backend could not store identically', () =>
    withStore(backend, async (store) => {
      await rejectsWith(store.kv('w').put('a\0b', new Uint8Array([1])), 'invalid_argument');
      await rejectsWith(store.kv('w').put('\uD800', new Uint8Array([1])), 'invalid_argument');
      assert.throws(() => store.kv(''), { code: 'invalid_argument' });
      assert.deepEqual(await store.kv('w').list(), []);
    }));

  test('kv: matches a Map model, keys listed in code-point order (property)', () =>
    withStore(backend, async (store) => {
      // A small alphabet so that prefixes collide; astral and U+FFFF characters order differently
      // in UTF-16 than in code points, which is the order both databases use.
      const char = fc.constantFrom('a', 'b', 'Z', '/', 'é', '\uFFFF', '😀', '\u{10FFFF}');
      const key = fc.string({ unit: char, maxLength: 4 });
      const op = fc.record({ put: fc.boolean(), key, value: fc.uint8Array({ maxLength: 6 }) });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 16 }), key, async (ops, prefix) => {
          const kv = store.kv(`model-${run++}`);
          const model = new Map<string, Uint8Array>();
          for (const o of ops) {
            if (o.put) {
              await kv.put(o.key, o.value);
              model.set(o.key, o.value);
            } else {
              assert.equal(await kv.delete(o.key), model.delete(o.key));
            }
          }
          const expected = [...model]
            .filter(([k]) => k.startsWith(prefix))
            .sort(([a], [b]) => byCodePoint(a, b))
            .map(([k, v]) => [k, [...v]]);
          const actual = (await kv.list(prefix)).map((e) => [e.key, [...e.value]]);
          assert.deepEqual(actual, expected);
        }),
        { numRuns: 25 },
      );
    }));
}
