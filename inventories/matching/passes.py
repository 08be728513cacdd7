"""Match every identity to a facility and an enterprise: identifiers, then names, then the analysts' word.

1. Identifiers (deterministic): permit number -> site; USCC -> enterprise (and its site if it has one);
   old organisation code (USCC characters 9-17) -> enterprise when exactly one USCC carries it.
2. Names, for identities no identifier resolved: the name key (names.py) of the current and former
   names, looked up among entities an identifier already established, in the same city and, where both
   sides give one, the same industry division. A branch name (分公司/分厂) is looked up as a site, never
   as its parent. One candidate is a match; several are ambiguous and go to review, never guessed.
3. Curation (`curation/matches.csv`) always wins: rejections are applied before the passes, confirmations
   and splits after them, on every build.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from inventories.matching.decisions import Decision
from inventories.matching.index import EntityIndex, build_index
from inventories.matching.names import name_key

NEAR_MATCH_RATIO = 0.8  # shown to analysts for review only, never taken automatically
CURATED_PREFIX = "C-"


@dataclass(frozen=True)
class Candidate:
    facility_id: str | None
    uscc: str | None
    name: str
    score: float


@dataclass
class Assignment:
    identity_key: str
    facility_id: str | None = None
    uscc: str | None = None
    match_method: str | None = None  # permit_no / uscc_site / org_code / name_region / curated
    match_score: float | None = None
    match_status: str = "unmatched"  # matched / ambiguous / unmatched
    reason_zh: str | None = None
    reason_en: str | None = None
    curated_by: str | None = None
    review_kind: str | None = None  # ambiguous / near_match / no_region
    candidates: list[Candidate] = field(default_factory=list)

    def resolve(self, facility_id: str | None, uscc: str | None, method: str, score: float) -> Assignment:
        self.facility_id, self.uscc, self.match_method, self.match_score = facility_id, uscc, method, score
        self.match_status, self.reason_zh, self.reason_en, self.review_kind = "matched", None, None, None
        self.candidates = []
        return self

    def leave(self, status: str, zh: str, en: str, review: str | None = None,
              candidates: list[Candidate] | None = None) -> Assignment:
        self.match_status, self.reason_zh, self.reason_en, self.review_kind = status, zh, en, review
        self.candidates = candidates or []
        return self


@dataclass
class MatchResult:
    assignments: pl.DataFrame  # one row per identity_key
    review: list[dict]
    curated_sites: list[dict]
    curation_status: dict[int, tuple[str, str | None, str | None]]  # curation row -> (status, zh, en)


def _by_identifier(row: dict, index: EntityIndex, rejected: set[str]) -> Assignment | None:
    """Pass 1; None when no identifier decides (the name pass then tries)."""
    out = Assignment(row["identity_key"])
    claimed, method = None, None
    if row["uscc"] and row["uscc"] not in rejected:
        claimed, method = row["uscc"], "uscc_site"
    elif row["org_code"] and not row["uscc"]:
        owners = sorted(index.org_codes.get(row["org_code"], set()) - rejected)
        if len(owners) > 1:
            return out.leave("ambiguous", "组织机构代码对应多个统一社会信用代码，需人工确认",
                             "organisation code is carried by several USCCs; needs an analyst", "ambiguous",
                             [Candidate(index.single_site(u), u, index.firm_name.get(u, ""), 1.0) for u in owners])
        if owners:
            claimed, method = owners[0], "org_code"
    permit = row["permit_no"]
    if permit and permit not in rejected and permit in index.site_uscc:
        return out.resolve(permit, claimed or index.site_uscc[permit], "permit_no", 1.0)
    if claimed:
        return out.resolve(index.single_site(claimed, rejected), claimed, method, 1.0)  # type: ignore[arg-type]
    return None


def _score(row: dict, uscc: str | None, facility_id: str | None, index: EntityIndex) -> float:
    """0.90 for the same name key in the same city; +0.05 same county; +0.05 same 4-digit industry."""
    counties = {index.site_region[facility_id][0]} if facility_id else index.firm_counties.get(uscc or "", set())
    industries = index.firm_industries.get(uscc or "", set())
    return round(0.90 + 0.05 * (row["region_code"] in counties) + 0.05 * (row["industry_code"] in industries), 2)


def _fits(row: dict, uscc: str | None, facility_id: str | None, index: EntityIndex) -> bool:
    """Same city; and the same industry division (first two digits) where both sides know the industry."""
    cities = {index.site_region[facility_id][1]} if facility_id else index.firm_cities.get(uscc or "", set())
    if row["city_code"] not in cities:
        return False
    industries = index.firm_industries.get(uscc or "", set())
    return not (row["industry_code"] and industries and row["industry_code"][:2] not in {i[:2] for i in industries})


def _site_hits(key: str, row: dict, index: EntityIndex, rejected: set[str], is_branch: bool) -> list[Candidate]:
    """Sites named `key`: a branch name stays on that site; another name lands on the holder (and its one site)."""
    hits = []
    for fid in sorted(index.site_keys.get(key, set()) - rejected):
        uscc = index.site_uscc.get(fid)
        facility = fid if is_branch else index.single_site(uscc or "", rejected)
        if uscc not in rejected and _fits(row, uscc, fid, index):
            hits.append(Candidate(facility, uscc, index.site_name[fid], _score(row, uscc, fid, index)))
    return hits


def _firm_hits(key: str, row: dict, index: EntityIndex, rejected: set[str], is_branch: bool) -> list[Candidate]:
    """Enterprises named `key` (current, former or seen spelling)."""
    return [Candidate(index.single_site(uscc, rejected), uscc, index.firm_name.get(uscc, ""), _score(row, uscc, None, index))
            for uscc in sorted(index.firm_keys.get(key, set()) - rejected) if _fits(row, uscc, None, index)]


def _name_hits(row: dict, index: EntityIndex, rejected: set[str]) -> tuple[list[Candidate], bool]:
    """Candidates for the name pass (sites first for a branch name), and whether the name is a branch name."""
    names = [row["enterprise_name"], *((row["former_names"] or "").split(";"))]
    keys = [name_key(n) for n in names if n]
    is_branch = bool(keys) and keys[0].is_branch
    hits: list[Candidate] = []
    for lookup in (_site_hits, _firm_hits) if is_branch else (_firm_hits, _site_hits):
        hits = [c for key in keys for c in lookup(key.key, row, index, rejected, is_branch)]
        if hits:
            break
    return list({(c.facility_id, c.uscc): c for c in hits}.values()), is_branch


def _near_matches(row: dict, index: EntityIndex) -> list[Candidate]:
    """Enterprises in the same city with a similar (not equal) name key: shown for review, never taken."""
    if not row["enterprise_name"] or not row["city_code"]:
        return []
    key = name_key(row["enterprise_name"]).key
    scored = []
    for other, usccs in index.keys_in_city.get(row["city_code"], {}).items():
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        if ratio >= NEAR_MATCH_RATIO:
            scored += [Candidate(index.single_site(u), u, index.firm_name.get(u, ""), round(ratio * 0.9, 2)) for u in usccs]
    return sorted(scored, key=lambda c: -c.score)[:3]


def _by_name(row: dict, index: EntityIndex, rejected: set[str]) -> Assignment:
    out = Assignment(row["identity_key"])
    if not row["city_code"]:
        return out.leave("unmatched", "缺少行政区划代码，名称匹配不自动采用", "no region code: a name match is not taken "
                         "automatically", "no_region")
    hits, is_branch = _name_hits(row, index, rejected)
    if len(hits) == 1:
        hit = hits[0]
        return out.resolve(hit.facility_id, hit.uscc, "name_region", hit.score)
    if hits:
        what = "设施" if is_branch else "企业"
        return out.leave("ambiguous", f"名称在同一地市对应多个{what}，需人工确认",
                         f"the name fits several {'sites' if is_branch else 'enterprises'} in the city; needs an analyst",
                         "ambiguous", sorted(hits, key=lambda c: -c.score))
    near = _near_matches(row, index)
    if row["org_code"]:
        zh, en = ("组织机构代码不在任何统一社会信用代码来源中，名称也未匹配",
                  "organisation code not found in any USCC source; name not matched")
    else:
        zh, en = ("无统一社会信用代码/许可证编号，名称在本地市未匹配到企业",
                  "no USCC or permit number; the name matches no enterprise in the city")
    return out.leave("unmatched", zh, en, "near_match" if near else None, near)


def _register_names(row: dict, found: Assignment, index: EntityIndex) -> None:
    """Names of identities an identifier resolved become keys the name pass can use."""
    if found.match_status != "matched" or not found.uscc:
        return
    if row["permit_no"] and row["record_grain"] == "facility" and found.facility_id:
        index.add_site_name(found.facility_id, row["enterprise_name"])
        return
    for name in [row["enterprise_name"], *((row["former_names"] or "").split(";"))]:
        index.add_firm_name(found.uscc, name)


def match_identities(identities: pl.DataFrame, firms: pl.DataFrame, sites: pl.DataFrame, records: pl.DataFrame,
                     decisions: list[Decision]) -> MatchResult:
    """All passes over the distinct identities (one row per identity_key, with the identity columns)."""
    index = build_index(firms, sites, records)
    rejected: dict[str, set[str]] = {}
    for d in (d for d in decisions if d.action == "reject"):
        rejected.setdefault(d.identity_key, set()).update(x for x in (d.facility_id, d.uscc) if x)
    rows = identities.sort("identity_key").to_dicts()
    found: dict[str, Assignment] = {}
    for row in rows:
        result = _by_identifier(row, index, rejected.get(row["identity_key"], set()))
        if result is not None:
            found[row["identity_key"]] = result
            _register_names(row, result, index)
    for row in rows:
        if row["identity_key"] not in found:
            found[row["identity_key"]] = _by_name(row, index, rejected.get(row["identity_key"], set()))
    by_key = {r["identity_key"]: r for r in rows}
    curated_sites, status = _apply_decisions(decisions, found, by_key, index)
    review = [_review_row(by_key[k], a, c) for k, a in sorted(found.items()) for c in a.candidates or [None]
              if a.review_kind]
    return MatchResult(_frame(found.values()), review, curated_sites, status)


def _apply_decisions(decisions: list[Decision], found: dict[str, Assignment], rows: dict[str, dict],
                     index: EntityIndex) -> tuple[list[dict], dict[int, tuple[str, str | None, str | None]]]:
    """Confirm and split on top of the passes (rejections were applied before them)."""
    status: dict[int, tuple[str, str | None, str | None]] = {}
    curated_sites: list[dict] = []
    for d in sorted(decisions, key=lambda d: d.row_number):
        target = found.get(d.identity_key)
        if target is None:
            status[d.row_number] = ("stale", "本次构建中没有该记录标识(数据已变化?)", "identity_key not in this build "
                                    "(has the data changed?)")
            continue
        who = f"{d.who}: {d.why}"
        if d.action == "reject":
            status[d.row_number] = ("applied", None, None)
            target.curated_by = who
            continue
        if d.action == "split":
            fid = d.facility_id or CURATED_PREFIX + d.identity_key
            if fid in index.site_uscc:
                status[d.row_number] = ("invalid", f"拆分的新设施编号{fid}已存在", f"split: facility_id {fid} already exists")
                continue
            uscc = d.uscc or target.uscc
            row = rows[d.identity_key]
            index.site_uscc[fid], index.site_name[fid] = uscc, row["enterprise_name"] or ""
            index.site_region[fid] = (row["region_code"], row["city_code"])
            curated_sites.append({"facility_id": fid, "facility_kind": "curated_site", "uscc": uscc,
                                  "facility_name": row["enterprise_name"], "region_code": row["region_code"],
                                  "city_code": row["city_code"], "industry_code": row["industry_code"]})
            target.resolve(fid, uscc, "curated", 1.0).curated_by = who
            status[d.row_number] = ("applied", None, None)
            continue
        if d.facility_id and d.facility_id not in index.site_uscc:
            status[d.row_number] = ("invalid", f"设施编号{d.facility_id}不存在", f"unknown facility_id {d.facility_id}")
            continue
        if d.uscc and d.uscc not in index.firm_name and d.uscc not in index.sites_of:
            status[d.row_number] = ("invalid", f"统一社会信用代码{d.uscc}不在任何来源中", f"USCC {d.uscc} is in no source")
            continue
        uscc = d.uscc or index.site_uscc.get(d.facility_id or "")
        facility = d.facility_id or index.single_site(uscc or "")
        target.resolve(facility, uscc, "curated", 1.0).curated_by = who
        status[d.row_number] = ("applied", None, None)
    return curated_sites, status


def _review_row(row: dict, a: Assignment, c: Candidate | None) -> dict:
    line = f"confirm,{a.identity_key},{(c.facility_id or '') if c else ''},{(c.uscc or '') if c else ''},<who>,<why>,"
    return {"identity_key": a.identity_key, "review_kind": a.review_kind, "enterprise_name": row["enterprise_name"],
            "org_code": row["org_code"], "region_code": row["region_code"], "industry_code": row["industry_code"],
            "candidate_facility_id": c.facility_id if c else None, "candidate_uscc": c.uscc if c else None,
            "candidate_name": c.name if c else None, "match_score": c.score if c else None,
            "match_reason_zh": a.reason_zh, "match_reason_en": a.reason_en, "curation_line": line}


def _frame(assignments) -> pl.DataFrame:
    return pl.DataFrame(
        [{"identity_key": a.identity_key, "facility_id": a.facility_id, "uscc": a.uscc, "match_method": a.match_method,
          "match_score": a.match_score, "match_status": a.match_status, "match_reason_zh": a.reason_zh,
          "match_reason_en": a.reason_en, "curated_by": a.curated_by,
          "candidate_ids": ";".join(c.facility_id or c.uscc or "" for c in a.candidates) or None}
         for a in assignments],
        schema={"identity_key": pl.String, "facility_id": pl.String, "uscc": pl.String, "match_method": pl.String,
                "match_score": pl.Float64, "match_status": pl.String, "match_reason_zh": pl.String,
                "match_reason_en": pl.String,
                "curated_by": pl.String, "candidate_ids": pl.String})
