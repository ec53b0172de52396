// The /api-keys routes; the authentication hook itself is installed by app.ts, before any
// route, so that it sees every module's routes.
import { defineModule } from "../module.js";
import { apiKeyRoutes } from "./api-key.routes.js";
import type { ApiKeyService } from "./api-key.service.js";

export const authModule = defineModule({
  name: "auth",
  tag: { name: "api-keys", description: "API keys and their roles, for admins" },
  routes: async (app, { apiKeys }: { apiKeys: ApiKeyService }) => {
    await app.register(apiKeyRoutes, { apiKeys });
  },
  eventTypes: ["api_key.created", "api_key.revoked"],
});
