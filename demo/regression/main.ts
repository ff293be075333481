// The regression page: linear regression recovering known weights, and a
// curve fit, each with its own play / pause / step / reset.
import { showError } from '../shared/dom.js';
import { mountLayout } from '../shared/layout.js';
import { publish } from '../shared/state.js';
import type { TrainLoop } from '../shared/train-loop.js';
import { setupCurve } from './curve.js';
import { setupLinear } from './linear.js';

const picker = mountLayout('regression');
try {
  await picker.start();
  const loops: TrainLoop[] = [await setupLinear(), await setupCurve()];
  let resume: TrainLoop[] = [];
  picker.onSwitch({
    beforeSwitch: async () => {
      resume = loops.filter((l) => l.running);
      await Promise.all(loops.map((l) => l.pause()));
    },
    afterSwitch: () => {
      for (const l of resume) l.start();
    },
  });
  publish('ready', true);
} catch (e) {
  showError('start', e);
}
