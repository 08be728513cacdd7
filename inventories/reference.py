"""Reference tables shipped with the methodology: fuels, regions, industries, sector scope, rules."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl
import yaml

from schemas.headers import normalise_text


def _package_folder() -> Path:
    """inventories/ as the import system found it, so an installed wheel reads the files it shipped (pyproject's
    package-data). pip installs a wheel as plain folders; the readers (polars, DuckDB, a copied factor set) need
    those real paths, so a zipped install is refused here rather than failing later on a half-read file."""
    folder = files("inventories")
    if not isinstance(folder, Path):
        raise ImportError(f"inventories 须安装为普通目录, 而非压缩包 / must be installed as a folder, not zipped: {folder}")
    return folder


PACKAGE = _package_folder()
REFERENCE = PACKAGE / "reference"
RULES = PACKAGE / "rules"
SQL = PACKAGE / "sql"
FACTORS = PACKAGE / "factors"


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False).with_columns(pl.all().fill_null(""))


@cache
def fuels() -> pl.DataFrame:
    """fuel_code, fuel_name_zh, fuel_group, fuel_unit_code, aliases_zh."""
    return _read(REFERENCE / "fuels.csv")


@cache
def fuel_name_lookup() -> dict[str, str]:
    """Normalised Chinese fuel name or alias -> fuel_code."""
    lookup: dict[str, str] = {}
    for row in fuels().iter_rows(named=True):
        for name in [row["fuel_name_zh"], *row["aliases_zh"].split("|")]:
            if name:
                lookup[normalise_text(name).replace(" ", "").upper()] = row["fuel_code"]
    return lookup


@cache
def regions() -> pl.DataFrame:
    """GB/T 2260 codes for Henan: region_code, region_name, level, parent_code, source."""
    return _read(REFERENCE / "regions_henan.csv")


@cache
def industries() -> pl.DataFrame:
    """GB/T 4754-2017 小类 table with section, division and group."""
    return _read(REFERENCE / "industries_gbt4754_2017.csv")


INDUSTRY_SEPARATORS = r"[，,、;；/／]"


@cache
def industry_groups() -> pl.DataFrame:
    """GB/T 4754-2017 中类: group_code, group_name, division_code, source."""
    return _read(REFERENCE / "industry_groups_gbt4754_2017.csv")


@cache
def _industry_name_lookup() -> dict[str, str]:
    return {normalise_text(r["industry_name"]).replace(" ", ""): r["industry_code"] for r in industries().iter_rows(named=True)}


def industry_code_of(names: str | None) -> str | None:
    """The GB/T 4754 code of the first 小类 named in a permit's 行业类别 ("淀粉及淀粉制品制造，热电联产" -> 1391).

    Permits list one industry per activity, the main one first; a name that is not a 小类 name is skipped.
    """
    for name in re.split(INDUSTRY_SEPARATORS, names or ""):
        code = _industry_name_lookup().get(normalise_text(name).replace(" ", ""))
        if code:
            return code
    return None


@cache
def sector_scope() -> pl.DataFrame:
    """Industry codes covered by the key-emitter rule, with sector, status and the data years a code is covered
    (first_data_year / last_data_year, null for open: 5611/5612 left the scope from 2022 data, methods-factors §10)."""
    return _read(RULES / "sector_scope.csv").with_columns(
        pl.col("first_data_year", "last_data_year").replace("", None).cast(pl.Int32))


def power_industry_codes() -> set[str]:
    """Codes whose units follow the power-sector guideline (发电设施)."""
    return set(sector_scope().filter(pl.col("sector_code") == "power")["industry_code"].to_list())


@cache
def key_emitter_rule() -> dict:
    """Thresholds and window of the key-emitter rule (inventories/rules/key_emitters.yaml)."""
    return yaml.safe_load((RULES / "key_emitters.yaml").read_text(encoding="utf-8"))


@cache
def accounting_settings() -> dict:
    """GWP set, grid-factor purpose and method hierarchy (inventories/rules/accounting.yaml)."""
    return yaml.safe_load((RULES / "accounting.yaml").read_text(encoding="utf-8"))


def city_of(region_code: str) -> str | None:
    """Prefecture code of a GB/T 2260 code; 济源 (4190xx) normalises to 419001."""
    if len(region_code) != 6 or not region_code.isdigit():
        return None
    if region_code.startswith("4190"):
        return "419001"
    return region_code[:4] + "00"


def city_code_expr(region_code: pl.Expr) -> pl.Expr:
    """`city_of` as a polars expression (null for anything but a 6-digit code)."""
    return (pl.when(~region_code.str.contains(r"^\d{6}$")).then(pl.lit(None, pl.String))
            .when(region_code.str.starts_with("4190")).then(pl.lit("419001"))
            .otherwise(region_code.str.slice(0, 4) + "00"))


@cache
def pollutants() -> pl.DataFrame:
    """pollutant, pollutant_name_zh, aliases_zh, hj524_code (status recalled), source."""
    return _read(REFERENCE / "pollutants.csv")


PLAUSIBILITY_BOUNDS = REFERENCE / "plausibility_bounds.csv"


@cache
def plausibility_bounds() -> pl.DataFrame:
    """quantity, unit, lower, upper, applies_to, basis_zh, basis_en, status: the packaged range of every believable
    number (pipelines.read.bounds applies it, with the workspace's override)."""
    return _read(PLAUSIBILITY_BOUNDS)


@cache
def pollutant_lookup() -> dict[str, str]:
    """Normalised Chinese/English name, alias or HJ 524 code -> canonical pollutant."""
    out: dict[str, str] = {}
    for row in pollutants().iter_rows(named=True):
        for name in [row["pollutant"], row["pollutant_name_zh"], row["hj524_code"], *row["aliases_zh"].split("|")]:
            if name:
                out[normalise_text(name).replace(" ", "").upper()] = row["pollutant"]
    return out


@cache
def region_name_lookup() -> dict[str, str]:
    """Henan region name (with or without 市/县/区) -> GB/T 2260 code; ambiguous short names are left out."""
    seen: dict[str, set[str]] = {}
    for row in regions().iter_rows(named=True):
        name = row["region_name"]
        for key in {name, name.rstrip("市县区") if len(name) > 2 else name}:
            seen.setdefault(key, set()).add(row["region_code"])
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
