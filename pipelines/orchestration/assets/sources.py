"""Ingest assets, one pair per source system, built from the layout registry (no per-source copies).

raw_<src>: archive and read inbox/<src>/ -> one all-text raw table per layout + the file log.
core_<src>: parse, convert units, validate (pandera, values checked), keep the latest submission ->
typed core tables, rejected rows, superseded rows and per-file row counts.
"""


import dagster as dg
import polars as pl

from pipelines.orchestration.jobs import MEMORY_HEAVY
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_asset, checked_multi_asset
from pipelines.read.inbox import read_inbox
from pipelines.read.sources.permit import annual_limits
from pipelines.read.supersede import supersede
from pipelines.read.transforms import TRANSFORMS
from schemas.generate import conform
from schemas.layouts import layouts_of
from schemas.sources import INGESTED_SOURCES, SOURCE_SYSTEMS
from schemas.tables import TABLES


def _raw_asset(source: str) -> dg.AssetsDefinition:
    layouts = layouts_of(source)
    outs = {x.table: dg.AssetOut(group_name=f"raw_{source}", description=f"{x.zh}: all cells as text, one row per "
                                 "file row, with source file, sheet, row number and SHA-256") for x in layouts}
    outs[f"raw_{source}__files"] = dg.AssetOut(group_name=f"raw_{source}", description=f"Every inbox/{source} file seen")

    @dg.multi_asset(name=f"raw_{source}", outs=outs, can_subset=False, pool=MEMORY_HEAVY)
    def _raw(context: dg.AssetExecutionContext, synergy: SynergyConfig):
        ws = synergy.workspace
        read = read_inbox(ws.inbox, ws.archive, source)
        log = read.file_log()
        context.log.info(f"{source}: {log.height} files, {sum(len(r) for r in read.tables.values())} raw rows")
        for layout in layouts:
            frame = read.raw_frame(layout)
            yield dg.Output(frame, output_name=layout.table, metadata={"rows": frame.height})
        yield dg.Output(log, output_name=f"raw_{source}__files", metadata={"files": log.height})

    return _raw


def _file_counts(files: pl.DataFrame, raws: dict[str, pl.DataFrame], accepted: list[pl.DataFrame],
                 rejected: pl.DataFrame, superseded: pl.DataFrame) -> pl.DataFrame:
    """Per file: rows read (raw), accepted (distinct source rows in core or superseded), rejected, superseded."""
    key = ["source_file", "sheet_name", "row_number"]

    def count(frames: list[pl.DataFrame], name: str) -> pl.DataFrame:
        rows = pl.concat([f.select(key) for f in frames], how="vertical") if frames else pl.DataFrame(
            schema={"source_file": pl.String, "sheet_name": pl.String, "row_number": pl.Int64})
        return rows.unique().group_by("source_file").agg(pl.len().cast(pl.Int64).alias(name))

    out = files.select("source_file")
    for frames, name in (([*raws.values()], "rows_read"), ([*accepted, superseded], "rows_accepted"),
                         ([rejected], "rows_rejected"), ([superseded], "rows_superseded")):
        out = out.join(count(frames, name), on="source_file", how="left")
    return out.with_columns(pl.col("rows_read", "rows_accepted", "rows_rejected", "rows_superseded").fill_null(0))


def _core_asset(source: str) -> dg.AssetsDefinition:
    layouts = layouts_of(source)
    ins = {x.table: dg.AssetIn() for x in layouts} | {f"raw_{source}__files": dg.AssetIn()}
    outs = {TRANSFORMS[x.table].core_table: dg.AssetOut(group_name=f"core_{source}",
                                                        description=TABLES[TRANSFORMS[x.table].core_table].en)
            for x in layouts}
    outs |= {f"_core_{source}__{name}": dg.AssetOut(group_name=f"core_{source}", description=text) for name, text in (
        ("rejected_rows", "Rows that failed parsing or validation, with reasons"),
        ("superseded_rows", "Rows replaced by a later re-submission"),
        ("file_counts", "Per-file row accounting"))}

    @checked_multi_asset(name=f"core_{source}", ins=ins, outs=outs, can_subset=False)
    def _core(context: dg.AssetExecutionContext, **inputs: pl.DataFrame):
        files = inputs[f"raw_{source}__files"]
        order = {sha: i for i, sha in enumerate(files["file_sha256"].to_list()) if sha}
        rejected, superseded, accepted = [], [], []
        for layout in layouts:
            transform = TRANSFORMS[layout.table]
            good, bad = transform.run(inputs[layout.table], source)
            current, old = supersede(good, transform.core_table, order, source)
            rejected.append(bad)
            superseded.append(old)
            accepted.append(current)
            yield dg.Output(current, output_name=transform.core_table,
                            metadata={"rows": current.height, "rejected": bad.height, "superseded": old.height})
        all_rejected = pl.concat(rejected, how="vertical")
        all_superseded = pl.concat(superseded, how="vertical")
        counts = _file_counts(files, {x.table: inputs[x.table] for x in layouts}, accepted, all_rejected, all_superseded)
        yield dg.Output(all_rejected, output_name=f"_core_{source}__rejected_rows", metadata={"rows": all_rejected.height})
        yield dg.Output(all_superseded, output_name=f"_core_{source}__superseded_rows",
                        metadata={"rows": all_superseded.height})
        yield dg.Output(files.join(counts, on="source_file", how="left"), output_name=f"_core_{source}__file_counts")

    return _core


@checked_asset(group_name="core_permit", kinds={"polars"})
def core_permit__annual_limits(core_permit__limits: pl.DataFrame, core_permit__registry: pl.DataFrame) -> pl.DataFrame:
    """第N年 limits anchored to calendar years with each permit's validity start."""
    return annual_limits(core_permit__limits, core_permit__registry)


SOURCE_ASSETS = [a for source in INGESTED_SOURCES for a in (_raw_asset(source), _core_asset(source))]


def qa_inputs(name: str) -> dict[str, dg.AssetIn]:
    """The per-source intermediates `_core_<src>__<name>` that a QA table unites."""
    return {f"_core_{s}__{name}": dg.AssetIn() for s in SOURCE_SYSTEMS}


def union(frames: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    return conform(pl.concat([conform(f, table) for f in frames.values()], how="vertical"), table)
