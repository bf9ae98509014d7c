import { MetricsServer } from '../../src/platform/observability/metrics.server';
import type { TestApp } from './app';

/** One line of the Prometheus text format: a series and its value. */
export type Sample = { name: string; labels: Record<string, string>; value: number };

/** Where the app's metrics server listens (tests boot it on a free port). */
export const metricsUrl = (t: TestApp): string => {
  const address = t.get(MetricsServer).address();
  if (!address) throw new Error('the app has no metrics server (METRICS_PORT=off?)');
  return `http://${address.host}:${address.port}/metrics`;
};

const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;
const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/;

/** Parses the text exposition (comments skipped; label values unescaped). */
export const parseExposition = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = SAMPLE.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
        labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      return { name: match[1], labels, value: Number(match[3]) };
    });

/** GET /metrics over HTTP, parsed. */
export const scrape = async (url: string): Promise<Sample[]> => {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return parseExposition(await res.text());
};

/** The samples of `name` whose labels include `labels`. */
export const samples = (all: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value));

/** The sum of the samples of `name` with `labels` (0 when there is none: a counter not incremented yet). */
export const total = (all: readonly Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples(all, name, labels).reduce((sum, s) => sum + s.value, 0);
