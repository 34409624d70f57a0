/**
 * `immutos encode [FILE] [-o OUT]`: reads EDN text (every top-level form; stdin when no FILE)
 * and writes one binary blob holding those values in order (docs/binary-format.md).
 * @module
 */
import type { Command } from 'commander';
import { encodeAll } from '../../spec/codec/Binary.js';
import { readEdnAll } from '../../spec/codec/Edn.js';
import { readInput, utf8Text, writeOutput } from '../codecIo.js';

/** Registers `immutos encode`. */
export function register(program: Command): void {
  program
    .command('encode')
    .description('encode EDN text (all its top-level forms) as one ImmutOS binary blob')
    .argument('[file]', 'EDN text file (default: stdin)')
    .option('-o, --output <file>', 'write the blob to this file (default: stdout, which must not be a terminal)')
    .action(async (file: string | undefined, opts: { output?: string }) => {
      const text = utf8Text(readInput(file), file ?? 'stdin');
      const values = readEdnAll(text); // BadInputError (line, column) → exit 2
      await writeOutput(encodeAll(values), opts.output, true);
    });
}
