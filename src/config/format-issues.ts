/**
 * Turns zod issues into devstack's one validation template:
 *   `<field path>: expected <what>, got <value>` or `<field path>: unknown field "x" — did you mean "y"?`
 */
import type { core } from 'zod';
import { didYouMean } from '../util/suggest.js';
import { CONFIG_KEYS, CONTAINER_KEYS, DATABASE_KEYS, SERVICE_KEYS } from './schema.js';

type Issue = core.$ZodIssue;
type PathSegment = PropertyKey;

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** `['services', 'api', 'dependsOn', 0]` → `services.api.dependsOn[0]`. */
export function formatFieldPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** A short, safe rendering of a value the user wrote. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof RegExp) return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

const HEALTH_KEYS = ['http', 'tcp', 'log', 'command', 'expectStatus', 'startPeriod', 'interval', 'timeout', 'readyTimeout'];

function knownKeysAt(path: readonly PathSegment[]): readonly string[] {
  if (path.length === 0) return CONFIG_KEYS;
  if (path[0] === 'databases') return path.length === 2 ? DATABASE_KEYS : [];
  if (path[0] === 'containers') return path.length === 2 ? CONTAINER_KEYS : path.length === 3 && path[2] === 'health' ? HEALTH_KEYS : [];
  if (path[0] !== 'services') return [];
  if (path.length === 2) return SERVICE_KEYS;
  if (path.length === 3 && path[2] === 'health') return HEALTH_KEYS;
  if (path.length === 3 && path[2] === 'watch') return ['paths', 'ignore', 'debounceMs'];
  return [];
}

/** Picks the union branch the user evidently meant: the fewest issues, the type at least right. */
function bestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const score = (issues: readonly Issue[]): number =>
    issues.length + (issues.some((issue) => issue.code === 'invalid_type' && issue.path.length === 0) ? 100 : 0);
  const ranked = branches.map((issues) => ({ issues, score: score(issues) })).sort((a, b) => a.score - b.score);
  const [first, second] = ranked;
  if (first === undefined || first.issues.length === 0) return undefined;
  if (second !== undefined && second.score === first.score) return undefined;
  return first.issues;
}

function problemFor(issue: Issue, prefix: readonly PathSegment[]): FieldProblem {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const known = knownKeysAt(path);
    const field = formatFieldPath(path);
    const where = field === '' ? '' : `${field}: `;
    return { field: formatFieldPath([...path, key]), message: `${where}unknown field "${key}"${didYouMean(key, known)}` };
  }
  if (issue.code === 'invalid_union') {
    const branch = bestBranch(issue.errors);
    const first = branch === undefined ? undefined : sortIssues(branch)[0];
    if (first !== undefined) return problemFor(first, path);
    const unknownKey = unknownKeyIn(issue.input, knownKeysAt(path));
    if (unknownKey !== undefined)
      return problemFor(
        { code: 'unrecognized_keys', keys: [unknownKey], path: [], message: '', input: issue.input as Record<string, unknown> },
        path,
      );
  }
  const field = formatFieldPath(path);
  const expected = issue.message.startsWith('expected') ? issue.message : `expected ${describeExpected(issue)}`;
  return { field, message: `${field === '' ? 'config' : field}: ${expected}, got ${describeValue(issue.input)}` };
}

function describeExpected(issue: Issue): string {
  if (issue.code === 'invalid_type') return `a value of type ${issue.expected}`;
  return issue.message;
}

function unknownKeyIn(input: unknown, known: readonly string[]): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || known.length === 0) return undefined;
  return Object.keys(input).find((key) => !known.includes(key));
}

/** A misspelt key usually explains a "missing" required field next to it, so it is reported first. */
function sortIssues(issues: readonly Issue[]): Issue[] {
  return [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
}

/** The first problem, which is what the one-line error reports. */
export function firstProblem(issues: readonly Issue[]): FieldProblem {
  const issue = sortIssues(issues)[0];
  if (issue === undefined) return { field: '', message: 'config: invalid' };
  return problemFor(issue, []);
}
