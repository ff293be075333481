// Host memory for a compiled step's snapshots of its variables (keepHostCopy),
// reused from run to run. Every run copies the variables out in its own
// submission; copying them into fresh arrays each time cost more than the
// copy itself wherever fresh memory is expensive (the project machines fault
// every new page in at ~3 ms per MB: 3-4 ms per step of the MNIST MLP, whose
// variables are 1 MB). So the copies land in a few slots allocated once, and
// a slot is written again only when nothing can still need its values:
//
//  - a slot whose run is still in flight (its copy has not arrived),
//  - the newest arrived snapshot (lastSnapshot(), the device-loss fallback),
//  - a pinned one (a training loop's resume point, see snapshotAt)
//
// are never reused; any other slot is. Readers of an older run's values (a
// variable's host copy, read long after) find its slot reused and read the
// usual way instead: these values are a shortcut, never the only copy while
// the device lives.
import type { DType, TypedArray } from '../core/dtype.js';

/** One run's values, pinned: they stay in place until release(). */
export interface HeldSnapshot {
  readonly run: number;
  /** The variables' values after that run, in the step's variable order (do not modify; copy to keep). */
  readonly values: readonly TypedArray[];
  release(): void;
}

interface Slot {
  values: TypedArray[];
  /** The run whose values the slot holds or awaits (0: none). */
  run: number;
  arrived: boolean;
  pins: number;
}

export class SnapshotRing {
  private readonly slots: Slot[] = [];
  /** The newest run whose values have arrived (0: none). */
  private newest = 0;

  constructor(private readonly layout: readonly { dtype: DType; size: number }[]) {}

  /** Slots allocated so far (for tests: it stays small however many runs there are). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Arrays to copy run `run`'s values into: the slot with the oldest values
   * that nothing needs, or a new one.
   */
  claim(run: number): TypedArray[] {
    let best: Slot | null = null;
    for (const s of this.slots) {
      const busy = !s.arrived || s.pins > 0 || (s.run !== 0 && s.run === this.newest);
      if (!busy && (!best || s.run < best.run)) best = s;
    }
    if (!best) {
      best = { values: this.layout.map((l) => (l.dtype === 'int32' ? new Int32Array(l.size) : new Float32Array(l.size))), run: 0, arrived: true, pins: 0 };
      this.slots.push(best);
    }
    best.run = run;
    best.arrived = false;
    return best.values;
  }

  /** Run `run`'s copy has landed in its slot. */
  arrived(run: number): void {
    const s = this.find(run);
    if (!s) return;
    s.arrived = true;
    if (run > this.newest) this.newest = run;
  }

  /** Run `run`'s copy failed (a lost device): its slot is free again. */
  failed(run: number): void {
    const s = this.find(run);
    if (!s) return;
    s.run = 0;
    s.arrived = true;
  }

  /** Run `run`'s values if their slot still holds them (arrived, not reused), else null. */
  peek(run: number): readonly TypedArray[] | null {
    const s = this.find(run);
    return s && s.arrived ? s.values : null;
  }

  /** The newest arrived run and its values, or null. */
  latest(): { run: number; values: readonly TypedArray[] } | null {
    const values = this.newest ? this.peek(this.newest) : null;
    return values ? { run: this.newest, values } : null;
  }

  /** Pins run `run`'s values (null if they are gone): they are not overwritten until release(). */
  hold(run: number): HeldSnapshot | null {
    const s = this.find(run);
    if (!s || !s.arrived) return null;
    s.pins++;
    let released = false;
    return {
      run,
      values: s.values,
      release: () => {
        if (released) return;
        released = true;
        s.pins--;
      },
    };
  }

  private find(run: number): Slot | null {
    if (run === 0) return null;
    return this.slots.find((s) => s.run === run) ?? null;
  }
}
