// Small DOM helpers shared by the pages.

/** The element with this id; throws (naming it) when the page lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: the page has no element #${id}`);
  return el as T;
}

/** Creates an element with attributes, properties and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | number | boolean>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children);
  return el;
}

/** Fills a <select> with options (value and label) and selects `value`. */
export function fillSelect(select: HTMLSelectElement, options: readonly (string | { value: string; label: string; disabled?: boolean })[], value?: string): void {
  select.replaceChildren(...options.map((o) => {
    const opt = typeof o === 'string' ? { value: o, label: o } : o;
    const el = h('option', { value: opt.value, disabled: opt.disabled ?? false }, opt.label);
    return el;
  }));
  if (value !== undefined) select.value = value;
}

/** Formats a number for display: short, no exponent for everyday magnitudes. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a >= 100 ? 1 : digits);
}

/** Shows an error on the page (the #errors box) as well as in the console. */
export function showError(context: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`${context}: ${message}`);
  const box = document.getElementById('errors');
  if (box) {
    box.hidden = false;
    box.append(h('div', {}, `${context}: ${message}`));
  }
}

/** Starts a download of `data` as a file. */
export function downloadBlob(name: string, blob: Blob): void {
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
