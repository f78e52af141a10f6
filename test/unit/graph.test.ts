import { describe, expect, it } from 'vitest';
import {
  dependentsOf,
  findCycle,
  inReverseDependencyOrder,
  formatCycle,
  topologicalOrder,
  withDependencies,
  withDependents,
} from '../../src/graph/graph.js';

const graph = [
  { name: 'db', dependsOn: [] },
  { name: 'cache', dependsOn: [] },
  { name: 'auth', dependsOn: ['db'] },
  { name: 'users', dependsOn: ['auth', 'cache'] },
  { name: 'web', dependsOn: ['users'] },
  { name: 'docs', dependsOn: [] },
];

describe('dependency graph', () => {
  it('finds no cycle in a DAG', () => {
    expect(findCycle(graph)).toEqual({ ok: true, value: undefined });
  });

  it('spells out the whole cycle', () => {
    const cyclic = [
      { name: 'x', dependsOn: [] },
      { name: 'a', dependsOn: ['x', 'b'] },
      { name: 'b', dependsOn: ['c'] },
      { name: 'c', dependsOn: ['a'] },
    ];
    const result = findCycle(cyclic);
    expect(result).toEqual({ ok: false, error: ['a', 'b', 'c', 'a'] });
    expect(formatCycle(result.ok ? [] : result.error)).toBe('a → b → c → a');
    expect(findCycle([{ name: 'a', dependsOn: ['a'] }])).toEqual({ ok: false, error: ['a', 'a'] });
  });

  it('selects a service and its transitive dependencies only', () => {
    expect(withDependencies(graph, ['users'])).toEqual(['db', 'cache', 'auth', 'users']);
    expect(withDependencies(graph, ['docs'])).toEqual(['docs']);
  });

  it('selects a service and its transitive dependents', () => {
    expect(withDependents(graph, ['auth'])).toEqual(['auth', 'users', 'web']);
    expect(withDependents(graph, ['cache'])).toEqual(['cache', 'users', 'web']);
    expect(dependentsOf(graph, 'db')).toEqual(['auth']);
  });

  it('orders dependencies first, stable in config order', () => {
    expect(topologicalOrder(graph)).toEqual(['db', 'cache', 'auth', 'users', 'web', 'docs']);
  });

  it('acts on a name only after everything among the names that depends on it', async () => {
    const order: string[] = [];
    const started: string[] = [];
    await inReverseDependencyOrder(graph, ['db', 'cache', 'auth', 'users', 'web', 'docs'], async (name) => {
      started.push(name);
      await Promise.resolve();
      order.push(name);
    });
    const before = (a: string, b: string): boolean => order.indexOf(a) < order.indexOf(b);
    expect(before('web', 'users') && before('users', 'auth') && before('auth', 'db') && before('users', 'cache')).toBe(true);
    // Independent of the rest: started in the first wave, together with web.
    expect(started.slice(0, 2).sort()).toEqual(['docs', 'web']);
    // Names outside the set do not hold anything back.
    const partial: string[] = [];
    await inReverseDependencyOrder(graph, ['db', 'auth'], async (name) => void partial.push(name));
    expect(partial).toEqual(['auth', 'db']);
  });
});
