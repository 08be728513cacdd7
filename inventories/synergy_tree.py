"""The city synergy index's indicator tree and settings, read from files and checked on load.

The tree (inventories/synergy_index/*.csv) and the settings (inventories/rules/synergy_index.yaml) are
configuration: a bureau changes a weight, an indicator or the normalisation there, never in code. Loading
refuses a tree whose weights do not add up, so a typo cannot silently skew an index.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from inventories.reference import RULES

SETTINGS_FILE = RULES / "synergy_index.yaml"
WEIGHT_TOLERANCE = 1e-9
# leaves the inventory computes (inventories/synergy_index.py); a tree may use any subset of them
INVENTORY_INDICATORS = ("co2_per_gdp", "coal_per_industrial_value_added", "coupling_coordination_degree",
                        "co2_gdp_decoupling_index", "co_reduction_enterprise_share", "key_emitter_reporting_share")
_TREE_COLUMNS = ("indicator_id", "parent_indicator_id", "indicator_level", "indicator_name", "weight", "direction",
                 "indicator_source", "indicator_unit", "weight_basis")


class IndexConfigError(ValueError):
    """The tree or settings file is inconsistent; the message names the file and the row."""


@dataclass(frozen=True)
class IndexSettings:
    tree_path: Path
    tree_label: str
    base_year: int
    normalisation: str
    clip: bool
    min_cities: int
    alpha: float
    beta: float
    city_inputs: dict[str, dict[str, str]]


def load_settings(path: Path = SETTINGS_FILE) -> IndexSettings:
    """The index settings; the tree path is relative to inventories/ unless absolute."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    norm = raw["normalisation"]
    if norm["method"] not in ("baseline_minmax", "baseline_ratio"):
        raise IndexConfigError(f"{path}: normalisation.method 应为 baseline_minmax 或 baseline_ratio / must be "
                               f"baseline_minmax or baseline_ratio, not {norm['method']!r}")
    if raw.get("missing", "renormalise") != "renormalise":
        raise IndexConfigError(f"{path}: missing 仅支持 renormalise / only renormalise is supported")
    alpha, beta = float(raw["coupling"]["alpha"]), float(raw["coupling"]["beta"])
    if abs(alpha + beta - 1) > WEIGHT_TOLERANCE:
        raise IndexConfigError(f"{path}: coupling.alpha + coupling.beta 应为1 / must add up to 1 ({alpha} + {beta})")
    tree = Path(raw["tree"])
    return IndexSettings(tree_path=tree if tree.is_absolute() else (path.parent.parent / tree),
                         tree_label=str(raw.get("tree_label", tree.stem)), base_year=int(raw["base_year"]),
                         normalisation=norm["method"], clip=bool(norm.get("clip", False)),
                         min_cities=int(norm.get("min_cities", 2)), alpha=alpha, beta=beta,
                         city_inputs={k: {kk: str(vv) for kk, vv in v.items()} for k, v in raw["city_inputs"].items()})


def load_tree(path: Path) -> pl.DataFrame:
    """The indicator tree, checked: one root, known parents, levels one below the parent, weights that add up."""
    tree = pl.read_csv(path, infer_schema=False).with_columns(pl.col(pl.String).str.strip_chars())
    missing = [c for c in _TREE_COLUMNS if c not in tree.columns]
    if missing:
        raise IndexConfigError(f"{path.name}: 缺少列 / missing columns {missing}")
    tree = tree.with_columns(pl.col("indicator_level").cast(pl.Int64), pl.col("weight").cast(pl.Float64),
                             pl.col("parent_indicator_id").replace("", None),
                             pl.col("direction").replace("", None), pl.col("indicator_unit").replace("", None))
    _check_tree(tree, path.name)
    return tree.select(_TREE_COLUMNS)


def _check_tree(tree: pl.DataFrame, name: str) -> None:
    rows = {r["indicator_id"]: (i + 2, r) for i, r in enumerate(tree.iter_rows(named=True))}  # file row (header = 1)
    if len(rows) != tree.height:
        raise IndexConfigError(f"{name}: 指标代码重复 / duplicate indicator_id")
    roots = [k for k, (_, r) in rows.items() if r["parent_indicator_id"] is None]
    if len(roots) != 1:
        raise IndexConfigError(f"{name}: 应有且仅有一个根指标 / exactly one root (no parent) expected, found {roots}")
    children: dict[str, list[str]] = {}
    for key, (line, row) in rows.items():
        parent = row["parent_indicator_id"]
        if parent is not None:
            if parent not in rows:
                raise IndexConfigError(f"{name} 第{line}行: 上级指标 {parent} 不存在 / unknown parent {parent!r}")
            if row["indicator_level"] != rows[parent][1]["indicator_level"] + 1:
                raise IndexConfigError(f"{name} 第{line}行: 层级应比上级多1 / level must be the parent's + 1")
            children.setdefault(parent, []).append(key)
    for key, (line, row) in rows.items():
        kids = children.get(key, [])
        if kids:
            total = sum(rows[k][1]["weight"] for k in kids)
            if abs(total - row["weight"]) > WEIGHT_TOLERANCE:
                raise IndexConfigError(f"{name} 第{line}行: 下级权重之和 {total:g} 不等于 {key} 的权重 {row['weight']:g} / "
                                       f"children's weights add up to {total:g}, not {key}'s {row['weight']:g}")
        elif row["indicator_source"] not in ("inventory", "city_file") or row["direction"] not in ("positive", "negative"):
            raise IndexConfigError(f"{name} 第{line}行: 末级指标 {key} 需要来源(inventory/city_file)和方向(positive/negative)"
                                   f" / leaf {key} needs indicator_source inventory|city_file and direction positive|negative")
        elif row["indicator_source"] == "inventory" and key not in INVENTORY_INDICATORS:
            raise IndexConfigError(f"{name} 第{line}行: 清单无法计算指标 {key} / the inventory computes only "
                                   f"{', '.join(INVENTORY_INDICATORS)}")
    root_weight = rows[roots[0]][1]["weight"]
    if abs(root_weight - 1) > WEIGHT_TOLERANCE:
        raise IndexConfigError(f"{name}: 根指标权重应为1 / the root's weight must be 1, not {root_weight:g}")


def leaves(tree: pl.DataFrame) -> pl.DataFrame:
    """Rows of the tree without children."""
    return tree.filter(~pl.col("indicator_id").is_in(tree["parent_indicator_id"].drop_nulls().implode()))


@cache
def _settings_and_tree(path: Path) -> tuple[IndexSettings, pl.DataFrame]:
    settings = load_settings(path)
    return settings, load_tree(settings.tree_path)


def city_file_indicators(path: Path = SETTINGS_FILE) -> dict[str, tuple[str, str | None]]:
    """indicator_id -> (Chinese name, unit) of everything a city file may carry: city_file leaves and inputs."""
    settings, tree = _settings_and_tree(path)
    out = {r["indicator_id"]: (r["indicator_name"], r["indicator_unit"])
           for r in leaves(tree).filter(pl.col("indicator_source") == "city_file").iter_rows(named=True)}
    out.update({k: (v["indicator_name"], v.get("unit")) for k, v in settings.city_inputs.items()})
    return out
