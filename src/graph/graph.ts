/**
 * Pure dependency-graph operations over `{ name, dependsOn }`. The graph has been checked for
 * unknown names before it gets here (config/resolve.ts); cycles are found here.
 */
import { err, ok, type Result } from '../util/result.js';
export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

/** No cycle, or the cycle found (`a → b → a` as [a, b, a]). */
export type CycleCheck = Result<undefined, readonly string[]>;

/** Finds a cycle, returned as the full trail with the first name repeated at the end. */
export function findCycle(nodes: readonly GraphNode[]): CycleCheck {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];

  const visit = (name: string): readonly string[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...trail.slice(trail.indexOf(name)), name];
    state.set(name, 'visiting');
    trail.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(name, 'done');
    return undefined;
  };

  for (const node of nodes) {
    const cycle = visit(node.name);
    if (cycle) return err(cycle);
  }
  return ok(undefined);
}

/** `a → b → c → a` */
export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** The requested names plus everything they transitively depend on, in config order. */
export function withDependencies(nodes: readonly GraphNode[], requested: readonly string[]): string[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) add(dependency);
  };
  requested.forEach(add);
  return nodes.map((node) => node.name).filter((name) => wanted.has(name));
}

/** The given names plus everything that transitively depends on them, in config order. */
export function withDependents(nodes: readonly GraphNode[], names: readonly string[]): string[] {
  const affected = new Set(names);
  let grew = true;
  while (grew) {
    grew = false;
    for (const node of nodes) {
      if (!affected.has(node.name) && node.dependsOn.some((dependency) => affected.has(dependency))) {
        affected.add(node.name);
        grew = true;
      }
    }
  }
  return nodes.map((node) => node.name).filter((name) => affected.has(name));
}

/** Direct dependents of `name` among `nodes`. */
export function dependentsOf(nodes: readonly GraphNode[], name: string): string[] {
  return nodes.filter((node) => node.dependsOn.includes(name)).map((node) => node.name);
}

/**
 * A topological order (dependencies first), stable with respect to config order. Used for
 * display and for the reverse order of shutdown; startup itself is event-driven (a service starts
 * the moment its own dependencies are ready).
 */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const next = nodes.find((node) => !placed.has(node.name) && node.dependsOn.every((d) => placed.has(d)));
    if (next === undefined) throw new Error('topologicalOrder: graph has a cycle'); // resolve rejects cycles first
    placed.add(next.name);
    order.push(next.name);
  }
  return order;
}

/**
 * Runs `action` for each of `names` once everything among `names` that depends on it has finished:
 * reverse dependency order, independent names in parallel (how a stack is stopped).
 */
export function inReverseDependencyOrder(
  nodes: readonly GraphNode[],
  names: readonly string[],
  action: (name: string) => Promise<void>,
): Promise<void> {
  const done = new Map<string, Promise<void>>();
  const run = (name: string): Promise<void> => {
    let promise = done.get(name);
    if (promise === undefined) {
      promise = (async () => {
        await Promise.all(
          dependentsOf(nodes, name)
            .filter((dependent) => names.includes(dependent))
            .map(run),
        );
        await action(name);
      })();
      done.set(name, promise);
    }
    return promise;
  };
  return Promise.all(names.map(run)).then(() => undefined);
}
