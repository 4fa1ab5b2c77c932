// app.js: the dashboard's controller: log in with a token, load the cards, follow the event stream
// and keep the cards current, and send keysends with live progress.
import { Api, ApiFailure, followEvents } from './api.js';
import { h, replace } from './dom.js';
import { satFromMsat, shortId } from './format.js';
import { renderGraph } from './graph.js';
import { attemptLine, feedItem, renderBalance, renderChannels, renderPayments } from './views.js';

const TOKEN_KEY = 'ksnode-token';
const $ = (id) => document.getElementById(id);

const state = {
  api: undefined,
  info: undefined,
  /** node id -> alias, from the graph and peers. */
  aliases: new Map(),
  /** payment hash -> latest payment JSON seen (from events or answers). */
  payments: new Map(),
  /** The payment the send form is following. */
  sending: undefined,
  stopEvents: undefined,
};

function showLogin(message = '') {
  $('login').hidden = false;
  $('dashboard').hidden = true;
  $('logout').hidden = true;
  $('login-error').textContent = message;
}

async function login(token) {
  const api = new Api(token);
  try {
    state.info = await api.get('/v1/info');
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    return showLogin(
      e instanceof ApiFailure && e.status === 401 ? 'That token is not valid for this node.' : e.message,
    );
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.api = api;
  // A read-only token may watch but not send: hide what it cannot do.
  const { role } = await api.get('/v1/session');
  $('send-card').hidden = role !== 'admin';
  $('role').hidden = role === 'admin';
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = false;
  $('node-alias').textContent = state.info.alias || 'ksnode';
  $('node-id').textContent = state.info.nodeId;
  document.title = `${state.info.alias} · ksnode`;
  state.stopEvents = followEvents(token, { onEvent, onState });
  await Promise.all([loadGraph(), loadBalanceAndChannels(), loadFeed(), loadPayments()]);
}

function onState(s) {
  const el = $('stream-status');
  el.textContent = s === 'live' ? 'live' : 'offline';
  el.classList.toggle('live', s === 'live');
}

// ---- loading the cards ----

async function loadBalanceAndChannels() {
  const [balance, channels] = await Promise.all([
    state.api.get('/v1/balance'),
    state.api.get('/v1/channels'),
  ]);
  for (const c of channels.channels) if (c.peerAlias) state.aliases.set(c.peerNodeId, c.peerAlias);
  renderBalance($('balance'), balance);
  renderChannels($('channels'), channels);
}

async function loadGraph() {
  const [nodes, channels] = await Promise.all([
    state.api.get('/v1/graph/nodes?depth=2&limit=60'),
    state.api.get('/v1/graph/channels?depth=2&limit=120'),
  ]);
  for (const n of nodes.nodes) if (n.alias) state.aliases.set(n.nodeId, n.alias);
  renderGraph($('graph'), state.info.nodeId, nodes.nodes, channels.channels, state.aliases);
}

async function loadFeed() {
  const page = await state.api.get('/v1/invoices?keysendOnly=true&state=settled&reversed=true&limit=30');
  replace(
    $('feed'),
    page.invoices.map((inv) => feedItem(inv, state.aliases, false)),
  );
  $('feed-empty').hidden = page.invoices.length > 0;
}

async function loadPayments() {
  const list = await state.api.get('/v1/payments?reversed=true&limit=20');
  renderPayments($('payments'), list.payments, state.aliases, (hash) =>
    state.api.get(`/v1/payments/${hash}`),
  );
}

/** Runs `fn` once after a burst of calls: events come in bursts (a payment moves several channels). */
function debounced(fn, ms = 150) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch((e) => console.warn(e)), ms);
  };
}
const refreshBalances = debounced(loadBalanceAndChannels);
const refreshPayments = debounced(loadPayments);
const refreshGraph = debounced(loadGraph, 400);

// ---- live events ----

function onEvent(type, data) {
  if (type === 'invoice_settled') {
    if (data.invoice.keysend) {
      const feed = $('feed');
      feed.prepend(feedItem(data.invoice, state.aliases, true));
      while (feed.children.length > 50) feed.lastChild.remove();
      $('feed-empty').hidden = true;
    }
    refreshBalances();
  } else if (type === 'payment_updated') {
    state.payments.set(data.payment.paymentHash, data.payment);
    if (state.sending === data.payment.paymentHash) renderProgress(data.payment);
    refreshPayments();
    if (data.payment.status !== 'in_flight') refreshBalances();
  } else if (type === 'channel_changed') {
    refreshBalances();
    refreshGraph();
  } else if (type === 'peer_changed') {
    refreshGraph();
  }
}

// ---- sending ----

function progressLine(text, cls = '') {
  $('send-progress').append(h('li', { class: cls }, text));
}

function renderProgress(p) {
  const name = p.destinationAlias ?? state.aliases.get(p.destination) ?? shortId(p.destination);
  const lines = [h('li', {}, `sending ${satFromMsat(p.amountMsat)} to ${name}`)];
  for (const a of p.attempts ?? []) lines.push(attemptLine(a, state.aliases));
  if (p.status === 'succeeded') {
    lines.push(
      h('li', { class: 'succeeded', id: 'send-result' }, `✓ delivered, fee ${satFromMsat(p.feeMsat)}`),
    );
  } else if (p.status === 'failed') {
    lines.push(
      h('li', { class: 'failed', id: 'send-result' }, `✗ failed: ${p.failureReason ?? 'unknown reason'}`),
    );
  }
  replace($('send-progress'), lines);
  if (p.status !== 'in_flight') {
    $('send-button').disabled = false;
    state.sending = undefined;
  }
}

const NODE_ID = /^(02|03)[0-9a-fA-F]{64}$/;

/** A node id as typed, or the one node whose alias matches. */
async function resolveDestination(text) {
  const t = text.trim();
  if (NODE_ID.test(t)) return t.toLowerCase();
  const found = await state.api.get(`/v1/graph/nodes?search=${encodeURIComponent(t)}&limit=20`);
  const exact = found.nodes.filter((n) => (n.alias ?? '').toLowerCase() === t.toLowerCase());
  const pick = exact.length > 0 ? exact : found.nodes;
  if (pick.length === 1) return pick[0].nodeId;
  throw new Error(
    pick.length === 0
      ? `no node called "${t}" in the graph`
      : `${pick.length} nodes match "${t}": use the node id`,
  );
}

async function onSend(event) {
  event.preventDefault();
  replace($('send-progress'));
  const button = $('send-button');
  button.disabled = true;
  try {
    const body = {
      destination: await resolveDestination($('send-to').value),
      amountSat: $('send-amount').value.trim(),
      wait: false,
    };
    if (!/^\d+$/.test(body.amountSat) || body.amountSat === '0')
      throw new Error('amount: a whole number of sat, more than 0');
    const message = $('send-message').value;
    if (message !== '') {
      body.message = message;
      body.signSender = $('send-sign').checked;
    }
    const boostText = $('send-boost').value.trim();
    if (boostText !== '') {
      try {
        body.boost = JSON.parse(boostText);
      } catch {
        throw new Error('boost: not valid JSON');
      }
      if (typeof body.boost !== 'object' || body.boost === null || Array.isArray(body.boost)) {
        throw new Error('boost: expected a JSON object');
      }
    }
    const started = await state.api.post('/v1/keysend', body);
    state.sending = started.paymentHash;
    // Events may have overtaken the answer: show the newest state we know.
    renderProgress(state.payments.get(started.paymentHash) ?? started);
  } catch (e) {
    const message =
      e instanceof ApiFailure && e.status === 403
        ? 'this token is read-only: log in with admin.token to send'
        : e.message;
    progressLine(`✗ ${message}`, 'failed');
    button.disabled = false;
  }
}

let searchTimer;
function onDestinationInput() {
  clearTimeout(searchTimer);
  const t = $('send-to').value.trim();
  if (t.length < 2 || NODE_ID.test(t)) return;
  searchTimer = setTimeout(async () => {
    const found = await state.api
      .get(`/v1/graph/nodes?search=${encodeURIComponent(t)}&limit=10`)
      .catch(() => undefined);
    if (!found) return;
    replace(
      $('send-to-list'),
      found.nodes.map((n) =>
        h('option', { value: n.alias ?? n.nodeId, label: `${n.alias ?? ''} ${shortId(n.nodeId)}` }),
      ),
    );
  }, 250);
}

// ---- start ----

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  login($('login-token').value.trim());
});
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.stopEvents?.();
  location.reload();
});
$('send-form').addEventListener('submit', onSend);
$('send-to').addEventListener('input', onDestinationInput);

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) login(saved);
else showLogin();
