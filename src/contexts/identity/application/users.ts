import type { Sql } from '../../../platform/persistence/database';
import type { Role } from '../domain/user';

/** `identity.users`: the account as state (identity is state-stored; its events are the outbox). */
export type User = { id: string; email: string; name: string; role: Role; passwordHash: string; createdAt: Date };

/** What the API shows of an account. */
export type Profile = Pick<User, 'id' | 'email' | 'name' | 'role'>;

type Row = { id: string; email: string; name: string; role: Role; password_hash: string; created_at: Date };
const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
});
export const toProfile = ({ id, email, name, role }: Pick<User, keyof Profile>): Profile => ({ id, email, name, role });

const COLUMNS = 'id, email, name, role, password_hash, created_at';

export const getUser = async (sql: Sql, id: string): Promise<User | null> => {
  const { rows } = await sql.query<Row>(`select ${COLUMNS} from identity.users where id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
};

/** `email` must be normalized. `forUpdate` locks the row until the transaction ends. */
export const getUserByEmail = async (sql: Sql, email: string, options: { forUpdate?: boolean } = {}): Promise<User | null> => {
  const { rows } = await sql.query<Row>(`select ${COLUMNS} from identity.users where email = $1${options.forUpdate ? ' for update' : ''}`, [
    email,
  ]);
  return rows[0] ? toUser(rows[0]) : null;
};

/** False when the email is taken (also by a concurrent registration that committed first). */
export const insertUser = async (sql: Sql, user: User): Promise<boolean> => {
  const { rowCount } = await sql.query(
    `insert into identity.users (id, email, name, role, password_hash, created_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (email) do nothing`,
    [user.id, user.email, user.name, user.role, user.passwordHash, user.createdAt],
  );
  return rowCount === 1;
};

export const setRole = (sql: Sql, id: string, role: Role) => sql.query(`update identity.users set role = $2 where id = $1`, [id, role]);

export const setPasswordHash = (sql: Sql, id: string, passwordHash: string) =>
  sql.query(`update identity.users set password_hash = $2 where id = $1`, [id, passwordHash]);
