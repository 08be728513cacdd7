"""The demo's CEMS year end to end: planted cases found, clean outlets quiet, the year x city job equal to the year."""

import dagster as dg
import polars as pl
from worlds import copy_workspace

from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.partitions import CEMS_CITY, REPORTING_YEAR
from pipelines.orchestration.resources import SynergyConfig

KEYS = ["mn", "pollutant", "month"]


def test_only_the_planted_month_is_below_the_required_rate(built):
    ws, manifest, _ = built
    cems = manifest["cems"]
    monthly = pl.read_parquet(ws.parquet / "core_cems__outlet_monthly" / f"year={cems['year']}.parquet")
    assert monthly["mn"].n_unique() == cems["outlets"]
    flagged = monthly.filter(pl.col("is_below_required_rate"))
    assert set(flagged.select("mn", "month").iter_rows()) == {(cems["low_rate"]["mn"], 3)}
    # every hour of every outlet-month is one of valid, stopped, invalid (substituted or not) or missing
    accounted = monthly.select((pl.col("valid_hours") + pl.col("stopped_hours") + pl.col("substituted_hours")
                                + pl.col("unsubstituted_hours") == pl.col("month_hours")).all()).item()
    assert accounted


def test_the_outlet_above_its_report_is_found_and_no_clean_one(built, sql):
    _, manifest, _ = built
    over = manifest["cems"]["over_report"]
    findings = sql("select facility_id, subject from out_crosscheck__findings where rule_id = 'cems_vs_execution_report'")
    assert set(findings["facility_id"]) == {over["permit_no"]}
    assert all(s.endswith(over["outlet_code"]) for s in findings["subject"])


def test_year_city_partition_equals_its_share_of_the_year(built, tmp_path):
    ws, manifest = copy_workspace(built[0], tmp_path / "home"), built[1]
    year = manifest["cems"]["year"]
    monthly = pl.read_parquet(ws.parquet / "core_cems__outlet_monthly" / f"year={year}.parquet")
    city = sorted(monthly["city_code"].unique())[0]
    defs = build_defs({"synergy": SynergyConfig(home=str(ws.home))})
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(REPORTING_YEAR, [str(year)])
        instance.add_dynamic_partitions(CEMS_CITY, [city])
        result = defs.resolve_job_def("cems_by_city").execute_in_process(
            instance=instance, partition_key=dg.MultiPartitionKey({"city": city, "year": str(year)}))
    assert result.success
    part = pl.read_parquet(ws.parquet / "core_cems__city_monthly" / f"year={year}" / f"city={city}.parquet")
    expected = monthly.filter(pl.col("city_code") == city)
    assert part.height == expected.height > 0
    assert part.sort(KEYS).equals(expected.sort(KEYS))
