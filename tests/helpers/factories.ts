// Small factories that make a test's own data through the public API, with
// unique names so tests never depend on each other's rows.
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";

let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

async function post<T>(app: FastifyInstance, url: string, payload: unknown, status = 201): Promise<T> {
  const response = await app.inject({ method: "POST", url, payload: payload as object });
  expect(response.statusCode, response.body).toBe(status);
  return response.json() as T;
}

export type OperatorBody = {
  id: number;
  name: string;
  is_active: boolean;
  max_load: number;
  current_load: number;
};
export type SourceBody = { id: number; name: string; strategy: string };
export type AppealCreatedBody = {
  appeal_id: number;
  lead_id: number;
  status: "pending" | "active" | "closed";
  operator: { id: number; name: string } | null;
};

export function createOperator(
  app: FastifyInstance,
  body: { name?: string; is_active?: boolean; max_load?: number } = {},
) {
  return post<OperatorBody>(app, "/operators", { name: unique("operator"), ...body });
}

export function createSource(
  app: FastifyInstance,
  body: { name?: string; description?: string; strategy?: string } = {},
) {
  return post<SourceBody>(app, "/sources", { name: unique("source"), ...body });
}

export function setWeights(
  app: FastifyInstance,
  sourceId: number,
  weights: { operator_id: number; weight: number }[],
) {
  return post<{ operator_id: number; weight: number }[]>(app, `/sources/${sourceId}/weights`, weights, 200);
}

export function createAppeal(
  app: FastifyInstance,
  body: {
    source_id: number;
    lead_external_id?: string;
    message?: string;
    lead_name?: string;
    lead_phone?: string;
  },
) {
  return post<AppealCreatedBody>(app, "/appeals", { lead_external_id: unique("lead"), ...body });
}
