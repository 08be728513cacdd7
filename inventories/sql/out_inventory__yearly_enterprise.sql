-- The facility inventory summed per legal-person enterprise (USCC) and year.
-- Input: facility (out_inventory__yearly_facility), enterprises (core_enterprise__entity).
-- A column is NULL only when no site of the enterprise has a value; "complete" needs every site complete.
WITH systems AS (  -- kept apart: unnesting the systems multiplies rows
    SELECT uscc, year, string_agg(DISTINCT system, ';' ORDER BY system) AS source_systems
    FROM (SELECT uscc, year, unnest(string_split(source_systems, ';')) AS system FROM facility)
    GROUP BY uscc, year
),
methods AS (  -- the distinct methods behind the sites' combustion CO2, kept apart for the same reason
    SELECT uscc, year, string_agg(DISTINCT method, '+' ORDER BY method) AS co2_method
    FROM (SELECT uscc, year, unnest(string_split(co2_method, '+')) AS method FROM facility)
    GROUP BY uscc, year
)
SELECT
    f.uscc,
    any_value(e.enterprise_name) AS enterprise_name,
    any_value(e.industry_code) AS industry_code,
    any_value(e.region_code) AS region_code,
    any_value(e.city_code) AS city_code,
    f.year,
    count(*) AS facility_count,
    CAST(sum(CAST(co2_combustion_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2_combustion_t,
    CAST(sum(CAST(co2_process_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2_process_t,
    CAST(sum(CAST(co2_indirect_electricity_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2_indirect_electricity_t,
    CAST(sum(CAST(co2_indirect_heat_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2_indirect_heat_t,
    CAST(sum(CAST(co2_indirect_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2_indirect_t,
    CAST(sum(CAST(co2e_t AS DECIMAL(38, 6))) AS DOUBLE) AS co2e_t,
    any_value(gwp_set) FILTER (WHERE gwp_set IS NOT NULL) AS gwp_set,
    CAST(sum(CAST(so2_mass_t AS DECIMAL(38, 6))) AS DOUBLE) AS so2_mass_t,
    CAST(sum(CAST(nox_mass_t AS DECIMAL(38, 6))) AS DOUBLE) AS nox_mass_t,
    CAST(sum(CAST(pm_mass_t AS DECIMAL(38, 6))) AS DOUBLE) AS pm_mass_t,
    CAST(sum(CAST(vocs_mass_t AS DECIMAL(38, 6))) AS DOUBLE) AS vocs_mass_t,
    CAST(sum(CAST(energy_tce AS DECIMAL(38, 6))) AS DOUBLE) AS energy_tce,
    any_value(m.co2_method) AS co2_method,
    bool_and(is_co2_complete) AS is_co2_complete,
    bool_or(is_co2_lower_bound) AS is_co2_lower_bound,
    CASE WHEN sum(co2e_t) IS NULL THEN 'not_computed' WHEN bool_or(is_co2_lower_bound) THEN 'lower_bound'
         ELSE 'computed' END AS co2_status,
    nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(missing_parameters, ' | '))))), ' | '), '')
        AS missing_parameters,
    bool_and(is_pollutant_complete) AS is_pollutant_complete,
    bool_or(has_gap_filled) AS has_gap_filled,
    bool_or(has_allocated_value) AS has_allocated_value,
    bool_or(has_recalled_factor) AS has_recalled_factor,
    any_value(s.source_systems) AS source_systems,
    any_value(factor_set) AS factor_set
FROM facility f
LEFT JOIN enterprises e USING (uscc)
LEFT JOIN systems s ON s.uscc = f.uscc AND s.year = f.year
LEFT JOIN methods m ON m.uscc = f.uscc AND m.year = f.year
GROUP BY f.uscc, f.year
ORDER BY f.uscc, f.year
