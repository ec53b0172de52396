// The OpenAPI document, generated from the same zod schemas that validate requests.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { finishDocument } from "./openapi-document.js";

/** A tag's name and what its operations are about. */
export type Tag = { readonly name: string; readonly description: string };

/**
 * The security scheme of GET /calendar.ics: a calendar feed's token in the URL's query, because
 * calendar apps send no headers (POST /calendar/feeds makes one).
 */
export const FEED_TOKEN_SCHEME = "calendarFeedToken";

/** The service's own operations (/health, /ready, /metrics), listed after the modules' tags. */
export const SERVICE_TAG: Tag = { name: "service", description: "Health, readiness and metrics" };

const DESCRIPTION = `Distributes appeals from leads (Telegram and WhatsApp bots, web forms, CRMs) to human operators.

For each appeal the service picks, among the operators that have a weight for the appeal's source, are active and
are below their \`max_load\`, one at random in proportion to the weights. Appeals no one can take wait as
\`pending\` and are assigned, oldest first, the moment capacity frees up.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\` and, for invalid input, an \`errors\`
list naming each field. A request that fails writes nothing. Both \`/path\` and \`/path/\` answer the same.

**Authentication.** Send an API key as \`Authorization: Bearer <key>\` (the Authorize button below). Roles:
\`admin\` may do everything, \`viewer\` every GET, \`intake\` \`POST /appeals\` and \`GET /appeals/{id}\` (a key
scoped to sources only within them; others are a 404), \`operator\` (bound to one operator) reads its own appeals
only (others are a 404). Every role may open \`GET /events/stream\`, which shows each key only its part
of the log. A missing, unknown or revoked key is a 401 (\`unauthorized\`), a key whose role may not
call the route a 403 (\`forbidden\`). \`/health\`, \`/ready\` and \`/docs\` need no key; \`/metrics\` needs
\`admin\` or \`viewer\`. \`/calendar.ics\` needs no key either but a calendar feed's token in its URL
(\`?token=\`, from \`POST /calendar/feeds\`): calendar apps send no headers. Admins manage keys with
\`POST /api-keys\` (or \`npm run apikey -- create --role admin --label ops\`); a revoked key may keep
working for up to 10 seconds on an instance that used it just before. Without any key the service runs
open, but only when it listens on a loopback address.`;

/** `tags`: the modules' (src/modules/index.ts), in the order the document lists them. */
export async function registerSwagger(app: FastifyInstance, tags: readonly Tag[]): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Lead distribution service", version: "0.1.0", description: DESCRIPTION },
      // Relative: the instance that serves this document, whatever its address (a client
      // generated from it takes its own base URL).
      servers: [{ url: "/", description: "The instance that serves this document" }],
      tags: [...tags, SERVICE_TAG],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "An API key (lds_…), sent as Authorization: Bearer <key>.",
          },
          [FEED_TOKEN_SCHEME]: {
            type: "apiKey",
            in: "query",
            name: "token",
            description:
              "A calendar feed's token (lcf_…), in the feed's URL: GET /calendar.ics?token=<token>. " +
              "POST /calendar/feeds makes one; calendar apps send no headers.",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => finishDocument(jsonSchemaTransformObject(input)),
  });
  // persistAuthorization: the key entered with Authorize survives a page reload.
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { persistAuthorization: true } });
}
