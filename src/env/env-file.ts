/**
 * Reads one .env file with dotenv, and checks it line by line first: dotenv silently skips what it
 * cannot parse, which turns a typo into a missing variable. A malformed line is reported by file
 * and line number, never by content (it may hold a secret).
 */
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';

export type EnvFileResult =
  | { readonly ok: true; readonly values: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly line: number; readonly problem: string };

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
  if (problem !== undefined) return { ok: false, ...problem };
  return { ok: true, values: dotenv.parse(text) };
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
