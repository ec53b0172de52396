// What the process does about authentication before it listens: create the
// BOOTSTRAP_ADMIN_KEY, then apply the zero-config rule, saying so in the log at
// every start, or refuse to start.
import { type Config, ConfigError } from "../../config.js";
import type { ApiKeyService } from "./api-key.service.js";
import type { AuthSettings } from "./auth.plugin.js";
import { CREATE_KEY_HINT, decideAuth } from "./auth-mode.js";

/** A ConfigError: server.ts prints its message alone and exits 1. */
export class AuthStartupError extends ConfigError {
  override name = "AuthStartupError";
}

type Log = { info(message: string): void; warn(message: string): void };

export async function prepareAuth(
  config: Pick<Config, "auth" | "host" | "bootstrapAdminKey">,
  apiKeys: Pick<ApiKeyService, "ensureBootstrapKey" | "hasActiveKeys">,
  log: Log,
): Promise<AuthSettings> {
  if (config.bootstrapAdminKey) {
    const outcome = await apiKeys.ensureBootstrapKey(config.bootstrapAdminKey);
    if (outcome === "created") log.info('created the admin API key "bootstrap" from BOOTSTRAP_ADMIN_KEY');
    if (outcome === "revoked") {
      log.warn(
        "BOOTSTRAP_ADMIN_KEY names a key that was revoked: it stays revoked. Set a new value to create a new one.",
      );
    }
  }
  const hasActiveKeys = await apiKeys.hasActiveKeys();
  const decision = decideAuth({ mode: config.auth, host: config.host, hasActiveKeys });
  switch (decision.action) {
    case "refuse":
      throw new AuthStartupError(decision.message);
    case "open":
      if (decision.reason === "auth_off") log.warn(decision.message);
      else log.info(decision.message);
      break;
    case "require":
      if (hasActiveKeys) {
        log.info("authentication: every route except /health, /ready and /docs needs an API key");
      } else {
        log.warn(
          `AUTH=on and no API key exists: every protected route answers 401 until you ${CREATE_KEY_HINT}`,
        );
      }
      break;
  }
  return { mode: config.auth, host: config.host };
}
