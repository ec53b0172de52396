import { defineModule } from "../module.js";
import { BotScriptRepository } from "./bot-script.repository.js";
import { botScriptRoutes } from "./bot-script.routes.js";
import { BotScriptService } from "./bot-script.service.js";

export const botScriptsModule = defineModule({
  name: "bot-scripts",
  tag: { name: "bot-scripts", description: "The sales scripts sources' bots follow, versioned" },
  services: ({ database, auditRepository }) => ({
    botScripts: new BotScriptService(new BotScriptRepository(database.prisma, auditRepository)),
  }),
  routes: async (app, { botScripts }: { botScripts: BotScriptService }) => {
    await app.register(botScriptRoutes, { botScripts });
  },
  eventTypes: ["bot_script.created", "bot_script.updated"],
});
