"""Entity resolution on small hand-made core tables: each pass, each guard and each kind of curation decision."""

import polars as pl

from inventories.matching.decisions import Decision
from pipelines.resolve.curation import load_decisions, settle_log
from pipelines.resolve.entity_resolution import resolve
from schemas.identifiers import org_code_check_char, uscc_check_char


def _uscc(county: str, body8: str) -> str:
    body17 = "91" + county + body8 + org_code_check_char(body8)
    return body17 + uscc_check_char(body17)


A = _uscc("410102", "10000001")  # 演示甲化工, 郑州 中原区, two sites
B = _uscc("410302", "10000002")  # 演示乙水泥, 洛阳, one site
C = _uscc("410102", "10000003")  # 演示丙化工 in 郑州 too
D = _uscc("410302", "10000004")  # 演示甲化工 in 洛阳: a homonym of A in another city
A1, A2, B1 = A + "001P", A + "002Q", B + "001P"


def _frame(rows: list[dict], table: str) -> pl.DataFrame:
    out = [{"source_file": f"{table}.xlsx", "sheet_name": "s", "row_number": i + 2, "file_sha256": "0" * 64, **r}
           for i, r in enumerate(rows)]
    return pl.DataFrame(out, infer_schema_length=None)


def _tables(envstat: list[dict]) -> dict[str, pl.DataFrame]:
    registry = [
        {"permit_no": A1, "uscc": A, "enterprise_name": "演示甲化工有限公司", "region_code": "410102", "city_code": "410100"},
        {"permit_no": A2, "uscc": A, "enterprise_name": "演示甲化工第二分厂有限公司", "region_code": "410181",
         "city_code": "410100"},
        {"permit_no": B1, "uscc": B, "enterprise_name": "演示乙水泥有限公司", "region_code": "410302", "city_code": "410300"},
    ]
    ghg = [{"uscc": u, "enterprise_name": n, "industry_code": i, "region_code": r, "year": 2023}
           for u, n, i, r in ((A, "演示甲化工有限公司", "2614", "410102"), (B, "演示乙水泥有限公司", "3011", "410302"),
                              (C, "演示丙化工有限公司", "2614", "410102"), (D, "演示甲化工有限公司", "2614", "410302"))]
    tables = {"core_permit__registry": _frame(registry, "registry"),
              "core_ghg__fuel_lines": _frame(ghg, "ghg")}
    if envstat:
        tables["core_envstat__enterprise"] = _frame([{"year": 2023, **r} for r in envstat], "envstat")
    return tables


def _envstat_rows(result: dict) -> dict[int, dict]:
    assn = result["assn"].filter(pl.col("source_table") == "core_envstat__enterprise")
    return {r["row_number"]: r for r in assn.iter_rows(named=True)}


def test_identifiers_decide_first():
    result = resolve(_tables([
        {"uscc": B, "enterprise_name": "演示乙水泥有限公司", "region_code": "410302"},
        {"org_code": A[8:17], "enterprise_name": "演示甲化工有限公司", "region_code": "410102"},
        {"uscc": A, "enterprise_name": "演示甲化工有限公司", "permit_no": A2, "region_code": "410181"},
    ]), [])
    rows = _envstat_rows(result)
    assert (rows[2]["match_method"], rows[2]["uscc"], rows[2]["facility_id"]) == ("uscc_site", B, B1)  # one site
    assert (rows[3]["match_method"], rows[3]["uscc"], rows[3]["facility_id"]) == ("org_code", A, None)  # two sites
    assert (rows[4]["match_method"], rows[4]["facility_id"]) == ("permit_no", A2)
    assert all(r["is_countable"] and r["match_score"] == 1.0 for r in rows.values())
    sites = result["sites"]
    assert sites.filter(pl.col("uscc") == A).height == 2 and set(sites["facility_kind"]) == {"permit_site", "enterprise_site"}
    assert sites.filter(pl.col("facility_id") == C + "-E").height == 1  # C has no permit: one enterprise-level site
    assert sites.filter(pl.col("facility_id") == A2)["is_branch"].item()


def test_names_match_within_the_city_and_never_guess():
    result = resolve(_tables([
        {"enterprise_name": "郑州市演示甲化工有限责任公司", "region_code": "410102", "industry_code": "2614"},
        {"enterprise_name": "演示 乙水泥股份有限公司", "region_code": "410303"},  # other county, same city
        {"enterprise_name": "演示甲化工有限公司", "region_code": None},  # no region: not taken
        {"enterprise_name": "演示丁纸业有限公司", "region_code": "410102"},  # nobody of that name
        {"enterprise_name": "演示甲化工第二分厂有限公司", "region_code": "410181"},  # a branch: the site, not the parent
        {"enterprise_name": "演示丙化工有限公司", "region_code": "410102", "industry_code": "3011"},  # other division
    ]), [])
    rows = _envstat_rows(result)
    assert (rows[2]["uscc"], rows[2]["match_method"], rows[2]["match_score"]) == (A, "name_region", 1.0)  # not D (洛阳)
    assert (rows[3]["uscc"], rows[3]["facility_id"], rows[3]["match_score"]) == (B, B1, 0.9)
    assert rows[4]["match_status"] == "unmatched" and not rows[4]["is_countable"]
    assert rows[5]["match_status"] == "unmatched"
    assert (rows[6]["uscc"], rows[6]["facility_id"]) == (A, A2)
    assert rows[7]["match_status"] == "unmatched"  # 化工 (26) is not 水泥 (30): industry division disagrees
    review = result["review"]
    assert set(review["review_kind"]) == {"no_region", "near_match"}
    near = review.filter(pl.col("review_kind") == "near_match")  # shown to the analyst, not taken
    assert C in near["candidate_uscc"].to_list() and set(near["enterprise_name"]) == {"演示丙化工有限公司"}
    unmatched = result["unmatched"]
    assert unmatched.height == 3 and unmatched["match_reason_en"].str.contains("no USCC|no region").all()
    aliases = result["aliases"].filter(pl.col("uscc") == A)
    assert "郑州市演示甲化工有限责任公司" in aliases["alias"].to_list()  # a spelling recorded as a variant of A
    assert result["firms"].height == 4  # names never create enterprises


def test_two_candidates_in_one_city_are_ambiguous_and_held_out():
    tables = _tables([{"enterprise_name": "演示甲化工有限公司", "region_code": "410102"}])
    clash = _uscc("410103", "10000005")  # a second 演示甲化工 in 郑州 (二七区)
    tables["core_ghg__fuel_lines"] = pl.concat([tables["core_ghg__fuel_lines"], _frame(
        [{"uscc": clash, "enterprise_name": "演示甲化工股份有限公司", "industry_code": "2614", "region_code": "410103",
          "year": 2023}], "ghg2")], how="diagonal_relaxed")
    result = resolve(tables, [])
    row = _envstat_rows(result)[2]
    assert (row["match_status"], row["conflict_kind"], row["is_countable"]) == ("ambiguous", "ambiguous_match", False)
    review = result["review"]
    assert set(review["candidate_uscc"]) == {A, clash} and review["curation_line"].str.starts_with("confirm,I").all()


def test_a_site_tied_to_two_enterprises_is_held_out():
    wrong_permit = {"uscc": B, "permit_no": A1, "enterprise_name": "演示乙水泥有限公司", "region_code": "410302"}
    result = resolve(_tables([wrong_permit]), [])
    held = result["assn"].filter(pl.col("facility_id") == A1)
    assert held.height == 2 and (held["conflict_kind"] == "site_two_enterprises").all() and not held["is_countable"].any()
    conflicts = result["conflicts"]
    assert conflicts.filter(pl.col("conflict_kind") == "site_two_enterprises")["record_count"].sum() == 2
    assert result["unmatched"].height == 0  # matched, but held: reported as a conflict, not as unmatched


def _key(result: dict, row_number: int) -> str:
    return _envstat_rows(result)[row_number]["identity_key"]


def test_curation_rejects_confirms_and_splits(tmp_path):
    envstat = [{"enterprise_name": "郑州市演示甲化工有限责任公司", "region_code": "410102"},
               {"uscc": B, "enterprise_name": "演示乙水泥有限公司", "region_code": "410302"},
               {"enterprise_name": "演示甲化工有限公司", "region_code": None}]
    first = resolve(_tables(envstat), [])
    k2, k3, k4 = _key(first, 2), _key(first, 3), _key(first, 4)
    (tmp_path / "matches.csv").write_text(
        "action,identity_key,facility_id,uscc,who,why,decided_on\n"
        f"reject,{k2},,{A},王工,核实为另一家企业,2026-11-20\n"
        f"split,{k3},B1-NEW,,王工,乙水泥新厂区单独核算,2026-11-20\n"
        f"确认,{k4},,{A},李工,电话核实,2026-11-20\n"
        f"confirm,I000000000aa,,{A},李工,旧记录,2026-11-20\n"
        f"confirm,{k4},,{A},李工,,2026-11-20\n",
        encoding="utf-8-sig")
    decisions, log = load_decisions(tmp_path)
    assert [d.action for d in decisions] == ["reject", "split", "confirm", "confirm"]
    second = resolve(_tables(envstat), decisions)
    rows = _envstat_rows(second)
    assert rows[2]["match_status"] == "unmatched" and rows[2]["curated_by"] == "王工: 核实为另一家企业"
    assert (rows[3]["facility_id"], rows[3]["uscc"], rows[3]["match_method"]) == ("B1-NEW", B, "curated")
    assert second["sites"].filter(pl.col("facility_id") == "B1-NEW")["facility_kind"].item() == "curated_site"
    assert (rows[4]["uscc"], rows[4]["match_method"], rows[4]["is_countable"]) == (A, "curated", True)
    settled = settle_log(log, second["curation_status"])
    assert settled["curation_status"].to_list() == ["applied", "applied", "applied", "stale", "invalid"]
    assert "who and why" in settled.filter(pl.col("row_number") == 6)["message_en"].item()


def test_curation_targets_must_exist():
    first = resolve(_tables([{"enterprise_name": "演示甲化工有限公司", "region_code": None}]), [])
    key = _key(first, 2)
    decisions = [Decision(2, "confirm", key, "NOPE", None, "王工", "试", None),
                 Decision(3, "split", key, A1, None, "王工", "试", None)]
    result = resolve(_tables([{"enterprise_name": "演示甲化工有限公司", "region_code": None}]), decisions)
    assert [v[0] for _, v in sorted(result["curation_status"].items())] == ["invalid", "invalid"]
    assert _envstat_rows(result)[2]["match_status"] == "unmatched"


def test_ghg_enterprise_with_partly_matched_sites_is_reported():
    permit_rows = [{"permit_no": A1, "uscc": A, "year": 2023}]  # an execution report for site 1 only
    tables = _tables([])
    tables["core_permit__execution_emissions"] = _frame(permit_rows, "exec")
    result = resolve(tables, [])
    partial = result["conflicts"].filter(pl.col("conflict_kind") == "ghg_sites_partly_matched")
    assert partial.select("uscc", "record_year", "record_count").rows() == [(A, 2023, 1)]
