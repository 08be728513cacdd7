"""Cell parsers: dates and periods, coordinates, identifiers, names, pollutants, tri-state missing."""

import datetime as dt

import pytest

from inventories.units import to_canonical
from pipelines.read import parsers
from pipelines.read.values import CellError, is_not_applicable, parse_number


@pytest.mark.parametrize(("text", "expected"), [
    ("2023年12月31日", dt.date(2023, 12, 31)), ("2023-12-31", dt.date(2023, 12, 31)), ("2023/1/5", dt.date(2023, 1, 5)),
    ("2023.12.31", dt.date(2023, 12, 31)), ("45291", dt.date(2023, 12, 31)), ("2023-12-31T00:00:00", dt.date(2023, 12, 31)),
    ("/", None),
])
def test_dates(text, expected):
    assert parsers.date(text) == expected


def test_periods_and_ranges():
    assert parsers.month("2024年6月") == (2024, 6) and parsers.month("202406") == (2024, 6)
    assert parsers.month("2024-06") == (2024, 6) and parsers.month("6月", year=2024) == (2024, 6)
    assert parsers.quarter("第2季度", year=2024) == (2024, 2) and parsers.quarter("2024年第二季度") == (2024, 2)
    assert parsers.date_range("2020-08-13至2023-08-12") == (dt.date(2020, 8, 13), dt.date(2023, 8, 12))
    for bad in ("2024年13月", "2024年"):
        with pytest.raises(CellError):
            parsers.month(bad)
    with pytest.raises(CellError, match="invalid validity"):
        parsers.date_range("2023-08-12至2020-08-13")


def test_coordinates_decimal_and_dms():
    assert parsers.coordinate("117/13/9.08", 73, 136, "经度") == pytest.approx(117 + 13 / 60 + 9.08 / 3600, abs=1e-6)
    assert parsers.coordinate("117°13′9.08″", 73, 136, "经度") == parsers.coordinate("117/13/9.08", 73, 136, "经度")
    assert parsers.coordinate("34.75", 3, 54, "纬度") == 34.75
    with pytest.raises(CellError):
        parsers.coordinate("11.7", 73, 136, "经度")


def test_identifiers_and_names():
    assert parsers.enterprise_code("69922961-7(01)") == {"uscc": None, "org_code": "699229617", "sub_unit_code": "01"}
    assert parsers.enterprise_code("91130200699229617X")["org_code"] == "699229617"
    with pytest.raises(CellError, match="check character"):
        parsers.enterprise_code("69922961-8")
    assert parsers.enterprise_code("/") == {"uscc": None, "org_code": None, "sub_unit_code": None}  # matched by name
    assert parsers.name_with_former("演示甲有限公司（演示甲厂、演示甲集团）") == {
        "enterprise_name": "演示甲有限公司", "former_names": "演示甲厂;演示甲集团"}
    assert parsers.name_with_former("演示(河南)有限公司")["former_names"] is None  # a bracket that is not a former name
    assert parsers.permit_no("h9410100ma44abcdea001q") == "H9410100MA44ABCDEa001Q"  # the lower-case letter stays
    assert parsers.region_code("410102000000") == "410102" and parsers.region_code("419000") == "419001"


def test_pollutants_and_missing_states():
    assert parsers.pollutant("A21026", "二氧化硫")["pollutant"] == "SO2"
    assert parsers.pollutant(None, "烟(粉)尘")["pollutant"] == "PM"
    assert parse_number("零") == (0.0, None) and parse_number("1,234.5t") == (1234.5, "t")
    assert is_not_applicable("/") and is_not_applicable("无") and not is_not_applicable("")
    assert to_canonical(0.123456, "万吨", "mass_t") == 1234.56  # decimal arithmetic: exactly the float of 1234.56
    assert to_canonical(12.5, "万千瓦时", "electricity_mwh") == 125.0


@pytest.mark.parametrize(("text", "expected"), [
    ("河南省-郑州市-中原区", ("410100", "410102")),
    ("410102", ("410100", "410102")),  # a county code typed where the platform writes names
    ("410100", ("410100", "410100")),  # a prefecture code
    ("419001", ("419001", "419001")),  # 济源, a county-level city directly under the province
])
def test_region_path_reads_names_and_codes(text, expected):
    found = parsers.region_path(text)
    assert (found["city_code"], found["region_code"]) == expected


def test_region_path_names_an_unknown_code():
    with pytest.raises(CellError, match="unknown region code '999999'"):
        parsers.region_path("999999")
