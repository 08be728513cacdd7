"""Reporting-year partitions: the yearly assets run per data year, and years appear as data for them arrives.

The partition set is dynamic (`reporting_year`): the inbox sensor, the schedules and `synergy build` add a year
when a file carrying it is found. A run covers a contiguous range of partitions (one run per backfill: every
yearly asset has a single-run backfill policy), so a yearly asset sees all the years it is asked for at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg

# single-run backfills are what a yearly asset needs (it sees all its years at once); the flag is "beta" in 1.13
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

# The run tags by which Dagster names a run's partition or partition range (its backfills and launchpad write them,
# and a run request may carry them): stable strings, but dagster 1.13 exports them only from the private
# `dagster._core.storage.tags`, so they are spelled here (tests/unit/orchestration/test_run_parameters.py runs a range)
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

REPORTING_YEAR = "reporting_year"
reporting_year = dg.DynamicPartitionsDefinition(name=REPORTING_YEAR)
YEARLY = {"partitions_def": reporting_year, "backfill_policy": dg.BackfillPolicy.single_run()}
"""Keyword arguments that make an asset yearly (one Parquet file per year, one run for a range of years)."""
CEMS_CITY = "cems_city"
cems_city = dg.DynamicPartitionsDefinition(name=CEMS_CITY)
YEAR_CITY = dg.MultiPartitionsDefinition({"city": cems_city, "year": reporting_year})
"""CEMS scale-out partitions: one (year, city) Hive partition of the hourly store per Dagster partition."""


def unpartitioned(graph: Any, keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    """The keys of assets without partitions in an asset graph: what a run can build before any data year exists."""
    return sorted(k for k in keys if not graph.get(k).is_partitioned)


def run_years(context: dg.AssetExecutionContext) -> list[int]:
    """The data years this run covers, oldest first; empty for a run without years.

    A yearly asset's are its partitions. An unpartitioned step of a yearly run (the exports) has no partition of its
    own, so its years come from the run's partition tags, resolved against the stored order of the partitions.
    """
    if context.assets_def.partitions_def is not None:
        return sorted(int(key) for key in context.partition_keys)
    return years_from_tags(context.run.tags, list(context.instance.get_dynamic_partitions(REPORTING_YEAR)))


def known_years(instance: dg.DagsterInstance) -> list[int]:
    return sorted(int(key) for key in instance.get_dynamic_partitions(REPORTING_YEAR))


def add_years(instance: dg.DagsterInstance, years: list[int]) -> None:
    """Register data years as partitions, in ascending order (a range of partitions follows the order of addition)."""
    have = set(instance.get_dynamic_partitions(REPORTING_YEAR))
    new = [str(y) for y in sorted(set(years)) if str(y) not in have]
    if new:
        instance.add_dynamic_partitions(REPORTING_YEAR, new)


def range_tags(partition_keys: list[str], years: list[int]) -> dict[str, str]:
    """Run tags for the contiguous range of `partition_keys` (in their stored order) that covers `years`.

    Years added late (an earlier year arriving after later ones) sit at the end of the order; the range then
    also covers the years between, which costs time but never leaves a requested year out.
    """
    wanted = {str(y) for y in years}
    positions = [i for i, key in enumerate(partition_keys) if key in wanted]
    missing = wanted - set(partition_keys)
    if missing or not positions:
        raise ValueError(f"years not registered as partitions: {sorted(missing) or sorted(wanted)}")
    return {RANGE_START_TAG: partition_keys[min(positions)], RANGE_END_TAG: partition_keys[max(positions)]}


def years_from_tags(tags: Mapping[str, str], partition_keys: list[str]) -> list[int]:
    """The data years a run covers, from its partition or partition-range tags (empty for an unpartitioned run)."""
    if PARTITION_TAG in tags:
        return [int(tags[PARTITION_TAG])]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start is None or end is None or start not in partition_keys or end not in partition_keys:
        return []
    return sorted(int(k) for k in partition_keys[partition_keys.index(start):partition_keys.index(end) + 1])


def affected_years(changed: set[int] | None, partition_keys: list[str]) -> list[int]:
    """Years to rebuild when data of `changed` years moved (None = a change without a year, e.g. a permit list).

    Every later year is rebuilt too: its register look-back, consecutive-year counts and change on the
    previous year read the earlier years.
    """
    years = sorted(int(k) for k in partition_keys)
    if changed is None:
        return years
    if not changed:
        return []
    return [y for y in years if y >= min(changed)]
