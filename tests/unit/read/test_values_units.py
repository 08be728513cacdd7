import re
import unicodedata

import pytest

from inventories.units import (
    UnitError,
    canonical,
    carbon_content_to_canonical,
    fraction_from_percent,
    ncv_to_canonical,
    quantity_to_canonical,
)
from pipelines.read.rows import apply_rules
from pipelines.read.sources.ghg import FUEL_LINE_RULES
from pipelines.read.values import CellError, parse_number, parse_year
from schemas.headers import _BRACKETS, normalise_text, split_header


@pytest.mark.parametrize("text, expected", [
    ("1,234.5", (1234.5, None)), ("150mg/Nm3", (150.0, "mg/Nm3")), ("12,345.6吨", (12345.6, "吨")),
    ("/", (None, None)), ("—", (None, None)), ("无", (None, None)), (None, (None, None)), ("-350", (-350.0, None)),
    ("1.5e3", (1500.0, None)),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["1,2O5.3", "abc", "12..5"])
def test_parse_number_rejects_with_bilingual_reason(text):
    with pytest.raises(CellError) as err:
        parse_number(text)
    assert "无法识别" in err.value.zh and "not a number" in err.value.en


def test_parse_year():
    assert parse_year("2021") == parse_year("2021年") == parse_year("2021年度") == parse_year("2021.0") == 2021
    with pytest.raises(CellError):
        parse_year("")


def test_quantity_units():
    assert quantity_to_canonical(1.5, "万吨", "t") == 15_000.0
    assert quantity_to_canonical(250.0, "千克", "t") == 0.25
    assert quantity_to_canonical(12.0, "万Nm3", "10^4Nm3") == 12.0
    assert quantity_to_canonical(50_000.0, "Nm3", "10^4Nm3") == pytest.approx(5.0)
    assert quantity_to_canonical(2.0, "亿立方米", "10^4Nm3") == 20_000.0
    with pytest.raises(UnitError) as err:
        quantity_to_canonical(100.0, "吨", "10^4Nm3")  # natural gas in tonnes cannot be converted
    assert err.value.zh == "计量单位“吨”与燃料不符(应为10^4Nm3)"
    assert err.value.en == "unit '吨' does not fit this fuel (expected 10^4Nm3)"
    with pytest.raises(UnitError, match="unknown unit"):
        quantity_to_canonical(1.0, "桶", "t")


def test_a_unit_error_is_the_rows_quarantine_reason_word_for_word():
    # inventories.units cannot raise the readers' CellError; the row engine turns its UnitError into one, blaming the
    # rule's column, with the Chinese and English reason unchanged
    raw = {"year": "2023", "fuel_name": "烟煤", "fuel_quantity": "3", "fuel_unit": "桶"}
    problem = dict(apply_rules(raw, FUEL_LINE_RULES)[1])["fuel_quantity"]
    assert isinstance(problem, CellError)
    assert (problem.zh, problem.en) == ("无法识别的计量单位“桶”", "unknown unit '桶'")


def test_ncv_and_carbon_units():
    assert ncv_to_canonical(20.9, "MJ/kg", "t") == 20.9
    assert ncv_to_canonical(5000.0, "kcal/kg", "t") == pytest.approx(20.934)  # 5000 x 4.1868 kJ/kg
    assert ncv_to_canonical(38.931, "MJ/Nm3", "10^4Nm3") == pytest.approx(389.31)  # x 10^4 m3 / 1000 MJ/GJ
    assert carbon_content_to_canonical(26.1, "kgC/GJ") == pytest.approx(0.0261)
    assert fraction_from_percent(93) == 0.93 and fraction_from_percent(0.98) == 0.98


@pytest.mark.parametrize("written, fuel_unit", [("MJ/kg", "t"), ("kJ/kg", "t"), ("MJ/Nm3", "10^4Nm3"),
                                                ("kJ/Nm3", "10^4Nm3")])
def test_a_factor_set_and_an_export_read_an_ncv_unit_alike(written, fuel_unit):
    # one registry: 1 MJ/Nm3 = 10 GJ per 10^4 Nm3 whether a factor set or a G103-1 cell writes it (lower case too)
    assert ncv_to_canonical(1.0, written.lower(), fuel_unit) == canonical(written)[1]


def test_text_normalisation():
    assert normalise_text("９１４１（郑州）〈分厂〉　有限公司") == "9141(郑州)(分厂) 有限公司"
    assert split_header("消耗量（万吨）") == ("消耗量", "万吨")
    assert split_header("\ufeff报告年度") == ("报告年度", None)


def _normalised_by_definition(text: str) -> str:
    """NFKC, the bracket map, whitespace runs made one space, stripped: the definition the fast path must keep."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).translate(_BRACKETS)).strip()


def test_text_normalisation_keeps_its_definition_for_every_space_and_ascii_character():
    # normalise_text skips NFKC for ASCII and collapses with str.split: both must agree with the regex definition
    # wherever they could differ, i.e. on every character Python counts as space and every ASCII character
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace() or re.fullmatch(r"\s", chr(c))]
    assert "\u3000" in spaces and "\x1c" in spaces and "\u00a0" in spaces
    samples = [*spaces, *map(chr, range(128)), "〈", "】", "９", "ｍｇ／Ｎｍ３", "㎡", "ﾃ"]
    for char in samples:
        for text in (char, f" 1{char}{char}2 ", f"郑州{char}〔分厂〕", f"{char}a\t{char}"):
            assert normalise_text(text) == _normalised_by_definition(text), repr(text)
