// Assertions on problem+json answers (RFC 9457), shared by the HTTP tests.
import type { LightMyRequestResponse } from "fastify";
import { expect } from "vitest";

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export type ProblemBody = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id?: string;
  errors?: { path: string; message: string }[];
};

/** Checks status, content type and the problem's fixed members; returns the body for more checks. */
export function expectProblem(response: LightMyRequestResponse, status: number, code: string): ProblemBody {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
  const body = response.json() as ProblemBody;
  expect(body).toMatchObject({ type: "about:blank", status, code });
  expect(body.title).not.toBe("");
  expect(body.detail).not.toBe("");
  expect(body.request_id).toBe(response.headers["x-request-id"]);
  return body;
}

/** A 400 validation_failed whose `errors` name exactly the given field paths. */
export function expectValidationError(response: LightMyRequestResponse, ...paths: string[]): ProblemBody {
  const body = expectProblem(response, 400, "validation_failed");
  expect(body.title).toBe("Request validation failed");
  expect(body.errors?.map((error) => error.path)).toEqual(paths);
  for (const error of body.errors ?? []) expect(error.message).not.toBe("");
  return body;
}
