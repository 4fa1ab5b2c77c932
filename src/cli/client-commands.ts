// src/cli/client-commands.ts: the commands that talk to a running daemon over its HTTP API.
import type { Command } from 'commander';
import { addClientOptions, type CliIo } from './client-command.js';
import { registerInvoiceCommands } from './invoice-commands.js';
import { registerNodeCommands } from './node-commands.js';
import { registerPayCommands } from './pay-commands.js';
import { registerSubscribeCommand } from './subscribe-command.js';

/** Adds the client options to `program` and the daemon commands under it. */
export function registerClientCommands(program: Command, io: CliIo, setCode: (code: number) => void): void {
  addClientOptions(program);
  registerNodeCommands(program, io, setCode);
  registerPayCommands(program, io, setCode);
  registerInvoiceCommands(program, io, setCode);
  registerSubscribeCommand(program, io, setCode);
}
