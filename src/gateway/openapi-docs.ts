import type { FastifyInstance } from 'fastify';
import { OPENAPI_JSON_PATH, OPENAPI_UI_PATH } from '../platform/http/openapi';
import { serveSwaggerUi } from '../platform/http/swagger-ui';
import type { ApiDocument } from './gateway-routes';

/**
 * Serves the API's one OpenAPI document where the monolith serves it (`/api/docs-json`, as its Swagger module does:
 * `application/json`, the document serialized once) and Swagger UI at `/api/docs` with the platform's own page and
 * assets. The document is the monolith's, whole: the services each serve their part of it, the gateway all of it.
 */
export const serveOpenApiDocument = (fastify: FastifyInstance, document: ApiDocument): void => {
  const json = JSON.stringify(document);
  fastify.get(`/${OPENAPI_JSON_PATH}`, (_request, reply) => reply.type('application/json').send(json));
  serveSwaggerUi(fastify, OPENAPI_UI_PATH, OPENAPI_JSON_PATH);
};
