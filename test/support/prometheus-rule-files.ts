import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads deploy/prometheus's rule file and its unit tests just far enough to check them against the metric contract
 * and each other. Line-based on purpose (the project has no YAML parser of its own, and promtool parses the files for
 * real): it expects prettier's layout of these files, and the spec counts what it found against the file's own
 * `- alert:` lines, so a layout it cannot read fails instead of passing unchecked.
 */
export const PROMETHEUS_DIR = join(process.cwd(), 'deploy', 'prometheus');
export const readPrometheusFile = (name: string) => readFileSync(join(PROMETHEUS_DIR, name), 'utf8');

export type AlertRule = {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

const unquote = (value: string) => value.trim().replace(/^(['"])(.*)\1$/, '$2');

/** the lines under `key:` (a block scalar or a map), indented deeper than the key */
const blockUnder = (lines: string[], key: string): string[] => {
  const start = lines.findIndex((line) => line.trim().startsWith(`${key}:`));
  if (start === -1) return [];
  const indent = lines[start].search(/\S/);
  const end = lines.findIndex((line, index) => index > start && line.trim() !== '' && line.search(/\S/) <= indent);
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
};

const mapUnder = (lines: string[], key: string): Record<string, string> =>
  Object.fromEntries(
    blockUnder(lines, key).map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim(), unquote(line.slice(colon + 1))];
    }),
  );

const scalar = (lines: string[], key: string): string | undefined => {
  const line = lines.find((candidate) => candidate.trim().startsWith(`${key}:`));
  if (!line) return undefined;
  const value = line.slice(line.indexOf(':') + 1).trim();
  if (value === '|' || value === '>') return blockUnder(lines, key).join('\n');
  return unquote(value);
};

/** The alerting rules of a rule file, in order. */
export const alertRules = (text: string): AlertRule[] =>
  text
    .split(/^(?=[ \t]*- alert:)/m)
    .slice(1)
    .map((block) => {
      const lines = block.split('\n');
      return {
        alert: scalar(lines, '- alert') ?? '',
        expr: scalar(lines, 'expr') ?? '',
        for: scalar(lines, 'for'),
        labels: mapUnder(lines, 'labels'),
        annotations: mapUnder(lines, 'annotations'),
      };
    });

/** Each `alert_rule_test` case of a promtool test file: the alert, and whether it expects it to fire. */
export const alertTestCases = (text: string): { alertname: string; fires: boolean }[] =>
  text
    .split(/^(?=[ \t]*- eval_time:)/m)
    .slice(1)
    .map((block) => ({
      alertname: unquote(/^[ \t]*alertname:(.*)$/m.exec(block)?.[1] ?? ''),
      // a case ends where the next test's input begins
      fires: /^[ \t]*exp_alerts:/m.test(block.split(/^[ \t]*- interval:/m)[0]),
    }));

/** The `series:` of a promtool test file's input, e.g. `up{job="orderly"}`. */
export const inputSeries = (text: string): string[] => [...text.matchAll(/^[ \t]*- series:(.*)$/gm)].map(([, series]) => unquote(series));
