import { defineModule } from "../module.js";
import { webhookRoutes } from "./webhook.routes.js";
import type { WebhookService } from "./webhook.service.js";

export const webhooksModule = defineModule({
  name: "webhooks",
  tag: {
    name: "webhooks",
    description: "Signed delivery of events to other systems, with retries and a delivery log",
  },
  eventTypes: ["webhook.created", "webhook.updated", "webhook.deleted"],
  routes: async (app, { webhooks }: { webhooks: WebhookService }) => {
    await app.register(webhookRoutes, { webhooks });
  },
});
