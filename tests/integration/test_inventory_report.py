"""清单报告 (`synergy report`) on the seed-7 demo build: self-contained HTML, its numbers, its charts, a real browser."""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.deliver.report import (
    ReportError,
    build_report,
    count_to_share,
    index_contributions,
    no_previous_year,
    no_synergy_pairs,
    pareto,
    yoy_changes,
    zoom_limit,
)

DIRECT = "scope in ('combustion', 'process')"


@pytest.fixture(scope="module")
def report_2023(built, tmp_path_factory) -> Path:
    return build_report(built[0].warehouse, tmp_path_factory.mktemp("report_2023"), 2023)


@pytest.fixture(scope="module")
def report_2021(built, tmp_path_factory) -> Path:
    return build_report(built[0].warehouse, tmp_path_factory.mktemp("report_2021"), 2021)


def _section(path: Path, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', path.read_text(encoding="utf-8"), re.S)
    assert found, f"no section {anchor}"
    return found.group(1)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative name -> bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _first_body_row(section: str) -> list[str]:
    row = re.search(r"<tbody><tr>(.*?)</tr>", section, re.S).group(1)
    return [html.unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _table_after(section: str, heading: str) -> list[dict[str, str]]:
    """The rows (header -> cell text) of the first table after the <h3> that contains `heading`."""
    part = section[section.index(heading):]
    table = part[part.index("<table>"):part.index("</table>")]
    headers = [html.unescape(h) for h in re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.S)]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):], re.S)
    return [dict(zip(headers, (html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)), strict=True))
            for row in rows]


def test_every_plot_is_linked_and_every_link_exists(report_2023):
    text = report_2023.read_text(encoding="utf-8")
    files = sorted(p.name for p in (report_2023.parent / "plots").glob("*.svg"))
    assert len(files) >= 9, files
    linked = re.findall(r'<a href="plots/([^"]+\.svg)"', text)
    figures = re.findall(r'<figure data-plot="plots/([^"]+\.svg)"', text)
    assert sorted(linked) == sorted(figures) == files
    for name in files:
        assert (report_2023.parent / "plots" / name).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert text.count("<svg") == len(files), "every chart is inlined, so the single file works when e-mailed"


def test_report_fetches_nothing(report_2023):
    text = report_2023.read_text(encoding="utf-8")
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", text, re.I)
    assert not re.search(r"<link\b|@import|url\(\s*['\"]?(?:https?:)?//", text, re.I)
    assert '<html lang="zh-CN">' in text and '<meta charset="utf-8">' in text


def test_overview_shows_the_province_direct_co2e(report_2023, sql):
    total = sql(f"""select sum(co2e_t) as t from out_inventory__yearly_region_sector
                    where year = 2023 and region_level = 'province' and sector_scheme = 'all' and {DIRECT}""")["t"][0]
    facilities = sql("select sum(co2e_t) as t from out_inventory__yearly_facility where year = 2023")["t"][0]
    assert total == pytest.approx(facilities, abs=1e-3)
    overview = _section(report_2023, "overview")
    assert f"{total:,.0f}" in overview
    assert "待核实" in overview and "未处理错误 open errors" in overview


def test_top_emitters_table_starts_with_the_largest_enterprise(report_2023, sql):
    largest = sql("""select uscc, enterprise_name from out_inventory__yearly_enterprise where year = 2023
                     order by co2e_t desc nulls last limit 1""").row(0, named=True)
    section = _section(report_2023, "top-emitters")
    first = _first_body_row(section)
    assert first[:3] == ["1", largest["enterprise_name"], largest["uscc"]]
    table = section[section.index("<table>"):]
    assert table.count("<tr>") == 1 + 20  # header + the top 20


def test_year_over_year_needs_a_previous_year(report_2023, report_2021):
    assert 'data-plot="plots/yoy_city.svg"' in _section(report_2023, "yoy")
    first_year = _section(report_2021, "yoy")
    assert html.escape(no_previous_year(2021)) in first_year
    assert "<figure" not in first_year
    assert not (report_2021.parent / "plots" / "yoy_city.svg").exists()


def test_pareto_and_yoy_by_hand():
    frame = pl.DataFrame({"uscc": ["a", "b", "c", "d", "e"], "co2e_t": [10.0, 50.0, 30.0, 10.0, 0.0]})
    ranked = pareto(frame)
    assert ranked["uscc"].to_list() == ["b", "c", "a", "d"]  # largest first, ties by USCC, zero left out
    assert ranked["cumulative_share"].to_list() == pytest.approx([0.5, 0.8, 0.9, 1.0])
    assert count_to_share(ranked["cumulative_share"].to_list()) == 2  # 50 + 30 of 100 is exactly 80 %
    assert count_to_share([0.5, 0.79, 1.0]) == 3
    # like-for-like: 120 this year of which 20 in a scope new this year, against 80 last year -> +25 %
    change = yoy_changes(pl.DataFrame({"co2e_t": [120.0], "co2e_new_t": [20.0], "co2e_previous_t": [80.0]}), ["co2e"])
    assert change["co2e_change_pct"][0] == pytest.approx(25.0)


def test_report_twice_gives_the_same_bytes_and_states_the_data_time(built, report_2023, tmp_path, sql):
    first = _files(report_2023.parent)
    assert len([name for name in first if name.endswith(".svg")]) >= 9
    copy = tmp_path / "elsewhere" / "warehouse.duckdb"  # the same content, another path and file time
    copy.parent.mkdir()
    shutil.copyfile(built[0].warehouse, copy)
    again = build_report(copy, tmp_path / "again", 2023)
    assert again == tmp_path / "again" / "清单报告_2023.html"
    second = _files(tmp_path / "again")
    assert set(second) == set(first)
    for name in first:  # the HTML and every SVG: no date, no random id, no path of the warehouse
        assert second[name] == first[name], name
    text = report_2023.read_text(encoding="utf-8")
    newest = sql("select max(received_at) as t from core_qa__file_manifest")["t"][0]
    hashes = sorted(sql("select file_sha256 from core_qa__file_manifest where file_sha256 is not null")["file_sha256"])
    assert f"数据截至 data as of: {newest:%Y-%m-%d %H:%M:%S} UTC" in text
    assert hashlib.sha256("\n".join(hashes).encode()).hexdigest() in text
    assert "warehouse built" not in text and str(built[0].warehouse.parent) not in text


def test_report_replaces_its_folder_whole_and_refuses_a_foreign_one(built, tmp_path):
    out = tmp_path / "2021"
    (out / "plots").mkdir(parents=True)
    (out / "plots" / "yoy_city.svg").write_text("<svg>an earlier run's chart</svg>")  # one 2021 cannot draw
    build_report(built[0].warehouse, out, 2021)
    assert not (out / "plots" / "yoy_city.svg").exists() and (out / "清单报告_2021.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021"], "no temporary folder left beside it"
    before = _files(out)
    with pytest.raises(ReportError, match="清单报告_2021.html.*choose an empty folder"):
        build_report(built[0].warehouse, out, 2022)  # another year's report is not this report's to delete
    assert _files(out) == before


def test_cli_writes_the_report_and_refuses_an_unknown_year(built, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(built[0].home))
    result = CliRunner().invoke(app, ["report", "--year", "2022", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "清单报告_2022.html").is_file() and (tmp_path / "plots" / "city_co2e.svg").is_file()
    missing = CliRunner().invoke(app, ["report", "--year", "1999", "--out", str(tmp_path / "none")])
    assert missing.exit_code == 2 and "1999" in missing.output


def test_an_old_or_absent_warehouse_is_refused_with_what_to_do(tmp_path):
    with pytest.raises(ReportError, match="synergy build"):
        build_report(tmp_path / "absent.duckdb", tmp_path / "out", 2023)
    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()
    with pytest.raises(ReportError, match="out_inventory__yearly_region_sector"):
        build_report(old, tmp_path / "out", 2023)


def _browser() -> str:
    found = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if found is None:
        message = "no chromium / chromium-browser / google-chrome on PATH (Debian: apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("SYNERGY_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_headless_browser_renders_the_report(report_2023, tmp_path):
    from PIL import Image

    browser = _browser()
    png = tmp_path / "report.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", report_2023.resolve().as_uri()],
                   check=True, capture_output=True, timeout=60)
    with Image.open(png) as image:
        pixels = image.convert("RGB")
        assert pixels.size == (1280, 2400)
        histogram = pixels.getcolors(maxcolors=1 << 24)
    total = sum(count for count, _ in histogram)
    non_white = sum(count for count, colour in histogram if min(colour) < 235)
    assert non_white / total > 0.03, f"only {non_white / total:.1%} of the page is not white"
    assert len(histogram) > 200, f"only {len(histogram)} colours: text and charts did not render"


READING_HEADERS = {"co_reduction_pollutant_led": "co-reduction, pollutant-led",
                   "co_reduction_carbon_led": "co-reduction, carbon-led", "co_reduction_equal": "co-reduction, equal",
                   "trade_off_pollutant_down": "trade-off, pollutant down",
                   "trade_off_carbon_down": "trade-off, CO2 down", "co_increase": "co-increase"}


def _column(row: dict[str, str], english: str) -> str:
    (key,) = [k for k in row if k.endswith(english)]
    return row[key]


def test_synergy_section_counts_enterprises_like_the_warehouse(report_2023, sql):
    text = report_2023.read_text(encoding="utf-8")
    assert '<a href="#synergy">' in text
    assert text.index('<section id="synergy">') > text.index('<section id="yoy">')
    section = _section(report_2023, "synergy")
    assert 'data-plot="plots/synergy_coordinates.svg"' in section and "<svg" in section
    assert "±100 %" in section and "待核实" in section and "不含 VOCs" in section
    counts = sql("""select pollutant, els_reading, count(*) as n from out_synergy__yearly_enterprise
                    where year = 2023 group by all""")
    expected: dict[str, dict[str, int]] = {}
    for pollutant, reading, n in counts.iter_rows():
        expected.setdefault(pollutant, {})[reading] = n
    rows = {row["污染物 pollutant"]: row for row in _table_after(section, "enterprises by reading")}
    assert list(rows) == ["SO2", "NOx", "PM", "APeq"]  # VOCs have no APeq and no row
    for pollutant, row in rows.items():
        mine = expected[pollutant]
        assert row["企业数 enterprises"] == f"{sum(mine.values()):,}"
        for reading, english in READING_HEADERS.items():
            assert _column(row, english) == f"{mine.get(reading, 0):,}", (pollutant, reading)
        others = sum(n for r, n in mine.items() if r not in READING_HEADERS)
        assert _column(row, "other (unchanged or no base)") == f"{others:,}"
    apeq_co_reduction = sql("""select count(*) as n from out_synergy__yearly_enterprise where year = 2023
                               and pollutant = 'APeq' and els_reading like 'co_reduction%'""")["n"][0]
    assert apeq_co_reduction > 0
    assert sum(int(_column(rows["APeq"], e).replace(",", "")) for e in list(READING_HEADERS.values())[:3]) == apeq_co_reduction
    province = sql("""select els, els_reading_zh from out_synergy__yearly_sector
                      where year = 2023 and sector_scheme = 'all' and pollutant = 'APeq'""").row(0, named=True)
    assert _column(rows["APeq"], "province Els") == f"{province['els']:,.2f}"
    assert _column(rows["APeq"], "province reading").startswith(province["els_reading_zh"])
    sectors = _table_after(section, "by GB/T 4754 division")
    divisions = sql("""select count(*) as n from out_synergy__yearly_sector
                       where year = 2023 and pollutant = 'APeq' and sector_scheme = 'gbt4754_division'""")["n"][0]
    assert len(sectors) == 1 + divisions and sectors[0]["代码 code"] == "ALL"


def test_city_index_ranking_starts_with_the_warehouse_rank_one(report_2023, sql):
    section = _section(report_2023, "synergy")
    assert 'data-plot="plots/synergy_city_index.svg"' in section
    index = sql("""select region_name, score, city_rank, base_year, normalisation from out_synergy__yearly_city_index
                   where year = 2023 and indicator_level = 0 order by city_rank, city_code""")
    rows = _table_after(section, "city synergy index")
    assert len(rows) == index.height
    assert [r["地市 city"] for r in rows] == index["region_name"].to_list()
    assert rows[0]["排名 rank"] == "1" and rows[0]["地市 city"] == index["region_name"][0]
    assert rows[0]["指数 index score"] == f"{index['score'][0]:,.1f}"
    assert f"基准年 base year {index['base_year'][0]}" in section and index["normalisation"][0] in section
    bases = sql("""select distinct weight_basis from out_synergy__yearly_city_index
                   where year = 2023 and indicator_level = 3""")["weight_basis"]
    assert all(html.escape(basis) in section for basis in bases)


def test_first_year_has_no_synergy_pairs_but_a_city_index(report_2021, sql):
    assert sql("select count(*) as n from out_synergy__yearly_enterprise where year = 2021")["n"][0] == 0
    section = _section(report_2021, "synergy")
    assert html.escape(no_synergy_pairs(2021)) in section
    assert "synergy_coordinates" not in section and not (report_2021.parent / "plots" / "synergy_coordinates.svg").exists()
    assert 'data-plot="plots/synergy_city_index.svg"' in section
    first = sql("""select region_name from out_synergy__yearly_city_index
                   where year = 2021 and indicator_level = 0 and city_rank = 1 order by city_code""")["region_name"][0]
    assert _table_after(section, "city synergy index")[0]["地市 city"] == first


def test_index_contributions_and_zoom_by_hand():
    aspects = pl.DataFrame({"city_code": ["a", "a", "a", "b", "b", "b"],
                            "indicator_id": ["effect", "path", "management"] * 2,
                            "weight": [0.4, 0.4, 0.2] * 2, "score": [50.0, 80.0, 100.0, 60.0, None, 90.0]})
    parts = index_contributions(aspects)
    by_city = parts.group_by("city_code").agg(pl.col("contribution").sum()).sort("city_code")["contribution"].to_list()
    # a: 0.4*50 + 0.4*80 + 0.2*100 = 72; b misses path: (0.4*60 + 0.2*90) / 0.6 = 70, the parts add up to it
    assert by_city == pytest.approx([72.0, 70.0])
    assert parts.filter(pl.col("score").is_null())["contribution"].to_list() == [None]
    assert zoom_limit([1.0, 3.0, 8.8, 9.5, 143.0]) == 10.0  # 4 of 5 (>= 75 %) lie within ±10
    assert zoom_limit([1.0, 3.0, 8.8, 12.5, 143.0]) == 20.0
    assert zoom_limit([40.0, 60.0, 90.0]) is None and zoom_limit([]) is None
