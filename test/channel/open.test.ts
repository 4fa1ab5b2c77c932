// Channel establishment v1: both directions, both commitment formats, and every open_channel /
// accept_channel / funding_* check that must fail the opening.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChannelFormat,
  channelTypeFor,
  createInboundChannel,
  createOutboundChannel,
  DEFAULT_POLICY,
  negotiatedFeatures,
  policyWith,
} from '../../src/channel/index.js';
import { FEATURES, Features, type OpenChannel } from '../../src/wire/index.js';
import { ALL_FEATURES, CHAIN_HASH, Harness, nodeConfig } from './harness.js';

for (const format of ['static_remotekey', 'anchors'] as ChannelFormat[]) {
  for (const [funder, fundee] of [
    ['A', 'B'],
    ['B', 'A'],
  ] as const) {
    test(`open ${format}: ${funder} funds a channel to ${fundee}`, () => {
      const cfg = { A: nodeConfig('A', 1), B: nodeConfig('B', 2) };
      const h = new Harness(cfg[funder], cfg[fundee]);
      h.open({ format, fundingSat: 500_000n, pushMsat: 12_345_678n });
      const f = h.a.s;
      const g = h.b.s;
      assert.equal(f.format, format);
      assert.equal(g.format, format);
      assert.ok(f.isFunder && !g.isFunder);
      assert.deepEqual(f.channelId, g.channelId);
      assert.deepEqual(f.channelType, channelTypeFor(format, false));
      // The first commitments: funder has funding minus push, fundee the push.
      assert.equal(f.localCommit!.spec.toLocalMsat, 500_000_000n - 12_345_678n);
      assert.equal(g.localCommit!.spec.toLocalMsat, 12_345_678n);
      assert.equal(f.localCommit!.index, 0);
      // channel_ready carried aliases and the point for commitment 1.
      assert.equal(f.remoteAlias, cfg[fundee].alias);
      assert.equal(g.remoteAlias, cfg[funder].alias);
      const ready = h.a.events.find((e) => e.kind === 'channelReady');
      assert.ok(ready && ready.kind === 'channelReady');
      assert.equal(ready.remoteAlias, cfg[fundee].alias);
      assert.ok(h.b.events.some((e) => e.kind === 'channelReady'));
      // Funder broadcast only after funding_signed, and both watch the output.
      const kinds = h.a.actions.map((x) => x.kind);
      assert.deepEqual(kinds, ['requestFundingTx', 'broadcastFunding', 'watchFunding']);
      assert.deepEqual(
        h.b.actions.map((x) => x.kind),
        ['watchFunding'],
      );
      // Every message always carried channel_type and the upfront shutdown script TLV.
      const open = h.a.sent.find((m) => m.kind === 'open_channel');
      const accept = h.b.sent.find((m) => m.kind === 'accept_channel');
      assert.ok(open?.kind === 'open_channel' && accept?.kind === 'accept_channel');
      assert.deepEqual(open.tlvs?.channelType, channelTypeFor(format, false));
      assert.deepEqual(accept.tlvs?.channelType, channelTypeFor(format, false));
      assert.deepEqual(open.tlvs?.upfrontShutdownScript, cfg[funder].closeScript);
      assert.equal(accept.minimumDepth, DEFAULT_POLICY.minimumDepth);
      assert.deepEqual(h.a.failures, []);
      assert.deepEqual(h.b.failures, []);
    });
  }
}

test('channel_ready: nothing before minimum_depth, an early peer channel_ready is kept', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  const c = h.a.config;
  h.record(
    h.a,
    createOutboundChannel({
      temporaryChannelId: new Uint8Array(32).fill(1),
      channelSeed: c.seed,
      chainHash: CHAIN_HASH,
      fundingSat: 100_000n,
      feeratePerKw: 253,
      format: 'static_remotekey',
      announce: false,
      features: ALL_FEATURES,
      localAlias: c.alias,
      closeScript: c.closeScript,
    }),
  );
  h.deliver(h.b);
  h.deliver(h.a);
  h.apply(h.a, { kind: 'fundingTxReady', txid: new Uint8Array(32).fill(3), outputIndex: 0 });
  h.deliver(h.b);
  h.deliver(h.a);
  assert.equal(h.a.s.phase, 'awaitingChannelReady');
  const before = h.apply(h.a, { kind: 'fundingConfirmed', depth: 2, shortChannelId: 1n });
  assert.deepEqual(before.outbound, [], 'depth 2 is below minimum_depth 3');
  h.apply(h.b, { kind: 'fundingConfirmed', depth: 3, shortChannelId: 1n });
  h.deliver(h.a); // B's channel_ready arrives first
  assert.equal(h.a.s.phase, 'awaitingChannelReady');
  assert.equal(h.a.s.channelReadyReceived, true);
  const r = h.apply(h.a, { kind: 'fundingConfirmed', depth: 3, shortChannelId: 1n });
  assert.equal(r.outbound[0]?.kind, 'channel_ready');
  assert.equal(h.a.s.phase, 'normal');
  h.deliver(h.b);
  assert.equal(h.b.s.phase, 'normal');
  // A redundant channel_ready is ignored.
  const again = h.apply(h.b, r.outbound[0] as never);
  assert.equal(again.failure, undefined);
  assert.equal(h.b.s.phase, 'normal');
});

function validOpen(): OpenChannel {
  const c = nodeConfig('A', 1);
  const r = createOutboundChannel({
    temporaryChannelId: new Uint8Array(32).fill(5),
    channelSeed: c.seed,
    chainHash: CHAIN_HASH,
    fundingSat: 200_000n,
    pushMsat: 1_000n,
    feeratePerKw: 500,
    format: 'static_remotekey',
    announce: false,
    features: ALL_FEATURES,
    localAlias: 1n,
    closeScript: c.closeScript,
  });
  return r.outbound[0] as OpenChannel;
}

function inbound(open: OpenChannel, policy = DEFAULT_POLICY) {
  const b = nodeConfig('B', 2);
  return createInboundChannel(open, {
    channelSeed: b.seed,
    chainHash: CHAIN_HASH,
    features: ALL_FEATURES,
    localAlias: 2n,
    closeScript: b.closeScript,
    policy,
  });
}

test('open_channel: a valid one is accepted with our policy parameters', () => {
  const r = inbound(validOpen());
  assert.equal(r.failure, undefined);
  assert.equal(r.state.phase, 'awaitingFundingCreated');
  const accept = r.outbound[0];
  assert.ok(accept?.kind === 'accept_channel');
  assert.equal(accept.dustLimitSatoshis, DEFAULT_POLICY.dustLimitSat);
  assert.equal(accept.channelReserveSatoshis, 2_000n, '1% of 200,000 sat');
  assert.equal(accept.toSelfDelay, 144);
  assert.equal(accept.maxAcceptedHtlcs, 30);
});

const badOpens: [string, (o: OpenChannel) => OpenChannel, RegExp][] = [
  ['no channel_type', (o) => ({ ...o, tlvs: { upfrontShutdownScript: new Uint8Array(0) } }), /channel_type/],
  [
    'channel_type without static_remotekey',
    (o) => ({ ...o, tlvs: { ...o.tlvs, channelType: Features.fromBits([22]).toBytes() } }),
    /static_remotekey/,
  ],
  [
    'channel_type with option_zeroconf',
    (o) => ({ ...o, tlvs: { ...o.tlvs, channelType: Features.fromBits([12, 46, 50]).toBytes() } }),
    /unsupported/,
  ],
  [
    'scid_alias on an announced channel',
    (o) => ({
      ...o,
      channelFlags: 1,
      tlvs: { ...o.tlvs, channelType: Features.fromBits([12, 46]).toBytes() },
    }),
    /announced/,
  ],
  ['unknown chain', (o) => ({ ...o, chainHash: new Uint8Array(32) }), /chain/],
  ['push above funding', (o) => ({ ...o, pushMsat: o.fundingSatoshis * 1000n + 1n }), /push_msat/],
  [
    'funding below our minimum',
    (o) => ({ ...o, fundingSatoshis: 19_999n, pushMsat: 0n }),
    /funding_satoshis/,
  ],
  ['funding 2^24 without large channels', (o) => ({ ...o, fundingSatoshis: 1n << 24n }), /2\^24/],
  ['feerate below 253', (o) => ({ ...o, feeratePerKw: 252 }), /feerate_per_kw/],
  ['feerate unreasonably large', (o) => ({ ...o, feeratePerKw: 10_000_000 }), /feerate_per_kw/],
  ['to_self_delay above 2016', (o) => ({ ...o, toSelfDelay: 2017 }), /to_self_delay/],
  ['max_accepted_htlcs above 483', (o) => ({ ...o, maxAcceptedHtlcs: 484 }), /483/],
  ['max_accepted_htlcs too small', (o) => ({ ...o, maxAcceptedHtlcs: 1 }), /max_accepted_htlcs/],
  ['dust limit below 354', (o) => ({ ...o, dustLimitSatoshis: 353n }), /354/],
  ['dust limit above 546', (o) => ({ ...o, dustLimitSatoshis: 547n }), /dust_limit/],
  [
    'dust limit above reserve',
    (o) => ({ ...o, dustLimitSatoshis: 546n, channelReserveSatoshis: 545n }),
    /dust_limit|reserve/,
  ],
  ['reserve too large', (o) => ({ ...o, channelReserveSatoshis: 100_000n }), /channel_reserve/],
  ['htlc_minimum too large', (o) => ({ ...o, htlcMinimumMsat: 10_000_000n }), /htlc_minimum/],
  [
    'in-flight cap too small',
    (o) => ({ ...o, maxHtlcValueInFlightMsat: 1_000n }),
    /max_htlc_value_in_flight/,
  ],
  [
    'funder cannot pay the first fee',
    (o) => ({ ...o, pushMsat: o.fundingSatoshis * 1000n - 100_000n }),
    /fee/,
  ],
  [
    'invalid upfront shutdown script',
    (o) => ({ ...o, tlvs: { ...o.tlvs, upfrontShutdownScript: Uint8Array.of(0x6a, 1, 2) } }),
    /upfront_shutdown_script/,
  ],
];

for (const [name, mutate, reason] of badOpens) {
  test(`open_channel refused: ${name}`, () => {
    const r = inbound(mutate(validOpen()));
    assert.ok(r.failure, 'must fail');
    assert.equal(r.failure.kind, 'error');
    assert.equal(r.failure.forceClose, false);
    assert.match(r.failure.message, reason);
    assert.equal(r.state.phase, 'aborted');
    assert.equal(r.outbound[0]?.kind, 'error');
    assert.deepEqual(r.actions, []);
  });
}

test('anchors are refused when our policy does not accept them', () => {
  const o = validOpen();
  const anchors = { ...o, tlvs: { ...o.tlvs, channelType: channelTypeFor('anchors', false) } };
  assert.equal(inbound(anchors).failure, undefined);
  const r = inbound(anchors, policyWith({ acceptAnchors: false }));
  assert.match(r.failure?.message ?? '', /anchors/);
});

test('accept_channel refused: channel_type mismatch, missing, minimum_depth too large, reserve below dust', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['mismatch', { tlvs: { channelType: channelTypeFor('anchors', false) } }, /differs/],
    ['missing', { tlvs: {} }, /channel_type/],
    ['depth', { minimumDepth: 145 }, /minimum_depth/],
    ['reserve', { channelReserveSatoshis: 400n }, /reserve/],
  ];
  for (const [name, patch, reason] of cases) {
    const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
    const c = h.a.config;
    h.record(
      h.a,
      createOutboundChannel({
        temporaryChannelId: new Uint8Array(32).fill(1),
        channelSeed: c.seed,
        chainHash: CHAIN_HASH,
        fundingSat: 100_000n,
        feeratePerKw: 253,
        format: 'static_remotekey',
        announce: false,
        features: ALL_FEATURES,
        localAlias: c.alias,
        closeScript: c.closeScript,
      }),
    );
    h.deliver(h.b);
    const accept = h.b.sent.find((m) => m.kind === 'accept_channel')!;
    h.a.inbox = [];
    const r = h.apply(h.a, { ...accept, ...patch } as never);
    assert.match(r.failure?.message ?? '', reason, name);
    assert.equal(h.a.s.phase, 'aborted', name);
    assert.ok(!h.a.actions.some((x) => x.kind === 'requestFundingTx'), name);
  }
});

test('funding_signed with a bad signature: no broadcast, funding abandoned', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  const c = h.a.config;
  h.record(
    h.a,
    createOutboundChannel({
      temporaryChannelId: new Uint8Array(32).fill(1),
      channelSeed: c.seed,
      chainHash: CHAIN_HASH,
      fundingSat: 100_000n,
      feeratePerKw: 253,
      format: 'anchors',
      announce: false,
      features: ALL_FEATURES,
      localAlias: c.alias,
      closeScript: c.closeScript,
    }),
  );
  h.deliver(h.b);
  h.deliver(h.a);
  h.apply(h.a, { kind: 'fundingTxReady', txid: new Uint8Array(32).fill(3), outputIndex: 0 });
  h.deliver(h.b);
  const signed = h.b.sent.find((m) => m.kind === 'funding_signed')!;
  assert.ok(signed.kind === 'funding_signed');
  const bad = { ...signed, signature: Uint8Array.from(signed.signature).fill(7, 0, 8) };
  h.a.inbox = [];
  const r = h.apply(h.a, bad);
  assert.equal(r.failure?.kind, 'error');
  assert.equal(h.a.s.phase, 'aborted');
  assert.ok(!h.a.actions.some((x) => x.kind === 'broadcastFunding'));
  assert.ok(h.a.actions.some((x) => x.kind === 'abandonFunding'));
});

test('funding_created with a bad signature: the fundee refuses and signs nothing', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  const c = h.a.config;
  h.record(
    h.a,
    createOutboundChannel({
      temporaryChannelId: new Uint8Array(32).fill(1),
      channelSeed: c.seed,
      chainHash: CHAIN_HASH,
      fundingSat: 100_000n,
      feeratePerKw: 253,
      format: 'static_remotekey',
      announce: false,
      features: ALL_FEATURES,
      localAlias: c.alias,
      closeScript: c.closeScript,
    }),
  );
  h.deliver(h.b);
  h.deliver(h.a);
  h.apply(h.a, { kind: 'fundingTxReady', txid: new Uint8Array(32).fill(3), outputIndex: 0 });
  const created = h.a.sent.find((m) => m.kind === 'funding_created')!;
  assert.ok(created.kind === 'funding_created');
  h.b.inbox = [];
  // Signed for another outpoint: invalid for the commitment the fundee builds.
  const r = h.apply(h.b, { ...created, fundingOutputIndex: 1 });
  assert.equal(r.failure?.kind, 'error');
  assert.equal(h.b.s.phase, 'aborted');
  assert.ok(!r.outbound.some((m) => m.kind === 'funding_signed'));
});

test('disconnecting before funding_signed forgets the channel', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  const c = h.a.config;
  h.record(
    h.a,
    createOutboundChannel({
      temporaryChannelId: new Uint8Array(32).fill(1),
      channelSeed: c.seed,
      chainHash: CHAIN_HASH,
      fundingSat: 100_000n,
      feeratePerKw: 253,
      format: 'static_remotekey',
      announce: false,
      features: ALL_FEATURES,
      localAlias: c.alias,
      closeScript: c.closeScript,
    }),
  );
  h.deliver(h.b);
  h.deliver(h.a);
  h.apply(h.a, { kind: 'fundingTxReady', txid: new Uint8Array(32).fill(3), outputIndex: 0 });
  h.disconnect();
  assert.equal(h.a.s.phase, 'aborted');
  assert.equal(h.b.s.phase, 'aborted');
  assert.ok(h.a.actions.some((x) => x.kind === 'abandonFunding'));
});

test('createOutboundChannel refuses what a sender must not send', () => {
  const c = nodeConfig('A', 1);
  const base = {
    temporaryChannelId: new Uint8Array(32),
    channelSeed: c.seed,
    chainHash: CHAIN_HASH,
    fundingSat: 100_000n,
    feeratePerKw: 253,
    format: 'static_remotekey' as const,
    announce: false,
    features: ALL_FEATURES,
    localAlias: 1n,
    closeScript: c.closeScript,
  };
  assert.equal(createOutboundChannel(base).rejected, undefined);
  assert.equal(createOutboundChannel({ ...base, fundingSat: 1n << 24n }).rejected?.code, 'invalid');
  assert.equal(createOutboundChannel({ ...base, pushMsat: 100_000_001n }).rejected?.code, 'invalid');
  assert.equal(
    createOutboundChannel({ ...base, format: 'anchors', features: { ...ALL_FEATURES, anchors: false } })
      .rejected?.code,
    'invalid',
  );
  assert.equal(
    createOutboundChannel({ ...base, pushMsat: 99_500_000n }).rejected?.code,
    'insufficient_funds',
  );
  assert.equal(
    createOutboundChannel({ ...base, closeScript: Uint8Array.of(0x51) }).rejected?.code,
    'invalid',
  );
});

test('negotiatedFeatures: both sides must offer a feature', () => {
  const ours = Features.of(
    [FEATURES.optionUpfrontShutdownScript, 'optional'],
    [FEATURES.optionAnchors, 'optional'],
    [FEATURES.optionShutdownAnysegwit, 'optional'],
  );
  const theirs = Features.of(
    [FEATURES.optionUpfrontShutdownScript, 'required'],
    [FEATURES.optionAnchors, 'optional'],
  );
  const n = negotiatedFeatures(ours, theirs);
  assert.equal(n.upfrontShutdownScript, true);
  assert.equal(n.anchors, true);
  assert.equal(n.shutdownAnySegwit, false);
  assert.equal(n.simpleClose, false);
});
