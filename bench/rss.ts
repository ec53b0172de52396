// The service's memory and CPU, read from /proc/<pid>: VmHWM is the peak
// resident set since the process started; VmRSS sampled every 200 ms gives the
// peak of each phase; utime + stime give the CPU time it used.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

function readKb(pid: number, field: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the process used since it started. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces), from the 3rd: utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

export class RssSampler {
  private phasePeakKb = 0;
  private phaseCpuStart = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref();
  }

  private sample(): void {
    this.phasePeakKb = Math.max(this.phasePeakKb, readKb(this.pid, "VmRSS") ?? 0);
  }

  /** Starts a new phase. */
  resetPhase(): void {
    this.phasePeakKb = 0;
    this.phaseCpuStart = cpuSeconds(this.pid);
    this.sample();
  }

  /** Peak RSS in MB since the last resetPhase(). */
  phasePeakMb(): number {
    this.sample();
    return this.phasePeakKb / 1024;
  }

  /** CPU seconds the service used since the last resetPhase(). */
  phaseCpuSeconds(): number {
    return cpuSeconds(this.pid) - this.phaseCpuStart;
  }

  /** Peak RSS in MB since the process started (VmHWM). */
  processPeakMb(): number {
    return (readKb(this.pid, "VmHWM") ?? 0) / 1024;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
