"""`synergy bench`: the cost curve of the CEMS stages at 1x, 4x, 16x of a province, with two baselines.

1x is the demo world at 5,000 sites with every outlet on CEMS for one year (about 8,000 outlets, about 70
million hourly rows). Inputs are generated once per size under <cache>/size-<k>/ and reused. Each size runs
ingest (files -> Hive store), substitution, the monthly aggregation and, in the same process:
(a) a bare DuckDB GROUP BY over the same Hive Parquet (sums of N-flagged mass per outlet and month): the
    practical limit for the aggregation;
(b) the facility inventory roll-up (facility_inventory SQL) against the same calculation in pandas, over
    the facility-species table of the world's pollutant and CO2 masses at that size.
Peak RSS is the process's (ru_maxrss, which never goes down), read after each stage.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from inventories.sql_models import facility_inventory
from pipelines.cems.aggregate import duckdb_connection, outlet_monthly, substitution_gaps
from pipelines.cems.outlets import outlet_table
from pipelines.cems.settings import load_settings
from pipelines.cems.store import CemsStore, ingest, read_outlet_maps
from pipelines.synth.world import build_world
from pipelines.synth.writers_cems import world_params, write_hourly, write_outlet_map

SITES_1X = 5000
YEAR = 2023


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(stages: list[dict], name: str, rows: int, fn: Callable[[], object]) -> object:
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    stages.append({"stage": name, "seconds": round(seconds, 2), "rows": rows,
                   "rows_per_s": round(rows / seconds) if seconds else None, "peak_rss_mb": round(_peak_rss_mb())})
    return out


def inputs(cache: Path, size: int) -> Path:
    """The size's inbox (generated once): the outlet map and one Parquet export per city."""
    folder = cache / f"size-{size}" / "inbox" / "cems"
    done = folder.parent.parent / "generated.json"
    if done.exists():
        return folder
    shutil.rmtree(folder.parent.parent, ignore_errors=True)
    params = []
    for copy in range(size):  # k copies of the 1x province, each with its own seed, as k provinces side by side
        world = build_world(20261121 + copy, SITES_1X, (YEAR - 2, YEAR))
        part = world_params(world, YEAR, random.Random(copy), key_sites_only=False)
        params.append(part.with_columns(pl.format("K{}{}", pl.lit(copy), pl.col("mn").str.slice(5)).alias("mn")))
    frame = pl.concat(params)
    write_outlet_map(frame, folder / "监测点位对照表.csv")
    con = duckdb_connection(cache / "tmp")
    write_hourly(frame, YEAR, folder, con)
    done.write_text(json.dumps({"outlets": frame.height}), encoding="utf-8")
    return folder


def _species_table(size: int) -> pl.DataFrame:
    """A facility-species table of `size` x 5,000 sites x 3 years with four species each (the roll-up's input)."""
    rows = size * SITES_1X * 3 * 6
    rng = pl.int_range(0, rows, eager=True)
    facility = (rng // 18).cast(pl.String).str.zfill(8)
    species = ["CO2", "CO2", "SO2", "NOx", "PM", "VOCs"]
    return pl.DataFrame({"facility_id": "F" + facility, "uscc": "U" + facility, "year": 2021 + (rng // 6) % 3,
                         "species": [species[i % 6] for i in range(rows)],
                         "scope": ["combustion", "indirect_electricity", "combustion", "combustion", "combustion",
                                   "combustion"] * (rows // 6),
                         "mass_t": (rng % 997).cast(pl.Float64) + 0.5, "co2e_t": (rng % 997).cast(pl.Float64) + 0.5,
                         "energy_tce": (rng % 13).cast(pl.Float64), "method": "calculated", "source_system": "envstat",
                         "gwp_set": "SAR", "has_recalled_factor": False, "allocation_share": 1.0, "factor_set": "bench"})


def _pandas_facility(species: pd.DataFrame) -> pd.DataFrame:
    """What an analyst writes today: a pivot per facility and year with pandas."""
    direct = species[species["scope"].isin(["combustion", "process"])]
    co2 = species[species["species"] == "CO2"]
    out = co2[co2["scope"] == "combustion"].groupby(["facility_id", "year"])["mass_t"].sum().rename("co2_combustion_t").to_frame()
    out["co2_indirect_t"] = co2[co2["scope"].str.startswith("indirect")].groupby(["facility_id", "year"])["mass_t"].sum()
    out["co2e_t"] = direct.groupby(["facility_id", "year"])["co2e_t"].sum()
    for name in ("SO2", "NOx", "PM", "VOCs"):
        out[f"{name.lower()}_mass_t"] = species[species["species"] == name].groupby(["facility_id", "year"])["mass_t"].sum()
    out["energy_tce"] = co2.groupby(["facility_id", "year"])["energy_tce"].sum()
    out["methods"] = species.groupby(["facility_id", "year"])["method"].agg(lambda m: "+".join(sorted(set(m))))
    return out.reset_index()


def run_size(cache: Path, size: int) -> dict:
    """Every stage at one size; the figures as a dict (also written to <cache>/bench-<size>x.json)."""
    stages: list[dict] = []
    folder = _timed(stages, "generate_inputs_cached", 0, lambda: inputs(cache, size))
    work = cache / f"size-{size}" / "work"
    shutil.rmtree(work, ignore_errors=True)
    store = CemsStore(work / "core_cems__hourly")
    map_rows, _, map_files = read_outlet_maps(folder)
    outlets = outlet_table(map_rows, pl.DataFrame(schema={"permit_no": pl.String, "city_code": pl.String}))
    log = _timed(stages, "cems_ingest", 0, lambda: ingest(store, folder, work / "archive", outlets, map_files))
    stages[-1]["rows"] = int(log["rows_read"].sum())
    stages[-1]["rows_per_s"] = round(stages[-1]["rows"] / stages[-1]["seconds"])
    rows = int(log["rows_accepted"].sum())
    settings = load_settings()
    order = {sha: i for i, sha in enumerate(log["file_sha256"].drop_nulls())}
    gaps, _ = _timed(stages, "cems_substitution", rows, lambda: substitution_gaps(store, YEAR, order, settings))
    con = duckdb_connection(work / "duckdb_tmp")
    _timed(stages, "cems_aggregation", rows, lambda: outlet_monthly(con, store, YEAR, gaps, settings))
    bare = ("SELECT mn, month(data_time) AS month, sum(so2_mass_kg) FILTER (WHERE so2_flag = 'N'), "
            "sum(nox_mass_kg) FILTER (WHERE nox_flag = 'N'), sum(pm_mass_kg) FILTER (WHERE pm_flag = 'N'), count(*) "
            f"FROM read_parquet('{store.glob(YEAR)}') GROUP BY ALL")
    _timed(stages, "baseline_bare_duckdb_group_by", rows, lambda: con.execute(bare).fetchall())
    species = _species_table(size)
    facilities = pl.DataFrame(schema={"facility_id": pl.String, "facility_name": pl.String, "industry_code": pl.String,
                                      "region_code": pl.String, "city_code": pl.String})
    enterprises = pl.DataFrame(schema={"uscc": pl.String, "enterprise_name": pl.String, "industry_code": pl.String,
                                       "region_code": pl.String, "city_code": pl.String})
    _timed(stages, "facility_inventory_duckdb", species.height, lambda: facility_inventory(species, facilities, enterprises))
    frame = species.to_pandas()
    _timed(stages, "baseline_facility_inventory_pandas", species.height, lambda: _pandas_facility(frame))
    con.close()
    seconds = {s["stage"]: s["seconds"] for s in stages}
    result = {
        "size": size, "outlets": outlets.height, "cems_rows": rows, "stages": stages,
        "ratio_cems_aggregation_vs_bare_duckdb": round(seconds["cems_aggregation"] / seconds["baseline_bare_duckdb_group_by"], 2),
        "ratio_cems_all_stages_vs_bare_duckdb": round(
            (seconds["cems_ingest"] + seconds["cems_substitution"] + seconds["cems_aggregation"])
            / seconds["baseline_bare_duckdb_group_by"], 1),
        "speedup_facility_inventory_vs_pandas": round(
            seconds["baseline_facility_inventory_pandas"] / seconds["facility_inventory_duckdb"], 1),
        "peak_rss_mb": round(_peak_rss_mb()),
        "duckdb": {"memory_limit": "4GB", "threads": 2, "temp_directory": str(work / "duckdb_tmp"),
                   "version": duckdb.__version__},
    }
    (cache / f"bench-{size}x.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result
