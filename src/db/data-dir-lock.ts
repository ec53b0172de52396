// PGlite has no postmaster to refuse a second process on the same files, and
// two PGlite instances writing one folder corrupt it. A lock file holding the
// owner's pid makes the second process stop with a clear message instead.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the folder for this process; returns the function that gives it back. */
export function lockDataDir(directory: string): () => void {
  const path = join(directory, "service.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
        throw new DataDirInUseError(
          `The embedded database in ${directory} is in use by process ${owner}. Stop it first, ` +
            "or give this process another DATA_DIR (or a DATABASE_URL).",
        );
      }
      rmSync(path, { force: true }); // left behind by a process that is gone
    }
  }
  throw new DataDirInUseError(`Could not take the lock file ${path}.`);
}
