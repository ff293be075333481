// Play / pause / step for a training loop on the main thread. Each tick does a
// bounded amount of work (webgrad's fit() itself yields to the event loop
// every 16 ms), then the loop gives the browser a frame to paint and handle
// input before the next tick, so the page never freezes.
import { showError } from './dom.js';
import { resetStallMonitor } from './stall-monitor.js';

/** Resolves after the browser has had a chance to paint (or 50 ms, in a hidden tab). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const go = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    requestAnimationFrame(go);
    setTimeout(go, 50);
  });
}

export class TrainLoop {
  private runningFlag = false;
  /** The running loop (or the last one, finishing its tick). */
  private loopDone: Promise<void> | null = null;
  private stepDone: Promise<void> | null = null;
  private generation = 0;

  /**
   * @param tick one unit of training; resolves to false when training is finished.
   * @param onState hears when the loop starts or stops (to update buttons).
   * @param settle runs after the last tick of a loop (paused, finished or
   *   failed) and after step(), before the loop counts as stopped: where a
   *   page brings what it shows up to date with the model as it now stands.
   *   A tick cannot do that itself: a pause may come after its last check,
   *   while the loop waits for the next frame.
   */
  constructor(
    private readonly tick: () => Promise<boolean | void>,
    private readonly onState: (running: boolean) => void = () => {},
    private readonly settle: () => Promise<void> = async () => {},
  ) {}

  private async settleSafely(): Promise<void> {
    try {
      await this.settle();
    } catch (e) {
      showError('training', e);
    }
  }

  /** True from start() until pause() is asked for (the current tick may still be finishing). */
  get running(): boolean {
    return this.runningFlag;
  }

  /**
   * True while any tick runs or is still finishing after pause(): what a page
   * publishes as its state, so that "not running" means its numbers are final.
   */
  get busy(): boolean {
    return this.runningFlag || this.loopDone !== null || this.stepDone !== null;
  }

  /** Runs ticks until pause() or a tick returns false. */
  start(): void {
    if (this.runningFlag) return;
    this.runningFlag = true;
    const gen = ++this.generation;
    const before = Promise.all([this.loopDone, this.stepDone]);
    this.onState(true);
    resetStallMonitor();
    this.loopDone = (async () => {
      await before; // a previous loop or step still finishing its tick
      try {
        while (this.runningFlag && gen === this.generation) {
          if ((await this.tick()) === false) break;
          await nextFrame();
        }
      } catch (e) {
        showError('training', e);
      } finally {
        // Still part of this loop (busy, and awaited by pause() and a restart).
        await this.settleSafely();
        if (gen === this.generation) {
          this.runningFlag = false;
          this.loopDone = null;
          this.onState(false);
        }
      }
    })();
  }

  /** Stops after the current tick; resolves when it has finished. */
  async pause(): Promise<void> {
    this.runningFlag = false;
    await this.loopDone;
  }

  /** One tick, when paused. */
  async step(): Promise<void> {
    if (this.runningFlag || this.loopDone || this.stepDone) return;
    this.stepDone = (async () => {
      try {
        await this.tick();
      } catch (e) {
        showError('training', e);
      } finally {
        await this.settleSafely();
        this.stepDone = null;
      }
    })();
    await this.stepDone;
  }
}
