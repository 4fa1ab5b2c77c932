import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { API_ROUTES, type ApiServer, openApiPath, startApiServer } from '../../src/api/index.js';
import { FakeNetwork } from './fake-network.js';
import { call } from './helpers.js';

let server: ApiServer;
let dir: string;
// biome-ignore lint/suspicious/noExplicitAny: the document is arbitrary JSON
let doc: any;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ksnode-openapi-'));
  server = await startApiServer({ facade: new FakeNetwork().addNode('olive'), dataDir: dir, port: 0 });
  const r = await call(server, 'GET', '/v1/openapi.json', { token: null });
  assert.equal(r.status, 200);
  doc = r.json;
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const DOC_METHODS = ['get', 'post', 'delete', 'put', 'patch'];

test('beforeReply runs before an answer leaves (the node flushes its store there)', async () => {
  const d = mkdtempSync(join(tmpdir(), 'ksnode-api-flush-'));
  let flushes = 0;
  const s = await startApiServer({
    facade: new FakeNetwork().addNode('pat'),
    dataDir: d,
    port: 0,
    webDir: false,
    beforeReply: () => void flushes++,
  });
  try {
    const r = await call(s, 'GET', '/v1/info');
    assert.equal(r.status, 200);
    assert.equal(flushes, 1);
    const missing = await call(s, 'GET', '/v1/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(flushes, 2, 'errors too');
  } finally {
    await s.close();
    rmSync(d, { recursive: true, force: true });
  }
});

test('the document is OpenAPI 3.1, served without a token, and equals the one the server built', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.title, 'ksnode API');
  assert.deepEqual(doc, JSON.parse(JSON.stringify(server.openapi)));
});

test('every route the server registered is documented (static dashboard files aside)', () => {
  const api = server.routes.filter((r) => r.url.startsWith('/v1/'));
  assert.ok(api.length >= API_ROUTES.length + 2, 'routes, events and the document itself');
  for (const r of api) {
    const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
    assert.ok(op !== undefined, `${r.method} ${r.url} is not in the document`);
  }
  const nonApi = server.routes.filter((r) => !r.url.startsWith('/v1/'));
  assert.ok(
    nonApi.every((r) => r.method === 'GET' && !r.url.includes(':')),
    'only static GETs live outside /v1',
  );
  assert.ok(
    nonApi.some((r) => r.url === '/'),
    'the dashboard is served at /',
  );
});

test('every documented operation exists, and needs a token unless it says so', async () => {
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const [method, opRaw] of Object.entries(item)) {
      assert.ok(DOC_METHODS.includes(method), `${method} ${path}`);
      // biome-ignore lint/suspicious/noExplicitAny: document node
      const op = opRaw as any;
      assert.ok(!ids.has(op.operationId), `duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      assert.ok(op.summary.length > 5, `${op.operationId} has a summary`);
      assert.ok(op.responses['200'], `${op.operationId} documents its success`);
      const url = path.replace(/\{[^}]+\}/g, '00');
      const r = await call(server, method.toUpperCase(), url, {
        token: null,
        body: method === 'get' ? undefined : {},
      });
      if (op.security?.length === 0) {
        assert.equal(r.status, 200, `${method} ${path} is public`);
      } else {
        assert.equal(r.status, 401, `${method} ${path}: ${JSON.stringify(r.json)}`);
        assert.ok(op.responses['401'], `${op.operationId} documents 401`);
        assert.match(op['x-ksnode-access'], /^(read|admin)$/);
      }
    }
  }
  assert.equal(ids.size, API_ROUTES.length + 2);
});

test('read-only operations are exactly the GETs', () => {
  for (const r of API_ROUTES) assert.equal(r.access === 'read', r.method === 'GET', `${r.method} ${r.path}`);
});

test('every $ref resolves, and request/response schemas are named components', () => {
  const refs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') refs.push(x);
        else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(refs.length > 20);
  for (const ref of refs) {
    assert.match(ref, /^#\/components\/schemas\//);
    assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
  }
  for (const name of [
    'Payment',
    'Invoice',
    'Channel',
    'Event',
    'Error',
    'KeysendRequest',
    'Route',
    'Attempt',
  ]) {
    assert.ok(doc.components.schemas[name], name);
  }
});

test('the open-channel request documents channelType as an optional enum of the two formats', () => {
  const req = doc.components.schemas.OpenChannelRequest;
  assert.deepEqual(req.required, ['nodeId', 'amountSat']);
  assert.deepEqual(req.properties.channelType.enum, ['static_remotekey', 'anchors']);
  assert.match(req.properties.channelType.description, /anchors/);
});

test('the keysend request documents every option of the keysend issue', () => {
  const props = Object.keys(doc.components.schemas.KeysendRequest.properties);
  for (const p of [
    'destination',
    'amountMsat',
    'amountSat',
    'message',
    'signSender',
    'records',
    'boost',
    'maxFeeMsat',
    'maxFeePpm',
    'timeoutSeconds',
    'maxCltv',
    'routeHints',
    'outgoingChannel',
    'idempotencyKey',
    'allowWithoutFeature',
    'wait',
  ]) {
    assert.ok(props.includes(p), p);
  }
  assert.deepEqual(doc.components.schemas.KeysendRequest.required, ['destination']);
  const events = doc.paths['/v1/events'].get;
  assert.ok(events.responses['200'].content['text/event-stream']);
  const types = doc.components.schemas.Event.oneOf ?? doc.components.schemas.Event.anyOf;
  assert.equal(types.length, 6);
});
