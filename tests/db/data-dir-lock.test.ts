import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirInUseError, lockDataDir } from "../../src/db/data-dir-lock.js";

describe("lockDataDir", () => {
  it("takes a free folder, writes its pid, and gives it back", () => {
    const dir = mkdtempSync(join(tmpdir(), "lds-lock-"));
    const unlock = lockDataDir(dir);
    expect(readFileSync(join(dir, "service.lock"), "utf8")).toBe(String(process.pid));
    unlock();
    expect(existsSync(join(dir, "service.lock"))).toBe(false);
  });

  it("refuses a folder another running process holds, naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lds-lock-"));
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      writeFileSync(join(dir, "service.lock"), String(other.pid));
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      expect(() => lockDataDir(dir)).toThrow(`in use by process ${other.pid}`);
    } finally {
      other.kill();
    }
  });

  it("takes over a lock left behind by a process that is gone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lds-lock-"));
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => gone.on("exit", resolve));
    writeFileSync(join(dir, "service.lock"), String(gone.pid));
    const unlock = lockDataDir(dir);
    expect(readFileSync(join(dir, "service.lock"), "utf8")).toBe(String(process.pid));
    unlock();
  });
});
