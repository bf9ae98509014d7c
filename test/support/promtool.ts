import { spawnSync } from 'node:child_process';

/** promtool from Debian's `prometheus` package (`apt-get install prometheus`), or the one PROMTOOL names. */
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

export const promtoolInstalled = (): boolean => spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;

/** With CI=true a missing promtool fails the suite instead of skipping it. */
export const runsPromtool = promtoolInstalled() || process.env.CI === 'true';

/** Runs promtool to the end (bounded) and returns its exit status with everything it printed, for the failure message. */
export const promtool = (...args: string[]): { status: number | null; output: string } => {
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', timeout: 60_000 });
  if (run.error) return { status: null, output: String(run.error) };
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
};
