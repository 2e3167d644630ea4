// The registry's search language as the panel sees it: a syntax hint, and where a query went wrong.

import { ModelboxAPIError } from './request';

/**
 * A query the server refused, with the place it points at.
 */
export interface IQueryError {
  /** The server's message, e.g. `expected a value after '<' at position 9 of the query: ...`. */
  message: string;
  /** Index into the query string (UTF-16 units, as JavaScript counts), 0..query.length. */
  position: number;
}

const POSITION = /\bat position (\d+) of the query\b/;

/**
 * The error position a server message names, in the query as JavaScript
 * indexes it; null when the message names none.
 *
 * The server counts Unicode code points (Python `str` indexes): converted so
 * that a query with emoji or other astral characters is marked at the same
 * place. A position past the end is clamped to the end.
 */
export function queryErrorPosition(message: string, query: string): number | null {
  const match = POSITION.exec(message);
  if (!match) {
    return null;
  }
  const codePoints = Number(match[1]);
  if (!Number.isSafeInteger(codePoints)) {
    return null;
  }
  let index = 0;
  let seen = 0;
  for (const char of query) {
    if (seen >= codePoints) {
      break;
    }
    index += char.length;
    seen++;
  }
  return index;
}

/**
 * The query error of a failed search: a 422 whose message names a position;
 * null for any other failure (network, server, a 422 without position).
 */
export function queryError(error: unknown, query: string): IQueryError | null {
  if (!(error instanceof ModelboxAPIError) || error.status !== 422) {
    return null;
  }
  const position = queryErrorPosition(error.message, query);
  return position === null ? null : { message: error.message, position };
}

/**
 * The query split around the error position: text before, the marked
 * character (a space when the error is at the end), text after.
 */
export function splitAtError(query: string, position: number): [string, string, string] {
  const at = Math.max(0, Math.min(position, query.length));
  const char = at < query.length ? String.fromCodePoint(query.codePointAt(at) ?? 32) : ' ';
  const after = at < query.length ? query.slice(at + char.length) : '';
  return [query.slice(0, at), char, after];
}

/** Fields of a model query. */
export const MODEL_FIELDS = [
  'name',
  'description',
  'task',
  'owner',
  'namespace',
  'created',
  'updated',
  'archived',
  'versions',
  'tags',
  'metadata.<path>'
];

/** Fields of a version query. */
export const VERSION_FIELDS = [
  'name',
  'version',
  'number',
  'description',
  'framework',
  'owner',
  'created',
  'updated',
  'tags',
  'model',
  'namespace',
  'checkpoint',
  'metadata.<path>',
  'metrics.<key>'
];

/**
 * Lines of the syntax hint for a search box over `fields`.
 */
export function syntaxHint(fields: string[], example: string): string[] {
  return [
    'A word matches names and descriptions. Or combine conditions:',
    `Fields: ${fields.join(', ')}, tag:<name>`,
    'Operators: = != < <= > >= ~ (contains, any case), in [a, b]',
    'Combine: and, or, not, ( ); "quoted values"; dates like 2026-01-31',
    `Example: ${example}`
  ];
}
