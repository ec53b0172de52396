// Up to `size` copies of one loop running at once: spawn() starts another unless all are
// busy (each loop returns when it finds nothing to do), idle() resolves when none runs.

export class WorkerPool {
  private active = 0;
  private waiting: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly size: number,
    private readonly loop: () => Promise<void>,
  ) {}

  spawn(): void {
    if (this.stopped || this.active >= this.size) return;
    this.active++;
    void this.loop().finally(() => {
      this.active--;
      if (this.active === 0) for (const resolve of this.waiting.splice(0)) resolve();
    });
  }

  /** No more spawns; loops running finish. */
  stop(): void {
    this.stopped = true;
  }

  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
