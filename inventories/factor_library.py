"""Load, validate and query an emission-factor set: a folder holding `factor_set.yaml` and `factors.csv`.

Users point a build at their own folder (a newly published grid factor, a foreign set such as EPA's)
without code changes; a bad file stops the build with a message naming file, row and column, because a
silently wrong factor would poison every number downstream. Values are converted to canonical units on
load (`value_canonical`), so a set written in kg CO2/mmBtu gives the same tonnes as one in tCO2/GJ.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from inventories.reference import FACTORS
from inventories.units import UNITS, canonical_columns
from schemas.fields import FACTOR_STATUSES

DEFAULT_FACTOR_SET = FACTORS / "cn_default"

FACTOR_COLUMNS = ("factor_id", "parameter", "fuel_code", "sector", "guideline", "value", "unit", "source_doc",
                  "doc_no", "clause", "data_year", "valid_from", "valid_to", "status", "evidence")
OPTIONAL_COLUMNS = ("technology", "region_code", "superseded_by")  # may be absent from a user's set
_REQUIRED_VALUES = ("factor_id", "parameter", "sector", "guideline", "value", "unit", "source_doc", "status")


class FactorSetError(ValueError):
    """A factor set that cannot be used; the message is bilingual and names file, row and column."""


@dataclass(frozen=True)
class FactorSet:
    name: str
    version: str
    path: Path
    factors: pl.DataFrame
    label: str  # what every inventory row records as `factor_set`, base sets included

    def scalar(self, parameter: str, required: bool = True) -> float | None:
        """The canonical value of a parameter that has exactly one row (e.g. gj_per_tce); None if absent and optional."""
        rows = self.factors.filter((pl.col("parameter") == parameter) & pl.col("superseded_by").is_null())
        if rows.height == 0 and not required:
            return None
        if rows.height != 1:
            raise FactorSetError(f"因子库 {self.label} 需要恰好一行 {parameter} / needs exactly one '{parameter}' row "
                                 f"(found {rows.height})")
        return float(rows["value_canonical"][0])


def _error(csv_path: Path, row: int, column: str, zh: str, en: str) -> FactorSetError:
    return FactorSetError(f"{csv_path} 第{row}行 列[{column}]: {zh} / row {row}, column {column}: {en}")


def _check_rows(raw: pl.DataFrame, csv_path: Path) -> None:
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
        if record["unit"] not in UNITS:
            raise _error(csv_path, row, "unit", f"无法识别的单位 {record['unit']!r}（可用: {', '.join(UNITS)}）",
                         f"unknown unit {record['unit']!r} (known: {', '.join(UNITS)})")


def load_factor_set(folder: Path | str = DEFAULT_FACTOR_SET) -> FactorSet:
    """Read and validate a factor-set folder; returns typed factors with `factor_set` and canonical values.

    `extends: <set>` in factor_set.yaml (a folder name under inventories/factors/ or a path relative to the
    folder) layers the set on another: its rows replace the base rows with the same factor_id and add the
    rest, so a bureau can ship one newly published grid factor without copying the library. The label then
    names both, e.g. `henan_2026@1+cn_default@2026.12`.
    """
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
    raw = raw.with_columns(pl.lit(None, pl.String).alias(c) for c in OPTIONAL_COLUMNS if c not in raw.columns)
    raw = raw.select(*FACTOR_COLUMNS, *OPTIONAL_COLUMNS).with_columns(pl.all().str.strip_chars())
    raw = raw.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in raw.columns)
    _check_rows(raw, csv_path)
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
    known_ids = factors["factor_id"].implode()
    unknown = factors.filter(pl.col("superseded_by").is_not_null() & ~pl.col("superseded_by").is_in(known_ids))
    if unknown.height:
        raise FactorSetError(f"{csv_path}: superseded_by 指向不存在的因子 / superseded_by names unknown factor ids "
                             f"{unknown['superseded_by'].to_list()}")
    label = f"{meta['name']}@{meta['version']}"
    factors = canonical_columns(factors)
    if meta.get("extends"):
        base = load_factor_set(_base_folder(folder, str(meta["extends"])))
        kept = base.factors.drop("factor_set").join(factors.select("factor_id"), on="factor_id", how="anti")
        factors = pl.concat([kept, factors], how="vertical_relaxed")
        label = f"{label}+{base.label}"
    return FactorSet(name=str(meta["name"]), version=str(meta["version"]), path=folder,
                     factors=factors.with_columns(pl.lit(label).alias("factor_set")), label=label)


def _base_folder(folder: Path, extends: str) -> Path:
    for candidate in (FACTORS / extends, folder / extends):
        if (candidate / "factor_set.yaml").is_file() and candidate.resolve() != folder.resolve():
            return candidate
    raise FactorSetError(f"{folder / 'factor_set.yaml'}: extends 指向的因子库不存在 {extends!r} / "
                         f"extends names no factor set {extends!r}")


def select_factors(requests: pl.DataFrame, factors: pl.DataFrame, parameter: str) -> pl.DataFrame:
    """The one factor row that applies to each request, for one parameter.

    `requests` has request_key, year and any of fuel_code, fuel_group, sector, technology, region_code,
    guideline (missing or null columns match only factor rows that leave that column blank or 'all').
    Order of preference: exact fuel, then fuel group, then a fuel-less row; the request's sector before
    'all'; exact technology before a technology-less row; exact region, then its province, then 'CN', then
    region-less; the latest data year. Rows whose validity window excludes 31 December of the year, and
    superseded rows, are never taken. Returns request_key, value (canonical), unit_canonical, factor_id, status.
    """
    wanted = ("fuel_code", "fuel_group", "sector", "technology", "region_code", "guideline")
    req = requests.with_columns(pl.lit(None, pl.String).alias(c) for c in wanted if c not in requests.columns)
    req = req.select("request_key", pl.date(pl.col("year"), 12, 31).alias("_ref"),
                     *(pl.col(c).cast(pl.String).alias(f"_r_{c}") for c in wanted))
    cand = factors.filter((pl.col("parameter") == parameter) & pl.col("superseded_by").is_null()).select(
        "factor_id", "status", "unit_canonical", pl.col("value_canonical").alias("value"), "data_year",
        "valid_from", "valid_to", *(pl.col(c).alias(f"_f_{c}") for c in ("fuel_code", "sector", "technology",
                                                                           "region_code", "guideline")))
    if cand.is_empty() or req.is_empty():
        return pl.DataFrame(schema={"request_key": pl.String, "value": pl.Float64, "unit_canonical": pl.String,
                                    "factor_id": pl.String, "status": pl.String})
    province = pl.col("_r_region_code").str.slice(0, 2) + "0000"
    ranked = (
        req.join(cand, how="cross")
        .with_columns(
            pl.when(pl.col("_f_fuel_code") == pl.col("_r_fuel_code")).then(0)
            .when(pl.col("_f_fuel_code") == pl.col("_r_fuel_group")).then(1)
            .when(pl.col("_f_fuel_code").is_null()).then(2).alias("_fuel_rank"),
            pl.when(pl.col("_f_sector") == pl.col("_r_sector")).then(0)
            .when(pl.col("_f_sector") == "all").then(1).alias("_sector_rank"),
            pl.when(pl.col("_f_technology") == pl.col("_r_technology")).then(0)
            .when(pl.col("_f_technology").is_null()).then(1).alias("_tech_rank"),
            pl.when(pl.col("_f_region_code") == pl.col("_r_region_code")).then(0)
            .when(pl.col("_f_region_code") == province).then(1)
            .when(pl.col("_f_region_code") == "CN").then(2)
            .when(pl.col("_f_region_code").is_null()).then(3).alias("_region_rank"),
            (pl.col("_r_guideline").is_null() | (pl.col("_f_guideline") == pl.col("_r_guideline"))).alias("_guideline_ok"),
        )
        .filter(
            pl.col("_fuel_rank").is_not_null() & pl.col("_sector_rank").is_not_null() & pl.col("_tech_rank").is_not_null()
            & pl.col("_region_rank").is_not_null() & pl.col("_guideline_ok")
            & (pl.col("valid_from").is_null() | (pl.col("valid_from") <= pl.col("_ref")))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("_ref")))
        )
        .sort(["request_key", "_sector_rank", "_fuel_rank", "_tech_rank", "_region_rank", "data_year", "factor_id"],
              descending=[False, False, False, False, False, True, False], nulls_last=True)
        .unique("request_key", keep="first", maintain_order=True)
    )
    return ranked.select("request_key", "value", "unit_canonical", "factor_id", "status")
