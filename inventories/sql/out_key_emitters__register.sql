-- Key-emitter register per enterprise and year (methods-factors.md §5):
-- covered sector AND CO2e >= threshold in the year or any of the `lookback_years` years before it.
-- Inputs: enterprise (out_inventory__yearly_enterprise), scope (sector_scope), rule (one row of parameters).
WITH flagged AS (
    SELECT
        e.*,
        e.industry_code IN (SELECT industry_code FROM scope) AS is_covered_sector
    FROM enterprise e
),
windowed AS (
    SELECT
        f.uscc,
        f.year,
        max(w.year) FILTER (WHERE w.co2e_t >= r.threshold_co2e_t) AS trigger_year
    FROM flagged f
    CROSS JOIN rule r
    JOIN enterprise w ON w.uscc = f.uscc AND w.year BETWEEN f.year - r.lookback_years AND f.year
    GROUP BY f.uscc, f.year
)
SELECT
    f.uscc,
    f.enterprise_name,
    f.industry_code,
    f.city_code,
    f.year,
    f.co2_mass_t,
    f.co2e_t,
    f.gwp_set,
    f.is_covered_sector,
    f.is_covered_sector AND w.trigger_year IS NOT NULL AS is_key_emitter,
    CASE WHEN w.trigger_year IS NULL THEN NULL
         WHEN NOT f.is_covered_sector THEN 'above_threshold_not_covered_sector'
         ELSE 'co2e_ge_threshold' END AS key_emitter_criterion,
    w.trigger_year,
    r.threshold_co2e_t,
    f.factor_set,
    f.has_recalled_factor
FROM flagged f
JOIN windowed w USING (uscc, year)
CROSS JOIN rule r
ORDER BY f.uscc, f.year
