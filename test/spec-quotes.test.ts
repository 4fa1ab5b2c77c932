// Every `BOLT n: "..."` (and `bLIP n: "..."`) quote in src/ must still appear in the pinned spec
// text in ../shared/specs, so code and spec cannot drift apart silently (as Core Lightning's
// check-source-bolt does). Whitespace, comment markers and markdown list markers are normalized;
// "..." inside a quote separates fragments that must each appear, in order.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const specs = fileURLToPath(new URL('../../shared/specs/', import.meta.url));

function normalize(s: string): string {
  return s
    .split('\n')
    .map((l) => l.replace(/^\s*(?:[-*]|\d+\.)\s+/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function specText(kind: 'BOLT' | 'bLIP', n: number): string | undefined {
  const dir = kind === 'BOLT' ? join(specs, 'bolts') : join(specs, 'blips');
  const prefix = kind === 'BOLT' ? `${String(n).padStart(2, '0')}-` : `blip-${String(n).padStart(4, '0')}`;
  const f = readdirSync(dir).find((x) => x.startsWith(prefix) && x.endsWith('.md'));
  return f === undefined ? undefined : normalize(readFileSync(join(dir, f), 'utf8'));
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Quote {
  file: string;
  line: number;
  kind: 'BOLT' | 'bLIP';
  n: number;
  text: string;
}

/** Joins consecutive `//` comment lines into blocks and extracts the quotes they contain. */
export function extractQuotes(file: string, src: string): Quote[] {
  const lines = src.split('\n');
  const quotes: Quote[] = [];
  let block: { start: number; text: string[] } | undefined;
  const flush = () => {
    if (block === undefined) return;
    const text = block.text.join('\n');
    for (const m of text.matchAll(/\b(BOLT|bLIP)[ -#]*(\d+)[^:"\n]*:\s*"([^"]+)"/g)) {
      quotes.push({
        file,
        line: block.start + 1,
        kind: m[1] as 'BOLT' | 'bLIP',
        n: Number(m[2]),
        text: m[3] ?? '',
      });
    }
    block = undefined;
  };
  lines.forEach((l, i) => {
    const m = /^\s*(?:\/\/|\*|\/\*\*?)\s?(.*)$/.exec(l);
    if (m) {
      if (block === undefined) block = { start: i, text: [] };
      block.text.push(m[1] ?? '');
    } else flush();
  });
  flush();
  return quotes;
}

test('every BOLT/bLIP quote in src/ appears in the pinned spec text', () => {
  const files = sources(join(root, 'src'));
  const quotes = files.flatMap((f) => extractQuotes(f.slice(root.length), readFileSync(f, 'utf8')));
  assert.ok(quotes.length > 0, 'expected at least one spec quote in src/');
  const bad: string[] = [];
  for (const q of quotes) {
    const spec = specText(q.kind, q.n);
    if (spec === undefined) {
      bad.push(`${q.file}:${q.line}: no spec file for ${q.kind} ${q.n}`);
      continue;
    }
    let from = 0;
    for (const frag of q.text
      .split('...')
      .map(normalize)
      .filter((x) => x !== '')) {
      const at = spec.indexOf(frag, from);
      if (at < 0) {
        bad.push(`${q.file}:${q.line}: ${q.kind} ${q.n} does not contain "${frag}"`);
        break;
      }
      from = at + frag.length;
    }
  }
  assert.deepEqual(bad, [], `quotes that drifted from the spec:\n${bad.join('\n')}`);
});

test('the quote extractor finds multi-line quotes and the checker catches a drifted one', () => {
  const src = [
    '// BOLT 1: "if `length` exceeds the number of bytes remaining in the message:',
    '// MUST fail to parse the `tlv_stream`."',
    'const x = 1;',
  ].join('\n');
  const qs = extractQuotes('x.ts', src);
  assert.equal(qs.length, 1);
  const spec = specText('BOLT', 1) ?? '';
  assert.ok(spec.includes(normalize(qs[0]?.text ?? '')));
  assert.ok(!spec.includes(normalize('if `length` exceeds the number of bytes remaining: MAY ignore')));
});
