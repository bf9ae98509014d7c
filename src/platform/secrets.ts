import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ConfigError } from './settings';

/** A secret of its own per purpose, so a leaked webhook key never signs tokens (and the reverse). */
export const derivedSecret = (root: string, purpose: string): string => createHmac('sha256', root).update(purpose).digest('base64url');

/**
 * Without DATABASE_URL (a developer machine), a secret is generated once and kept in DATA_DIR/jwt-secret (mode 0600),
 * so tokens survive restarts. With a real database the secret must come from the environment.
 */
export const embeddedJwtSecret = (databaseUrl: string | undefined, dataDir: string): string => {
  if (databaseUrl) throw new ConfigError('JWT_SECRET is required when DATABASE_URL is set (at least 32 characters)');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < 32) throw new ConfigError(`JWT_SECRET: the stored secret in ${file} is shorter than 32 characters`);
    return stored;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // another process created it first: use theirs
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return embeddedJwtSecret(databaseUrl, dataDir);
    throw error;
  }
  chmodSync(file, 0o600);
  return secret;
};
