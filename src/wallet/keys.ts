// src/wallet/keys.ts: every key the node holds, derived from the one BIP 39 seed (BIP 32).
//
//   m/84'/coin'/0'/0/i          BIP 84 receive addresses (P2WPKH)
//   m/84'/coin'/0'/1/i          BIP 84 change addresses
//   m/1017'/coin'/6'/0/0        the node identity key (lnd's key family 6, "node key")
//   m/1017'/coin'/1000'/i'      channel seed i: 32 bytes the BOLT 3 module turns into basepoints
// coin is 0 on mainnet and 1 on testnet, signet, regtest and the devnet (SLIP 44).
// The channel seeds are hardened all the way, so a leaked channel key exposes no sibling.
import { HDKey } from '@scure/bip32';
import { type Network, p2wpkhScript } from '../chain/index.js';
import { publicKeyCreate } from '../crypto/index.js';

export type AddressBranch = 0 | 1; // 0 receive, 1 change

export interface WalletKey {
  branch: AddressBranch;
  index: number;
  path: string;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** The P2WPKH output script. */
  script: Uint8Array;
}

const HARDENED = 0x80000000;

export class KeyManager {
  readonly coinType: number;
  private readonly root: HDKey;
  private readonly branches: [HDKey, HDKey];
  private readonly cache = new Map<string, WalletKey>();

  /** `seed` is the 64-byte BIP 39 seed. */
  constructor(
    seed: Uint8Array,
    readonly network: Network,
  ) {
    this.coinType = network === 'bitcoin' ? 0 : 1;
    this.root = HDKey.fromMasterSeed(seed);
    const account = this.root.derive(`m/84'/${this.coinType}'/0'`);
    this.branches = [account.deriveChild(0), account.deriveChild(1)];
  }

  /** The private key behind the node id (m/1017'/coin'/6'/0/0). */
  nodePrivateKey(): Uint8Array {
    return this.privateAt(`m/1017'/${this.coinType}'/6'/0/0`);
  }

  /** The node id: the compressed public key of `nodePrivateKey()`. */
  nodePublicKey(): Uint8Array {
    return publicKeyCreate(this.nodePrivateKey());
  }

  /** 32 secret bytes for channel `index` (m/1017'/coin'/1000'/index'). */
  channelSeed(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED)
      throw new RangeError(`channel index out of range: ${index}`);
    return this.privateAt(`m/1017'/${this.coinType}'/1000'/${index}'`);
  }

  /** The BIP 84 key for a receive (0) or change (1) address. */
  walletKey(branch: AddressBranch, index: number): WalletKey {
    const id = `${branch}/${index}`;
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    if (!Number.isInteger(index) || index < 0 || index >= HARDENED)
      throw new RangeError(`address index out of range: ${index}`);
    const node = this.branches[branch].deriveChild(index);
    const privateKey = node.privateKey!;
    const publicKey = publicKeyCreate(privateKey);
    const key: WalletKey = {
      branch,
      index,
      path: `m/84'/${this.coinType}'/0'/${branch}/${index}`,
      privateKey,
      publicKey,
      script: p2wpkhScript(publicKey),
    };
    this.cache.set(id, key);
    return key;
  }

  private privateAt(path: string): Uint8Array {
    const k = this.root.derive(path).privateKey;
    if (k === null) throw new Error(`no private key at ${path}`);
    return k;
  }
}
