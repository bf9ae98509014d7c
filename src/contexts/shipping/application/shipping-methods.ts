import type { Sql } from '../../../platform/persistence/database';
import { NotFound } from '../../../shared-kernel/errors';
import type { Rate, ShippingMethod } from '../domain/shipping-method';

/** `shipping.methods` rows as methods, and the few queries the use cases need. */

type MethodRow = {
  code: string;
  name: string;
  countries: string[] | null;
  currency: string;
  rate: Rate;
  free_over: string | null;
  active: boolean;
};

const COLUMNS = 'code, name, countries, currency, rate, free_over, active';

const toMethod = (row: MethodRow): ShippingMethod => ({
  code: row.code,
  name: row.name,
  countries: row.countries ?? 'all',
  currency: row.currency,
  rate: row.rate,
  ...(row.free_over !== null ? { freeOver: Number(row.free_over) } : {}),
  active: row.active,
});

/** The row values of a method, in the order of `insert into shipping.methods (code, name, countries, currency, rate, free_over, active)`. */
export const methodValues = (method: ShippingMethod): unknown[] => [
  method.code,
  method.name,
  method.countries === 'all' ? null : method.countries,
  method.currency,
  JSON.stringify(method.rate),
  method.freeOver ?? null,
  method.active,
];

export const methodNotFound = (code: string) => new NotFound('shipping.method_not_found', 'no shipping method has this code', { code });

export const getMethod = async (db: Sql, code: string, options: { forUpdate?: boolean } = {}): Promise<ShippingMethod | null> => {
  const { rows } = await db.query<MethodRow>(
    `select ${COLUMNS} from shipping.methods where code = $1${options.forUpdate ? ' for update' : ''}`,
    [code],
  );
  return rows[0] ? toMethod(rows[0]) : null;
};

/** Active methods that ship to `country` (in any currency), by code. */
export const findMethodsShippingTo = async (db: Sql, country: string): Promise<ShippingMethod[]> => {
  const { rows } = await db.query<MethodRow>(
    `select ${COLUMNS} from shipping.methods
      where active and (countries is null or $1 = any(countries))
      order by code`,
    [country],
  );
  return rows.map(toMethod);
};

/** Every method, active or not, by code (the admin's view). */
export const findAllMethods = async (db: Sql): Promise<ShippingMethod[]> => {
  const { rows } = await db.query<MethodRow>(`select ${COLUMNS} from shipping.methods order by code limit 500`);
  return rows.map(toMethod);
};
