/**
 * What a service needs around its process beyond spawning a command: a database prepares its
 * storage and says how to launch its server, provisions itself once it answers, and removes its
 * container after the stop. The supervisor knows only this interface; the app layer passes the
 * lifecycles in (databases/ implements them), so the supervisor never learns about engines.
 */
import type { Problem, Result } from '../util/result.js';
import type { CommandLine } from '../util/shell-words.js';

export interface Launch {
  readonly command: CommandLine;
  /** Run as this user (a database server when devstack is root). */
  readonly runAs: { readonly name: string; readonly uid: number; readonly gid: number } | undefined;
  /** The server's working directory, when not the service's (one `runAs` can enter: its data folder). */
  readonly cwd?: string | undefined;
  /** Added to the process's environment (a password handed over without showing it in argv). */
  readonly env: Readonly<Record<string, string>>;
}

export interface StepContext {
  /** The service's ports for this run: name → number, the main one first. */
  readonly ports: ReadonlyMap<string, number>;
  /** The service's resolved environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Lines for the service's log (initdb's output, volume creation…). */
  readonly log: (lines: readonly string[]) => void;
}

export interface ServiceLifecycle {
  /** For `ps`: how it runs (`native 15`, `container redis:7 (docker)`). */
  readonly description: string;
  beforeSpawn(context: StepContext): Promise<Result<Launch, Problem>>;
  afterReady(context: StepContext): Promise<Result<undefined, Problem>>;
  afterStop(): Promise<void>;
}
