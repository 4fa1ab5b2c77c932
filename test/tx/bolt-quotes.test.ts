// Every `BOLT 3:` quote in src/tx must appear verbatim (modulo whitespace) in the pinned spec,
// so code and spec cannot drift apart silently.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const specText = readFileSync(
  new URL('../../../shared/specs/bolts/03-transactions.md', import.meta.url),
  'utf8',
);
const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();
const spec = normalize(specText);
const srcDir = new URL('../../src/tx/', import.meta.url);

test('BOLT 3 quotes in src/tx appear in the spec', () => {
  let count = 0;
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, srcDir), 'utf8');
    for (const m of text.matchAll(/BOLT 3: (.+)$/gm)) {
      const quote = normalize(m[1]!.replace(/\*\/\s*$/, ''));
      assert.ok(spec.includes(quote), `${file}: quote not found in BOLT 3: ${quote}`);
      count++;
    }
  }
  assert.ok(count >= 40, `expected many quotes, found ${count}`);
});
