/**
 * A campaign worker process (see `jobs.ts`): receives its campaign, registers the campaign's
 * kernel modules, runs its shard with {@link runCampaign}, and sends progress now and then, a
 * `detected` message at each divergence, and the result or the error. A `stop` message ends the
 * campaign after the current case.
 * @module
 */
import { runCampaign } from './campaign.js';
import { registerKernelModule } from '../engines/registry.js';
import type { CampaignWorkerMessage, CampaignWorkerRequest } from './jobs.js';

const post = (m: CampaignWorkerMessage): void => {
  process.send?.(m);
};
let stop = false;

process.on('message', (raw) => {
  const m = raw as CampaignWorkerRequest;
  if (m.type === 'stop') stop = true;
  else void run(m);
});
// the parent gone (killed, or done with this worker): nothing left to report to
process.on('disconnect', () => process.exit(0));

async function run(m: CampaignWorkerRequest & { type: 'run' }): Promise<void> {
  try {
    for (const path of m.kernelModules) await registerKernelModule(path);
    const result = await runCampaign({
      ...m.options,
      jobs: 1,
      shouldStop: () => stop,
      onDetected: (index) => post({ type: 'detected', index }),
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  }
}
