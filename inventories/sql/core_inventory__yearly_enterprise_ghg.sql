-- GHG-reported combustion CO2 per enterprise (USCC) and year, summed from the fuel-line table
-- (the key-emitter register's evidence of who reports and what their own report says).
-- Inputs: fuel_line_co2 (core_inventory__ghg_fuel_line_co2), fuel_lines (core_ghg__fuel_lines).
-- Lines whose CO2 could not be computed are counted in uncomputed_line_count, never summed as zero.
WITH attrs AS (
    SELECT
        uscc,
        year,
        first(enterprise_name ORDER BY source_file, sheet_name, row_number) AS enterprise_name,
        first(industry_code ORDER BY source_file, sheet_name, row_number) FILTER (WHERE industry_code IS NOT NULL)
            AS industry_code,
        first(region_code ORDER BY source_file, sheet_name, row_number) FILTER (WHERE region_code IS NOT NULL)
            AS region_code
    FROM fuel_lines
    GROUP BY uscc, year
),
sums AS (
    SELECT
        uscc,
        year,
        sum(co2_mass_t) AS co2_mass_t,
        sum(heat_input_gj) AS heat_input_gj,
        sum(energy_tce) AS energy_tce,
        count(*) FILTER (WHERE co2_mass_t IS NOT NULL) AS fuel_line_count,
        count(*) FILTER (WHERE co2_mass_t IS NULL) AS uncomputed_line_count,
        CASE WHEN bool_and(parameter_source = 'measured') THEN 'measured'
             WHEN bool_and(parameter_source = 'default') THEN 'default'
             ELSE 'mixed' END AS parameter_source,
        any_value(factor_set) AS factor_set,
        bool_or(has_recalled_factor) AS has_recalled_factor
    FROM fuel_line_co2
    GROUP BY uscc, year
),
ids AS (  -- kept apart from `sums`: unnesting ids multiplies rows
    SELECT uscc, year, string_agg(DISTINCT factor_id, ';' ORDER BY factor_id) AS factor_ids
    FROM (SELECT uscc, year, unnest(string_split(factor_ids, ';')) AS factor_id
          FROM fuel_line_co2 WHERE factor_ids <> '')
    GROUP BY uscc, year
)
SELECT
    s.uscc,
    a.enterprise_name,
    a.industry_code,
    a.region_code,
    CASE WHEN a.region_code LIKE '4190%' THEN '419001'
         WHEN a.region_code IS NOT NULL THEN substr(a.region_code, 1, 4) || '00' END AS city_code,
    s.year,
    coalesce(s.co2_mass_t, 0) AS co2_mass_t,
    coalesce(s.co2_mass_t, 0) * gwp.value AS co2e_t,
    gwp.gwp_set AS gwp_set,
    coalesce(s.heat_input_gj, 0) AS heat_input_gj,
    coalesce(s.energy_tce, 0) AS energy_tce,
    s.fuel_line_count,
    s.uncomputed_line_count,
    'reported' AS method,
    s.parameter_source,
    'ghg' AS source_system,
    s.factor_set,
    coalesce(i.factor_ids, '') AS factor_ids,
    coalesce(s.has_recalled_factor, false) AS has_recalled_factor
FROM sums s
JOIN attrs a USING (uscc, year)
LEFT JOIN ids i USING (uscc, year)
CROSS JOIN gwp
ORDER BY s.uscc, s.year
