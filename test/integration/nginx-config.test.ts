// The nginx.conf devstack writes, for stacks of every shape, checked by nginx itself (`nginx -t`):
// prefix routes with and without stripping, host names, HTTPS, no access log, a target that is not
// part of the run, no `/` route; and which stacks nginx cannot serve as they are.
import { resolvedProxy } from '../helpers/config.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nginxConfigOf, nginxUnsuitable, type NginxSite } from '../../src/proxy/nginx-config.js';

const NGINX = '/usr/sbin/nginx';
const dir = mkdtempSync(join(tmpdir(), 'devstack-nginx-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const proxy = resolvedProxy({ 'api.localhost': 'api', 'web.localhost': 'web', 'shop.localhost': 'web', 'admin.localhost': 'admin' });

function site(overrides: Partial<NginxSite> = {}): NginxSite {
  return {
    proxy,
    services: [
      { name: 'admin', port: 4003 },
      { name: 'api', port: 4001 },
      { name: 'web', port: 4002 },
    ],
    httpPort: 18080,
    https: undefined,
    dir,
    holdSocket: (index) => join(dir, `hold-${index}.sock`),
    gateFile: (index) => join(dir, 'gates', String(index)),
    accessLogFile: join(dir, 'proxy.log'),
    asRoot: process.getuid?.() === 0,
    ...overrides,
  };
}

/** nginx's own check of a config: its error line, or undefined when it passes. */
function nginxRejects(config: string): string | undefined {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  for (const sub of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'gates'])
    mkdirSync(join(dir, sub), { recursive: true });
  try {
    execFileSync(NGINX, ['-t', '-q', '-p', dir, '-c', file], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error);
  }
}

describe('the nginx config', () => {
  it('routes each prefix at a segment boundary, strips where asked, and gates every service on its readiness file', () => {
    const config = nginxConfigOf(site());
    expect(config).toContain('location = /api { ');
    expect(config).toContain('location ^~ /api/ { ');
    expect(config).toContain('rewrite ^/api(/.*)$ $1 break;');
    expect(config).not.toContain('rewrite ^/api/admin');
    expect(config).toMatch(/server_name shop\.localhost web\.localhost|server_name web\.localhost shop\.localhost/);
    expect(config).toContain(`if (!-f ${join(dir, 'gates', '1')}) { set $devstack_upstream devstack_hold_1; }`);
    expect(config).toContain(`server 127.0.0.1:4001 max_fails=0; server unix:${join(dir, 'hold-1.sock')} max_fails=0 backup;`);
    expect(config).toContain('proxy_redirect http://127.0.0.1:4001/ $scheme://$http_host/;');
  });

  const shapes: [string, NginxSite][] = [
    ['routes, hosts and an access log', site()],
    ['HTTPS beside HTTP', site({ https: { port: 18443, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } })],
    ['no access log', site({ accessLogFile: undefined })],
    [
      'a target that is not part of this run',
      site({
        services: [
          { name: 'admin', port: undefined },
          { name: 'api', port: 4001 },
          { name: 'web', port: 4002 },
        ],
      }),
    ],
    ['no route for /', site({ proxy: { ...proxy, routes: proxy.routes.filter((route) => route.prefix !== '/') } })],
    ['host names only', site({ proxy: { ...proxy, routes: [] } })],
  ];
  it.runIf(existsSync(NGINX)).each(shapes)('passes nginx -t: %s', (_shape, shape) => {
    if (shape.https !== undefined) {
      // A throwaway self-signed pair: nginx -t loads the files.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-subj',
          '/CN=localhost',
          '-days',
          '1',
          '-keyout',
          shape.https.keyFile,
          '-out',
          shape.https.certFile,
        ],
        { stdio: 'ignore' },
      );
    }
    expect(nginxRejects(nginxConfigOf(shape))).toBeUndefined();
  });

  it('says why a stack cannot run on nginx as it is: a prefix nginx would match decoded, a folder nginx cannot quote or too long for sockets', () => {
    expect(nginxUnsuitable(proxy, dir)).toBeUndefined();
    expect(nginxUnsuitable({ ...proxy, routes: [{ prefix: '/caf%C3%A9', service: 'web', stripPrefix: false }] }, dir)).toMatch(
      /\/caf%C3%A9/,
    );
    expect(nginxUnsuitable(proxy, '/tmp/with space')).toMatch(/cannot hold/);
    expect(nginxUnsuitable(proxy, `/tmp/${'x'.repeat(100)}`)).toMatch(/too long for unix sockets/);
  });
});
