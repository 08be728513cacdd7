"""What a bench JSON records beside its figures: the run's context, the targets judged from the run, and (c), the CEMS
ingest against a bare DuckDB read of the same files. No build: hand-made results and a tiny inbox."""

from __future__ import annotations

import json
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from synth import bench, machine
from synth.writers_cems import PARAMS, write_outlet_map


def test_the_context_has_the_machine_versions_commit_time_load_and_command(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SYNERGY_HOME", str(home))
    argv = ["/opt/venv/bin/synergy", "bench", "--sizes", "1", "--cache", str(home / "bench")]
    context = machine.finish(machine.run_context({"cache": home / "bench", "out": None}, argv))
    m, v, run = context["machine"], context["versions"], context["run"]
    assert set(m) == {"logical_cores", "usable_cores", "memory_gib", "cpu_model", "kernel", "architecture"}
    assert 1 <= m["usable_cores"] <= m["logical_cores"] and m["memory_gib"] > 0.1
    assert m["kernel"].startswith(platform.system()) and m["architecture"] == platform.machine()
    assert v["python"] == platform.python_version() and v["duckdb"] == duckdb.__version__
    assert v["polars"] == pl.__version__ and all(v[name] for name in machine.PACKAGES)
    started = datetime.fromisoformat(run["started_utc"])
    assert started.utcoffset() == UTC.utcoffset(None) and started <= datetime.fromisoformat(run["finished_utc"])
    for loads in (run["load_average_start"], run["load_average_end"]):
        assert len(loads) == 3 and all(x >= 0 for x in loads)
    assert re.fullmatch(r"[0-9a-f]{7,}", run["commit"]) and isinstance(run["dirty"], bool)  # the tests run in the checkout
    # the cache lies inside SYNERGY_HOME: the longer path is named, and only "paths" holds this machine's folders
    assert run["command"] == "synergy bench --sizes 1 --cache $CACHE"
    assert context["paths"] == {"cache": str(home / "bench"), "out": None, "synergy_home": str(home),
                                "program": "/opt/venv/bin/synergy"}


def test_outside_a_git_checkout_the_commit_is_null(tmp_path, monkeypatch):
    monkeypatch.setattr(machine, "REPO", tmp_path)
    assert machine.git_state() == {"commit": None, "dirty": None}


def _result(size: int = 1, exports_s: float | None = 7.9, build_s: float = 119.9, rss_mb: int = 2047) -> dict:
    stages = [{"stage": "core_cems", "seconds": 40.0}, {"stage": "raw_permit", "seconds": 8.9}]
    if exports_s is not None:
        stages.append({"stage": "out_publish__exports_and_reports", "seconds": exports_s})
    return {"size": size, "build": {"seconds": build_s, "peak_rss_mb": rss_mb - 500, "peak_tree_rss_mb": rss_mb},
            "stages": stages,
            "cems_aggregation_vs_bare_duckdb": {"ratio": 1.5}, "cems_ingest": {"ratio": 1.51}}


def test_the_targets_are_met_or_not_from_the_run():
    targets = bench.size_targets(_result())
    met = {key: t["met"] for key, t in targets.items()}
    # 119.9 < 120 s, 2047 < 2048 MB, 1.5 <= 1.5 (at most), 1.51 > 1.5, 7.9 < 8 s
    assert met == {"full_build": True, "peak_rss": True, "cems_aggregation": True, "cems_ingest": False,
                   "exports_and_reports": True}
    assert targets["exports_and_reports"]["measured"] == 7.9 and targets["exports_and_reports"]["target"] == "< 8 s"
    assert targets["cems_aggregation"]["target"] == "<= 1.5 x"
    assert not bench.size_targets(_result(exports_s=8.1))["exports_and_reports"]["met"]
    assert not bench.size_targets(_result(build_s=120.0))["full_build"]["met"]  # under, not at
    missing = bench.size_targets(_result(exports_s=None))["exports_and_reports"]
    assert missing["measured"] is None and missing["met"] is False  # a step that did not run meets nothing


def test_at_4x_the_time_and_memory_limits_grow_fourfold_and_the_ratios_do_not():
    targets = bench.size_targets(_result(size=4, build_s=479.0, rss_mb=8193, exports_s=31.9))
    assert targets["full_build"]["limit"] == 480 and targets["full_build"]["met"]
    assert targets["peak_rss"]["limit"] == 8192 and not targets["peak_rss"]["met"]
    assert targets["exports_and_reports"]["met"] and targets["cems_ingest"]["limit"] == 1.5


def test_the_ingest_ratio():
    stages = [{"stage": "core_cems", "seconds": 30.25}, {"stage": "core_cems", "seconds": 27.55},
              {"stage": "core_cems__gaps", "seconds": 31.4}]
    assert bench.stage_seconds(stages, "core_cems") == 57.8 and bench.stage_seconds(stages, "raw_permit") is None
    # 57.8 / 41.0 = 1.4098
    assert bench.ingest_ratio(57.8, 41.0) == {"core_cems_s": 57.8, "bare_duckdb_read_s": 41.0, "ratio": 1.41}
    assert bench.ingest_ratio(57.8, 38.537)["bare_duckdb_read_s"] == 38.54  # 57.8 / 38.537 = 1.4998
    assert bench.ingest_ratio(57.8, 38.537)["ratio"] == 1.5
    assert bench.ingest_ratio(None, 41.0)["ratio"] is None


def _inbox(tmp_path: Path) -> Path:
    """Two hourly Parquet exports whose columns differ, the outlet map (CSV) and a GBK 补传 CSV."""
    folder = tmp_path / "inbox" / "cems"
    folder.mkdir(parents=True)
    pl.DataFrame({"MN": ["A", "A"], "DataTime": ["20230101000000", "20230101010000"], "a21026-Cou": [1.0, 2.0]}
                 ).write_parquet(folder / "410100_2023_小时数据.parquet")
    pl.DataFrame({"MN": ["B"], "DataTime": ["20230101000000"], "a21002-Cou": [3.0]}
                 ).write_parquet(folder / "410200_2023_小时数据.parquet")
    params = pl.DataFrame({"mn": ["A", "B"], "permit_no": ["P1", "P2"], "outlet_code": ["DA001", "DA001"]})
    write_outlet_map(params.with_columns(*(pl.lit(None, t).alias(c) for c, t in PARAMS.items() if c not in params.columns)),
                     folder / "监测点位对照表.csv")
    (folder / "补传数据_2023.csv").write_bytes("MN,DataTime,a21026-Avg,a21026-Cou,a21026-Flag\nA,20230101020000,30,1,N\n"
                                          .encode("gb18030"))
    return tmp_path


def test_the_bare_read_takes_the_hourly_files_and_says_what_it_left_out(tmp_path):
    home = _inbox(tmp_path)
    parquet, others = bench.cems_inputs(home / "inbox")
    assert [p.name for p in parquet] == ["410100_2023_小时数据.parquet", "410200_2023_小时数据.parquet"]
    assert [p.name for p in others] == ["补传数据_2023.csv"]  # the outlet map is not hourly data
    result = bench.cems_ingest(home, [{"stage": "core_cems", "seconds": 3.0}])
    assert result["core_cems_s"] == 3.0 and result["files"] == 2 and result["bare_duckdb_read_s"] >= 0
    csv_bytes = others[0].stat().st_size
    share = csv_bytes / (csv_bytes + sum(p.stat().st_size for p in parquet))
    assert f"1 CSV/XLSX hourly files ({csv_bytes / 2**20:.1f} MB, {share:.1%} of the input bytes)" in result["note"]
    assert not (home / "tmp" / "bench_bare_read.parquet").exists()  # the copy goes: at 16x it is tens of GB

    target = tmp_path / "one.parquet"
    bench.bare_read(duckdb.connect(), parquet, target)
    copied = pl.read_parquet(target)
    assert copied.height == 3 and set(copied.columns) == {"MN", "DataTime", "a21026-Cou", "a21002-Cou"}


def test_a_parquet_only_inbox_leaves_nothing_out(tmp_path):
    home = _inbox(tmp_path)
    (home / "inbox" / "cems" / "补传数据_2023.csv").unlink()
    assert bench.cems_ingest(home, [])["note"].startswith("the hourly inputs are Parquet only")
    assert bench.cems_ingest(home, [])["ratio"] is None  # no core_cems step: no ratio


def test_the_json_is_written_with_sorted_keys(tmp_path):
    path = tmp_path / "docs" / "bench" / "bench-1x.json"
    bench.write_json(path, {"targets": {"b": 1, "a": 2}, "build": {"seconds": 1.0}, "paths": {"cache": "/tmp/x"}})
    text = path.read_text(encoding="utf-8")
    assert list(json.loads(text)) == ["build", "paths", "targets"] and list(json.loads(text)["targets"]) == ["a", "b"]
    assert text.endswith("}\n")


@pytest.mark.parametrize(("commit", "dirty", "shown"), [("abc1234", True, "commit abc1234 + uncommitted changes"),
                                                        (None, None, "commit not a git checkout")])
def test_the_printed_context_names_the_commit(commit, dirty, shown):
    context = machine.finish(machine.run_context({}, ["synergy", "bench"]))
    context["run"] |= {"commit": commit, "dirty": dirty}
    line = bench.describe(context)
    assert shown in line and line.endswith("command: synergy bench") and "duckdb " + duckdb.__version__ in line


def test_tree_memory_adds_up_the_processes_alive_together():
    """A parent holding 200 MiB with a child holding 200 MiB at the same time: the tree's peak is their sum (more
    than either process alone can hold), not the largest single process's. (The kernel's ru_maxrss is not compared:
    it counts the image the child was forked from, which under pytest is the whole test process.)"""
    import os
    import subprocess
    import sys

    script = ("import subprocess, sys, time; held = bytearray(200 * 2**20); "
              "child = subprocess.Popen([sys.executable, '-c', 'import time; held = bytearray(200 * 2**20); "
              "time.sleep(2)']); child.wait()")
    process = subprocess.Popen([sys.executable, "-c", script])
    tree = bench.TreeMemory(process.pid)
    tree.start()
    os.waitpid(process.pid, 0)
    tree.stop.set()
    tree.join()
    assert tree.peak > 390 * 2**20
