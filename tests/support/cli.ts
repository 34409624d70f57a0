/**
 * Running CLI commands inside a test: a program with the given commands registered, parsed
 * with `args`, its stdout captured and stderr silenced; the error it threw, if any, is returned.
 * @module
 */
import { Command } from 'commander';
import { vi } from 'vitest';

/** Runs `args` through a program with `commands` registered → what it printed and what it threw. */
export async function runCommands(commands: readonly ((program: Command) => void)[], args: string[]): Promise<{ out: string; error: unknown }> {
  const program = new Command('immutos').exitOverride();
  for (const register of commands) register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let error: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    error = e;
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return { out, error };
}
