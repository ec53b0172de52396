// The closer of the small-limits scenario, run in its own process by worker.ts:
// two loops per source list that source's active appeals and closes them, as
// operators finishing their work would, until the orchestrator says stop. Each
// close frees a slot, which the service hands to the oldest pending appeal.
import { authHeaders, type Target } from "./api.js";
import { answer, workerInput } from "./worker.js";

const LOOPS_PER_SOURCE = 2;

export type CloserInput = { target: Target; sourceIds: number[] };
export type CloserResult = { seconds: number; closed: number; failed: number };

async function main(): Promise<void> {
  const { target, sourceIds } = workerInput<CloserInput>();
  const headers = authHeaders(target);
  let stopping = false;
  let closed = 0;
  let failed = 0;
  process.on("message", (message) => {
    if (message === "stop") stopping = true;
  });

  const closeLoop = async (sourceId: number, loop: number) => {
    while (!stopping) {
      const response = await fetch(`${target.baseUrl}/appeals?status=active&source_id=${sourceId}&limit=20`, {
        headers,
      });
      if (!response.ok) {
        failed++;
        continue;
      }
      const page = (await response.json()) as { items: { id: number }[] };
      if (page.items.length === 0) await new Promise((r) => setTimeout(r, 10));
      for (const [index, appeal] of page.items.entries()) {
        if (stopping) break;
        if (index % LOOPS_PER_SOURCE !== loop) continue; // the other loop of this source closes it
        const closing = await fetch(`${target.baseUrl}/appeals/${appeal.id}/close`, {
          method: "PATCH",
          headers,
        });
        await closing.arrayBuffer();
        if (closing.ok) closed++;
        else failed++;
      }
    }
  };

  const started = performance.now();
  const loops = sourceIds.flatMap((sourceId) =>
    Array.from({ length: LOOPS_PER_SOURCE }, (_, loop) => closeLoop(sourceId, loop)),
  );
  await Promise.all(loops);
  const out: CloserResult = { seconds: (performance.now() - started) / 1000, closed, failed };
  answer(out);
}

main().catch((error: unknown) => {
  console.error("closer failed:", error);
  process.exit(1);
});
