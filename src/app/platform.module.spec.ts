import { describe, expect, it } from 'vitest';
import { busNames } from './platform.module';

describe('busNames', () => {
  it('keeps the broker names deployments already have in the default namespace', () => {
    expect(busNames('orderly')).toEqual({
      rabbitmq: { exchange: 'orderly.events', queuePrefix: '' },
      nats: { stream: 'ORDERLY', subjectPrefix: 'orderly', consumerPrefix: '' },
    });
  });

  it('puts another namespace in every name: exchange, queues, stream, subjects and consumers', () => {
    expect(busNames('eu-staging_2')).toEqual({
      rabbitmq: { exchange: 'eu-staging_2.events', queuePrefix: 'eu-staging_2.' },
      nats: { stream: 'EU-STAGING_2', subjectPrefix: 'eu-staging_2', consumerPrefix: 'eu-staging_2.' },
    });
  });
});
