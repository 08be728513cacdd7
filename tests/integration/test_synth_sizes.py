"""`synergy synth` writes a province of any size from 10 sites and any span of years, and the build reads it.

The three GHG report layouts go to the last year, the year before it and every earlier year, so each year of any
span has its report; a case no enterprise of a small world fits is left out, never a crash.
"""

import duckdb
import pytest
from worlds import build_in_process, failures

from pipelines.workspace import Workspace, init_workspace
from synth.demo import generate

SEED = 20261121  # the CLI's default seed, whose small worlds crashed before


SLOW = pytest.mark.slow  # the larger worlds and the eight-year span take seconds to write


@pytest.mark.parametrize("sites, years", [(10, (2021, 2023)), (13, (2022, 2023)), pytest.param(37, (2022, 2023), marks=SLOW),
                                          (10, (2023, 2023)), pytest.param(40, (2019, 2020), marks=SLOW),
                                          pytest.param(30, (2018, 2025), marks=SLOW)])
def test_every_year_of_any_world_gets_its_files(tmp_path, sites, years):
    manifest = generate(tmp_path / "inbox", tmp_path / "manifest.json", seed=SEED, n_sites=sites, years=years)
    span = list(range(years[0], years[1] + 1))
    assert manifest["years"] == span and manifest["counts"]["sites"] >= sites
    ghg = {p.name for p in (tmp_path / "inbox" / "ghg").iterdir()}
    envstat = {p.name for p in (tmp_path / "inbox" / "envstat").iterdir()}
    for year in span:
        assert sum(name.startswith(f"{year}年度温室气体排放报告") and "更正" not in name and "(1)" not in name
                   for name in ghg) == 1, (year, sorted(ghg))
        assert f"排放源统计_基101_G103-1_{year}年_演示数据.xlsx" in envstat
    flat = f"{span[-2]}年度温室气体排放报告汇总_演示数据.csv" if len(span) > 1 else None
    assert (flat in ghg) == (flat is not None)  # the flat GB18030 layout of 2022 goes to the year before the last


@pytest.mark.slow
@pytest.mark.parametrize("sites, years", [(10, (2019, 2020))])  # the smallest world, without 2021: one build suffices
def test_a_small_world_builds(tmp_path, sites, years):
    ws = Workspace(tmp_path / "home")
    init_workspace(ws)
    generate(ws.inbox, ws.manifest, seed=SEED, n_sites=sites, years=years)
    result = build_in_process(ws)
    assert result.success, failures(result)
    with duckdb.connect(str(ws.warehouse), read_only=True) as con:
        built = [y for (y,) in con.execute("select distinct year from out_inventory__yearly_enterprise order by 1").fetchall()]
        files = con.execute("select count(*) filter (where file_status = 'ingested'), count(*) from core_qa__file_manifest"
                            ).fetchone()
    assert built == list(range(years[0], years[1] + 1))
    assert files[0] == files[1] - (1 if years[1] > years[0] else 0)  # every file read; only the dropped-twice copy not
