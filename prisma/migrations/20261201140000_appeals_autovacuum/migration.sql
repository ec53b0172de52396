-- Hand-written: storage parameters Prisma's schema language cannot express.
-- Every drained or closed appeal leaves a dead row version and dead index entries
-- (the pending queue index above all). With the default scale factor (0.2) a table of
-- a million appeals waits for 200,000 of them before autovacuum runs, and lookups in
-- the pending queue walk the dead entries meanwhile (an index scan marks an entry dead
-- only once no snapshot can see its row). Vacuum after 1% of the table, or 1,000 rows.
ALTER TABLE "appeals" SET (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.02
);
