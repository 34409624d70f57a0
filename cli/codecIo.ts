/**
 * Input/output helpers of `immutos encode` and `immutos decode`: read a file or stdin, write to a
 * file or stdout, and refuse to spray binary onto a terminal.
 * @module
 */
import { createReadStream, openSync, readFileSync, writeFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Reads all of `file`, or of stdin when `file` is undefined or `-`. */
export function readInput(file: string | undefined): Uint8Array {
  try {
    return file === undefined || file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file ?? 'stdin'}: ${(e as Error).message}`);
  }
}

/** The chunks of `file`, or of stdin, as they arrive. */
export function inputChunks(file: string | undefined): AsyncIterable<Uint8Array> {
  if (file === undefined || file === '-') return process.stdin;
  let fd: number;
  try {
    fd = openSync(file, 'r'); // fail early, with a usage error, on a missing file
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return createReadStream('', { fd });
}

/** Decodes UTF-8 text strictly (a leading byte-order mark is dropped). */
export function utf8Text(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what} is not valid UTF-8 text`);
  }
}

/** Writes `data` to `out`, or to stdout when `out` is undefined or `-`; binary never goes to a terminal. */
export async function writeOutput(data: Uint8Array | string, out: string | undefined, binary: boolean): Promise<void> {
  if (out !== undefined && out !== '-') {
    try {
      writeFileSync(out, data);
    } catch (e) {
      throw new UsageError(`cannot write ${out}: ${(e as Error).message}`);
    }
    return;
  }
  if (binary && process.stdout.isTTY) throw new UsageError('refusing to write binary to a terminal: redirect stdout or use -o FILE');
  await new Promise<void>((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
}
