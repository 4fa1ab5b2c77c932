// src/cli/follow.ts: long work with progress. Open the event stream first, start the work, then
// read the events about it until it is done; events that arrive before the work's answer are kept
// and replayed, so nothing is missed. If the stream cannot be opened the work still runs, and a
// slow poll reports the outcome instead.
import { openEventStream } from './api-client.js';
import type { ApiEvent } from './api-types.js';
import type { ClientContext } from './client-command.js';

export interface FollowSpec<T> {
  /** Event types to subscribe to, comma-separated. */
  types: string;
  /** Starts the work; its answer identifies what to follow. */
  start(): Promise<T>;
  /** Whether the answer says the work is finished already (e.g. a replayed request). */
  finishedAtStart?(started: T): boolean;
  /** Handles an event about the work; returns true when the work is finished. */
  onEvent(event: ApiEvent, started: T): boolean;
  /** Without a stream (or as a safety net), checks the outcome; returns true when finished. */
  poll(started: T): Promise<boolean>;
  pollMs?: number;
}

/** Runs `spec` and resolves with the work's answer once it is finished. */
export async function follow<T>(ctx: ClientContext, spec: FollowSpec<T>): Promise<T> {
  const pending: ApiEvent[] = [];
  let started: T | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  let isDone = false;
  const handle = (e: ApiEvent) => {
    if (isDone) return;
    if (started === undefined) pending.push(e);
    else if (spec.onEvent(e, started)) {
      isDone = true;
      finish();
    }
  };
  const stream = openEventStream(ctx.config, `?types=${spec.types}`, (m) => {
    try {
      handle(JSON.parse(m.data) as ApiEvent);
    } catch {
      // not JSON: not ours to read
    }
  });
  const streaming = await stream.ready.then(
    () => true,
    () => false,
  );
  if (!streaming) ctx.progress('(no event stream: checking progress by polling)');
  try {
    started = await spec.start();
    if (spec.finishedAtStart?.(started) === true) {
      isDone = true;
      return started;
    }
    for (const e of pending.splice(0)) handle(e);
    let timer: NodeJS.Timeout | undefined;
    const pollLoop = async () => {
      if (isDone) return;
      if (await spec.poll(started as T).catch(() => false)) {
        isDone = true;
        finish();
        return;
      }
      timer = setTimeout(pollLoop, spec.pollMs ?? (streaming ? 5000 : 1000));
    };
    timer = setTimeout(pollLoop, spec.pollMs ?? (streaming ? 5000 : 1000));
    await finished;
    clearTimeout(timer);
    return started;
  } finally {
    stream.close();
  }
}
