"""Who each source record says it is: one identity row per core-table row, ready for matching.

Every core table that names an enterprise or site contributes its rows with the identifiers as written
(USCC, organisation code, permit number), the name, region and industry. Rows that write the same
identity share an `identity_key`, so matching runs once per identity and an analyst's decision in
`curation/` (keyed on it) applies to every year and file that writes the enterprise the same way.
"""

from __future__ import annotations

import hashlib

import polars as pl

from inventories.reference import city_code_expr

# core table -> grain of its rows: a site (permit number) or a whole enterprise (legal person)
IDENTITY_SOURCES: dict[str, str] = {
    "core_permit__registry": "facility",
    "core_permit__limits": "facility",
    "core_permit__execution_emissions": "facility",
    "core_permit__fuel_analysis": "facility",
    "core_permit__production": "facility",
    "core_envstat__enterprise": "enterprise",
    "core_envstat__boilers": "enterprise",  # a boiler row names the enterprise; its permit number, if any, the site
    "core_envstat__kilns": "enterprise",
    "core_ghg__fuel_lines": "enterprise",
    "core_ghg__power_monthly": "enterprise",
    "core_ghg__energy_flows": "enterprise",
    "core_ghg__process_lines": "enterprise",
    "core_ghg__reported_totals": "enterprise",
}
IDENTITY_COLUMNS: dict[str, pl.DataType] = {
    "uscc": pl.String(), "org_code": pl.String(), "permit_no": pl.String(), "enterprise_name": pl.String(),
    "former_names": pl.String(), "region_code": pl.String(), "city_code": pl.String(), "industry_code": pl.String(),
    "lat_deg": pl.Float64(), "lon_deg": pl.Float64(), "management_category": pl.String(), "year": pl.Int64(),
    "valid_from": pl.Date(), "valid_to": pl.Date(),
}
# what makes two rows "the same identity as written" (year and file do not)
KEY_COLUMNS = ("uscc", "org_code", "permit_no", "enterprise_name", "former_names", "region_code")
PROVENANCE = ("source_file", "sheet_name", "row_number", "file_sha256")


def source_system_of(table: str) -> str:
    return table.split("__")[0].removeprefix("core_")


def identity_records(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """All identity-bearing rows of the given core tables, one row each, with their identity_key."""
    frames = []
    for table, frame in tables.items():
        columns = [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
                   for c, t in IDENTITY_COLUMNS.items()]
        frames.append(frame.select(
            pl.lit(source_system_of(table)).alias("source_system"), pl.lit(table).alias("source_table"),
            pl.lit(IDENTITY_SOURCES[table]).alias("record_grain"), *PROVENANCE,
            pl.format("{}:{}:{}", "source_file", pl.col("sheet_name").fill_null(""), "row_number").alias("source_record"),
            *columns).with_columns(pl.col("year").alias("record_year")))
    if not frames:
        return pl.DataFrame()
    records = _with_form_context(pl.concat(frames, how="vertical")).with_columns(
        pl.coalesce("city_code", city_code_expr(pl.col("region_code"))).alias("city_code"))
    written = pl.concat_str([pl.col(c).fill_null("") for c in KEY_COLUMNS], separator="|").alias("_written")
    keys = records.select(written).unique()
    keys = keys.with_columns(pl.col("_written").map_elements(identity_key, return_dtype=pl.String).alias("identity_key"))
    return records.with_columns(written).join(keys, on="_written", how="left").drop("_written")


def _with_form_context(records: pl.DataFrame) -> pl.DataFrame:
    """G103 boiler and kiln rows have no region column: they take region and industry from the 基101 row
    of the same enterprise (same code and name) in the same file, as the form's annex they are."""
    same_form = ["file_sha256", "uscc", "org_code", "enterprise_name"]
    basic = (records.filter(pl.col("source_table") == "core_envstat__enterprise")
             .select(*same_form, pl.col("region_code").alias("_region"), pl.col("city_code").alias("_city"),
                     pl.col("industry_code").alias("_industry"))
             .unique(same_form, keep="first", maintain_order=True))
    return records.join(basic, on=same_form, how="left", nulls_equal=True).with_columns(
        pl.coalesce("region_code", "_region").alias("region_code"), pl.coalesce("city_code", "_city").alias("city_code"),
        pl.coalesce("industry_code", "_industry").alias("industry_code"),
    ).drop("_region", "_city", "_industry")


def identity_key(written: str) -> str:
    """A short stable id of an identity as written: analysts paste it into curation/matches.csv."""
    return "I" + hashlib.sha1(written.encode("utf-8")).hexdigest()[:11]
