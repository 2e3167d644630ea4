import { ModelboxClient } from '../api';
import { ModelList } from '../modellist';
import { ModelView } from '../modelview';
import type { IUserPrompts } from '../prompts';
import { queryError, queryErrorPosition, splitAtError } from '../query';
import { ModelboxAPIError } from '../request';
import { SearchBox } from '../searchbox';
import { aModel, aVersion, calls, fakeAPI, jsonResponse, settingsWith, settle } from './fake-server';

const HOSTILE = '<img src=x onerror=alert(1)>';

/** The server's message for a query (as jupyter_modelbox/registry/search.py words it). */
function serverMessage(query: string, position: number, what = 'expected a value after \'<\''): string {
  const codePoints = Array.from(query);
  const before = codePoints.slice(0, position).join('');
  const after = codePoints.slice(position).join('');
  return `${what} at position ${position} of the query: ${before} >>> ${after}`.trim();
}

describe('queryErrorPosition', () => {
  it('reads the position the server names', () => {
    const query = 'metrics.loss < ';
    expect(queryErrorPosition(serverMessage(query, 15), query)).toBe(15);
    expect(queryErrorPosition(serverMessage('name ~ (x', 9, "expected ')'"), 'name ~ (x')).toBe(9);
  });

  it('converts code points (Python) to UTF-16 indexes (JavaScript)', () => {
    const query = 'name = "🚀🚀" and ) ';
    // the ')' is the 17th code point (index 16) but at UTF-16 index 18
    expect(query.indexOf(')')).toBe(18);
    expect(queryErrorPosition(serverMessage(query, 16, "unexpected ')'"), query)).toBe(18);
  });

  it('clamps past the end and ignores messages without a position', () => {
    expect(queryErrorPosition('bad at position 99 of the query: x >>>', 'x')).toBe(1);
    expect(queryErrorPosition('the registry is locked', 'x')).toBeNull();
  });

  it('takes only 422 errors with a position as query errors', () => {
    const message = serverMessage('a <', 3);
    expect(queryError(new ModelboxAPIError(message, 422, 'InvalidArgumentError'), 'a <')).toEqual({
      message,
      position: 3
    });
    expect(queryError(new ModelboxAPIError(message, 500), 'a <')).toBeNull();
    expect(queryError(new ModelboxAPIError('name too long', 422), 'a <')).toBeNull();
    expect(queryError(new Error(message), 'a <')).toBeNull();
  });
});

describe('splitAtError', () => {
  it('marks the character at the position, or a space at the end', () => {
    expect(splitAtError('a = = b', 4)).toEqual(['a = ', '=', ' b']);
    expect(splitAtError('a <', 3)).toEqual(['a <', ' ', '']);
    expect(splitAtError('x 🚀 y', 2)).toEqual(['x ', '🚀', ' y']);
  });
});

describe('SearchBox', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    document.body.replaceChildren();
  });

  it('searches after typing settles, and at once on Enter', () => {
    const onSearch = jest.fn();
    const box = new SearchBox({ label: 'Search', placeholder: '', hint: ['fields'], onSearch, debounceMs: 200 });
    const type = (text: string): void => {
      box.input.value = text;
      box.input.dispatchEvent(new Event('input'));
    };
    type('n');
    type('na');
    type('name');
    jest.advanceTimersByTime(199);
    expect(onSearch).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(onSearch).toHaveBeenCalledTimes(1);
    expect(onSearch).toHaveBeenLastCalledWith('name');

    type('name ~ x');
    box.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    expect(onSearch).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(1000);
    expect(onSearch).toHaveBeenCalledTimes(2);
  });

  it('shows the error under the box with the position marked, as text', () => {
    const box = new SearchBox({ label: 'Search', placeholder: '', hint: ['a', 'b'], onSearch: () => undefined });
    box.input.value = `${HOSTILE} <`;
    box.showError({ message: `bad ${HOSTILE}`, position: 5 });

    const error = box.node.querySelector('.jp-ModelboxSearch-error') as HTMLElement;
    expect(error.hidden).toBe(false);
    expect(box.node.querySelector('.jp-ModelboxSearch-errorMark')?.textContent).toBe('s');
    expect(box.node.querySelector('.jp-ModelboxSearch-errorQuery')?.textContent).toBe(`${HOSTILE} <`);
    expect(box.node.querySelector('.jp-ModelboxSearch-errorMessage')?.textContent).toBe(`bad ${HOSTILE}`);
    expect(box.node.querySelector('img')).toBeNull();
    expect(box.input.getAttribute('aria-invalid')).toBe('true');

    // an error for a query the box no longer holds is not shown
    box.showError({ message: 'old', position: 0 }, 'something else');
    expect(error.hidden).toBe(true);
    expect(box.input.hasAttribute('aria-invalid')).toBe(false);
  });

  it('toggles the syntax hint', () => {
    const box = new SearchBox({ label: 'S', placeholder: '', hint: ['Fields: name'], onSearch: () => undefined });
    const help = box.node.querySelector('.jp-ModelboxSearch-help') as HTMLButtonElement;
    const hint = box.node.querySelector('.jp-ModelboxSearch-hint') as HTMLElement;
    expect(help.title).toContain('Fields: name');
    expect(hint.hidden).toBe(true);
    help.click();
    expect(hint.hidden).toBe(false);
    expect(help.getAttribute('aria-expanded')).toBe('true');
    help.click();
    expect(hint.hidden).toBe(true);
  });
});

describe('ModelList search', () => {
  it('sends the query as q= and shows a syntax error at the box', async () => {
    const fetch = fakeAPI([
      [
        'GET',
        /^models$/,
        request => {
          const q = new URL(request.url).searchParams.get('q') ?? '';
          return q.endsWith('<')
            ? jsonResponse({ message: serverMessage(q, q.length), reason: 'InvalidArgumentError' }, 422)
            : jsonResponse({ models: [aModel({ name: 'mnist-small' })], total: 1 });
        }
      ],
      ['GET', /^namespaces$/, () => jsonResponse({ namespaces: [] })]
    ]);
    const list = new ModelList(new ModelboxClient(settingsWith(fetch)));
    const input = list.node.querySelector('input[aria-label="Search models"]') as HTMLInputElement;

    input.value = 'name ~ mnist and tag:prod';
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect(calls(fetch).filter(c => c.startsWith('GET models')).pop()).toBe(
      'GET models?q=name+%7E+mnist+and+tag%3Aprod&sort_by=name&order_by=asc&offset=0&limit=100'
    );
    expect(list.node.querySelector('.jp-ModelboxPanel-modelName')?.textContent).toBe('mnist-small');

    input.value = 'metrics.loss <';
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect(list.searchBox.node.querySelector('.jp-ModelboxSearch-errorMessage')?.textContent).toContain(
      'at position 14 of the query'
    );
    expect(list.node.querySelector('.jp-ModelboxPanel-error')).toBeNull();
    expect(list.node.querySelector('.jp-ModelboxList-status')?.textContent).toBe('Fix the query to search.');
    expect(list.node.querySelectorAll('.jp-ModelboxPanel-model')).toHaveLength(0);

    input.value = 'mnist';
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect((list.searchBox.node.querySelector('.jp-ModelboxSearch-error') as HTMLElement).hidden).toBe(true);
    expect(list.node.querySelector('.jp-ModelboxList-status')?.textContent).toBe('1 model');
  });
});

describe('ModelView versions', () => {
  const prompts: IUserPrompts = {
    confirm: jest.fn(async () => true),
    askText: jest.fn(async () => null),
    createModel: jest.fn(async () => null),
    registerVersion: jest.fn(async () => null)
  };

  it('filters versions with q=, and compares the checked ones, oldest first', async () => {
    const versions = [3, 2, 1].map(n => aVersion({ id: `v${n}`, number: n, version: `label-${n}` }));
    const fetch = fakeAPI([
      ['GET', /^models\/m1$/, () => jsonResponse(aModel({ num_versions: 3 }))],
      [
        'GET',
        /^models\/m1\/versions$/,
        request => {
          const q = new URL(request.url).searchParams.get('q');
          if (q === 'number >') {
            return jsonResponse({ message: serverMessage(q, 8), reason: 'InvalidArgumentError' }, 422);
          }
          const shown = q ? versions.filter(v => v.number >= 2) : versions;
          return jsonResponse({ versions: shown, total: shown.length });
        }
      ],
      ['GET', /^objects\/m1\/artifacts$/, () => jsonResponse({ artifacts: [] })]
    ]);
    const view = new ModelView(new ModelboxClient(settingsWith(fetch)), prompts);
    const compared = jest.fn();
    view.compareRequested.connect((_, chosen) => compared(chosen.map(v => v.number)));
    await view.load('m1');

    const compare = view.node.querySelector('.jp-ModelboxVersions-compare') as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    const pick = (n: number): void => {
      const box = view.node.querySelector(`input[aria-label="Select version ${n} to compare"]`) as HTMLInputElement;
      box.checked = true;
      box.dispatchEvent(new Event('change'));
    };
    pick(3);
    pick(1);
    expect(compare.disabled).toBe(false);
    expect(compare.textContent).toBe('Compare selected (2)');
    compare.click();
    expect(compared).toHaveBeenCalledWith([1, 3]);

    view.versionSearch.input.value = 'number >= 2';
    view.versionSearch.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect(calls(fetch).pop()).toBe('GET models/m1/versions?q=number+%3E%3D+2');
    expect(Array.from(view.node.querySelectorAll('.jp-ModelboxVersions-number'), n => n.textContent)).toEqual([
      '3',
      '2'
    ]);
    // version 1 is no longer shown: no longer selected
    expect(compare.disabled).toBe(true);

    view.versionSearch.input.value = 'number >';
    view.versionSearch.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect(view.node.querySelector('.jp-ModelboxSearch-errorMark')?.textContent).toBe(' ');
    expect(view.node.querySelector('.jp-ModelboxVersions-body')?.textContent).toBe(
      'Fix the query to search the versions.'
    );
  });
});
