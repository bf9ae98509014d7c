import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import { context as traceContext, isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

export type LogFields = Record<string, unknown>;

/** Fields every log line written inside `withLogContext` carries (correlation id, consumer name, …). */
const context = new AsyncLocalStorage<LogFields>();

/** Runs `work` with `fields` bound to every log line it writes, also across awaits. */
export const withLogContext = <T>(fields: LogFields, work: () => T): T => context.run({ ...context.getStore(), ...fields }, work);

/** The fields bound to the work in progress (`withLogContext`), e.g. its correlation id for a call to another service. */
export const logContextFields = (): Readonly<LogFields> => context.getStore() ?? {};

/**
 * The bound fields of a log line, with `trace_id` and `span_id` of the active span when there is one: a log line
 * leads to its trace and back. While tracing is off there is never an active span (the no-op API).
 */
const boundFields = (): LogFields => {
  const fields = context.getStore() ?? {};
  const span = trace.getSpanContext(traceContext.active());
  return span && isSpanContextValid(span) ? { ...fields, trace_id: span.traceId, span_id: span.spanId } : fields;
};

/** Secrets that must never reach a log line, wherever they appear in the logged object. */
const REDACTED = [
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'cardNumber',
  '*.cardNumber',
];

/**
 * The application's structured logger: one JSON object per line (pino), correlation id and other context
 * bound automatically (`withLogContext`), trace and span id inside a span. Errors are logged with their stack under `err`.
 */
export class AppLogger {
  constructor(readonly pino: pino.Logger) {}

  /** `service` names the process in every line: `orderly` (the monolith), `orderly-<contexts>` for a service. */
  static create(level: string = 'info', destination?: pino.DestinationStream, service = 'orderly'): AppLogger {
    const options: pino.LoggerOptions = {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      mixin: boundFields,
      redact: { paths: REDACTED, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    };
    return new AppLogger(destination ? pino(options, destination) : pino(options));
  }

  child(fields: LogFields): AppLogger {
    return new AppLogger(this.pino.child(fields));
  }

  debug(msg: string, fields: LogFields = {}): void {
    this.pino.debug(fields, msg);
  }
  info(msg: string, fields: LogFields = {}): void {
    this.pino.info(fields, msg);
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.pino.warn(fields, msg);
  }
  /** Pass the error as `err` so its stack is kept. */
  error(msg: string, fields: LogFields = {}): void {
    this.pino.error(fields, msg);
  }
  fatal(msg: string, fields: LogFields = {}): void {
    this.pino.fatal(fields, msg);
  }
}

const NEST_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Lets Nest's own messages (bootstrap, route mapping, uncaught framework errors) go through the same JSON logger. */
export class NestLoggerAdapter implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  /** Start-up chatter (each module loaded, each route mapped) goes to debug; the rest of Nest's log to info. */
  log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    this.write(typeof context === 'string' && NEST_CHATTER.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes `(message, context)` or `(message, stack, context)`; the last string is the context. */
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const strings = rest.filter((r): r is string => typeof r === 'string');
    const fields: LogFields = {};
    if (strings.length > 0) fields.context = strings[strings.length - 1];
    if (level === 'error' && strings.length > 1) fields.stack = strings[0];
    if (message instanceof Error) {
      this.logger.pino[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger.pino[level]({ ...fields, ...(message as LogFields) });
    } else {
      this.logger.pino[level](fields, String(message));
    }
  }
}
