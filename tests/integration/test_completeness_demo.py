"""Issue 24 on the demo build: every enterprise and every figure any system reports reaches the inventory and the
register, checked against `manifest["completeness"]` (synth/completeness.py)."""

import pytest

REL = 1e-6


def _completeness(built) -> dict:
    return built[1]["completeness"]


def test_every_enterprise_year_with_records_has_inventory_and_register_rows(built, sql):
    years = built[1]["years"]
    known = sql(f"""select distinct a.uscc, a.record_year as year from core_facility__assn_sources a
                    join core_enterprise__entity e using (uscc)
                    where a.is_countable and a.record_year in ({', '.join(map(str, years))})""")
    assert known.height > 0
    for table in ("out_key_emitters__register", "out_inventory__yearly_enterprise"):
        rows = sql(f"select uscc, year from {table}")
        lacking = known.join(rows, on=["uscc", "year"], how="anti").sort("uscc", "year")
        assert lacking.is_empty(), f"{table} lacks {lacking.height} enterprise-years: {lacking.head(5).rows()}"
    entities = sql("select uscc from core_enterprise__entity")
    assert entities.join(known, on="uscc", how="anti").is_empty()  # every enterprise has records in a build year


def test_statistics_only_enterprises_are_known_from_their_form_alone(built, sql):
    cases = _completeness(built)["statistics_only"]["cases"]
    assert len(cases) >= 3 and any(c["covered_sector"] and c["role"] == "key_emitter" for c in cases)
    usccs = ", ".join(f"'{c['uscc']}'" for c in cases)
    sources = sql(f"""select uscc, string_agg(distinct source_table, ';') as tables, count(*) as n
                      from core_facility__assn_sources where uscc in ({usccs}) and is_countable group by uscc""")
    got = {r["uscc"]: (r["tables"], r["n"]) for r in sources.iter_rows(named=True)}
    years = built[1]["years"]
    assert got == {c["uscc"]: ("core_envstat__enterprise", len(years)) for c in cases}


@pytest.mark.parametrize("column, key", [("energy_tce", "expected_energy_tce"), ("co2e_t", "expected_co2e_t"),
                                         ("co2_combustion_t", "expected_co2_t"), ("so2_mass_t", "so2_t"),
                                         ("nox_mass_t", "nox_t"), ("pm_mass_t", "pm_t")])
def test_statistics_only_inventory_as_the_manifest_says(built, sql, column, key):
    cases = _completeness(built)["statistics_only"]["cases"]
    usccs = ", ".join(f"'{c['uscc']}'" for c in cases)
    table = sql(f"select uscc, year, {column} from out_inventory__yearly_enterprise where uscc in ({usccs})")
    got = {(r["uscc"], r["year"]): r[column] for r in table.iter_rows(named=True)}
    for case in cases:
        for year, truth in case["years"].items():
            actual, expected = got[(case["uscc"], int(year))], truth[key]
            if expected is None:
                assert actual is None, (case["uscc"], year, column, actual)
            else:
                assert actual == pytest.approx(expected, rel=REL), (case["uscc"], year, column, case["role"])


def test_statistics_only_register_as_the_manifest_says(built, sql):
    cases = _completeness(built)["statistics_only"]["cases"]
    usccs = ", ".join(f"'{c['uscc']}'" for c in cases)
    table = sql(f"""select uscc, year, register_status, key_emitter_criterion, trigger_year, is_key_emitter,
                           is_ghg_reporter, missing_items
                    from out_key_emitters__register where uscc in ({usccs})""")
    got = {(r["uscc"], r["year"]): r for r in table.iter_rows(named=True)}
    statuses = set()
    for case in cases:
        for year, truth in case["years"].items():
            row = got[(case["uscc"], int(year))]
            expected = (truth["expected_register_status"], truth["expected_key_emitter_criterion"],
                        truth["expected_trigger_year"])
            assert (row["register_status"], row["key_emitter_criterion"], row["trigger_year"]) == expected, (
                case["uscc"], year, case["role"])
            assert not row["is_ghg_reporter"]
            assert (row["missing_items"] is not None) == (row["register_status"] == "insufficient_data")
            statuses.add(row["register_status"])
    assert {"missing_from_ghg_reporting", "below_threshold", "insufficient_data", "not_covered_sector"} <= statuses
    key = next(c for c in cases if c["role"] == "key_emitter")
    assert all(got[(key["uscc"], int(y))]["is_key_emitter"] for y in key["years"])
    flagged = {(r["uscc"], r["year"]) for r in built[1]["key_emitters"]["rows"]}  # the register truth includes it
    assert {(key["uscc"], int(y)) for y in key["years"]} <= flagged


def test_statistics_totals_rank_below_g103(sql):
    """A 基101 total never doubles an enterprise's G103 site data: where both exist, G103 is chosen."""
    both = sql("""select uscc, year, species,
                         bool_or(is_chosen) filter (where source_table = 'core_envstat__enterprise') as total_chosen,
                         bool_or(selection = 'covered_by_g103') as yielded
                  from core_inventory__yearly_facility_species_candidates
                  where source_system = 'envstat' group by all
                  having bool_or(source_table = 'core_envstat__enterprise')
                     and bool_or(source_table in ('core_envstat__boilers', 'core_envstat__kilns'))""")
    assert both.height > 100
    assert not both["total_chosen"].any() and both["yielded"].all()


def test_monthly_only_plants_co2_as_the_manifest_says(built, sql):
    plants = _completeness(built)["monthly_only"]["plants"]
    assert {p["rule"] for p in plants} == {"mean_of_measured", "unmeasured_default"}
    for plant in plants:
        uscc, year = plant["uscc"], plant["year"]
        lines = sql(f"select count(*) as n from core_ghg__fuel_lines where uscc = '{uscc}' and year = {year}")["n"][0]
        assert lines == 0  # no annual fuel line: the monthly records are all the report has
        months = sql(f"select count(*) as n from core_ghg__power_monthly where uscc = '{uscc}' and year = {year}")
        assert months["n"][0] == 12
        row = sql(f"""select co2_combustion_t, energy_tce from out_inventory__yearly_enterprise
                      where uscc = '{uscc}' and year = {year}""").row(0, named=True)
        assert row["co2_combustion_t"] == pytest.approx(plant["expected_co2_t"], rel=REL), plant["rule"]
        assert row["energy_tce"] == pytest.approx(plant["expected_energy_tce"], rel=REL), plant["rule"]
        chosen = sql(f"""select distinct source_table from core_inventory__yearly_facility_species
                         where uscc = '{uscc}' and year = {year} and species = 'CO2' and scope = 'combustion'""")
        assert chosen["source_table"].to_list() == ["core_ghg__power_monthly"]


def test_coal_rank_from_brackets_and_remarks(built, sql):
    lines = _completeness(built)["coal_rank_lines"]
    assert {c["case"] for c in lines} == {"remark", "bracket"}
    for case in lines:
        row = sql(f"""select l.fuel_code, l.fuel_rank_source, c.co2_mass_t
                      from core_ghg__fuel_lines l
                      join core_inventory__ghg_fuel_line_co2 c
                        on c.source_record like l.source_file || ':' || coalesce(l.sheet_name, '') || ':'
                                                || l.row_number || '#%'
                      where l.source_file = '{case['file']}' and l.sheet_name = '{case['sheet']}'
                        and l.row_number = {case['row_number']}""").row(0, named=True)
        assert (row["fuel_code"], row["fuel_rank_source"]) == (case["expected_fuel_code"],
                                                               case["expected_fuel_rank_source"]), case["case"]
        assert row["co2_mass_t"] == pytest.approx(case["expected_co2_t"], rel=REL), case["case"]


def test_default_labels_count_as_defaults(built, sql):
    labelled = _completeness(built)["default_labels"]
    assert labelled and labelled["lines"]
    prefix = f"{labelled['file']}:{labelled['sheet']}:"
    records = sql(f"""select source_record, parameter_source, co2_mass_t, ncv_source, carbon_source
                      from core_inventory__ghg_fuel_line_co2
                      where uscc = '{labelled['uscc']}' and year = {labelled['year']}""")
    by_row = {int(r["source_record"].removeprefix(prefix).split("#")[0]): r for r in records.iter_rows(named=True)
              if r["source_record"].startswith(prefix)}
    for line in labelled["lines"]:
        row = by_row[line["row_number"]]
        assert (row["parameter_source"], row["ncv_source"], row["carbon_source"]) == (
            line["expected_parameter_source"], "default", "default"), line
        assert row["co2_mass_t"] == pytest.approx(line["expected_co2_t"], rel=REL), line
    basis = sql(f"""select ncv_basis, carbon_basis from core_ghg__fuel_lines
                    where uscc = '{labelled['uscc']}' and year = {labelled['year']}""")
    assert basis.rows().count(("default", "default")) == len(labelled["lines"])  # its other lines are unlabelled
    assert set(basis.rows()) <= {("default", "default"), (None, None)}


def test_raw_coal_without_rank_is_computed_with_the_judgement_default(built, sql):
    case = next(a for a in built[1]["anomalies"] if a["kind"] == "raw_coal_judgement_default")
    rows = sql(f"""select co2_mass_t, factor_ids from core_inventory__ghg_fuel_line_co2
                   where uscc = '{case['uscc']}' and year = {case['year']} and fuel_code = 'raw_coal'
                     and fuel_consumed_units = {case['quantity_t']}""")
    assert rows.height == 1
    assert rows["co2_mass_t"][0] == pytest.approx(case["expected_co2_t"], rel=REL)
    assert rows["factor_ids"][0].split(";") == case["factor_ids"]
    findings = sql(f"""select count(*) as n from out_crosscheck__findings
                       where rule_id = 'activity_uncomputable_fuel_line' and uscc = '{case['uscc']}'""")
    assert findings["n"][0] == 0


def test_completeness_cases_are_touched(built):
    """Every case's enterprise is listed as not clean, so the clean-enterprise cross-check tests stay right."""
    manifest = built[1]
    completeness = manifest["completeness"]
    cases = {c["uscc"] for c in completeness["statistics_only"]["cases"]}
    cases |= {p["uscc"] for p in completeness["monthly_only"]["plants"]} | {c["uscc"] for c in completeness["coal_rank_lines"]}
    cases |= {completeness["default_labels"]["uscc"]}
    assert cases == set(completeness["touched_usccs"]) and cases <= set(manifest["crosscheck"]["touched_usccs"])
