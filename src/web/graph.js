// graph.js: a small picture of the channel graph around this node: us in the middle, our peers on
// the first ring, their peers on the second, a line per public channel.
import { replace, svg } from './dom.js';

const W = 360;
const H = 300;

/** Scales and centres the layout to use the picture, leaving room for labels. */
function fit(pos) {
  const xs = [...pos.values()].map((p) => p[0]);
  const ys = [...pos.values()].map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((W - 90) / (maxX - minX || 1), (H - 70) / (maxY - minY || 1), 2.5);
  for (const [id, [x, y]] of pos) {
    pos.set(id, [W / 2 + (x - (minX + maxX) / 2) * scale, H / 2 - 8 + (y - (minY + maxY) / 2) * scale]);
  }
}

export function renderGraph(el, selfId, nodes, channels, aliases) {
  // Rings by hops from us, found breadth first over the channels we were given.
  const neighbours = new Map();
  for (const c of channels) {
    if (!neighbours.has(c.node1)) neighbours.set(c.node1, []);
    if (!neighbours.has(c.node2)) neighbours.set(c.node2, []);
    neighbours.get(c.node1).push(c.node2);
    neighbours.get(c.node2).push(c.node1);
  }
  const ring = new Map([[selfId, 0]]);
  let frontier = [selfId];
  while (frontier.length > 0) {
    const next = [];
    for (const n of frontier) {
      for (const m of neighbours.get(n) ?? []) {
        if (!ring.has(m)) {
          ring.set(m, ring.get(n) + 1);
          next.push(m);
        }
      }
    }
    frontier = next;
  }
  for (const n of nodes) if (!ring.has(n.nodeId)) ring.set(n.nodeId, 3);

  const byRing = [[], [], [], []];
  for (const [id, r] of ring) byRing[Math.min(r, 3)].push(id);
  const pos = new Map([[selfId, [W / 2, H / 2]]]);
  const radius = [0, 80, 130, 145];
  for (let r = 1; r <= 3; r++) {
    const ids = byRing[r].sort().slice(0, 30);
    ids.forEach((id, i) => {
      const a = (2 * Math.PI * i) / ids.length - Math.PI / 2 + r * 0.35;
      pos.set(id, [W / 2 + radius[r] * Math.cos(a), H / 2 + radius[r] * Math.sin(a) * 0.85]);
    });
  }

  fit(pos);

  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'channel graph around this node',
  });
  for (const c of channels) {
    const a = pos.get(c.node1);
    const b = pos.get(c.node2);
    if (!a || !b) continue;
    const ours = c.node1 === selfId || c.node2 === selfId;
    root.append(svg('line', { x1: a[0], y1: a[1], x2: b[0], y2: b[1], class: ours ? 'ours' : '' }));
  }
  for (const [id, [x, y]] of pos) {
    const self = id === selfId;
    const label = (aliases.get(id) || id.slice(0, 8)).slice(0, 14);
    const g = svg('g', { 'data-node-id': id });
    g.append(svg('title', {}, `${label} ${id}`));
    g.append(svg('circle', { cx: x, cy: y, r: self ? 11 : 8, class: self ? 'self' : '' }));
    g.append(svg('text', { x, y: y + (self ? 25 : 20) }, label));
    root.append(g);
  }
  replace(el, root);
}
