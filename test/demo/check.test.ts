// test/demo/check.test.ts: the demo's pure parts: the network plan for --nodes N, the verdict on
// whether a payment arrived with its records (every way it can fall short), and the report text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Invoice, Payment } from '../../src/cli/api-types.js';
import { checkArrival } from '../../src/cli/demo-check.js';
import type { PaymentOutcome } from '../../src/cli/demo-payments.js';
import { DEMO_PAYMENTS, type DemoPayment, demoNetworkPlan } from '../../src/cli/demo-plan.js';
import { invoiceBlock, outcomeLine, summaryTable } from '../../src/cli/demo-report.js';

const ALICE = `02${'a1'.repeat(32)}`;
const BOB = `03${'b2'.repeat(32)}`;
const CAROL = `02${'c3'.repeat(32)}`;
const DAVE = `03${'d4'.repeat(32)}`;
const HASH = 'ab'.repeat(32);
const names: Record<string, string> = { [ALICE]: 'alice', [BOB]: 'bob', [CAROL]: 'carol', [DAVE]: 'dave' };
const nameOf = (id: string) => names[id] ?? id.slice(0, 8);
const hexUtf8 = (s: string) => Buffer.from(s, 'utf8').toString('hex');

const spec = (label: string): DemoPayment => {
  const s = DEMO_PAYMENTS.find((p) => p.label === label);
  assert.ok(s !== undefined, label);
  return s;
};
const chat = spec('chat message');
const boost = spec('podcast boost');
const plain = spec('plain keysend');

function payment(s: DemoPayment, over: Partial<Payment> = {}, firstHop = BOB): Payment {
  const hop = (nodeId: string) => ({
    nodeId,
    shortChannelId: '103x1x0',
    direction: 0 as const,
    amtToForwardMsat: s.amountMsat.toString(),
    outgoingCltvValue: 200,
    feeMsat: '0',
  });
  return {
    id: 1,
    kind: 'keysend',
    paymentHash: HASH,
    preimage: 'cd'.repeat(32),
    destination: CAROL,
    amountMsat: s.amountMsat.toString(),
    feeMsat: '1021',
    status: 'succeeded',
    failureReason: null,
    idempotencyKey: null,
    bolt11: null,
    records: {},
    createdAt: 0,
    updatedAt: 0,
    attempts: [
      {
        attemptNumber: 1,
        status: 'succeeded',
        route: {
          hops: [hop(firstHop), hop(CAROL)],
          amountMsat: s.amountMsat.toString(),
          totalAmountMsat: s.amountMsat.toString(),
          totalFeeMsat: '1021',
          totalCltvDelta: 120,
          cltvExpiry: 300,
          successProbability: 0.9,
        },
        failingHop: null,
        failureCode: null,
        createdAt: 0,
        updatedAt: 0,
      },
    ],
    ...over,
  } as Payment;
}

/** Carol's invoice exactly as it should look for `s`. */
function invoice(s: DemoPayment, over: Partial<Invoice> = {}): Invoice {
  const records: Record<string, string> = {};
  let app: Invoice['app'];
  if (s.message !== undefined) {
    records['34349334'] = hexUtf8(s.message);
    records['34349339'] = ALICE;
    records['34349337'] = '11'.repeat(64);
    records['34349343'] = '00'.repeat(8);
    app = { message: s.message, senderNodeId: ALICE, senderVerified: true, timestampNs: '1' };
  }
  if (s.boost !== undefined) {
    records['7629169'] = hexUtf8(JSON.stringify(s.boost));
    app = { senderVerified: false, boost: { ...s.boost } };
  }
  return {
    paymentHash: HASH,
    preimage: 'cd'.repeat(32),
    amountMsat: null,
    amountReceivedMsat: s.amountMsat.toString(),
    state: 'settled',
    keysend: true,
    bolt11: null,
    memo: '',
    createdAt: 0,
    settledAt: 1,
    expiresAt: null,
    addIndex: 1,
    settleIndex: 1,
    hold: false,
    records,
    ...(app !== undefined ? { app } : {}),
    ...over,
  } as Invoice;
}

const evidence = (s: DemoPayment, p = payment(s), inv: Invoice | undefined = invoice(s)) => ({
  payment: p,
  invoice: inv,
  senderNodeId: ALICE,
});

test('the plan: alice → bob → carol plus one side path per further node, openers funded', () => {
  const four = demoNetworkPlan(4);
  assert.deepEqual(four.nodes, ['alice', 'bob', 'carol', 'dave']);
  assert.deepEqual(
    four.channels.map((c) => `${c.from}>${c.to}`),
    ['alice>bob', 'bob>carol', 'alice>dave', 'dave>carol'],
  );
  assert.equal(four.payer, 'alice');
  // Each opener has its channels' capacity and room for fees; carol opens nothing.
  for (const [name, sat] of Object.entries(four.fundingSat)) {
    const need = four.channels.filter((c) => c.from === name).reduce((a, c) => a + c.capacitySat, 0n);
    assert.ok(sat > need, `${name} funded ${sat} for ${need}`);
  }
  assert.equal(four.fundingSat.carol, undefined);
  assert.deepEqual(demoNetworkPlan(3).channels.length, 2);
  assert.deepEqual(
    demoNetworkPlan(6)
      .channels.slice(4)
      .map((c) => `${c.from}>${c.to}`),
    ['alice>erin', 'erin>carol', 'alice>frank', 'frank>carol'],
  );
  assert.throws(() => demoNetworkPlan(2), RangeError);
  assert.throws(() => demoNetworkPlan(9), RangeError);
  assert.throws(() => demoNetworkPlan(3.5), RangeError);
});

test('a payment that arrived with all its records passes', () => {
  for (const s of [chat, boost, plain]) assert.deepEqual(checkArrival(s, evidence(s)), [], s.label);
  assert.deepEqual(
    checkArrival(plain, { ...evidence(plain, payment(plain, {}, DAVE)), firstHopNodeId: DAVE }),
    [],
  );
});

test('every way of falling short is named', () => {
  const one = (s: DemoPayment, e: Parameters<typeof checkArrival>[1], pattern: RegExp) => {
    const problems = checkArrival(s, e);
    assert.equal(problems.length, 1, `${problems.join(' | ')}`);
    assert.match(problems[0]!, pattern);
  };
  one(chat, { ...evidence(chat), payment: undefined }, /no record of the payment/);
  one(
    chat,
    evidence(chat, payment(chat, { status: 'failed', failureReason: 'no route' })),
    /failed: no route/,
  );
  assert.deepEqual(checkArrival(chat, { ...evidence(chat), invoice: undefined }), [
    'the recipient has no invoice for the payment hash',
  ]);
  one(chat, evidence(chat, payment(chat), invoice(chat, { state: 'accepted' })), /accepted, not settled/);
  one(chat, evidence(chat, payment(chat), invoice(chat, { keysend: false })), /not marked as a keysend/);
  one(chat, evidence(chat, payment(chat), invoice(chat, { amountReceivedMsat: '20999999' })), /less than/);
  // The message record must be the sent bytes, and the decoded text the sent text.
  const wrongRecord = invoice(chat);
  wrongRecord.records['34349334'] = hexUtf8('Hi Carol!');
  one(chat, evidence(chat, payment(chat), wrongRecord), /chat message record/);
  one(
    chat,
    evidence(chat, payment(chat), invoice(chat, { app: { ...invoice(chat).app!, message: 'x' } })),
    /decoded message/,
  );
  // A signed message must name the payer and verify.
  one(
    chat,
    evidence(chat, payment(chat), invoice(chat, { app: { ...invoice(chat).app!, senderNodeId: BOB } })),
    /sender node id is 03b2/,
  );
  one(
    chat,
    evidence(
      chat,
      payment(chat),
      invoice(chat, {
        app: { ...invoice(chat).app!, senderVerified: false, senderUnverifiedReason: 'bad signature' },
      }),
    ),
    /not verified: bad signature/,
  );
  // The boost: the record byte-exact and the decoded fields equal.
  const noBoost = invoice(boost);
  delete noBoost.records['7629169'];
  one(boost, evidence(boost, payment(boost), noBoost), /boost record \(7629169\) is missing/);
  const reordered = invoice(boost);
  reordered.records['7629169'] = hexUtf8(JSON.stringify({ ...boost.boost, action: 'stream' }));
  one(boost, evidence(boost, payment(boost), reordered), /differs from the JSON/);
  one(
    boost,
    evidence(
      boost,
      payment(boost),
      invoice(boost, { app: { senderVerified: false, boost: { ...boost.boost, ts: 1 } } }),
    ),
    /decoded boost fields/,
  );
  // Records nobody sent are a defect too.
  one(
    plain,
    evidence(plain, payment(plain), invoice(plain, { records: { '34349334': '00' } })),
    /never sent/,
  );
  one(
    plain,
    evidence(plain, payment(plain), invoice(plain, { records: { '7629169': '7b7d' } })),
    /never sent/,
  );
  // The side path must have been taken when asked.
  one(plain, { ...evidence(plain), firstHopNodeId: DAVE }, new RegExp(`did not leave through ${DAVE}`));
});

function outcome(s: DemoPayment, problems: string[] = [], firstHop = BOB): PaymentOutcome {
  return {
    spec: s,
    ...evidence(s, payment(s, {}, firstHop)),
    latencyMs: 87.4,
    routeNodeIds: [firstHop, CAROL],
    problems,
  };
}

test('the report: payment lines, decoded invoices and the summary table', () => {
  assert.equal(
    outcomeLine(outcome(chat), 'alice', nameOf),
    '✔ chat message: 21,000 sat via alice → bob → carol, fee 1.021 sat, 87 ms',
  );
  assert.equal(
    outcomeLine(
      { ...outcome(plain, ['the payment failed: no route']), payment: undefined, routeNodeIds: [] },
      'alice',
      nameOf,
    ),
    '✘ plain keysend: 1,000 sat did not arrive: the payment failed: no route',
  );
  const chatText = invoiceBlock(invoice(chat), nameOf);
  assert.match(chatText, /^invoice abababab…ababab {2}settled {2}21,000 sat {2}keysend \(ad hoc\)$/m);
  assert.match(chatText, /message: {2}"Hi Carol! This one is for the coffee\. — Alice"/);
  assert.match(chatText, /sender: {3}alice \(02a1a1a1…a1a1a1\), signature verified/);
  assert.match(chatText, /records: {2}34349334 \(chat message\), 34349337 \(sender signature\), 34349339/);
  const boostText = invoiceBlock(invoice(boost), nameOf);
  assert.match(
    boostText,
    /boost: {4}boost of "Keysend Radio" episode "Episode 42: payments without invoices"/,
  );
  assert.match(boostText, /50,000 sat total, from alice with ksnode demo/);
  assert.match(boostText, /"Great episode, loved the part about onions!"/);
  assert.match(invoiceBlock(invoice(plain), nameOf), /records: {2}none \(a plain keysend\)/);

  const table = summaryTable(
    [outcome(chat), outcome(boost), outcome(plain, ['x'], DAVE)],
    'alice',
    nameOf,
  ).split('\n');
  assert.equal(table.length, 5);
  assert.match(table[0]!, /^payment +amount +fee +route +time +arrived +records +sender$/);
  assert.match(
    table[2]!,
    /^chat message +21,000 sat +1\.021 sat +alice → bob → carol +87 ms +yes +4 +alice ✔$/,
  );
  assert.match(table[3]!, /^podcast boost .* yes +1 +-$/);
  assert.match(table[4]!, /alice → dave → carol .* NO +0 +-$/);
});
