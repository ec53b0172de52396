// The heavy readers of the bulkhead phase, run in their own process by worker.ts: admins
// searching leads (10 loops, half of the searches matching nobody, which once read every
// lead) and one exporting every lead as CSV, again and again, until the orchestrator says
// stop. They run on the service's heavy reads' pool; the phase measures what they cost the
// intake beside them.
import { authHeaders, type Target } from "./api.js";
import { answer, workerInput } from "./worker.js";

export type ReadersInput = { target: Target; searches: number; exports: number };
export type ReadersResult = {
  seconds: number;
  searches: number;
  exports: number;
  exportedBytes: number;
  failed: number;
};

const TERMS = ["Lead bench", "nobody at all", "+7 916 123-45-67", "lead-42", "Ivan Petrov"];

async function main(): Promise<void> {
  const input = workerInput<ReadersInput>();
  const headers = authHeaders(input.target);
  let stopping = false;
  const result = { searches: 0, exports: 0, exportedBytes: 0, failed: 0 };
  process.on("message", (message) => {
    if (message === "stop") stopping = true;
  });

  const searchLoop = async (loop: number) => {
    for (let n = loop; !stopping; n++) {
      const term = TERMS[n % TERMS.length] as string;
      const response = await fetch(`${input.target.baseUrl}/leads?search=${encodeURIComponent(term)}`, {
        headers,
      });
      await response.arrayBuffer();
      if (response.ok) result.searches++;
      else result.failed++;
    }
  };
  const exportLoop = async () => {
    while (!stopping) {
      const controller = new AbortController();
      try {
        const response = await fetch(`${input.target.baseUrl}/exports/leads.csv`, {
          headers,
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          result.failed++;
          await response.arrayBuffer();
          continue;
        }
        for await (const chunk of response.body) {
          result.exportedBytes += (chunk as Uint8Array).byteLength;
          if (stopping) {
            controller.abort();
            break;
          }
        }
        if (!stopping) result.exports++;
      } catch (error) {
        if (!stopping) {
          result.failed++;
          console.error("export failed:", error);
        }
      }
    }
  };

  const started = performance.now();
  await Promise.all([
    ...Array.from({ length: input.searches }, (_, loop) => searchLoop(loop)),
    ...Array.from({ length: input.exports }, () => exportLoop()),
  ]);
  const out: ReadersResult = { seconds: (performance.now() - started) / 1000, ...result };
  answer(out);
}

main().catch((error: unknown) => {
  console.error("readers failed:", error);
  process.exit(1);
});
