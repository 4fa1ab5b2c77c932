// Spec conformance: parses every `1. type: N (name)` block (with its `2. data:` fields, its TLV
// stream and the subtypes it uses) from BOLT 1, 2 and 7 and checks that our definitions have the
// same type numbers, the same fields in the same order (names in camelCase) with matching wire
// types, and the same TLV records — so a definition cannot silently drift from the spec text.
//
// Mapping rules (not exceptions; they are how one declared field stands for several spec lines):
//  - a length or count field (`u16 len`) followed by `len*T` is one field named after the latter;
//  - `encoding_type` followed by `encoded_*` is one BOLT 7 encoded-array field;
//  - the trailing `*_tlvs` field is the message extension (`tlvs`); a stream named
//    `<message>_tlvs` belongs to that message even when its data list omits the field
//    (update_fulfill_htlc, update_fail_htlc);
//  - a TLV record with one field is that field's value; with several, a struct of them; with
//    none, a flag.
// Exceptions: none.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ALL_MESSAGES, type Codec, type MessageDef, type Shape } from '../../src/wire/index.js';

interface SpecField {
  type: string;
  name: string;
}
interface SpecRecord {
  type: number;
  name: string;
  fields: SpecField[];
}
interface SpecMessage {
  file: string;
  type: number;
  name: string;
  fields: SpecField[];
}

const FILES = ['01-messaging.md', '02-peer-protocol.md', '07-routing-gossip.md'];

const messages: SpecMessage[] = [];
const streams = new Map<string, SpecRecord[]>();
const subtypes = new Map<string, SpecField[]>();

const FIELD = /^\s+\* \[`([^`]+)`:`([^`]+)`\]/;

function parseFile(file: string): void {
  const lines = readFileSync(new URL(`../../../shared/specs/bolts/${file}`, import.meta.url), 'utf8').split(
    '\n',
  );
  const fieldsFrom = (i: number): [SpecField[], number] => {
    const fields: SpecField[] = [];
    let j = i;
    for (let m = FIELD.exec(lines[j] ?? ''); m !== null; m = FIELD.exec(lines[++j] ?? '')) {
      fields.push({ type: m[1] ?? '', name: m[2] ?? '' });
    }
    return [fields, j];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    let m = /^1\. type: (\d+) \(`(\w+)`\)/.exec(line);
    if (m !== null && /^2\. data:/.test(lines[i + 1] ?? '')) {
      const [fields, next] = fieldsFrom(i + 2);
      messages.push({ file, type: Number(m[1]), name: m[2] ?? '', fields });
      i = next - 1;
      continue;
    }
    m = /^1\. subtype: `(\w+)`/.exec(line);
    if (m !== null) {
      const [fields, next] = fieldsFrom(i + 2);
      subtypes.set(m[1] ?? '', fields);
      i = next - 1;
      continue;
    }
    m = /^1\. `tlv_stream`: `(\w+)`/.exec(line);
    if (m !== null) {
      const records: SpecRecord[] = [];
      let j = i + 2; // past "2. types:"
      while (j < lines.length && /^\s+\S/.test(lines[j] ?? '')) {
        const r = /^\s+1\. type: (\d+) \(`(\w+)`\)/.exec(lines[j] ?? '');
        if (r !== null) {
          const hasData = /^\s+2\. data:/.test(lines[j + 1] ?? '');
          const [fields, next] = hasData ? fieldsFrom(j + 2) : [[], j + 1];
          records.push({ type: Number(r[1]), name: r[2] ?? '', fields });
          j = next;
        } else j++;
      }
      streams.set(m[1] ?? '', records);
      i = j - 1;
    }
  }
}
for (const f of FILES) parseFile(f);

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Applies the mapping rules above to a spec field list. */
function collapse(fields: SpecField[]): SpecField[] {
  const out: SpecField[] = [];
  for (const f of fields) {
    const count = /^(\w+)\*/.exec(f.type)?.[1];
    const prev = out[out.length - 1];
    if (count !== undefined && prev?.name === count) out.pop();
    if (f.name.startsWith('encoded_') && prev?.name === 'encoding_type') {
      out.pop();
      out.push({ type: 'encoded', name: f.name });
      continue;
    }
    out.push(f);
  }
  return out;
}

/** Whether our codec encodes the spec's wire type; returns a reason when it does not. */
function typeMismatch(specType: string, c: Codec<unknown>): string | undefined {
  const s = c.shape;
  if (s === undefined) return `codec ${c.name} has no shape`;
  const want = (ok: boolean) => (ok ? undefined : `${specType} vs ${c.name} (${s.t})`);
  const fixed: Record<string, (x: Shape) => boolean> = {
    byte: (x) => x.t === 'uint' && x.bytes === 1,
    u8: (x) => x.t === 'uint' && x.bytes === 1,
    u16: (x) => x.t === 'uint' && x.bytes === 2,
    u32: (x) => x.t === 'uint' && x.bytes === 4,
    u64: (x) => x.t === 'uint' && x.bytes === 8,
    s64: (x) => x.t === 'sint' && x.bytes === 8,
    short_channel_id: (x) => x.t === 'uint' && x.bytes === 8,
    bigsize: (x) => x.t === 'bigsize',
    chain_hash: (x) => x.t === 'bytes' && x.length === 32,
    sha256: (x) => x.t === 'bytes' && x.length === 32,
    channel_id: (x) => x.t === 'bytes' && x.length === 32,
    signature: (x) => x.t === 'bytes' && x.length === 64,
    point: (x) => x.t === 'point',
    encoded: (x) => x.t === 'encoded',
  };
  const f = fixed[specType];
  if (f !== undefined) return want(f(s));
  let m = /^(\w+)\[\.\.(\d+)\]$/.exec(specType); // a truncated hash, e.g. sha256[..4]
  if (m !== null) return want(s.t === 'bytes' && s.length === Number(m[2]));
  m = /^(\d+)\*byte$/.exec(specType);
  if (m !== null) return want(s.t === 'bytes' && s.length === Number(m[1]));
  m = /^(\d+)\*(.+)$/.exec(specType);
  if (m !== null) {
    if (s.t !== 'array' || s.count !== Number(m[1])) return want(false);
    return typeMismatch(m[2] ?? '', s.item);
  }
  if (specType === '...*byte') return want(s.t === 'restbytes');
  m = /^\.\.\.\*(.+)$/.exec(specType);
  if (m !== null) {
    if (s.t !== 'array' || s.count !== 'rest') return want(false);
    return typeMismatch(m[1] ?? '', s.item);
  }
  m = /^\w+\*byte$/.exec(specType);
  if (m !== null) return want(s.t === 'varbytes' || s.t === 'sized');
  m = /^\w+\*(.+)$/.exec(specType);
  if (m !== null) {
    if (s.t !== 'array' || s.count !== 'u16') return want(false);
    return typeMismatch(m[1] ?? '', s.item);
  }
  const sub = subtypes.get(specType);
  if (sub !== undefined) return fieldsMismatch(collapse(sub), c);
  return `unknown spec type ${specType}`;
}

/** Checks a field list against a codec: one field is the value itself, several are a struct. */
function fieldsMismatch(fields: SpecField[], c: Codec<unknown>): string | undefined {
  if (fields.length === 0) return c.shape?.t === 'flag' ? undefined : `expected a flag, got ${c.name}`;
  if (fields.length === 1) return typeMismatch(fields[0]?.type ?? '', c);
  const s = c.shape;
  if (s?.t !== 'struct') return `expected a struct of ${fields.map((f) => f.name)}, got ${c.name}`;
  const names = fields.map((f) => camel(f.name));
  if (names.join() !== Object.keys(s.fields).join()) return `fields ${Object.keys(s.fields)} vs ${names}`;
  for (const f of fields) {
    const bad = typeMismatch(f.type, s.fields[camel(f.name)] as Codec<unknown>);
    if (bad !== undefined) return `${f.name}: ${bad}`;
  }
  return undefined;
}

const ours = new Map((ALL_MESSAGES as readonly MessageDef[]).map((d) => [d.kind, d]));

test('the spec parser finds every message block of BOLT 1, 2 and 7', () => {
  assert.equal(messages.length, 49);
  assert.equal(messages.filter((m) => m.file === '01-messaging.md').length, 7);
  assert.equal(messages.filter((m) => m.file === '07-routing-gossip.md').length, 9);
  assert.ok((streams.get('channel_reestablish_tlvs') ?? []).length === 2);
});

test('every spec message is defined, and every definition is a spec message', () => {
  assert.deepEqual(
    messages.map((m) => m.name).filter((n) => !ours.has(n)),
    [],
  );
  const specNames = new Set(messages.map((m) => m.name));
  assert.deepEqual(
    [...ours.keys()].filter((k) => !specNames.has(k)),
    [],
  );
});

for (const m of messages) {
  test(`${m.name} (${m.file}): type number, field order, wire types and TLV records match`, () => {
    const def = ours.get(m.name);
    assert.ok(def !== undefined, `${m.name} is not defined`);
    assert.equal(def.type, m.type);
    const shape = def.payload.shape;
    assert.ok(shape?.t === 'message');

    const tlvField = m.fields.find((f) => f.type.endsWith('_tlvs'));
    const fields = collapse(m.fields.filter((f) => f !== tlvField));
    assert.deepEqual(
      Object.keys(shape.fields),
      fields.map((f) => camel(f.name)),
      'field names and order',
    );
    for (const f of fields) {
      const bad = typeMismatch(f.type, shape.fields[camel(f.name)] as Codec<unknown>);
      assert.equal(bad, undefined, `${m.name}.${f.name}: ${bad}`);
    }

    const streamName = tlvField?.type ?? `${m.name}_tlvs`;
    const records = streams.get(streamName) ?? [];
    if (tlvField !== undefined) assert.ok(streams.has(streamName), `stream ${streamName} not found in spec`);
    const ext = shape.extension.shape;
    assert.ok(ext?.t === 'tlv');
    assert.deepEqual(
      Object.entries(ext.records)
        .map(([k, r]) => `${r.type}:${k}`)
        .sort(),
      records.map((r) => `${r.type}:${camel(r.name)}`).sort(),
      'TLV record types and names',
    );
    for (const r of records) {
      const ours = ext.records[camel(r.name)];
      assert.ok(ours !== undefined);
      const bad = fieldsMismatch(collapse(r.fields), ours.codec);
      assert.equal(bad, undefined, `${m.name} tlv ${r.name}: ${bad}`);
    }
  });
}
