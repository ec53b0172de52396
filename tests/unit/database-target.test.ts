// npm test says at its start which database it runs on, never with the password.
import { describe, expect, it } from "vitest";
import { databaseTargetLine } from "../helpers/database-target.js";

describe("databaseTargetLine", () => {
  it("names the server without its password, and the template the files clone", () => {
    expect(
      databaseTargetLine({
        kind: "server",
        url: "postgresql://ci:s3cret@db.internal:6543/postgres?sslmode=require",
        template: "lds_test_template_abc",
      }),
    ).toBe(
      "[tests] database: PostgreSQL server postgresql://ci@db.internal:6543/postgres?sslmode=require " +
        "(each test file clones lds_test_template_abc)",
    );
  });

  it("says so when the tests run on the embedded PGlite", () => {
    expect(
      databaseTargetLine(
        { kind: "embedded", url: "postgresql://postgres:postgres@127.0.0.1:40123/postgres" },
        {},
      ),
    ).toBe(
      "[tests] database: embedded PGlite at 127.0.0.1:40123 (no PostgreSQL server answered; files run one after another)",
    );
  });

  it("names TEST_DATABASE=embedded when that chose it", () => {
    expect(
      databaseTargetLine(
        { kind: "embedded", url: "postgresql://postgres:postgres@127.0.0.1:40123/postgres" },
        { TEST_DATABASE: "embedded" },
      ),
    ).toBe(
      "[tests] database: embedded PGlite at 127.0.0.1:40123 (TEST_DATABASE=embedded; files run one after another)",
    );
  });
});
