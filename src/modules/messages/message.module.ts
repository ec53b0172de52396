import { defineModule } from "../module.js";
import { MessageRepository } from "./message.repository.js";
import { messageRoutes } from "./message.routes.js";
import { MessageService } from "./message.service.js";

export const messagesModule = defineModule({
  name: "messages",
  tag: { name: "messages", description: "Every appeal's conversation between lead, bot and operator" },
  services: ({ database }) => ({
    messages: new MessageService(new MessageRepository(database.prisma)),
  }),
  routes: async (app, { messages }: { messages: MessageService }) => {
    await app.register(messageRoutes, { messages });
  },
  // Also written by the intake statement, for the appeal's first message.
  eventTypes: ["message.created"],
});
