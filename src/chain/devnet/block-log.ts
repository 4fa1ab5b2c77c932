// src/chain/devnet/block-log.ts: the devnet's blocks on disk, one append per block.
// Record format: 4-byte little-endian length, then the serialized block. A torn last record
// (a crash mid-append) is dropped on load. A reorg rewrites the file through a rename, so the
// file is always some valid prefix of a chain.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export interface BlockLog {
  /** Every stored block (heights 1..n; the genesis block is implied). */
  load(): Uint8Array[];
  append(rawBlock: Uint8Array): void;
  /** Replaces the whole file with these blocks. */
  rewrite(rawBlocks: readonly Uint8Array[]): void;
  close(): void;
}

function record(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + raw.length);
  new DataView(out.buffer).setUint32(0, raw.length, true);
  out.set(raw, 4);
  return out;
}

export class FileBlockLog implements BlockLog {
  private fd: number | undefined;

  constructor(readonly path: string) {}

  load(): Uint8Array[] {
    if (!existsSync(this.path)) return [];
    const data = new Uint8Array(readFileSync(this.path));
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const blocks: Uint8Array[] = [];
    for (let o = 0; o + 4 <= data.length; ) {
      const n = view.getUint32(o, true);
      if (o + 4 + n > data.length) break;
      blocks.push(data.slice(o + 4, o + 4 + n));
      o += 4 + n;
    }
    return blocks;
  }

  append(rawBlock: Uint8Array): void {
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, record(rawBlock));
    fsyncSync(this.fd);
  }

  rewrite(rawBlocks: readonly Uint8Array[]): void {
    this.close();
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    for (const b of rawBlocks) writeSync(fd, record(b));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Keeps blocks in memory (tests, throwaway chains). */
export class MemoryBlockLog implements BlockLog {
  blocks: Uint8Array[] = [];
  load(): Uint8Array[] {
    return [...this.blocks];
  }
  append(rawBlock: Uint8Array): void {
    this.blocks.push(rawBlock);
  }
  rewrite(rawBlocks: readonly Uint8Array[]): void {
    this.blocks = [...rawBlocks];
  }
  close(): void {}
}
