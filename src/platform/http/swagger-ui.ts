import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/** The assets Swagger UI needs, by the name they are served under, with their content type. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** swagger-ui-dist as @nestjs/swagger depends on it (so its version is the one Nest's swagger module is tested with). */
const assetsDir = (): string => {
  const fromSwagger = createRequire(require.resolve('@nestjs/swagger'));
  return dirname(fromSwagger.resolve('swagger-ui-dist/package.json'));
};

const html = (base: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Orderly API</title>
  <link rel="stylesheet" href="${base}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${base}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${base}/swagger-ui-bundle.js"></script>
  <script src="${base}/swagger-ui-standalone-preset.js"></script>
  <script src="${base}/init.js"></script>
</body>
</html>`;

// A separate file, not an inline script, so the Content-Security-Policy can stay `script-src 'self'`.
const init = (documentUrl: string) => `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(documentUrl)},
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
    persistAuthorization: true,
    deepLinking: true,
  });
});
`;

/**
 * Serves Swagger UI at `/<path>` from the swagger-ui-dist package, a fixed list of files read once (no file-system
 * path ever comes from the request), on a Fastify server or a Nest app's. Done here because Nest's own UI serving
 * needs @fastify/static.
 */
export const serveSwaggerUi = (server: FastifyInstance | NestFastifyApplication, path: string, documentUrl: string): void => {
  const base = `/${path}`;
  const dir = assetsDir();
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(dir, name))]));
  const fastify = 'getHttpAdapter' in server ? server.getHttpAdapter().getInstance() : server;
  const page = html(base);
  const script = init(`/${documentUrl}`);

  fastify.get(base, (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  fastify.get(`${base}/init.js`, (_request, reply) => reply.type('text/javascript; charset=utf-8').send(script));
  for (const [name, content] of files) {
    fastify.get(`${base}/${name}`, (_request, reply) =>
      reply.type(ASSETS[name]).header('cache-control', 'public, max-age=86400').send(content),
    );
  }
};
