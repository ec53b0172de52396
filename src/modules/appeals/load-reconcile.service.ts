// Watches and repairs the counters kept beside the appeals (operators.active_load and
// appeal_counts; see load-reconcile.repository.ts). The periodic sweep calls
// checkDrift(); `npm run db:reconcile` calls findDrift() or reconcile().
import { type LoadDriftMetrics, NO_DRIFT_METRICS, type ServiceLog } from "../../core/ports.js";
import type { DriftScope, LoadDrift, LoadReconcileRepository } from "./load-reconcile.repository.js";

/** How many drifted rows of each kind a warning lists; the counts are always complete. */
const LOGGED_ROWS = 20;

export class LoadReconcileService {
  constructor(
    private readonly repository: LoadReconcileRepository,
    private readonly metrics: LoadDriftMetrics = NO_DRIFT_METRICS,
    private readonly log: ServiceLog = { warn() {} },
  ) {}

  /**
   * Looks for drift without locking or writing anything; when it finds some, logs one
   * warning with the details and adds the number of drifted rows to
   * lds_load_drift_total{kind}. Repairs nothing: that is `npm run db:reconcile`.
   * `{ appealCounts: false }` checks active_load only: the appeal_counts half counts every
   * appeal (~0.3 s of one core per million), so a frequent sweep may check it less often.
   */
  async checkDrift(scope: DriftScope = {}): Promise<LoadDrift> {
    const drift = await this.repository.findDrift(scope);
    const { activeLoad, appealCounts } = drift;
    if (activeLoad.length > 0) this.metrics.loadDriftFound("active_load", activeLoad.length);
    if (appealCounts.length > 0) this.metrics.loadDriftFound("appeal_counts", appealCounts.length);
    if (activeLoad.length > 0 || appealCounts.length > 0) {
      this.log.warn(
        {
          activeLoadDrifted: activeLoad.length,
          appealCountsDrifted: appealCounts.length,
          activeLoad: activeLoad.slice(0, LOGGED_ROWS),
          appealCounts: appealCounts.slice(0, LOGGED_ROWS),
        },
        "counters disagree with the appeals (expected = counted from appeals, actual = stored); " +
          "npm run db:reconcile repairs them",
      );
    }
    return drift;
  }

  /** What reconcile() would repair now; reads only. */
  findDrift(): Promise<LoadDrift> {
    return this.repository.findDrift();
  }

  /**
   * Repairs every drifted counter in one transaction, safe beside running instances, and
   * returns what it repaired. Pending appeals that an operator's lowered load now lets in
   * are assigned by the next drain or sweep. `actor` is recorded with each operator's fix.
   */
  reconcile(actor: string): Promise<LoadDrift> {
    return this.repository.reconcile(actor);
  }
}
