import { DecodeError } from './errors.js';

/** A cursor over untrusted bytes. Every read checks bounds and throws DecodeError('eof'). */
export class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.bytes.length - this.pos < n) {
      throw new DecodeError('eof', `need ${n} bytes, have ${this.bytes.length - this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view (not a copy) of the next n bytes. */
  bytesView(n: number): Uint8Array {
    if (n < 0) throw new DecodeError('invalid_value', `negative length ${n}`);
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A copy of the next n bytes (decoded values never alias the input buffer). */
  bytes_(n: number): Uint8Array {
    return Uint8Array.from(this.bytesView(n));
  }

  rest(): Uint8Array {
    return this.bytes_(this.remaining);
  }

  /** Throws unless every byte has been consumed. */
  end(what = 'value'): void {
    if (this.remaining !== 0) {
      throw new DecodeError('trailing_bytes', `${this.remaining} unexpected bytes after ${what}`);
    }
  }
}
