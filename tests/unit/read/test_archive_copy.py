"""The archive copy of an inbox file: exactly the bytes its SHA-256 names, made as cheaply as the filesystem allows
(reflink, else the kernel's copy, else Python's), and never shared with the inbox file."""

from __future__ import annotations

import hashlib
import os

import pytest

from pipelines.read import files
from pipelines.read.files import archive_copy, clone_or_copy

CONTENT = os.urandom(3 * files.CHUNK + 123)  # several chunks and a ragged end


@pytest.fixture
def inbox_file(tmp_path):
    path = tmp_path / "inbox" / "410100_2023_小时数据.parquet"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path


def test_the_archive_holds_the_bytes_its_name_says(inbox_file, tmp_path):
    digest, target = archive_copy(inbox_file, tmp_path / "archive")
    assert digest == hashlib.sha256(CONTENT).hexdigest()
    assert target.name == f"{digest}.parquet" and target.read_bytes() == CONTENT
    assert not list(target.parent.glob("*.tmp*"))


def test_a_later_write_to_the_inbox_file_never_reaches_the_archive(inbox_file, tmp_path):
    _, target = archive_copy(inbox_file, tmp_path / "archive")
    with inbox_file.open("r+b") as handle:  # rewritten in place, as `cp new old` does
        handle.write(b"\0" * 64)
    assert target.read_bytes() == CONTENT
    assert os.stat(target).st_ino != os.stat(inbox_file).st_ino  # a copy, not a hard link


@pytest.mark.parametrize("missing", [(), ("ioctl",), ("ioctl", "copy_file_range")])
def test_each_way_of_copying_gives_the_same_bytes(inbox_file, tmp_path, monkeypatch, missing):
    def refuse(*_args, **_kwargs):
        raise OSError(95, "Operation not supported")

    if "ioctl" in missing:
        import fcntl

        monkeypatch.setattr(fcntl, "ioctl", refuse)
    if "copy_file_range" in missing:
        monkeypatch.setattr(os, "copy_file_range", refuse)
    out = tmp_path / "copy"
    with inbox_file.open("rb") as source, out.open("wb") as target:
        source.read(10)  # wherever the reader left it, the copy starts at the beginning
        how = clone_or_copy(source, target)
    assert out.read_bytes() == CONTENT
    if "copy_file_range" in missing:
        assert how == "copy"
    elif "ioctl" in missing:
        assert how == "kernel copy"
    else:
        assert how in ("reflink", "kernel copy")  # reflink where the filesystem clones (btrfs, XFS)
