"""The instance's SQLite files run in WAL mode with synchronous NORMAL; other SQLite files are left alone."""

import shutil
import sqlite3
from importlib.resources import files
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import create_engine, text

from pipelines.orchestration.run_storage import use_wal_for_instance


def _journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA journal_mode").fetchone()[0]


def test_instance_files_use_wal_and_others_do_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(str(files("pipelines.orchestration") / "dagster_instance.yaml"), home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    use_wal_for_instance()
    use_wal_for_instance()  # twice: one listener, not two

    @dg.op
    def noop() -> int:
        return 1

    @dg.job
    def one_step() -> None:
        noop()

    with dg.DagsterInstance.get() as instance:
        run = instance.create_run_for_job(one_step)
        instance.report_engine_event("stored", run)
        assert [e.message for e in instance.all_logs(run.run_id)] == ["stored"]
    databases = sorted(home.rglob("*.db"))
    assert databases, "the instance wrote no SQLite file"
    assert {p.name: _journal_mode(p) for p in databases} == {p.name: "wal" for p in databases}

    elsewhere = tmp_path / "other.db"
    with create_engine(f"sqlite:///{elsewhere}").connect() as con:
        con.execute(text("CREATE TABLE t (x INTEGER)"))
        assert con.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL, SQLite's default, untouched
    assert _journal_mode(elsewhere) == "delete"


def test_network_filesystems_are_recognised(monkeypatch: pytest.MonkeyPatch) -> None:
    """The longest mount point above a folder decides; an NFS share under a local root is a network one."""
    from collections import namedtuple

    from pipelines.orchestration import run_storage

    part = namedtuple("part", "mountpoint fstype")
    mounts = [part("/", "ext4"), part("/srv/shared", "nfs4"), part("/srv", "xfs")]
    monkeypatch.setattr(run_storage.psutil, "disk_partitions", lambda all: mounts)
    run_storage.on_network_filesystem.cache_clear()
    try:
        assert run_storage.on_network_filesystem(Path("/srv/shared/ws/dagster"))
        assert not run_storage.on_network_filesystem(Path("/srv/local/ws/dagster"))
        assert not run_storage.on_network_filesystem(Path("/home/ws/dagster"))
        assert run_storage.on_network_filesystem(Path("/srv/shared"))
    finally:
        run_storage.on_network_filesystem.cache_clear()
