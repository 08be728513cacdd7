-- One row per facility and year from the chosen values (core_inventory__yearly_facility_species).
-- Inputs: species (chosen values), facilities (core_facility__entity), enterprises (core_enterprise__entity).
-- Inputs also: known (facility_id or null, uscc, year, source_systems: the records any source has on a site or
-- enterprise that year). A species no source gave stays NULL (unknown), never 0; a site or enterprise a source
-- knows but no candidate could value gets a row with nothing computed (co2_status not_computed), never none. co2e_t is direct (combustion + process, every
-- greenhouse gas); indirect CO2 is kept in its own columns and not added to co2e_t. Sums are exact to 1 g
-- (DECIMAL(38, 6)), so the region and sector roll-ups reconcile with this table in any summation order. Method and
-- source lists are sorted distinct lists joined (string_agg DISTINCT ... ORDER BY costs ten times more).
WITH sums AS (
    SELECT
        facility_id,
        year,
        any_value(uscc) AS uscc,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2' AND scope = 'combustion') AS DOUBLE) AS co2_combustion_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2' AND scope = 'process') AS DOUBLE) AS co2_process_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2' AND scope = 'indirect_electricity') AS DOUBLE) AS co2_indirect_electricity_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2' AND scope = 'indirect_heat') AS DOUBLE) AS co2_indirect_heat_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2' AND scope LIKE 'indirect%') AS DOUBLE) AS co2_indirect_t,
        CAST(sum(CAST(co2e_t AS DECIMAL(38, 6))) FILTER (WHERE scope IN ('combustion', 'process')) AS DOUBLE) AS co2e_t,
        any_value(gwp_set) FILTER (WHERE gwp_set IS NOT NULL) AS gwp_set,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'SO2') AS DOUBLE) AS so2_mass_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'NOx') AS DOUBLE) AS nox_mass_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'PM') AS DOUBLE) AS pm_mass_t,
        CAST(sum(CAST(mass_t AS DECIMAL(38, 6))) FILTER (WHERE species = 'VOCs') AS DOUBLE) AS vocs_mass_t,
        CAST(sum(CAST(energy_tce AS DECIMAL(38, 6))) FILTER (WHERE species = 'CO2') AS DOUBLE) AS energy_tce,
        array_to_string(list_sort(list_distinct(list(method) FILTER (WHERE species = 'CO2' AND scope = 'combustion'))), '+') AS co2_method,
        array_to_string(list_sort(list_distinct(list(method) FILTER (WHERE species = 'SO2'))), '+') AS so2_method,
        array_to_string(list_sort(list_distinct(list(method) FILTER (WHERE species = 'NOx'))), '+') AS nox_method,
        array_to_string(list_sort(list_distinct(list(method) FILTER (WHERE species = 'PM'))), '+') AS pm_method,
        array_to_string(list_sort(list_distinct(list(method) FILTER (WHERE species = 'VOCs'))), '+') AS vocs_method,
        bool_or(method = 'gap_filled') AS has_gap_filled,
        bool_or(allocation_share < 1) AS has_allocated_value,
        bool_or(has_recalled_factor) AS has_recalled_factor,
        coalesce(bool_or(is_lower_bound) FILTER (WHERE species = 'CO2' AND scope IN ('combustion', 'process')), false)
            AS is_co2_lower_bound,
        coalesce(bool_or(is_lower_bound) FILTER (WHERE species IN ('SO2', 'NOx', 'PM')), false) AS is_pollutant_lower_bound,
        array_to_string(list_sort(list_distinct(list(missing_parameters) FILTER (WHERE is_lower_bound))), ' | ')
            AS missing_parameters,
        array_to_string(list_sort(list_distinct(list(source_system))), ';') AS source_systems,
        any_value(factor_set) AS factor_set
    FROM species
    GROUP BY facility_id, year
),
known_sites AS (  -- site-years a source has a record on; enterprise-grain records without a site land on <USCC>-E
    SELECT DISTINCT coalesce(facility_id, uscc || '-E') AS facility_id, uscc, year, source_systems FROM known
),
unvalued_rows AS (  -- a site-year without a row; an enterprise-level record only when its enterprise has no row
    SELECT k.* FROM known_sites k ANTI JOIN sums s USING (facility_id, year) WHERE k.facility_id <> k.uscc || '-E'
    UNION ALL
    SELECT k.* FROM known_sites k ANTI JOIN sums s USING (uscc, year) WHERE k.facility_id = k.uscc || '-E'
),
unvalued AS (  -- what a source knows but no candidate could value: kept, with nothing computed (never zero)
    SELECT facility_id, any_value(uscc) AS uscc, year,
           array_to_string(list_sort(list_distinct(flatten(list(string_split(source_systems, ';'))))), ';')
               AS source_systems
    FROM unvalued_rows
    GROUP BY facility_id, year
),
rows AS (
    SELECT * FROM sums
    UNION ALL BY NAME
    SELECT facility_id, uscc, year, source_systems, false AS has_gap_filled, false AS has_recalled_factor,
           false AS is_co2_lower_bound, false AS is_pollutant_lower_bound FROM unvalued
)
SELECT
    s.facility_id,
    s.uscc,
    coalesce(f.facility_name, e.enterprise_name) AS facility_name,
    coalesce(f.industry_code, e.industry_code) AS industry_code,
    coalesce(f.region_code, e.region_code) AS region_code,
    coalesce(f.city_code, e.city_code) AS city_code,
    s.year,
    s.co2_combustion_t, s.co2_process_t, s.co2_indirect_electricity_t, s.co2_indirect_heat_t, s.co2_indirect_t,
    s.co2e_t, s.gwp_set, s.so2_mass_t, s.nox_mass_t, s.pm_mass_t, s.vocs_mass_t, s.energy_tce,
    s.co2_method, s.so2_method, s.nox_method, s.pm_method, s.vocs_method,
    s.co2_combustion_t IS NOT NULL AND NOT s.is_co2_lower_bound AS is_co2_complete,
    (s.so2_mass_t IS NOT NULL AND s.nox_mass_t IS NOT NULL AND s.pm_mass_t IS NOT NULL AND NOT s.is_pollutant_lower_bound)
        AS is_pollutant_complete,
    s.is_co2_lower_bound,
    CASE WHEN s.co2e_t IS NULL THEN 'not_computed' WHEN s.is_co2_lower_bound THEN 'lower_bound' ELSE 'computed' END
        AS co2_status,
    s.missing_parameters,
    s.has_gap_filled, coalesce(s.has_allocated_value, false) AS has_allocated_value, s.has_recalled_factor,
    s.source_systems, s.factor_set
FROM rows s
LEFT JOIN facilities f USING (facility_id)
LEFT JOIN enterprises e ON e.uscc = s.uscc
ORDER BY s.facility_id, s.year
