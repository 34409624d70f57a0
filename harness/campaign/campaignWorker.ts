/**
 * A campaign worker process (see `jobs.ts`): receives its campaign, registers the campaign's
 * kernel modules, runs with {@link runCampaign} the cases the main process hands it (asking for
 * more when it has run them), and sends each case as it starts it, progress now and then, a
 * `detected` message at each divergence, and the result or the error. A `stop` message ends the
 * campaign after the current case.
 * @module
 */
import { runCampaign } from './campaign.js';
import { registerKernelModule } from '../engines/registry.js';
import { caseToJson } from '../generators/case.js';
import type { CampaignWorkerMessage, CampaignWorkerRequest } from './jobs.js';

const post = (m: CampaignWorkerMessage): void => {
  process.send?.(m);
};
let stop = false;
/** Case indices given and not yet run. */
const queue: number[] = [];
/** Whether the main process has no cases left to give. */
let exhausted = false;
/** Wakes {@link nextCase} when a `cases` message arrives. */
let wake: (() => void) | null = null;

process.on('message', (raw) => {
  const m = raw as CampaignWorkerRequest;
  if (m.type === 'stop') stop = true;
  else if (m.type === 'cases') {
    if (m.indices.length === 0) exhausted = true;
    queue.push(...m.indices);
    wake?.();
  } else void run(m);
});

/** The next case to run: from the cases given, asking the main process for more when none are left. */
async function nextCase(): Promise<number | undefined> {
  if (queue.length === 0 && !exhausted) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      post({ type: 'more' });
    });
    wake = null;
  }
  return queue.shift();
}
// the parent gone (killed, or done with this worker): nothing left to report to
process.on('disconnect', () => process.exit(0));

async function run(m: CampaignWorkerRequest & { type: 'run' }): Promise<void> {
  try {
    for (const path of m.kernelModules) await registerKernelModule(path);
    const result = await runCampaign({
      ...m.options,
      jobs: 1,
      shouldStop: () => stop,
      nextCase,
      onDetected: (index) => post({ type: 'detected', index }),
      onCase: (index, c) => post({ type: 'case', index, json: caseToJson(c) }),
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'error', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  }
}
