import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedIn } from './support/app';
import { until } from './support/invariants';
import { openShop, type Shop } from './support/order-shop';
import { freePort } from './support/processes';
import { metricsUrl } from './support/scrape';

/**
 * The real check of the metrics endpoint: Debian's `prometheus` scrapes the test app's metrics port every second on
 * loopback, and its query API then answers with what the app counted. Skipped when the binary is missing, except
 * with CI=true (CI installs it).
 */

const CHECKOUTS = 3;

const onPath = (program: string): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
};

const PROMETHEUS = onPath('prometheus');
if (!PROMETHEUS && process.env.CI === 'true') throw new Error('CI=true but the prometheus binary is not on PATH');

type QueryAnswer = { status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };

describe.skipIf(!PROMETHEUS)('Prometheus scrapes the metrics port (e2e, a prometheus of its own)', () => {
  let dir: string;
  let shop: Shop;
  let customer: LoggedIn;
  let prometheus: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  let api: string;
  let log = '';

  const query = async (promql: string): Promise<QueryAnswer['data']['result']> => {
    const res = await fetch(`${api}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    if (res.status !== 200) return [];
    return ((await res.json()) as QueryAnswer).data.result;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'orderly-prometheus-'));
    shop = await openShop();
    customer = await shop.t.registerAndLogin('customer');
    const target = new URL(metricsUrl(shop.t));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: orderly',
        `    metrics_path: ${target.pathname}`,
        '    static_configs:',
        `      - targets: ['${target.host}']`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS!,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const child = prometheus;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (log += chunk.toString()));
    await until(
      'prometheus to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log}`);
        return (await fetch(`${api}/-/ready`).catch(() => undefined))?.status === 200;
      },
      30_000,
      200,
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      const killed = setTimeout(() => prometheus?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    }
    await shop?.t.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the app up and queries the checkouts it counted', async () => {
    for (let i = 0; i < CHECKOUTS; i++) await shop.confirmedOrder(customer, 1);

    await until('prometheus to see the target up', async () => (await query('up{job="orderly"}'))[0]?.value[1] === '1', 60_000, 500);
    const confirmed = await until(
      `prometheus to count ${CHECKOUTS} confirmed checkouts`,
      async () => {
        const [sample] = await query('sum(orderly_checkouts_total{outcome="confirmed"})');
        return sample?.value[1] === String(CHECKOUTS) ? sample : undefined;
      },
      60_000,
      500,
    );
    expect(confirmed.value[1]).toBe(String(CHECKOUTS));

    const durations = await query('orderly_checkout_duration_seconds_count');
    expect(durations.length).toBeGreaterThan(0);
    expect(durations.map((s) => s.metric.outcome)).toContain('confirmed');
    // the per-consumer state gauges reach Prometheus too, one series per consumer
    expect((await query('orderly_consumer_lag_events')).length).toBeGreaterThan(3);
  });
});
