-- The contacts scenario's leads (bench/contacts-fill.ts runs it first, its indexes dropped):
-- 1,000,000 leads with CRM profiles, as bots and admins filled them over two years, and six
-- published materials. Realistic on what the searches and exports read:
--   - names: 70% Russian (first name, patronymic, surname by gender), 30% English (a middle
--     name for some); 15% have a first name only (what a messenger gives). A surname is one of
--     30 common ones (a quarter of the leads, skewed: Иванов and Иванова 1.5%, Smith 0.8%) or
--     one of 240 Russian (165 English) composed from a root and an ending: the long tail real
--     surnames have. With 30 surnames only, every surname would be shared by ~25,000 leads,
--     which no CRM sees, and a search by surname would rank tens of thousands of them;
--   - phones on 85%: the E.164 form as the service stores it and the raw text in one of the
--     formats bots send ("+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", ...); 1% of
--     them unparseable (kept raw, no E.164, as the intake does); a second phone on 10%;
--   - e-mails on 60%, company and position on 20%, tags (0..3 of 8, skewed: newsletter on about a
--     quarter, vip on 6.5%), consent on 40%, blocked on 5%.
-- Deterministic: setseed() first, then one serial INSERT ... SELECT. JIT off: it made this
-- expression-heavy statement slower (17 s against 12 s), not faster.
SET jit = off;
SELECT setseed(0.2026);

CREATE TEMP TABLE contacts_words AS SELECT
  ARRAY['Александр','Дмитрий','Максим','Сергей','Андрей','Алексей','Артём','Илья','Кирилл','Михаил',
        'Никита','Иван','Егор','Пётр','Роман','Владимир','Павел','Николай','Олег','Юрий'] AS ru_male,
  ARRAY['Анна','Мария','Елена','Ольга','Наталья','Татьяна','Екатерина','Ирина','Светлана','Юлия',
        'Анастасия','Дарья','Ксения','Алёна','Виктория','Полина','Софья','Людмила','Галина','Вера'] AS ru_female,
  ARRAY['Александрович','Дмитриевич','Сергеевич','Андреевич','Алексеевич','Михайлович','Иванович',
        'Петрович','Владимирович','Николаевич','Павлович','Олегович','Юрьевич','Викторович','Игоревич'] AS ru_patronymic_m,
  ARRAY['Александровна','Дмитриевна','Сергеевна','Андреевна','Алексеевна','Михайловна','Ивановна',
        'Петровна','Владимировна','Николаевна','Павловна','Олеговна','Юрьевна','Викторовна','Игоревна'] AS ru_patronymic_f,
  -- Male forms; the female form adds "а" (every one ends in -ов, -ев or -ин).
  ARRAY['Иванов','Смирнов','Кузнецов','Попов','Васильев','Петров','Соколов','Михайлов','Новиков','Фёдоров',
        'Морозов','Волков','Алексеев','Лебедев','Семёнов','Егоров','Павлов','Козлов','Степанов','Николаев',
        'Орлов','Андреев','Макаров','Никитин','Захаров','Зайцев','Соловьёв','Борисов','Яковлев','Григорьев'] AS ru_common,
  ARRAY['Бел','Черн','Крас','Сер','Зел','Сол','Бор','Вол','Гор','Дуб',
        'Лес','Мед','Рыб','Кур','Луг','Степ','Грач','Стриж','Щег','Ляг'] AS ru_root,
  ARRAY['', 'ен', 'ик', 'уш', 'ян', 'оч', 'ых', 'ан', 'ец', 'от', 'ал', 'ул'] AS ru_middle,
  ARRAY['James','John','Robert','Michael','William','David','Richard','Joseph','Thomas','Charles',
        'Daniel','Matthew','George','Edward','Henry','Oliver','Jack','Harry','Samuel','Peter'] AS en_male,
  ARRAY['Mary','Patricia','Jennifer','Linda','Elizabeth','Barbara','Susan','Jessica','Sarah','Karen',
        'Emily','Emma','Olivia','Sophie','Charlotte','Alice','Grace','Lucy','Hannah','Joanne'] AS en_female,
  ARRAY['Smith','Johnson','Williams','Brown','Jones','Miller','Davis','Wilson','Taylor','Clark',
        'Lewis','Walker','Hall','Allen','Young','King','Wright','Scott','Green','Baker',
        'Adams','Nelson','Hill','Campbell','Mitchell','Roberts','Carter','Phillips','Evans','Turner'] AS en_common,
  ARRAY['Ash','Black','Brad','Brook','Craw','Fair','Hart','Holt','Lang','Mar','Stan','Thorn','Whit','Wood','Rad'] AS en_root,
  ARRAY['ford','ley','ton','wood','field','well','son','by','ham','more','worth'] AS en_suffix,
  -- Skewed when drawn (newsletter most, cold least): vip is 6.5% of the leads.
  ARRAY['newsletter','retail','b2b','wholesale','vip','event-2026','partner','cold'] AS tags,
  ARRAY['ООО «Ромашка»','АО «Вектор»','ИП Соколова','ООО «СтройМир»','Acme Ltd','Globex Corp','Initech',
        'Northwind Traders','ООО «Альфа-Трейд»','Umbrella plc'] AS companies,
  ARRAY['менеджер','директор','бухгалтер','закупщик','CTO','buyer','office manager','owner'] AS positions,
  ARRAY['Telegram','Instagram','a friend','the exhibition','web search','VK'] AS heard_from;

-- A phone as a bot sends it: Russian numbers in five formats, British ones in two.
CREATE FUNCTION pg_temp.contacts_raw(ru boolean, number text, format double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN NOT ru AND format < 0.5 THEN '+44 ' || substr(number, 1, 4) || ' ' || substr(number, 5)
    WHEN NOT ru THEN '+44' || number
    WHEN format < 0.3 THEN '+7 ' || substr(number, 1, 3) || ' ' || substr(number, 4, 3) || '-' || substr(number, 7, 2) || '-' || substr(number, 9, 2)
    WHEN format < 0.55 THEN '8 (' || substr(number, 1, 3) || ') ' || substr(number, 4, 3) || '-' || substr(number, 7, 2) || '-' || substr(number, 9, 2)
    WHEN format < 0.75 THEN '8' || number
    WHEN format < 0.9 THEN '+7' || number
    ELSE substr(number, 1, 3) || ' ' || substr(number, 4, 3) || ' ' || substr(number, 7, 2) || ' ' || substr(number, 9, 2)
  END $$;

-- One row per lead: its draws (a CTE with random() is computed once, in order), then its
-- profile from them (materialized: each part computed once, not at every use), then the row.
WITH draw AS (
  SELECT g, random() AS lang, random() AS gender, random() AS first, random() AS middle, random() AS common,
         random() AS last1, random() AS last2, random() AS parts, random() AS has_phone, random() AS phone_format,
         random() AS second, random() AS mail, random() AS domain, random() AS job, random() AS ntags,
         random() AS tag1, random() AS tag2, random() AS tag3, random() AS consent, random() AS blocked,
         random() AS heard, random() AS later
  FROM generate_series(1, 1000000) g
), person AS MATERIALIZED (
  SELECT d.*, d.lang < 0.7 AS ru, d.has_phone >= 0.0085 AND d.has_phone < 0.85 AS valid_phone,
    CASE WHEN d.lang < 0.7 THEN
      CASE WHEN d.gender < 0.5 THEN w.ru_male[1 + floor(d.first * 20)::int] ELSE w.ru_female[1 + floor(d.first * 20)::int] END
    ELSE
      CASE WHEN d.gender < 0.5 THEN w.en_male[1 + floor(d.first * 20)::int] ELSE w.en_female[1 + floor(d.first * 20)::int] END
    END AS first_name,
    CASE WHEN d.parts < 0.15 THEN NULL WHEN d.lang < 0.7 THEN
      CASE WHEN d.middle >= 0.85 THEN NULL
           WHEN d.gender < 0.5 THEN w.ru_patronymic_m[1 + floor(d.middle / 0.85 * 15)::int]
           ELSE w.ru_patronymic_f[1 + floor(d.middle / 0.85 * 15)::int] END
    ELSE
      CASE WHEN d.middle >= 0.3 THEN NULL
           WHEN d.gender < 0.5 THEN w.en_male[1 + floor(d.middle / 0.3 * 20)::int]
           ELSE w.en_female[1 + floor(d.middle / 0.3 * 20)::int] END
    END AS middle_name,
    CASE WHEN d.parts < 0.15 THEN NULL WHEN d.lang < 0.7 THEN
      (CASE WHEN d.common < 0.25 THEN w.ru_common[1 + floor(power(d.last1, 1.5) * 30)::int]
            ELSE w.ru_root[1 + floor(d.last1 * 20)::int] || w.ru_middle[1 + floor(d.last2 * 12)::int] || 'ов' END)
      || CASE WHEN d.gender < 0.5 THEN '' ELSE 'а' END
    ELSE
      CASE WHEN d.common < 0.3 THEN w.en_common[1 + floor(power(d.last1, 1.5) * 30)::int]
           ELSE w.en_root[1 + floor(d.last1 * 15)::int] || w.en_suffix[1 + floor(d.last2 * 11)::int] END
    END AS last_name,
    -- National numbers: distinct for every lead (7919 is prime to 10), second phones apart from the first ones.
    CASE WHEN d.lang < 0.7 THEN '9' || lpad(((d.g * 7919::bigint) % 1000000000)::text, 9, '0')
         ELSE '71' || lpad(((d.g * 7919::bigint) % 100000000)::text, 8, '0') END AS number,
    CASE WHEN d.lang < 0.7 THEN '9' || lpad((((d.g + 2000000) * 7919::bigint) % 1000000000)::text, 9, '0')
         ELSE '71' || lpad((((d.g + 2000000) * 7919::bigint) % 100000000)::text, 8, '0') END AS second_number,
    now() - interval '2 years' + d.g * interval '63 seconds' AS created_at
  FROM draw d CROSS JOIN contacts_words w
)
INSERT INTO leads (external_id, name, first_name, middle_name, last_name, phone, phone_e164, second_phone,
                   second_phone_e164, email, company, position, heard_from, notes, tags, consent_given_at,
                   consent_text_version, blocked_at, created_at, updated_at)
SELECT 'contacts-lead-' || p.g,
  concat_ws(' ', p.first_name, p.middle_name, p.last_name),
  p.first_name, p.middle_name, p.last_name,
  CASE WHEN p.has_phone >= 0.85 THEN NULL
       WHEN p.has_phone < 0.0085 THEN (ARRAY['call me', '12345', 'нет'])[1 + floor(p.phone_format * 3)::int]
       ELSE pg_temp.contacts_raw(p.ru, p.number, p.phone_format) END,
  CASE WHEN NOT p.valid_phone THEN NULL WHEN p.ru THEN '+7' || p.number ELSE '+44' || p.number END,
  CASE WHEN p.second < 0.1 AND p.valid_phone THEN pg_temp.contacts_raw(p.ru, p.second_number, 1 - p.phone_format) END,
  CASE WHEN p.second < 0.1 AND p.valid_phone THEN (CASE WHEN p.ru THEN '+7' ELSE '+44' END) || p.second_number END,
  CASE WHEN p.mail >= 0.6 THEN NULL
       WHEN p.ru THEN 'client' || p.g || '@' || (ARRAY['mail.ru','yandex.ru','gmail.com','bk.ru'])[1 + floor(p.domain * 4)::int]
       ELSE lower(p.first_name) || '.' || lower(coalesce(p.last_name, 'x')) || p.g || '@example.com' END,
  CASE WHEN p.job < 0.2 THEN w.companies[1 + floor(p.job / 0.2 * 10)::int] END,
  CASE WHEN p.job < 0.2 THEN w.positions[1 + floor(p.domain * 8)::int] END,
  CASE WHEN p.heard < 0.3 THEN w.heard_from[1 + floor(p.heard / 0.3 * 6)::int] END,
  CASE WHEN p.heard > 0.95 THEN 'Prefers a call after 18:00' END,
  array_remove(ARRAY[
    CASE WHEN p.ntags >= 0.45 THEN w.tags[1 + floor(power(p.tag1, 2) * 8)::int] END,
    CASE WHEN p.ntags >= 0.8 AND floor(power(p.tag2, 2) * 8) <> floor(power(p.tag1, 2) * 8)
         THEN w.tags[1 + floor(power(p.tag2, 2) * 8)::int] END,
    CASE WHEN p.ntags >= 0.95 AND floor(power(p.tag3, 2) * 8) NOT IN (floor(power(p.tag1, 2) * 8), floor(power(p.tag2, 2) * 8))
         THEN w.tags[1 + floor(power(p.tag3, 2) * 8)::int] END
  ], NULL),
  CASE WHEN p.consent < 0.4 THEN p.created_at + p.later * interval '10 days' END,
  CASE WHEN p.consent < 0.4 THEN CASE WHEN p.consent < 0.28 THEN 'v1' ELSE 'v2' END END,
  CASE WHEN p.blocked < 0.05 THEN p.created_at + p.later * interval '60 days' END,
  p.created_at, p.created_at
FROM person p CROSS JOIN contacts_words w;

INSERT INTO materials (title, category, body, media, published, published_at, created_at, updated_at)
SELECT m.title, m.category, m.body, m.media::jsonb, true, now() - interval '2 years', now() - interval '2 years',
       now() - interval '2 years'
FROM (VALUES
  (1, 'Как выбрать диван: 7 советов', 'article', 'Размер, обивка, механизм...', '[{"kind": "photo", "url": "https://cdn.example/sofa.jpg"}]'),
  (2, 'Sofa "Oslo", grey', 'product', 'Three seats, 210 cm', '[{"kind": "photo", "url": "https://cdn.example/oslo.jpg"}, {"kind": "document", "url": "https://cdn.example/oslo.pdf", "name": "oslo.pdf"}]'),
  (3, 'Open day at the showroom', 'event', 'Saturday 11:00-17:00', '[{"kind": "link", "url": "https://acme.example/open-day"}]'),
  (4, 'Кресло «Берген»', 'product', NULL, '[{"kind": "photo", "telegram_file_id": "AgACAgIAAxkBAAIBbench"}]'),
  (5, 'Delivery and assembly: how it works', 'article', NULL, '[{"kind": "video", "url": "https://cdn.example/delivery.mp4"}]'),
  (6, 'Распродажа выставочных образцов', 'event', NULL, '[]')
) AS m(n, title, category, body, media)
ORDER BY m.n;

DROP FUNCTION pg_temp.contacts_raw(boolean, text, double precision);
DROP TABLE contacts_words;
