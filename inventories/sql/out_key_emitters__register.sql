-- Key-emitter register (重点排放单位名录) per legal-person enterprise (USCC, its sites summed) and year
-- (methods-factors.md §5): covered sector (own industry, or a captive power unit counted as power) AND
-- emissions on the configured basis >= threshold OR comprehensive energy >= threshold, in any year of the window.
-- Inputs: enterprise (out_inventory__yearly_enterprise), scope (industry_code -> sector_code, data years covered), captive (uscc ->
-- captive_power_evidence), ghg (GHG-reported combustion CO2 per uscc and year), rule (one row of parameters),
-- source_names (source system code -> the Chinese name the evidence sentence uses).
WITH sectors AS (
    SELECT DISTINCT industry_code, sector_code, sector_zh, first_data_year, last_data_year FROM scope
),
power AS (
    SELECT any_value(sector_zh) AS sector_zh FROM scope WHERE sector_code = 'power'
),
base AS (
    SELECT
        e.*,
        coalesce(s.sector_code, CASE WHEN c.uscc IS NOT NULL THEN 'power' END) AS sector_code,
        CASE WHEN s.sector_code IS NOT NULL THEN 'industry_code'
             WHEN c.uscc IS NOT NULL THEN c.coverage_basis END AS coverage_basis,
        c.captive_power_evidence,
        coalesce(s.sector_zh, CASE WHEN c.uscc IS NOT NULL THEN (SELECT sector_zh FROM power) END) AS sector_zh,
        r.emissions_basis,
        CASE r.emissions_basis WHEN 'direct' THEN e.co2e_t
             ELSE e.co2e_t + coalesce(e.co2_indirect_t, 0) END AS basis_co2e_t
    FROM enterprise e
    CROSS JOIN rule r
    LEFT JOIN sectors s ON s.industry_code = e.industry_code  -- covered in this data year only
        AND e.year BETWEEN coalesce(s.first_data_year, e.year) AND coalesce(s.last_data_year, e.year)
    LEFT JOIN captive c USING (uscc)
),
meets AS (
    SELECT
        b.*,
        coalesce(b.basis_co2e_t >= r.threshold_co2e_t, false) AS meets_co2e_threshold,
        coalesce(b.energy_tce >= r.threshold_energy_tce, false) AS meets_energy_threshold
    FROM base b
    CROSS JOIN rule r
),
windowed AS (  -- the latest year of the window in which either threshold was met
    SELECT
        m.uscc,
        m.year,
        max(w.year) FILTER (WHERE w.meets_co2e_threshold OR w.meets_energy_threshold) AS trigger_year
    FROM meets m
    CROSS JOIN rule r
    JOIN meets w ON w.uscc = m.uscc AND w.year BETWEEN m.year - r.lookback_years AND m.year
    GROUP BY m.uscc, m.year
),
flagged AS (
    SELECT
        m.*,
        m.sector_code IS NOT NULL AS is_covered_sector,
        m.sector_code IS NOT NULL AND w.trigger_year IS NOT NULL AS is_key_emitter,
        CASE WHEN t.meets_co2e_threshold AND t.meets_energy_threshold THEN 'co2e_and_energy_tce'
             WHEN t.meets_co2e_threshold THEN 'co2e'
             WHEN t.meets_energy_threshold THEN 'energy_tce' END AS key_emitter_criterion,
        w.trigger_year,
        t.basis_co2e_t AS trigger_basis_co2e_t,
        t.energy_tce AS trigger_energy_tce,
        g.uscc IS NOT NULL AS is_ghg_reporter,
        g.co2_mass_t AS ghg_reported_co2_t,
        sum(CASE WHEN m.meets_co2e_threshold OR m.meets_energy_threshold THEN 1 ELSE 0 END)
            OVER (PARTITION BY m.uscc ORDER BY m.year) AS met_run
    FROM meets m
    JOIN windowed w USING (uscc, year)
    LEFT JOIN meets t ON t.uscc = m.uscc AND t.year = w.trigger_year
    LEFT JOIN ghg g ON g.uscc = m.uscc AND g.year = m.year
),
dated AS (
    SELECT
        f.*,
        f.is_key_emitter AND f.year > (SELECT min(year) FROM enterprise)
            AND NOT coalesce(p.is_key_emitter, false) AS is_newly_entering,
        CASE WHEN f.meets_co2e_threshold OR f.meets_energy_threshold THEN 0
             ELSE count(*) OVER (PARTITION BY f.uscc, f.met_run ORDER BY f.year)
                  - CASE WHEN f.met_run > 0 THEN 1 ELSE 0 END END AS years_below_threshold
    FROM flagged f
    LEFT JOIN flagged p ON p.uscc = f.uscc AND p.year = f.year - 1
),
sources_zh AS (  -- the source systems of each enterprise-year by their Chinese names
    SELECT uscc, year, string_agg(coalesce(n.zh, x.code), '、' ORDER BY x.code) AS source_systems_zh
    FROM (SELECT uscc, year, unnest(string_split(source_systems, ';')) AS code FROM enterprise) x
    LEFT JOIN source_names n USING (code)
    GROUP BY uscc, year
),
stated AS (
    SELECT
        d.*,
        CASE WHEN d.is_key_emitter AND d.is_newly_entering THEN 'newly_entering'
             WHEN d.is_key_emitter AND d.is_ghg_reporter THEN 'reporting'
             WHEN d.is_key_emitter THEN 'missing_from_ghg_reporting'
             WHEN d.is_covered_sector AND coalesce(d.co2_status, 'not_computed') <> 'computed' THEN 'insufficient_data'
             WHEN d.is_covered_sector THEN 'below_threshold'
             ELSE 'not_covered_sector' END AS register_status
    FROM dated d
)
SELECT
    s.uscc, s.enterprise_name, s.industry_code, s.city_code, s.year,
    s.sector_code, s.coverage_basis, s.captive_power_evidence, s.is_covered_sector,
    s.emissions_basis, s.co2e_t, s.co2_indirect_t, s.basis_co2e_t, s.energy_tce,
    s.meets_co2e_threshold, s.meets_energy_threshold, s.is_key_emitter, s.key_emitter_criterion,
    s.trigger_year, s.trigger_basis_co2e_t, s.trigger_energy_tce,
    r.threshold_co2e_t, r.threshold_energy_tce, r.lookback_years + 1 AS window_years,
    s.is_ghg_reporter, s.ghg_reported_co2_t, s.is_newly_entering, s.years_below_threshold::INTEGER AS years_below_threshold,
    s.register_status,
    CASE WHEN s.register_status = 'insufficient_data' THEN coalesce(s.missing_parameters,
        '无可核算CO2的燃料或排放数据 / no fuel or emission figure to compute CO2 from') END AS missing_items,
    concat_ws('；',
        CASE s.coverage_basis WHEN 'industry_code' THEN format('覆盖行业 {}（行业代码 {}）', s.sector_zh, s.industry_code)
             WHEN 'captive_power' THEN format('自备电厂按发电行业纳入：{}', s.captive_power_evidence)
             WHEN 'power_unit_records' THEN format('行业代码未知，按发电设施存证纳入发电行业：{}', s.captive_power_evidence)
             ELSE format('行业代码 {} 不在覆盖范围', coalesce(s.industry_code, '未知')) END,
        CASE WHEN s.trigger_year IS NOT NULL THEN format('{}年{} {} tCO2e、综合能耗 {} tce（门槛 {} tCO2e / {} tce）',
            s.trigger_year,
            CASE s.emissions_basis WHEN 'direct' THEN '直接排放' ELSE '直接排放+外购电力热力' END,
            printf('%.1f', s.trigger_basis_co2e_t), printf('%.1f', s.trigger_energy_tce),
            printf('%.0f', r.threshold_co2e_t), printf('%.0f', r.threshold_energy_tce))
        WHEN s.register_status = 'insufficient_data' THEN format('数据不足，无法判定：本年 {} tCO2e、{} tce（门槛 {} tCO2e / {} tce）',
            coalesce('≥ ' || printf('%.1f', s.basis_co2e_t) || '（下限值）', '无可核算值'),
            coalesce(printf('%.1f', s.energy_tce), '无数据'), printf('%.0f', r.threshold_co2e_t),
            printf('%.0f', r.threshold_energy_tce))
        ELSE format('窗口内（{}–{}年）未达门槛；本年 {} tCO2e、{} tCO2e 门槛',
            s.year - r.lookback_years, s.year, coalesce(printf('%.1f', s.basis_co2e_t), '无数据'),
            printf('%.0f', r.threshold_co2e_t)) END,
        CASE WHEN s.is_newly_entering THEN '上年未达门槛，本年新纳入' END,
        CASE WHEN s.years_below_threshold > 0 AND s.is_covered_sector
             THEN format('连续{}年低于门槛', s.years_below_threshold) END,
        CASE WHEN s.is_ghg_reporter THEN format('已报送温室气体报告（燃烧排放 {} tCO2）', printf('%.1f', s.ghg_reported_co2_t))
             WHEN s.is_key_emitter THEN '未报送温室气体报告' END,
        format('数据来源 {}', coalesce(z.source_systems_zh, '无'))
    ) AS evidence_zh,
    s.source_systems, s.co2_method, s.co2_status, s.gwp_set, s.factor_set, s.has_recalled_factor, s.has_gap_filled
FROM stated s
CROSS JOIN rule r
LEFT JOIN sources_zh z USING (uscc, year)
ORDER BY s.uscc, s.year
