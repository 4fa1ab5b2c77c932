// PeerSession, the pure core: every BOLT 1 rule it applies, driven by bytes and a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import {
  errorMessage,
  OUR_INIT_FEATURES,
  PeerSession,
  type SessionOptions,
  type SessionStep,
  warningMessage,
} from '../../src/peer/index.js';
import {
  addressDescriptors,
  encode,
  encodeMessage,
  FEATURES,
  Features,
  type UnknownMessage,
  type WireMessage,
} from '../../src/wire/index.js';
import { REGTEST } from './helpers.js';

const OTHER_CHAIN = new Uint8Array(32).fill(7);
const ZERO_ID = new Uint8Array(32);
const CHANNEL = new Uint8Array(32).fill(0xab);
const T0 = 1_000_000;
const TIMING = { initTimeoutMs: 5_000, pingIntervalMs: 10_000, pongTimeoutMs: 4_000 };

function session(options: Partial<SessionOptions> = {}): PeerSession {
  return new PeerSession(
    { localFeatures: OUR_INIT_FEATURES, chainHash: REGTEST, timing: TIMING, ...options },
    T0,
  );
}

function bytes(m: WireMessage | UnknownMessage): Uint8Array {
  return encodeMessage(m);
}

function init(
  features: Features = OUR_INIT_FEATURES,
  tlvs: { networks?: Uint8Array[]; remoteAddr?: Uint8Array } | undefined = { networks: [REGTEST] },
): Uint8Array {
  return bytes({
    kind: 'init',
    globalfeatures: new Uint8Array(0),
    features: features.toBytes(),
    ...(tlvs === undefined ? {} : { tlvs }),
  });
}

/** A session that has exchanged init. */
function active(options: Partial<SessionOptions> = {}): PeerSession {
  const s = session(options);
  const step = s.receive(init(), T0);
  assert.equal(step.events[0]?.kind, 'ready');
  return s;
}

function kinds(step: SessionStep): string[] {
  return step.outbound.map((m) => m.kind);
}

function warningText(step: SessionStep): string | undefined {
  const w = step.outbound.find((m) => m.kind === 'warning');
  return w?.kind === 'warning' ? String.fromCharCode(...w.data) : undefined;
}

const ascii = (text: string) => new TextEncoder().encode(text);

const shutdown: WireMessage = {
  kind: 'shutdown',
  channelId: CHANNEL,
  scriptpubkey: hexToBytes(`0014${'11'.repeat(20)}`),
};

test('initMessage: our features, our chain in networks, empty globalfeatures, remote_addr when given', () => {
  const m = session().initMessage();
  assert.deepEqual(m.features, OUR_INIT_FEATURES.toBytes());
  assert.deepEqual(m.globalfeatures, new Uint8Array(0));
  assert.deepEqual(m.tlvs?.networks, [REGTEST]);
  assert.equal(m.tlvs?.remoteAddr, undefined);
  const addr = { type: 'ipv4' as const, addr: Uint8Array.of(203, 0, 113, 9), port: 9735 };
  const withAddr = session({ remoteAddr: addr }).initMessage();
  assert.deepEqual(withAddr.tlvs?.remoteAddr, encode(addressDescriptors, [addr]));
  assert.equal(bytesToHex(withAddr.tlvs?.remoteAddr ?? new Uint8Array()), '01cb0071092607');
});

test('init exchange: ready with their features, networks and remote_addr', () => {
  const s = session();
  assert.equal(s.state, 'awaiting_init');
  const theirs = OUR_INIT_FEATURES.with(101); // an unknown odd bit is ignored
  const remoteAddr = encode(addressDescriptors, [
    { type: 'ipv4', addr: Uint8Array.of(198, 51, 100, 1), port: 1 },
  ]);
  const step = s.receive(init(theirs, { networks: [OTHER_CHAIN, REGTEST], remoteAddr }), T0 + 5);
  assert.deepEqual(step.outbound, []);
  assert.equal(step.disconnect, undefined);
  const ready = step.events[0];
  assert.ok(ready?.kind === 'ready');
  assert.ok(ready.remoteFeatures.equals(theirs));
  assert.deepEqual(ready.networks, [OTHER_CHAIN, REGTEST]);
  assert.deepEqual(ready.remoteAddr, [{ type: 'ipv4', addr: Uint8Array.of(198, 51, 100, 1), port: 1 }]);
  assert.equal(s.state, 'active');
  assert.ok(s.remoteFeatures?.equals(theirs));
});

test('init: globalfeatures and features are ORed; no networks TLV is fine', () => {
  const s = session();
  const step = s.receive(
    bytes({
      kind: 'init',
      globalfeatures: Uint8Array.of(0x01),
      features: Features.fromBits([8, 12, 14]).toBytes(),
    }),
    T0,
  );
  assert.equal(step.events[0]?.kind, 'ready');
  assert.deepEqual(s.remoteFeatures?.toBits(), [0, 8, 12, 14]);
});

test('init: an unknown even feature bit closes the connection, with a warning naming it', () => {
  const step = session().receive(init(OUR_INIT_FEATURES.with(100)), T0);
  assert.equal(step.disconnect?.code, 'unknown_required_features');
  assert.match(step.disconnect?.message ?? '', /bits 100/);
  assert.deepEqual(kinds(step), ['warning']);
  assert.match(warningText(step) ?? '', /bits 100/);
  assert.deepEqual(step.events, []);
});

test('init: a required feature we only know of, but do not offer, closes too (zeroconf, anchors)', () => {
  const theirs = OUR_INIT_FEATURES.withRequired(FEATURES.optionZeroconf);
  const step = session().receive(init(theirs), T0);
  assert.equal(step.disconnect?.code, 'unknown_required_features');
  const ok = session().receive(init(OUR_INIT_FEATURES.withRequired(FEATURES.optionAnchors)), T0);
  assert.equal(ok.events[0]?.kind, 'ready', 'we offer anchors, so a peer may require it');
});

test('init: a missing feature dependency closes the connection', () => {
  // option_zeroconf (odd) without option_scid_alias.
  const theirs = Features.fromBits([0, 8, 12, 14, 51]);
  const step = session().receive(init(theirs), T0);
  assert.equal(step.disconnect?.code, 'missing_feature_dependencies');
  assert.match(step.disconnect?.message ?? '', /option_zeroconf needs option_scid_alias/);
});

test('init: networks without our chain, or empty, closes the connection', () => {
  for (const networks of [[OTHER_CHAIN], []]) {
    const step = session().receive(init(OUR_INIT_FEATURES, { networks }), T0);
    assert.equal(step.disconnect?.code, 'no_common_network');
    assert.deepEqual(kinds(step), ['warning']);
  }
});

test('the first message must be init; nothing is sent before their init', () => {
  const s = session();
  const step = s.receive(bytes({ kind: 'ping', numPongBytes: 4, ignored: new Uint8Array(0) }), T0);
  assert.equal(step.disconnect?.code, 'first_message_not_init');
  assert.deepEqual(step.outbound, []);
  assert.equal(s.state, 'closed');
  // Closed: later input is inert.
  assert.deepEqual(s.receive(init(), T0), { outbound: [], events: [], disconnect: undefined });
  assert.deepEqual(s.tick(T0 + 1e9), { outbound: [], events: [], disconnect: undefined });
});

test('init timeout', () => {
  const s = session();
  assert.equal(s.tick(T0 + 4_999).disconnect, undefined);
  assert.equal(s.tick(T0 + 5_000).disconnect?.code, 'init_timeout');
});

test('a second init closes the connection', () => {
  const step = active().receive(init(), T0 + 1);
  assert.equal(step.disconnect?.code, 'duplicate_init');
});

test('ping: pong of num_pong_bytes zeros; none for 65532 and above', () => {
  const s = active();
  for (const n of [0, 1, 1000, 65531]) {
    const step = s.receive(bytes({ kind: 'ping', numPongBytes: n, ignored: new Uint8Array(3) }), T0 + n);
    assert.equal(step.outbound.length, 1);
    const pong = step.outbound[0];
    assert.ok(pong?.kind === 'pong');
    assert.deepEqual(pong.ignored, new Uint8Array(n));
  }
  for (const n of [65532, 65535]) {
    const step = s.receive(bytes({ kind: 'ping', numPongBytes: n, ignored: new Uint8Array(0) }), T0 + 10);
    assert.deepEqual(step.outbound, []);
    assert.equal(step.disconnect, undefined);
  }
});

test('our pings: one per interval; a pong reports the round trip', () => {
  const s = active({ pingPongBytes: 8 });
  assert.deepEqual(s.tick(T0 + 9_999).outbound, []);
  const step = s.tick(T0 + 10_000);
  assert.deepEqual(step.outbound, [{ kind: 'ping', numPongBytes: 8, ignored: new Uint8Array(0) }]);
  const pong = s.receive(bytes({ kind: 'pong', ignored: new Uint8Array(8) }), T0 + 10_250);
  assert.deepEqual(pong.events, [{ kind: 'pong', rttMs: 250 }]);
  assert.deepEqual(s.tick(T0 + 19_999).outbound, []);
  assert.equal(s.tick(T0 + 20_000).outbound[0]?.kind, 'ping');
});

test('ping deadline: silence after our ping disconnects, any message keeps the peer alive', () => {
  const silent = active();
  silent.tick(T0 + 10_000); // ping
  assert.equal(silent.tick(T0 + 13_999).disconnect, undefined);
  const step = silent.tick(T0 + 14_000);
  assert.equal(step.disconnect?.code, 'ping_timeout');
  assert.deepEqual(step.outbound, [], 'a dead link gets no warning');

  const chatty = active();
  chatty.tick(T0 + 10_000);
  chatty.receive(bytes(shutdown), T0 + 12_000);
  assert.equal(chatty.tick(T0 + 16_000).disconnect, undefined, 'not silent, though it never answered');
  // The next interval re-arms the deadline with a fresh ping.
  assert.equal(chatty.tick(T0 + 20_000).outbound[0]?.kind, 'ping');
  assert.equal(chatty.tick(T0 + 24_000).disconnect?.code, 'ping_timeout');
});

test('ping deadline longer than the interval: no new ping re-arms a silent peer', () => {
  const s = active({ timing: { ...TIMING, pingIntervalMs: 1_000, pongTimeoutMs: 3_000 } });
  assert.equal(s.tick(T0 + 1_000).outbound[0]?.kind, 'ping');
  assert.deepEqual(s.tick(T0 + 2_000).outbound, [], 'still waiting on the first');
  assert.deepEqual(s.tick(T0 + 3_000).outbound, []);
  assert.equal(s.tick(T0 + 4_000).disconnect?.code, 'ping_timeout');
});

test('pong: unsolicited is ignored; a length we never asked for closes the connection', () => {
  const s = active();
  const unsolicited = s.receive(bytes({ kind: 'pong', ignored: new Uint8Array(5) }), T0 + 1);
  assert.deepEqual(unsolicited, { outbound: [], events: [], disconnect: undefined });
  s.tick(T0 + 10_000);
  const wrong = s.receive(bytes({ kind: 'pong', ignored: new Uint8Array(5) }), T0 + 10_001);
  assert.equal(wrong.disconnect?.code, 'unexpected_pong');
});

test('error: all-zero channel_id refers to all channels and ends the connection', () => {
  const s = active();
  const step = s.receive(bytes(errorMessage(ZERO_ID, 'internal error')), T0 + 1);
  assert.deepEqual(step.events, [
    {
      kind: 'error',
      channelId: ZERO_ID,
      allChannels: true,
      data: ascii('internal error'),
      text: 'internal error',
    },
  ]);
  assert.equal(step.disconnect?.code, 'remote_error');
  assert.deepEqual(step.outbound, [], 'no warning in reply to an error');
});

test('error for one channel: handed to the channel layer, connection kept; data shown safely', () => {
  const s = active();
  const raw = Uint8Array.of(0x68, 0x69, 0x0a, 0xff);
  const step = s.receive(bytes({ kind: 'error', channelId: CHANNEL, data: raw }), T0 + 1);
  assert.deepEqual(step.events, [
    { kind: 'error', channelId: CHANNEL, allChannels: false, data: raw, text: 'hex:68690aff' },
  ]);
  assert.equal(step.disconnect, undefined);
  assert.equal(s.state, 'active');
});

test('warning: reported, nothing else', () => {
  const s = active();
  const step = s.receive(bytes(warningMessage(ZERO_ID, 'fee too low')), T0 + 1);
  assert.deepEqual(step.events, [
    { kind: 'warning', channelId: ZERO_ID, data: ascii('fee too low'), text: 'fee too low' },
  ]);
  assert.equal(step.disconnect, undefined);
});

test('unknown message types: odd ignored, even closes the connection', () => {
  const s = active();
  const odd = s.receive(bytes({ kind: 'unknown', type: 32769, payload: Uint8Array.of(1, 2) }), T0 + 1);
  assert.deepEqual(odd, { outbound: [], events: [{ kind: 'ignored', type: 32769 }], disconnect: undefined });
  const even = s.receive(bytes({ kind: 'unknown', type: 32768, payload: new Uint8Array(0) }), T0 + 2);
  assert.equal(even.disconnect?.code, 'unknown_even_message');
  assert.deepEqual(kinds(even), ['warning']);
});

test('malformed messages close the connection', () => {
  const ping = bytes({ kind: 'ping', numPongBytes: 1, ignored: new Uint8Array(10) });
  const cases: [string, Uint8Array][] = [
    ['one byte', Uint8Array.of(0x00)],
    ['truncated ping', ping.slice(0, ping.length - 1)],
    ['init with an unknown even TLV', Uint8Array.of(...init(OUR_INIT_FEATURES, undefined), 0x02, 0x00)],
  ];
  for (const [name, b] of cases) {
    const step = active().receive(b, T0 + 1);
    assert.equal(step.disconnect?.code, 'malformed_message', name);
  }
  assert.equal(session().receive(Uint8Array.of(0x00, 0x10, 0x00), T0).disconnect?.code, 'malformed_message');
});

test('channel and routing messages go to the node, with their group', () => {
  const s = active();
  const channel = s.receive(bytes(shutdown), T0 + 1);
  assert.deepEqual(channel.events, [{ kind: 'message', message: shutdown, group: 'channel' }]);
  const filter: WireMessage = {
    kind: 'gossip_timestamp_filter',
    chainHash: REGTEST,
    firstTimestamp: 0,
    timestampRange: 0xffffffff,
  };
  const routing = s.receive(bytes(filter), T0 + 2);
  assert.deepEqual(routing.events, [{ kind: 'message', message: filter, group: 'routing' }]);
});

test('message rate: a warning once the bucket is empty, a disconnect past the grace', () => {
  const s = active({ messageRate: { burst: 5, perSecond: 1, grace: 3 } });
  // init took one token: 4 left.
  const verdicts = Array.from({ length: 8 }, (_, i) => s.receive(bytes(shutdown), T0 + i));
  // Tokens refill by 1/s, so at T0+i the ith message still finds (4 - i + i/1000) tokens.
  assert.deepEqual(verdicts.slice(0, 4).map(kinds), [[], [], [], []]);
  assert.deepEqual(kinds(verdicts[4]!), ['warning']);
  assert.ok(verdicts[4]!.events.some((e) => e.kind === 'rate_warning'));
  assert.match(warningText(verdicts[4]!) ?? '', /too many messages/);
  assert.deepEqual(
    verdicts.slice(5, 7).map((v) => v.disconnect),
    [undefined, undefined],
  );
  assert.equal(verdicts[7]?.disconnect?.code, 'rate_limited');
});

test('message rate: routing messages are cheaper; the bucket refills with time', () => {
  const s = active({ messageRate: { burst: 3, perSecond: 1, grace: 0 }, routingCost: 0.25 });
  const filter = bytes({
    kind: 'gossip_timestamp_filter',
    chainHash: REGTEST,
    firstTimestamp: 0,
    timestampRange: 1,
  });
  for (let i = 0; i < 8; i++) assert.equal(s.receive(filter, T0).disconnect, undefined, `gossip ${i}`);
  assert.equal(s.receive(bytes(shutdown), T0 + 10_000).disconnect, undefined, 'refilled');
});

test('ping flood: warned, then disconnected', () => {
  const s = active({ pingRate: { burst: 2, perSecond: 0, grace: 1 } });
  const ping = bytes({ kind: 'ping', numPongBytes: 0, ignored: new Uint8Array(0) });
  assert.deepEqual(kinds(s.receive(ping, T0)), ['pong']);
  assert.deepEqual(kinds(s.receive(ping, T0)), ['pong']);
  assert.deepEqual(kinds(s.receive(ping, T0)), ['warning', 'pong']);
  assert.equal(s.receive(ping, T0).disconnect?.code, 'ping_flood');
});

test('options are checked', () => {
  assert.throws(() => session({ chainHash: new Uint8Array(31) }), RangeError);
  assert.throws(() => session({ pingPongBytes: 65532 }), RangeError);
  assert.throws(() => session({ timing: { pingIntervalMs: -1 } }), RangeError);
  assert.throws(() => session({ messageRate: { burst: Number.NaN, perSecond: 1, grace: 1 } }), RangeError);
});

test('property: any bytes after init give a well-formed step and never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), { maxLength: 20 }), (messages) => {
      const s = active();
      let closed = false;
      messages.forEach((m, i) => {
        const step = s.receive(m, T0 + i);
        if (closed) assert.deepEqual(step, { outbound: [], events: [], disconnect: undefined });
        if (step.disconnect !== undefined) closed = true;
        // An unknown even type or an undecodable message always ends the session.
        const type = m.length >= 2 ? (m[0]! << 8) | m[1]! : -1;
        if (!closed && type >= 0)
          assert.ok(!(type % 2 === 0 && type >= 32768), `even custom type ${type} kept`);
      });
      assert.equal(s.state === 'closed', closed);
    }),
    { numRuns: 300 },
  );
});

test('property: the step for any message round-trips through the encoder (outbound is encodable)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 65535 }),
      fc.uint8Array({ maxLength: 40 }),
      (numPongBytes, ignored) => {
        const step = active().receive(bytes({ kind: 'ping', numPongBytes, ignored }), T0 + 1);
        for (const m of step.outbound) assert.ok(encodeMessage(m).length <= 65535);
        assert.equal(step.outbound.length, numPongBytes < 65532 ? 1 : 0);
      },
    ),
    { numRuns: 100 },
  );
});
