// src/chain/address.ts: addresses <-> output scripts, per network (encoding is @scure/btc-signer's).
import { Address, OutScript } from '@scure/btc-signer';

/** The chains ksnode knows. The devnet uses regtest's addresses and genesis block. */
export type Network = 'bitcoin' | 'testnet' | 'signet' | 'regtest';

type NetParams = { bech32: string; pubKeyHash: number; scriptHash: number; wif: number };

const PARAMS: Record<Network, NetParams> = {
  bitcoin: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80 },
  testnet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  signet: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
  regtest: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
};

export type AddressResult = { ok: true; script: Uint8Array } | { ok: false; reason: string };

/** The output script an address pays to, or why the string is not an address on `network`. */
export function addressToScript(address: string, network: Network): AddressResult {
  try {
    return { ok: true, script: OutScript.encode(Address(PARAMS[network]).decode(address)) };
  } catch (e) {
    return {
      ok: false,
      reason: `not a ${network} address (${(e as Error).message}): ${JSON.stringify(address)}`,
    };
  }
}

/** The address of a standard output script, or undefined for scripts without one (OP_RETURN, bare). */
export function scriptToAddress(script: Uint8Array, network: Network): string | undefined {
  try {
    const decoded = OutScript.decode(script);
    if (!['pkh', 'sh', 'wpkh', 'wsh', 'tr'].includes(decoded.type)) return undefined;
    return Address(PARAMS[network]).encode(decoded);
  } catch {
    return undefined;
  }
}
