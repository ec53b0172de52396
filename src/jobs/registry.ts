// Every module's background jobs, for the composition root (deps.ts). A module adds
// its own by declaring them in its folder (<module>.jobs.ts) and listing them here.
import { appealJobs } from "../modules/appeals/appeal.jobs.js";

export const JOBS = [...appealJobs];
