/**
 * One line of logs/<service>.log: `<ISO time> <out|err|sys> <text>`. The timestamp makes merged
 * `devstack logs` sortable across services; `sys` lines are devstack's own notes (started, exited).
 */
export type LogSource = 'out' | 'err' | 'sys';

export interface LogLine {
  readonly time: string;
  readonly source: LogSource;
  readonly text: string;
}

export function formatLogLines(time: string, source: LogSource, lines: readonly string[]): string {
  let text = '';
  for (const line of lines) text += `${time} ${source} ${line}\n`;
  return text;
}

export function parseLogLine(raw: string): LogLine {
  const firstSpace = raw.indexOf(' ');
  const secondSpace = raw.indexOf(' ', firstSpace + 1);
  const source = raw.slice(firstSpace + 1, secondSpace);
  if (firstSpace === -1 || secondSpace === -1 || (source !== 'out' && source !== 'err' && source !== 'sys')) {
    return { time: '', source: 'out', text: raw }; // a line from before this format, or hand-written
  }
  return { time: raw.slice(0, firstSpace), source, text: raw.slice(secondSpace + 1) };
}
