"""Load and validate an emission-factor set: a folder holding `factor_set.yaml` and `factors.csv`.

Users point a build at their own folder (a newly published grid factor, a foreign set) without code
changes; a bad file stops the build with a message naming file, row and column, because a silently
wrong factor would poison every number downstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from schemas.fields import FACTOR_STATUSES

DEFAULT_FACTOR_SET = Path(__file__).parent / "factors" / "cn_default"

FACTOR_COLUMNS = ("factor_id", "parameter", "fuel_code", "sector", "guideline", "value", "unit", "source_doc",
                  "doc_no", "clause", "data_year", "valid_from", "valid_to", "status", "evidence")
_REQUIRED_VALUES = ("factor_id", "parameter", "sector", "guideline", "value", "unit", "source_doc", "status")


class FactorSetError(ValueError):
    """A factor set that cannot be used; the message is bilingual and names file, row and column."""


@dataclass(frozen=True)
class FactorSet:
    name: str
    version: str
    path: Path
    factors: pl.DataFrame

    @property
    def label(self) -> str:
        """What every inventory row records as `factor_set`."""
        return f"{self.name}@{self.version}"


def _error(csv_path: Path, row: int, column: str, zh: str, en: str) -> FactorSetError:
    return FactorSetError(f"{csv_path} 第{row}行 列[{column}]: {zh} / row {row}, column {column}: {en}")


def load_factor_set(folder: Path | str = DEFAULT_FACTOR_SET) -> FactorSet:
    """Read and validate a factor-set folder; returns typed factors with a `factor_set` column."""
    folder = Path(folder)
    meta_path, csv_path = folder / "factor_set.yaml", folder / "factors.csv"
    for path in (meta_path, csv_path):
        if not path.is_file():
            raise FactorSetError(f"因子库缺少文件 {path} / factor set is missing {path}")
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    if not meta.get("name") or not meta.get("version"):
        raise FactorSetError(f"{meta_path}: 需要 name 与 version / needs 'name' and 'version'")
    raw = pl.read_csv(csv_path, infer_schema=False, encoding="utf8-lossy")
    missing = [c for c in FACTOR_COLUMNS if c not in raw.columns]
    if missing:
        raise FactorSetError(f"{csv_path}: 缺少列 {missing} / missing columns {missing}")
    raw = raw.select(FACTOR_COLUMNS).with_columns(pl.all().str.strip_chars())
    for index, record in enumerate(raw.iter_rows(named=True)):
        row = index + 2  # header is row 1
        for column in _REQUIRED_VALUES:
            if not record[column]:
                raise _error(csv_path, row, column, "不能为空", "must not be empty")
        if record["status"] not in FACTOR_STATUSES:
            raise _error(csv_path, row, "status", f"状态须为 {FACTOR_STATUSES}", f"status must be one of {FACTOR_STATUSES}")
        try:
            value = float(record["value"])
        except ValueError:
            raise _error(csv_path, row, "value", f"不是数字: {record['value']!r}", "not a number") from None
        if value < 0:
            raise _error(csv_path, row, "value", "不能为负", "must not be negative")
    factors = raw.with_columns(
        pl.col("value").cast(pl.Float64),
        pl.col("data_year").cast(pl.Int64, strict=False),
        pl.col("valid_from").str.to_date("%Y-%m-%d", strict=False),
        pl.col("valid_to").str.to_date("%Y-%m-%d", strict=False),
    )
    for column in ("valid_from", "valid_to"):
        bad = factors.with_row_index("i").filter(pl.col(column).is_null() & raw[column].is_not_null())
        if bad.height:
            raise _error(csv_path, int(bad["i"][0]) + 2, column, "日期须为 YYYY-MM-DD", "date must be YYYY-MM-DD")
    dupes = factors.filter(pl.col("factor_id").is_duplicated())
    if dupes.height:
        raise FactorSetError(f"{csv_path}: factor_id 重复 / duplicated factor_id {dupes['factor_id'].unique().to_list()}")
    label = f"{meta['name']}@{meta['version']}"
    factors = factors.with_columns(pl.lit(label).alias("factor_set"))
    return FactorSet(name=str(meta["name"]), version=str(meta["version"]), path=folder, factors=factors)
