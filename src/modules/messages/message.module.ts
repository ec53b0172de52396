import { AppealRepository } from "../appeals/appeal.repository.js";
import type { DistributionService } from "../appeals/distribution.service.js";
import { DEFAULT_PHONE_REGION, type PhoneOptions } from "../leads/phone.js";
import { defineModule, type ModuleContext } from "../module.js";
import { MessageRepository } from "./message.repository.js";
import { messageRoutes } from "./message.routes.js";
import { MessageService } from "./message.service.js";
import { StickyRepository } from "./sticky.repository.js";
import { stickyRoutes } from "./sticky.routes.js";
import { StickyConversationService } from "./sticky.service.js";

export const messagesModule = defineModule({
  name: "messages",
  tag: { name: "messages", description: "Every appeal's conversation between lead, bot and operator" },
  services: (
    { database, metrics, options }: ModuleContext<PhoneOptions>,
    { distribution }: { distribution: DistributionService },
  ) => {
    const messageRepository = new MessageRepository(database.prisma);
    return {
      messages: new MessageService(messageRepository),
      // A lead's message to its open conversation, or one opened through distribution.
      sticky: new StickyConversationService(
        database.sqlTransaction,
        new StickyRepository(database.sql),
        distribution,
        new AppealRepository(database.prisma),
        messageRepository,
        metrics,
        options.phoneRegion ?? DEFAULT_PHONE_REGION,
      ),
    };
  },
  routes: async (app, deps: { messages: MessageService; sticky: StickyConversationService }) => {
    await app.register(messageRoutes, { messages: deps.messages });
    await app.register(stickyRoutes, { sticky: deps.sticky });
  },
  // Also written by the intake statement, for the appeal's first message.
  eventTypes: ["message.created"],
});
