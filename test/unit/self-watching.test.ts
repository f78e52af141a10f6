import { describe, expect, it } from 'vitest';
import { packageScriptOf, selfWatcherIn } from '../../src/config/self-watching.js';

describe('commands that restart themselves on changes', () => {
  it.each([
    ['nodemon src/server.js', 'nodemon'],
    ['npx nodemon --exec ts-node src/main.ts', 'nodemon'],
    ['nest start --watch', 'nest start --watch'],
    ['nest start --debug --watch', 'nest start --watch'],
    ['fastify start -w -l info app.js', 'fastify start --watch'],
    ['tsx watch src/index.ts', 'tsx watch'],
    ['node --watch server.js', 'node --watch'],
    ['ts-node-dev --respawn src/index.ts', 'ts-node-dev'],
    ['next dev -p 3000', 'next dev'],
    ['vite', 'vite'],
    ['vite --port 5173', 'vite'],
    ['vite dev', 'vite'],
    ['webpack serve --mode development', 'webpack --watch'],
    ['bun --watch index.ts', 'bun --watch'],
    ['node server.js', undefined],
    ['vite build', undefined],
    ['vite preview', undefined],
    ['nest start', undefined],
    ['next start', undefined],
    ['tsx src/index.ts', undefined],
  ])('%s → %s', (command, watcher) => {
    expect(selfWatcherIn(command)).toBe(watcher);
  });

  it.each([
    ['npm run dev', 'dev'],
    ['npm run-script start:dev', 'start:dev'],
    ['npm start', 'start'],
    ['yarn dev', 'dev'],
    ['pnpm run dev', 'dev'],
    ['pnpm dev', 'dev'],
    ['npm run dev -- --port 3000', undefined],
    ['node server.js', undefined],
  ])('script of %s → %s', (command, script) => {
    expect(packageScriptOf(command)).toBe(script);
  });
});
