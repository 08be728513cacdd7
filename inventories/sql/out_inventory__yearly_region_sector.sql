-- The fused inventory rolled up to province, city and county x sector x species and scope.
-- Inputs: species (core_inventory__yearly_facility_species), facility (out_inventory__yearly_facility: the sites,
-- years, regions and industries published), regions (GB/T 2260), industries (GB/T 4754 小类 with 门类/大类/中类),
-- industry_groups (中类 names), market (carbon-market sector per industry code).
-- Sums are taken in DECIMAL(38, 6) (1 g), so within one level and scheme the rows add up exactly to the facility
-- inventory, in any order; the facility table sums its species rows the same way.
WITH val AS (
    SELECT
        s.facility_id, s.uscc, s.year, s.species, s.scope, s.method, s.source_system, s.gwp_set, s.factor_set,
        CAST(s.mass_t AS DECIMAL(38, 6)) AS mass,
        CAST(s.co2e_t AS DECIMAL(38, 6)) AS co2e,
        CAST(s.energy_tce AS DECIMAL(38, 6)) AS energy,
        coalesce(s.has_recalled_factor, false) AS has_recalled_factor,
        s.parameter_source, coalesce(s.is_lower_bound, false) AS is_lower_bound,
        f.city_code, f.region_code AS site_region_code, f.industry_code
    FROM species s
    JOIN facility f USING (facility_id, year)
),
sites AS (SELECT DISTINCT facility_id, year, city_code, site_region_code, industry_code FROM val),
county_level AS (SELECT region_code FROM regions WHERE level = 'county'),
city_has_counties AS (SELECT DISTINCT parent_code AS city_code FROM regions WHERE level = 'county'),
geo AS (  -- every site once per region level
    SELECT facility_id, year, 'province' AS region_level,
           CASE WHEN city_code IS NOT NULL THEN substr(city_code, 1, 2) || '0000' END AS region_code,
           NULL AS parent_region_code, NULL AS fallback_name
    FROM sites
    UNION ALL
    SELECT facility_id, year, 'city', city_code,
           CASE WHEN city_code IS NOT NULL THEN substr(city_code, 1, 2) || '0000' END, NULL
    FROM sites
    UNION ALL
    SELECT s.facility_id, s.year, 'county',
           CASE WHEN c.region_code IS NOT NULL THEN s.site_region_code ELSE s.city_code END,
           s.city_code,
           -- a site known only to its city is counted in "<city>(区县不详)", unless the city has no counties (济源)
           CASE WHEN c.region_code IS NULL AND h.city_code IS NOT NULL THEN '(区县不详)' END
    FROM sites s
    LEFT JOIN county_level c ON c.region_code = s.site_region_code
    LEFT JOIN city_has_counties h ON h.city_code = s.city_code
),
sector AS (  -- every site once per sector scheme
    SELECT facility_id, year, 'all' AS sector_scheme, 'ALL' AS sector_class_code, '全部行业' AS sector_class_name
    FROM sites
    UNION ALL
    SELECT s.facility_id, s.year, 'gbt4754_section', coalesce(i.section_code, 'unknown'), coalesce(i.section_name, '行业不详')
    FROM sites s LEFT JOIN industries i USING (industry_code)
    UNION ALL
    SELECT s.facility_id, s.year, 'gbt4754_division', coalesce(i.division_code, 'unknown'),
           coalesce(i.division_name, '行业不详')
    FROM sites s LEFT JOIN industries i USING (industry_code)
    UNION ALL
    SELECT s.facility_id, s.year, 'gbt4754_group', coalesce(i.group_code, 'unknown'), coalesce(g.group_name, '行业不详')
    FROM sites s LEFT JOIN industries i USING (industry_code) LEFT JOIN industry_groups g USING (group_code)
    UNION ALL
    SELECT s.facility_id, s.year, 'carbon_market',
           CASE WHEN s.industry_code IS NULL THEN 'unknown' ELSE coalesce(m.sector_code, 'not_covered') END,
           CASE WHEN s.industry_code IS NULL THEN '行业不详' ELSE coalesce(m.sector_zh, '其他行业(未纳入)') END
    FROM sites s LEFT JOIN market m ON m.industry_code = s.industry_code  -- covered in this data year only
        AND s.year BETWEEN coalesce(m.first_data_year, s.year) AND coalesce(m.last_data_year, s.year)
),
rolled AS (
    SELECT
        v.year, g.region_level, g.region_code, any_value(g.parent_region_code) AS parent_region_code,
        any_value(g.fallback_name) AS fallback_name, x.sector_scheme, x.sector_class_code,
        any_value(x.sector_class_name) AS sector_class_name, v.species, v.scope,
        count(DISTINCT v.facility_id) AS facility_count,
        count(DISTINCT v.uscc) AS enterprise_count,
        sum(v.mass) AS mass,
        sum(v.co2e) FILTER (WHERE v.scope IN ('combustion', 'process')) AS co2e,  -- direct only, as in co2e_t
        sum(v.energy) AS energy,
        sum(v.mass) FILTER (WHERE v.method = 'monitored') AS monitored_mass,
        sum(v.mass) FILTER (WHERE v.method = 'reported') AS reported_mass,
        sum(v.mass) FILTER (WHERE v.method = 'calculated') AS calculated_mass,
        sum(v.mass) FILTER (WHERE v.method = 'gap_filled') AS gap_filled_mass,
        sum(v.mass) FILTER (WHERE v.has_recalled_factor) AS recalled_mass,
        sum(v.mass) FILTER (WHERE v.parameter_source = 'default') AS default_parameter_mass,
        sum(v.mass) FILTER (WHERE v.is_lower_bound) AS lower_bound_mass,
        string_agg(DISTINCT v.source_system, ';' ORDER BY v.source_system) AS source_systems,
        string_agg(DISTINCT v.gwp_set, ';' ORDER BY v.gwp_set) AS gwp_set,
        string_agg(DISTINCT v.factor_set, ';' ORDER BY v.factor_set) AS factor_set
    FROM val v
    JOIN geo g USING (facility_id, year)
    JOIN sector x USING (facility_id, year)
    GROUP BY v.year, g.region_level, g.region_code, x.sector_scheme, x.sector_class_code, v.species, v.scope
),
shared AS (
    SELECT r.*,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.monitored_mass, 0) / r.mass AS DOUBLE) END AS monitored_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.reported_mass, 0) / r.mass AS DOUBLE) END AS reported_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.calculated_mass, 0) / r.mass AS DOUBLE) END AS calculated_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.gap_filled_mass, 0) / r.mass AS DOUBLE) END AS gap_filled_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.recalled_mass, 0) / r.mass AS DOUBLE) END AS recalled_factor_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.default_parameter_mass, 0) / r.mass AS DOUBLE) END
               AS default_parameter_share,
           CASE WHEN r.mass > 0 THEN CAST(coalesce(r.lower_bound_mass, 0) / r.mass AS DOUBLE) END AS lower_bound_share
    FROM rolled r
)
SELECT
    c.year, c.region_level, c.region_code,
    CASE
        WHEN c.region_code IS NULL THEN CASE c.region_level WHEN 'province' THEN '省份不详' ELSE '地市不详' END
        WHEN c.fallback_name IS NOT NULL THEN coalesce(n.region_name, c.region_code) || c.fallback_name
        ELSE n.region_name
    END AS region_name,
    c.parent_region_code, c.sector_scheme, c.sector_class_code, c.sector_class_name, c.species, c.scope,
    c.facility_count, c.enterprise_count,
    CAST(c.mass AS DOUBLE) AS mass_t,
    CAST(c.co2e AS DOUBLE) AS co2e_t,
    CAST(c.energy AS DOUBLE) AS energy_tce,
    c.monitored_share, c.reported_share, c.calculated_share, c.gap_filled_share, c.recalled_factor_share,
    c.default_parameter_share, c.lower_bound_share,
    CAST(p.mass AS DOUBLE) AS previous_year_mass_t,
    CASE WHEN p.mass > 0 THEN CAST((c.mass - p.mass) / p.mass * 100 AS DOUBLE) END AS mass_change_pct,
    c.source_systems, c.gwp_set, c.factor_set
FROM shared c
LEFT JOIN regions n ON n.region_code = c.region_code
LEFT JOIN rolled p
    ON p.year = c.year - 1 AND p.region_level = c.region_level AND p.region_code IS NOT DISTINCT FROM c.region_code
   AND p.sector_scheme = c.sector_scheme AND p.sector_class_code = c.sector_class_code
   AND p.species = c.species AND p.scope = c.scope
ORDER BY c.year, c.region_level, c.region_code NULLS LAST, c.sector_scheme, c.sector_class_code, c.species, c.scope
