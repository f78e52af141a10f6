/**
 * The dashboard of one run, when it is on: its code is loaded only then. It listens on the
 * configured port, or on the default one and a free port when that is taken (a second stack on the
 * same machine), with a token made for this run.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ResolvedDashboard } from '../config/resolved.js';
import type { DashboardServer, DashboardTarget } from '../dashboard/dashboard-server.js';
import { DevstackError } from '../errors.js';
import { SAMPLE_INTERVAL_MS } from './resource-sampling.js';

/** The built page: dist/dashboard-ui, beside dist/app and dist/bundle alike. */
const ASSETS_DIR = fileURLToPath(new URL('../dashboard-ui/', import.meta.url));

export async function startStackDashboard(
  dashboard: ResolvedDashboard,
  target: () => DashboardTarget | undefined,
): Promise<DashboardServer> {
  const { startDashboardServer } = await import('../dashboard/dashboard-server.js');
  const token = randomBytes(18).toString('base64url');
  const start = (port: number): Promise<DashboardServer> =>
    startDashboardServer({ target, port, token, assetsDir: ASSETS_DIR, usageIntervalMs: SAMPLE_INTERVAL_MS });
  const port = dashboard.port === 'auto' ? 0 : dashboard.port;
  try {
    return await start(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && dashboard.fallback) return start(0);
    if (code === 'ENOENT')
      throw new DevstackError('DASHBOARD_UNAVAILABLE', `the dashboard's page is missing (${ASSETS_DIR}): devstack was not built`, {
        hint: 'run "npm run build" in the devstack checkout, or turn the dashboard off (dashboard: false)',
      });
    throw new DevstackError(
      'DASHBOARD_UNAVAILABLE',
      `dashboard.port: cannot listen on 127.0.0.1:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : (error as Error).message}`,
      { field: 'dashboard.port', hint: "choose another port, or 'auto'" },
    );
  }
}
