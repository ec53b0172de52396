import type { EventFeed } from "../events/event-feed.js";
import type { EventLogRepository } from "../events/event-log.repository.js";
import { defineModule, type ModuleContext } from "../module.js";
import { WebhookDispatcher } from "./webhook.dispatcher.js";
import { WebhookRepository } from "./webhook.repository.js";
import { webhookRoutes } from "./webhook.routes.js";
import { WebhookService } from "./webhook.service.js";
import { WebhookDispatchRepository } from "./webhook-dispatch.repository.js";
import type { WebhookDispatcherOptions } from "./webhook-dispatcher.options.js";
import { type ThreadSettings, type WebhookDelivery, WebhookThread } from "./webhook-thread.js";

export type WebhookOptions = {
  /**
   * The webhook dispatcher's settings; allowPrivateUrls (WEBHOOK_ALLOW_PRIVATE_URLS) also
   * applies to registration. By default private URLs are refused and the timer is off.
   */
  webhooks?: Partial<WebhookDispatcherOptions>;
  /** Deliver webhooks from a worker thread with these settings (the API on a PostgreSQL server). */
  webhookThread?: ThreadSettings;
};

export const webhooksModule = defineModule({
  name: "webhooks",
  tag: {
    name: "webhooks",
    description: "Signed delivery of events to other systems, with retries and a delivery log",
  },
  eventTypes: ["webhook.created", "webhook.updated", "webhook.deleted"],
  // Delivers what the event log module reads, on the background pool like it.
  services: (
    { database, auditRepository, metrics, log, options }: ModuleContext<WebhookOptions>,
    { eventLog, eventFeed }: { eventLog: EventLogRepository; eventFeed: EventFeed },
  ) => {
    const webhookOptions = { allowPrivateUrls: false, ...options.webhooks };
    const dispatchRepository = new WebhookDispatchRepository(database.background);
    const webhookDispatcher = new WebhookDispatcher(
      dispatchRepository,
      eventLog,
      eventFeed,
      metrics,
      log,
      webhookOptions,
    );
    const webhookDelivery: WebhookDelivery = options.webhookThread
      ? new WebhookThread(options.webhookThread, metrics, log, () => dispatchRepository.anyEnabled())
      : webhookDispatcher;
    const webhooks = new WebhookService(new WebhookRepository(database.prisma, auditRepository), {
      allowPrivateUrls: webhookOptions.allowPrivateUrls,
      ...(webhookOptions.resolve && { resolve: webhookOptions.resolve }),
      ...(webhookOptions.now && { now: webhookOptions.now }),
      wake: () => webhookDelivery.wake(),
    });
    return {
      webhooks,
      /** Delivers the event log to the webhook endpoints in this thread: runOnce() in tests, `npm run worker`. */
      webhookDispatcher,
      /**
       * What the server and the worker start and stop: that dispatcher, or (webhookThread) one in
       * a worker thread of its own, off the requests' event loop. Queued attempts wake it.
       */
      webhookDelivery,
    };
  },
  routes: async (app, { webhooks }: { webhooks: WebhookService }) => {
    await app.register(webhookRoutes, { webhooks });
  },
});
