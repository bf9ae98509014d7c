import { type CommandMeta, traceOf } from '../event-store/event-store';
import type { Money } from '../../shared-kernel/money';
import type { PostalAddress } from '../../shared-kernel/postal-address';
import type { IncomingCall } from './call-context';

/* The messages of common.proto as proto-loader hands them over (see facade-service.ts), and their mapping from and
   to our types. Fields are copied one by one: a decoded message also carries the names of its set `optional` fields. */

export type MoneyWire = { amount: number; currency: string };
export type TimestampWire = { seconds: number; nanos: number };
export type CommandMetaWire = {
  commandId: string;
  correlationId: string;
  causationId?: string;
  userId?: string;
  traceparent?: string;
  tracestate?: string;
  now: TimestampWire | null;
};
export type PostalAddressWire = {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
};

/** A message field every sender sets; its absence means the peer speaks another contract. */
const required = <T>(value: T | null | undefined, field: string): T => {
  if (value === null || value === undefined) throw new Error(`gRPC message without its ${field}`);
  return value;
};

const present = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

export const moneyToWire = ({ amount, currency }: Money): MoneyWire => ({ amount, currency });

export const moneyFromWire = (wire: MoneyWire | null | undefined, field = 'money'): Money => {
  const { amount, currency } = required(wire, field);
  return { amount, currency };
};

const MS_PER_SECOND = 1000;
const NANOS_PER_MS = 1_000_000;

export const timestampToWire = (date: Date): TimestampWire => {
  const ms = date.getTime();
  const seconds = Math.floor(ms / MS_PER_SECOND);
  return { seconds, nanos: (ms - seconds * MS_PER_SECOND) * NANOS_PER_MS };
};

export const timestampFromWire = (wire: TimestampWire | null | undefined, field = 'timestamp'): Date => {
  const { seconds, nanos } = required(wire, field);
  return new Date(seconds * MS_PER_SECOND + Math.floor(nanos / NANOS_PER_MS));
};

export const commandMetaToWire = (meta: CommandMeta): CommandMetaWire => ({
  commandId: meta.commandId,
  correlationId: meta.correlationId,
  ...present('causationId', meta.causationId),
  ...present('userId', meta.userId),
  ...present('traceparent', meta.traceparent),
  ...present('tracestate', meta.tracestate),
  now: timestampToWire(meta.now),
});

/**
 * The caller's CommandMeta, continued in this service: the trace context is the server span's when this process
 * traces (what the command appends is caused by that span), else the caller's as it was sent.
 */
export const commandMetaFromWire = (wire: CommandMetaWire | null | undefined, call: IncomingCall): CommandMeta => {
  const meta = required(wire, 'meta');
  return {
    commandId: meta.commandId,
    correlationId: meta.correlationId,
    ...present('causationId', meta.causationId),
    ...present('userId', meta.userId),
    ...traceOf(call.trace.traceparent ? call.trace : meta),
    now: timestampFromWire(meta.now, 'meta.now'),
  };
};

export const postalAddressToWire = (address: PostalAddress): PostalAddressWire => ({
  name: address.name,
  line1: address.line1,
  ...present('line2', address.line2),
  city: address.city,
  postalCode: address.postalCode,
  country: address.country,
});

export const postalAddressFromWire = (wire: PostalAddressWire | null | undefined): PostalAddress => {
  const address = required(wire, 'address');
  return {
    name: address.name,
    line1: address.line1,
    ...present('line2', address.line2),
    city: address.city,
    postalCode: address.postalCode,
    country: address.country,
  };
};
