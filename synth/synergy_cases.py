"""Demo enterprises whose pollutant and CO2 paths diverge in the last year, with the reading they must get.

Each case rewrites one single-site coal + gas enterprise's last-year heat input as multiples of the year
before (coal and gas separately), so the SO2 change follows the coal (gas carries no SO2 in the emission
model) and CO2 follows both. The multipliers are far from every reading's boundary, so the designed
reading of SO2 against CO2 holds whatever the sulfur, controls or accounting method of the site.
"""

from __future__ import annotations

import random

from synth.world import World
from synth.writers_permit import c1_defaults, is_solid

# design -> (SO2 change, CO2 change) aimed at in the last year, expected SO2 reading, expected quadrant. SO2 follows the
# coal (its multiplier is 1 + the SO2 change); the gas multiplier is solved from each site's CO2 shares of coal and gas.
DESIGNS: dict[str, tuple[float, float, str, int]] = {
    "coal_to_gas": (-0.6, -0.2, "co_reduction_pollutant_led", 1),   # coal heat cut, gas makes up part of it
    "gas_cut": (-0.02, -0.15, "co_reduction_carbon_led", 1),          # gas cut hard, coal nearly flat
    "less_fuel_more_coal": (0.15, -0.08, "trade_off_carbon_down", 2),  # less fuel in all, but more of it coal
    "coal_cut_gas_up": (-0.2, 0.15, "trade_off_pollutant_down", 4),   # coal down, much more gas
    "growth": (0.2, 0.2, "co_increase", 3),                            # both up alike
}
MIXED_INDUSTRIES = ("2614", "1391", "1511", "2221")  # archetypes burning coal and natural gas
MIN_MULTIPLIER = 0.05


def _co2_per_gj(fuel: str) -> float:
    """t CO2 per GJ of a fuel with the default carbon content and oxidation rate (as the writers' truth)."""
    defaults = c1_defaults()
    return defaults[(fuel, "cc")] * defaults[(fuel, "of")] * 44.0 / 12.0


def _gas_multiplier(heat: dict[str, float], so2_change: float, co2_change: float) -> float | None:
    """Gas multiplier giving co2_change when coal moves by so2_change; None when the mix cannot reach it."""
    co2 = {f: h * _co2_per_gj("bituminous" if is_solid(f) else f) for f, h in heat.items()}
    coal, gas = sum(v for f, v in co2.items() if is_solid(f)), co2.get("natural_gas", 0.0)
    if set(heat) - {"bituminous", "natural_gas"} or gas <= 0:
        return None
    multiplier = 1 + (co2_change * (coal + gas) - so2_change * coal) / gas
    return multiplier if multiplier >= MIN_MULTIPLIER else None


def plant_synergy_cases(world: World, rng: random.Random) -> list[dict]:
    """Rewrite the last year of one enterprise per design; returns the manifest entries (none in a one-year world)."""
    if len(world.years) < 2:
        return []
    last, previous = world.years[-1], world.years[-2]
    pool = sorted((e for e in world.enterprises
                   if len(e.sites) == 1 and e.industry_code in MIXED_INDUSTRIES and e.former_name is None
                   and e.unidentified_year is None and e.sites[0].management_category != "登记管理"),
                  key=lambda e: e.uscc)
    rng.shuffle(pool)
    cases = []
    for design, (so2_change, co2_change, reading, quadrant) in DESIGNS.items():
        for enterprise in pool:
            before = enterprise.sites[0].fuel_heat_gj[previous]
            gas = _gas_multiplier(before, so2_change, co2_change)
            if gas is None:
                continue
            pool.remove(enterprise)
            enterprise.sites[0].fuel_heat_gj[last] = {f: h * ((1 + so2_change) if is_solid(f) else gas)
                                                      for f, h in before.items()}
            cases.append({"uscc": enterprise.uscc, "enterprise_name": enterprise.name,
                          "industry_code": enterprise.industry_code, "year": last, "previous_year": previous,
                          "design": design, "coal_multiplier": round(1 + so2_change, 4), "gas_multiplier": round(gas, 4),
                          "designed_so2_change_pct": so2_change * 100, "designed_co2_change_pct": co2_change * 100,
                          "expected": {"pollutant": "SO2", "els_reading": reading, "quadrant": quadrant}})
            break
    return cases
