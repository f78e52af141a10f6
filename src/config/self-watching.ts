/**
 * Commands whose tool restarts (or hot-reloads) the service by itself on file changes. With
 * devstack's `watch` on the same service, one save restarts it twice — the first boot wasted — so
 * `up` says which of the two should go. Pure: npm/yarn/pnpm scripts are looked up by the caller.
 */
const SELF_WATCHERS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'nodemon', pattern: /(^|[\s/;&|(])nodemon(\s|$)/ },
  { name: 'nest start --watch', pattern: /\bnest\s+start\b[^;&|]*\s(--watch|-w)\b/ },
  { name: 'fastify start --watch', pattern: /\bfastify\s+start\b[^;&|]*\s(--watch|-w)\b/ },
  { name: 'tsx watch', pattern: /\btsx\s+watch\b/ },
  { name: 'node --watch', pattern: /\bnode\b[^;&|]*\s--watch\b/ },
  { name: 'ts-node-dev', pattern: /\b(ts-node-dev|tsnd)\b/ },
  { name: 'next dev', pattern: /\bnext\s+dev\b/ },
  { name: 'nuxt dev', pattern: /\bnuxi?\s+dev\b/ },
  { name: 'astro dev', pattern: /\bastro\s+dev\b/ },
  { name: 'remix dev', pattern: /\bremix\s+(vite:)?dev\b/ },
  { name: 'webpack --watch', pattern: /\bwebpack(-dev-server|\s+serve|[^;&|]*\s--watch)\b/ },
  { name: 'bun --watch', pattern: /\bbun\b[^;&|]*\s--(watch|hot)\b/ },
  { name: 'deno --watch', pattern: /\bdeno\b[^;&|]*\s--watch\b/ },
  // `vite`, `vite dev` and `vite serve` run the dev server (HMR); `vite build` and `vite preview` do not.
  { name: 'vite', pattern: /(^|[\s/;&|(])vite(\s+(dev|serve))?(\s+-[^;&|]*)?\s*($|[;&|])/ },
];

/** The self-watching tool a command line runs, if any. */
export function selfWatcherIn(commandLine: string): string | undefined {
  return SELF_WATCHERS.find((watcher) => watcher.pattern.test(commandLine))?.name;
}

/** `npm run dev`, `npm start`, `yarn dev`, `pnpm run dev` → the script's name; undefined otherwise. */
export function packageScriptOf(commandLine: string): string | undefined {
  const match = /^\s*(?:npm\s+(?:run(?:-script)?\s+(\S+)|(start|test))|yarn\s+(?:run\s+)?(\S+)|pnpm\s+(?:run\s+)?(\S+))\s*$/.exec(
    commandLine,
  );
  if (match === null) return undefined;
  const name = match[1] ?? match[2] ?? match[3] ?? match[4];
  return name === undefined || name.startsWith('-') ? undefined : name;
}
