/**
 * Errors of the benchmark suites.
 * @module
 */

/** A benchmark found a wrong result (two variants disagree) or could not run: the suite fails. */
export class BenchFailed extends Error {
  /** Creates the error with a one-line summary. */
  constructor(message: string) {
    super(message);
    this.name = 'BenchFailed';
  }
}
