// src/wallet/kv-store.ts: the little persistence the wallet needs. The Store module's key-value
// namespaces implement it; tests use the in-memory one.

export interface KeyValueStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
}

export class MemoryKeyValueStore implements KeyValueStore {
  private readonly map = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    const v = this.map.get(key);
    return v === undefined ? undefined : Uint8Array.from(v);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.map.set(key, Uint8Array.from(value));
  }
}
