"""CEMS assets: hourly files -> Hive store -> gaps and substitutes -> outlet-month rates -> outlet-year masses.

The hourly records never pass through the IO manager: they live as Hive Parquet (year, city) under
parquet/core_cems__hourly/, written streaming by the reader; the assets here return the small tables.
"""


import json

import dagster as dg
import polars as pl

from inventories.cems.substitution import RULE_STATUS
from pipelines.orchestration.io_manager import write_atomic
from pipelines.orchestration.jobs import CEMS_BY_CITY, MEMORY_HEAVY
from pipelines.orchestration.partitions import CEMS_CITY, YEAR_CITY, YEARLY, run_years
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_asset, checked_multi_asset
from pipelines.read.cems.aggregate import duckdb_connection, outlet_monthly, substitution_gaps
from pipelines.read.cems.outlets import outlet_table
from pipelines.read.cems.store import CemsStore, ingest, read_outlet_maps, rejected_rows
from pipelines.read.quarantine import rejected_frame
from schemas.generate import conform, polars_schema
from schemas.tables import TABLES

HOURLY = "core_cems__hourly"


def cems_store(synergy: SynergyConfig) -> CemsStore:
    return CemsStore(synergy.workspace.parquet / HOURLY)


def _map_rejections(rows: list[dict]) -> pl.DataFrame:
    return rejected_frame([{**{k: r[k] for k in ("source_file", "sheet_name", "row_number")}, "file_sha256": None,
                            "column_name": None, "raw_value": None, "reason_zh": r["reason_zh"], "reason_en": r["reason_en"],
                            "raw_record": json.dumps(r["raw_record"], ensure_ascii=False, sort_keys=True)} for r in rows],
                          "cems", "core_cems__outlets")


def _history(store: CemsStore, log: pl.DataFrame) -> pl.DataFrame:
    """Hourly rows a later file replaced, in the QA history shape."""
    names = dict(zip(log["file_sha256"].drop_nulls(), log.filter(pl.col("file_sha256").is_not_null())["source_file"],
                     strict=True))
    paths = [p for sha in names if (p := store.superseded / f"{sha[:12]}.parquet").exists()]
    columns = ("source_system", "target_table", "submission_key", "source_file", "sheet_name", "row_number", "file_sha256",
               "superseded_by_file", "record_json")
    if not paths:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    rows = pl.concat([pl.read_parquet(p) for p in paths], how="vertical_relaxed")
    return rows.select(
        pl.lit("cems").alias("source_system"), pl.lit(HOURLY).alias("target_table"),
        pl.format("{} {}", "mn", pl.col("data_time").dt.strftime("%Y%m%d%H")).alias("submission_key"),
        pl.col("file_sha256").replace_strict(names, default=None).alias("source_file"), pl.lit("").alias("sheet_name"),
        "row_number", "file_sha256", pl.col("superseded_by_file").replace_strict(names, default=None),
        pl.struct(pl.exclude("superseded_by_file")).struct.json_encode().alias("record_json"))


@checked_multi_asset(
    outs={"core_cems__outlets": dg.AssetOut(group_name="core_cems"),
          "core_cems__file_counts": dg.AssetOut(group_name="core_cems"),
          "_core_cems__rejected_rows": dg.AssetOut(group_name="core_cems", description="Rejected CEMS rows"),
          "_core_cems__superseded_rows": dg.AssetOut(group_name="core_cems", description="Replaced CEMS hours"),
          "_core_cems__file_counts": dg.AssetOut(group_name="core_cems", description="CEMS files, manifest shape")},
    can_subset=False, pool=MEMORY_HEAVY)
def core_cems(context: dg.AssetExecutionContext, synergy: SynergyConfig, core_permit__registry: pl.DataFrame):
    """Read inbox/cems: the outlet map, then every new hourly file streamed into the Hive store (year, city)."""
    ws = synergy.workspace
    store = cems_store(synergy)
    map_rows, map_rejected, map_files = read_outlet_maps(ws.inbox / "cems")
    outlets = conform(outlet_table(map_rows, core_permit__registry), "core_cems__outlets")
    log = conform(ingest(store, ws.inbox / "cems", ws.archive, outlets, map_files), "core_cems__file_counts")
    hourly_rejected = rejected_rows(store, log)
    rejected = pl.concat([_map_rejections(map_rejected), *([conform(hourly_rejected, "core_qa__rejected_rows")]
                                                         if hourly_rejected.height else [])], how="vertical")
    context.log.info(f"cems: {outlets.height} outlets, {log.height} files, {int(log['rows_read'].sum()):,} rows read")
    cities = {c for year in store.years() for c in store.partitions(year)}
    cities -= set(context.instance.get_dynamic_partitions(CEMS_CITY))
    if cities:  # the scale-out job's city partitions follow the store
        context.instance.add_dynamic_partitions(CEMS_CITY, sorted(cities))
    yield dg.Output(outlets, output_name="core_cems__outlets", metadata={"outlets": outlets.height,
                                                                        "map_rows_rejected": len(map_rejected)})
    yield dg.Output(log, output_name="core_cems__file_counts", metadata={
        "files": log.height, "rows_read": int(log["rows_read"].sum()), "rows_accepted": int(log["rows_accepted"].sum()),
        "rows_rejected": int(log["rows_rejected"].sum())})
    yield dg.Output(rejected, output_name="_core_cems__rejected_rows", metadata={"rows": rejected.height})
    yield dg.Output(_history(store, log), output_name="_core_cems__superseded_rows")
    manifest = log.with_columns(pl.lit(None, pl.String).alias("source_encoding"),
                                pl.col("layout").alias("sheets_read"))
    yield dg.Output(manifest, output_name="_core_cems__file_counts")


def _file_order(files: pl.DataFrame) -> dict[str, int]:
    shas = files.filter(pl.col("file_status") == "ingested")["file_sha256"].to_list()
    return {sha: i for i, sha in enumerate(shas)}


@checked_asset(group_name="core_cems", kinds={"polars"}, pool=MEMORY_HEAVY, **YEARLY)
def core_cems__gaps(context: dg.AssetExecutionContext, synergy: SynergyConfig,
                    core_cems__file_counts: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Invalid and missing hours per outlet and pollutant with the substitute, one city partition at a time."""
    settings = synergy.cems_settings()
    store = cems_store(synergy)
    frames, moved = [], 0
    for year in run_years(context):
        gaps, moved_here = substitution_gaps(store, year, _file_order(core_cems__file_counts), settings)
        frames.append(gaps.with_columns(pl.lit(year).alias("year"), pl.col("city").alias("city_code")))
        moved += moved_here
    table = conform(pl.concat(frames, how="vertical_relaxed"), "core_cems__gaps")
    kinds = dict(table.group_by("substitution").len().iter_rows())
    return dg.Output(table, metadata={"gaps": table.height, "rule_version": settings.rule_version,
                                      "hours_moved_to_history": moved, **{f"gaps_{k}": int(v) for k, v in sorted(kinds.items())}})


@checked_asset(group_name="core_cems", kinds={"duckdb"}, pool=MEMORY_HEAVY, **YEARLY)
def core_cems__outlet_monthly(context: dg.AssetExecutionContext, synergy: SynergyConfig,
                              core_cems__gaps: pl.DataFrame, core_cems__outlets: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Valid-data rate (有效数据率) and mass per outlet, month and pollutant: one DuckDB GROUP BY per year."""
    settings = synergy.cems_settings()
    store = cems_store(synergy)
    con = duckdb_connection(synergy.workspace.home / "tmp" / "duckdb", synergy.duckdb_memory_limit)
    frames = [outlet_monthly(con, store, year, core_cems__gaps.filter(pl.col("year") == year), settings,
                             core_cems__outlets)
              for year in run_years(context) if store.partitions(year)]
    con.close()
    table = conform(pl.concat(frames), "core_cems__outlet_monthly") if frames else pl.DataFrame(
        schema=polars_schema(TABLES["core_cems__outlet_monthly"]))
    below = table.filter(pl.col("is_below_required_rate"))
    return dg.Output(table, metadata={"outlet_months": table.height // 3 if table.height else 0,
                                      "below_required_rate": below.height,
                                      "outlets_below_required_rate": below["mn"].n_unique()})


@checked_asset(group_name="out_cems", kinds={"polars"}, **YEARLY)
def out_cems__outlet_yearly(core_cems__outlet_monthly: pl.DataFrame) -> dg.Output[pl.DataFrame]:
    """Annual mass per outlet and pollutant (valid + substituted hours), with the months below the required rate."""
    monthly = core_cems__outlet_monthly
    keys = ["mn", "permit_no", "outlet_code", "city_code", "year", "pollutant", "substitution_rule_version"]
    operating = pl.col("month_hours").sum() - pl.col("stopped_hours").sum()
    table = monthly.group_by(keys).agg(
        pl.col("valid_hours", "stopped_hours", "substituted_hours", "unsubstituted_hours").sum(),
        pl.when(operating > 0).then(100.0 * pl.col("valid_hours").sum() / operating).alias("valid_data_rate_pct"),
        pl.col("is_below_required_rate").sum().alias("months_below_required_rate"),
        (pl.col("valid_mass_kg").sum() / 1000).alias("valid_mass_t"),
        (pl.col("substituted_mass_kg").sum() / 1000).alias("substituted_mass_t"),
        (pl.col("mass_kg").sum() / 1000).alias("mass_t"),
    ).with_columns(pl.col("substitution_rule_version").replace_strict(RULE_STATUS).alias("substitution_rule_status"))
    table = conform(table, "out_cems__outlet_yearly").sort("city_code", "mn", "year", "pollutant")
    return dg.Output(table, metadata={"outlet_years": table["mn"].n_unique() if table.height else 0,
                                      "mass_t": float(table["mass_t"].sum() or 0.0)})


@dg.asset(group_name=CEMS_BY_CITY, kinds={"duckdb"}, partitions_def=YEAR_CITY)
def core_cems__city_monthly(context: dg.AssetExecutionContext, synergy: SynergyConfig, core_cems__file_counts: pl.DataFrame,
                            core_cems__outlets: pl.DataFrame) -> dg.MaterializeResult:
    """One (year, city) partition of core_cems__outlet_monthly, computed by the same functions over that city's Hive
    files only: the unit of work a cluster executor spreads over machines. Written to
    parquet/core_cems__city_monthly/year=<Y>/city=<C>.parquet (Hive, like the hourly store)."""
    keys = context.partition_key.keys_by_dimension  # type: ignore[attr-defined]
    year, city = int(keys["year"]), keys["city"]
    settings = synergy.cems_settings()
    store = cems_store(synergy)
    if city not in store.partitions(year):
        raise dg.Failure(f"没有{year}年{city}的CEMS小时数据 / no CEMS hourly data for year {year}, city {city}")
    gaps, moved = substitution_gaps(store, year, _file_order(core_cems__file_counts), settings, cities=[city])
    con = duckdb_connection(synergy.workspace.home / "tmp" / "duckdb" / f"{year}-{city}", synergy.duckdb_memory_limit)
    table = conform(outlet_monthly(con, store, year, gaps, settings, core_cems__outlets, city=city), "core_cems__outlet_monthly")
    con.close()
    write_atomic(table, synergy.workspace.parquet / "core_cems__city_monthly" / f"year={year}" / f"city={city}.parquet")
    return dg.MaterializeResult(metadata={"outlet_month_rows": table.height, "gaps": gaps.height,
                                          "hours_moved_to_history": moved,
                                          "below_required_rate": int(table["is_below_required_rate"].sum())})
