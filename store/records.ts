/**
 * The byte form of a log record (one acknowledged {@link Transition}), with a checksum, so a
 * damaged record is reported as {@link StoreCorrupt} instead of read as a wrong transition.
 *
 * Layout: version byte (1), uv t, uv tx, uv stamp, uv writer, f64 time (LE), 32-byte value hash,
 * uv atom-name length, the name (UTF-8), then the first 8 bytes of the SHA-256 of everything before.
 * @module
 */
import { createHash } from 'node:crypto';
import { StoreCorrupt, type Transition } from '../spec/Store.js';

const VERSION = 1;
const SUM = 8;

function uv(out: number[], x: number): void {
  while (x >= 0x80) { out.push((x & 0x7f) | 0x80); x = Math.floor(x / 128); }
  out.push(x);
}

const sum = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest().subarray(0, SUM);

/** Encodes a transition as a log record. */
export function encodeRecord(tr: Transition): Uint8Array {
  const head: number[] = [VERSION];
  uv(head, tr.t);
  uv(head, tr.tx);
  uv(head, tr.stamp);
  uv(head, tr.writer);
  const time = Buffer.alloc(8);
  time.writeDoubleLE(tr.time);
  const name = Buffer.from(tr.atom, 'utf8');
  const len: number[] = [];
  uv(len, name.length);
  const body = Buffer.concat([Buffer.from(head), time, Buffer.from(tr.hash, 'hex'), Buffer.from(len), name]);
  return Buffer.concat([body, sum(body)]);
}

/**
 * Decodes a log record stored under position `t`.
 * @throws StoreCorrupt when the record is truncated, has a bad checksum or another position.
 */
export function decodeRecord(t: number, bytes: Uint8Array): Transition {
  const where = `log record t=${t}`;
  const fail = (msg: string): never => { throw new StoreCorrupt(where, msg); };
  if (bytes.length < 1 + 4 + 8 + 32 + 1 + SUM) fail(`record of ${bytes.length} bytes is too short`);
  const body = bytes.subarray(0, bytes.length - SUM);
  if (!sum(body).equals(Buffer.from(bytes.subarray(bytes.length - SUM)))) fail('checksum mismatch');
  let i = 0;
  const byte = (): number => (i < body.length ? body[i++]! : fail('truncated record'));
  const rd = (): number => {
    let x = 0;
    let mul = 1;
    for (let k = 0; k < 8; k++) {
      const c = byte();
      x += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) return x;
      mul *= 128;
    }
    return fail('varint too long');
  };
  if (byte() !== VERSION) fail('unknown record version');
  const rt = rd();
  const tx = rd();
  const stamp = rd();
  const writer = rd();
  if (i + 8 + 32 > body.length) fail('truncated record');
  const time = Buffer.from(body.buffer, body.byteOffset + i, 8).readDoubleLE(0);
  i += 8;
  const hash = Buffer.from(body.subarray(i, i + 32)).toString('hex');
  i += 32;
  const n = rd();
  if (i + n !== body.length) fail('bad atom-name length');
  const atom = Buffer.from(body.subarray(i, i + n)).toString('utf8');
  if (rt !== t) fail(`record says t=${rt}`);
  return { t, tx, atom, stamp, hash, time, writer };
}
