"""Atomic output folders and files (pipelines/deliver/output_dirs.py): the old content or the new, never half."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.deliver.output_dirs import OutputDirError, atomic_dir, atomic_files

OURS = {"a.csv", "b.csv", "plots/c.svg"}


def _ours(_: Path) -> set[str]:
    return OURS


def _content(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(tmp_path) -> Path:
    """exports/2023 as an earlier run left it."""
    target = tmp_path / "exports" / "2023"
    (target / "plots").mkdir(parents=True)
    (target / "a.csv").write_text("old a")
    (target / "plots" / "c.svg").write_text("old c")
    return target


def _dead_pid() -> int:
    """An id no process has: above the kernel's maximum."""
    limit = Path("/proc/sys/kernel/pid_max")
    return int(limit.read_text()) + 1 if limit.exists() else 2**31 - 2


def test_failure_leaves_the_previous_folder_and_no_temporary(previous):
    before = _content(previous)
    with pytest.raises(RuntimeError, match="midway"), atomic_dir(previous, _ours) as folder:
        (folder / "a.csv").write_text("new a")
        raise RuntimeError("crash midway")
    assert _content(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["2023"]


def test_success_replaces_the_whole_content(previous):
    with atomic_dir(previous, _ours) as folder:
        assert folder != previous and folder.parent == previous.parent and not any(folder.iterdir())
        (folder / "b.csv").write_text("new b")
        assert _content(previous)["a.csv"] == b"old a"  # nothing visible until the block ends
    assert _content(previous) == {"b.csv": b"new b"}  # a.csv and plots/c.svg, not written this time, are gone
    assert sorted(p.name for p in previous.parent.iterdir()) == ["2023"]


def test_a_new_folder_and_its_parents_are_created(tmp_path):
    target = tmp_path / "a" / "b" / "2023"
    with atomic_dir(target, _ours) as folder:
        (folder / "a.csv").write_text("x")
    assert _content(target) == {"a.csv": b"x"}


def test_stale_temporaries_of_gone_processes_are_removed_live_ones_kept(previous):
    parent, dead = previous.parent, _dead_pid()
    stale = [parent / f".2023.building-{dead}-0a1b2c3d", parent / f".2023.old-{dead}", parent / f".2023.old-{dead}-ffff0000"]
    for path in stale:
        (path / "plots").mkdir(parents=True)
        (path / "plots" / "half.svg").write_text("half")
    (parent / f".2023.building-{dead}-00000001.txt").write_text("not ours: another name")
    other_year = parent / f".2022.building-{dead}-0a1b2c3d"
    other_year.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = parent / f".2023.building-{sleeper.pid}-0a1b2c3d"
        live.mkdir()
        with atomic_dir(previous, _ours) as folder:
            assert not any(path.exists() for path in stale)
            (folder / "a.csv").write_text("new a")
        assert live.is_dir(), "another process may still be writing it"
    finally:
        sleeper.kill()
        sleeper.wait()
    assert other_year.is_dir() and (parent / f".2023.building-{dead}-00000001.txt").is_file()
    assert _content(previous) == {"a.csv": b"new a"}


def test_a_folder_with_files_we_did_not_write_is_refused_untouched(previous):
    (previous / "my notes.docx").write_text("the user's")
    before = _content(previous)
    with pytest.raises(OutputDirError, match=r"my notes\.docx.*choose an empty folder"), atomic_dir(previous, _ours):
        pytest.fail("nothing may be written")
    assert _content(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["2023"]
    (previous.parent / "file").write_text("x")
    with pytest.raises(ValueError, match="is not a folder"), atomic_dir(previous.parent / "file", _ours, ValueError):
        pass


def test_a_linked_folder_keeps_its_link(previous, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(previous, target_is_directory=True)
    with atomic_dir(link, _ours) as folder:
        (folder / "a.csv").write_text("via link")
    assert link.is_symlink() and _content(link) == {"a.csv": b"via link"} == _content(previous)


def test_atomic_files_rename_all_or_nothing(tmp_path):
    (tmp_path / "keep.txt").write_text("the user's")
    (tmp_path / "r.csv").write_text("old r")
    (tmp_path / f".r.csv.building-{_dead_pid()}-12345678").write_text("half")
    with pytest.raises(RuntimeError), atomic_files(tmp_path) as stage:
        stage("r.csv").write_text("new r")
        stage("s.csv").write_text("new s")
        raise RuntimeError("crash")
    assert _content(tmp_path) == {"keep.txt": b"the user's", "r.csv": b"old r"}
    with atomic_files(tmp_path) as stage:
        staged = stage("r.csv")
        staged.write_text("new r")
        assert staged.parent == tmp_path and staged.name.startswith(f".r.csv.building-{os.getpid()}-")
        stage("s.csv").write_text("new s")
    assert _content(tmp_path) == {"keep.txt": b"the user's", "r.csv": b"new r", "s.csv": b"new s"}
