"""The synthetic province: enterprises, sites and their true fuel use per year, from one seed.

Every name starts with 演示 (demo) so nobody mistakes it for a real enterprise. Codes are real
(GB/T 2260 regions, GB/T 4754-2017 industries, GB 32100 check characters); numbers are invented.
Writers in `synth.writers_*` render this one world into each source system's files, and
anomalies are injected there, with their ground truth in the manifest.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import polars as pl

from inventories.reference import industries, regions
from schemas.identifiers import USCC_ALPHABET, org_code_check_char, org_code_from_uscc, uscc_check_char

# Archetypes: industry code, name word, count weight, median heat input (GJ/a), log-sigma, fuel mix.
# Fuel shares are of heat input; fuel codes are those of inventories/reference/fuels.csv.
ARCHETYPES: list[tuple[str, str, float, float, float, dict[str, float]]] = [
    ("4411", "发电", 0.045, 1.0e7, 0.6, {"bituminous": 0.97, "diesel": 0.03}),
    ("4412", "热电", 0.055, 4.0e6, 0.8, {"bituminous": 0.9, "natural_gas": 0.1}),
    ("3011", "水泥", 0.050, 2.5e6, 0.6, {"bituminous": 0.95, "diesel": 0.05}),
    ("3041", "玻璃", 0.008, 1.5e6, 0.5, {"natural_gas": 0.8, "fuel_oil": 0.1, "petroleum_coke": 0.1}),
    ("3110", "钢铁", 0.010, 5.0e6, 0.6, {"coke": 0.6, "blast_furnace_gas": 0.25, "bituminous": 0.15}),
    ("3120", "特钢", 0.010, 3.0e6, 0.6, {"converter_gas": 0.4, "coke_oven_gas": 0.3, "natural_gas": 0.3}),
    ("3216", "铝业", 0.012, 3.0e6, 0.6, {"bituminous": 0.85, "natural_gas": 0.15}),
    ("2511", "石化", 0.003, 8.0e6, 0.4, {"refinery_gas": 0.6, "fuel_oil": 0.2, "natural_gas": 0.2}),
    ("2614", "化工", 0.015, 2.0e6, 0.8, {"bituminous": 0.6, "natural_gas": 0.4}),
    ("2621", "化肥", 0.010, 4.0e6, 0.6, {"anthracite": 0.8, "bituminous": 0.2}),
    ("2221", "纸业", 0.015, 1.2e6, 0.7, {"bituminous": 0.8, "natural_gas": 0.2}),
    # not covered by the key-emitter rule: many small and a few large emitters
    ("1391", "淀粉", 0.040, 3.0e5, 1.0, {"bituminous": 0.7, "natural_gas": 0.3}),
    ("1511", "酒业", 0.030, 1.5e5, 1.0, {"bituminous": 0.5, "natural_gas": 0.5}),
    ("1713", "印染", 0.080, 6.0e4, 0.9, {"natural_gas": 0.8, "diesel": 0.2}),
    ("2641", "涂料", 0.060, 3.0e4, 0.9, {"natural_gas": 0.9, "diesel": 0.1}),
    ("2927", "塑料", 0.080, 2.0e4, 0.9, {"natural_gas": 0.8, "diesel": 0.2}),
    ("3031", "砖瓦", 0.080, 8.0e4, 0.8, {"bituminous": 0.8, "diesel": 0.2}),
    ("3130", "钢材", 0.080, 1.5e5, 0.9, {"natural_gas": 0.9, "diesel": 0.1}),
    ("3311", "钢构", 0.090, 1.5e4, 0.9, {"natural_gas": 0.6, "diesel": 0.4}),
    ("3360", "热处理", 0.090, 2.5e4, 0.9, {"natural_gas": 0.9, "diesel": 0.1}),
    ("3670", "汽配", 0.090, 3.0e4, 0.9, {"natural_gas": 0.9, "diesel": 0.1}),
]

BRANDS = list("恒泰华豫中源鑫宏达兴瑞丰安盛隆昌永康新嘉德通晟祥和金龙凯")
LEGAL_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
# approximate prefecture centres, only to scatter synthetic coordinates plausibly
CITY_CENTRES = {
    "410100": (34.75, 113.65), "410200": (34.80, 114.31), "410300": (34.62, 112.45), "410400": (33.77, 113.19),
    "410500": (36.10, 114.39), "410600": (35.75, 114.30), "410700": (35.30, 113.93), "410800": (35.22, 113.24),
    "410900": (35.76, 115.03), "411000": (34.04, 113.85), "411100": (33.58, 114.02), "411200": (34.77, 111.20),
    "411300": (33.00, 112.53), "411400": (34.41, 115.66), "411500": (32.15, 114.09), "411600": (33.63, 114.70),
    "411700": (32.98, 114.02), "419001": (35.07, 112.60),
}
YEAR_SPREAD = 0.08  # log-sd of year-to-year activity change


@dataclass
class Site:
    permit_no: str
    name: str
    county_code: str
    city_code: str
    lat: float
    lon: float
    management_category: str  # 重点管理 / 简化管理 / 登记管理
    valid_from: str  # permit validity, YYYY-MM-DD
    valid_to: str
    fuel_heat_gj: dict[int, dict[str, float]] = field(default_factory=dict)  # year -> fuel -> heat GJ


@dataclass
class Enterprise:
    uscc: str
    name: str
    industry_code: str
    name_word: str
    county_code: str
    city_code: str
    sites: list[Site]
    former_name: str | None = None  # set for renamed enterprises (现用名（曾用名）)
    unidentified_year: int | None = None  # the statistics form of this year carries no code (a name-only record)
    captive_power: bool = False  # runs a captive power unit: its permits' 行业类别 also name 热电联产

    @property
    def org_code(self) -> str:
        return org_code_from_uscc(self.uscc)


@dataclass
class World:
    seed: int
    years: list[int]
    enterprises: list[Enterprise]

    @property
    def sites(self) -> list[Site]:
        return [s for e in self.enterprises for s in e.sites]


def _counties() -> dict[str, list[str]]:
    table = regions()
    by_city: dict[str, list[str]] = {}
    for row in table.filter(pl.col("level") == "county").iter_rows(named=True):
        by_city.setdefault(row["parent_code"], []).append(row["region_code"])
    for city in table.filter(pl.col("level") == "city")["region_code"]:
        by_city.setdefault(city, [city])  # 济源 has no counties below it
    return by_city


def _make_uscc(rng: random.Random, county: str, used: set[str]) -> str:
    while True:
        body8 = "".join(rng.choice("0123456789" * 3 + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
        org = body8 + org_code_check_char(body8)
        if any(c not in USCC_ALPHABET for c in org):
            continue
        body17 = "91" + county + org
        code = body17 + uscc_check_char(body17)
        if code not in used:
            used.add(code)
            return code


def permit_validity(start_year: int, month: int, day: int) -> tuple[str, str]:
    """有效期限 of a permit issued for five years: (valid_from, valid_to), ISO dates, the day before the fifth anniversary."""
    return f"{start_year}-{month:02d}-{day:02d}", f"{start_year + 5}-{month:02d}-{day - 1 or 1:02d}"


def renewal_start_years(years: list[int]) -> list[int]:
    """Start years of the validity the registry shows for a clean site: in force in every data year.

    Permits are renewed (延续) and the registry snapshot shows the current validity, so it starts no earlier than
    five years before the last data year ends and no later than the first data year (just the first if the span is
    longer than a permit).
    """
    return list(range(min(years[-1] - 4, years[0]), years[0] + 1))


def build_world(seed: int = 20261121, n_sites: int = 1500, years: tuple[int, int] = (2021, 2023)) -> World:
    """A deterministic province of about `n_sites` sites (about 1.25 sites per enterprise)."""
    rng = random.Random(seed)
    known_codes = set(industries()["industry_code"].to_list())
    missing = [a[0] for a in ARCHETYPES if a[0] not in known_codes]
    if missing:
        raise ValueError(f"archetype industry codes not in GB/T 4754-2017 table: {missing}")
    counties = _counties()
    cities = sorted(counties)
    weights = [a[2] for a in ARCHETYPES]
    year_list = list(range(years[0], years[1] + 1))
    renewed = renewal_start_years(year_list)
    used: set[str] = set()
    enterprises: list[Enterprise] = []
    n_made = 0
    while n_made < n_sites:
        code, word, _, median, sigma, mix = rng.choices(ARCHETYPES, weights)[0]
        city = rng.choice(cities)
        county = rng.choice(counties[city])
        uscc = _make_uscc(rng, county, used)
        brand = "".join(rng.sample(BRANDS, 2))
        name = f"演示{brand}{word}{rng.choice(LEGAL_FORMS)}"
        n_sites_here = min(rng.choices([1, 2, 3, 4], [0.85, 0.1, 0.03, 0.02])[0], n_sites - n_made)
        scale = math.exp(rng.gauss(math.log(median), sigma))
        sites = []
        for seq in range(1, n_sites_here + 1):
            site_city = city if seq == 1 or rng.random() < 0.6 else rng.choice(cities)
            site_county = county if site_city == city else rng.choice(counties[site_city])
            lat0, lon0 = CITY_CENTRES[site_city]
            start_year = renewed[rng.randrange(5) * len(renewed) // 5]  # one draw of five, as before the renewals
            start, end = permit_validity(start_year, rng.randint(1, 12), rng.randint(1, 28))
            category = "重点管理" if scale > 2e5 else rng.choice(["简化管理", "登记管理"])
            site_share = 1.0 if n_sites_here == 1 else (0.6 if seq == 1 else 0.4 / (n_sites_here - 1))
            site = Site(
                permit_no=f"{uscc}{seq:03d}{rng.choice('PQUV')}",
                name=name if seq == 1 else name.replace("有限", f"第{'一二三四'[seq - 1]}分厂有限", 1),
                county_code=site_county, city_code=site_city,
                lat=round(lat0 + rng.uniform(-0.3, 0.3), 5), lon=round(lon0 + rng.uniform(-0.3, 0.3), 5),
                management_category=category, valid_from=start, valid_to=end,
            )
            for year in year_list:
                heat = scale * site_share * math.exp(rng.gauss(0, YEAR_SPREAD))
                site.fuel_heat_gj[year] = {fuel: heat * share for fuel, share in mix.items()}
            sites.append(site)
        enterprise = Enterprise(uscc, name, code, word, county, city, sites)
        if rng.random() < 0.05:
            enterprise.former_name = f"演示{''.join(rng.sample(BRANDS, 2))}{word}有限公司"
        enterprises.append(enterprise)
        n_made += n_sites_here
    namesake = _namesake(enterprises, counties, random.Random(seed + 1), used, year_list)
    enterprises += [namesake] if namesake else []
    return World(seed=seed, years=year_list, enterprises=enterprises)


def _namesake(enterprises: list[Enterprise], counties: dict[str, list[str]], rng: random.Random, used: set[str],
              years: list[int]) -> Enterprise | None:
    """A second legal person with the same name key in the same city (another legal form, another county).

    The first one's last-year statistics form carries no code, so its name fits both: matching must send it
    to review, never guess.
    """
    candidates = [e for e in enterprises if len(e.sites) == 1 and len(counties[e.city_code]) > 1
                  and e.former_name is None and e.industry_code in ("4411", "4412", "3011")]  # coal: always surveyed
    if not candidates:
        return None
    original = candidates[0]
    original.unidentified_year = years[-1]
    county = next(c for c in counties[original.city_code] if c != original.county_code)
    uscc = _make_uscc(rng, county, used)
    form = next(f for f in LEGAL_FORMS if not original.name.endswith(f))
    name = original.name.removesuffix(next(f for f in sorted(LEGAL_FORMS, key=len, reverse=True)
                                           if original.name.endswith(f))) + form
    site0 = original.sites[0]
    site = Site(permit_no=f"{uscc}001{rng.choice('PQUV')}", name=name, county_code=county, city_code=original.city_code,
                lat=site0.lat, lon=round(site0.lon + 0.05, 5), management_category=site0.management_category,
                valid_from=site0.valid_from, valid_to=site0.valid_to,
                fuel_heat_gj={y: {f: h * 0.5 for f, h in fuel.items()} for y, fuel in site0.fuel_heat_gj.items()})
    return Enterprise(uscc, name, original.industry_code, original.name_word, county, original.city_code, [site])
