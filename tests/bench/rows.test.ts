// Headline rows of the bench suites: ratios to the peer, verdicts against targets of either
// direction, the table and the SVG the bench command writes.
import { describe, expect, it } from 'vitest';
import { formatRows, judgeRow, rowsSvg, spreadOf, targetText } from '../../bench/rows.js';

describe('bench headline rows', () => {
  it('judges a ratio against an upper or a lower bound, and a value against its own bound', () => {
    const slow = judgeRow('s', { name: 'start', value: 300, unit: 'ms', better: 'lower', peer: { name: 'node', value: 100 }, target: { of: 'ratio', atMost: 2 } });
    expect(slow.ratio).toBeCloseTo(3);
    expect(slow.met).toBe(false);
    const fast = judgeRow('s', { name: 'insert', value: 1.0, unit: 'M/s', better: 'higher', peer: { name: 'Immutable.js', value: 0.35 }, target: { of: 'ratio', atLeast: 2.5 } });
    expect(fast.met).toBe(true);
    expect(judgeRow('s', { name: 'check', value: 61, unit: 's', better: 'lower', target: { of: 'value', atMost: 60 } }).met).toBe(false);
    expect(judgeRow('s', { name: 'check', value: 59, unit: 's', better: 'lower', target: { of: 'value', atMost: 60 } }).met).toBe(true);
    // no peer: a ratio target cannot be met; no target: no verdict
    expect(judgeRow('s', { name: 'x', value: 1, unit: 'ms', better: 'lower', target: { of: 'ratio', atMost: 2 } }).met).toBe(false);
    expect(judgeRow('s', { name: 'x', value: 1, unit: 'ms', better: 'lower' }).met).toBeUndefined();
    expect(targetText({ name: 'x', value: 1, unit: 'ops/s', better: 'higher', target: { of: 'value', atLeast: 5000 } })).toBe('≥ 5000 ops/s');
  });

  it('measures spread as (max − min) / median', () => {
    expect(spreadOf([10, 12, 11])).toBeCloseTo(2 / 11);
    expect(spreadOf([5])).toBe(0);
  });

  it('prints one line per row with its verdict, and draws every row in a well-formed SVG', () => {
    const rows = [
      judgeRow('kernel', { name: 'map <insert>', value: 0.5, unit: 'M/s', better: 'higher', spread: 0.1, peer: { name: 'Immutable.js', value: 0.4 }, target: { of: 'ratio', atLeast: 2.5 } }),
      judgeRow('check', { name: 'default check', value: 50, unit: 's', better: 'lower', target: { of: 'value', atMost: 60 } }),
    ];
    const text = formatRows(rows);
    expect(text).toHaveLength(4);
    expect(text[2]).toContain('NOT MET');
    expect(text[3]).toMatch(/MET$/);
    const svg = rowsSvg('kernel', rows);
    expect(svg).toContain('map &lt;insert&gt;');
    expect((svg.match(/<rect /g) ?? []).length).toBe(2);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});
