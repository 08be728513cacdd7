-- Published key-emitter lists (重点排放单位名录) against the computed register, one row per USCC.
-- Inputs: published = core_register__published_list (one row per listed enterprise and list);
--         register  = out_key_emitters__register (one row per USCC and year).
-- A USCC appears when it is on a published list or a computed key emitter in some year. The USCC is the only
-- join key: a list that spells a name differently (笫 for 第, a renamed enterprise) adds a name variant, never a
-- second enterprise.
WITH listed AS (
    SELECT
        uscc,
        -- the latest list's spelling (its last row, if a list repeats the USCC) names the enterprise
        first(enterprise_name ORDER BY list_period DESC, source_file DESC, sheet_name DESC, row_number DESC)
            AS listed_name,
        first(province_name ORDER BY list_period DESC, source_file DESC, sheet_name DESC, row_number DESC)
            FILTER (WHERE province_name IS NOT NULL) AS province_name,
        string_agg(DISTINCT list_period, ';' ORDER BY list_period) AS list_periods,
        string_agg(DISTINCT enterprise_name, ';' ORDER BY enterprise_name) AS published_name_variants
    FROM published
    WHERE uscc IS NOT NULL
    GROUP BY uscc
),
latest AS (  -- the register's latest year per USCC: its status, basis and evidence explain an only_published row
    SELECT uscc, year, enterprise_name, city_code, register_status, basis_co2e_t, energy_tce, evidence_zh
    FROM register
    WHERE uscc IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY uscc ORDER BY year DESC) = 1
),
computed AS (
    SELECT
        r.uscc,
        bool_or(r.is_key_emitter) AS is_computed_key_emitter,
        string_agg(DISTINCT CAST(r.year AS VARCHAR), ';' ORDER BY CAST(r.year AS VARCHAR))
            FILTER (WHERE r.is_key_emitter) AS computed_key_years
    FROM register r
    WHERE r.uscc IS NOT NULL
    GROUP BY r.uscc
),
compared AS (
    SELECT
        coalesce(l.uscc, c.uscc) AS uscc,
        coalesce(l.listed_name, t.enterprise_name) AS enterprise_name,
        l.province_name,
        t.city_code,
        l.list_periods,
        l.uscc IS NOT NULL AS is_on_published_list,
        coalesce(c.is_computed_key_emitter, false) AS is_computed_key_emitter,
        c.computed_key_years,
        t.year AS latest_register_year,
        t.register_status AS latest_register_status,
        t.basis_co2e_t,
        t.energy_tce,
        t.evidence_zh,
        l.published_name_variants
    FROM listed l
    FULL OUTER JOIN computed c ON c.uscc = l.uscc
    LEFT JOIN latest t ON t.uscc = coalesce(l.uscc, c.uscc)
    WHERE l.uscc IS NOT NULL OR c.is_computed_key_emitter
)
SELECT
    uscc, enterprise_name, province_name, city_code, list_periods, is_on_published_list, is_computed_key_emitter,
    computed_key_years, latest_register_year, latest_register_status, basis_co2e_t, energy_tce, evidence_zh,
    CASE
        WHEN is_on_published_list AND is_computed_key_emitter THEN 'on_both'
        WHEN is_on_published_list THEN 'only_published'
        ELSE 'only_computed'
    END AS comparison,
    CASE
        WHEN is_on_published_list AND is_computed_key_emitter THEN '名录与核算一致'
        WHEN is_on_published_list THEN '仅在公布名录 (核算未达门槛或无数据)'
        ELSE '仅核算达标 (未在公布名录)'
    END AS comparison_zh,
    published_name_variants
FROM compared
ORDER BY comparison, uscc
