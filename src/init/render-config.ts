/**
 * The plan as services.config.ts source: plain object literals, every inferred value followed by a
 * comment saying where it came from, and every guess marked `guess:` so a reader knows what to check.
 */
import type { Finding } from './detect-service.js';
import type { InitPlan, PlannedContainer, PlannedDatabase, PlannedDependency, PlannedEnv, PlannedService } from './init-plan.js';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

const key = (name: string): string => (IDENTIFIER.test(name) ? name : quote(name));
const comment = (text: string): string => `// ${text.replace(/\s*\n\s*/g, ' ')}`;
const trailing = (text: string | undefined): string => (text === undefined ? '' : ` ${comment(text)}`);
const findingNote = (finding: Finding<unknown>): string => (finding.guess ? `guess: ${finding.from}` : finding.from);

function literal(value: string | number | boolean): string {
  return typeof value === 'string' ? quote(value) : String(value);
}

class Writer {
  readonly #lines: string[] = [];
  #depth = 0;

  line(text: string): void {
    this.#lines.push(text === '' ? '' : `${'  '.repeat(this.#depth)}${text}`);
  }
  comments(notes: readonly string[]): void {
    for (const note of notes) this.line(comment(note));
  }
  open(text: string): void {
    this.line(text);
    this.#depth++;
  }
  close(text: string): void {
    this.#depth--;
    this.line(text);
  }
  field(name: string, value: string | number | boolean | undefined, note?: string): void {
    if (value !== undefined) this.line(`${key(name)}: ${literal(value)},${trailing(note)}`);
  }
  list(name: string, items: readonly string[]): void {
    if (items.length > 0) this.line(`${key(name)}: [${items.map(quote).join(', ')}],`);
  }
  dependsOn(dependencies: readonly PlannedDependency[]): void {
    if (dependencies.length === 0) return;
    this.open('dependsOn: [');
    for (const dependency of dependencies) this.line(`${quote(dependency.name)},${trailing(dependency.why)}`);
    this.close('],');
  }
  env(entries: readonly PlannedEnv[]): void {
    if (entries.length === 0) return;
    this.open('env: {');
    for (const entry of entries) this.line(`${key(entry.key)}: ${quote(entry.value)},${trailing(entry.note)}`);
    this.close('},');
  }
  text(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

function writeDatabase(writer: Writer, database: PlannedDatabase): void {
  writer.comments(database.notes);
  writer.open(`${key(database.name)}: {`);
  writer.field('engine', database.engine);
  // Commented out: any installed major serves development; pinning the image's would refuse a native 15 for postgres:14.
  if (database.version !== undefined)
    writer.line(`// version: ${quote(database.version)}, // the image's version; uncomment to require exactly this major`);
  writer.field('port', database.port);
  writer.field('user', database.user);
  writer.field('password', database.password);
  writer.field('database', database.database);
  writer.field('init', database.init);
  if (database.management) writer.field('management', true);
  writer.list('profiles', database.profiles);
  writer.close('},');
}

function writeContainer(writer: Writer, container: PlannedContainer): void {
  writer.comments(container.notes);
  writer.open(`${key(container.name)}: {`);
  writer.field('image', container.image);
  writer.field('build', container.build === undefined ? undefined : container.build || '.');
  if (container.command !== undefined) writer.list('command', container.command);
  const ports = Object.entries(container.ports);
  if (ports.length > 0) {
    writer.open('ports: {');
    for (const [name, port] of ports) writer.line(`${key(name)}: { port: ${literal(port.port)}, container: ${port.container} },`);
    writer.close('},');
  }
  writer.env(container.env);
  const volumes = Object.entries(container.volumes);
  if (volumes.length > 0) {
    writer.open('volumes: {');
    for (const [name, path] of volumes) writer.field(name, path);
    writer.close('},');
  }
  writer.dependsOn(container.dependsOn);
  writer.field('health', container.health, container.health === undefined ? undefined : 'from its healthcheck');
  writer.list('profiles', container.profiles);
  writer.close('},');
}

function writeService(writer: Writer, service: PlannedService): void {
  writer.comments(service.notes);
  writer.open(`${key(service.name)}: {`);
  if (service.cwd !== '') writer.field('cwd', service.cwd);
  writer.field('command', service.command, service.commandNote);
  if (service.task) writer.field('type', 'task');
  if (service.port !== undefined)
    writer.field(
      'port',
      service.port.value,
      `${findingNote(service.port)}${service.port.value === 'auto' ? ' (a free port at each up)' : ''}`,
    );
  if (service.health !== undefined) {
    const { value } = service.health;
    if (typeof value === 'string') writer.field('health', value, findingNote(service.health));
    else writer.line(`health: { tcp: ${quote(value.tcp)} },${trailing(findingNote(service.health))}`);
  }
  writer.dependsOn(service.dependsOn);
  writer.env(service.env);
  if (service.watch !== undefined) writer.field('watch', true, service.watch);
  writer.list('profiles', service.profiles);
  writer.close('},');
}

export function renderConfig(plan: InitPlan, header: readonly string[]): string {
  const writer = new Writer();
  writer.comments(header);
  writer.line("import { defineConfig } from 'devstack';");
  writer.line('');
  writer.open('export default defineConfig({');
  if (plan.databases.length > 0) {
    writer.open('databases: {');
    for (const database of plan.databases) writeDatabase(writer, database);
    writer.close('},');
  }
  if (plan.containers.length > 0) {
    writer.open('containers: {');
    for (const container of plan.containers) writeContainer(writer, container);
    writer.close('},');
  }
  writer.open('services: {');
  for (const service of plan.services) writeService(writer, service);
  writer.close('},');
  writer.close('});');
  return writer.text();
}
