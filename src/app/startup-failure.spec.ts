import { describe, expect, it } from 'vitest';
import { ClusterPlaceNotOurs, EmbeddedPostgresDataUnreachable } from '../platform/persistence/cluster-location';
import { EmbeddedPostgresPortTaken } from '../platform/persistence/embedded-postgres-port';
import { EmbeddedPostgresInUse } from '../platform/persistence/embedded-postgres-previous-run';
import { PostgresProgramsUnreachable } from '../platform/persistence/postgres-programs';
import { startupFailure } from './startup-failure';

/** The shape of the error `net` gives a listen that fails (the real one is exercised in startup-failure.int.spec.ts). */
const listenError = (code: string, address: string, port: number) =>
  Object.assign(new Error(`listen ${code}: ${address}:${port}`), { code, syscall: 'listen', address, port });

describe('startupFailure', () => {
  it('tells a taken EMBEDDED_PG_PORT and how to choose another', () => {
    expect(startupFailure(new EmbeddedPostgresPortTaken(54329))).toBe(
      'port 54329 of the embedded PostgreSQL is taken by another program (EMBEDDED_PG_PORT); ' +
        'set EMBEDDED_PG_PORT to a free port, or leave it unset to let Orderly pick one',
    );
  });

  it('tells a data directory that another running start serves', () => {
    expect(startupFailure(new EmbeddedPostgresInUse('/srv/orderly/pg', 4242))).toBe(
      'the PostgreSQL in /srv/orderly/pg belongs to a running process (pid 4242): stop it first, or use another DATA_DIR',
    );
  });

  it("tells a cluster that root's postgres user cannot reach, and a place for a relocated one that is not root's", () => {
    const error = new EmbeddedPostgresDataUnreachable('/root/app/.data/pg', 'postgres', { dir: '/root', mode: 0o700 });
    expect(startupFailure(error)).toBe(
      'the embedded PostgreSQL cannot reach the cluster in /root/app/.data/pg: a parent directory (/root, mode 700) is closed to the ' +
        'postgres user that PostgreSQL runs as; move DATA_DIR to a directory it can reach (e.g. below /srv) and set DATA_DIR to it',
    );
    expect(startupFailure(new ClusterPlaceNotOurs('/tmp/orderly'))).toBe(
      "/tmp/orderly is in the way of the embedded PostgreSQL's data and was not made by this user (or others may write to it): remove it",
    );
  });

  it('tells programs out of reach of the postgres user, with nowhere to copy them', () => {
    const error = new PostgresProgramsUnreachable('/root/app/node_modules/x/native', '/root/app/.data', { dir: '/root', mode: 0o700 });
    expect(startupFailure(error)).toBe(
      "PostgreSQL's programs in /root/app/node_modules/x/native are out of reach of the user it runs as, and so is /root/app/.data, " +
        'where they would be copied: /root (mode 700) is closed to it; set DATA_DIR to a directory it can reach, e.g. /var/lib/orderly',
    );
  });

  it('tells a port that is taken or not allowed by the setting it comes from, and a HOST that is not this machine', () => {
    const listening = { PORT: 3000, METRICS_PORT: 9464 };
    expect(startupFailure(listenError('EADDRINUSE', '127.0.0.1', 3000), listening)).toBe(
      '127.0.0.1:3000 (PORT) is taken by another program; stop it, or set PORT to a free port',
    );
    expect(startupFailure(listenError('EADDRINUSE', '127.0.0.1', 9464), listening)).toBe(
      '127.0.0.1:9464 (METRICS_PORT) is taken by another program; stop it, or set METRICS_PORT to a free port',
    );
    expect(startupFailure(listenError('EADDRINUSE', '127.0.0.1', 8080), listening)).toBe(
      '127.0.0.1:8080 is taken by another program; stop it, or choose a free port',
    );
    expect(startupFailure(listenError('EACCES', '0.0.0.0', 80), { PORT: 80 })).toBe(
      'this user may not listen on 0.0.0.0:80 (PORT); set PORT to a port above 1023',
    );
    expect(startupFailure(listenError('EADDRNOTAVAIL', '10.9.9.9', 3000))).toBe(
      '10.9.9.9 (HOST) is not an address of this machine; set HOST to one of its addresses, e.g. 127.0.0.1',
    );
  });

  it('finds a known cause inside the error that wraps it', () => {
    const wrapped = new Error('start failed', { cause: new Error('inner', { cause: new EmbeddedPostgresPortTaken(5433) }) });
    expect(startupFailure(wrapped)).toMatch(/^port 5433 of the embedded PostgreSQL is taken/);
  });

  it('leaves any other failure to the log with its stack', () => {
    expect(startupFailure(new Error('relation "x" does not exist'))).toBeUndefined();
    expect(startupFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', syscall: 'connect' }))).toBeUndefined();
    expect(startupFailure('a string')).toBeUndefined();
  });
});
