import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { problemResponses } from "../../http/problem.schema.js";
import { ACCESS } from "../auth/access.js";
import { actorOf, sourceScopeOf } from "../auth/principal.js";
import {
  createLeadMessageBodySchema,
  leadMessageParamsSchema,
  leadMessagePostedSchema,
} from "./sticky.schemas.js";
import type { StickyConversationService } from "./sticky.service.js";

export const stickyRoutes: FastifyPluginAsyncZod<{ sticky: StickyConversationService }> = async (
  app,
  { sticky },
) => {
  app.post(
    "/leads/by-external-id/:external_id/messages",
    {
      config: { access: ACCESS.stickyMessage },
      schema: {
        operationId: "createLeadMessage",
        tags: ["messages"],
        summary: "Add a lead's message to its open conversation through a source, or open one",
        description:
          "The message goes to the lead's open (active or pending) appeal of source_id, the newest if several: " +
          "201 with appeal_created false. Without one it opens a new appeal through distribution, exactly as " +
          "POST /appeals does with the text as its message, creating the lead if new: 201 with appeal_created " +
          "true. Concurrent messages of one lead through one source are handled one at a time, in id order: " +
          "concurrent first messages make one lead and one appeal. A message with an external_id already " +
          "stored in the lead's conversations through the source answers that message (and its appeal) with " +
          "200 and writes nothing. Non-empty lead_name, lead_phone and lead_email update the lead, as at " +
          "intake. An unknown source_id, or one outside a scoped intake key's sources, is a 404 and writes nothing.",
        params: leadMessageParamsSchema,
        body: createLeadMessageBodySchema,
        response: {
          201: leadMessagePostedSchema.describe(
            "The message stored, in an appeal open already or opened by it",
          ),
          200: leadMessagePostedSchema.describe(
            "A repeat of an external_id: the first message, nothing written",
          ),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { posted, replayed } = await sticky.post(request.params.external_id, request.body, {
        actor: actorOf(request),
        sources: sourceScopeOf(request),
      });
      return reply.code(replayed ? 200 : 201).send(posted);
    },
  );
};
