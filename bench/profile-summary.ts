// Where the service's CPU time goes: reads a .cpuprofile written by
// `BENCH_CPU_PROF=dir npm run bench` (node --cpu-prof) and prints self time by
// component (Prisma's runtime and query compiler, pg, Fastify, zod, Node's
// HTTP and streams, GC, ...) and the hottest functions, idle time left out.
//   npx tsx bench/profile-summary.ts dir/CPU.*.cpuprofile
import { readFileSync } from "node:fs";
import { markdownTable } from "./report.js";

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const components: [string, RegExp][] = [
  ["Prisma query compiler (wasm)", /^wasm:|query_compiler/],
  ["Prisma client runtime", /@prisma\/client|src\/generated\/prisma|generated\/prisma/],
  [
    "pg driver + adapter-pg",
    /node_modules\/(pg|pg-protocol|pg-types|pg-pool|postgres-[a-z]+|@prisma\/adapter-pg|@prisma\/driver-adapter-utils)\//,
  ],
  ["zod (validation + response serialization)", /node_modules\/(zod|fastify-type-provider-zod)\//],
  [
    "Fastify + router + fast-json-stringify",
    /node_modules\/(fastify|find-my-way|@fastify|fast-json-stringify|light-my-request|avvio|fast-querystring|secure-json-parse|toad-cache)/,
  ],
  ["pino", /node_modules\/(pino|sonic-boom|thread-stream)/],
  ["application code (dist/src)", /\/dist\/src\//],
  ["other node_modules", /node_modules\//],
  ["Node core (http, net, streams, timers)", /^node:/],
];

function componentOf(frame: CallFrame): string {
  if (frame.url === "") {
    if (frame.functionName === "(garbage collector)") return "garbage collector";
    if (frame.functionName === "(idle)") return "(idle)";
    if (frame.functionName === "(program)") return "V8 / native (program)";
    return "native / builtins";
  }
  for (const [name, pattern] of components) if (pattern.test(frame.url)) return name;
  return "other";
}

function summarize(path: string): void {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const component = componentOf(frame);
    if (component === "(idle)") continue;
    busyUs += us;
    byComponent.set(component, (byComponent.get(component) ?? 0) + us);
    const where = frame.url.replace(/^.*node_modules\//, "").replace(/^.*\/dist\//, "dist/");
    const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const share = (us: number) => `${((100 * us) / busyUs).toFixed(1)}%`;
  console.log(`${path}: ${(busyUs / 1e6).toFixed(1)} s of CPU (idle left out)\n`);
  const components = [...byComponent].sort((a, b) => b[1] - a[1]);
  console.log(
    markdownTable(
      ["component (self time)", "CPU s", "share"],
      components.map(([c, us]) => [c, us / 1e6, share(us)]),
    ),
  );
  const hottest = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.log(
    `\n${markdownTable(
      ["function (self time)", "share"],
      hottest.map(([f, us]) => [f, share(us)]),
    )}`,
  );
}

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile>...");
  process.exit(2);
}
for (const path of paths) summarize(path);
