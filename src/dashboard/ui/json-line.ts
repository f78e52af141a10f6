/** A structured (JSON) log line, as pino, winston, bunyan and zap write them: its level, message and other fields. */
export interface JsonLine {
  readonly level: string | undefined;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const LEVEL_KEYS = ['level', 'lvl', 'severity', 'log.level'];
const MESSAGE_KEYS = ['msg', 'message', 'event'];
// pino's numeric levels.
const PINO_LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export function parseJsonLine(text: string): JsonLine | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') || !trimmed.trimEnd().endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const fields: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const take = (keys: readonly string[]): unknown => {
    for (const key of keys)
      if (key in fields) {
        const found = fields[key];
        delete fields[key];
        return found;
      }
    return undefined;
  };
  const rawLevel = take(LEVEL_KEYS);
  const level =
    typeof rawLevel === 'number'
      ? (PINO_LEVELS[rawLevel] ?? String(rawLevel))
      : typeof rawLevel === 'string'
        ? rawLevel.toLowerCase()
        : undefined;
  const rawMessage = take(MESSAGE_KEYS);
  return {
    level,
    message: rawMessage === undefined ? '' : typeof rawMessage === 'string' ? rawMessage : JSON.stringify(rawMessage),
    fields,
  };
}
