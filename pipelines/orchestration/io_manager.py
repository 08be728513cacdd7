"""Parquet IO manager: each asset is one Parquet file under $SYNERGY_HOME/parquet/, a yearly asset one file per year.

Files are written to a temporary name and renamed, so a crashed step never leaves a torn file; temporary files
a killed process left behind are removed by the next write. Every output carries the run metadata the data
team audits a build with (pipelines.orchestration.run_metadata).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.orchestration.run_metadata import note_rows_loaded, output_metadata
from pipelines.read.files import sha256_of
from schemas.generate import polars_schema
from schemas.tables import TABLES

TMP_MARK = ".tmp"


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write Parquet beside `path` and rename it in; stale temporaries of this file from dead processes go first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"{path.stem}{TMP_MARK}*"):
        stale.unlink(missing_ok=True)
    tmp = path.with_suffix(f"{TMP_MARK}{os.getpid()}")
    frame.write_parquet(tmp, statistics=True)
    os.replace(tmp, path)


def table_path(base_dir: Path, name: str) -> Path:
    """Where an unpartitioned asset is stored."""
    return base_dir / f"{name}.parquet"


def year_path(base_dir: Path, name: str, year: str) -> Path:
    """Where one year of a yearly asset is stored."""
    return base_dir / name / f"year={year}.parquet"


def _read_years(paths: list[Path]) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(p) for p in paths], how="vertical")


def stored_files(base_dir: Path, name: str) -> list[Path]:
    """The Parquet files a table is stored in: its one file, or every stored year (none if never built)."""
    if (single := table_path(base_dir, name)).exists():
        return [single]
    pattern = year_path(base_dir, name, "*")
    return sorted(pattern.parent.glob(pattern.name))


def read_stored(base_dir: Path, name: str) -> pl.DataFrame:
    """A table as the IO manager stored it: its one file, or every stored year; empty, with its schema, if never built."""
    if files := stored_files(base_dir, name):
        return _read_years(files)
    return pl.DataFrame(schema=polars_schema(TABLES[name]))


def stored_version(base_dir: Path, name: str) -> str:
    """A digest of the names and SHA-256 of a table's files: a step that ran again but wrote the same rows in the
    same order leaves it as it was (some 20 ms for the published tables of the demo, 5 MB)."""
    digest = hashlib.sha256()
    for path in stored_files(base_dir, name):
        digest.update(f"{path.relative_to(base_dir).as_posix()} {sha256_of(path)}\n".encode())
    return digest.hexdigest()


class StoredTables(Mapping[str, pl.DataFrame]):
    """Stored tables read when asked for, one at a time: publishing then holds one table in memory, not all of them."""

    def __init__(self, base_dir: Path, names: tuple[str, ...]) -> None:
        self.base_dir, self.names = base_dir, names

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self.names:
            raise KeyError(name)
        return read_stored(self.base_dir, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


class ParquetIOManager(dg.ConfigurableIOManager):
    """Knows where tables live, nothing of the run's settings: a table's factor set is read from its own rows."""

    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return table_path(Path(self.base_dir), "__".join(key.path))

    def _year_path(self, key: dg.AssetKey, year: str) -> Path:
        return year_path(Path(self.base_dir), "__".join(key.path), year)

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        if context.has_asset_partitions:
            years = sorted(context.asset_partition_keys)
            stray = obj.filter(~pl.col("year").cast(pl.String).is_in(years))
            if stray.height:
                raise ValueError(f"{context.asset_key.to_user_string()}: {stray.height} rows of years "
                                 f"{sorted(stray['year'].unique().to_list())} outside the run's years {years}")
            counts = []
            for year in years:
                part = obj.filter(pl.col("year") == int(year))
                write_atomic(part, self._year_path(context.asset_key, year))
                counts.append(f"{year}: {part.height}")
            location = str(self._year_path(context.asset_key, "*"))
            context.add_output_metadata({"rows_by_year": ", ".join(counts)})
        else:
            write_atomic(obj, self._path(context.asset_key))
            location = str(self._path(context.asset_key))
        metadata = output_metadata(context, obj, Path(self.base_dir))
        context.add_output_metadata({**metadata, "path": location})

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        if context.has_asset_partitions:
            frame = self._load_years(context.asset_key, sorted(context.asset_partition_keys))
        else:
            frame = pl.read_parquet(self._path(context.asset_key))
        note_rows_loaded(context, frame.height)
        return frame

    def _load_years(self, key: dg.AssetKey, years: list[str]) -> pl.DataFrame:
        """The materialised years among `years`, oldest first; a year never built is simply absent."""
        paths = [p for y in years if (p := self._year_path(key, y)).exists()]
        if paths:
            return _read_years(paths)
        name = key.path[-1]
        if name in TABLES:
            return pl.DataFrame(schema=polars_schema(TABLES[name]))
        raise FileNotFoundError(f"{key.to_user_string()}: 所需年度尚未构建 / none of the years {years} has been built; "
                                "build them first (synergy build --years …)")
