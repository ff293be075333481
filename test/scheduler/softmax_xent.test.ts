// softmax followed by categorical cross-entropy runs as one fused kernel whose
// gradient is softmax - labels; checked against a float64 reference.
import { expect, test } from 'vitest';
import * as wg from '../../src/index.js';
import { useBackend } from '../helpers/backends.js';
for (const b of ['cpu', 'webgpu'] as const) {
  test(`softmax+CE fused [${b}]`, async () => {
    await useBackend(b);
    const z = wg.tensor([[1, 2, 3], [0.5, -1, 2]]);
    const y = wg.tensor([[0, 0, 1], [1, 0, 0]]);
    const { value, grad } = wg.valueAndGrad((x) => wg.categoricalCrossentropy(y, wg.softmax(x)))(z);
    const v = (await value.data())[0];
    const g = await grad.data();
    // float64 reference
    const rows = [[1, 2, 3], [0.5, -1, 2]], lab = [[0, 0, 1], [1, 0, 0]];
    let loss = 0; const gr: number[] = [];
    rows.forEach((r, i) => { const m = Math.max(...r); const e = r.map((q) => Math.exp(q - m)); const s = e.reduce((a, c) => a + c); const p = e.map((q) => q / s);
      loss -= Math.log(p[lab[i].indexOf(1)]) / 2; p.forEach((pp, j) => gr.push((pp - lab[i][j]) / 2)); });
    expect(v).toBeCloseTo(loss, 5);
    gr.forEach((q, i) => expect(g[i]).toBeCloseTo(q, 5));
    const sp = await wg.sparseCategoricalCrossentropy(wg.tensor([2], [1], 'int32'), wg.tensor([[0.08, 0.11, 0.81]])).data();
    expect(sp[0]).toBeCloseTo(-Math.log(0.81), 5);
  });
}
