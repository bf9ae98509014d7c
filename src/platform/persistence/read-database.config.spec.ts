import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const primary = { DATABASE_URL: 'postgres://app@db-primary:5432/orderly', JWT_SECRET: 's'.repeat(32) };

describe('DATABASE_READ_URL', () => {
  it('names the replica the staleness-tolerant reads use; unset, they read the primary', () => {
    expect(loadConfig({ ...primary, DATABASE_READ_URL: 'postgresql://app@db-replica:5432/orderly' }).databaseReadUrl).toBe(
      'postgresql://app@db-replica:5432/orderly',
    );
    expect(loadConfig({ ...primary, DATABASE_READ_URL: ' ' }).databaseReadUrl).toBeUndefined();
    expect(loadConfig(primary).databaseReadUrl).toBeUndefined();
  });

  it('is refused when it is no PostgreSQL URL', () => {
    expect(() => loadConfig({ ...primary, DATABASE_READ_URL: 'mysql://db-replica/orderly' })).toThrow(
      /DATABASE_READ_URL: must be a postgres/,
    );
  });

  it('is refused without DATABASE_URL: the embedded PostgreSQL has no replica', () => {
    expect(() => loadConfig({ JWT_SECRET: 's'.repeat(32), DATABASE_READ_URL: 'postgres://app@db-replica/orderly' })).toThrow(ConfigError);
  });
});
