"""Entity resolution assets: who every record belongs to, what an analyst must look at, and checks on both.

The work is in `pipelines.resolve.entity_resolution`; the analysts' decisions are read from
`$SYNERGY_HOME/curation/matches.csv` on every run, so they are re-applied to every build.
"""


import dagster as dg
import polars as pl

from pipelines.orchestration.jobs import MEMORY_HEAVY
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_multi_asset
from pipelines.resolve.curation import load_decisions, settle_log
from pipelines.resolve.entity_resolution import resolve
from pipelines.resolve.identity import IDENTITY_SOURCES
from schemas.generate import conform
from schemas.tables import TABLES

OUTPUTS = {  # published table -> (group, key of the resolve() result)
    "core_enterprise__entity": ("core_entity", "firms"),
    "core_enterprise__aliases": ("core_entity", "aliases"),
    "core_facility__entity": ("core_entity", "sites"),
    "core_facility__assn_sources": ("core_entity", "assn"),
    "out_qa__unmatched_records": ("out_qa", "unmatched"),
    "out_qa__match_conflicts": ("out_qa", "conflicts"),
    "out_qa__match_summary": ("out_qa", "summary"),
    "out_qa__match_review": ("out_qa", "review"),
}


@checked_multi_asset(
    name="core_entity",
    ins={table: dg.AssetIn() for table in IDENTITY_SOURCES},
    outs={**{t: dg.AssetOut(group_name=g, description=TABLES[t].en) for t, (g, _) in OUTPUTS.items()},
          "core_qa__curation_log": dg.AssetOut(group_name="core_qa", description=TABLES["core_qa__curation_log"].en)},
    can_subset=False,
    pool=MEMORY_HEAVY,
)
def core_entity(context: dg.AssetExecutionContext, synergy: SynergyConfig, **tables: pl.DataFrame):
    decisions, log = load_decisions(synergy.workspace.curation)
    result = resolve(tables, decisions)
    for table, (_, key) in OUTPUTS.items():
        frame = conform(result[key], table)  # type: ignore[arg-type]
        yield dg.Output(frame, output_name=table, metadata={"rows": frame.height})
    log = settle_log(log, result["curation_status"])  # type: ignore[arg-type]
    counts = log.group_by("curation_status").len()
    context.log.info(f"curation: {dict(counts.iter_rows())}")
    yield dg.Output(log, output_name="core_qa__curation_log",
                    metadata={"rows": log.height, **{f"curation_{k}": int(v) for k, v in counts.iter_rows()}})
