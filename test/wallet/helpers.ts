// Test environment for wallet tests: an in-process devnet, a ChainWatcher over it, and wallets.
import { Devnet, DevnetBackend } from '../../src/chain/devnet/index.js';
import { ChainWatcher } from '../../src/chain/index.js';
import {
  KeyManager,
  type KeyValueStore,
  MemoryKeyValueStore,
  mnemonicFromEntropy,
  seedFromMnemonic,
  Wallet,
  type WalletOptions,
} from '../../src/wallet/index.js';

export function seedFor(n: number): Uint8Array {
  return seedFromMnemonic(mnemonicFromEntropy(new Uint8Array(32).fill(n)));
}

export interface Env {
  devnet: Devnet;
  watcher: ChainWatcher;
}

export function newEnv(): Env {
  const devnet = new Devnet();
  devnet.mine(101); // a mature faucet coin up front
  return { devnet, watcher: new ChainWatcher({ backend: new DevnetBackend(devnet) }) };
}

/** A wallet on its own watcher (as a separate node would have). */
export async function openWallet(
  env: Env,
  seed: Uint8Array,
  opts: { store?: KeyValueStore; watcher?: ChainWatcher } & Partial<WalletOptions> = {},
): Promise<{ wallet: Wallet; watcher: ChainWatcher; store: KeyValueStore }> {
  const watcher = opts.watcher ?? new ChainWatcher({ backend: new DevnetBackend(env.devnet) });
  const store = opts.store ?? new MemoryKeyValueStore();
  const wallet = await Wallet.open({ ...opts, keys: new KeyManager(seed, 'regtest'), chain: watcher, store });
  await watcher.sync();
  return { wallet, watcher, store };
}
