/**
 * Reads one .env file with dotenv, and checks it line by line first: dotenv silently skips what it
 * cannot parse, which turns a typo into a missing variable. A malformed line is reported by file
 * and line number, never by content (it may hold a secret).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { createRequire } from 'node:module';
import { err, ok, type Problem, type Result } from '../util/result.js';

export type EnvFileResult = Result<Readonly<Record<string, string>>, { readonly line: number; readonly problem: string }>;

/** A malformed line in one of the .env layers. */
export interface EnvFileProblem {
  /** Absolute path. */
  readonly file: string;
  readonly line: number;
  readonly problem: string;
}

/** The one wording of a bad .env line, everywhere it is reported (never the line itself: it may hold a secret). */
export function describeEnvFileProblem(found: EnvFileProblem, cwd: string): Problem {
  return {
    message: `${relative(cwd, found.file) || found.file}:${found.line}: malformed line (${found.problem})`,
    hint: 'write KEY=value, quote values with spaces or # in them, and start comments with #',
  };
}

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][\w.-]*\s*(?:=|:\s)(.*)$/;

/** Undefined when the file does not exist. */
export function readEnvFile(path: string): EnvFileResult | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // an absent layer is normal
  }
  const problem = findMalformedLine(text);
  if (problem !== undefined) return err(problem);
  return ok(parseDotenv(text));
}

// dotenv (CommonJS, and it loads node:crypto for its encryption features) costs ~10 ms to load:
// only a project with .env files pays it, once.
let dotenvParse: ((text: string) => Record<string, string>) | undefined;
function parseDotenv(text: string): Record<string, string> {
  dotenvParse ??= (createRequire(import.meta.url)('dotenv') as typeof import('dotenv')).parse;
  return dotenvParse(text);
}

export function findMalformedLine(text: string): { line: number; problem: string } | undefined {
  const lines = text.split(/\r?\n/);
  let openQuote: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (openQuote !== undefined) {
      if (line.includes(openQuote)) openQuote = undefined; // the multi-line value ends here
      continue;
    }
    if (line.includes('\0')) return { line: index + 1, problem: 'a NUL byte' };
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const match = ASSIGNMENT.exec(line);
    if (!match) return { line: index + 1, problem: 'expected KEY=value' };
    const value = match[1]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'" || quote === '`') && value.indexOf(quote, 1) === -1) openQuote = quote;
  }
  if (openQuote !== undefined) return { line: lines.length, problem: `unterminated ${openQuote}-quoted value` };
  return undefined;
}
