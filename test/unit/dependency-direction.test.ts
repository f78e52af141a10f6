// Enforces the layering in ../shared/STYLE.md: nothing imports the CLI, leaf modules do not import
// the supervisor, and only the CLI touches the terminal or exits.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const files = sourceFiles(SRC).map((file) => ({ path: relative(SRC, file), text: readFileSync(file, 'utf8') }));
const layer = (path: string): string => path.split('/')[0]!.replace(/\.(ts|js)$/, '');
const importsOf = (text: string): string[] => [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);

const ALLOWED: Record<string, string[]> = {
  cli: ['app', 'config', 'control', 'databases', 'env', 'errors', 'export', 'init', 'logs', 'mcp', 'process', 'supervisor', 'util', 'cli'],
  // The Compose export reads the config and the engines' container contracts, nothing that runs.
  export: ['config', 'databases', 'util', 'export'],
  // The MCP server reads the stack through the control API, the log files and app/ (the environment).
  mcp: ['app', 'config', 'control', 'errors', 'logs', 'supervisor', 'util', 'mcp'],
  // devstack init reads a repository: it knows config (templates, self-watching tools) and env files, nothing that runs.
  init: ['config', 'databases', 'env', 'graph', 'util', 'errors', 'init', 'workspaces'],
  // A repository's workspace packages and their local dependencies: for init and for hot restart.
  workspaces: ['util', 'workspaces'],
  app: ['config', 'control', 'dashboard', 'databases', 'env', 'errors', 'graph', 'logs', 'process', 'proxy', 'supervisor', 'util', 'app'],
  // The dashboard serves a ControlTarget (control/server.ts) over HTTP; its page (dashboard/ui) uses the supervisor's types and pure timeline.
  dashboard: ['control', 'logs', 'supervisor', 'util', 'dashboard'],
  // The proxy knows services only through their snapshots' availability (proxy/availability.ts).
  // process: to name who holds a taken port (process/port-holder.ts).
  proxy: ['config', 'errors', 'process', 'supervisor', 'util', 'proxy'],
  control: ['supervisor', 'process', 'util', 'errors', 'control', 'logs'],
  // The supervisor knows no engine: database lifecycles are passed in (supervisor/lifecycle.ts).
  supervisor: ['config', 'env', 'graph', 'health', 'process', 'util', 'errors', 'supervisor', 'watch', 'workspaces'],
  databases: ['config', 'health', 'util', 'errors', 'databases', 'supervisor'],
  watch: ['util', 'errors', 'watch'],
  // The per-engine facts (ports, defaults, URLs) live with each engine, in databases/engines/.
  config: ['errors', 'graph', 'util', 'config', 'databases'],
  graph: ['util', 'graph'],
  env: ['config', 'util', 'env', 'databases', 'process'],
  health: ['config', 'util', 'errors', 'health'],
  process: ['util', 'errors', 'process'],
  logs: ['util', 'errors', 'logs', 'supervisor'],
  util: ['util'],
  errors: [],
  index: ['config'],
};

describe('module layering', () => {
  it.each(files.map((file) => [file.path, file] as const))('%s imports only allowed layers', (_path, file) => {
    const from = layer(file.path);
    const allowed = ALLOWED[from];
    expect(allowed, `no layering rule for ${from}`).toBeDefined();
    for (const specifier of importsOf(file.text)) {
      const target = layer(relative(SRC, join(SRC, file.path, '..', specifier)));
      expect(allowed, `${file.path} imports ${specifier}`).toContain(target);
    }
  });

  it('config, env and init reach into databases/ only for the engine table', () => {
    for (const file of files.filter((f) => f.path.startsWith('config/') || f.path.startsWith('env/') || f.path.startsWith('init/'))) {
      for (const specifier of importsOf(file.text).filter((s) => s.includes('/databases/'))) {
        expect(specifier, `${file.path} imports ${specifier}`).toMatch(/\/databases\/engines\/index\.js$/);
      }
    }
  });

  it('databases and logs use only the types and pure describers of the supervisor', () => {
    for (const file of files.filter((f) => f.path.startsWith('databases/') || f.path.startsWith('logs/'))) {
      for (const match of file.text.matchAll(/^import (type )?[^;]*from '(\.\.\/supervisor\/[^']+)'/gm)) {
        if (match[1] === undefined) expect(match[2], `${file.path} imports ${match[2]}`).toMatch(/describe-event\.js$/);
      }
    }
  });

  it('only the CLI prints or exits', () => {
    for (const file of files.filter((f) => !f.path.startsWith('cli/'))) {
      expect(file.text, file.path).not.toMatch(/console\.(log|error|warn)|process\.exit\(|process\.std(out|err)\.write/);
    }
  });
});
