// A few calls over a real socket: what app.inject() cannot show (HTTP framing,
// headers as a client sees them, the listening server itself).
import request from "supertest";
import { beforeAll, describe, expect, it } from "vitest";
import { unique } from "../helpers/factories.js";
import { useTestApp } from "../helpers/test-app.js";
import { ISO_UTC, PROBLEM_CONTENT_TYPE, UUID } from "./problem-assertions.js";

describe("over a real socket (supertest)", () => {
  const t = useTestApp();
  let url = "";
  beforeAll(async () => {
    // useTestApp's afterAll closes the app, and with it this server.
    url = await t.app.listen({ port: 0, host: "127.0.0.1" });
  });

  it("GET /health answers ok", async () => {
    const response = await request(url).get("/health").expect(200);
    expect(response.body).toEqual({ status: "ok" });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["x-request-id"]).toMatch(UUID);
  });

  it("GET /ready answers ready while the database answers", async () => {
    const response = await request(url).get("/ready").expect(200);
    expect(response.body).toEqual({ status: "ready" });
  });

  it("creates an operator and reads it back", async () => {
    const name = unique("socket");
    const created = await request(url)
      .post("/operators")
      .set("x-request-id", "smoke-1")
      .send({ name, max_load: 3 })
      .expect(201);
    expect(created.headers["x-request-id"]).toBe("smoke-1");
    expect(created.body).toEqual({
      id: expect.any(Number),
      name,
      is_active: true,
      max_load: 3,
      current_load: 0,
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: created.body.created_at,
      archived_at: null,
    });

    const fetched = await request(url).get(`/operators/${created.body.id}`).expect(200);
    expect(fetched.body).toEqual(created.body);
  });

  it("an invalid body comes back as problem+json", async () => {
    const response = await request(url).post("/operators").send({ name: "" }).expect(400);
    expect(response.headers["content-type"]).toBe(PROBLEM_CONTENT_TYPE);
    expect(JSON.parse(response.text)).toMatchObject({
      status: 400,
      code: "validation_failed",
      errors: [{ path: "name" }],
    });
  });
});
