"""The sector the power units' monthly records are accounted in (inventories/power_monthly.py)."""

import polars as pl

from inventories.combustion import line_sector
from inventories.power_monthly import POWER_GUIDELINE_INDUSTRY
from inventories.reference import power_industry_codes, sector_scope


def test_monthly_records_are_accounted_with_the_power_sector_rows():
    row = sector_scope().filter(pl.col("industry_code") == POWER_GUIDELINE_INDUSTRY).row(0, named=True)
    assert (row["sector_code"], row["sub_sector_zh"]) == ("power", "火力发电")
    sector = pl.select(line_sector(pl.lit(POWER_GUIDELINE_INDUSTRY), power_industry_codes())).item()
    assert sector == "power"  # not "all": a power plant's coal takes the power guideline's defaults
