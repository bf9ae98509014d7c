import { ownerOf, type RouteOwner } from './route-table';

/** The part of an OpenAPI document the gateway routes by: its operations and their security requirements. */
export type ApiDocument = { paths: Record<string, object> };

/** One operation of the API as the gateway serves it. */
export type GatewayRoute = {
  /** `POST /api/v1/orders/{id}/cancel`: method and template, as the document names the operation */
  route: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH';
  /** the document's template, `/api/v1/orders/{id}/cancel` */
  template: string;
  /** Fastify's form of the template, `/api/v1/orders/:id/cancel` */
  url: string;
  owner: RouteOwner;
  /** anonymous callers are let in (the operation's `security` lists `{}`): credentials that are not valid count as none */
  isPublic: boolean;
};

const METHODS: readonly string[] = ['get', 'put', 'post', 'delete', 'patch'];

/** `/api/v1/orders/{id}` → `/api/v1/orders/:id` */
export const fastifyUrlOf = (template: string): string => template.replace(/\{(\w+)\}/g, ':$1');

/**
 * Every operation of the document with its owner from the route table, in document order. Throws UnownedRoute for an
 * operation the table gives no single owner: a gateway that could not forward a route of the API does not start.
 */
export const gatewayRoutesOf = (document: ApiDocument): GatewayRoute[] =>
  Object.entries(document.paths).flatMap(([template, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => {
        const operation = (item as Record<string, { security?: Record<string, unknown>[] }>)[method];
        return {
          route: `${method.toUpperCase()} ${template}`,
          method: method.toUpperCase() as GatewayRoute['method'],
          template,
          url: fastifyUrlOf(template),
          owner: ownerOf(template),
          isPublic: (operation.security ?? []).some((requirement) => Object.keys(requirement).length === 0),
        };
      }),
  );
