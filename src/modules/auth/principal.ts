// Who is calling: the API key's role and label, set on the request by the auth
// plugin. Services receive only the label (`actor`), for the audit trail, and the
// scopes that narrow what a key sees (an intake key's sources, an operator key's operator).
import type { FastifyRequest } from "fastify";

export type Role = "admin" | "intake" | "viewer" | "operator";

/** Which callers a route accepts: "public" (no key needed) or the roles allowed. */
export type Access = "public" | readonly Role[];

export type Principal = {
  keyId: number | null;
  label: string;
  role: Role;
  /**
   * The sources an intake key is scoped to; null when unscoped (every source; always for
   * other roles). Routes pass it to services, which answer 404 outside it.
   */
  sourceIds: number[] | null;
  /** The operator an operator key acts for; null for every other role. */
  operatorId: number | null;
};

declare module "fastify" {
  interface FastifyRequest {
    /** The caller, once authenticated; null on public routes and in open mode. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Every route declares who may call it; a route without a rule fails the route × role test. */
    access?: Access;
  }
}

/** The sources this request may touch: null for every source (unscoped keys, open mode). */
export function sourceScopeOf(request: FastifyRequest): number[] | null {
  return request.principal?.sourceIds ?? null;
}

/**
 * The operator whose appeals alone this request may see: an operator key's; null for every
 * other caller. Routes pass it to services, which apply it in the query and answer 404 outside it.
 */
export function operatorScopeOf(request: FastifyRequest): number | null {
  const principal = request.principal;
  if (principal?.role !== "operator") return null;
  // 0 names no operator: an operator key without one (the table's CHECK forbids it) sees nothing.
  return principal.operatorId ?? 0;
}

/** The label recorded in the audit trail for changes made by this request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.label ?? "anonymous";
}
