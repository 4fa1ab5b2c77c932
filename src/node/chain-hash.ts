// src/node/chain-hash.ts: the BOLT chain_hash of each network we serve: the genesis block hash in
// internal byte order, as it appears in `init`'s networks, open_channel and gossip.

import type { Network } from '../chain/index.js';
import { hexToBytes } from '../crypto/index.js';

const GENESIS: Record<Network, string> = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  // The devnet shares regtest's genesis block.
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
};

/** The 32-byte chain_hash of `network`. */
export function chainHashOf(network: Network): Uint8Array {
  return hexToBytes(GENESIS[network]);
}
