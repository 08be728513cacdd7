"""Look-ups the matching passes need: sites per enterprise, organisation codes, and name keys by region.

Name keys come only from identities already tied to an entity by an identifier, so a name can lead a
record to a known enterprise or site but never invent one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from inventories.matching.names import name_key
from inventories.reference import city_of


@dataclass
class EntityIndex:
    sites_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    site_uscc: dict[str, str | None] = field(default_factory=dict)
    site_name: dict[str, str] = field(default_factory=dict)
    site_region: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # (county, city)
    firm_name: dict[str, str] = field(default_factory=dict)
    firm_cities: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    firm_counties: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    firm_industries: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    org_codes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    firm_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # name key -> USCCs
    site_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # name key -> facility ids
    keys_in_city: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))

    def single_site(self, uscc: str, excluded: set[str] | frozenset[str] = frozenset()) -> str | None:
        """The enterprise's facility when it has exactly one (enterprise-level records can then sit on it)."""
        sites = [s for s in self.sites_of.get(uscc, []) if s not in excluded]
        return sites[0] if len(sites) == 1 else None

    def add_firm_name(self, uscc: str, name: str | None) -> None:
        if not name:
            return
        key = name_key(name).key
        self.firm_keys[key].add(uscc)
        for city in self.firm_cities.get(uscc, ()):
            self.keys_in_city[city][key].add(uscc)

    def add_site_name(self, facility_id: str, name: str | None) -> None:
        if name:
            self.site_keys[name_key(name).key].add(facility_id)


def build_index(firms: pl.DataFrame, sites: pl.DataFrame, records: pl.DataFrame) -> EntityIndex:
    """Entities and their regions; names are added by the matcher as identities resolve."""
    index = EntityIndex()
    for site in sites.iter_rows(named=True):
        fid, uscc = site["facility_id"], site["uscc"]
        index.site_uscc[fid] = uscc
        index.site_name[fid] = site["facility_name"] or ""
        index.site_region[fid] = (site["region_code"], site["city_code"])
        if uscc:
            index.sites_of[uscc].append(fid)
            index.firm_cities[uscc].update(c for c in (site["city_code"],) if c)
            index.firm_counties[uscc].update(c for c in (site["region_code"],) if c)
    for firm in firms.iter_rows(named=True):
        uscc = firm["uscc"]
        index.firm_name[uscc] = firm["enterprise_name"] or ""
        index.org_codes[firm["org_code"]].add(uscc)
        for code in (firm["region_code"], firm["registration_region_code"]):
            if code and city_of(code):
                index.firm_cities[uscc].add(city_of(code))  # type: ignore[arg-type]
                index.firm_counties[uscc].add(code)
    for row in records.select("uscc", "industry_code").drop_nulls().unique().iter_rows():
        index.firm_industries[row[0]].add(row[1])
    return index
