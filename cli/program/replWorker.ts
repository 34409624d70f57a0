/**
 * The child process behind `immutos repl`: it owns the session's kernel and evaluates inputs, so
 * that the REPL's own process stays free to notice Ctrl-C while an evaluation runs, and can end
 * a runaway evaluation by ending this process (docs/adr/0027-repl-interrupt.md). Started with
 * {@link ReplWorkerData} as its first message: it builds the kernel, evaluates the inputs to
 * replay without printing them, then answers `ready` (or `failed` with a one-line reason) and
 * evaluates one {@link ReplInput} per message. It leaves when the REPL does (the channel closes).
 * @module
 */
import { newSession, type ReplSession, type ReplInput, type ReplWorkerData, type ReplWorkerReply } from './replSession.js';
import { UnknownProgramKernel } from './runProgram.js';

if (process.send === undefined) throw new Error('replWorker.js runs only as a child process of the REPL');
/** Sends `reply` to the REPL; if the REPL has gone, there is no one to tell. */
const send = (reply: ReplWorkerReply): void => void process.send!(reply, undefined, {}, () => {});
process.on('disconnect', () => process.exit(0));
process.on('SIGINT', () => {}); // Ctrl-C is the REPL's to handle

let session: ReplSession | null = null;
process.on('message', (m: { readonly start: ReplWorkerData } | { readonly id: number; readonly input: ReplInput }) => {
  if ('start' in m) {
    void start(m.start);
    return;
  }
  let text: string;
  try {
    text = session!.evaluate(m.input);
  } catch (e) {
    text = `error: ${String((e as Error)?.message ?? e).split('\n')[0]}\n`;
  }
  send({ type: 'output', id: m.id, text });
});

async function start(data: ReplWorkerData): Promise<void> {
  try {
    const s = await newSession(data);
    for (const input of data.replay) s.evaluate(input);
    session = s;
    send({ type: 'ready' });
  } catch (e) {
    const message = e instanceof UnknownProgramKernel ? e.message : `cannot start kernel '${data.kernel}': ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    send({ type: 'failed', message });
  }
}
