// `npm run bench`: devstack's speed and footprint measured the way users run it — the built CLI
// (`up -d`, `down`, `logs`, a file edit) — beside a lower bound and the peers, in the same run on the
// same machine (machines are noisy: ratios within one run mean more than absolute times). The
// in-process numbers (the Supervisor driven directly) stay as a second column.
// Results: bench/results/latest.json, latest.md, latest.svg, timeline.svg.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, SETTLE_BEFORE_STOP_MS, summary } from './util.js';
import { crashLoopCpu, dagServices, devstackDag, readinessLag, repeat, sigkillTiming, timelineOfLastDag } from './scenarios.js';
import { runWatchBench } from './watch-latency.js';
import { proxyLatency } from './proxy-latency.js';
import { dashboardCost, samplingCost } from './dashboard-cost.js';
import { barChartSvg, timelineSvg } from './chart.js';
import { concurrentlyDag, concurrentlyStop, logThroughput, pm2Stop } from './peers.js';
import {
  cliIdleMemory,
  cliUpDown,
  logsReadSpeed,
  nodeNoop,
  rawGroupKill,
  referenceDag,
  serviceBoot,
  treeServices,
} from './cli-scenarios.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const results = { date: new Date().toISOString(), node: process.version, runs: RUNS, scenarios: {} };
const log = (text) => process.stdout.write(`${text}\n`);
const medianOf = (runs, key) => median(runs.map((run) => run[key]));
const ratio = (a, b) => Number((a / b).toFixed(2));
const mb = (kb) => Math.round(kb / 1024);

log(`devstack bench: ${RUNS} runs per scenario, through the CLI`);

// 1. `up -d` of a 10-service DAG until every service is ready, against a reference orchestrator that
// is itself a Node process started from the shell; interleaved so all see the same machine load.
const dag = await dagServices();
const dagAsConfig = Object.fromEntries(
  Object.entries(dag).map(([name, service]) => [name, { ...service, command: `node ${join(here, 'fixtures', 'ready-after.js')}` }]),
);
const reference = [];
const cliDag = [];
const inProcess = [];
const concurrently = [];
const coldDag = [];
for (let i = 0; i < RUNS; i++) {
  reference.push(await referenceDag(dag));
  cliDag.push(await cliUpDown(dagAsConfig, 'dg'));
  coldDag.push(await cliUpDown(dagAsConfig, 'dc', { warm: false }));
  inProcess.push(await devstackDag(dag));
  concurrently.push(await concurrentlyDag(dag));
}
const phaseNames = Object.keys(cliDag[0].phases);
results.scenarios.dag = {
  referenceMs: summary(reference),
  devstackUpMs: summary(cliDag.map((run) => run.upMs)),
  // The first `up` in a checkout: the config is loaded with TypeScript and zod, then cached.
  devstackColdUpMs: summary(coldDag.map((run) => run.upMs)),
  coldRatio: ratio(medianOf(coldDag, 'upMs'), median(reference)),
  ratio: ratio(medianOf(cliDag, 'upMs'), median(reference)),
  inProcessMs: summary(inProcess),
  inProcessRatio: ratio(median(inProcess), median(reference)),
  concurrentlyWaitOnMs: summary(concurrently),
  concurrentlyRatio: ratio(median(concurrently), median(reference)),
  // Median ms after the CLI process started, phase by phase.
  phases: Object.fromEntries(phaseNames.map((phase) => [phase, median(cliDag.map((run) => run.phases[phase]))])),
  target: '≤ 1.1× the reference',
};
const dagResult = results.scenarios.dag;
log(
  `10-service DAG, up -d: devstack ${dagResult.devstackUpMs.median} ms (first up in a checkout ${dagResult.devstackColdUpMs.median} ms, ${dagResult.coldRatio}×), reference ${dagResult.referenceMs.median} ms (${dagResult.ratio}×); in-process ${dagResult.inProcessMs.median} ms (${dagResult.inProcessRatio}×); concurrently + wait-on ${dagResult.concurrentlyWaitOnMs.median} ms (${dagResult.concurrentlyRatio}×)`,
);
log(`  phases (ms after the CLI started): ${JSON.stringify(dagResult.phases)}`);

// 2. One trivial service: `up -d` against the service's own cold boot.
const boots = [];
const trivial = [];
const noops = [];
for (let i = 0; i < RUNS; i++) {
  noops.push(await nodeNoop());
  boots.push(await serviceBoot());
  trivial.push(
    await cliUpDown(
      { api: { command: `node ${join(here, 'fixtures', 'ready-after.js')}`, port: 'auto', health: 'http://127.0.0.1:${port}/' } },
      'tv',
    ),
  );
}
results.nodeNoopMs = summary(noops);
results.scenarios.trivial = {
  bootMs: summary(boots),
  upMs: summary(trivial.map((run) => run.upMs)),
  overheadMs: Math.round(medianOf(trivial, 'upMs') - median(boots)),
  phases: Object.fromEntries(phaseNames.map((phase) => [phase, median(trivial.map((run) => run.phases[phase]))])),
  target: '≤ 200 ms after the service’s own boot',
};
log(
  `one trivial service, up -d: ${results.scenarios.trivial.upMs.median} ms, its own boot ${results.scenarios.trivial.bootMs.median} ms: ${results.scenarios.trivial.overheadMs} ms over it; a Node program doing nothing: ${results.nodeNoopMs.median} ms`,
);

// 3. `down` of 10 (and 50) services with grandchildren (one in three setsid), against SIGTERM to
// every group at once, concurrently's Ctrl-C and PM2's delete.
for (const count of [10, 50]) {
  const runs = count === 50 ? Math.max(1, Math.floor(RUNS / 2)) : RUNS;
  const raw = await repeat(runs, () => rawGroupKill(count));
  const downs = await repeat(runs, () => cliUpDown(treeServices(count), 'dn', { settleMs: SETTLE_BEFORE_STOP_MS }));
  const pm2 = await pm2Stop(count);
  const peer = await concurrentlyStop(count);
  results.scenarios[`down${count}`] = {
    rawGroupKillMs: summary(raw),
    devstackDownMs: summary(downs.map((run) => run.downMs)),
    processesLeft: Math.max(...downs.map((run) => run.left)),
    concurrently: peer,
    pm2: { stopMs: pm2.stopMs, left: pm2.left },
    target: count === 10 ? '≤ 150 ms, 0 left' : '≤ 1 s, 0 left',
  };
  const result = results.scenarios[`down${count}`];
  log(
    `down, ${count} services with grandchildren: devstack ${result.devstackDownMs.median} ms (${result.processesLeft} left); SIGTERM to every group ${result.rawGroupKillMs.median} ms; concurrently ${peer.stopMs} ms (${peer.left} left); PM2 ${pm2.stopMs} ms (${pm2.left} left)`,
  );
  if (count === 50) results.peerStops = { pm2Daemon: { rssKb: pm2.daemonRssKb } };
}

// 4. In-process readiness detection, stop escalation and crash back-off (no CLI in these paths).
const lags = await repeat(RUNS * 2, readinessLag);
results.scenarios.readiness = { lagMs: summary(lags), target: '≤ 20 ms median after the service answers' };
log(`readiness detection: ${median(lags)} ms median after the service started answering`);
const kills = await repeat(Math.min(RUNS, 3), sigkillTiming);
results.scenarios.sigkill = { stopMs: summary(kills), target: 'SIGKILL at 2000–2100 ms with stopTimeout 2000' };
log(`SIGTERM ignored, stopTimeout 2000: stopped after ${median(kills)} ms median`);
const crashLoop = await crashLoopCpu();
results.crashLoop = { ...crashLoop, target: 'supervisor near idle while a service crash-loops' };
log(
  `crash loop: ${crashLoop.restarts} restarts in ${crashLoop.windowMs / 1000} s (back-off), supervisor CPU ${crashLoop.cpuMsPerSecond} ms per second`,
);

// 5. Memory of the idle background supervisor (and its guardian), through `up -d`.
const memory = [];
for (const count of [10, 50, 200]) {
  const measured = await cliIdleMemory(count);
  memory.push(measured);
  const guardian =
    measured.guardian === undefined
      ? 'no guardian found'
      : `guardian ${mb(measured.guardian.rssKb)} MB RSS (${mb(measured.guardian.privateKb)} MB private)`;
  log(
    `${count} idle services: supervisor ${mb(measured.supervisor.rssKb)} MB RSS, ${mb(measured.supervisor.privateKb)} MB private, ${mb(measured.supervisor.pssKb)} MB PSS; ${guardian}; up ${measured.upMs} ms, down ${measured.downMs} ms, ${measured.left} left`,
  );
}
results.memory = { runs: memory, target: '≤ 50 MB RSS at 50 services, guardian included' };

// 6. Log capture: 1M lines (~100 MB) from one service into its rotated log files, against `node service > file`.
const logRuns = (await repeat(RUNS, () => logThroughput())).sort((a, b) => a.ratio - b.ratio);
const logs = {
  ...logRuns[Math.floor(logRuns.length / 2)],
  ratios: logRuns.map((run) => run.ratio),
  lostInAll: logRuns.reduce((sum, run) => sum + run.lost, 0),
  tornInAll: logRuns.reduce((sum, run) => sum + run.torn, 0),
};
results.logThroughput = { ...logs, target: '≤ 1.1× raw, rotation on, 0 lost, 0 torn, bounded supervisor memory' };
log(
  `1M log lines (rotated into ${logs.files} files): devstack ${logs.devstackMs} ms vs node > file ${logs.rawMs} ms (median ratio ${logs.ratio}, ${logs.ratios[0]}–${logs.ratios.at(-1)} over ${logRuns.length} runs), ${logs.lostInAll} lost, ${logs.tornInAll} torn, supervisor peak ${mb(logs.supervisorPeakRssKb)} MB`,
);

// 7. Reading a 100 MB log (4 rotated files) with `devstack logs`, against `cat` and `cut -c30-` (the same prefix stripping).
const reads = await repeat(Math.min(RUNS, 3), () => logsReadSpeed(100));
results.logsRead = {
  catMs: summary(reads.map((run) => run.catMs)),
  cutMs: summary(reads.map((run) => run.cutMs)),
  devstackMs: summary(reads.map((run) => run.devstackMs)),
  ratio: ratio(medianOf(reads, 'devstackMs'), medianOf(reads, 'catMs')),
  cutRatio: ratio(medianOf(reads, 'devstackMs'), medianOf(reads, 'cutMs')),
  complete: reads.every((run) => run.linesPrinted === run.linesInFiles),
  target: 'a small factor of cat, every line',
};
log(
  `devstack logs of 100 MB (4 files): ${results.logsRead.devstackMs.median} ms vs cut -c30- ${results.logsRead.cutMs.median} ms (${results.logsRead.cutRatio}×), cat ${results.logsRead.catMs.median} ms (${results.logsRead.ratio}×), every line: ${results.logsRead.complete}`,
);

// 8. Edit a watched file → the service answers from a new pid (devstack up in the foreground).
results.scenarios.watch = await runWatchBench(log);

// 9. The proxy: requests/s and p50/p99 through devstack's proxy (on nginx, and on its own engine),
// directly, and through a hand-written nginx, saturated and at 1000 req/s; a held request.
const proxyRuns = await repeat(Math.min(RUNS, 3), () => proxyLatency());
const proxyOf = (side, pick) => median(proxyRuns.filter((run) => run[side] !== undefined).map((run) => pick(run[side])));
results.scenarios.proxy = Object.fromEntries(
  ['direct', 'devstack', 'devstackNode', 'nginx'].map((side) => [
    side,
    {
      rps: proxyOf(side, (run) => run.rps),
      p50Ms: proxyOf(side, (run) => run.p50),
      p99Ms: proxyOf(side, (run) => run.p99),
      at1000: { p50Ms: proxyOf(side, (run) => run.atRate.p50), p99Ms: proxyOf(side, (run) => run.atRate.p99) },
    },
  ]),
);
results.scenarios.proxy.heldBeyondReadyMs = median(proxyRuns.map((run) => run.heldBeyondReadyMs ?? 0));
results.scenarios.proxy.p99VsNginx = ratio(results.scenarios.proxy.devstack.p99Ms, results.scenarios.proxy.nginx.p99Ms);
results.scenarios.proxy.nodeP99VsNginx = ratio(results.scenarios.proxy.devstackNode.p99Ms, results.scenarios.proxy.nginx.p99Ms);
results.scenarios.proxy.target = 'p99 within 1.3× nginx';
const px = results.scenarios.proxy;
log(
  `proxy: devstack on nginx ${px.devstack.rps} req/s, p50 ${px.devstack.p50Ms} ms, p99 ${px.devstack.p99Ms} ms (${px.p99VsNginx}× nginx); its own engine ${px.devstackNode.rps} req/s, p99 ${px.devstackNode.p99Ms} ms (${px.nodeP99VsNginx}×); nginx ${px.nginx.rps} req/s, p50 ${px.nginx.p50Ms}, p99 ${px.nginx.p99Ms}; direct ${px.direct.rps} req/s, p99 ${px.direct.p99Ms}; at 1000 req/s p99: ${px.devstack.at1000.p99Ms} / ${px.devstackNode.at1000.p99Ms} / nginx ${px.nginx.at1000.p99Ms} / direct ${px.direct.at1000.p99Ms} ms; a request held during a restart answered ${px.heldBeyondReadyMs} ms after the service was ready`,
);

// 10. The dashboard: supervisor CPU and memory with it off, on, and with a Chromium tab open, at 10 and
// 100 idle services; the CPU/MEM sampler's cost per sample at 100 services.
results.scenarios.dashboard = {
  sampling: await samplingCost(100),
  stacks: [await dashboardCost(10), await dashboardCost(100)],
  target: 'idle CPU with a tab open near zero; extra memory stated',
};
for (const stack of results.scenarios.dashboard.stacks)
  log(
    `dashboard, ${stack.services} services: idle CPU ${stack.idleCpuMsPerSOff} ms/s off, ${stack.idleCpuMsPerSOn} on, ${stack.idleCpuMsPerSTab} with a tab; RSS ${mb(stack.rssKbOff)} → ${mb(stack.rssKbTab)} MB with a tab`,
  );
log(
  `CPU/MEM sampling at 100 services: ${results.scenarios.dashboard.sampling.msPerSample} ms per sample (${results.scenarios.dashboard.sampling.cpuPercentAt2s}% of a core at one per 2 s)`,
);

writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
const watchTools = results.scenarios.watch.tools;
const down10 = results.scenarios.down10;
const m50 = memory[1];
writeFileSync(
  join(here, 'results', 'latest.md'),
  [
    `# devstack bench, ${results.date} (${results.node}, ${RUNS} runs, through the CLI)`,
    '',
    '| scenario | devstack | lower bound / peers (same run) | target |',
    '|---|---|---|---|',
    `| 10-service DAG, \`up -d\` until all ready | ${dagResult.devstackUpMs.median} ms (${dagResult.ratio}× reference; first up in a checkout ${dagResult.devstackColdUpMs.median} ms, ${dagResult.coldRatio}×; in-process ${dagResult.inProcessMs.median} ms, ${dagResult.inProcessRatio}×) | reference orchestrator ${dagResult.referenceMs.median} ms; concurrently + wait-on ${dagResult.concurrentlyWaitOnMs.median} ms (${dagResult.concurrentlyRatio}×) | ${dagResult.target} |`,
    `| one trivial service, \`up -d\` | ${results.scenarios.trivial.upMs.median} ms: ${results.scenarios.trivial.overheadMs} ms over its boot | its own boot ${results.scenarios.trivial.bootMs.median} ms; a Node program doing nothing (\`node -e 0\`) ${results.nodeNoopMs.median} ms | ${results.scenarios.trivial.target} |`,
    `| edit → new pid answering | ${watchTools.devstack.editToNewPidMs.median} ms | nodemon ${watchTools.nodemon.editToNewPidMs.median} ms; node --watch ${watchTools['node --watch'].editToNewPidMs.median} ms; cold boot ${results.scenarios.watch.coldBootMs.median} ms | ≤ nodemon |`,
    `| \`down\`, 10 services with grandchildren | ${down10.devstackDownMs.median} ms, ${down10.processesLeft} left | SIGTERM to every group ${down10.rawGroupKillMs.median} ms (+ \`node -e 0\` ${results.nodeNoopMs.median} ms: ${Math.round(down10.rawGroupKillMs.median + results.nodeNoopMs.median)} ms); concurrently ${down10.concurrently.stopMs} ms (${down10.concurrently.left} left); PM2 ${down10.pm2.stopMs} ms | ${down10.target} |`,
    `| 1M lines (~100 MB) into the log files, rotation on | ${logs.ratio}× (${logs.ratios[0]}–${logs.ratios.at(-1)}×), ${logs.lostInAll} lost, ${logs.tornInAll} torn, peak ${mb(logs.supervisorPeakRssKb)} MB | \`node service > file\` ${logs.rawMs} ms | ≤ 1.1× |`,
    `| supervisor memory, 50 idle services | ${mb(m50.supervisor.rssKb)} MB RSS (${mb(m50.supervisor.privateKb)} MB private, ${mb(m50.supervisor.pssKb)} MB PSS) + guardian ${m50.guardian === undefined ? '?' : `${mb(m50.guardian.rssKb)} MB`} | PM2 daemon ${mb(results.peerStops.pm2Daemon.rssKb)} MB | ≤ 50 MB |`,
    `| proxy, 8 keep-alive clients, same backend | on nginx (the default where installed): ${px.devstack.rps} req/s, p50 ${px.devstack.p50Ms} ms, p99 ${px.devstack.p99Ms} ms (**${px.p99VsNginx}×** nginx at p99); its own engine: ${px.devstackNode.rps} req/s, p99 ${px.devstackNode.p99Ms} ms (${px.nodeP99VsNginx}×); at 1000 req/s, p99 ${px.devstack.at1000.p99Ms} / ${px.devstackNode.at1000.p99Ms} ms; held during a restart: answered ${px.heldBeyondReadyMs} ms after ready | hand-written nginx (1 worker, upstream keep-alive, no access log) ${px.nginx.rps} req/s, p99 ${px.nginx.p99Ms} ms (at 1000 req/s: ${px.nginx.at1000.p99Ms} ms); direct ${px.direct.rps} req/s, p99 ${px.direct.p99Ms} ms | ${px.target} |`,
    ...results.scenarios.dashboard.stacks.map(
      (stack) =>
        `| dashboard, ${stack.services} idle services | supervisor CPU ${stack.idleCpuMsPerSOn} ms/s, ${stack.idleCpuMsPerSTab} ms/s with a tab open; RSS ${mb(stack.rssKbOn)} MB, ${mb(stack.rssKbTab)} MB with a tab (private ${mb(stack.privateKbTab)} MB); page: filter of 1M lines ${stack.pageFilterMs.textMs} ms (text), ${stack.pageFilterMs.regexMs} ms (regex) | dashboard off: ${stack.idleCpuMsPerSOff} ms/s, RSS ${mb(stack.rssKbOff)} MB (private ${mb(stack.privateKbOff)} MB) | ${results.scenarios.dashboard.target} |`,
    ),
    `| CPU/MEM sampling, 100 services | ${results.scenarios.dashboard.sampling.msPerSample} ms per sample (every 2 s: ${results.scenarios.dashboard.sampling.cpuPercentAt2s}% of a core), ${results.scenarios.dashboard.sampling.processesOnMachine} processes on the machine | – | cheap |`,
    `| \`devstack logs\` of 100 MB (CLI start included) | ${results.logsRead.devstackMs.median} ms (${results.logsRead.cutRatio}× cut, ${results.logsRead.ratio}× cat) | \`cut -c30-\` ${results.logsRead.cutMs.median} ms; cat ${results.logsRead.catMs.median} ms | small factor of cat |`,
    '',
    `Phases of \`up -d\` (10-service DAG, ms after the CLI process started, medians): ${Object.entries(dagResult.phases)
      .map(([phase, ms]) => `${phase} ${ms}`)
      .join(', ')}.`,
    '',
    `Readiness detection ${results.scenarios.readiness.lagMs.median} ms after the service answers; SIGKILL after ${results.scenarios.sigkill.stopMs.median} ms with stopTimeout 2000; crash loop: ${crashLoop.restarts} restarts in ${crashLoop.windowMs / 1000} s, supervisor CPU ${crashLoop.cpuMsPerSecond} ms/s.`,
    '',
    '| idle services | supervisor RSS | private | PSS | guardian RSS | up | down | left |',
    '|---|---|---|---|---|---|---|---|',
    ...memory.map(
      (m) =>
        `| ${m.services} | ${mb(m.supervisor.rssKb)} MB | ${mb(m.supervisor.privateKb)} MB | ${mb(m.supervisor.pssKb)} MB | ${m.guardian === undefined ? '–' : `${mb(m.guardian.rssKb)} MB`} | ${m.upMs} ms | ${m.downMs} ms | ${m.left} |`,
    ),
    '',
    '![medians](latest.svg)',
    '',
    '![startup timeline](timeline.svg)',
    '',
  ].join('\n'),
);
writeFileSync(
  join(here, 'results', 'timeline.svg'),
  timelineSvg('devstack: 10-service DAG startup (ready delays 300/200/200 ms)', timelineOfLastDag()),
);
results.timeline = timelineOfLastDag();
writeFileSync(
  join(here, 'results', 'latest.svg'),
  barChartSvg(
    `devstack bench ${results.date.slice(0, 10)} (${results.node}, 2 cores): medians, through the CLI`,
    [
      {
        name: '10-service DAG until all ready',
        bars: [
          { label: 'reference orchestrator', value: dagResult.referenceMs.median },
          { label: 'devstack', value: dagResult.devstackUpMs.median },
          { label: 'concurrently + wait-on', value: dagResult.concurrentlyWaitOnMs.median },
        ],
      },
      {
        name: 'down, 10 services with grandchildren',
        bars: [
          { label: 'SIGTERM to every group', value: down10.rawGroupKillMs.median },
          { label: 'devstack', value: down10.devstackDownMs.median },
          { label: 'concurrently + wait-on', value: down10.concurrently.stopMs },
          { label: 'PM2', value: down10.pm2.stopMs },
        ],
      },
      {
        name: 'edit → new pid answering',
        bars: [
          { label: 'cold boot', value: results.scenarios.watch.coldBootMs.median },
          ...Object.entries(watchTools).map(([tool, r]) => ({ label: tool, value: r.editToNewPidMs.median })),
        ],
      },
      {
        name: '1M log lines to files',
        bars: [
          { label: 'raw', value: logs.rawMs },
          { label: 'devstack', value: logs.devstackMs },
        ],
      },
    ],
    'ms',
  ),
);
log(
  `results: bench/results/latest.json, latest.md, latest.svg (${readFileSync(join(here, 'results', 'latest.md'), 'utf8').split('\n').length} lines)`,
);
