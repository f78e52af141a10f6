/** Exhaustiveness guard for discriminated-union switches. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
