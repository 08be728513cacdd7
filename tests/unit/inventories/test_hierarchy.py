"""The method hierarchy, 相互补充 and allocation on small hand-made candidate sets."""

import polars as pl
import pytest

from inventories.candidates import CANDIDATE_COLUMNS
from inventories.hierarchy import allocate, choose, missing_lines, site_shares
from inventories.reference import accounting_settings, fuels

USCC = "91410100MA00000001"


def _cand(**kw):
    base = {"facility_id": "P1", "uscc": USCC, "year": 2022, "species": "SO2", "scope": "combustion",
            "source_system": "envstat", "source_table": "t", "method": "calculated", "mass_t": 10.0, "energy_tce": None,
            "heat_input_gj": None, "parameter_source": "default", "source_record": "r", "line_count": 1,
            "uncomputed_line_count": 0, "factor_ids": "", "has_recalled_factor": False, "filled_from": None,
            "gap_fill_kind": None, "allocation_share": 1.0, "missing_parameters": None}
    return base | kw


def _frame(*rows):
    return pl.DataFrame(list(rows), schema_overrides={"energy_tce": pl.Float64, "heat_input_gj": pl.Float64,
                                                      "filled_from": pl.String, "gap_fill_kind": pl.String,
                                                      "missing_parameters": pl.String}).select(
        CANDIDATE_COLUMNS)


def _chosen(frame):
    out = choose(frame, accounting_settings())
    return {(r["source_system"], r["method"]): (r["is_chosen"], r["selection"]) for r in out.iter_rows(named=True)}


def test_monitored_beats_reported_beats_calculated_and_all_stay():
    out = _chosen(_frame(_cand(method="calculated", mass_t=30.0), _cand(source_system="permit", method="reported", mass_t=20.0),
                         _cand(source_system="cems", method="monitored", mass_t=25.0)))
    assert out[("cems", "monitored")] == (True, "chosen")
    assert out[("permit", "reported")] == (False, "lower_rank") and out[("envstat", "calculated")] == (False, "lower_rank")


def test_same_method_prefers_permit_for_pollutants_and_ghg_for_co2():
    pollutant = _chosen(_frame(_cand(method="reported"), _cand(source_system="permit", method="reported")))
    assert pollutant[("permit", "reported")][0] and not pollutant[("envstat", "reported")][0]
    co2 = _chosen(_frame(_cand(species="CO2", method="calculated", source_system="permit"),
                         _cand(species="CO2", method="calculated", source_system="envstat")))
    assert co2[("envstat", "calculated")][0] and not co2[("permit", "calculated")][0]


def test_incomplete_candidate_is_never_chosen_over_a_complete_one():
    out = _chosen(_frame(_cand(source_system="permit", method="reported", uncomputed_line_count=1),
                         _cand(method="calculated")))
    assert out[("permit", "reported")] == (False, "incomplete") and out[("envstat", "calculated")] == (True, "chosen")


def test_with_nothing_complete_the_best_incomplete_is_a_flagged_lower_bound():
    # a GHG report with one coal line lacking its oxidation rate: 500 t CO2 known, 300 tce known
    ghg = _cand(species="CO2", source_system="ghg", method="reported", mass_t=500.0, energy_tce=300.0,
                uncomputed_line_count=1, missing_parameters="raw_coal: oxidation")
    out = choose(_frame(ghg, _cand(species="CO2", method="calculated", mass_t=None, energy_tce=None,
                                   uncomputed_line_count=1)), accounting_settings())
    chosen = out.filter(pl.col("is_chosen")).row(0, named=True)
    assert (chosen["source_system"], chosen["selection"], chosen["is_lower_bound"]) == ("ghg", "lower_bound", True)
    assert chosen["mass_t"] == 500.0 and chosen["missing_parameters"] == "raw_coal: oxidation"
    # nothing known at all (no mass, no energy): nothing is chosen, the candidate stays as incomplete
    empty = choose(_frame(_cand(species="CO2", mass_t=None, uncomputed_line_count=1)), accounting_settings())
    assert empty["selection"].to_list() == ["incomplete"] and not empty["is_chosen"].any()


def test_a_statistics_total_yields_to_g103_data_of_the_same_enterprise_year_and_species():
    total = dict(facility_id=f"{USCC}-E", species="CO2", source_table="core_envstat__enterprise", mass_t=900.0)
    g103 = dict(facility_id="P1", species="CO2", source_table="core_envstat__boilers;core_envstat__kilns", mass_t=700.0)
    out = choose(_frame(_cand(**total), _cand(**g103), _cand(**(total | {"species": "SO2", "mass_t": 3.0}))),
                 accounting_settings())
    selection = {(r["facility_id"], r["species"]): r["selection"] for r in out.iter_rows(named=True)}
    # CO2 is counted once (from G103); the form's SO2 total has no G103 counterpart and is kept
    assert selection == {(f"{USCC}-E", "CO2"): "covered_by_g103", ("P1", "CO2"): "chosen",
                         (f"{USCC}-E", "SO2"): "chosen"}


def test_the_annual_report_ranks_before_the_monthly_records():
    picked = choose(_frame(_cand(species="CO2", source_system="ghg", method="reported",
                                 source_table="core_ghg__power_monthly"),
                           _cand(species="CO2", source_system="ghg", method="reported",
                                 source_table="core_ghg__fuel_lines")), accounting_settings())
    assert picked.filter(pl.col("is_chosen"))["source_table"].to_list() == ["core_ghg__fuel_lines"]


def test_indirect_uses_the_configured_factor_before_the_stated_figure():
    out = _chosen(_frame(_cand(species="CO2", scope="indirect_electricity", source_system="ghg", method="reported"),
                         _cand(species="CO2", scope="indirect_electricity", source_system="ghg", method="calculated",
                               source_table="u")))
    assert out[("ghg", "calculated")][0] and not out[("ghg", "reported")][0]


def test_enterprise_level_value_yields_to_site_values():
    frame = _frame(_cand(facility_id=USCC + "-E", method="reported"), _cand(facility_id="P1", method="calculated"))
    out = choose(frame, accounting_settings())
    by_site = {r["facility_id"]: r["selection"] for r in out.iter_rows(named=True)}
    assert by_site == {USCC + "-E": "covered_by_sites", "P1": "chosen"}


def _line(fuel, system="envstat", facility="P1", year=2023, mass=100.0):
    return {"line_key": f"{system}:{facility}:{fuel}:{year}", "facility_id": facility, "uscc": USCC, "year": year,
            "species": "CO2", "scope": "combustion", "source_system": system, "source_table": f"core_{system}",
            "method": "calculated", "mass_t": mass, "energy_tce": 1.0, "heat_input_gj": 29.3, "parameter_source": "default",
            "factor_ids": "x", "has_recalled_factor": False, "filled_from": None, "gap_fill_kind": None, "fuel_code": fuel}


def _results(*lines):
    return pl.DataFrame(list(lines), schema_overrides={"filled_from": pl.String, "gap_fill_kind": pl.String})


def test_missing_fuel_is_filled_from_the_same_site_and_year_only():
    ghg = pl.DataFrame({"uscc": [USCC, USCC], "year": [2023, 2022], "fuel_code": ["bituminous", "bituminous"]})
    lines = _results(_line("bituminous"), _line("diesel", mass=12.0), _line("diesel", system="permit", mass=13.0),
                     _line("natural_gas", year=2021))
    filled = missing_lines(ghg, lines, fuels())
    row = filled.row(0, named=True)
    assert filled.height == 1  # diesel 2023 once (statistics before permit); no 2021 report to fill, bituminous reported
    assert (row["year"], row["method"], row["gap_fill_kind"], row["source_system"], row["mass_t"]) == (
        2023, "gap_filled", "missing_line", "envstat", 12.0)


def test_coal_rank_named_differently_is_not_filled():
    ghg = pl.DataFrame({"uscc": [USCC], "year": [2023], "fuel_code": ["raw_coal"]})
    assert missing_lines(ghg, _results(_line("bituminous")), fuels()).is_empty()


def test_supplement_is_chosen_only_on_top_of_a_ghg_figure():
    ghg = _cand(species="CO2", source_system="ghg", method="reported", mass_t=1000.0)
    supplement = _cand(species="CO2", source_system="envstat", method="gap_filled", gap_fill_kind="missing_line",
                       mass_t=12.0, source_table="s")
    calc = _cand(species="CO2", source_system="envstat", method="calculated", mass_t=900.0)
    out = choose(_frame(ghg, supplement, calc), accounting_settings())
    chosen = out.filter(pl.col("is_chosen"))
    assert sorted(chosen["mass_t"].to_list()) == [12.0, 1000.0]
    alone = choose(_frame(supplement, calc), accounting_settings())
    assert alone.filter(pl.col("is_chosen"))["mass_t"].to_list() == [900.0]
    assert "supplement_not_needed" in alone["selection"].to_list()


def test_enterprise_level_ghg_figure_is_allocated_by_site_calculated_co2():
    calc = _frame(_cand(species="CO2", facility_id="P1", mass_t=300.0), _cand(species="CO2", facility_id="P2", mass_t=100.0))
    ghg = _frame(_cand(species="CO2", facility_id=USCC + "-E", source_system="ghg", method="reported", mass_t=1000.0,
                       energy_tce=400.0))
    spread = allocate(ghg, site_shares(calc)).sort("facility_id")
    assert spread["facility_id"].to_list() == ["P1", "P2"]
    assert spread["mass_t"].to_list() == pytest.approx([750.0, 250.0])
    assert spread["energy_tce"].to_list() == pytest.approx([300.0, 100.0])
    assert spread["allocation_share"].to_list() == pytest.approx([0.75, 0.25])
    assert spread["mass_t"].sum() == pytest.approx(1000.0)
    # no site data: stays on the enterprise-level site
    assert allocate(ghg, site_shares(calc.clear()))["facility_id"].to_list() == [USCC + "-E"]


def test_a_monthly_only_year_gets_the_fuels_its_records_lack_filled(table_frame):
    from inventories.candidates import Sources
    from inventories.facility_inventory import reported_fuels

    monthly = table_frame("core_ghg__power_monthly", [
        {"uscc": USCC, "year": 2022, "month": m, "unit_id": "1#", "fuel_code": "bituminous", "fuel_unit_code": "t",
         "fuel_consumed_units": 100.0, "source_file": "ghg/m.csv", "row_number": m + 1, "file_sha256": "0" * 64}
        for m in (1, 2)])
    assn = table_frame("core_facility__assn_sources", [
        {"source_table": "core_ghg__power_monthly", "source_file": "ghg/m.csv", "row_number": m + 1,
         "file_sha256": "0" * 64, "uscc": USCC, "is_countable": True, "record_year": 2022} for m in (1, 2)])
    empty = {name: table_frame(table, []) for name, table in (
        ("ghg_fuel_line_co2", "core_inventory__ghg_fuel_line_co2"), ("facilities", "core_facility__entity"),
        ("enterprises", "core_enterprise__entity"))}
    sources = Sources(assn=assn, ghg_energy_flows=None, ghg_process_lines=None, envstat_boilers=None, envstat_kilns=None,
                      permit_fuel_analysis=None, permit_execution=None, cems_outlet_yearly=None, envstat_enterprise=None,
                      ghg_power_monthly=monthly, **empty)
    fuels_reported = reported_fuels(sources)
    assert fuels_reported.rows() == [(USCC, 2022, "bituminous")]
    # the site's G103 diesel line is missing from what the GHG system reports: filled on top of the monthly figure
    lines = _results(_line("bituminous", year=2022), _line("diesel", year=2022, mass=12.0))
    filled = missing_lines(fuels_reported, lines, fuels())
    assert filled.select("year", "method", "gap_fill_kind", "mass_t").rows() == [(2022, "gap_filled", "missing_line", 12.0)]
