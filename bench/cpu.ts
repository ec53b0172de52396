// CPU time spent per phase by the PostgreSQL backends serving the scratch
// database (and by extra processes such as pgbench), sampled from /proc every
// 200 ms. On a shared machine throughput depends on what else runs; the CPU
// an appeal costs does not, so it says where the time goes.
import pg from "pg";
import { cpuSeconds } from "./rss.js";

export class CpuMeter {
  private readonly baseline = new Map<number, number>();
  private readonly latest = new Map<number, number>();
  private readonly extras = new Set<number>();
  private readonly client: pg.Client;
  private timer: NodeJS.Timeout | undefined;
  private first = true;

  constructor(
    databaseUrl: string,
    private readonly extraPids: () => (number | undefined)[] = () => [],
  ) {
    this.client = new pg.Client({ connectionString: databaseUrl });
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.sample();
    this.first = false;
    this.timer = setInterval(() => void this.sample().catch(() => {}), 200);
  }

  private async sample(): Promise<void> {
    const { rows } = await this.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    const extras = this.extraPids().filter((pid): pid is number => pid !== undefined);
    for (const pid of extras) this.extras.add(pid);
    for (const pid of [...rows.map((row) => row.pid), ...extras]) {
      const seconds = cpuSeconds(pid);
      if (Number.isNaN(seconds)) continue;
      // Processes already there at the start count from then; later ones from their birth.
      if (!this.baseline.has(pid)) this.baseline.set(pid, this.first ? seconds : 0);
      this.latest.set(pid, seconds);
    }
  }

  /** Stops sampling; returns the CPU seconds the backends and the extra processes used since start(). */
  async stop(): Promise<{ backendSeconds: number; extraSeconds: number }> {
    clearInterval(this.timer);
    await this.sample().catch(() => {});
    await this.client.end().catch(() => {});
    let backendSeconds = 0;
    let extraSeconds = 0;
    for (const [pid, last] of this.latest) {
      const used = last - (this.baseline.get(pid) ?? 0);
      if (this.extras.has(pid)) extraSeconds += used;
      else backendSeconds += used;
    }
    return { backendSeconds, extraSeconds };
  }
}
