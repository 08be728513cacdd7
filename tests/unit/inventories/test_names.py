"""Name keys over the real MEE 2019-2020 power-sector list: dirty spellings become variants of one key."""

import json

from inventories.matching.names import name_key


def test_dirty_names_in_the_real_list_are_variants(realdata):
    entities = json.loads((realdata / "cn-ets-2019-2020" / "national_carbon_market_entities.json").read_text())["entities"]
    dirty = [e for e in entities if name_key(e["name"]).flags]
    assert any("笫" in e["name"] for e in dirty) and any("〈" in e["name"] for e in dirty)
    for entity in dirty:
        clean = entity["name"].replace("笫", "第").replace("〈", "（").replace("〉", "）")
        assert name_key(entity["name"]).key == name_key(clean).key, entity["name"]
        assert not name_key(clean).flags
    keys: dict[str, set[str]] = {}
    for entity in entities:
        keys.setdefault(name_key(entity["name"]).key, set()).add(entity["uscc"])
    collisions = {k: v for k, v in keys.items() if len(v) > 1}
    # Dropping province and city prefixes makes keys collide, even within one province: 华能聊城热电有限公司 and
    # 山东华能聊城热电有限公司 are two legal persons in 聊城. So a key only proposes candidates: a record whose key
    # fits two enterprises in its city goes to review (test_matching), and enterprises come only from USCCs.
    assert {"91371500743384762U", "91371500167860766H"} in collisions.values()
    assert len(collisions) < 0.02 * len(entities)


def test_legal_forms_and_branches():
    assert name_key("演示甲热电有限公司").key == name_key("演示甲热电有限责任公司").key == "演示甲热电"
    assert name_key("玖龙纸业〈太仓）有限公司").key == name_key("玖龙纸业(太仓)有限公司").key == "玖龙纸业太仓"
    assert name_key("河钢股份有限公司唐山分公司").is_branch and not name_key("河钢股份有限公司").is_branch
    assert name_key("演示甲发电第二分厂有限公司").is_branch
    assert name_key("河南省郑州演示乙化工有限公司").key == name_key("郑州市演示乙化工有限公司").key == "演示乙化工"
    assert name_key("河南省").key == "河南省"  # nothing left to compare: the prefix stays
