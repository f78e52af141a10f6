const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Parses `10485760`, `'512kb'`, `'20mb'`, `'1.5gb'` (any case) into bytes; undefined when malformed. */
export function parseSizeBytes(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_BYTES[(match[2] ?? 'b').toLowerCase()]!);
}
