import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { MessageBus } from '../messaging/message-bus';
import { Readiness } from '../observability/health';
import { ApiZodResponse, openApiSchema } from './openapi';
import { Public } from './request-context';

const CheckState = z.enum(['ok', 'down']);
export const HealthyResponse = z.object({ status: z.literal('ok') });
export const FailedResponse = z.object({ status: z.literal('failed') });
export const UnavailableResponse = z.object({
  status: z.literal('unavailable'),
  checks: z
    .object({ database: CheckState, broker: CheckState, consumers: CheckState, scheduler: CheckState })
    .describe('each check by name; never an error message, host or version'),
});

/**
 * Probes for load balancers and orchestrators, outside `/api/v1`: no credentials, no rate limit (no policy names
 * them), never cached. They answer plain JSON, also their 503s: probes read the status code, and the body names at
 * most which check failed.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly bus: MessageBus,
  ) {}

  /**
   * Answers while the process runs and its event loop turns, unless its message bus has given up for good (RabbitMQ
   * after a lost connection, NATS once its reconnect attempts are spent): then only a restart reconnects it, and
   * readiness alone would keep the process out of service forever. A dependency that comes back by itself is for
   * readiness to report, not a reason to restart.
   */
  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process runs and can recover by itself',
    description:
      'No dependency is queried: a failing database or broker is for readiness to report, not a reason to restart. ' +
      'Only a message broker connection the process has given up on for good (it does not reconnect) answers 503.',
  })
  @ApiZodResponse(200, HealthyResponse, 'the process is alive')
  @ApiResponse({
    status: 503,
    description: 'restart it: its broker connection is gone for good (plain JSON, naming nothing internal)',
    content: { 'application/json': { schema: openApiSchema(FailedResponse, 'output') } },
  })
  live(@Res({ passthrough: true }) reply: FastifyReply): z.infer<typeof HealthyResponse> | z.infer<typeof FailedResponse> {
    void reply.header('cache-control', 'no-store');
    if (!this.bus.hasFailed()) return { status: 'ok' };
    void reply.status(503);
    return { status: 'failed' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the process can serve traffic',
    description:
      'Ready when the database answers and is migrated, the broker (when one is configured) is connected, no log ' +
      'consumer is stuck (work older than CONSUMER_STUCK_AFTER_MS waits, it stood still as long and is not retrying a ' +
      'failure) and the scheduler runs. Each check answers within READINESS_CHECK_TIMEOUT_MS or counts as down.',
  })
  @ApiZodResponse(200, HealthyResponse, 'ready')
  @ApiResponse({
    status: 503,
    description: 'not ready: which checks are down (plain JSON, not problem+json: probes read the status)',
    content: { 'application/json': { schema: openApiSchema(UnavailableResponse, 'output') } },
  })
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.infer<typeof HealthyResponse> | z.infer<typeof UnavailableResponse>> {
    const report = await this.readiness.check();
    void reply.header('cache-control', 'no-store');
    if (report.ready) return { status: 'ok' };
    void reply.status(503);
    return { status: 'unavailable', checks: report.checks };
  }
}
