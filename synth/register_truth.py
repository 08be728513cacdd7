"""The demo's answer key for the key-emitter register, on the fused basis the pipeline uses.

What each enterprise-year should weigh follows what the sources say: a GHG reporter's year counts its fuel lines as
reported (measured parameters first), plus, in the year the GHG report carries them, its process lines and the CO2
of purchased electricity (MEE/NBS provincial grid factor) and heat; any other enterprise-year counts the statistics
fuel at default parameters. The rule itself (window, status) is restated here from inventories/rules so the test
compares two independent readings of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from inventories.factor_library import load_factor_set
from inventories.reference import key_emitter_rule
from synth.world import Enterprise, World
from synth.writers_ghg import COVERED, Line, expected_co2
from synth.writers_ghg_extras import Extras

EDGE = 0.05  # no expected value within 5 % of a threshold: parameter and rounding differences cannot flip a flag


@dataclass(frozen=True)
class Basis:
    co2e_t: float
    energy_tce: float


def _factor(parameter: str, **match: str | int) -> float:
    rows = load_factor_set().factors.filter(pl.col("parameter") == parameter)
    for column, value in match.items():
        rows = rows.filter(pl.col(column) == value)
    return float(rows["value"].item())


def _grid_factor(year: int) -> float:
    """The provincial MEE/NBS grid factor of the data year; 0 for a year the library has none of, as the register
    then counts no indirect CO2 (out_key_emitters__register: coalesce(co2_indirect_t, 0))."""
    rows = load_factor_set().factors.filter((pl.col("parameter") == "grid_co2_ef") & (pl.col("guideline") == "mee_nbs")
                                            & (pl.col("region_code") == "410000") & (pl.col("data_year") == year))
    return float(rows["value"].item()) if rows.height else 0.0


def statistics_view(line: Line) -> Line:
    """The same fuel as the statistics form carries it: quantity only, every parameter a default."""
    return replace(line, ncv=None, carbon_content=None, carbon_pct=None, oxidation=None)


def _line_heat_gj(line: Line, defaults: dict) -> float:
    ncv = line.ncv if line.ncv is not None else defaults.get((line.fuel_code, "ncv"), 0.0)
    return line.quantity * ncv


def enterprise_basis(reported: list[Line], statistics: list[Line], reporter_years: set[tuple[str, int]],
                     extras: dict[int, Extras], defaults: dict) -> dict[tuple[str, int], Basis]:
    """Expected emissions (direct + purchased, or direct only, as key_emitters.yaml says) and energy per enterprise-year."""
    direct_only = key_emitter_rule()["emissions_basis"] == "direct"
    gj_per_tce = _factor("gj_per_tce")
    co2: dict[tuple[str, int], float] = {}
    heat: dict[tuple[str, int], float] = {}
    chosen = [ln for ln in reported if (ln.enterprise.uscc, ln.year) in reporter_years]
    chosen += [ln for ln in statistics if (ln.enterprise.uscc, ln.year) not in reporter_years]
    for line in chosen:
        key = (line.enterprise.uscc, line.year)
        co2[key] = co2.get(key, 0.0) + (expected_co2(line, defaults) or 0.0)
        heat[key] = heat.get(key, 0.0) + _line_heat_gj(line, defaults)
    tce = {key: value / gj_per_tce for key, value in heat.items()}
    for year, extra in extras.items():
        grid = _grid_factor(year)
        heat_ef, elec_tce = _factor("heat_co2_ef"), _factor("tce_per_unit", fuel_code="electricity")
        heat_tce = _factor("tce_per_unit", fuel_code="heat")
        for flow in extra.flows:
            key = (flow.enterprise.uscc, year)
            if key not in reporter_years or flow.item not in ("购入电力", "购入热力"):
                continue
            electricity = flow.item == "购入电力"
            co2[key] += 0.0 if direct_only else flow.quantity * (grid if electricity else heat_ef)
            tce[key] += flow.quantity * (elec_tce if electricity else heat_tce)
        for process in extra.processes:
            key = (process.enterprise.uscc, year)
            if key in reporter_years:
                co2[key] += process.co2_t
    return {key: Basis(co2[key], tce[key]) for key in co2}


def edges(basis: dict[tuple[str, int], Basis]) -> list[tuple[str, int]]:
    """Enterprise-years whose emissions or energy lie within EDGE of a threshold."""
    rule = key_emitter_rule()
    limits = (float(rule["threshold_co2e_t"]), float(rule["threshold_energy_tce"]))

    def near(value: float, limit: float) -> bool:
        return (1 - EDGE) * limit <= value <= (1 + EDGE) * limit

    return sorted(k for k, b in basis.items() if near(b.co2e_t, limits[0]) or near(b.energy_tce, limits[1]))


def expected_register(world: World, basis: dict[tuple[str, int], Basis], reporter_years: set[tuple[str, int]],
                      others: list[Enterprise] = ()) -> dict:
    """Key-emitter rows with status and criterion, and the enterprises missing from GHG reporting.

    `others`: enterprises outside `world.enterprises` that files still report (the statistics-only ones of
    synth/completeness.py); their basis is in `basis` like any other's.
    """
    rule = key_emitter_rule()
    co2_limit, tce_limit, lookback = float(rule["threshold_co2e_t"]), float(rule["threshold_energy_tce"]), int(
        rule["lookback_years"])
    covered = {e.uscc for e in [*world.enterprises, *others] if e.industry_code in COVERED or e.captive_power}
    first = min(world.years)

    def met(uscc: str, year: int) -> str | None:
        b = basis.get((uscc, year))
        if b is None:
            return None
        hits = [name for name, hit in (("co2e", b.co2e_t >= co2_limit), ("energy_tce", b.energy_tce >= tce_limit)) if hit]
        return "_and_".join(hits) or None

    def key(uscc: str, year: int) -> tuple[int, str] | None:
        if uscc not in covered or (uscc, year) not in basis:
            return None
        return next(((y, met(uscc, y)) for y in range(year, year - lookback - 1, -1) if met(uscc, y)), None)

    rows = []
    for uscc, year in sorted(basis):
        trigger = key(uscc, year)
        if trigger is None:
            continue
        newly = year > first and key(uscc, year - 1) is None
        status = ("newly_entering" if newly else
                  "reporting" if (uscc, year) in reporter_years else "missing_from_ghg_reporting")
        rows.append({"uscc": uscc, "year": year, "register_status": status, "key_emitter_criterion": trigger[1],
                     "trigger_year": trigger[0], "is_ghg_reporter": (uscc, year) in reporter_years})
    missing = sorted({r["uscc"] for r in rows if not r["is_ghg_reporter"]})
    return {"emissions_basis": rule["emissions_basis"], "rows": rows, "key_emitter_rows": len(rows),
            "key_emitter_enterprises": len({r["uscc"] for r in rows}), "missing_reporters": missing,
            "rule": "covered sector (own industry, or a captive power unit) AND basis or energy at or above the threshold "
                    "in the year or the look-back years; every expected value is at least 5 % away from a threshold"}
