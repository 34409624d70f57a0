/**
 * The child process of `immutos bench jit`: times the one variant of one program it is given
 * (a {@link VariantRequest} as JSON, its first argument) in a fresh Node process and sends the
 * result back over the IPC channel. A process, not a worker thread: `llvm-bindings` (tier 2's
 * code generator) is a native addon that loads once per process.
 * @module
 */
import { timeVariant, type VariantRequest } from './jit.js';

const send = process.send?.bind(process);
if (send !== undefined) {
  let msg: unknown;
  try {
    msg = { ok: true, run: timeVariant(JSON.parse(process.argv[2] ?? 'null') as VariantRequest) };
  } catch (e) {
    msg = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  send(msg, () => process.disconnect());
}
