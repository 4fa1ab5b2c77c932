// src/node/logger.ts: the node's structured logs (pino, JSON lines with levels). One root logger;
// each part of the node logs through a child carrying its `module`.
import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

/**
 * A pino logger at `level`, writing JSON lines to `destination` (default: stdout, written
 * synchronously: the lines before a crash or a SIGKILL are the ones an operator needs, and pino's
 * default asynchronous stdout loses them; a line costs a few microseconds more).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // BigInts are common in our log objects (amounts, ids): write them as strings.
    formatters: {
      log: (obj: Record<string, unknown>) => {
        for (const k of Object.keys(obj))
          if (typeof obj[k] === 'bigint') obj[k] = (obj[k] as bigint).toString();
        return obj;
      },
    },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
