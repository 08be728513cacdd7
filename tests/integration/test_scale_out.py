"""The year x city CEMS partitions on a real dask.distributed cluster (two worker processes), launched as a bureau's
data team would: `synergy cems-scale-out --scheduler tcp://…`, one Dagster run per partition in the workspace's
instance. Every partition must equal, number for number, the city's share of the year the in-process build computed
(core_cems__outlet_monthly), and the work must have been done by at least two worker processes.

dask.distributed is a dependency of the project, imported unconditionally: if it is missing this fails, never skips.
"""

import os

import dagster as dg
import polars as pl
import pytest
from distributed import Client, LocalCluster, get_task_stream
from worlds import copy_workspace, run_cli

KEYS = ["mn", "pollutant", "month"]
CITY_MONTHLY = dg.AssetKey("core_cems__city_monthly")
CITY_STRIDE = 4  # every 4th of the demo's 18 CEMS cities: 5 partitions, more than the 2 workers take at once


@pytest.mark.slow
def test_city_partitions_run_on_two_dask_workers_and_equal_the_in_process_year(built, tmp_path):
    ws, manifest = copy_workspace(built[0], tmp_path / "home"), built[1]
    year = manifest["cems"]["year"]
    monthly = pl.read_parquet(ws.parquet / "core_cems__outlet_monthly" / f"year={year}.parquet")
    every_city = sorted(monthly["city_code"].unique())
    cities = every_city[::CITY_STRIDE]  # a run costs seconds of Dagster bookkeeping: a spread of the demo's cities
    written = ws.parquet / "core_cems__city_monthly" / f"year={year}"
    assert len(cities) >= 4 and not written.exists()  # the build never writes the scale-out table

    with (LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
          Client(cluster) as client, get_task_stream(client) as stream):
        printed = run_cli(ws.home, "cems-scale-out", "--scheduler", cluster.scheduler_address, "--years", str(year),
                          "--cities", ",".join(cities))
        worker_pids = client.run(os.getpid)

    assert f"{len(cities)}/{len(cities)}" in printed
    assert sorted(p.stem.removeprefix("city=") for p in written.glob("city=*.parquet")) == cities  # those, no other
    for city in cities:
        part = pl.read_parquet(written / f"city={city}.parquet")
        expected = monthly.filter(pl.col("city_code") == city)
        assert part.height == expected.height > 0
        assert part.sort(KEYS).equals(expected.sort(KEYS)), city

    with dg.DagsterInstance.from_config(str(ws.dagster_home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="cems_by_city"))
        done = instance.get_materialized_partitions(CITY_MONTHLY)
    assert len(runs) == len(cities) and all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    assert done == {str(dg.MultiPartitionKey({"city": c, "year": str(year)})) for c in cities}
    # each run's step was a task on the cluster, named by its run; the tasks ran in both worker processes
    ran_on = {task["key"].rpartition(".")[2]: worker_pids[task["worker"]] for task in stream.data}
    assert {r.run_id for r in runs} <= set(ran_on)
    assert len({ran_on[r.run_id] for r in runs}) == 2 and os.getpid() not in ran_on.values()
