/**
 * Turns the JSON the benchmarks wrote (`npm run bench` → build/bench/*.json)
 * into docs/bench/results.json and one SVG bar chart per figure
 * (docs/bench/<figure>.svg), which README.md shows. Each chart draws every
 * contender's throughput as a ratio against its figure's baseline (1×, grey),
 * on a log scale when the ratios span more than 20×, with the target as a
 * dashed line (green: met, red: not met; blue: context rows).
 *
 * Usage: node --import tsx bench/report.ts [--in build/bench] [--out docs/bench]
 *
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface JsonRow {
  figure: string;
  contender: string;
  value: number;
  unit: string;
  ratio: number;
  spread?: number;
  target: number | null;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slug(figure: string): string {
  return figure
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 72)
    .replace(/-$/, '');
}

function formatRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

function formatValue(v: number, unit: string): string {
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
}

/** One figure's horizontal bar chart. */
export function chart(figure: string, rows: JsonRow[], source: string): string {
  const width = 960;
  const labelWidth = 400;
  const barArea = width - labelWidth - 170;
  const rowHeight = 30;
  const top = 54;
  const height = top + rows.length * rowHeight + 34;
  const ratios = rows.map((r) => r.ratio).concat(rows.flatMap((r) => (r.target ? [r.target] : [])), [1]);
  const max = Math.max(...ratios);
  const min = Math.min(...ratios);
  const log = max / min > 20;
  const lo = log ? Math.log10(min) - 0.1 : 0;
  const hi = log ? Math.log10(max) + 0.05 : max * 1.05;
  const x = (ratio: number) => labelWidth + ((log ? Math.log10(ratio) : ratio) - lo) / (hi - lo) * barArea;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">${escapeXml(figure)}</text>`,
    `<text x="12" y="40" fill="#555">throughput against the baseline (1×)${log ? ', log scale' : ''}; ${escapeXml(source)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    // Grey: the baseline; green / red: a row with a target, met or not; blue: context rows.
    const color = i === 0 ? '#9aa5b1' : r.target === null ? '#5b7db1' : r.ratio >= r.target ? '#2b7a4b' : '#c0392b';
    const label = r.contender.length > 58 ? `${r.contender.slice(0, 57)}…` : r.contender;
    parts.push(`<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${escapeXml(label)}</text>`);
    parts.push(`<rect x="${labelWidth}" y="${y + 6}" width="${Math.max(1, x(r.ratio) - labelWidth).toFixed(1)}" height="18" fill="${color}" rx="2"/>`);
    parts.push(
      `<text x="${(x(r.ratio) + 6).toFixed(1)}" y="${y + 19}" fill="#222">${formatRatio(r.ratio)}  (${escapeXml(formatValue(r.value, r.unit))})</text>`,
    );
    if (r.target !== null) {
      const tx = x(r.target).toFixed(1);
      parts.push(`<line x1="${tx}" x2="${tx}" y1="${y + 2}" y2="${y + 28}" stroke="#000" stroke-dasharray="3,2"/>`);
      parts.push(`<text x="${tx}" y="${y + 38}" font-size="10" text-anchor="middle" fill="#000">target ≥ ${r.target}×</text>`);
    }
  });
  const one = x(1).toFixed(1);
  parts.push(`<line x1="${one}" x2="${one}" y1="${top}" y2="${height - 30}" stroke="#9aa5b1"/>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export function writeReport(inDir: string, outDir: string): string[] {
  const files = fs.existsSync(inDir)
    ? fs.readdirSync(inDir, { recursive: true }).map(String).filter((f) => f.endsWith('.json')).sort()
    : [];
  const all: (JsonRow & { benchmark: string })[] = [];
  for (const f of files) {
    const rows = JSON.parse(fs.readFileSync(path.join(inDir, f), 'utf8')) as JsonRow[];
    for (const r of rows) all.push({ ...r, benchmark: f.replace(/\.json$/, '') });
  }
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const figures = [...new Set(all.map((r) => `${r.benchmark}\u0000${r.figure}`))];
  for (const key of figures) {
    const [benchmark, figure] = key.split('\u0000') as [string, string];
    const rows = all.filter((r) => r.benchmark === benchmark && r.figure === figure);
    const file = path.join(outDir, `${slug(benchmark)}--${slug(figure)}.svg`);
    fs.writeFileSync(file, chart(figure, rows, `bench/${benchmark}.ts`));
    written.push(file);
  }
  fs.writeFileSync(
    path.join(outDir, 'results.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, rows: all }, null, 2) + '\n',
  );
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string' } } });
  const written = writeReport(values.in ?? 'build/bench', values.out ?? 'docs/bench');
  for (const f of written) console.log(`wrote ${f}`);
}
