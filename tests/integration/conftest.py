"""The worlds the integration modules share.

Building is what the suite spends its time on: about 20 s of CPU for even the smallest inbox (a hundred Dagster
steps), 90 s for the demo province. So it builds as few worlds as it can: the demo, once per session in this process
(`built`); the same inputs once more by the CLI (`cli_built`: the second build that proves builds reproducible); the
hand-written files (`handwritten`); a test that changes one of them works on a copy (worlds.copy_workspace).
Every test using one of these is marked slow (tests/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from worlds import build_in_process, failures, put_handwritten_files, run_cli

from inventories.factor_library import load_factor_set
from pipelines.workspace import Workspace, init_workspace
from synth.demo import generate

DEMO_SEED = 7
DEMO_SITES = 400  # smaller seed-7 worlds (200, 300) lose planted cases: the manifest then promises what is not there


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Workspace, dict, dg.ExecuteInProcessResult]:
    """The demo province (seed 7): workspace, generator manifest (the truth tests compare against), run result."""
    ws = Workspace(tmp_path_factory.mktemp("demo") / "home")
    init_workspace(ws)
    manifest = generate(ws.inbox, ws.manifest, seed=DEMO_SEED, n_sites=DEMO_SITES)
    result = build_in_process(ws)
    assert result.success, failures(result)
    return ws, manifest, result


@pytest.fixture(scope="session")
def cli_built(built, tmp_path_factory) -> tuple[Workspace, str]:
    """The demo's inbox built again by `synergy build --years <first>-<last>` (a backfill over the year partitions)
    in a fresh workspace, with its Dagster instance on disk as the bureau has it: (workspace, what the build printed).
    Read-only: copy it to change it."""
    ws = Workspace(tmp_path_factory.mktemp("cli") / "home")
    run_cli(ws.home, "init")
    shutil.rmtree(ws.inbox)
    shutil.copytree(built[0].inbox, ws.inbox)  # copy2: same bytes and modification times
    years = built[1]["years"]
    return ws, run_cli(ws.home, "build", "--years", f"{years[0]}-{years[-1]}")


@pytest.fixture(scope="session")
def sql(built) -> Callable[[str], pl.DataFrame]:
    """Query the demo build's published warehouse (read-only) into a polars frame."""

    def run(query: str) -> pl.DataFrame:
        with duckdb.connect(str(built[0].warehouse), read_only=True) as con:
            return con.sql(query).pl()

    return run


@pytest.fixture(scope="session")
def no_judgement_factors(tmp_path_factory) -> Path:
    """The house factor set without the team's judgement rows (JDG-*): a bureau that does not accept them."""
    folder = tmp_path_factory.mktemp("factors") / "no_judgement"
    shutil.copytree(load_factor_set().path, folder)
    csv = folder / "factors.csv"
    csv.write_text("".join(ln for ln in csv.read_text(encoding="utf-8").splitlines(keepends=True)
                           if not ln.startswith("JDG-")), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def handwritten(tmp_path_factory, no_judgement_factors) -> Workspace:
    """The hand-written completeness files alone, built with no_judgement_factors (test_handwritten_completeness.py;
    the baseline of test_hostile_corpus.py)."""
    ws = Workspace(tmp_path_factory.mktemp("handwritten") / "home")
    init_workspace(ws)
    put_handwritten_files(ws)
    result = build_in_process(ws, factor_set_path=str(no_judgement_factors))
    assert result.success, failures(result)
    return ws
