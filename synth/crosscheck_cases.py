"""Anomalies for the cross-checks (交叉校核) between permit, statistics and GHG files, and who is not clean.

Each case is drawn from enterprises nothing else touches (`touched_usccs`), so a cross-check rule can be held to
finding exactly these and to raising nothing on the clean rest:
- permit_expired_without_renewal: a single site's permit runs out in the middle data year and is not renewed; the
  site keeps operating (statistics rows every year; the permit writers write no execution report after expiry);
- ghg_reporter_without_valid_permit: a GHG reporter whose permit is first issued in the middle data year, so its
  earlier GHG reports stand without any permit in force;
- so2_inconsistent_with_sulfur / nox_decimal_slip: one G103-1 boiler row's SO2 at 10 % of what its coal and sulfur
  give, or its NOx x10 (a slipped decimal); `writers_envstat` writes them (ROW_SLIPS) and completes their truth.
The power units' repeated monthly parameters are written in `demo`, next to that file.
"""

from __future__ import annotations

import random
from collections import Counter

from synth.world import Enterprise, World, permit_validity
from synth.writers_envstat import identified_outlets
from synth.writers_permit import OutletYear, is_coal

SO2_FACTOR, NOX_FACTOR = 0.1, 10.0
MIN_SLIP_T = 1.0  # the slipped row's true mass, t: well above the 0.001 t the cells are rounded to
MIN_COAL_PEERS = 15  # other coal-burning enterprises of the NOx case's industry, so a peer ratio is meaningful


def middle_year(years: list[int]) -> int:
    """The data year the validity cases turn in (2022 of 2021-2023)."""
    return years[len(years) // 2]


def touched_usccs(manifest: dict, extra: set[str]) -> set[str]:
    """Enterprises an injected problem or a designed case touches (not clean), from the manifest as far as it is written.

    `extra` adds who the manifest names nowhere by USCC: owners of malformed GHG rows and of the 原煤 lines.
    Every enterprise of a completeness case (synth/completeness.py) is touched.
    """
    touched = set(extra) | {a["uscc"] for a in manifest.get("anomalies", []) if "uscc" in a}
    touched |= {m["uscc"] for source in ("permit", "envstat") for m in manifest.get(source, [])
                if m.get("kind") in ("anomaly", "malformed_row") and m.get("uscc")}
    touched |= {c["uscc"] for c in manifest.get("gap_fill", [])}
    resubmission = manifest.get("ghg", {}).get("resubmission")
    touched |= {resubmission["uscc"]} if resubmission else set()
    register = manifest.get("key_emitters", {})
    touched |= {c["uscc"] for c in register.get("designed_cases", [])} | set(register.get("missing_reporters", []))
    touched |= set(manifest.get("completeness", {}).get("touched_usccs", []))
    namesake = manifest.get("identity", {}).get("namesake")
    return touched | ({namesake["uscc"], namesake["namesake_uscc"]} if namesake else set())


def _single_permit_holders(world: World, taken: set[str]) -> list[Enterprise]:
    """Untouched single-site enterprises whose site holds a permit (登记管理 sites are only registered)."""
    return [e for e in world.enterprises if len(e.sites) == 1 and e.uscc not in taken
            and e.sites[0].management_category != "登记管理"]


def pick_validity_cases(world: World, reporters: set[str], reported: set[tuple[str, int]], taken: set[str],
                        rng: random.Random) -> list[dict]:
    """Both permit-validity cases; their sites' validity is rewritten in the world, before the permit files are written.

    `reported` holds the (USCC, year) of the GHG lines as written.
    """
    cases = []
    expired = _expire_without_renewal(world, reporters, taken, rng)
    if expired:
        cases.append(expired)
    late = _issue_late(world, reporters, reported, taken | {c["uscc"] for c in cases}, rng)
    return cases + ([late] if late else [])


def _expire_without_renewal(world: World, reporters: set[str], taken: set[str], rng: random.Random) -> dict | None:
    """A site surveyed (with code and permit number) in every year whose permit expires in the middle year, unrenewed.

    A non-reporter of 重点管理 is preferred (the permit is then all the carbon side knows of it).
    """
    middle, first = middle_year(world.years), world.years[0]
    after = [y for y in world.years if y > middle]
    pool = _single_permit_holders(world, taken)
    tiers = ([e for e in pool if e.uscc not in reporters and e.sites[0].management_category == "重点管理"],
             [e for e in pool if e.uscc not in reporters], pool)
    surveyed = ([e for e in tier if all(identified_outlets(e, y, first) for y in world.years)] for tier in tiers)
    active = next((found for found in surveyed if found), []) if after else []
    if not active:
        return None
    enterprise = rng.choice(active)
    site = enterprise.sites[0]
    site.valid_from, site.valid_to = permit_validity(middle - 5, rng.randint(1, 10), rng.randint(1, 28))
    return {"kind": "permit_expired_without_renewal", "uscc": enterprise.uscc, "permit_no": site.permit_no,
            "valid_from": site.valid_from, "valid_to": site.valid_to, "year": middle, "active_after_expiry_years": after,
            "note": "the permit expires during the year and is not renewed (延续); statistics G103-1/基101 rows go on "
                    "every year, the permit platform has no execution report after the year of expiry"}


def _issue_late(world: World, reporters: set[str], reported: set[tuple[str, int]], taken: set[str],
                rng: random.Random) -> dict | None:
    """A single-site GHG reporter whose first permit starts in the middle year, after GHG reports of earlier years."""
    middle = middle_year(world.years)
    before = [y for y in world.years if y < middle]
    candidates = [e for e in _single_permit_holders(world, taken)
                  if e.uscc in reporters and before and all((e.uscc, y) in reported for y in before)]
    if not candidates:
        return None
    enterprise = rng.choice(candidates)
    site = enterprise.sites[0]
    site.valid_from, site.valid_to = permit_validity(middle, rng.randint(2, 12), rng.randint(1, 28))  # issued that year
    return {"kind": "ghg_reporter_without_valid_permit", "uscc": enterprise.uscc, "permit_no": site.permit_no,
            "valid_from": site.valid_from, "valid_to": site.valid_to, "year": before[0],
            "reported_without_permit_years": before,
            "note": "first permit issued in the middle year; the GHG reports (and statistics) of the years before it "
                    "stand without any permit in force (no execution report, no limits for those years)"}


def _coal_outlets(world: World, year: int, taken: set[str]) -> list[tuple[Enterprise, str, OutletYear]]:
    """(enterprise, permit number, first coal boiler) of untouched single-site coal users whose G103-1 rows that year
    carry code and permit number."""
    found = []
    for e in world.enterprises:
        if len(e.sites) != 1 or e.uscc in taken or not _burns_coal(e, year):
            continue
        coal = [(p, oy) for p, oy in identified_outlets(e, year, world.years[0]) if is_coal(oy.outlet.fuel_code)]
        if coal:
            found.append((e, *coal[0]))
    return found


def _burns_coal(enterprise: Enterprise, year: int) -> bool:
    return any(is_coal(f) and h > 0 for s in enterprise.sites for f, h in s.fuel_heat_gj.get(year, {}).items())


def pick_statistics_slips(world: World, taken: set[str], rng: random.Random) -> list[dict]:
    """The SO2 (middle year) and NOx (last year) G103-1 slips, as specs `writers_envstat` writes and completes."""
    slips = []
    year = middle_year(world.years)
    so2 = [c for c in _coal_outlets(world, year, taken) if c[2].emitted["SO2"] >= MIN_SLIP_T]
    if so2:
        e, permit, oy = rng.choice(so2)
        slips.append(_slip(e, permit, oy, year, "so2_inconsistent_with_sulfur", "SO2", SO2_FACTOR,
                           "G103-1 二氧化硫排放量 written at 10 % of what the row's own coal and sulfur give; clean rows "
                           "follow SO2 (t) = 燃料消耗量 (t) x 20 x 含硫量(%) x (1 - 0.15) / 1000 x (1 - 脱硫效率(%)/100) "
                           "(T/CSES 144-2024 formula (3), sulfur retention 0.15 of Table C.1, no FGD where 脱硫效率 is "
                           "'/'), rounded to 0.001 t; 基101 and the permit files keep the true value"))
        taken = taken | {e.uscc}
    year = world.years[-1]
    burners = Counter(e.industry_code for e in world.enterprises if _burns_coal(e, year))
    nox = [c for c in _coal_outlets(world, year, taken)
           if burners[c[0].industry_code] - 1 >= MIN_COAL_PEERS and c[2].emitted["NOx"] >= MIN_SLIP_T]
    if nox:
        e, permit, oy = rng.choice(nox)
        slips.append(_slip(e, permit, oy, year, "nox_decimal_slip", "NOx", NOX_FACTOR,
                           "G103-1 氮氧化物排放量 written x10 (a slipped decimal): a NOx/CO2 outlier among the "
                           "industry's coal burners; 基101 and the permit files keep the true value")
                     | {"industry_code": e.industry_code, "coal_peer_enterprises": burners[e.industry_code] - 1})
    return slips


def _slip(enterprise: Enterprise, permit_no: str, outlet: OutletYear, year: int, kind: str, pollutant: str,
          factor: float, note: str) -> dict:
    return {"kind": kind, "uscc": enterprise.uscc, "facility_id": permit_no, "outlet_code": outlet.outlet.code,
            "fuel_code": outlet.outlet.fuel_code, "year": year, "pollutant": pollutant, "factor": factor, "note": note}
