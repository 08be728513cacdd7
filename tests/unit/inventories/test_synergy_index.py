"""City synergy index: the shipped tree's weights, a two-level weighted score with a missing indicator (by hand),
a weight changed in the file, the coupling coordination degree and the tree checks."""

import shutil
from pathlib import Path

import polars as pl
import pytest

from inventories.synergy_index import city_index, leaf_values
from inventories.synergy_tree import IndexConfigError, leaves, load_settings, load_tree

TREE = """indicator_id,parent_indicator_id,indicator_level,indicator_name,weight,direction,indicator_source,indicator_unit,\
weight_basis
root,,0,指数,1,,tree,,test
a,root,1,A,0.6,,tree,,test
b,root,1,B,0.4,,tree,,test
pm25_annual_mean,a,2,PM2.5,0.3,negative,city_file,ug/m3,test
good_air_days_share,a,2,优良天数,0.3,positive,city_file,%,test
green_building_share,b,2,绿建,0.4,positive,city_file,%,test
"""
SETTINGS = """tree: tree.csv
base_year: 2021
normalisation: {method: baseline_minmax, clip: false, min_cities: 2}
missing: renormalise
coupling: {alpha: 0.5, beta: 0.5}
city_inputs: {gdp: {indicator_name: 地区生产总值, unit: 亿元}}
"""
# X and Y in 2021 and 2022; Y has no green-building share in 2022
VALUES = [("X", 2021, "good_air_days_share", 10), ("Y", 2021, "good_air_days_share", 20),
          ("X", 2021, "pm25_annual_mean", 5), ("Y", 2021, "pm25_annual_mean", 15),
          ("X", 2021, "green_building_share", 1), ("Y", 2021, "green_building_share", 3),
          ("X", 2022, "good_air_days_share", 15), ("Y", 2022, "good_air_days_share", 20),
          ("X", 2022, "pm25_annual_mean", 5), ("Y", 2022, "pm25_annual_mean", 10),
          ("X", 2022, "green_building_share", 2)]


def _files(folder: Path, tree: str = TREE) -> Path:
    (folder / "rules").mkdir(parents=True, exist_ok=True)
    (folder / "tree.csv").write_text(tree, encoding="utf-8")
    path = folder / "rules" / "synergy_index.yaml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


def _values() -> pl.DataFrame:
    return pl.DataFrame({"city_code": [v[0] for v in VALUES], "year": [v[1] for v in VALUES],
                         "indicator_id": [v[2] for v in VALUES], "indicator_value": [float(v[3]) for v in VALUES]})


def _index(settings_path: Path) -> dict[tuple, dict]:
    settings = load_settings(settings_path)
    table = city_index(_values(), load_tree(settings.tree_path), settings, [2021, 2022])
    return {(r["year"], r["city_code"], r["indicator_id"]): r for r in table.iter_rows(named=True)}


def test_two_level_score_with_a_missing_indicator(tmp_path):
    """2021 scores: good days X 0 / Y 100, PM2.5 (lower better) X 100 / Y 0, green X 0 / Y 100.
    X = 0.3*0 + 0.3*100 + 0.4*0 = 30; Y = 30 + 0 + 40 = 70.
    2022 at the 2021 bounds: X = 0.3*50 + 0.3*100 + 0.4*50 = 65; Y: A = (0.3*100 + 0.3*50) / 0.6 = 75, B missing,
    so Y = 75 with 60 % of the weight covered."""
    rows = _index(_files(tmp_path))
    assert rows[(2021, "X", "root")]["score"] == pytest.approx(30) and rows[(2021, "Y", "root")]["score"] == pytest.approx(70)
    x, y = rows[(2022, "X", "root")], rows[(2022, "Y", "root")]
    assert x["score"] == pytest.approx(65) and x["weight_coverage_pct"] == pytest.approx(100)
    assert y["score"] == pytest.approx(75) and y["weight_coverage_pct"] == pytest.approx(60)
    assert y["missing_indicators"].startswith("green_building_share")
    assert rows[(2022, "Y", "b")]["score"] is None and rows[(2022, "Y", "a")]["score"] == pytest.approx(75)
    assert x["score_change_pct"] == pytest.approx((65 - 30) / 30 * 100)
    assert y["score_change_pct"] == pytest.approx((75 - 70) / 70 * 100)
    assert (y["city_rank"], x["city_rank"]) == (1, 2)
    pm25 = rows[(2022, "X", "pm25_annual_mean")]
    assert pm25["indicator_value"] == 5 and pm25["bounds_year"] == 2021 and pm25["score"] == pytest.approx(100)


def test_changing_a_weight_in_the_file_changes_the_index(tmp_path):
    """good days 0.3 -> 0.2 and PM2.5 0.3 -> 0.4 (A stays 0.6): X 2021 = 0.2*0 + 0.4*100 + 0 = 40."""
    tree = TREE.replace("优良天数,0.3", "优良天数,0.2").replace("PM2.5,0.3", "PM2.5,0.4")
    assert _index(_files(tmp_path, tree))[(2021, "X", "root")]["score"] == pytest.approx(40)


def test_ratio_normalisation_scores_100_in_the_base_year(tmp_path):
    path = _files(tmp_path)
    path.write_text(SETTINGS.replace("baseline_minmax", "baseline_ratio"), encoding="utf-8")
    rows = _index(path)
    assert rows[(2021, "X", "root")]["score"] == pytest.approx(100)
    # X 2022: good days 15/10 -> 150, PM2.5 5/5 -> 100, green 2/1 -> 200: 0.3*150 + 0.3*100 + 0.4*200 = 155
    assert rows[(2022, "X", "root")]["score"] == pytest.approx(155)


def test_shipped_tree_weights_add_up_at_every_level():
    settings = load_settings()
    tree = load_tree(settings.tree_path)
    for level, total in tree.group_by("indicator_level").agg(pl.col("weight").sum()).iter_rows():
        assert total == pytest.approx(1.0), level
    children = tree.filter(pl.col("parent_indicator_id").is_not_null()).group_by("parent_indicator_id").agg(
        pl.col("weight").sum().alias("children"))
    parents = tree.join(children, left_on="indicator_id", right_on="parent_indicator_id")
    assert parents.height == tree.height - leaves(tree).height
    assert (parents["weight"] - parents["children"]).abs().max() < 1e-9
    level1 = dict(tree.filter(pl.col("indicator_level") == 1).select("indicator_name", "weight").iter_rows())
    assert level1 == {"协同效果": 0.4, "协同路径": 0.4, "协同管理": 0.2}
    effect = dict(tree.filter(pl.col("parent_indicator_id") == "effect").select("indicator_name", "weight").iter_rows())
    assert effect == {"环境质量": 0.15, "碳排放水平": 0.15, "协同耦合度": 0.1}


@pytest.mark.parametrize(("edit", "message"), [
    (("优良天数,0.3", "优良天数,0.35"), "第3行"),  # a's children add up to 0.65, not 0.6
    (("b,root,1,B", "b,nowhere,1,B"), "nowhere"),
    (("positive,city_file", "positive,nowhere"), "indicator_source"),
])
def test_inconsistent_tree_is_refused_naming_the_row(tmp_path, edit, message):
    path = _files(tmp_path, TREE.replace(*edit))
    with pytest.raises(IndexConfigError, match=message):
        load_tree(load_settings(path).tree_path)


def test_coupling_coordination_degree_by_hand(tmp_path):
    """APeq (SO2 only here) and CO2 cut by X 10 % / 5 %, Y 20 % / 15 %, Z 15 % / 7.5 % in 2022.
    U1 (APeq) = 0, 1, 0.5; U2 (CO2) = 0, 1, 0.25 over the three cities.
    Z: C = 2 sqrt(0.125) / 0.75 = 0.942809, T = 0.375, D = sqrt(C T) = 0.594604. X: D = 0; Y: D = 1."""
    cuts = {"X": (0.10, 0.05), "Y": (0.20, 0.15), "Z": (0.15, 0.075)}
    rows = []
    for city, (ap, co2) in cuts.items():
        for year, so2, c in ((2021, 100.0, 1000.0), (2022, 100.0 * (1 - ap), 1000.0 * (1 - co2))):
            rows.append({"city_code": city, "year": year, "co2_combustion_t": c, "co2_process_t": None,
                         "so2_mass_t": so2, "nox_mass_t": 0.0, "pm_mass_t": 0.0})
    facility = pl.DataFrame(rows, schema_overrides={"co2_process_t": pl.Float64})
    empty_city = pl.DataFrame(schema={"year": pl.Int64, "city_code": pl.String, "indicator_id": pl.String,
                                      "indicator_value": pl.Float64})
    synergy = pl.DataFrame(schema={"year": pl.Int64, "city_code": pl.String, "pollutant": pl.String, "els_reading": pl.String})
    envstat = pl.DataFrame(schema={"year": pl.Int64, "city_code": pl.String, "coal_consumed_t": pl.Float64})
    register = pl.DataFrame(schema={"year": pl.Int64, "city_code": pl.String, "is_key_emitter": pl.Boolean,
                                    "is_ghg_reporter": pl.Boolean})
    values = leaf_values(facility, synergy, envstat, register, empty_city, load_settings())
    degree = dict(values.filter(pl.col("indicator_id") == "coupling_coordination_degree")
                  .select("city_code", "indicator_value").iter_rows())
    assert degree == {"X": pytest.approx(0.0), "Y": pytest.approx(1.0), "Z": pytest.approx(0.594604, abs=1e-6)}


def test_shipped_settings_point_at_the_shipped_tree(tmp_path):
    settings = load_settings()
    assert settings.tree_path.is_file() and settings.base_year == 2022 and settings.normalisation == "baseline_minmax"
    copy = tmp_path / "rules"
    copy.mkdir()
    shutil.copy(settings.tree_path, tmp_path / "t.csv")
    (copy / "synergy_index.yaml").write_text(SETTINGS.replace("tree.csv", "t.csv"), encoding="utf-8")
    assert load_settings(copy / "synergy_index.yaml").tree_path == tmp_path / "t.csv"
