// DOM building that never parses HTML: every string becomes a text node or an attribute value.

/**
 * Properties of an element built by `h`.
 */
export interface IElementProps {
  className?: string;
  /** Attributes (`title`, `type`, `data-*`, `aria-*`...), set as strings. */
  attrs?: { [name: string]: string };
  /** Event listeners by event type. */
  on?: { [type: string]: (event: Event) => void };
}

/**
 * Build an element. String children become text nodes, so registry text is
 * always shown as text.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: IElementProps = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) {
    node.className = props.className;
  }
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    node.setAttribute(name, value);
  }
  for (const [type, listener] of Object.entries(props.on ?? {})) {
    node.addEventListener(type, listener);
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
  }
  return node;
}

/**
 * A JupyterLab-styled button.
 */
export function button(
  label: string,
  onClick: () => void,
  options: { title?: string; className?: string; accept?: boolean; warn?: boolean } = {}
): HTMLButtonElement {
  const kind = options.warn ? ' jp-mod-warn' : options.accept ? ' jp-mod-accept' : '';
  return h(
    'button',
    {
      className: `jp-Button jp-mod-styled jp-mod-small${kind} ${options.className ?? ''}`.trim(),
      attrs: { type: 'button', ...(options.title ? { title: options.title } : {}) },
      on: { click: () => onClick() }
    },
    label
  );
}

/**
 * A labelled form field for dialogs.
 */
export function field(label: string, control: HTMLElement, hint?: string): HTMLLabelElement {
  return h(
    'label',
    { className: 'jp-ModelboxField' },
    h('span', { className: 'jp-ModelboxField-label' }, label),
    control,
    hint ? h('span', { className: 'jp-ModelboxField-hint' }, hint) : null
  );
}

/**
 * A text input styled as JupyterLab's.
 */
export function textInput(
  value = '',
  attrs: { [name: string]: string } = {}
): HTMLInputElement {
  const input = h('input', {
    className: 'jp-mod-styled jp-ModelboxInput',
    attrs: { type: 'text', ...attrs }
  });
  input.value = value;
  return input;
}

/**
 * A select with `[value, label]` options.
 */
export function select(
  options: [string, string][],
  value: string,
  attrs: { [name: string]: string } = {}
): HTMLSelectElement {
  const node = h(
    'select',
    { className: 'jp-mod-styled jp-ModelboxSelect', attrs },
    ...options.map(([optionValue, label]) =>
      h('option', { attrs: { value: optionValue } }, label)
    )
  );
  node.value = value;
  return node;
}

/**
 * A message of an error, fit to show.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A role=alert box with an error message as text.
 */
export function errorBox(error: unknown): HTMLElement {
  return h(
    'div',
    { className: 'jp-ModelboxPanel-error', attrs: { role: 'alert' } },
    errorMessage(error)
  );
}

/**
 * `1.5 MiB` from a byte count; `—` when unknown.
 */
export function formatBytes(size: number | null | undefined): string {
  if (size === null || size === undefined) {
    return '—';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${size} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A timestamp in the user's locale; the raw text when it does not parse.
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/**
 * A metadata value as one line of text: strings as they are, the rest as JSON.
 */
export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Replace what `container` shows with `children`, keeping the keyboard focus
 * on the row (matching `rowSelector`) whose `data-*` value under `key` is the
 * one the focused row had: lists rebuild their rows on every refresh, and a
 * live update must not throw a keyboard user out of the list.
 */
export function replaceKeepingFocus(
  container: HTMLElement,
  rowSelector: string,
  key: string,
  ...children: Node[]
): void {
  const active = document.activeElement as HTMLElement | null;
  const focused = active && container.contains(active) ? active.dataset?.[key] : undefined;
  container.replaceChildren(...children);
  if (focused !== undefined) {
    Array.from(container.querySelectorAll<HTMLElement>(rowSelector))
      .find(row => row.dataset[key] === focused)
      ?.focus({ preventScroll: true });
  }
}

/**
 * Keyboard for a list of focusable rows inside `container`: Enter opens the
 * focused row, the up and down arrows move the focus between rows (in the
 * order they are shown).
 */
export function listKeys(container: HTMLElement, rowSelector: string, open: (row: HTMLElement) => void): void {
  container.addEventListener('keydown', event => {
    const row = (event.target as Element | null)?.closest<HTMLElement>(rowSelector);
    if (!row || event.target !== row) {
      return;
    }
    if (event.key === 'Enter') {
      event.preventDefault();
      open(row);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const rows = Array.from(container.querySelectorAll<HTMLElement>(rowSelector)).sort(
        (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top
      );
      const next = rows[rows.indexOf(row) + (event.key === 'ArrowDown' ? 1 : -1)];
      if (next) {
        event.preventDefault();
        next.focus();
        next.scrollIntoView?.({ block: 'nearest' });
      }
    }
  });
}
