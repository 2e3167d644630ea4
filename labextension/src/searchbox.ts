import { h } from './dom';
import { type IQueryError, splitAtError } from './query';

/** Milliseconds of quiet typing before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * A search box for the registry's query language: debounced, with a syntax
 * hint behind a "?" button, and the server's syntax error shown under the box
 * with the character it points at marked.
 */
export class SearchBox {
  constructor(options: SearchBox.IOptions) {
    this._onSearch = options.onSearch;
    this._debounceMs = options.debounceMs ?? SEARCH_DEBOUNCE_MS;
    this.input = h('input', {
      className: 'jp-mod-styled jp-ModelboxInput jp-ModelboxSearch-input ' + (options.className ?? ''),
      attrs: {
        type: 'search',
        placeholder: options.placeholder,
        'aria-label': options.label,
        spellcheck: 'false',
        autocomplete: 'off'
      }
    });
    this.input.addEventListener('input', () => this._schedule());
    this.input.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        this._fire();
      } else if (event.key === 'Escape' && !this._hint.hidden) {
        this._toggleHint(false);
      }
    });
    this._hint = h(
      'div',
      { className: 'jp-ModelboxSearch-hint', attrs: { role: 'note' } },
      ...options.hint.map(line => h('div', {}, line))
    );
    this._hint.hidden = true;
    this._help = h(
      'button',
      {
        className: 'jp-Button jp-mod-styled jp-mod-small jp-ModelboxSearch-help',
        attrs: {
          type: 'button',
          'aria-label': 'Search syntax',
          'aria-expanded': 'false',
          title: options.hint.join('\n')
        },
        on: { click: () => this._toggleHint() }
      },
      '?'
    );
    this._error.hidden = true;
    this.node = h(
      'div',
      { className: 'jp-ModelboxSearch' },
      h('div', { className: 'jp-ModelboxSearch-row' }, this.input, this._help),
      this._error,
      this._hint
    );
  }

  readonly node: HTMLElement;
  readonly input: HTMLInputElement;

  /** The query typed, trimmed. */
  get value(): string {
    return this.input.value.trim();
  }

  /** The raw text of the box (positions of errors refer to it). */
  get text(): string {
    return this.input.value;
  }

  /**
   * Show a syntax error of `query` (what was sent), or clear it with null.
   * Ignored when the box no longer holds that query.
   */
  showError(error: IQueryError | null, query = this.input.value): void {
    if (!error || query !== this.input.value) {
      this._error.hidden = true;
      this._error.replaceChildren();
      this.input.removeAttribute('aria-invalid');
      return;
    }
    const [before, marked, after] = splitAtError(query, error.position);
    this.input.setAttribute('aria-invalid', 'true');
    this._error.replaceChildren(
      h(
        'div',
        { className: 'jp-ModelboxSearch-errorQuery', attrs: { 'aria-hidden': 'true' } },
        before,
        h('mark', { className: 'jp-ModelboxSearch-errorMark' }, marked),
        after
      ),
      h('div', { className: 'jp-ModelboxSearch-errorMessage' }, error.message)
    );
    this._error.dataset.position = String(error.position);
    this._error.hidden = false;
  }

  dispose(): void {
    clearTimeout(this._timer);
  }

  private _schedule(): void {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._fire(), this._debounceMs);
  }

  private _fire(): void {
    clearTimeout(this._timer);
    this._onSearch(this.input.value);
  }

  private _toggleHint(show = this._hint.hidden): void {
    this._hint.hidden = !show;
    this._help.setAttribute('aria-expanded', String(show));
  }

  private readonly _onSearch: (query: string) => void;
  private readonly _debounceMs: number;
  private readonly _hint: HTMLElement;
  private readonly _help: HTMLButtonElement;
  private readonly _error = h('div', {
    className: 'jp-ModelboxSearch-error',
    attrs: { role: 'alert' }
  });
  private _timer: ReturnType<typeof setTimeout> | undefined;
}

export namespace SearchBox {
  export interface IOptions {
    /** Accessible name of the input. */
    label: string;
    placeholder: string;
    /** Lines of the syntax hint. */
    hint: string[];
    /** Called with the box's text after typing settles, or at once on Enter. */
    onSearch: (query: string) => void;
    debounceMs?: number;
    className?: string;
  }
}
