/**
 * The dashboard page: one live stream of the stack (overview, per-service changes, events, usage)
 * and one of its logs, both read as JSON lines over fetch; the services table, the virtualised
 * logs with filters kept in the URL, the startup waterfall, and the controls. No framework: the
 * page is a table, a list and some bars, and its whole script is a few kilobytes.
 */
import type { ServiceSnapshot, StampedEvent } from '../../supervisor/events.js';
import type { RestartSpan, StartupTimeline } from '../../supervisor/timeline.js';
import { LogStore, STREAMS, type LogFilter } from './log-store.js';
import { LogView } from './log-view.js';
import { renderRestarts, renderWaterfall } from './waterfall.js';

interface Overview {
  readonly services: readonly ServiceSnapshot[];
  readonly pid: number;
  readonly startedAt: string;
  readonly proxy?: { readonly url: string; readonly port: number; readonly engine?: string; readonly pid?: number } | undefined;
  readonly configFile: string;
  readonly startupDone: boolean;
  readonly proxyUrl?: string | undefined;
  readonly timeline: StartupTimeline | undefined;
  readonly restarts: readonly RestartSpan[];
}

type StreamMessage =
  | { readonly type: 'overview'; readonly overview: Overview }
  | { readonly type: 'service'; readonly service: ServiceSnapshot }
  | { readonly type: 'event'; readonly event: StampedEvent }
  | { readonly type: 'usage'; readonly services: readonly ServiceSnapshot[]; readonly now: number }
  | { readonly type: 'timeline'; readonly timeline: StartupTimeline | undefined; readonly restarts: readonly RestartSpan[] };

const params = new URLSearchParams(location.search);
const token = params.get('token') ?? '';
const HISTORY_LINES = Number(params.get('history') ?? 100_000);

const $ = <T extends HTMLElement>(selector: string): T => document.querySelector<T>(selector)!;

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(path, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), 'x-devstack-token': token, 'content-type': 'application/json' },
  });
}

/** Reads a JSON-lines response, handing each batch of parsed lines to `onBatch`, until it ends. */
async function readLines<T>(response: Response, onBatch: (items: T[]) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const text = rest + value;
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      rest = text;
      continue;
    }
    rest = text.slice(end + 1);
    // One parse per chunk, not per line: a million lines arrive in a second or two.
    onBatch(JSON.parse(`[${text.slice(0, end).split('\n').join(',')}]`) as T[]);
  }
}

// ---- state ---------------------------------------------------------------------------------

const services = new Map<string, ServiceSnapshot>();
let clockOffset = 0; // server time − page time
let timeline: StartupTimeline | undefined;
let restarts: readonly RestartSpan[] = [];
const store = new LogStore();
const view = new LogView(store, $('#log-view'), $('#log-details'));
(window as unknown as { devstackDashboard: unknown }).devstackDashboard = { store, view }; // for the browser tests

// ---- services table ------------------------------------------------------------------------

const STATE_SHAPES: Readonly<Record<string, string>> = {
  ready: '●',
  exited: '✓',
  starting: '◐',
  stopping: '◑',
  pending: '…',
  backoff: '↻',
  failed: '✕',
  stopped: '○',
};

function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function formatMemory(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${mib.toFixed(mib >= 100 ? 0 : 1)} MiB`;
}

function cell(row: HTMLTableRowElement, index: number): HTMLTableCellElement {
  while (row.cells.length <= index) row.insertCell();
  return row.cells[index]!;
}

function setText(target: HTMLElement, text: string): void {
  if (target.textContent !== text) target.textContent = text;
}

function portsCell(target: HTMLElement, service: ServiceSnapshot): void {
  const key = JSON.stringify([service.ports, service.url]);
  if (target.dataset['key'] === key) return;
  target.dataset['key'] = key;
  target.replaceChildren();
  const http = service.url !== undefined && /^https?:/.test(service.url);
  for (const [name, port] of Object.entries(service.ports)) {
    if (target.childNodes.length > 0) target.append(' ');
    if (http) {
      const link = document.createElement('a');
      link.href = port === service.port ? service.url! : `http://127.0.0.1:${port}`;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      link.textContent = Object.keys(service.ports).length > 1 ? `${name}:${port}` : String(port);
      target.append(link);
    } else {
      const span = document.createElement('span');
      span.textContent = Object.keys(service.ports).length > 1 ? `${name}:${port}` : String(port);
      if (service.url !== undefined) span.title = service.url;
      target.append(span);
    }
  }
  if (target.childNodes.length === 0) target.textContent = '-';
}

function detailsCell(target: HTMLElement, service: ServiceSnapshot): void {
  const parts: string[] = [];
  if (service.mode !== undefined) parts.push(service.mode);
  if (service.state === 'pending' && service.waitingOn.length > 0) parts.push(`waiting on ${service.waitingOn.join(', ')}`);
  if (service.message !== undefined) parts.push(service.message);
  const tail = service.state === 'failed' ? store.tailOf(service.name, 6) : [];
  const key = JSON.stringify([parts, tail]);
  if (target.dataset['key'] === key) return;
  target.dataset['key'] = key;
  target.replaceChildren(parts.join(' · '));
  if (tail.length > 0) {
    const pre = document.createElement('pre');
    pre.className = 'tail';
    pre.textContent = tail.join('\n');
    target.append(pre);
  }
}

function actionButton(action: 'restart' | 'stop' | 'start', label: string, service: string): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.title = `${action} ${service}`;
  button.dataset['action'] = action;
  button.dataset['service'] = service;
  return button;
}

const RUNNING = ['starting', 'ready', 'backoff'];

function renderService(service: ServiceSnapshot): void {
  const body = $<HTMLTableSectionElement>('#services tbody');
  let row = body.querySelector<HTMLTableRowElement>(`tr[data-service="${CSS.escape(service.name)}"]`);
  if (row === null) {
    row = body.insertRow();
    row.dataset['service'] = service.name;
    const actions = cell(row, 9);
    actions.className = 'actions';
    // The proxy runs in the supervisor: it has no controls of its own.
    if ((service.kind as string) !== 'proxy')
      actions.append(
        actionButton('restart', '↻', service.name),
        actionButton('stop', '■', service.name),
        actionButton('start', '▶', service.name),
      );
    for (const index of [3, 4, 5, 6, 7]) cell(row, index).className = 'num';
    cell(row, 8).className = 'details';
  }
  row.dataset['state'] = service.state;
  const state = cell(row, 0);
  state.className = `state state-${service.state}`;
  setText(state, `${STATE_SHAPES[service.state] ?? '?'} ${service.state}`);
  const name = cell(row, 1);
  if (name.childNodes.length === 0) {
    name.append(service.name);
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = service.kind === 'service' ? '' : service.kind;
    name.append(kind);
  }
  portsCell(cell(row, 2), service);
  setText(cell(row, 3), service.pid === undefined ? '-' : String(service.pid));
  setText(
    cell(row, 4),
    service.startedAt === undefined || !RUNNING.includes(service.state)
      ? '-'
      : formatDuration(Date.now() + clockOffset - service.startedAt),
  );
  setText(cell(row, 5), String(service.restarts));
  setText(cell(row, 6), service.cpuPercent === undefined ? '-' : `${service.cpuPercent.toFixed(1)}%`);
  setText(cell(row, 7), formatMemory(service.memoryBytes));
  detailsCell(cell(row, 8), service);
  for (const button of row.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
    const action = button.dataset['action'];
    button.disabled =
      action === 'start'
        ? RUNNING.includes(service.state) || service.state === 'stopping'
        : action === 'stop'
          ? !RUNNING.includes(service.state) && service.state !== 'pending'
          : !RUNNING.includes(service.state) && service.state !== 'failed' && service.state !== 'exited';
  }
}

/** The proxy as a row: ready while the supervisor runs, with nginx's pid or the supervisor's; requests are in its log ("proxy"). */
function proxyRow(overview: Overview): ServiceSnapshot {
  const proxy = overview.proxy!;
  return {
    name: 'proxy',
    kind: 'proxy' as ServiceSnapshot['kind'],
    state: 'ready',
    pid: proxy.pid ?? overview.pid,
    port: proxy.port,
    ports: { http: proxy.port },
    url: proxy.url,
    startedAt: Date.parse(overview.startedAt),
    readyAt: undefined,
    restarts: 0,
    message: `the entry point${proxy.engine === 'nginx' ? ' (nginx)' : ''}; its requests are the "proxy" log`,
    waitingOn: [],
  };
}

function renderSummary(): void {
  const all = [...services.values()].filter((service) => (service.kind as string) !== 'proxy');
  const count = (states: readonly string[]): number => all.filter((service) => states.includes(service.state)).length;
  const failed = count(['failed']);
  setText(
    $('#stack-summary'),
    `${all.length} services · ${count(['ready', 'exited'])} ready${failed > 0 ? ` · ${failed} failed` : ''}${count(['starting', 'pending', 'backoff', 'stopping']) > 0 ? ` · ${count(['starting', 'pending', 'backoff', 'stopping'])} busy` : ''}`,
  );
}

function renderAll(): void {
  for (const service of services.values()) renderService(service);
  renderSummary();
}

function renderTimeline(): void {
  renderWaterfall($('#waterfall'), timeline);
  renderRestarts($('#restarts'), restarts, Date.now() + clockOffset);
}

// ---- controls ------------------------------------------------------------------------------

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string, tone: 'ok' | 'bad' | ''): void {
  const box = $('#toast');
  box.textContent = text;
  box.className = `toast ${tone}`;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 6000);
}

function describeOutcome(action: string, who: string, outcome: Record<string, unknown>): { text: string; tone: 'ok' | 'bad' } {
  switch (outcome['type']) {
    case 'ready':
      return {
        text: `${who}: ${action === 'restart' ? 'restarted' : 'started'}${typeof outcome['readyInMs'] === 'number' ? ` — ready in ${Math.round(outcome['readyInMs'])} ms` : ' — ready'}`,
        tone: 'ok',
      };
    case 'stopped':
      return { text: `stopped ${(outcome['services'] as string[]).join(', ') || 'nothing'}`, tone: 'ok' };
    case 'failed': {
      const failure = outcome['failure'] as { service: string; message: string };
      return { text: `${failure.service} failed: ${failure.message}`, tone: 'bad' };
    }
    default:
      return { text: `${who}: ${String(outcome['reason'] ?? outcome['error'] ?? 'not done')}`, tone: 'bad' };
  }
}

async function act(action: 'restart' | 'stop' | 'start', service: string | undefined, button: HTMLButtonElement): Promise<void> {
  const who = service ?? 'all services';
  button.disabled = true;
  toast(`${action} ${who}…`, '');
  try {
    const response = await api(`/api/${action}`, {
      method: 'POST',
      body: JSON.stringify(service === undefined ? { all: true } : { service }),
    });
    const outcome = (await response.json()) as Record<string, unknown>;
    const shown = describeOutcome(action, who, outcome);
    toast(shown.text, shown.tone);
  } catch (error) {
    toast(`${action} ${who}: ${(error as Error).message}`, 'bad');
  } finally {
    button.disabled = false;
    renderAll();
  }
}

document.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button');
  if (button === null || button.disabled) return;
  const stackAction = button.dataset['stackAction'];
  if (stackAction === 'restart' || stackAction === 'stop' || stackAction === 'start') void act(stackAction, undefined, button);
  const action = button.dataset['action'];
  if ((action === 'restart' || action === 'stop' || action === 'start') && button.dataset['service'] !== undefined)
    void act(action, button.dataset['service'], button);
  const tab = button.dataset['view'];
  if (tab !== undefined) showView(tab);
});

// ---- URL state: view and log filters -------------------------------------------------------

function saveUrl(): void {
  const next = new URLSearchParams(location.search);
  const filter = store.filter;
  const set = (key: string, value: string): void => void (value === '' ? next.delete(key) : next.set(key, value));
  set('service', filter.service);
  set('stream', filter.stream);
  set('q', filter.query);
  set('re', filter.regex ? '1' : '');
  history.replaceState(null, '', `${location.pathname}?${next.toString()}`);
}

function showView(name: string): void {
  const logs = name !== 'timeline';
  $('#logs-pane').hidden = !logs;
  $('#timeline-pane').hidden = logs;
  for (const tab of document.querySelectorAll<HTMLElement>('[data-view]'))
    tab.setAttribute('aria-selected', String(tab.dataset['view'] === (logs ? 'logs' : 'timeline')));
  const next = new URLSearchParams(location.search);
  if (logs) next.delete('view');
  else next.set('view', 'timeline');
  history.replaceState(null, '', `${location.pathname}?${next.toString()}`);
  if (logs) view.schedule();
  else renderTimeline();
}

const serviceSelect = $<HTMLSelectElement>('#log-service');
const streamSelect = $<HTMLSelectElement>('#log-stream');
const queryInput = $<HTMLInputElement>('#log-query');
const regexInput = $<HTMLInputElement>('#log-regex');
const followInput = $<HTMLInputElement>('#log-follow');

function renderCount(): void {
  setText(
    $('#log-count'),
    store.invalid !== undefined
      ? `invalid regex: ${store.invalid}`
      : `${store.matches.length.toLocaleString('en')} of ${store.size.toLocaleString('en')} lines`,
  );
  queryInput.classList.toggle('invalid', store.invalid !== undefined);
}

function applyFilter(): void {
  const filter: LogFilter = {
    service: serviceSelect.value,
    stream: streamSelect.value as LogFilter['stream'],
    query: queryInput.value,
    regex: regexInput.checked,
  };
  store.setFilter(filter);
  saveUrl();
  view.reset();
  renderCount();
}

function syncServiceOptions(): void {
  const wanted = ['', ...services.keys()];
  if ([...serviceSelect.options].map((option) => option.value).join('\n') === wanted.join('\n')) return;
  const current = serviceSelect.value || (params.get('service') ?? '');
  serviceSelect.replaceChildren(...wanted.map((name) => new Option(name === '' ? 'all services' : name, name)));
  serviceSelect.value = wanted.includes(current) ? current : '';
}

let filterTimer: ReturnType<typeof setTimeout> | undefined;
queryInput.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 120);
});
for (const input of [serviceSelect, streamSelect, regexInput]) input.addEventListener('change', applyFilter);
followInput.addEventListener('change', () => {
  view.follow = followInput.checked;
  view.schedule();
});
view.onFollowChange = (follow) => (followInput.checked = follow);

// ---- connections ---------------------------------------------------------------------------

function setConnection(text: string, up: boolean): void {
  const box = $('#connection');
  box.textContent = text;
  box.className = `connection ${up ? 'up' : 'down'}`;
}

function handle(message: StreamMessage): void {
  switch (message.type) {
    case 'overview':
      services.clear();
      $('#services tbody').replaceChildren();
      for (const service of message.overview.services) services.set(service.name, service);
      if (message.overview.proxy !== undefined) services.set('proxy', proxyRow(message.overview));
      timeline = message.overview.timeline;
      restarts = message.overview.restarts;
      document.title = `devstack · ${message.overview.configFile}`;
      syncServiceOptions();
      renderAll();
      renderTimeline();
      return;
    case 'service':
      services.set(message.service.name, message.service);
      renderService(message.service);
      renderSummary();
      return;
    case 'usage':
      clockOffset = message.now - Date.now();
      for (const service of message.services) services.set(service.name, service);
      renderAll();
      return;
    case 'timeline':
      timeline = message.timeline;
      restarts = message.restarts;
      if (!$('#timeline-pane').hidden) renderTimeline();
      return;
    case 'event':
      if (message.event.type === 'warning') toast(`${message.event.service ?? 'devstack'}: ${message.event.message}`, 'bad');
      if (message.event.type === 'run-finished') setConnection('the stack stopped', false);
      return;
  }
}

async function follow(path: string, onLines: (items: unknown[]) => void, onOpen: () => void): Promise<'ended' | 'refused'> {
  try {
    const response = await api(path);
    if (response.status === 401 || response.status === 403) return 'refused';
    if (!response.ok) return 'ended';
    onOpen();
    await readLines(response, onLines);
  } catch {
    // the supervisor went away: the caller retries
  }
  return 'ended';
}

async function followStack(): Promise<void> {
  for (;;) {
    const result = await follow(
      '/api/stream',
      (items) => items.forEach((item) => handle(item as StreamMessage)),
      () => setConnection('live', true),
    );
    if (result === 'refused')
      return setConnection('refused: this URL is of an earlier run; "devstack dashboard" prints the current one', false);
    setConnection('disconnected: retrying…', false);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

async function followLogs(): Promise<void> {
  for (;;) {
    const result = await follow(
      `/api/logs?lines=${HISTORY_LINES}`,
      (items) => {
        const before = store.dropped;
        const passed = store.append(items as [string, string, string, string][]);
        if (store.dropped !== before) view.reset();
        if (passed > 0) view.schedule();
        renderCount();
      },
      () => {
        // A reconnection starts over from the history: nothing twice.
        store.clear();
        view.reset();
      },
    );
    if (result === 'refused') return;
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
}

// Filters from the URL first, so the first lines are already filtered.
streamSelect.value = STREAMS.includes(params.get('stream') as never) ? params.get('stream')! : '';
queryInput.value = params.get('q') ?? '';
regexInput.checked = params.get('re') === '1';
serviceSelect.replaceChildren(new Option('all services', ''));
if (params.get('service') !== null) serviceSelect.append(new Option(params.get('service')!, params.get('service')!));
serviceSelect.value = params.get('service') ?? '';
applyFilter();
showView(params.get('view') ?? 'logs');
setInterval(() => {
  for (const service of services.values()) if (RUNNING.includes(service.state)) renderService(service);
}, 1000);
void followStack();
void followLogs();
