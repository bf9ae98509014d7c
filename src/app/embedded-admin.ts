import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The embedded default's admin when ORDERLY_ADMIN_EMAIL/PASSWORD are not set; its password is kept in DATA_DIR. */
export const EMBEDDED_ADMIN_EMAIL = 'admin@orderly.local';

/** Generated once per data directory (mode 0600), so a start on the embedded default has a working admin login out of the box. */
export const embeddedAdmin = (dataDir: string): { email: string; password: string } => {
  const file = join(dataDir, 'admin-password');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(12).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { email: EMBEDDED_ADMIN_EMAIL, password: readFileSync(file, 'utf8').trim() };
};
