import json

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.identifiers import (
    USCC_ALPHABET,
    is_valid_org_code,
    is_valid_uscc,
    org_code_check_char,
    org_code_expr,
    org_code_from_uscc,
    uscc_check_char,
)


def test_worked_example_from_hj608():
    # 9·1 + 1·3 + 1·9 + 3·27 + 0·19 + 2·26 + 0·16 + 0·17 + 6·20 + 9·29 + 9·25 + 2·13 + 2·8 + 9·24 + 6·10 + 1·30
    # + 7·28 = 1304; 1304 mod 31 = 2; 31 - 2 = 29 -> 'X'
    assert uscc_check_char("91130200699229617") == "X"
    assert is_valid_uscc("91130200699229617X")
    assert not is_valid_uscc("91130200699229617Y")
    assert not is_valid_uscc("9113020069922961")  # too short
    assert not is_valid_uscc("91130200699229617I")  # I is not in the alphabet


def test_a_letter_registration_authority_is_accepted():
    # GB 32100 gives some registration authorities a letter (N 农业, Y 其他), so the first character may be one;
    # stdnum.cn.uscc.is_valid refuses that (it wants 8 leading digits), is_valid_uscc keeps accepting it.
    # Alphabet values N=22, M=21, A=10, K=19, X=29; weights 3^i mod 31:
    # 22·1 + 2·3 + 4·9 + 1·27 + 0·19 + 1·26 + 0·16 + 2·17 + 21·20 + 10·29 + 4·25 + 6·13 + 19·8 + 0·24 + 29·10
    # + 3·30 + 1·28 = 1599; 1599 mod 31 = 18; 31 - 18 = 13 -> 'D'
    assert uscc_check_char("N2410102MA46K0X31") == "D"
    assert is_valid_uscc("N2410102MA46K0X31D")
    assert not is_valid_uscc("N2410102MA46K0X31E")


@pytest.mark.parametrize("code", [
    "91130200699229617x",   # lower case: the readers upper-case a cell before asking
    "9113020069922961 7X",  # a space: the readers remove spaces before asking
    "911302006992-29617X",  # a dash: not in the alphabet
    "91130200699229617XX",  # 19 characters
    "91130200O99229617X",   # letter O for zero: not in the alphabet
])
def test_what_the_readers_normalise_is_refused_as_written(code):
    assert not is_valid_uscc(code)


def test_org_code_worked_example():
    # 6·3 + 9·7 + 9·9 + 2·10 + 2·5 + 9·8 + 6·4 + 1·2 = 290; 290 mod 11 = 4; 11 - 4 = 7
    assert org_code_check_char("69922961") == "7"
    assert org_code_from_uscc("91130200699229617X") == "699229617"  # characters 9-17
    assert pl.select(org_code_expr(pl.lit("91130200699229617X"))).item() == "699229617"
    assert is_valid_org_code("69922961-7")
    assert is_valid_org_code("MACJTLFM7") and is_valid_org_code("X12430120")
    assert not is_valid_org_code("69922961-8")


def test_real_national_ets_list(realdata):
    entities = json.loads((realdata / "cn-ets-2019-2020" / "national_carbon_market_entities.json").read_text())["entities"]
    failing = [e for e in entities if not is_valid_uscc(e["uscc"])]
    assert len(entities) == 2305
    # exactly one code fails as published (SOURCES.md): 湖南裕华科技集团股份有限公司, check '6', 'R' expected
    assert [(e["uscc"], e["name"]) for e in failing] == [("914304007637985296", "湖南裕华科技集团股份有限公司")]
    assert uscc_check_char("91430400763798529") == "R"


def test_real_beijing_register_all_pass(realdata):
    companies = json.loads((realdata / "cn-ets-2019-2020" / "beijing_carbon_market_companies.json").read_text())
    codes = [c["credit_code"] for c in companies["companies"]]
    assert len(codes) == 1291 and all(is_valid_uscc(c) for c in codes)


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_generated_check_character_validates(body):
    code = body + uscc_check_char(body)
    assert is_valid_uscc(code)
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % 31]
    assert not is_valid_uscc(body + wrong)
