// The /api-keys routes; the authentication hook itself is installed by app.ts, before any
// route, so that it sees every module's routes.
import { defineModule, type ModuleContext } from "../module.js";
import { ApiKeyRepository } from "./api-key.repository.js";
import { apiKeyRoutes } from "./api-key.routes.js";
import { ApiKeyService, type ApiKeyServiceOptions } from "./api-key.service.js";

export type AuthOptions = {
  /** The authentication cache (tests shorten or lengthen it). */
  apiKeys?: ApiKeyServiceOptions;
};

export const authModule = defineModule({
  name: "auth",
  tag: { name: "api-keys", description: "API keys and their roles, for admins" },
  services: ({ database, auditRepository, options }: ModuleContext<AuthOptions>) => ({
    apiKeys: new ApiKeyService(new ApiKeyRepository(database.prisma, auditRepository), options.apiKeys),
  }),
  routes: async (app, { apiKeys }: { apiKeys: ApiKeyService }) => {
    await app.register(apiKeyRoutes, { apiKeys });
  },
  eventTypes: ["api_key.created", "api_key.revoked"],
});
