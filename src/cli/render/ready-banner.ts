/**
 * The block `up` prints once everything is ready, like Vite's: each service with where to reach
 * it, how long the stack took, and how to stop it — instead of silence after the last "ready".
 */
import type { ChalkInstance } from 'chalk';
import type { ServiceSnapshot } from '../../supervisor/events.js';
import { formatMs } from '../../util/duration.js';

export interface BannerOptions {
  /** How to stop this stack: `Ctrl-C stops everything` in the foreground, `devstack down` otherwise. */
  readonly stop: string;
  readonly dashboardUrl?: string | undefined;
  readonly proxyUrl?: string | undefined;
}

export function formatReadyBanner(services: readonly ServiceSnapshot[], colors: ChalkInstance, options: BannerOptions): string {
  const started = Math.min(...services.flatMap((service) => (service.startedAt === undefined ? [] : [service.startedAt])));
  const ready = Math.max(...services.flatMap((service) => (service.readyAt === undefined ? [] : [service.readyAt])));
  const took = Number.isFinite(started) && Number.isFinite(ready) && ready >= started ? ` in ${formatMs(ready - started)}` : '';
  const running = services.filter((service) => service.state === 'ready' || service.state === 'exited');
  const width = Math.max(...running.map((service) => service.name.length), 8);
  const lines = [colors.green.bold(`  devstack: ${running.length} service${running.length === 1 ? '' : 's'} ready${took}`), ''];
  if (options.proxyUrl !== undefined) lines.push(`  ${colors.bold('entry'.padEnd(width))}  ${colors.cyan(options.proxyUrl)}`);
  for (const service of running) {
    const where = service.url ?? (service.kind === 'task' ? colors.dim('done') : colors.dim('running'));
    const mode = service.mode === undefined ? '' : colors.dim(`  ${service.mode}`);
    lines.push(`  ${service.name.padEnd(width)}  ${service.url === undefined ? where : colors.cyan(where)}${mode}`);
  }
  if (options.dashboardUrl !== undefined)
    lines.push('', `  ${colors.bold('dashboard'.padEnd(width))}  ${colors.cyan(options.dashboardUrl)}`);
  lines.push('', colors.dim(`  ${options.stop} · devstack logs -f · devstack ps`), '');
  return lines.join('\n');
}
