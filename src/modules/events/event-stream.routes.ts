// GET /events/stream: the event log as Server-Sent Events. @fastify/sse writes the
// response head and keeps the connection open after the handler returns; the events
// are written by EventStreamConnection, which needs each write's byte count to stay
// bounded (reply.sse.send waits for a drain per message instead).
import { fastifySSE } from "@fastify/sse";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import type { EventStreamConnection } from "./event-stream.connection.js";
import { streamHeadersSchema, streamQuerySchema } from "./event-stream.schemas.js";
import {
  DEFAULT_EVENT_STREAM_OPTIONS,
  type EventStreamService,
  streamFilter,
} from "./event-stream.service.js";

const { heartbeatMs, maxBufferedBytes, drainTimeoutMs } = DEFAULT_EVENT_STREAM_OPTIONS;
const DESCRIPTION = [
  "Every event of the log as it commits, as Server-Sent Events: `id: <id>`, `event: <type>`,",
  "`data: {id, type, occurred_at, actor, data}` (data: the resource as the API showed it). Events come in id",
  "order. With `Last-Event-ID` (or `last_event_id`) every event after that id comes first, then live ones,",
  "whichever instance served the earlier connection; without, the events committed after the stream opened.",
  `A \`: heartbeat\` comment every ${heartbeatMs / 1000} s. What a key sees: admin and viewer everything; an`,
  "operator key the events about its own appeals and tasks; an intake key those of its sources (unscoped: of",
  "every source), no admin changes. A client that does not take what is sent",
  `(${maxBufferedBytes / 1024 / 1024} MiB waiting longer than ${drainTimeoutMs / 1000} s) is disconnected; it resumes`,
  "with Last-Event-ID and loses nothing. The stream ends when the instance shuts down: reconnect.",
].join(" ");

const EXAMPLE =
  ": connected\n\n" +
  "id: 42\nevent: appeal.assigned\n" +
  'data: {"id":42,"type":"appeal.assigned","occurred_at":"2026-11-21T10:00:00.000Z","actor":"telegram-bot",' +
  '"data":{}}\n\n' +
  ": heartbeat\n\n";

export const eventStreamRoutes: FastifyPluginAsyncZod<{ streams: EventStreamService }> = async (
  app,
  { streams },
) => {
  await app.register(fastifySSE);
  const open = new Set<EventStreamConnection>();
  // Before the server's close, which waits for every connection: a stream never ends by itself.
  app.addHook("preClose", async () => {
    await Promise.all([...open].map((connection) => connection.close("end")));
  });

  app.get(
    "/events/stream",
    {
      // A HEAD answer has no body, so it would be a stream that never ends and never says anything.
      exposeHeadRoute: false,
      // No Accept negotiation (the route serves nothing else); the heartbeat is the connection's own.
      sse: { kind: "manual", heartbeat: false },
      config: { access: ACCESS.events },
      schema: {
        operationId: "streamEvents",
        tags: ["events"],
        summary: "The live event stream (Server-Sent Events)",
        description: DESCRIPTION,
        querystring: streamQuerySchema,
        headers: streamHeadersSchema,
        response: {
          200: {
            description: "The stream: a comment first, then events as they commit, and heartbeat comments",
            content: { "text/event-stream": { schema: z.string().meta({ examples: [EXAMPLE] }) } },
          },
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => {
      // The header wins: a browser's EventSource reconnects with it, to the URL it first used.
      const after = await streams.startAfter(request.headers["last-event-id"] ?? request.query.last_event_id);
      reply.header("x-request-id", request.id);
      reply.sse.keepAlive();
      reply.sse.sendHeaders();
      const connection = streams.open(reply.raw, after, streamFilter(request.principal, request.query.types));
      open.add(connection);
      void connection.done.then(() => open.delete(connection));
    },
  );
};
