import { describe, expect, it } from 'vitest';
import { dependentsOf, findCycle, formatCycle, topologicalOrder, withDependencies, withDependents } from '../../src/graph/graph.js';

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
    expect(findCycle(graph)).toEqual({ ok: true });
  });

  it('spells out the whole cycle', () => {
    const cyclic = [
      { name: 'x', dependsOn: [] },
      { name: 'a', dependsOn: ['x', 'b'] },
      { name: 'b', dependsOn: ['c'] },
      { name: 'c', dependsOn: ['a'] },
    ];
    const result = findCycle(cyclic);
    expect(result).toEqual({ ok: false, cycle: ['a', 'b', 'c', 'a'] });
    expect(formatCycle(result.ok ? [] : result.cycle)).toBe('a → b → c → a');
    expect(findCycle([{ name: 'a', dependsOn: ['a'] }])).toEqual({ ok: false, cycle: ['a', 'a'] });
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
});
