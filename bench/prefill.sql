-- The 1M-appeals scenario: 200,000 leads and 1,000,000 closed appeals, as if
-- the service had run for a year, spread over the intake scenario's sources
-- ('bench source %') and their operators. Closed appeals count towards no
-- load, so the operators' counters stay exact. Run by bench/run.ts with the
-- service up and idle.
--
-- Checking three foreign keys and maintaining five secondary indexes row by
-- row is what makes a bulk insert slow (40-60 s instead of ~10 s here): the
-- foreign keys and indexes of appeals are dropped first and rebuilt at the end
-- from their own definitions, whatever the migrations made them.
--
-- appeal_counts is kept by the statement-level trigger on appeals, which sees
-- the million rows as one transition table and upserts ~100 counter rows once.
-- Measured: +1.5 s on a ~13 s prefill (the trigger itself 0.3-0.7 s); disabling
-- it and recounting afterwards with one INSERT ... SELECT ... GROUP BY took
-- 1.3-2.0 s, no cheaper, so the insert goes through the trigger like any write.
CREATE TEMP TABLE prefill_ddl AS
  SELECT 'ALTER TABLE appeals DROP CONSTRAINT ' || quote_ident(conname) AS drop_sql,
         'ALTER TABLE appeals ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) AS create_sql,
         2 AS create_order
  FROM pg_constraint WHERE conrelid = 'appeals'::regclass AND contype = 'f'
  UNION ALL
  SELECT 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), 1
  FROM pg_index i
  WHERE i.indrelid = 'appeals'::regclass
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT drop_sql FROM prefill_ddl LOOP EXECUTE r.drop_sql; END LOOP;
END $$;

CREATE TEMP TABLE prefill_pair AS
  SELECT (row_number() OVER (ORDER BY w.source_id, w.operator_id) - 1)::int AS k, w.source_id, w.operator_id
  FROM operator_weights w JOIN sources s ON s.id = w.source_id
  WHERE s.name LIKE 'bench source %';

INSERT INTO leads (external_id, name, phone, email, created_at, updated_at)
SELECT 'prefill-lead-' || g, 'Prefilled lead ' || g, '+1555' || lpad(g::text, 7, '0'),
       'lead' || g || '@example.com', now() - interval '1 year', now() - interval '1 year'
FROM generate_series(1, 200000) g;

CREATE TEMP TABLE prefill_lead AS
  SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id
  FROM leads WHERE external_id LIKE 'prefill-lead-%';

-- Appeal g: lead g mod 200,000 (five appeals per lead), pair g mod 100
-- (source and operator), one every ~31 s over the past year.
INSERT INTO appeals (lead_id, source_id, operator_id, status, message, created_at, assigned_at, closed_at)
SELECT l.id, p.source_id, p.operator_id, 'closed', 'prefilled appeal ' || g,
       now() - interval '1 year' + g * interval '31 seconds',
       now() - interval '1 year' + g * interval '31 seconds' + interval '5 seconds',
       now() - interval '1 year' + g * interval '31 seconds' + interval '1 hour'
FROM generate_series(0, 999999) g
JOIN prefill_lead l ON l.n = g % 200000
JOIN prefill_pair p ON p.k = g % (SELECT count(*) FROM prefill_pair);

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT create_sql FROM prefill_ddl ORDER BY create_order LOOP EXECUTE r.create_sql; END LOOP;
END $$;

DROP TABLE prefill_ddl, prefill_pair, prefill_lead;
