import { BODY_LIMIT_BYTES } from '../../platform/http/http-server';
import { problem, PROBLEM_CONTENT_TYPE } from '../../platform/http/problem-details.filter';

/** Where nginx listens, which gateways it balances and where it keeps its pid and temporary files. */
export type NginxSettings = {
  /** `host:port` or a port */
  listen: string;
  /** `host:port` of each gateway instance */
  gateways: readonly string[];
  /** directory of nginx.pid and the temporary paths; absent in the deployed file (the image's defaults apply) */
  prefix?: string;
  /** log requests to standard output (the deployed file does; the local topology keeps its terminal quiet) */
  accessLog?: boolean;
};

/**
 * The longest a request may take through nginx: a checkout or an order read with `Prefer: wait` waits up to 30 s
 * (prefer-wait.ts), the gateway adds its margin; nginx must not cut such a request first.
 */
const READ_TIMEOUT_S = 45;
/** A gateway that failed this many times in FAIL_TIMEOUT_S is left out for FAIL_TIMEOUT_S (passive health check). */
const MAX_FAILS = 2;
const FAIL_TIMEOUT_S = 5;
/** Idle connections to the gateways close before the gateways' own keep-alive timeout (72 s), so nginx never reuses a socket a gateway is closing. */
const UPSTREAM_KEEPALIVE_TIMEOUT_S = 60;

/** What nginx answers itself, as problem+json like every other answer of the API. */
const OWN_ANSWERS = [
  { name: 'body_too_large', status: 413, code: 'request.body_too_large', detail: 'the request body is larger than the server accepts' },
  { name: 'timeout', status: 408, code: 'request.timeout', detail: 'the request was not received in time' },
  { name: 'no_gateway', status: 503, code: 'gateway.unavailable', detail: 'no gateway could take the request; try again shortly' },
] as const;

const ownAnswers = (): string =>
  OWN_ANSWERS.map(({ name, status, code, detail }) => {
    const body = JSON.stringify(problem(status, code, detail));
    const retry = status === 503 ? `      add_header Retry-After 1 always;\n` : '';
    return `    location @${name} {\n      default_type "${PROBLEM_CONTENT_TYPE}";\n${retry}      return ${status} '${body}';\n    }\n`;
  }).join('\n');

/**
 * The nginx configuration in front of the gateways. One function renders both the committed production file
 * (deploy/nginx/nginx.conf, checked by a test to be this function's output) and the local topology's file, so
 * they cannot drift apart.
 *
 * - Body limit: the API's own (64 KiB), answered by nginx before a byte reaches a gateway; the body is buffered in
 *   memory up to it, so no temporary file is ever written for a request body.
 * - Upstream health: passive (`max_fails`/`fail_timeout`); a connection error or a timeout before anything was sent
 *   is retried on the other gateway, never a request a gateway has started answering, and never a non-idempotent
 *   request nginx already sent (nginx's default).
 * - Keep-alive towards the gateways (HTTP/1.1, pooled connections), so a request costs no new TCP connection.
 * - What nginx answers itself (a body over the limit, a client too slow, no gateway reachable) is problem+json with
 *   a stable code, like the API's own answers; the gateways' answers pass through untouched.
 */
export const renderNginxConfig = (settings: NginxSettings): string => {
  const prefix = settings.prefix;
  const temp = (name: string) => (prefix ? `  ${name}_temp_path ${prefix}/${name};\n` : '');
  const servers = settings.gateways
    .map((gateway) => `    server ${gateway} max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT_S}s;`)
    .join('\n');
  return `# nginx in front of the Orderly API gateways (rendered by src/app/services/nginx-config.ts)
worker_processes auto;
${prefix ? `pid ${prefix}/nginx.pid;\n` : ''}error_log stderr warn;

events {
  worker_connections 4096;
}

http {
${settings.accessLog ? '  access_log /dev/stdout;' : '  access_log off;'}
  server_tokens off;
${temp('client_body')}${temp('proxy')}${temp('fastcgi')}${temp('uwsgi')}${temp('scgi')}
  upstream orderly_gateways {
${servers}
    keepalive 64;
    keepalive_timeout ${UPSTREAM_KEEPALIVE_TIMEOUT_S}s;
  }

  server {
    listen ${settings.listen};

    client_max_body_size ${BODY_LIMIT_BYTES};
    client_body_buffer_size ${BODY_LIMIT_BYTES};
    client_header_timeout 10s;
    client_body_timeout 10s;
    keepalive_timeout 65s;

    error_page 413 @body_too_large;
    error_page 408 @timeout;
    error_page 502 504 =503 @no_gateway;

${ownAnswers()}
    location = /nginx-health {
      access_log off;
      default_type text/plain;
      return 200 "ok\\n";
    }

    location / {
      proxy_pass http://orderly_gateways;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_send_timeout 10s;
      proxy_read_timeout ${READ_TIMEOUT_S}s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
      proxy_buffering off;
      proxy_request_buffering on;
    }
  }
}
`;
};

/** The committed production file: two gateway instances named by the orchestrator's service discovery. */
export const DEPLOYED_NGINX_SETTINGS: NginxSettings = {
  listen: '8080',
  gateways: ['gateway-1:3000', 'gateway-2:3000'],
  accessLog: true,
};
