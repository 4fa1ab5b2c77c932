// views.js: the dashboard's cards, each rendered from API JSON into its element.
import { h, replace } from './dom.js';
import { nameOf, sat, satFromMsat, shortId, time } from './format.js';

export function renderBalance(el, b) {
  const figure = (label, value, id) =>
    h('div', {}, h('div', { class: 'figure', id }, value), h('div', { class: 'label' }, label));
  replace(
    el,
    figure('on chain', sat(b.onchain.totalSat), 'balance-onchain'),
    figure('in channels (can send)', satFromMsat(b.channels.localBalanceMsat), 'balance-local'),
    figure('can receive', satFromMsat(b.channels.remoteBalanceMsat), 'balance-remote'),
    figure('channels opening', sat(b.channels.pendingOpenSat), 'balance-pending'),
  );
}

/** One channel: who, state, and a bar split into our side (left) and theirs (right). */
function channelItem(c) {
  const local = Number(BigInt(c.localBalanceMsat) / 1000n);
  const remote = Number(BigInt(c.remoteBalanceMsat) / 1000n);
  const total = Math.max(1, local + remote);
  const localBar = h('div', { class: 'local', title: `ours: ${local} sat` });
  const remoteBar = h('div', { class: 'remote', title: `theirs: ${remote} sat` });
  // CSSOM writes are allowed by the page's CSP (inline style attributes are not).
  localBar.style.width = `${(100 * local) / total}%`;
  remoteBar.style.width = `${(100 * remote) / total}%`;
  const status =
    c.status === 'pending_open'
      ? `opening ${c.confirmations}/${c.requiredConfirmations}`
      : c.status.replace('_', ' ');
  return h(
    'li',
    { dataset: { channelId: c.channelId } },
    h(
      'div',
      { class: 'channel-head' },
      h('strong', {}, c.peerAlias || shortId(c.peerNodeId)),
      h('span', {}, h('span', { class: `pill ${c.status}` }, status), ' ', sat(c.capacitySat)),
    ),
    h(
      'div',
      { class: 'bar', role: 'img', 'aria-label': `local ${local} sat, remote ${remote} sat` },
      localBar,
      remoteBar,
    ),
    h(
      'div',
      { class: 'bar-legend' },
      h('span', {}, `ours ${satFromMsat(c.localBalanceMsat)}`),
      h('span', { class: 'mono' }, c.shortChannelId ?? 'unconfirmed'),
      h('span', {}, `theirs ${satFromMsat(c.remoteBalanceMsat)}`),
    ),
  );
}

export function renderChannels(el, list) {
  if (list.channels.length === 0) return replace(el, h('li', { class: 'empty' }, 'No channels yet.'));
  replace(el, list.channels.map(channelItem));
}

/** A received keysend: its message, who sent it (verified or not), the amount and any boost. */
export function feedItem(inv, aliases, isNew) {
  const app = inv.app ?? {};
  const boost = app.boost;
  const text = app.message ?? boost?.message ?? '';
  let sender;
  if (app.senderNodeId && app.senderVerified) {
    sender = h(
      'span',
      { class: 'feed-sender verified', title: app.senderNodeId },
      `✓ ${nameOf(app.senderNodeId, aliases)}`,
    );
  } else if (app.senderNodeId) {
    sender = h(
      'span',
      { class: 'feed-sender unverified', title: app.senderUnverifiedReason ?? 'not verified' },
      `? ${nameOf(app.senderNodeId, aliases)} (unverified)`,
    );
  } else {
    sender = h('span', { class: 'feed-sender unverified' }, 'anonymous');
  }
  return h(
    'li',
    { class: isNew ? 'feed-item new' : 'feed-item', dataset: { hash: inv.paymentHash } },
    h('div', { class: 'feed-message' }, text === '' ? h('span', { class: 'empty' }, '(no message)') : text),
    boost
      ? h(
          'div',
          { class: 'boost' },
          `⚡ ${boost.action ?? 'boost'}`,
          boost.sender_name ? ` from ${boost.sender_name}` : '',
          boost.app_name ? ` via ${boost.app_name}` : '',
          boost.podcast ? ` · ${boost.podcast}` : '',
        )
      : null,
    h(
      'div',
      { class: 'feed-meta' },
      h('strong', { class: 'feed-amount' }, satFromMsat(inv.amountReceivedMsat)),
      sender,
      h('span', {}, time(inv.settledAt ?? inv.createdAt)),
    ),
  );
}

function routeText(route, aliases) {
  return route.hops.map((hop) => nameOf(hop.nodeId, aliases)).join(' → ');
}

export function attemptLine(a, aliases) {
  const outcome =
    a.status === 'failed'
      ? `failed at hop ${a.failingHop ?? '?'}: ${a.failureName ?? a.failureReason ?? 'unknown'}`
      : a.status === 'succeeded'
        ? `succeeded, fee ${satFromMsat(a.route.totalFeeMsat)}`
        : 'in flight';
  return h(
    'li',
    { class: a.status },
    `attempt ${a.attemptNumber} via `,
    h('span', { class: 'route' }, routeText(a.route, aliases)),
    `: ${outcome}`,
  );
}

/** Payments, newest first; opening one loads its attempts and routes. */
export function renderPayments(el, payments, aliases, loadAttempts) {
  if (payments.length === 0) return replace(el, h('li', { class: 'empty' }, 'No payments yet.'));
  replace(
    el,
    payments.map((p) => {
      const attempts = h('ol', { class: 'attempts' });
      const details = h(
        'details',
        {},
        h(
          'summary',
          {},
          h('span', {}, `${satFromMsat(p.amountMsat)} → ${p.destinationAlias ?? shortId(p.destination)}`),
          h('span', { class: `payment-status ${p.status}` }, p.status.replace('_', ' ')),
        ),
        h(
          'div',
          { class: 'payment-meta' },
          h('span', {}, p.kind),
          h('span', {}, `fee ${satFromMsat(p.feeMsat)}`),
          p.message ? h('span', {}, `“${p.message}”`) : null,
          p.failureReason ? h('span', {}, p.failureReason) : null,
          h('span', {}, time(p.createdAt)),
        ),
        attempts,
      );
      details.addEventListener('toggle', async () => {
        if (!details.open) return;
        const full = await loadAttempts(p.paymentHash);
        replace(
          attempts,
          (full.attempts ?? []).map((a) => attemptLine(a, aliases)),
        );
      });
      return h('li', { dataset: { hash: p.paymentHash } }, details);
    }),
  );
}
