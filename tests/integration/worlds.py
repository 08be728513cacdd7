"""Helpers the integration modules share to build, copy and drive workspaces (fixtures: conftest.py).

Builds in tests run on an in-memory Dagster instance: the SQLite instance on disk the CLI uses cost a third more CPU
and twice the time per build (measured on a 10-site world), and no test reads it back after the run. A copy of a
built workspace takes a second where a rebuild takes a minute, so a test that changes a workspace works on a copy.
Test modules import this as `worlds` (pytest's default prepend import mode puts tests/integration on sys.path).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.orchestration.build import run_build
from pipelines.orchestration.definitions import build_defs
from pipelines.orchestration.resources import SynergyConfig
from pipelines.workspace import Workspace

HANDWRITTEN = Path(__file__).resolve().parents[1] / "fixtures" / "handwritten" / "completeness"
# the hand-written completeness files (tests/integration/test_handwritten_completeness.py) and their inbox folders
HANDWRITTEN_FILES = {"排放源统计_基101_2023_手工录入.csv": "envstat", "发电设施月度存证_2023_手工录入.csv": "ghg",
                     "温室气体排放报告_化石燃料燃烧_2023_手工录入.csv": "ghg"}
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # as `synergy build`: warnings and errors


def build_in_process(ws: Workspace, asset_selection: Sequence[dg.AssetKey] | None = None,
                     **config: str) -> dg.ExecuteInProcessResult:
    """`run_build` of ws on an in-memory Dagster instance; config goes to SynergyConfig (e.g. factor_set_path)."""
    defs = build_defs({"synergy": SynergyConfig(home=str(ws.home), **config)})  # the IO manager follows it
    with dg.DagsterInstance.ephemeral() as instance:
        return run_build(defs, instance, ws, asset_selection=asset_selection, run_config=QUIET)


def failures(result: dg.ExecuteInProcessResult) -> str:
    """The failed steps and their errors, for the message of a failed `assert result.success`."""
    return "\n".join(f"{e.step_key}: {e.step_failure_data.error.message}" for e in result.all_events
                     if e.is_step_failure)


def copy_workspace(ws: Workspace, home: Path) -> Workspace:
    """A copy of a built workspace (inbox modification times kept: they are inputs too) for a test that changes it."""
    shutil.copytree(ws.home, home, symlinks=True)
    return Workspace(home)


def run_cli(home: Path, *args: str, exit_code: int = 0) -> str:
    """`synergy <args>` in the workspace at home (SYNERGY_HOME and its DAGSTER_HOME); asserts the exit code."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNERGY_HOME", str(home))
        env.setenv("DAGSTER_HOME", str(home / "dagster"))
        result = CliRunner().invoke(app, list(args))
    assert result.exit_code == exit_code, result.output
    return result.output


def put_handwritten_files(ws: Workspace) -> None:
    """The hand-written completeness files into the inbox of ws (initialised)."""
    for name, source in HANDWRITTEN_FILES.items():
        shutil.copy(HANDWRITTEN / name, ws.inbox / source / name)
