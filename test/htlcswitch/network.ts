// test/htlcswitch/network.ts: the line A -> B -> C most switch tests start from (channels AB and
// BC), built by one function so that each test file says only how its network differs.
import { afterEach, beforeEach } from 'node:test';
import type { HtlcSwitchConfig } from '../../src/htlcswitch/index.js';
import { Net, type TestNode } from './harness.js';
import { AB, BC } from './route.js';

/** The three nodes of a line, and the wires between them. */
export interface Line {
  net: Net;
  a: TestNode;
  b: TestNode;
  c: TestNode;
}

export interface LineOptions {
  /** The nodes' names (their keys derive from them); A, B and C unless given. */
  names?: readonly [string, string, string];
  /** Switch settings every node of the line gets. */
  config?: Partial<HtlcSwitchConfig>;
  /** The label of the B-C channel (its channel id derives from it). */
  bcLabel?: string;
  /** Runs before any node boots: more nodes, channels, aliases or balances (every node boots). */
  setup?: (line: Line) => void;
}

/** Builds the line A -> B -> C over AB and BC, and boots every node of its network. */
export async function buildLine(options: LineOptions = {}): Promise<Line> {
  const [na, nb, nc] = options.names ?? ['A', 'B', 'C'];
  const net = await Net.create();
  const config = options.config ?? {};
  const line = { net, a: net.node(na, config), b: net.node(nb, config), c: net.node(nc, config) };
  net.connect(line.a, line.b, AB);
  net.connect(line.b, line.c, BC, options.bcLabel);
  try {
    options.setup?.(line);
    for (const n of net.nodes) await n.boot();
  } catch (e) {
    await net.close();
    throw e;
  }
  return line;
}

/** Gives each test of the enclosing suite a fresh line (through `use`), closed after the test. */
export function eachLine(use: (line: Line) => void, options: LineOptions = {}): void {
  let net: Net | undefined;
  beforeEach(async () => {
    const line = await buildLine(options);
    net = line.net;
    use(line);
  });
  afterEach(async () => {
    await net?.close();
  });
}

/** Runs `body` over a fresh line, closing it afterwards whatever happens. */
export async function withLine(options: LineOptions, body: (line: Line) => Promise<void>): Promise<void> {
  const line = await buildLine(options);
  try {
    await body(line);
  } finally {
    await line.net.close();
  }
}
