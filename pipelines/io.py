"""Parquet IO manager: each asset is one Parquet file under $SYNERGY_HOME/parquet/.

Files are written to a temporary name and renamed, so a crashed step never leaves a torn file.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import polars as pl


class ParquetIOManager(dg.ConfigurableIOManager):
    base_dir: str

    def _path(self, key: dg.AssetKey) -> Path:
        return Path(self.base_dir) / f"{'__'.join(key.path)}.parquet"

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame) -> None:
        path = self._path(context.asset_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        obj.write_parquet(tmp, statistics=True)
        os.replace(tmp, path)
        context.add_output_metadata({"rows": obj.height, "path": str(path)})

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        return pl.read_parquet(self._path(context.asset_key))
