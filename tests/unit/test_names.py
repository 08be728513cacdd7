"""Name keys over the real MEE 2019-2020 power-sector list: dirty spellings become variants of one key."""

import json

from pipelines.transform.names import name_key


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
    assert collisions  # province prefixes are dropped: 内蒙古伊品… and 宁夏伊品… share a key ...
    for key, codes in collisions.items():  # ... but never within one province (USCC characters 3-4)
        provinces = [c[2:4] for c in codes]
        assert len(set(provinces)) == len(provinces), (key, codes)


def test_legal_forms_and_branches():
    assert name_key("演示甲热电有限公司").key == name_key("演示甲热电有限责任公司").key == "演示甲热电"
    assert name_key("玖龙纸业〈太仓）有限公司").key == name_key("玖龙纸业(太仓)有限公司").key == "玖龙纸业太仓"
    assert name_key("河钢股份有限公司唐山分公司").is_branch and not name_key("河钢股份有限公司").is_branch
    assert name_key("演示甲发电第二分厂有限公司").is_branch
    assert name_key("河南省郑州演示乙化工有限公司").key == name_key("郑州市演示乙化工有限公司").key == "演示乙化工"
    assert name_key("河南省").key == "河南省"  # nothing left to compare: the prefix stays
