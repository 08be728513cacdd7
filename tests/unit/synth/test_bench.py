"""The benchmark's own pieces: the pandas baseline computes what the SQL computes, and sizes the disk cannot hold stop."""

from collections import namedtuple
from pathlib import Path

import polars as pl
import pytest

from inventories.sql_models import facility_inventory
from synth import bench


def _species() -> pl.DataFrame:
    rows = [("F1", "U1", 2023, "CO2", "combustion", "calculated", 100.25, 100.25, 40.0),
            ("F1", "U1", 2023, "CO2", "indirect_electricity", "calculated", 7.5, 7.5, 1.0),
            ("F1", "U1", 2023, "SO2", "combustion", "monitored", 1.5, 0.0, 0.0),
            ("F1", "U1", 2023, "SO2", "combustion", "calculated", 0.5, 0.0, 0.0),
            ("F2", "U2", 2023, "NOx", "combustion", "gap_filled", 2.0, 0.0, 0.0)]
    frame = pl.DataFrame(rows, schema=["facility_id", "uscc", "year", "species", "scope", "method", "mass_t", "co2e_t",
                                       "energy_tce"], orient="row")
    return frame.with_columns(pl.lit("SAR").alias("gwp_set"), pl.lit(False).alias("has_recalled_factor"),
                              pl.lit(1.0).alias("allocation_share"), pl.lit("set").alias("factor_set"),
                              pl.lit("permit").alias("source_system"), pl.lit(False).alias("is_lower_bound"),
                              pl.lit(None, pl.String).alias("missing_parameters"))


def test_pandas_baseline_gives_the_sql_numbers() -> None:
    species = _species()
    facilities = pl.DataFrame({"facility_id": ["F1"], "facility_name": ["一厂"], "industry_code": ["4411"],
                               "region_code": ["410102"], "city_code": ["410100"]})
    enterprises = pl.DataFrame({"uscc": ["U1", "U2"], "enterprise_name": ["甲", "乙"], "industry_code": ["4411", "3011"],
                                "region_code": ["410102", "410202"], "city_code": ["410100", "410200"]})
    sql = facility_inventory(species, facilities, enterprises).sort("facility_id")
    analyst = pl.from_pandas(bench.pandas_facility(species.to_pandas(), facilities.to_pandas(), enterprises.to_pandas()))
    for column in ("co2_combustion_t", "co2_indirect_t", "co2e_t", "so2_mass_t", "nox_mass_t", "energy_tce"):
        assert analyst[column].to_list() == pytest.approx(sql[column].to_list(), nan_ok=True), column
    assert sql["so2_method"].to_list() == analyst["so2_method"].to_list() == ["calculated+monitored", None]
    assert analyst["facility_name"].to_list() == ["一厂", "乙"] and analyst["city_code"].to_list() == ["410100", "410200"]
    assert sql["so2_mass_t"][0] == 2.0 and sql["co2e_t"][0] == 100.25


def test_a_size_the_disk_cannot_hold_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(bench.shutil, "disk_usage", lambda _: usage(0, 0, 50 * 2**30))
    bench.check_disk(tmp_path, 4)  # 4 x (2.0 + 5.5 + 2.6) GB = 40.4 GB fits in 50
    with pytest.raises(RuntimeError, match="not enough disk: 16x needs about 162 GB"):
        bench.check_disk(tmp_path, 16)
