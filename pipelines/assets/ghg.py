"""GHG-report assets: inbox files -> raw fuel lines -> typed core fuel lines (+ rejects)."""


import shutil

import dagster as dg
import polars as pl

from pipelines.extract.files import sha256_of
from pipelines.extract.ghg import read_ghg_file, to_frame
from pipelines.resources import SynergyConfig
from pipelines.transform.ghg import transform_fuel_lines

SUPPORTED = (".csv", ".xlsx", ".xlsm")


@dg.multi_asset(
    outs={
        "raw_ghg__fuel_lines": dg.AssetOut(group_name="raw_ghg", description="GHG fuel lines as text, one row per file row"),
        "raw_ghg__files": dg.AssetOut(group_name="raw_ghg", description="Every inbox/ghg file seen, by SHA-256"),
    },
    can_subset=False,
)
def raw_ghg(context: dg.AssetExecutionContext, synergy: SynergyConfig):
    """Archive each inbox/ghg file by SHA-256 and read it once; a re-dropped identical file is a no-op."""
    ws = synergy.workspace
    folder = ws.inbox / "ghg"
    seen: dict[str, str] = {}
    files: list[dict] = []
    rows: list[dict] = []
    # first dropped wins: a later identical file is the duplicate
    files_found = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    paths = sorted(files_found, key=lambda p: (p.stat().st_mtime_ns, str(p)))
    for path in paths:
        name = str(path.relative_to(ws.inbox))
        entry = {"source_system": "ghg", "source_file": name, "file_sha256": None, "source_encoding": None,
                 "file_status": "ingested", "duplicate_of": None, "message": None}
        if path.suffix.lower() not in SUPPORTED:
            files.append(entry | {"file_status": "unreadable",
                                  "message": f"不支持的文件类型 {path.suffix} / unsupported file type"})
            continue
        digest = sha256_of(path)
        entry["file_sha256"] = digest
        archived = ws.archive / f"{digest}{path.suffix.lower()}"
        if not archived.exists():
            ws.archive.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, archived)
        if digest in seen:
            files.append(entry | {"file_status": "duplicate", "duplicate_of": seen[digest],
                                  "message": "与已入库文件内容相同，未重复读取 / same content as a file already read"})
            continue
        seen[digest] = name
        try:
            result = read_ghg_file(path, name, digest)
        except Exception as err:  # noqa: BLE001 - any unreadable file is logged and the run goes on
            context.log.warning(f"{name}: {err}")
            files.append(entry | {"file_status": "unreadable", "message": f"文件无法读取 / cannot read file: {err}"})
            continue
        entry["source_encoding"] = result.encoding
        if not result.rows:
            entry["file_status"] = "unrecognised"
            entry["message"] = ("未识别的表格格式（缺少 报告年度/统一社会信用代码/燃料品种/消耗量 表头）/ "
                                "layout not recognised: no sheet has year, USCC, fuel and quantity headers")
        elif result.skipped_sheets:
            entry["message"] = f"跳过工作表 / sheets skipped: {', '.join(result.skipped_sheets)}"
        files.append(entry)
        rows.extend(result.rows)
    raw = to_frame(rows)
    file_log = pl.DataFrame(files, schema={k: pl.String for k in (
        "source_system", "source_file", "file_sha256", "source_encoding", "file_status", "duplicate_of", "message")})
    context.log.info(f"{len(paths)} files, {raw.height} raw rows")
    return dg.Output(raw, metadata={"rows": raw.height}), dg.Output(file_log, metadata={"files": file_log.height})


@dg.multi_asset(
    ins={"raw_ghg__fuel_lines": dg.AssetIn()},
    outs={
        "core_ghg__fuel_lines": dg.AssetOut(group_name="core_ghg", description="Typed GHG fuel lines, canonical units"),
        "_core_ghg__rejected_rows": dg.AssetOut(group_name="core_ghg", description="GHG rows that failed parsing or validation"),
    },
    can_subset=False,
)
def core_ghg(raw_ghg__fuel_lines: pl.DataFrame):
    """Parse, convert units and validate (pandera, values checked); bad rows go to quarantine."""
    good, rejected = transform_fuel_lines(raw_ghg__fuel_lines)
    return (dg.Output(good, metadata={"rows": good.height}),
            dg.Output(rejected, metadata={"rows": rejected.height}))
