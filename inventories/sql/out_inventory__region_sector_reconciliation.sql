-- Where the region x sector roll-up does not add up; empty when it reconciles. Inputs: rollup
-- (out_inventory__yearly_region_sector), facility (out_inventory__yearly_facility). Compared in DECIMAL(38, 6), exactly:
--   total:   every level x scheme summed over its rows equals the facility inventory's total of the year;
--   sectors: in every region, the classes of each scheme add up to the region's all-sector row;
--   parents: county rows add up to their city's row, city rows to their province's, class by class.
-- Both tables publish DOUBLE, and a DOUBLE carries 1 g exactly only below 2^32 t (4.3e9 t: its spacing there is
-- 2^-20 t, under 1 g). Each published amount at or above that may be off by one unit in the last place (its
-- magnitude x 2^-52) after the round trip, so those amounts add that much `slack` to the comparison; below 2^32 t the
-- slack is 0 and the comparison stays exact to 1 g. Without it a province whose totals exceed ~1e10 t (values the
-- plausibility bounds allow) would fail with differences of a few 1e-16 relative.
WITH roll_values AS (
    SELECT year, region_level, region_code, parent_region_code, sector_scheme, sector_class_code,
           CASE WHEN species = 'CO2' THEN 'CO2 ' || scope ELSE species END AS quantity, mass_t AS published
    FROM rollup WHERE species IN ('CO2', 'SO2', 'NOx', 'PM', 'VOCs') AND mass_t IS NOT NULL  -- unknown is not an amount
    UNION ALL
    SELECT year, region_level, region_code, parent_region_code, sector_scheme, sector_class_code, 'co2e', co2e_t
    FROM rollup WHERE scope IN ('combustion', 'process') AND co2e_t IS NOT NULL
    UNION ALL
    SELECT year, region_level, region_code, parent_region_code, sector_scheme, sector_class_code, 'energy_tce', energy_tce
    FROM rollup WHERE species = 'CO2' AND energy_tce IS NOT NULL
),
roll_rows AS (  -- 4294967296 = 2^32, 2.220446049250313e-16 = 2^-52
    SELECT * EXCLUDE (published), CAST(published AS DECIMAL(38, 6)) AS amount,
           CASE WHEN abs(published) >= 4294967296 THEN abs(published) * 2.220446049250313e-16 ELSE 0 END AS slack
    FROM roll_values
),
roll AS (  -- co2e and energy come from several species and scopes: one amount per quantity
    SELECT year, region_level, region_code, parent_region_code, sector_scheme, sector_class_code, quantity,
           sum(amount) AS amount, sum(slack) AS slack
    FROM roll_rows GROUP BY ALL
),
facility_long AS (
    UNPIVOT (
        SELECT year,
               CAST(co2_combustion_t AS DECIMAL(38, 6)) AS "CO2 combustion",
               CAST(co2_process_t AS DECIMAL(38, 6)) AS "CO2 process",
               CAST(co2_indirect_electricity_t AS DECIMAL(38, 6)) AS "CO2 indirect_electricity",
               CAST(co2_indirect_heat_t AS DECIMAL(38, 6)) AS "CO2 indirect_heat",
               CAST(so2_mass_t AS DECIMAL(38, 6)) AS "SO2", CAST(nox_mass_t AS DECIMAL(38, 6)) AS "NOx",
               CAST(pm_mass_t AS DECIMAL(38, 6)) AS "PM", CAST(vocs_mass_t AS DECIMAL(38, 6)) AS "VOCs",
               CAST(co2e_t AS DECIMAL(38, 6)) AS "co2e", CAST(energy_tce AS DECIMAL(38, 6)) AS "energy_tce"
        FROM facility
    ) ON COLUMNS(* EXCLUDE (year)) INTO NAME quantity VALUE amount
),
facility_total AS (
    SELECT year, quantity, sum(amount) AS expected,
           sum(CASE WHEN abs(amount) >= 4294967296 THEN CAST(abs(amount) AS DOUBLE) * 2.220446049250313e-16 ELSE 0 END)
               AS slack
    FROM facility_long GROUP BY ALL
),
levels AS (SELECT DISTINCT year, region_level, sector_scheme FROM rollup),
total AS (
    SELECT l.year, l.region_level, NULL AS region_code, l.sector_scheme, NULL AS sector_class_code, f.quantity,
           'total' AS test, f.expected, coalesce(r.actual, 0) AS actual, f.slack + coalesce(r.slack, 0) AS slack
    FROM facility_total f
    JOIN levels l USING (year)
    LEFT JOIN (SELECT year, region_level, sector_scheme, quantity, sum(amount) AS actual, sum(slack) AS slack
               FROM roll GROUP BY ALL) r
        USING (year, region_level, sector_scheme, quantity)
),
sectors AS (
    SELECT a.year, a.region_level, a.region_code, s.sector_scheme, NULL AS sector_class_code, a.quantity, 'sectors' AS test,
           a.amount AS expected, coalesce(s.actual, 0) AS actual, a.slack + coalesce(s.slack, 0) AS slack
    FROM (SELECT * FROM roll WHERE sector_scheme = 'all') a
    JOIN (SELECT DISTINCT sector_scheme FROM rollup WHERE sector_scheme <> 'all') schemes ON true
    LEFT JOIN (SELECT year, region_level, region_code, sector_scheme, quantity, sum(amount) AS actual, sum(slack) AS slack
               FROM roll WHERE sector_scheme <> 'all' GROUP BY ALL) s
        ON s.year = a.year AND s.region_level = a.region_level AND s.region_code IS NOT DISTINCT FROM a.region_code
       AND s.quantity = a.quantity AND s.sector_scheme = schemes.sector_scheme
),
parents AS (
    SELECT p.year, p.region_level, p.region_code, p.sector_scheme, p.sector_class_code, p.quantity, 'parents' AS test,
           p.amount AS expected, coalesce(c.actual, 0) AS actual, p.slack + coalesce(c.slack, 0) AS slack
    FROM roll p
    LEFT JOIN (SELECT year, region_level, parent_region_code, sector_scheme, sector_class_code, quantity,
                      sum(amount) AS actual, sum(slack) AS slack
               FROM roll WHERE region_level IN ('city', 'county') GROUP BY ALL) c
        ON c.year = p.year AND c.parent_region_code IS NOT DISTINCT FROM p.region_code
       AND c.region_level = CASE p.region_level WHEN 'province' THEN 'city' ELSE 'county' END
       AND c.sector_scheme = p.sector_scheme AND c.sector_class_code = p.sector_class_code AND c.quantity = p.quantity
    WHERE p.region_level IN ('province', 'city')
)
SELECT year, region_level, region_code, sector_scheme, sector_class_code, quantity, test,
       CAST(expected AS DOUBLE) AS expected, CAST(actual AS DOUBLE) AS actual, CAST(actual - expected AS DOUBLE) AS difference,
       slack AS tolerance
FROM (SELECT * FROM total UNION ALL SELECT * FROM sectors UNION ALL SELECT * FROM parents)
WHERE actual IS DISTINCT FROM expected AND CAST(abs(actual - expected) AS DOUBLE) > slack
ORDER BY test, year, region_level, region_code NULLS LAST, sector_scheme, sector_class_code, quantity
