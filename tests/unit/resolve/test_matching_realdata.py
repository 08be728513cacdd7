"""Entity resolution over the real key-emitter lists (../shared/realdata/cn-ets-2019-2020, both files).

The lists are fed as enterprise-level records with their USCC; then the clean spelling of every dirty name
(〈太仓）, 笫 for 第) is fed again with no code at all. Dirty names must come out as variants of the same
enterprise, never as new enterprises, and USCC validation must catch the one bad check character.
"""

import json

import polars as pl
import pytest

from inventories.matching.names import name_key
from pipelines.resolve.entity_resolution import resolve
from schemas.identifiers import is_valid_uscc

pytestmark = pytest.mark.slow  # resolves about 4,000 real records


def _entities(realdata) -> list[tuple[str, str]]:
    folder = realdata / "cn-ets-2019-2020"
    national = json.loads((folder / "national_carbon_market_entities.json").read_text(encoding="utf-8"))["entities"]
    beijing = json.loads((folder / "beijing_carbon_market_companies.json").read_text(encoding="utf-8"))["companies"]
    return [(e["uscc"], e["name"]) for e in national] + [(c["credit_code"], c["name_zh"]) for c in beijing]


def _records(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{"source_file": "list.json", "sheet_name": None, "row_number": i + 1, "file_sha256": "0" * 64,
                          "year": 2020, **r} for i, r in enumerate(rows)],
                        schema_overrides={"sheet_name": pl.String, "uscc": pl.String}, infer_schema_length=None)


def test_real_lists_dirty_names_are_variants_not_new_enterprises(realdata):
    entities = _entities(realdata)
    valid = [(u, n) for u, n in entities if is_valid_uscc(u)]
    invalid = [(u, n) for u, n in entities if not is_valid_uscc(u)]
    assert [u for u, _ in invalid] == ["914304007637985296"]  # the one published with a wrong check character
    dirty = [(u, n) for u, n in valid if name_key(n).flags]
    assert any("笫" in n for _, n in dirty) and any("〈" in n for _, n in dirty)
    listed = [{"uscc": u, "enterprise_name": n, "region_code": u[2:8]} for u, n in valid]
    clean_spellings = [{"enterprise_name": n.replace("笫", "第").replace("〈", "（").replace("〉", "）"),
                        "region_code": u[2:8]} for u, n in dirty]
    result = resolve({"core_ghg__reported_totals": _records(listed + clean_spellings)}, [])

    firms = result["firms"]
    assert firms.height == len({u for u, _ in valid})  # names never merge or invent legal persons
    assn = result["assn"].sort("row_number")
    probes = assn.tail(len(clean_spellings))
    assert probes["uscc"].to_list() == [u for u, _ in dirty]  # each clean spelling finds the dirty-named enterprise
    assert (probes["match_method"] == "name_region").all()
    variants = result["aliases"].filter(pl.col("name_flags").is_not_null())
    assert set(variants["uscc"]) == {u for u, _ in dirty}
    assert set(variants["name_flags"].str.split(";").explode()) == {"mixed_brackets", "typo"}
    both = result["aliases"].filter(pl.col("uscc").is_in([u for u, _ in dirty]) & (pl.col("alias_kind") == "name"))
    assert both.group_by("uscc").agg(pl.col("name_key").n_unique())["name_key"].max() == 1  # one key per enterprise
