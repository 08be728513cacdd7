"""Output folders and files that a reader sees either whole, as last written, or whole, as now written: never half.

`atomic_dir(target, ours)` gives a fresh sibling folder `.<name>.building-<pid>-<random>` to write into; when the
block ends without an exception the old folder is renamed aside (`.<name>.old-<pid>-<random>`), the new one renamed
in and the old one deleted. An exception deletes the new folder and leaves the old one as it was. A crash (kill,
power cut) leaves at most a hidden sibling; the next run removes those of processes that are gone (a live process
may still be writing its own). Between the two renames the target is absent for an instant; it is never partial.

The rule for a folder the user names (`synergy export --out DIR`, `synergy report --out DIR`): the swap replaces the
whole folder, so a folder that exists must hold only files a previous run of the same export wrote (`ours(folder)`:
for the inventory export the files its manifest.json lists, for the report its HTML and charts). Anything else and
the export stops with a clear zh/en error before writing anything: the user's own files are never deleted. An empty
or missing folder is always fine; the default exports/<year>/ and reports/<year>/ only ever hold our files.

`atomic_files(folder)` is for exports that add files to a folder they share (the register export: several year
ranges, or the user's folder): each file is written under a temporary name beside its final one and only renamed
(os.replace, atomic) once every file of the set is written, so nothing else in the folder is touched.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

SHOWN_FOREIGN = 5  # files named in the refusal; the rest are counted
_ACTIVE: set[Path] = set()  # temporaries of this process now in use: never stale, whatever their pid says


class OutputDirError(RuntimeError):
    """The output folder cannot be replaced: it holds files we did not write, or it is not a folder."""


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (one we may not signal runs too): a leftover of a dead
    process is stale, one of a live process may still be in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _temporary(folder: Path, name: str, kind: str) -> Path:
    """`.<name>.<kind>-<pid>-<random>` in folder: unique, hidden, and marked with the process that owns it."""
    path = folder / f".{name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
    _ACTIVE.add(path)
    return path


def remove_stale(folder: Path, name: str) -> list[Path]:
    """Delete the `.<name>.building-*` / `.<name>.old-*` leftovers of crashed runs; returns what was deleted."""
    pattern = re.compile(rf"\.{re.escape(name)}\.(?:building|old)-(\d+)(?:-[0-9a-f]+)?")
    removed = []
    for path in folder.glob(".*") if folder.is_dir() else ():
        found = pattern.fullmatch(path.name)
        if not found or path in _ACTIVE or (int(found.group(1)) != os.getpid() and process_alive(int(found.group(1)))):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def foreign_files(folder: Path, ours: Collection[str]) -> list[str]:
    """Files (relative, /-separated) under folder that are not in `ours`; folders themselves do not count."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if not p.is_dir() and p.relative_to(folder).as_posix() not in ours)


def _check_replaceable(target: Path, ours: Callable[[Path], Collection[str]], error: type[Exception]) -> None:
    """Refuse (zh/en) a target that is a file, or a folder holding files a previous run of this export did not write."""
    if not target.exists():
        return
    if not target.is_dir():
        raise error(f"{target} 不是文件夹 / is not a folder: 请指定一个文件夹 / give a folder to write into")
    foreign = foreign_files(target, ours(target))
    if foreign:
        named = ", ".join(foreign[:SHOWN_FOREIGN]) + (f" … (+{len(foreign) - SHOWN_FOREIGN})"
                                                      if len(foreign) > SHOWN_FOREIGN else "")
        raise error(f"{target} 中有不是本导出写入的文件, 导出会替换整个文件夹 / holds files this export did not write, and "
                    f"the export replaces the whole folder: {named}; 请换一个空文件夹或先移走这些文件 / "
                    "choose an empty folder or move these files away first")


@contextmanager
def atomic_dir(target: Path, ours: Callable[[Path], Collection[str]],
               error: type[Exception] = OutputDirError) -> Iterator[Path]:
    """Yield an empty folder to write into; on success it becomes `target` in one swap, on failure it disappears.

    `ours(folder)` names the files (relative, /-separated) an earlier run put in an existing target: any other file
    there raises `error` (the caller's own error type, so its CLI reports it) before anything is written.
    """
    target = Path(os.path.abspath(target))
    if target.is_symlink():  # a linked folder: replace the folder it points to, keep the link
        target = target.resolve()
    parent, name = target.parent, target.name
    _check_replaceable(target, ours, error)
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent, name)
    building = _temporary(parent, name, "building")
    old = _temporary(parent, name, "old")
    try:
        building.mkdir()
        yield building
        _check_replaceable(target, ours, error)  # a file may have been put there while we wrote
        if target.exists():
            shutil.copymode(target, building)  # keep the folder's permissions, as an in-place write would
            os.rename(target, old)
        try:
            os.rename(building, target)
        except BaseException:
            if old.exists():
                os.rename(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(building, ignore_errors=True)
        _ACTIVE.difference_update((building, old))


@contextmanager
def atomic_files(folder: Path) -> Iterator[Callable[[str], Path]]:
    """Yield `stage(name)`, the temporary path to write the file `name` of folder to; all are renamed in at the end.

    On an exception no staged file is renamed and every temporary is deleted: the folder keeps its previous files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, Path] = {}

    def stage(name: str) -> Path:
        remove_stale(folder, name)
        staged[folder / name] = _temporary(folder, name, "building")
        return staged[folder / name]

    try:
        yield stage
        for final, temporary in staged.items():
            os.replace(temporary, final)
    finally:
        for temporary in staged.values():
            temporary.unlink(missing_ok=True)
        _ACTIVE.difference_update(staged.values())
