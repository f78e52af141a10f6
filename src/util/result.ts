/**
 * The one success/failure shape for expected outcomes (a port taken, a probe refused, a program
 * missing). Exceptions are for bugs; everything a user can cause comes back as a Result.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/** The usual failure: one line, and what to do about it when known. */
export interface Problem {
  readonly message: string;
  readonly hint?: string | undefined;
}

export function problem(message: string, hint?: string): { readonly ok: false; readonly error: Problem } {
  return { ok: false, error: hint === undefined ? { message } : { message, hint } };
}
