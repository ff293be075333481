// What the A/B scripts in bench/kernels share: `--name value` arguments, the
// median, and timing two sides' training steps alternately (so load from
// other jobs hits both alike), wall and CPU time per step.

/** The value after `--name` on the command line, or `dflt`. */
export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

export const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];

/**
 * `reps` rounds of one step per side, the order reversed every other round.
 * Each side has `step()` (resolving to the loss) and the arrays `losses`,
 * `ms` (wall) and `cpu` (this process's CPU ms, the GPU emulator's threads
 * included), which get one entry per step.
 */
export async function timeAlternately(sides, reps) {
  for (let r = 0; r < reps; r++)
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      const t0 = performance.now(), u0 = process.cpuUsage();
      s.losses.push(await s.step());
      s.ms.push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      s.cpu.push((u.user + u.system) / 1000);
    }
}
