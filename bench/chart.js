// A small dependency-free SVG bar chart: one group per scenario, one bar per tool, value labels.
const COLORS = {
  devstack: '#2b7bb9',
  'devstack (debounceMs: 0)': '#6fa8dc',
  'hand-written bound': '#999999',
  'reference orchestrator': '#999999',
  'SIGTERM to every group': '#999999',
  'concurrently + wait-on': '#e69138',
  PM2: '#6aa84f',
  nodemon: '#8e7cc3',
  'node --watch': '#c27ba0',
  'cold boot': '#999999',
  raw: '#999999',
};

export function barChartSvg(title, groups, unit) {
  const barHeight = 18;
  const gap = 6;
  const labelWidth = 230;
  const width = 760;
  const max = Math.max(...groups.flatMap((group) => group.bars.map((bar) => bar.value)));
  let y = 40;
  const parts = [`<text x="10" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`];
  for (const group of groups) {
    parts.push(`<text x="10" y="${y + 12}" font-size="13" font-weight="bold">${escape(group.name)}</text>`);
    y += 20;
    for (const bar of group.bars) {
      const length = Math.max(1, ((width - labelWidth - 90) * bar.value) / max);
      parts.push(`<text x="20" y="${y + 13}" font-size="12">${escape(bar.label)}</text>`);
      parts.push(
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${COLORS[bar.label] ?? '#444'}"/>`,
      );
      parts.push(`<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 13}" font-size="12">${bar.value} ${unit}</text>`);
      y += barHeight + gap;
    }
    y += 10;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

function escape(text) {
  return String(text).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
}

/** Startup timeline: one row per service, a bar from spawn to ready (ms since `up` began). */
export function timelineSvg(title, rows) {
  const width = 760;
  const labelWidth = 60;
  const rowHeight = 22;
  const end = Math.max(...rows.map((row) => row.readyMs));
  const scale = (width - labelWidth - 70) / end;
  const parts = [`<text x="10" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`];
  rows.forEach((row, index) => {
    const y = 40 + index * rowHeight;
    const x = labelWidth + row.spawnMs * scale;
    const length = Math.max(1, (row.readyMs - row.spawnMs) * scale);
    parts.push(`<text x="10" y="${y + 14}" font-size="12">${escape(row.name)}</text>`);
    parts.push(`<rect x="${x.toFixed(1)}" y="${y}" width="${length.toFixed(1)}" height="${rowHeight - 6}" fill="#2b7bb9"/>`);
    parts.push(`<text x="${(x + length + 4).toFixed(1)}" y="${y + 13}" font-size="11">${Math.round(row.readyMs)} ms</text>`);
  });
  const height = 40 + rows.length * rowHeight + 30;
  parts.push(
    `<text x="${labelWidth}" y="${height - 8}" font-size="11">0 ms — spawn → ready per service; each starts when its own dependencies are ready</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}
