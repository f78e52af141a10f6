/**
 * devstack as a user installs it: `npm pack` of a copy of the package (so packing never rewrites
 * the dist/ that other tests are running), and throwaway projects that install the tarball.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './project.js';

export interface Exec {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion (no shell), with NO_COLOR and npm's prompts off. */
export function exec(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', ...env } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

/** Packs devstack as `npm pack` would publish it; returns the tarball's path. */
export async function packDevstack(): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'devstack-pack-'));
  for (const entry of ['package.json', 'README.md', 'bin', 'dist', 'scripts'])
    cpSync(join(REPO_ROOT, entry), join(copy, entry), { recursive: true });
  const packed = await exec('npm', ['pack', '--pack-destination', copy], copy);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const tarball = readdirSync(copy).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball:\n${packed.stdout}`);
  return join(copy, tarball);
}

/** A new folder with `files` written into it (nested paths allowed). */
export function tempFolder(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
