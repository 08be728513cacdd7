"""The fused facility inventory on the demo province: provenance on every value, the hierarchy, 相互补充
as the manifest says, reconciliation, and clean data computed back to what the forms report."""

import polars as pl
import pytest


def test_inventory_checks_pass(built):
    _, _, result = built
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["enterprise_equals_facility_sum"].passed


def test_every_chosen_value_carries_its_provenance(built, sql):
    chosen = sql("select * from core_inventory__yearly_facility_species")
    assert chosen.height > 1000
    assert chosen.select(pl.struct("facility_id", "year", "species", "scope", "method").is_duplicated().sum()).item() == 0
    for column in ("method", "source_system", "source_table", "source_record", "factor_set"):
        assert chosen[column].null_count() == 0, column
    calculated = chosen.filter(pl.col("method").is_in(["calculated", "gap_filled"]))
    assert (calculated["factor_ids"].str.len_chars() > 0).all()
    ghg_species = chosen.filter(pl.col("species").is_in(["CO2", "CH4", "N2O"]))
    assert ghg_species["gwp_set"].null_count() == 0 and ghg_species["co2e_t"].null_count() == 0
    # every source_record names rows that exist: file:sheet:row#sha12
    monitored = chosen.filter(pl.col("source_system") == "cems")
    assert monitored["source_record"].str.contains(r"^\w+:D[AW]\d{3}").all()  # MN:outlet of the CEMS outlets
    chosen = chosen.filter(pl.col("source_system") != "cems")
    assert chosen["source_record"].str.contains(r"^[^;]+:[^;]*:\d+#[0-9a-f]{12}").all()


def test_reported_and_calculated_both_stay(built, sql):
    """A GHG reporter's site keeps its statistics-based calculation as a candidate next to the report."""
    both = sql("""select facility_id, year from core_inventory__yearly_facility_species_candidates
                  where species = 'CO2' and scope = 'combustion'
                  group by all having bool_or(source_system = 'ghg' and is_chosen)
                                 and bool_or(source_system = 'envstat' and method = 'calculated' and not is_chosen)""")
    assert both.height > 50


def test_facility_and_enterprise_tables_reconcile(built, sql):
    columns = ["co2_combustion_t", "co2_process_t", "co2_indirect_t", "co2e_t", "so2_mass_t", "nox_mass_t", "pm_mass_t",
               "energy_tce"]
    sums = ", ".join(f"sum({c}) as {c}" for c in columns)
    facility = sql(f"select uscc, year, {sums} from out_inventory__yearly_facility group by all order by all")
    enterprise = sql(f"select uscc, year, {', '.join(columns)} from out_inventory__yearly_enterprise order by all")
    assert facility.height == enterprise.height
    for column in columns:
        assert enterprise[column].fill_null(0).to_list() == pytest.approx(facility[column].fill_null(0).to_list(),
                                                                           rel=1e-9), column
    species = sql("select sum(co2e_t) as v from core_inventory__yearly_facility_species where scope in "
                  "('combustion', 'process')")["v"][0]
    assert sql("select sum(co2e_t) as v from out_inventory__yearly_facility")["v"][0] == pytest.approx(species, rel=1e-12)


def test_indirect_kept_apart_and_priced_by_purpose(built, sql):
    rows = sql("""select c.mass_t, c.factor_ids from core_inventory__yearly_facility_species c
                  where c.scope = 'indirect_electricity' and c.method = 'calculated' limit 50""")
    assert rows.height > 0
    # provincial inventory default: the MEE/NBS Henan value of the data year
    factors = sql("select factor_id, guideline, factor_region from core_inventory__factors where parameter = 'grid_co2_ef'")
    grid = dict(zip(factors["factor_id"], zip(factors["guideline"], factors["factor_region"], strict=True), strict=True))
    used = {grid[i] for ids in rows["factor_ids"] for i in ids.split(";") if i in grid}
    assert used and all(g == ("mee_nbs", "410000") for g in used)
    facility = sql("select sum(co2_indirect_t) as indirect, sum(co2e_t) as direct from out_inventory__yearly_facility")
    assert facility["indirect"][0] > 0 and facility["direct"][0] > facility["indirect"][0]


def test_clean_statistics_lines_compute_back_to_the_reported_masses(built, sql):
    """Where the statistics form gives fuel, sulfur, ash, technology and removal, the calculation reproduces the
    masses the same form reports (non-power sites; known-clean data is not flagged)."""
    pairs = sql("""select c.facility_id, c.year, c.species, c.mass_t as calculated, r.mass_t as reported
                   from core_inventory__yearly_facility_species_candidates c
                   join core_inventory__yearly_facility_species_candidates r using (facility_id, year, species, scope)
                   join core_facility__entity f using (facility_id)
                   where c.source_system = 'envstat' and c.method = 'calculated' and c.uncomputed_line_count = 0
                     and r.source_system = 'envstat' and r.method in ('reported', 'monitored')
                     and r.source_table <> 'core_envstat__enterprise' -- the same G103 form's masses, not 基101 totals
                     and c.species in ('SO2', 'PM') and f.industry_code not in ('4411', '4412')""")
    assert pairs.height > 100
    close = (pairs["calculated"] - pairs["reported"]).abs() <= 0.02 * pairs["reported"] + 0.01
    assert close.mean() > 0.98, pairs.filter(~close).head(5)


def test_gap_filled_values_appear_as_the_manifest_says(built, sql):
    _, manifest, _ = built
    cases = {c["kind"]: c for c in manifest["gap_fill"]}
    assert set(cases) == {"fuel_line_missing_from_ghg", "sulfur_missing_in_statistics"}

    line = cases["fuel_line_missing_from_ghg"]
    row = sql(f"""select * from core_inventory__yearly_facility_species_candidates
                  where facility_id = '{line['facility_id']}' and year = {line['year']} and species = 'CO2'
                    and gap_fill_kind = 'missing_line'""").row(0, named=True)
    assert (row["method"], row["source_system"], row["source_table"], row["is_chosen"], row["selection"]) == (
        "gap_filled", line["filled_from"], line["source_table"], True, "supplement")
    assert row["mass_t"] == pytest.approx(line["expected_co2_mass_t"], rel=1e-6)
    assert line["fuel_code"] in row["filled_from"]
    assert all(f":G103-1:{r}#" in row["source_record"] for r in line["boiler_rows"])
    # on top of the GHG figure of the same site and year, in the facility table
    ghg = sql(f"""select sum(mass_t) as t from core_inventory__yearly_facility_species
                  where facility_id = '{line['facility_id']}' and year = {line['year']} and species = 'CO2'
                    and scope = 'combustion' and source_system = 'ghg'""")["t"][0]
    wide = sql(f"""select co2_combustion_t, co2_method, has_gap_filled from out_inventory__yearly_facility
                   where facility_id = '{line['facility_id']}' and year = {line['year']}""").row(0, named=True)
    assert wide["co2_combustion_t"] == pytest.approx(ghg + row["mass_t"], rel=1e-9)
    assert wide["co2_method"] == "gap_filled+reported" and wide["has_gap_filled"]
    # never across years: the other years of that site have no missing-line fill
    other_years = sql(f"""select count(*) as n from core_inventory__yearly_facility_species_candidates
                          where facility_id = '{line['facility_id']}' and year <> {line['year']}
                            and gap_fill_kind = 'missing_line'""")["n"][0]
    assert other_years == 0

    sulfur = cases["sulfur_missing_in_statistics"]
    row = sql(f"""select * from core_inventory__yearly_facility_species_candidates
                  where facility_id = '{sulfur['facility_id']}' and year = {sulfur['year']} and species = 'SO2'
                    and source_system = 'envstat' and method = 'gap_filled'""").row(0, named=True)
    assert row["gap_fill_kind"] == "parameter" and row["filled_from"].startswith("permit/")
    donor = sql(f"""select sulfur_pct from core_permit__fuel_analysis where permit_no = '{sulfur['facility_id']}'
                    and year = {sulfur['year']} and fuel_code = '{sulfur['fuel_code']}'""")["sulfur_pct"][0]
    assert donor == sulfur["sulfur_pct"]
    # the site's candidate = the filled coal rows (manifest, by hand) + its other fuel lines (computed back to what
    # the form reports for them, clean data)
    others = sql(f"""select coalesce(sum(so2_mass_t), 0) as t from core_envstat__boilers
                     where permit_no = '{sulfur['facility_id']}' and year = {sulfur['year']}
                       and fuel_code <> '{sulfur['fuel_code']}'""")["t"][0]
    assert row["mass_t"] == pytest.approx(sulfur["expected_so2_mass_t"] + others, rel=1e-3, abs=0.01)


def test_permit_sites_monitored_on_every_outlet_are_monitored(built, sql):
    methods = sql("""select e.permit_no as facility_id, e.year, e.pollutant as species,
                            bool_and(e.accounting_method in ('自动监测', '手工监测')) as all_monitored
                     from core_permit__execution_emissions e where e.emission_scope = 'outlet' group by all""")
    chosen = sql("""select facility_id, year, species, method from core_inventory__yearly_facility_species
                    where source_system = 'permit'""")
    joined = chosen.join(methods, on=["facility_id", "year", "species"])
    assert joined.height > 100 and joined["all_monitored"].any() and (~joined["all_monitored"]).any()
    expected = joined.select(pl.when(pl.col("all_monitored")).then(pl.lit("monitored")).otherwise(pl.lit("reported")))
    assert (joined["method"] == expected.to_series()).all()
