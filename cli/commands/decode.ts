/**
 * `immutos decode [FILE] [-o OUT]`: reads an ImmutOS binary blob (stdin when no FILE) and prints
 * each value it holds as canonical EDN, one per line, as soon as the value's bytes have arrived.
 * @module
 */
import type { Command } from 'commander';
import { decodeStream } from '../../spec/codec/Binary.js';
import { MAX_DEPTH, printEdn } from '../../spec/codec/Edn.js';
import { inputChunks, writeOutput } from '../codecIo.js';

/** Registers `immutos decode`. */
export function register(program: Command): void {
  program
    .command('decode')
    .description('decode an ImmutOS binary blob and print each value as canonical EDN, one per line')
    .argument('[file]', 'binary blob file (default: stdin)')
    .option('-o, --output <file>', 'write the EDN text to this file (default: stdout)')
    .action(async (file: string | undefined, opts: { output?: string }) => {
      const lines: string[] = [];
      let pending = 0;
      const toStdout = opts.output === undefined || opts.output === '-';
      // Values deeper than the EDN reader accepts are refused too, so the output always reads back.
      for await (const v of decodeStream(inputChunks(file), { maxDepth: MAX_DEPTH })) {
        const line = printEdn(v) + '\n';
        lines.push(line);
        pending += line.length;
        if (toStdout && pending > 1 << 16) {
          await writeOutput(lines.splice(0).join(''), undefined, false);
          pending = 0;
        }
      }
      await writeOutput(lines.join(''), opts.output, false);
    });
}
