// What a new API key must be, checked before anything is written: a label, a known
// role, an operator for (and only for) operator keys, existing sources for a scoped
// intake key. Each refusal names its field.
import { NotFoundError, ValidationError } from "../../core/errors.js";
import type { Role } from "./principal.js";

/** The lookups the checks need (the key repository has them). */
export type KeyReferences = {
  operatorExists(id: number): Promise<boolean>;
  unknownSourceIds(ids: readonly number[]): Promise<number[]>;
};

export const ROLES = ["admin", "intake", "viewer", "operator"] as const satisfies readonly Role[];

export function validLabel(label: string): string {
  const trimmed = label.trim();
  if (trimmed.length < 1 || trimmed.length > 200 || /\p{Cc}/u.test(trimmed)) {
    throw new ValidationError("An API key label is 1 to 200 printable characters.", [
      { path: "label", message: "must be 1 to 200 printable characters" },
    ]);
  }
  return trimmed;
}

export function validRole(role: string): Role {
  const found = ROLES.find((candidate) => candidate === role);
  if (!found) {
    throw new ValidationError(`Unknown role "${role}": use one of ${ROLES.join(", ")}.`, [
      { path: "role", message: `must be one of ${ROLES.join(", ")}` },
    ]);
  }
  return found;
}

/** Set exactly for the role operator, and an operator that exists (else a 404 naming operator_id). */
export async function validOperatorId(
  keys: KeyReferences,
  role: Role,
  id: number | null | undefined,
): Promise<number | null> {
  const given = id !== undefined && id !== null;
  if (role !== "operator") {
    if (!given) return null;
    throw new ValidationError(`operator_id binds operator keys only, not ${role} keys.`, [
      { path: "operator_id", message: "only for the role operator" },
    ]);
  }
  if (!given || !Number.isInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new ValidationError("An operator key needs operator_id: the operator it acts for.", [
      { path: "operator_id", message: "required for the role operator: an operator id" },
    ]);
  }
  if (!(await keys.operatorExists(id))) {
    throw new NotFoundError(`Operator ${id} does not exist; no key was created.`, [
      { path: "operator_id", message: `operator ${id} does not exist` },
    ]);
  }
  return id;
}

/** Sorted and deduplicated; null when none were given. Refuses unknown ids, naming them. */
export async function validSourceIds(
  keys: KeyReferences,
  role: Role,
  ids: readonly number[] | null | undefined,
): Promise<number[] | null> {
  if (ids === undefined || ids === null) return null;
  const refuse = (detail: string, message: string) =>
    new ValidationError(detail, [{ path: "source_ids", message }]);
  if (role !== "intake") {
    throw refuse(`source_ids scopes intake keys only, not ${role} keys.`, "only for the role intake");
  }
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  if (unique.length === 0 || unique.some((id) => !Number.isInteger(id) || id < 1 || id > 2_147_483_647)) {
    throw refuse("source_ids is a non-empty list of source ids.", "must be one or more source ids");
  }
  const unknown = await keys.unknownSourceIds(unique);
  if (unknown.length > 0) {
    throw refuse(
      `Unknown source ids: ${unknown.join(", ")}. A key can be scoped to existing sources only.`,
      `no source has the id ${unknown.join(", ")}`,
    );
  }
  return unique;
}
