// The backend picker every page shows: which backend runs (the WebGPU
// adapter's name, or "CPU" and why), and a menu to switch. The choice comes
// from the URL (?backend=auto|webgpu|wasm|cpu) so a link, or a test, can force one;
// switching in the menu writes it back to the URL (and the navigation links),
// so reloading or moving to another page keeps it.
import * as wg from 'webgradjs';
import { fillSelect } from './dom.js';
import { publish } from './state.js';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm' | 'cpu';
/** What ready() accepts (src/backends/select.ts: ReadyOptions.backend). */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];
const CHOICE_LABELS: Record<BackendChoice, string> = {
  auto: 'auto (WebGPU if usable, else WebAssembly, else CPU)',
  webgpu: 'WebGPU (forced)',
  wasm: 'WebAssembly SIMD',
  cpu: 'CPU (TypeScript)',
};

/** One line about the running backend: the adapter for WebGPU, the reason for the CPU. */
export function describeBackend(info: wg.BackendInfo | null): string {
  if (!info) return 'starting…';
  if (info.name === 'webgpu') {
    const a = info.adapter;
    const names = a ? [a.vendor, a.architecture, a.device, a.description].filter((s) => s && s.length > 0) : [];
    const fallback = a?.isFallbackAdapter ? ' (fallback adapter: a GPU emulated on the CPU)' : '';
    return `WebGPU on ${names.join(' / ') || 'an adapter that gives no name'}${fallback}`;
  }
  const name = info.name === 'cpu' ? 'CPU' : info.name === 'wasm' ? 'WebAssembly SIMD' : String(info.name);
  return info.reason ? `${name}, because ${info.reason}` : name;
}

/** The choice in the page's URL, or 'auto'. */
export function choiceFromUrl(): BackendChoice {
  const v = new URLSearchParams(location.search).get('backend');
  return (BACKEND_CHOICES as readonly string[]).includes(v ?? '') ? (v as BackendChoice) : 'auto';
}

export interface SwitchHooks {
  /** Runs before the switch (pause training here). */
  beforeSwitch?: () => Promise<void> | void;
  /** Runs after it, with what runs now. */
  afterSwitch?: (info: wg.BackendInfo) => Promise<void> | void;
}

export class BackendPicker {
  private choice: BackendChoice = choiceFromUrl();
  private error: string | null = null;
  private hooks: SwitchHooks = {};
  private busy: Promise<wg.BackendInfo> | null = null;

  constructor(private readonly select: HTMLSelectElement, private readonly status: HTMLElement) {
    fillSelect(select, BACKEND_CHOICES.map((c) => ({ value: c, label: CHOICE_LABELS[c] })), this.choice);
    select.addEventListener('change', () => void this.apply(select.value as BackendChoice));
  }

  /** Hooks the page runs around a switch. */
  onSwitch(hooks: SwitchHooks): void {
    this.hooks = hooks;
  }

  /** Starts the backend chosen in the URL. */
  start(): Promise<wg.BackendInfo> {
    return this.apply(this.choice, { initial: true });
  }

  /** Waits for a switch in progress, if any. */
  async settled(): Promise<void> {
    await this.busy;
  }

  /** Switches to `choice`. If WebGPU is forced and unavailable, says why and runs on the CPU. */
  apply(choice: BackendChoice, { initial = false } = {}): Promise<wg.BackendInfo> {
    const run = async (): Promise<wg.BackendInfo> => {
      await this.busy?.catch(() => undefined);
      this.choice = choice;
      this.select.value = choice;
      this.select.disabled = true;
      this.render(true);
      try {
        if (!initial) await this.hooks.beforeSwitch?.();
        let info: wg.BackendInfo;
        try {
          info = await wg.ready({ backend: choice });
          this.error = null;
        } catch (e) {
          this.error = e instanceof Error ? e.message : String(e);
          console.warn(`demo: backend '${choice}' failed (${this.error}); using the CPU.`);
          info = await wg.ready({ backend: 'cpu' });
        }
        this.writeUrl();
        this.render(false);
        await this.hooks.afterSwitch?.(info);
        return info;
      } finally {
        this.select.disabled = false;
      }
    };
    const p = run();
    this.busy = p;
    return p;
  }

  /** Shows (and publishes) what runs now; call after anything else switched the backend. */
  render(switching = false): void {
    const info = wg.getBackend();
    const description = switching ? 'switching…' : describeBackend(info);
    this.status.textContent = this.error ? `${description} (${this.choice} failed: ${this.error})` : description;
    this.status.classList.toggle('error', this.error !== null);
    this.status.dataset.backend = switching ? '' : (info?.name ?? '');
    publish('backend', { choice: this.choice, name: switching ? null : (info?.name ?? null), description, error: this.error, switching });
  }

  /** Keeps ?backend= in the address bar and in the links between pages. */
  private writeUrl(): void {
    const url = new URL(location.href);
    if (this.choice === 'auto') url.searchParams.delete('backend');
    else url.searchParams.set('backend', this.choice);
    history.replaceState(null, '', url);
    for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-keep-backend]')) {
      const target = new URL(a.getAttribute('href') ?? '', location.href);
      if (this.choice === 'auto') target.searchParams.delete('backend');
      else target.searchParams.set('backend', this.choice);
      a.setAttribute('href', `./${target.pathname.split('/').pop()}${target.search}`);
    }
  }
}
