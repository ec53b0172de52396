-- The message phase's reference: one bot message inserted, the same row the service
-- stores for POST /appeals/{id}/messages, into a table of the same shape and indexes
-- (bench_ref.message, reference-setup.sql), on one of the appeals first..last.
-- ON CONFLICT as the service's insert: the external id is unique per appeal.
\set appeal random(:first, :last)
\set n random(1, 2000000000)
SET search_path = bench_ref;
INSERT INTO message (appeal_id, sender, text, external_id)
VALUES (:appeal, 'bot', 'reference message #' || :n, 'reference-' || :n)
ON CONFLICT (appeal_id, external_id) DO NOTHING;
