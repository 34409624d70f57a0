import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultCliPath, formatStartupReport, runStartupBench } from './startup.js';

describe('bench startup (quick)', () => {
  it.skipIf(!existsSync(defaultCliPath()))('times node -e 0 and every light command, and prints one row each', () => {
    const r = runStartupBench({ reps: 1, warmup: 0 });
    expect(r.rows.map((row) => row.command)).toEqual(['node -e 0', 'immutos --version', 'immutos --help', 'immutos encode', 'immutos decode']);
    expect(r.rows[0]!.ratio).toBe(1);
    for (const row of r.rows) expect(row.medianMs).toBeGreaterThan(0);
    const text = formatStartupReport(r);
    expect(text).toHaveLength(r.rows.length + 3);
    for (const row of r.rows) expect(text.join('\n')).toContain(row.command);
  });
});
