import { describe, expect, it } from 'vitest';
import { Command, Help } from 'commander';
import { commands } from './index.js';
import { buildProgram, commandNamed } from '../main.js';

describe('the light command table', () => {
  it.each(commands.map((c) => [c.name, c] as const))('%s: the table line matches what the module registers', async (_name, c) => {
    const program = new Command('immutos');
    (await c.load()).register(program);
    expect(program.commands.map((s) => s.name())).toEqual([c.name]);
    const cmd = program.commands[0]!;
    expect(cmd.description()).toBe(c.description);
    expect(new Help().subcommandTerm(cmd)).toBe(c.term);
  });

  it('the top-level help from the table is the help with every command loaded', async () => {
    const full = (await buildProgram()).helpInformation();
    expect((await buildProgram(['--help'])).helpInformation()).toBe(full);
    expect((await buildProgram(['encode'])).helpInformation()).toBe(full);
    expect((await buildProgram(['--version'])).helpInformation()).toBe(full);
  });

  it('finds the command argv runs', () => {
    expect(commandNamed(['--version'])).toBeUndefined();
    expect(commandNamed([])).toBeUndefined();
    expect(commandNamed(['encode', 'x.edn'])).toBe('encode');
    expect(commandNamed(['-h', 'decode', '-o', 'out'])).toBe('decode');
    expect(commandNamed(['help', 'check'])).toBe('check');
    expect(commandNamed(['help'])).toBeUndefined();
    expect(commandNamed(['bogus', 'encode'])).toBeUndefined();
  });
});
