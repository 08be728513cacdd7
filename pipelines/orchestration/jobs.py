"""The jobs: the build (ingest -> inventory -> publish, partitioned by reporting year) and the quality run."""

import dagster as dg

PUBLISHES_WAREHOUSE = {"synergy/publishes-warehouse": "true"}  # dagster.yaml lets one such run go at a time
MEMORY_HEAVY = "memory_heavy"  # pool: file reading, entity resolution, candidates, roll-up, exports; one step at a time
WAREHOUSE_PUBLISH = "warehouse_publish"  # pool: the step that swaps warehouse.duckdb in
CEMS_BY_CITY = "cems_by_city"
BUILD_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.groups("quality", CEMS_BY_CITY)

build_all = dg.define_asset_job("build_all", selection=BUILD_SELECTION, tags=PUBLISHES_WAREHOUSE,
                                description="Ingest the inbox, compute the inventory for the chosen reporting years, "
                                            "publish the warehouse, exports and reports.")
cems_by_city = dg.define_asset_job(
    CEMS_BY_CITY, selection=dg.AssetSelection.groups(CEMS_BY_CITY),
    description="CEMS scale-out: gaps, substitution and outlet-month rates per (year, city) partition, one partition per "
                "run. From the UI it runs in process; `synergy cems-scale-out` runs the partitions on a dask cluster "
                "(orchestration/scale_out.py).")
quality_check = dg.define_asset_job("quality_check", selection=dg.AssetSelection.groups("quality"),
                                    description="great-expectations suites over the warehouse; Data Docs in reports/.")
