import { startTracing } from '../platform/observability/tracing';

/*
 * Starts OpenTelemetry tracing before anything else is loaded: the http and pg instrumentations patch those modules
 * as they are required, so this module is the first import of monolith.main.ts. Another entry point can preload it:
 * `node --require ./dist/app/tracing.main.js dist/app/<main>.js`. Off unless the OTEL_* environment asks for traces
 * (ADR 0034); then nothing of the SDK is loaded.
 */
startTracing();
