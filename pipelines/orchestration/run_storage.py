"""The Dagster instance's SQLite files in write-ahead-log mode with `synchronous = NORMAL`.

Why: Dagster's SQLite event log opens a connection per event and commits it; in SQLite's default rollback-journal
mode with `synchronous = FULL` every commit waits for the disk twice. A build stores about a thousand events (step
starts, outputs, materialisations, check results), so on a small world the waiting was a third of the build's time
(py-spy, 100 sites). In WAL mode with NORMAL a commit does not wait for the disk; the database stays consistent
after a crash of the process or of the machine, and a power cut can lose only the last commits (SQLite's
documentation, "Write-Ahead Logging" and "PRAGMA synchronous"). The warehouse is not touched: DuckDB, not SQLite.

Only connections to files under $DAGSTER_HOME are changed, and only where that folder is on a local disk: WAL needs
shared memory between the processes that open a file, which a network filesystem (NFS, SMB: the scale-out's shared
workspace, docs/operations.md) does not give, so there the files keep SQLite's defaults.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import event
from sqlalchemy.engine import Engine

NETWORK_FILESYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "fuse.sshfs",
                                  "afs", "lustre", "gpfs"})


@functools.cache
def on_network_filesystem(folder: Path) -> bool:
    """Whether the mount that holds `folder` (the longest mount point above it) is a network filesystem."""
    mounts = [(Path(p.mountpoint), p.fstype) for p in psutil.disk_partitions(all=True)]
    above = [(len(point.parts), fstype) for point, fstype in mounts if folder == point or point in folder.parents]
    return max(above, default=(0, ""))[1].lower() in NETWORK_FILESYSTEMS


def _instance_file(connection: sqlite3.Connection) -> bool:
    """Whether the connection's main database is a file under $DAGSTER_HOME, on a local disk."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return False
    rows = connection.execute("PRAGMA database_list").fetchall()
    main = next((file for _, name, file in rows if name == "main"), "")
    root = Path(home).resolve()
    return bool(main) and Path(main).resolve().is_relative_to(root) and not on_network_filesystem(root)


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection) or not _instance_file(dbapi_connection):
        return
    try:
        dbapi_connection.execute("PRAGMA journal_mode = WAL")  # stays set in the file; fails while another holds it
    except sqlite3.OperationalError:
        pass
    dbapi_connection.execute("PRAGMA synchronous = NORMAL")


def use_wal_for_instance() -> None:
    """Apply the settings to every SQLite connection this process opens to the instance's files (once per process)."""
    if not event.contains(Engine, "connect", _tune):
        event.listen(Engine, "connect", _tune)
