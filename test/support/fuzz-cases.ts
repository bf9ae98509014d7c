import fc from 'fast-check';
import { type Operation, urlOf } from './openapi-operations';

/**
 * The hostile inputs of the OpenAPI fuzz, as cases per operation: fixed lists plus fast-check samples seeded per
 * route, so a run is reproducible and a failure names what to replay.
 */

export type Case = { name: string; url?: string; body?: string; headers?: Record<string, string> };

/** How a case builder gets a valid body of the route: called once per case (fresh emails, SKUs…). */
export type BaseBody = (op: Operation) => unknown;

const FIELD_CASES = 12;
const GENERATED_CASES = 6;
const QUERY_CASES = 12;

/** Strings that have broken parsers, queries and templates somewhere (NUL and lone surrogates have cases of their own). */
export const HOSTILE_STRINGS = [
  "'",
  '"',
  "' or 1=1 --",
  "1'; drop table ordering.orders; --",
  '\u0007\u001b[31m\r\n',
  'x'.repeat(35_000),
  'y'.repeat(5_000),
  '🛒💥👩‍👩‍👧‍👦'.repeat(40),
  'Ω≈ç√∫˜µ≤≥÷ åß∂ƒ©˙∆˚¬ 田中さん ﷽',
  '\u202e\u202d\ufeff\u200b',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}#{7*7}',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '   ',
  '',
  '-1',
  'NaN',
  '1e400',
];

/** What PostgreSQL refuses in text and JSON: NUL, and a UTF-16 surrogate without its pair (in JSON, and in a URL). */
const UNSTORABLE = { NUL: '\u0000', 'a lone surrogate': '\ud800' };
const UNSTORABLE_IN_URL = { NUL: 'tea%00pot', 'a lone surrogate': 'tea%ED%A0%80pot' };

const deep = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: inner }), 'bottom');

const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  -1,
  0,
  1.5,
  -2_147_483_649,
  2_147_483_648,
  2 ** 53 + 2,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  true,
  null,
  [],
  {},
  ['x', 1, null],
  { $gt: '' },
  { amount: -1, currency: 'EUR' },
  deep(64),
  Array.from({ length: 2_000 }, (_, i) => i),
];

/** Whole bodies, sent as raw text: not the shape expected, or not even JSON. */
const RAW_BODIES: Record<string, string> = {
  'JSON array': '[]',
  'JSON null': 'null',
  'JSON string': '"text"',
  'JSON number': '42',
  'JSON true': 'true',
  'truncated JSON': '{"a":',
  'a number of 400 digits': `{"n":${'9'.repeat(400)}}`,
  '1e400 (Infinity)': '{"n":1e400}',
};

/** A seed per route, so each route gets its own generated cases. */
export const seedOf = (route: string) => [...route].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) | 0, 7);

export const describeCase = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} chars)` : text;
};

const fieldsOf = (base: unknown): string[] => (base && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base) : []);
const bodyOf = (op: Operation, base: BaseBody) => (op.body ? JSON.stringify(base(op)) : undefined);
const withParams = (op: Operation, value: string) => urlOf(op, Object.fromEntries(op.pathParams.map((p) => [p, value])));

/** Each field of a valid body in turn set to a hostile value, then JSON fast-check makes up. */
export const valueCases = (op: Operation, base: BaseBody): Case[] => {
  const seed = seedOf(op.route);
  const fields = fieldsOf(base(op));
  const cases: Case[] = [];
  for (let i = 0; i < FIELD_CASES && fields.length > 0; i++) {
    const field = fields[i % fields.length];
    const value = HOSTILE_VALUES[Math.abs(seed + i * 7) % HOSTILE_VALUES.length];
    cases.push({ name: `${field} = ${describeCase(value)}`, body: JSON.stringify({ ...(base(op) as object), [field]: value }) });
  }
  const generated = fc.sample(
    fields.length > 0
      ? fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ [fields[0]]: fc.jsonValue({ maxDepth: 2 }) }).map((v) => ({ ...(base(op) as object), ...v })),
        )
      : fc.jsonValue({ maxDepth: 3 }),
    { seed, numRuns: GENERATED_CASES },
  );
  generated.forEach((value, i) =>
    cases.push({ name: `fast-check #${i} (seed ${seed}): ${describeCase(value)}`, body: JSON.stringify(value) }),
  );
  return cases;
};

/** Documents of the wrong type, broken or odd JSON, and attempts at prototype pollution. */
export const documentCases = (op: Operation, base: BaseBody): Case[] => {
  const json = JSON.stringify(base(op));
  const cases: Case[] = Object.entries(RAW_BODIES).map(([name, body]) => ({ name, body }));
  const fields = fieldsOf(base(op));
  if (fields.length > 0) {
    cases.push({ name: '__proto__ pollution', body: `{"__proto__":{"role":"admin"},${json.slice(1)}` });
    cases.push({ name: 'constructor.prototype pollution', body: `{"constructor":{"prototype":{"role":"admin"}},${json.slice(1)}` });
    cases.push({ name: 'a duplicate key', body: `${json.slice(0, -1)},"${fields[0]}":${JSON.stringify(HOSTILE_STRINGS[2])}}` });
  }
  return cases;
};

/** Nesting far deeper than any body needs, still under the body size limit. */
export const deepCases = (): Case[] => [
  { name: 'objects nested 10 000 deep', body: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}` },
  { name: 'arrays nested 30 000 deep', body: `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
];

/**
 * NUL, then a lone surrogate, after the first character of every string of a valid body (top level and one level
 * down), of every query parameter, and NUL as every path parameter.
 */
export const unstorableCases = (op: Operation, base: BaseBody, url: string): Case[] => {
  const cases: Case[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (!node || typeof node !== 'object' || path.length > 1) return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value !== 'string') {
        visit(value, [...path, key]);
        continue;
      }
      for (const [kind, char] of Object.entries(UNSTORABLE)) {
        const body = base(op) as Record<string, unknown>;
        const holder = path.reduce<Record<string, unknown>>((n, k) => n[k] as Record<string, unknown>, body);
        holder[key] = `${value.slice(0, 1) || 'a'}${char}${value.slice(1)}`;
        cases.push({ name: `${[...path, key].join('.')} with ${kind}`, body: JSON.stringify(body) });
      }
    }
  };
  if (op.body) visit(base(op), []);
  for (const q of op.query)
    for (const [kind, encoded] of Object.entries(UNSTORABLE_IN_URL))
      cases.push({ name: `?${q.name} with ${kind}`, url: `${url}?${q.name}=${encoded}` });
  if (op.pathParams.length > 0)
    cases.push({ name: 'path with NUL', url: op.path.replace(/\{\w+\}/g, UNSTORABLE_IN_URL.NUL), body: bodyOf(op, base) });
  return cases;
};

/** Hostile values for each query parameter, the first one repeated, as an operator object, and very long. */
export const queryCases = (op: Operation, url: string): Case[] => {
  const seed = seedOf(op.route);
  const strings = [
    ...HOSTILE_STRINGS.filter((s) => s.length < 10_000),
    ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { seed, numRuns: 4 }),
  ];
  const cases: Case[] = [];
  for (let i = 0; i < QUERY_CASES; i++) {
    const param = op.query[i % op.query.length];
    const value = strings[Math.abs(seed + i * 5) % strings.length];
    cases.push({ name: `?${param.name}=${describeCase(value)}`, url: `${url}?${new URLSearchParams({ [param.name]: value })}` });
  }
  const first = op.query[0].name;
  cases.push({ name: `?${first} twice`, url: `${url}?${first}=1&${first}=2` });
  cases.push({ name: `?${first}[$ne]=x`, url: `${url}?${first}%5B%24ne%5D=x` });
  cases.push({ name: 'a 4000-character query', url: `${url}?${first}=${'q'.repeat(4_000)}` });
  return cases;
};

/** Hostile path parameters, each within the router's limit of 100 characters per parameter. */
export const pathCases = (op: Operation, base: BaseBody): Case[] =>
  ["' or 1=1 --", '🛒', '../../etc/passwd', '..', '-1', '%', '00000000-0000-0000-0000-000000000000', 'z'.repeat(100)].map((value) => ({
    name: `path ${describeCase(value)}`,
    url: withParams(op, value),
    body: bodyOf(op, base),
  }));

/** URLs the router refuses before any route runs: a parameter over 100 characters, a path that is not UTF-8. */
export const routerRefusedCases = (op: Operation): Case[] => [
  { name: 'a parameter of 101 characters', url: withParams(op, 'z'.repeat(101)) },
  { name: 'a lone surrogate (not UTF-8)', url: op.path.replace(/\{\w+\}/g, UNSTORABLE_IN_URL['a lone surrogate']) },
];

const HOSTILE_HEADERS: Record<string, string>[] = [
  { 'idempotency-key': "' or 1=1 --" },
  { 'idempotency-key': 'k'.repeat(5_000) },
  { 'idempotency-key': '🛒' },
  { 'x-cart-token': "' or 1=1 --" },
  { 'x-cart-token': 't'.repeat(5_000) },
  { 'x-request-id': '<script>alert(1)</script>' },
  { authorization: `Bearer ${'a'.repeat(10_000)}` },
  { authorization: 'Basic YWRtaW46YWRtaW4=' },
  { 'x-api-key': "ok_' or 1=1 --" },
  { 'content-type': 'application/json; charset=utf-16' },
  { 'content-type': 'application/x-www-form-urlencoded' },
  { 'content-type': 'multipart/form-data; boundary=x' },
];

/** Hostile idempotency keys, cart tokens, request ids, credentials and content types on a valid request. */
export const headerCases = (op: Operation, base: BaseBody): Case[] =>
  HOSTILE_HEADERS.map((headers) => ({ name: describeCase(headers), body: bodyOf(op, base), headers }));
