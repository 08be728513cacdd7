"""The whole Dagster job in-process on a small synthetic province, checked against its manifest."""

import json
import math
from pathlib import Path

import polars as pl
import pytest


def test_run_succeeds_and_checks_pass(built):
    _, _, result = built
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    blocking = [e for e in evaluations if e.check_name in ("rows_accounted_for", "schema_contract")]
    assert blocking and all(e.passed for e in blocking)


def _expected_files(manifest: dict) -> dict[str, tuple[int, int]]:
    """path -> (rows read, rows rejected) for every file the generator wrote, all source systems."""
    malformed = [e for e in manifest["envstat"] if e.get("kind") == "malformed_row"]
    out = {}
    for entry in [*manifest["ghg"]["files"], *(e for s in ("permit", "envstat") for e in manifest[s] if e.get("kind") == "file")]:
        rows = sum(entry["sheets"].values()) if entry.get("sheets") else entry["rows"]
        rejected = entry.get("rejected", sum(1 for m in malformed if m["file"] == entry["path"]))
        out[entry["path"]] = (rows, rejected)
    return out


def test_every_file_row_accounted_for(built, sql):
    ws, manifest, _ = built
    log = sql("select * from core_qa__file_manifest")
    assert (log["rows_read"] == log["rows_accepted"] + log["rows_rejected"]).all()
    by_file = {r["source_file"]: r for r in log.iter_rows(named=True)}
    for path, (rows, rejected) in _expected_files(manifest).items():
        row = by_file[path]
        assert (row["file_status"], row["rows_read"], row["rows_rejected"]) == ("ingested", rows, rejected), path
    duplicate = next(a for a in manifest["anomalies"] if a["kind"] == "duplicate_file")
    assert by_file[duplicate["path"]]["file_status"] == "duplicate"
    assert by_file[duplicate["path"]]["duplicate_of"] == duplicate["duplicate_of"]


def test_rejected_rows_are_exactly_the_malformed_ones(built, sql):
    ws, manifest, _ = built
    rejected = sql("select source_file, row_number, column_name, reason_zh, reason_en, raw_record "
                        "from core_qa__rejected_rows")
    got = sorted(zip(rejected["source_file"], rejected["row_number"], strict=True))
    malformed = [e for e in manifest["envstat"] if e.get("kind") == "malformed_row"]
    expected = sorted([(r["file"], r["row_number"]) for r in manifest["ghg"]["rejected_rows"]]
                      + [(m["file"], m["row"]) for m in malformed]
                      + [(manifest["city"]["path"], b["row_number"]) for b in manifest["city"]["bad_rows"]]
                      + [(manifest["cems"]["bad_file"], n) for n in manifest["cems"]["bad_row_numbers"]])
    assert got == expected
    assert all(r["reason_zh"] and r["reason_en"] and json.loads(r["raw_record"]) for r in rejected.iter_rows(named=True))
    columns = {(r["source_file"], r["row_number"]): r["column_name"] for r in rejected.iter_rows(named=True)}
    assert all(columns[(m["file"], m["row"])] == m["column"] for m in malformed)  # the header as the file writes it


def test_enterprise_co2_matches_independent_calculation(built, sql):
    """The GHG report's combustion CO2 per enterprise-year, as it enters the fused inventory (all sites summed)."""
    ws, manifest, _ = built
    # an allocated figure repeats its lines' uncomputed count on every site it is spread over: take the max
    table = sql("""select uscc, year, sum(mass_t) as co2_mass_t, max(uncomputed_line_count) as uncomputed_line_count
                   from core_inventory__yearly_facility_species_candidates
                   where source_table = 'core_ghg__fuel_lines' group by uscc, year""")
    got = {(r["uscc"], r["year"]): r for r in table.iter_rows(named=True)}
    expected = manifest["ghg"]["expected_enterprise_year"]
    assert len(got) == len(expected)
    for row in expected:
        actual = got[(row["uscc"], row["year"])]
        assert math.isclose(actual["co2_mass_t"], row["co2_mass_t"], rel_tol=1e-9), row
        assert actual["uncomputed_line_count"] == row["uncomputed_line_count"]


def test_one_enterprise_by_hand(built, sql):
    """The raw-coal line with measured carbon: 1200 t x 20.908 GJ/t (GB/T 2589) x 0.0262 x 0.93 x 44/12."""
    ws, _, _ = built
    line = sql("select * from core_inventory__ghg_fuel_line_co2 where fuel_code = 'raw_coal' "
               "and carbon_source = 'measured'").row(0, named=True)
    assert line["co2_mass_t"] == pytest.approx(1200 * 20.908 * 0.0262 * 0.93 * 44 / 12, rel=1e-12)
    assert line["factor_ids"] == "GB2589-raw_coal-ncv" and line["ncv_source"] == "default"


def test_key_emitters_and_missing_reporters_as_the_manifest_says(built, sql):
    """The register on the fused basis: every key-emitter row, its status and criterion, and who does not report."""
    ws, manifest, _ = built
    truth = manifest["key_emitters"]
    flagged = sql("""select uscc, year, register_status, key_emitter_criterion, trigger_year, is_ghg_reporter
                     from out_key_emitters__register where is_key_emitter order by uscc, year""")
    assert flagged.to_dicts() == truth["rows"]
    missing = sql("select distinct uscc from out_key_emitters__register where is_key_emitter and not is_ghg_reporter "
                  "order by uscc")["uscc"].to_list()
    assert missing == truth["missing_reporters"]
    injected = {a["kind"]: a["uscc"] for a in manifest["anomalies"]
                if a["kind"] in ("missing_from_ghg_reporting", "captive_power_missing_from_ghg_reporting")}
    assert len(injected) == 2 and set(injected.values()) <= set(missing)  # both kinds planted, both found
    check = next(e for e in built[2].get_asset_check_evaluations() if e.check_name == "key_emitters_not_reporting")
    assert not check.passed and check.metadata["not_reporting_enterprises"].value == len(missing)


def test_register_shows_captive_power_energy_criterion_and_new_entry(built, sql):
    ws, manifest, _ = built
    captive = next(a for a in manifest["anomalies"] if a["kind"] == "captive_power_missing_from_ghg_reporting")
    row = sql(f"select * from out_key_emitters__register where uscc = '{captive['uscc']}' order by year").to_dicts()
    assert {r["coverage_basis"] for r in row} == {"captive_power"} and {r["sector_code"] for r in row} == {"power"}
    assert all(p in row[0]["captive_power_evidence"] for p in captive["permit_no"]) and "热电联产" in row[0]["evidence_zh"]
    gas, rising = (c["uscc"] for c in manifest["key_emitters"]["designed_cases"])
    energy = sql(f"select * from out_key_emitters__register where uscc = '{gas}'")
    assert (energy["key_emitter_criterion"] == "energy_tce").all() and (energy["basis_co2e_t"] < 26_000).all()
    new = sql(f"select year, register_status, is_newly_entering from out_key_emitters__register where uscc = '{rising}' "
              "order by year").rows()
    assert new == [(2021, "below_threshold", False), (2022, "below_threshold", False), (2023, "newly_entering", True)]


def test_register_totals_match_the_enterprise_inventory(sql):
    """The register weighs the published enterprise inventory: same CO2e, indirect CO2 and energy per enterprise-year."""
    diff = sql("""select count(*) as n from out_key_emitters__register r
                  join out_inventory__yearly_enterprise e using (uscc, year)
                  where abs(r.co2e_t - e.co2e_t) > 1e-6 or abs(r.energy_tce - e.energy_tce) > 1e-6
                     or abs(r.basis_co2e_t - e.co2e_t - coalesce(e.co2_indirect_t, 0)) > 1e-6
                     or (r.co2e_t is null) <> (e.co2e_t is null)""")
    assert diff["n"][0] == 0
    counts = sql("""select (select count(*) from out_key_emitters__register) as r,
                           (select count(*) from out_inventory__yearly_enterprise) as e""").row(0)
    assert counts[0] == counts[1]


def test_recalled_factors_are_marked(built, sql):
    ws, _, _ = built
    rows = sql("""select f.has_recalled_factor, bool_or(k.status in ('recalled', 'judgement')) as uses_recalled
                       from core_inventory__ghg_fuel_line_co2 f, unnest(string_split(f.factor_ids, ';')) as t(id)
                       join core_inventory__factors k on k.factor_id = t.id
                       group by f.source_record, f.has_recalled_factor""")
    assert rows.height > 0 and (rows["has_recalled_factor"] == rows["uses_recalled"]).all()
    assert rows["has_recalled_factor"].any()


def test_warehouse_has_comments(built, sql):
    ws, _, _ = built
    comments = sql("select comment from duckdb_columns() where table_name = 'out_key_emitters__register' "
                        "and column_name = 'is_key_emitter'")
    assert comments["comment"][0].startswith("重点排放单位 |")


def test_failed_publish_keeps_last_warehouse(built, tmp_path):
    from pipelines.deliver.warehouse import publish_warehouse

    ws, _, _ = built
    target = tmp_path / "warehouse.duckdb"
    target.write_bytes(Path(ws.warehouse).read_bytes())
    before = target.read_bytes()
    broken = {"out_key_emitters__register": pl.DataFrame({"uscc": ["x"]})}  # missing columns: must fail
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        publish_warehouse(broken, target)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".warehouse.duckdb.building-*"))


def test_definitions_load():
    from pipelines.orchestration.definitions import defs

    assert defs.resolve_job_def("build_all") is not None
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"out_inventory__yearly_enterprise", "out_key_emitters__register", "out_publish__warehouse"} <= keys


def test_resubmission_supersedes_and_history_is_kept(built, sql):
    ws, manifest, _ = built
    resub = manifest["ghg"]["resubmission"]
    history = sql("select * from core_qa__superseded_rows")
    assert set(history["source_file"]) == {resub["supersedes"][0]}  # the duplicate copy was never read
    assert history["submission_key"].unique().to_list() == [f"uscc={resub['uscc']};year={resub['year']}"]
    assert set(history["superseded_by_file"]) == {resub["path"]}
    current = sql(f"select source_file from core_ghg__fuel_lines where uscc = '{resub['uscc']}' and year = {resub['year']}")
    assert current.height == resub["rows"] and set(current["source_file"]) == {resub["path"]}
    log = sql(f"select rows_superseded from core_qa__file_manifest where source_file = '{resub['supersedes'][0]}'")
    assert log["rows_superseded"][0] == history.height


def test_ghg_extra_tables_match_the_sheets(built, sql):
    ws, manifest, _ = built
    sheets = {s["sheet"]: s["totals"] for s in manifest["ghg"]["extras"]["sheets"]}
    flows = sql("""select sum(electricity_mwh) filter (where energy_flow = 'purchased_electricity') as pe,
                               sum(heat_gj) filter (where energy_flow = 'purchased_heat') as ph
                        from core_ghg__energy_flows""").row(0, named=True)
    assert flows["pe"] == pytest.approx(sheets["购入输出电力热力"]["purchased_electricity_mwh"], rel=1e-12)
    assert flows["ph"] == pytest.approx(sheets["购入输出电力热力"]["purchased_heat_gj"], rel=1e-12)
    process = sql("select sum(reported_co2_mass_t) as t from core_ghg__process_lines")["t"][0]
    assert process == pytest.approx(sheets["工业生产过程排放"]["process_co2_t"], rel=1e-12)
    totals = sql("select sum(reported_total_co2e_t) as t, sum(reported_energy_tce) as e from core_ghg__reported_totals")
    assert totals["t"][0] == pytest.approx(sheets["排放量汇总"]["total_co2_t"], rel=1e-12)
    assert totals["e"][0] == pytest.approx(sheets["排放量汇总"]["energy_10k_tce"] * 1e4, rel=1e-9)  # 万吨标煤 -> tce


def test_permit_and_envstat_tables(built, sql):
    ws, manifest, _ = built
    scopes = sql("""select emission_scope, pollutant, sum(emission_mass_t) as t from core_permit__execution_emissions
                         group by all""")
    by = {(r["emission_scope"], r["pollutant"]): r["t"] for r in scopes.iter_rows(named=True)}
    for pollutant in ("SO2", "NOx", "PM"):  # kg rows (单位:千克 in 备注) converted: outlets add up to the 全厂合计 rows
        assert by[("outlet", pollutant)] == pytest.approx(by[("site_total", pollutant)], rel=1e-9)
    exceed = next(a for a in manifest["permit"] if a.get("anomaly") == "permit_limit_exceeded")
    limit = sql(f"""select limit_mass_t from core_permit__annual_limits where permit_no = '{exceed['permit_no']}'
                         and emission_scope = 'site_total' and pollutant = 'SO2' and year = {exceed['year']}""")
    assert limit["limit_mass_t"].to_list() == [pytest.approx(exceed["limit_t"])]
    envstat = sql("select count(*) as n, count(uscc) as u, count(former_names) as f from core_envstat__enterprise")
    assert envstat["n"][0] > envstat["u"][0] > 0 and envstat["f"][0] > 0  # old organisation codes kept as such
