import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMonolithOpenApiDocument } from '../src/app/openapi-document';

/**
 * The OpenAPI document passes `redocly lint` with the recommended ruleset (redocly.yaml: which rules are off, and
 * why). The document is the one the app serves, built from the routes without a database (as
 * `node dist/app/openapi.main.js <file>` writes it), and the real Redocly CLI lints it.
 */
type LintReport = {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
};

const REDOCLY = resolve('node_modules/.bin/redocly');
const dir = mkdtempSync(join(tmpdir(), 'orderly-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lint = async (file: string): Promise<LintReport> => {
  const run = promisify(execFile)(REDOCLY, ['lint', file, '--format=json', `--config=${resolve('redocly.yaml')}`], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 64 * 1024 * 1024,
  });
  // problems make the CLI exit with 1; the report on stdout is what counts
  const { stdout } = await run.catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw new Error(`redocly lint failed without a report: ${error.stderr}`);
    return { stdout: error.stdout };
  });
  return JSON.parse(stdout) as LintReport;
};

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended rules) with no error and no warning', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(await buildMonolithOpenApiDocument()));
    const report = await lint(file);
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
