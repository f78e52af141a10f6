// `npm run bench`: speed and cleanliness of the core supervisor, each scenario against a lower bound
// measured in the same run (machines are noisy: ratios mean more than absolute times).
// Results: bench/results/latest.json and latest.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round, summary } from './util.js';
import {
  crashLoopCpu,
  dagServices,
  devstackDag,
  handWrittenDag,
  readinessLag,
  repeat,
  sigkillTiming,
  stopMany,
  timelineOfLastDag,
} from './scenarios.js';
import { runWatchBench } from './watch-latency.js';
import { barChartSvg, timelineSvg } from './chart.js';
import { concurrentlyDag, concurrentlyStop, devstackIdleMemory, logThroughput, pm2Stop } from './peers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const results = { date: new Date().toISOString(), node: process.version, runs: RUNS, scenarios: {} };
const log = (text) => process.stdout.write(`${text}\n`);

log(`devstack bench: ${RUNS} runs per scenario`);
const dag = await dagServices();
// Interleaved, so that all three see the same machine load.
const bound = [];
const ours = [];
const peers = [];
for (let i = 0; i < RUNS; i++) {
  bound.push(await handWrittenDag(dag));
  ours.push(await devstackDag(dag));
  peers.push(await concurrentlyDag(dag));
}
results.scenarios.dag = {
  lowerBoundMs: summary(bound),
  devstackMs: summary(ours),
  ratio: Number((median(ours) / median(bound)).toFixed(2)),
  concurrentlyWaitOnMs: summary(peers),
  concurrentlyRatio: Number((median(peers) / median(bound)).toFixed(2)),
  target: '≤ 1.05× the hand-written bound',
};
log(
  `10-service DAG: devstack ${median(ours)} ms, concurrently + wait-on ${median(peers)} ms, hand-written bound ${median(bound)} ms (ratios ${results.scenarios.dag.ratio}, ${results.scenarios.dag.concurrentlyRatio})`,
);

const lags = await repeat(RUNS * 2, readinessLag);
results.scenarios.readiness = { lagMs: summary(lags), target: '≤ 20 ms median after the service answers' };
log(`readiness detection: ${median(lags)} ms median after the service started answering`);

for (const count of [10, 50]) {
  const runs = await repeat(count === 50 ? Math.max(1, Math.floor(RUNS / 2)) : RUNS, () => stopMany(count));
  const key = `stop${count}`;
  results.scenarios[key] = {
    stopMs: summary(runs.map((r) => r.elapsed)),
    processesLeft: Math.max(...runs.map((r) => r.left)),
    target: count === 10 ? '≤ 150 ms, 0 left' : '≤ 1000 ms, 0 left',
  };
  log(
    `stop ${count} services with grandchildren (1 in 3 setsid): ${results.scenarios[key].stopMs.median} ms median, ${results.scenarios[key].processesLeft} processes left`,
  );
}

const peerStops = {};
for (const count of [10, 50]) {
  const pm2 = await pm2Stop(count);
  const concurrently = await concurrentlyStop(count);
  peerStops[count] = { pm2, concurrently };
  log(
    `stop ${count} (peers): PM2 ${pm2.stopMs} ms, ${pm2.left} left (daemon ${Math.round(pm2.daemonRssKb / 1024)} MB); concurrently ${concurrently.stopMs} ms, ${concurrently.left} left`,
  );
}
results.peerStops = peerStops;

const kills = await repeat(Math.min(RUNS, 3), sigkillTiming);
results.scenarios.sigkill = { stopMs: summary(kills), target: 'SIGKILL at 2000–2100 ms with stopTimeout 2000' };
log(`SIGTERM ignored, stopTimeout 2000: stopped after ${median(kills)} ms median`);

const crashLoop = await crashLoopCpu();
results.crashLoop = { ...crashLoop, target: 'supervisor near idle while a service crash-loops' };
log(
  `crash loop: ${crashLoop.restarts} restarts in ${crashLoop.windowMs / 1000} s (back-off), supervisor CPU ${crashLoop.cpuMsPerSecond} ms per second`,
);

const memory = [];
for (const count of [10, 50, 200]) {
  const measured = await devstackIdleMemory(count);
  memory.push(measured);
  log(
    `${count} idle services (CLI, up -d): supervisor ${Math.round(measured.rssKb / 1024)} MB RSS, ${measured.idleCpuMsPerSecond} ms CPU/s idle, up ${measured.upMs} ms, down ${measured.downMs} ms, ${measured.shellProcesses} extra shells, ${measured.left} left`,
  );
}
results.memory = { runs: memory, target: '≤ 55 MB RSS at 50 services; cost linear in the number of services' };

// Several runs, the median by ratio (each run measures its own raw bound first); min–max kept.
const logRuns = (await repeat(RUNS, () => logThroughput())).sort((a, b) => a.ratio - b.ratio);
const logs = {
  ...logRuns[Math.floor(logRuns.length / 2)],
  ratios: logRuns.map((run) => run.ratio),
  lostInAll: logRuns.reduce((sum, run) => sum + run.lost, 0),
  tornInAll: logRuns.reduce((sum, run) => sum + run.torn, 0),
};
results.logThroughput = { ...logs, target: '≤ 1.1× raw, 0 lost, 0 torn, bounded supervisor memory' };
log(
  `1M log lines: devstack ${logs.devstackMs} ms vs node > file ${logs.rawMs} ms (median ratio ${logs.ratio}, ${logs.ratios[0]}–${logs.ratios.at(-1)} over ${logRuns.length} runs), ${logs.lostInAll} lost, ${logs.tornInAll} torn, supervisor peak ${Math.round(logs.supervisorPeakRssKb / 1024)} MB`,
);

results.scenarios.watch = await runWatchBench(log);

writeFileSync(join(here, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
const rows = Object.entries(results.scenarios)
  .filter(([name]) => name !== 'watch')
  .map(([name, scenario]) => {
    const measured = scenario.devstackMs ?? scenario.lagMs ?? scenario.stopMs;
    const extra =
      scenario.ratio !== undefined
        ? ` (bound ${scenario.lowerBoundMs.median} ms, ratio ${scenario.ratio})`
        : scenario.processesLeft !== undefined
          ? ` (${scenario.processesLeft} left)`
          : '';
    return `| ${name} | ${measured.median} ms${extra} | ${measured.min}–${measured.max} ms | ${scenario.target} |`;
  });
writeFileSync(
  join(here, 'results', 'latest.md'),
  [
    `# devstack bench, ${results.date} (${results.node}, ${RUNS} runs)`,
    '',
    '| scenario | median | min–max | target |',
    '|---|---|---|---|',
    ...rows,
    '',
    `## Edit a watched file → new pid answering (service cold boot: ${results.scenarios.watch.coldBootMs.median} ms)`,
    '',
    '| tool | median | min–max | × cold boot | overhead |',
    '|---|---|---|---|---|',
    ...Object.entries(results.scenarios.watch.tools).map(
      ([tool, r]) =>
        `| ${tool} | ${r.editToNewPidMs.median} ms | ${r.editToNewPidMs.min}–${r.editToNewPidMs.max} ms | ${r.ratioToBoot} | ${r.overheadMs} ms |`,
    ),
    '',
    `Target: ${results.scenarios.watch.target}.`,
    '',
    `Crash loop: ${results.crashLoop.restarts} restarts in ${results.crashLoop.windowMs / 1000} s; supervisor CPU ${results.crashLoop.cpuMsPerSecond} ms per second.`,
    '',
  ].join('\n'),
);
writeFileSync(
  join(here, 'results', 'timeline.svg'),
  timelineSvg('devstack: 10-service DAG startup (ready delays 300/200/200 ms)', timelineOfLastDag()),
);
results.timeline = timelineOfLastDag();
const watchTools = results.scenarios.watch.tools;
writeFileSync(
  join(here, 'results', 'latest.svg'),
  barChartSvg(
    `devstack bench ${results.date.slice(0, 10)} (${results.node}, 2 cores): medians`,
    [
      {
        name: '10-service DAG until all ready',
        bars: [
          { label: 'hand-written bound', value: median(bound) },
          { label: 'devstack', value: median(ours) },
          { label: 'concurrently + wait-on', value: median(peers) },
        ],
      },
      {
        name: 'stop 50 services with grandchildren',
        bars: [
          { label: 'devstack', value: results.scenarios.stop50.stopMs.median },
          { label: 'PM2', value: peerStops[50].pm2.stopMs },
          { label: 'concurrently + wait-on', value: peerStops[50].concurrently.stopMs },
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
        name: '1M log lines to a file',
        bars: [
          { label: 'raw', value: logs.rawMs },
          { label: 'devstack', value: logs.devstackMs },
        ],
      },
    ],
    'ms',
  ),
);
writeFileSync(
  join(here, 'results', 'latest.md'),
  readFileSync(join(here, 'results', 'latest.md'), 'utf8') +
    [
      '## Against peers (same services, same run)',
      '',
      `| scenario | devstack | concurrently + wait-on | PM2 |`,
      '|---|---|---|---|',
      `| 10-service DAG, all ready | ${median(ours)} ms (${results.scenarios.dag.ratio}× bound) | ${median(peers)} ms (${results.scenarios.dag.concurrentlyRatio}× bound) | no dependency order |`,
      ...[10, 50].map(
        (count) =>
          `| stop ${count} services with grandchildren | ${results.scenarios[`stop${count}`].stopMs.median} ms, ${results.scenarios[`stop${count}`].processesLeft} left | ${peerStops[count].concurrently.stopMs} ms, ${peerStops[count].concurrently.left} left | ${peerStops[count].pm2.stopMs} ms, ${peerStops[count].pm2.left} left |`,
      ),
      `| supervisor memory, 50 idle services | ${Math.round(memory[1].rssKb / 1024)} MB | – | daemon ${Math.round(peerStops[50].pm2.daemonRssKb / 1024)} MB |`,
      '',
      '## Scale and logs',
      '',
      '| services | supervisor RSS | idle CPU | up | down | left |',
      '|---|---|---|---|---|---|',
      ...memory.map(
        (m) =>
          `| ${m.services} | ${Math.round(m.rssKb / 1024)} MB | ${m.idleCpuMsPerSecond} ms/s | ${m.upMs} ms | ${m.downMs} ms | ${m.left} |`,
      ),
      '',
      `1M lines (~100 MB) into the log file: ${logs.devstackMs} ms vs \`node service > file\` ${logs.rawMs} ms (median ${logs.ratio}×, ${logs.ratios[0]}–${logs.ratios.at(-1)}× over ${logRuns.length} runs); ${logs.lostInAll} lost, ${logs.tornInAll} torn in all runs; supervisor peak RSS ${Math.round(logs.supervisorPeakRssKb / 1024)} MB.`,
      '',
      '![medians](latest.svg)',
      '',
      '![startup timeline](timeline.svg)',
      '',
    ].join('\n'),
);
log('results: bench/results/latest.json, latest.md, latest.svg');
