/**
 * Kernels for a campaign's cases, each in exactly the state a freshly built kernel starts in,
 * built over what the previous case's kernels ran on (their memory) instead of allocating and
 * initialising it anew (docs/adr/0044-kernel-reuse-in-campaigns.md). Replays build fresh kernels.
 * @module
 */
import type { Kernel, KernelOptions } from '../../spec/Kernel.js';
import type { EngineHandle, KernelSpare } from './registry.js';

/** Hands out kernels built with {@link EngineHandle.buildReusing}, and takes back what they leave. */
export class KernelPool {
  /** Spares not in use, by handle name. */
  private readonly free = new Map<string, KernelSpare[]>();
  /** Spares of the kernels handed out since the last {@link KernelPool.release}. */
  private readonly lent: { readonly name: string; readonly spare: KernelSpare }[] = [];
  private nBuilt = 0;
  private nReused = 0;

  /** A kernel of `h` in its initial state (as `h.build(options)` gives it). */
  build(h: EngineHandle, options: Pick<KernelOptions, 'quotas' | 'debug' | 'store'>): Kernel {
    const spare = this.free.get(h.name)?.pop();
    const r = h.buildReusing(options, spare);
    this.nBuilt++;
    if (spare !== undefined && r.spare === spare) this.nReused++;
    if (r.spare !== undefined) this.lent.push({ name: h.name, spare: r.spare });
    return r.kernel;
  }

  /** Takes back what every kernel handed out since the last call ran on: those kernels must not be used again. */
  release(): void {
    for (const { name, spare } of this.lent.splice(0)) {
      const list = this.free.get(name);
      if (list === undefined) this.free.set(name, [spare]);
      else list.push(spare);
    }
  }

  /** Kernels built, and of those, how many reused an earlier kernel's memory. */
  get counts(): { readonly built: number; readonly reused: number } {
    return { built: this.nBuilt, reused: this.nReused };
  }
}
