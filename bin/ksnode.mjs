#!/usr/bin/env node
// The `ksnode` command. ksnode ships TypeScript sources and runs them through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
