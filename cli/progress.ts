/**
 * Progress of a long command on standard error: a bar on a terminal, else a plain line every few
 * seconds (CI logs). One reporter for every campaign of `immutos fuzz`.
 * @module
 */
import cliProgress from 'cli-progress';

/** Where a run is: at least the seconds since it started. */
export interface ProgressPoint {
  /** Seconds since the start. */
  readonly seconds: number;
}

/** How to show one kind of progress. */
export interface ProgressFormat<P extends ProgressPoint> {
  /** Units in all (undefined: not known, e.g. a run bounded by time). */
  readonly total: number | undefined;
  /** Units done at `p` (cases, scenarios). */
  readonly done: (p: P) => number;
  /** Show nothing (e.g. `--json`). */
  readonly quiet: boolean;
  /** The bar's text after `{bar} {value}/{total}`, with `{name}` fields from {@link ProgressFormat.fields}. */
  readonly bar: string;
  /** The fields of the bar's text at `p`. */
  readonly fields: (p: P | null) => Record<string, string | number>;
  /** The plain line at `p` (off a terminal). */
  readonly line: (p: P) => string;
  /** Seconds between plain lines. */
  readonly every: number;
}

/** A progress display: call `update` as the run goes, `stop` at its end. */
export interface Progress<P> {
  readonly update: (p: P) => void;
  readonly stop: () => void;
}

/** A progress display of `f` on standard error. */
export function progress<P extends ProgressPoint>(f: ProgressFormat<P>): Progress<P> {
  if (f.quiet) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({ format: ` {bar} {value}/{total} ${f.bar}`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(f.total ?? 0, 0, f.fields(null));
    return {
      update: (p) => {
        if (f.total === undefined) bar.setTotal(f.done(p));
        bar.update(f.done(p), f.fields(p));
      },
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (p) => {
      if (p.seconds - last < f.every) return;
      last = p.seconds;
      process.stderr.write(`  ${f.line(p)} (${p.seconds.toFixed(0)} s)\n`);
    },
    stop: () => {},
  };
}
