"""SO2, NOx, PM and VOCs of a fuel line where nothing is monitored (pollutant-factors.md §2–§5).

    G = A x EF / 1000 (t; A in t or 10^4 Nm3, EF in kg per unit)     T/CSES 144—2024 formula (2)
    E = G x (1 - eta)                                                  eta from the form, else 0 (按直排核算)
    solid fuels: EF_SO2 = 20 x S% x (1 - sr)        (kg/t)             formula (3), Table C.1
                 EF_PM  = 10 x A% x (1 - ar) x f_PM10                  formula (4), Tables C.1–C.2
    liquid fuels with a measured S%: EF_SO2 = 20 x S%  (2 x S x 10, derived), else the table value
    NOx, VOCs and non-solid PM: generation factor by department, fuel and combustion technology

颗粒物 is computed as PM10 (T/CSES gives no total-particulate factor). Power-sector coal NOx depends on
the unit size, which no form gives: the largest factor (<=100 MW class) is used and the parameter is
marked default. A removal efficiency the form leaves blank counts as no control, the permit rule for
unmonitored outlets (methods-factors.md §6.2 item 3). Coke and petroleum coke use the coal
mass-balance parameters, as the synthetic model and T/CSES (coke) do.
"""

from __future__ import annotations

import polars as pl

from inventories.factor_library import FactorSet, select_factors

SPECIES = ("SO2", "NOx", "PM", "VOCs")
SOLID_EXTRA = ("coke", "petroleum_coke")
POWER_NOX_SIZE_CLASS = "unit_le_100MW"
_REMOVAL = {"SO2": "so2_removal_pct", "NOx": "nox_removal_pct", "PM": "pm_removal_pct"}


def department(industry_code: pl.Expr, power_codes: set[str]) -> pl.Expr:
    """T/CSES department of a line: power generation, heat supply (4430) or industrial boilers."""
    return (pl.when(industry_code.is_in(list(power_codes))).then(pl.lit("power"))
            .when(industry_code == "4430").then(pl.lit("heat")).otherwise(pl.lit("industrial")))


def _pick(lines: pl.DataFrame, factor_set: FactorSet, parameter: str, fuel: pl.Expr, technology: pl.Expr) -> pl.DataFrame:
    requests = lines.select(pl.col("line_key").alias("request_key"), "year", fuel.alias("fuel_code"),
                            pl.col("fuel_group"), pl.col("_department").alias("sector"), technology.alias("technology"))
    return select_factors(requests, factor_set.factors, parameter).select(
        pl.col("request_key").alias("line_key"), pl.col("value").alias(f"_{parameter}"),
        pl.col("factor_id").alias(f"_{parameter}_id"), pl.col("status").alias(f"_{parameter}_status"))


def pollutant_lines(lines: pl.DataFrame, factor_set: FactorSet, fuels: pl.DataFrame, power_codes: set[str]) -> pl.DataFrame:
    """Long table: line_key, species, mass_t, parameter_source, factor_ids, has_recalled_factor.

    `lines` needs line_key, year, industry_code, fuel_code, fuel_consumed_units, sulfur_pct, ash_pct,
    combustion_mode, so2_removal_pct, nox_removal_pct, pm_removal_pct. mass_t is null where a needed
    input (sulfur, ash, technology) is missing.
    """
    base = lines.join(fuels.select("fuel_code", "fuel_group"), on="fuel_code", how="left").with_columns(
        department(pl.col("industry_code"), power_codes).alias("_department"),
        (pl.col("fuel_group").eq("coal") | pl.col("fuel_code").is_in(SOLID_EXTRA)).fill_null(False).alias("_solid"),
    )
    solid = pl.col("_solid")
    coal_key = pl.when(solid).then(pl.lit("coal")).otherwise(pl.col("fuel_code"))
    mb_tech = pl.when(solid).then(pl.col("combustion_mode"))  # coal rows are keyed by combustion technology
    nox_tech = pl.when(solid & (pl.col("_department") == "power")).then(pl.lit(POWER_NOX_SIZE_CLASS)).otherwise(mb_tech)
    for parameter, fuel, technology in (
        ("sulfur_retention", coal_key, mb_tech), ("ash_to_bottom_fraction", coal_key, mb_tech),
        ("pm10_fraction", coal_key, mb_tech), ("so2_generation", pl.col("fuel_code"), pl.lit(None, pl.String)),
        ("nox_generation", coal_key, nox_tech), ("pm10_generation", pl.col("fuel_code"), pl.lit(None, pl.String)),
        ("vocs_generation", coal_key, mb_tech),
    ):
        base = base.join(_pick(base, factor_set, parameter, fuel, technology), on="line_key", how="left")
    liquid_with_s = ~solid & pl.col("sulfur_pct").is_not_null() & (pl.col("fuel_group") == "oil")
    ef = {
        "SO2": pl.when(solid).then(20.0 * pl.col("sulfur_pct") * (1 - pl.col("_sulfur_retention")))
        .when(liquid_with_s).then(20.0 * pl.col("sulfur_pct")).otherwise(pl.col("_so2_generation")),
        "NOx": pl.col("_nox_generation"),
        "PM": pl.when(solid).then(10.0 * pl.col("ash_pct") * (1 - pl.col("_ash_to_bottom_fraction"))
                                  * pl.col("_pm10_fraction")).otherwise(pl.col("_pm10_generation")),
        "VOCs": pl.col("_vocs_generation"),
    }
    form_inputs = {"SO2": solid | liquid_with_s, "NOx": pl.lit(False), "PM": solid, "VOCs": pl.lit(False)}
    frames = []
    for species in SPECIES:
        removal = _REMOVAL.get(species)
        eta = pl.col(removal).fill_null(0.0) / 100.0 if removal else pl.lit(0.0)
        from_form = form_inputs[species] | (pl.col(removal).is_not_null() if removal else pl.lit(False))
        frames.append(base.select(
            "line_key",
            pl.lit(species).alias("species"),
            (pl.col("fuel_consumed_units") * ef[species] / 1000.0 * (1 - eta)).alias("mass_t"),
            pl.when(from_form).then(pl.lit("mixed")).otherwise(pl.lit("default")).alias("parameter_source"),
            _ids_expr(species, solid, liquid_with_s).alias("factor_ids"),
            _recalled_expr(species, solid, liquid_with_s).alias("has_recalled_factor"),
        ))
    return pl.concat(frames)


_PARAMS_BY_CASE = {
    "SO2": (("_sulfur_retention",), (), ("_so2_generation",)),
    "NOx": (("_nox_generation",), ("_nox_generation",), ("_nox_generation",)),
    "PM": (("_ash_to_bottom_fraction", "_pm10_fraction"), ("_pm10_generation",), ("_pm10_generation",)),
    "VOCs": (("_vocs_generation",), ("_vocs_generation",), ("_vocs_generation",)),
}


def _case(species: str, solid: pl.Expr, liquid_with_s: pl.Expr, suffix: str, combine) -> pl.Expr:
    """Per line, combine the `suffix` columns of the parameters the species' case used."""
    solid_cols, liquid_cols, other_cols = _PARAMS_BY_CASE[species]

    def of(cols: tuple[str, ...]) -> pl.Expr:
        return combine([pl.col(c + suffix) for c in cols]) if cols else combine([])

    return pl.when(solid).then(of(solid_cols)).when(liquid_with_s).then(of(liquid_cols)).otherwise(of(other_cols))


def _ids_expr(species: str, solid: pl.Expr, liquid_with_s: pl.Expr) -> pl.Expr:
    def join(cols: list[pl.Expr]) -> pl.Expr:
        return pl.concat_list(cols).list.drop_nulls().list.join(";") if cols else pl.lit("")
    return _case(species, solid, liquid_with_s, "_id", join)


def _recalled_expr(species: str, solid: pl.Expr, liquid_with_s: pl.Expr) -> pl.Expr:
    def any_recalled(cols: list[pl.Expr]) -> pl.Expr:
        return pl.concat_list(cols).list.contains("recalled") if cols else pl.lit(False)
    return _case(species, solid, liquid_with_s, "_status", any_recalled)
