"""Every inbox entry is accounted for (issue 25): files the build cannot or will not read get one file log row each,
with their reason, and never stop or change what the other files give; symlinks are never followed; the inbox scan
knows every type the readers read, so nothing read is listed as removed and no run starts for unchanged inputs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.orchestration.build import plan_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.io_manager import stored_files
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.sensors import inbox_sensor
from pipelines.read.cems.store import CemsStore, ingest
from pipelines.read.files import sha256_of
from pipelines.read.inbox import read_inbox
from pipelines.read.inbox_scan import file_log, inbox_changes
from pipelines.read.ingest import copy_into_inbox, ingest_plan
from pipelines.workspace import Workspace, init_workspace
from schemas.generate import conform, pandera_schema, polars_schema
from schemas.tables import TABLES

USCC = "91410100MA00000000"
GOOD = f"报告年度,统一社会信用代码,单位名称,类别,数量,计量单位\n2023,{USCC},演示,购入电力,1,MWh\n"
LATIN1 = "Firma,Straße,Ort\nMüller GmbH,Hauptstraße 5,Köln\nBäckerei Schäfer,Große Allee 12,Düsseldorf\n"


def _good_only(tmp_path: Path) -> tuple[Path, Path]:
    inbox = tmp_path / "inbox"
    (inbox / "ghg").mkdir(parents=True)
    (inbox / "ghg" / "good.csv").write_text(GOOD, encoding="utf-8")
    return inbox, tmp_path / "archive"


def _log(read) -> dict[str, dict]:
    log = read.file_log()
    assert log["source_file"].is_duplicated().sum() == 0  # one row per entry
    counts = log.with_columns(*(pl.lit(0).alias(c) for c in ("rows_read", "rows_accepted", "rows_rejected",
                                                             "rows_superseded")))
    pandera_schema("core_qa__file_manifest").validate(conform(counts, "core_qa__file_manifest"))  # the build's contract
    return {r["source_file"]: r for r in log.iter_rows(named=True)}


def _unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No read permission; as root (who reads anything) the open fails as it would for a service account."""
    path.chmod(0)
    if os.geteuid() == 0:
        real_open = os.open

        def denied(file, flags, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
            return real_open(file, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)


def test_each_bad_entry_has_one_row_with_its_reason_and_the_good_file_reads_unchanged(tmp_path, monkeypatch):
    inbox, archive = _good_only(tmp_path)
    alone = read_inbox(inbox, archive, "ghg")
    ghg = inbox / "ghg"
    (ghg / "..csv").write_text(GOOD.replace(",1,", ",7,"), encoding="utf-8")  # hidden: would add a row if read
    (ghg / "~$lock.xlsx").write_bytes(b"owner")
    (ghg / "dangling.csv").symlink_to(tmp_path / "nowhere.csv")
    (ghg / "passwd.csv").symlink_to("/etc/passwd")
    (ghg / ".git").mkdir()
    (ghg / ".git" / "x.csv").write_text(GOOD, encoding="utf-8")  # inside a hidden folder: the folder counts once
    os.mkfifo(ghg / "pipe.csv")  # opening a FIFO would wait for ever
    (ghg / "notes.txt").write_text("hello", encoding="utf-8")
    (ghg / "sub.csv").mkdir()  # a folder named like a file is walked
    (ghg / "sub.csv" / "inner.csv").write_text(GOOD.replace(",1,", ",2,"), encoding="utf-8")
    (ghg / "locked.csv").write_text(GOOD.replace(",1,", ",3,"), encoding="utf-8")
    _unreadable(ghg / "locked.csv", monkeypatch)

    read = read_inbox(inbox, archive, "ghg")
    log = _log(read)
    assert {name: (row["file_status"], row["file_sha256"] is None) for name, row in log.items()} == {
        "ghg/good.csv": ("ingested", False), "ghg/sub.csv/inner.csv": ("ingested", False),
        "ghg/..csv": ("skipped", True), "ghg/~$lock.xlsx": ("skipped", True), "ghg/dangling.csv": ("skipped", True),
        "ghg/passwd.csv": ("skipped", True), "ghg/.git": ("skipped", True), "ghg/pipe.csv": ("skipped", True),
        "ghg/notes.txt": ("unrecognised", True), "ghg/locked.csv": ("unreadable", True)}
    assert "/etc/passwd" in log["ghg/passwd.csv"]["message"] and "not followed" in log["ghg/passwd.csv"]["message"]
    assert "hidden" in log["ghg/..csv"]["message"] and "lock file" in log["ghg/~$lock.xlsx"]["message"]
    assert "not a regular file" in log["ghg/pipe.csv"]["message"]
    assert "Permission denied" in log["ghg/locked.csv"]["message"]
    # the good file: the same log row and the same raw rows as when it was alone; the folder's file adds its own row
    assert log["ghg/good.csv"] == _log(alone)["ghg/good.csv"]
    rows = read.tables["raw_ghg__energy_flows"]
    assert [r for r in rows if r["source_file"] == "ghg/good.csv"] == alone.tables["raw_ghg__energy_flows"]
    assert sorted(r["quantity"] for r in rows) == ["1", "2"]
    # nothing but the two read files is archived: no copy of /etc/passwd, of the hidden file or of the lock file
    assert sorted(p.name for p in archive.iterdir()) == sorted(
        f"{sha256_of(ghg / n)}.csv" for n in ("good.csv", "sub.csv/inner.csv"))


def test_text_that_is_likely_misdecoded_is_named(tmp_path):
    inbox, archive = _good_only(tmp_path)
    ghg = inbox / "ghg"
    (ghg / "western.csv").write_bytes(LATIN1.encode("latin-1"))  # decodes as GB18030, as rare Chinese characters
    (ghg / "cp1252.csv").write_bytes("Société,Café\nRéaumur,Hôtel\n".encode("cp1252"))  # decodes as neither
    (ghg / "chinese.csv").write_bytes(GOOD.encode("gb18030"))  # real GB18030: no note
    log = _log(read_inbox(inbox, archive, "ghg"))
    western = log["ghg/western.csv"]
    assert western["source_encoding"] == "gb18030" and "GB18030" in western["message"] and "cp1252" in western["message"]
    neither = log["ghg/cp1252.csv"]
    assert neither["file_status"] == "unrecognised" and "neither UTF-8 nor GB18030" in neither["message"]
    chinese = log["ghg/chinese.csv"]
    assert (chinese["file_status"], chinese["source_encoding"], chinese["message"]) == ("ingested", "gb18030", None)


def _cems_workspace(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    cems = ws.inbox / "cems"
    pl.DataFrame({"MN": ["MN01"], "DataTime": ["20230101000000"], "a21026-Cou": [1.5], "a21026-Flag": ["N"]}
                 ).write_parquet(cems / "410100_2023_小时数据.parquet")
    (cems / "~$对照表.xlsx").write_bytes(b"owner")
    (cems / ".DS_Store").write_bytes(b"\0")
    (cems / "readme.txt").write_text("说明", encoding="utf-8")
    return ws


def _ingest_cems(ws: Workspace) -> pl.DataFrame:
    """The CEMS read as the asset runs it, its file log written where the scan looks for it."""
    outlets = pl.DataFrame({"mn": ["MN01"], "permit_no": ["91410100MA00000001001P"], "outlet_code": ["DA001"],
                            "city_code": ["410100"]})
    log = ingest(CemsStore(ws.parquet / "core_cems__hourly"), ws.inbox / "cems", ws.archive, outlets, [])
    pandera_schema("core_cems__file_counts").validate(conform(log, "core_cems__file_counts"))  # the build's contract
    log.write_parquet(file_log(ws, "cems"))
    return log


@pytest.mark.slow  # ingests a CEMS store and evaluates the Dagster sensor
def test_read_parquet_is_neither_new_nor_removed_and_starts_no_run(tmp_path):
    ws = _cems_workspace(tmp_path)
    changes = inbox_changes(ws)["cems"]
    assert [f.name for f in changes.new] == ["cems/410100_2023_小时数据.parquet"] and changes.years() == {2023}
    log = _ingest_cems(ws)
    assert dict(zip(log["source_file"], log["file_status"], strict=True)) == {
        "cems/410100_2023_小时数据.parquet": "ingested", "cems/~$对照表.xlsx": "skipped", "cems/.DS_Store": "skipped",
        "cems/readme.txt": "unrecognised"}
    assert log.filter(pl.col("file_status") == "ingested")["rows_accepted"].to_list() == [1]
    assert inbox_changes(ws) == {}  # not listed as removed (`synergy status`), nor the skipped entries
    config = SynergyConfig(home=str(ws.home))
    defs = build_defs({"synergy": config})
    for name in TABLES:  # what that build published (the plan checks the tables exist, not their contents)
        if not stored_files(ws.parquet, name):
            pl.DataFrame(schema=polars_schema(TABLES[name])).write_parquet(ws.parquet / f"{name}.parquet")
    ws.warehouse.touch()
    with dg.instance_for_test() as instance:  # the sensor compares with the last build: record one over this inbox
        built = plan_build(ws, instance, defs.resolve_asset_graph(), config, full=True)
        instance.add_run(dg.DagsterRun(job_name="build_all", tags=built.tags, status=dg.DagsterRunStatus.SUCCESS))
        with dg.build_sensor_context(instance=instance, definitions=defs, resources={"synergy": config}) as context:
            assert isinstance(inbox_sensor(context), dg.SkipReason)
    (ws.inbox / "cems" / "410100_2023_小时数据.parquet").unlink()  # a read file that goes is a change
    assert inbox_changes(ws)["cems"].removed == ["cems/410100_2023_小时数据.parquet"]


def test_ingest_refuses_what_the_build_would_skip_and_never_writes_through_a_symlink(tmp_path):
    drop = tmp_path / "drop"
    (drop / "nested").mkdir(parents=True)
    (drop / "report.csv").write_text(GOOD, encoding="utf-8")
    (drop / "nested" / "more.xlsx").write_bytes(b"PK")
    (drop / "..csv").write_text(GOOD, encoding="utf-8")
    (drop / "~$report.xlsx").write_bytes(b"owner")
    (drop / "notes.docx").write_bytes(b"PK")
    (drop / "passwd.csv").symlink_to("/etc/passwd")
    (drop / ".hidden").mkdir()
    (drop / ".hidden" / "x.csv").write_text(GOOD, encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(drop / "report.csv")
    plan = {p.relative_to(tmp_path).as_posix(): (r.status, r.en) if r else None
            for p, r in ingest_plan([drop, link, tmp_path / "missing.csv"])}
    assert {k: v and v[0] for k, v in plan.items()} == {
        "drop/report.csv": None, "drop/nested/more.xlsx": None, "drop/..csv": "skipped", "drop/~$report.xlsx": "skipped",
        "drop/notes.docx": "unrecognised", "drop/passwd.csv": "skipped", "drop/.hidden": "skipped",
        "link.csv": "skipped", "missing.csv": "unreadable"}
    assert "symbolic link" in plan["link.csv"][1] and "unsupported file type '.docx'" in plan["drop/notes.docx"][1]
    outside = tmp_path / "outside.csv"
    outside.write_text("keep", encoding="utf-8")
    target = tmp_path / "inbox" / "ghg" / "report.csv"
    target.parent.mkdir(parents=True)
    target.symlink_to(outside)  # planted in the inbox: the copy replaces the link, the file it points to stays
    copy_into_inbox(drop / "report.csv", target)
    assert outside.read_text(encoding="utf-8") == "keep"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == GOOD
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.csv"]  # no partial copy left behind
    with pytest.raises(OSError):
        copy_into_inbox(drop / "passwd.csv", tmp_path / "inbox" / "ghg" / "passwd.csv")


def test_entries_outside_the_source_folders_are_named_by_status(tmp_path):
    from pipelines.orchestration.status import UNSORTED, unsorted_entries
    from pipelines.workspace import Workspace, init_workspace

    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    (ws.inbox / "根目录.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (ws.inbox / "ghgg").mkdir()  # a misspelt source folder
    (ws.inbox / ".hidden").write_text("x", encoding="utf-8")
    found = {e.path: e for e in unsorted_entries(ws)}
    assert set(found) == {"根目录.csv", "ghgg/"}
    assert found["根目录.csv"].source == UNSORTED and found["根目录.csv"].size == 8 and not found["根目录.csv"].removed


def test_status_names_what_the_builds_ignore_of_the_override_files(tmp_path):
    from pipelines.orchestration.status import config_problems
    from pipelines.workspace import Workspace, init_workspace

    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    assert config_problems(ws) == ()
    (ws.config / "limits.toml").write_text('[read]\ncsv_mb = "lots"\n', encoding="utf-8")
    (ws.config / "plausibility_bounds.csv").write_text(
        "quantity,unit,lower,upper,basis_zh,basis_en,status\nno_such,t,0,1,,,\nfuel_mass_t,t,0,5e7,收紧,narrowed,test\n",
        encoding="utf-8")
    problems = config_problems(ws)
    assert len(problems) == 2  # the malformed limits file and the unknown quantity; the narrowed bound is fine
    assert "csv_mb" in problems[0] and "row 2" in problems[1] and "no_such" in problems[1]
