-- The contacts scenario's history (bench/contacts-fill.ts runs it after contacts-leads.sql,
-- beside the build of the leads' indexes): each contact lead came through one appeal on the
-- intake scenario's sources and operators ('bench source %'), closed an hour later, and a fifth
-- of them viewed 1..3 of the six materials (the first ones most), days after they came.
SET jit = off;
SELECT setseed(0.2027);

CREATE TEMP TABLE contacts_lead AS
  SELECT (substr(external_id, 15))::int AS g, id, created_at FROM leads WHERE external_id LIKE 'contacts-lead-%';

CREATE TEMP TABLE contacts_pair AS
  SELECT (row_number() OVER (ORDER BY w.source_id, w.operator_id) - 1)::int AS k, w.source_id, w.operator_id
  FROM operator_weights w JOIN sources s ON s.id = w.source_id
  WHERE s.name LIKE 'bench source %';

-- Each lead came through one appeal, closed an hour later.
INSERT INTO appeals (lead_id, source_id, operator_id, status, message, created_at, assigned_at, closed_at)
SELECT l.id, p.source_id, p.operator_id, 'closed', 'Здравствуйте! Хочу узнать про доставку, заказ ' || l.g,
       l.created_at, l.created_at + interval '5 seconds', l.created_at + interval '1 hour'
FROM contacts_lead l
JOIN contacts_pair p ON p.k = l.g % (SELECT count(*) FROM contacts_pair)
ORDER BY l.id;

CREATE TEMP TABLE contacts_material AS
  SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id
  FROM (SELECT id FROM materials ORDER BY id DESC LIMIT 6) newest;

-- A fifth of the leads viewed 1..3 of the materials (the first ones most), days after they came.
INSERT INTO activities (lead_id, type, material_id, data, occurred_at, external_id, created_at)
SELECT v.id, 'material_viewed', m.id, '{"via": "bot"}', v.created_at + v.n * interval '1 day',
       'contacts-view-' || v.g || '-' || v.n, v.created_at + v.n * interval '1 day'
FROM (
  SELECT l.id, l.g, l.created_at, n, floor(power(random(), 2) * 6)::int AS k
  FROM contacts_lead l CROSS JOIN generate_series(1, 3) n
  WHERE l.g % 5 = 0 AND n <= 1 + l.g % 15 / 5
) v
JOIN contacts_material m ON m.k = v.k
ORDER BY v.id, v.n;

DROP TABLE contacts_lead, contacts_pair, contacts_material;
