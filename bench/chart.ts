// A dependency-free SVG chart: applied/s (bars, left axis) and p99 latency (dots, right axis) per
// scenario run.
import type { ScenarioResult } from './report.js';

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { top: 40, right: 70, bottom: 130, left: 70 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function renderChart(results: readonly ScenarioResult[], title: string): string {
  const rows = results.filter((r) => r.status === 'ok' && r.applied_per_s !== undefined && r.latency);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxApplied = niceMax(Math.max(1, ...rows.map((r) => r.applied_per_s!)));
  const maxP99 = niceMax(Math.max(1, ...rows.map((r) => r.latency!.p99_ms)));
  const slot = plotW / Math.max(1, rows.length);
  const y = (value: number, max: number) => MARGIN.top + plotH - (value / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const yy = MARGIN.top + (plotH * i) / 5;
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${yy + 4}" text-anchor="end" fill="#1f5fa8">${Math.round((maxApplied * (5 - i)) / 5)}</text>`,
    );
    parts.push(`<text x="${MARGIN.left + plotW + 6}" y="${yy + 4}" fill="#c0392b">${Math.round((maxP99 * (5 - i)) / 5)}</text>`);
  }
  parts.push(
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#1f5fa8">applied transfers/s (bars)</text>`,
  );
  parts.push(
    `<text transform="translate(${WIDTH - 16} ${MARGIN.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#c0392b">p99 latency ms (dots)</text>`,
  );
  rows.forEach((r, i) => {
    const x = MARGIN.left + i * slot;
    const barW = slot * 0.6;
    const top = y(r.applied_per_s!, maxApplied);
    parts.push(
      `<rect x="${(x + slot * 0.2).toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${(MARGIN.top + plotH - top).toFixed(1)}" fill="#1f5fa8"/>`,
    );
    parts.push(
      `<text x="${(x + slot / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle">${Math.round(r.applied_per_s!)}</text>`,
    );
    parts.push(
      `<circle cx="${(x + slot / 2).toFixed(1)}" cy="${y(r.latency!.p99_ms, maxP99).toFixed(1)}" r="4" fill="#c0392b"/>`,
    );
    const label = `${r.scenario} (${r.database === 'postgres' ? 'pg' : 'emb'}, ${r.rate_per_s}/s)`;
    parts.push(
      `<text transform="translate(${(x + slot / 2).toFixed(1)} ${MARGIN.top + plotH + 8}) rotate(50)" text-anchor="start">${escapeXml(label)}</text>`,
    );
  });
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
