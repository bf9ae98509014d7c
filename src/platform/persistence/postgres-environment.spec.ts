import { describe, expect, it } from 'vitest';
import { postgresEnvironment } from './postgres-environment';

describe('postgresEnvironment', () => {
  it("passes the search path, locale, time zone and temporary directory on, and none of the app's settings", () => {
    const env = {
      PATH: '/usr/bin:/bin',
      LANG: 'de_DE.UTF-8',
      LC_TIME: 'en_GB.UTF-8',
      TZ: 'Europe/Berlin',
      TMPDIR: '/var/tmp',
      JWT_SECRET: 'a-secret-of-at-least-32-characters-long',
      ORDERLY_ADMIN_PASSWORD: 'admin password',
      AMQP_URL: 'amqp://user:password@broker:5672',
      HOME: '/root',
      LD_PRELOAD: '/tmp/evil.so',
      PGPASSWORD: 'postgres',
    };
    expect(postgresEnvironment(env)).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'de_DE.UTF-8',
      LC_TIME: 'en_GB.UTF-8',
      TZ: 'Europe/Berlin',
      TMPDIR: '/var/tmp',
      LC_MESSAGES: 'C',
    });
  });

  it('keeps messages in English over an LC_ALL, whose locale becomes the default for everything else', () => {
    expect(postgresEnvironment({ PATH: '/bin', LC_ALL: 'fr_FR.UTF-8', LANG: 'de_DE.UTF-8', LC_TIME: 'en_GB.UTF-8' })).toEqual({
      PATH: '/bin',
      LANG: 'fr_FR.UTF-8',
      LC_MESSAGES: 'C',
    });
  });
});
