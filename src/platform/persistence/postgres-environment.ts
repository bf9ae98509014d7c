/**
 * What PostgreSQL's programs need from our environment: where programs are, the locale and time zone (initdb derives
 * the cluster's defaults from them), the temporary directory. Nothing else passes: the app's secrets (JWT_SECRET, the
 * admin's password, broker URLs with credentials) would be readable by the `postgres` user in /proc and, through
 * `pg_read_file('/proc/self/environ')`, by any superuser session.
 */
const PASSED_ON = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|TZDIR|TMPDIR)$/;

/**
 * The environment `initdb` and `postgres` run with: the variables above, and messages in English (`LC_MESSAGES=C`),
 * which we read. LC_ALL would override that, so its locale is passed as LANG, under any LC_* it overrode.
 */
export const postgresEnvironment = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => {
  const passed = Object.entries(env).filter(([name, value]) => PASSED_ON.test(name) && value !== undefined && value !== '');
  const all = env.LC_ALL;
  if (!all) return { ...Object.fromEntries(passed), LC_MESSAGES: 'C' };
  const unlocalised = passed.filter(([name]) => name !== 'LANG' && !name.startsWith('LC_'));
  return { ...Object.fromEntries(unlocalised), LANG: all, LC_MESSAGES: 'C' };
};
