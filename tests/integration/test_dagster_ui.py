"""`synergy ui` serves Dagster's webserver and daemon with the schedules and the inbox sensor running, and starts
without warnings a user cannot act on."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

pytestmark = pytest.mark.slow  # starts `dagster dev`: webserver, daemon and code server processes

QUERY = """{
  repositoriesOrError { ... on RepositoryConnection { nodes {
    schedules { name cronSchedule executionTimezone scheduleState { status } }
    sensors { name sensorState { status ticks(limit: 1) { status } } } } } }
  instance { daemonHealth { allDaemonStatuses { daemonType healthy } } }
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": QUERY}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def test_ui_refuses_a_workspace_that_does_not_exist(tmp_path):
    result = CliRunner().invoke(app, ["ui"], env={"SYNERGY_HOME": str(tmp_path / "nowhere")})
    assert result.exit_code == 2 and "no workspace at" in result.output
    assert not (tmp_path / "nowhere").exists()


def test_ui_runs_the_schedules_and_the_sensor_with_its_daemon(tmp_path):
    port = _free_port()
    env = {**os.environ, "SYNERGY_HOME": str(tmp_path / "home")}
    env.pop("DAGSTER_HOME", None)
    subprocess.run([sys.executable, "-m", "pipelines.cli", "init"], env=env, check=True, capture_output=True)
    log = tmp_path / "ui.log"
    with log.open("wb") as out:  # a file, not a pipe: nobody reads a pipe while the UI runs, and a full one blocks it
        ui = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)], env=env,
                              cwd=Path(__file__).parents[2],  # the checkout: its top-level dagster.yaml is beside
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, data = time.time() + 150, None
        while time.time() < deadline and ui.poll() is None:
            try:
                data = _graphql(port)
                daemons = {d["daemonType"]: d["healthy"] for d in data["instance"]["daemonHealth"]["allDaemonStatuses"]}
                sensor = data["repositoriesOrError"]["nodes"][0]["sensors"][0]["sensorState"]
                if daemons.get("SENSOR") and daemons.get("SCHEDULER") and sensor["ticks"]:
                    break
            except (OSError, KeyError, IndexError, TypeError):
                pass
            time.sleep(2)
        assert data is not None, "the Dagster UI never answered"
        startup = log.read_text(encoding="utf-8", errors="replace")
        assert "Serving dagster-webserver on http://127.0.0.1" in startup  # the log holds Dagster's startup output
        # `dagster dev` superseded by `dg dev`, the checkout's dagster.yaml "will not be used": nothing a user can act on
        assert "SupersessionWarning" not in startup and "dg dev" not in startup
        assert "dagster.yaml" not in startup, startup
        assert not re.search(r"\w+Warning: ", startup), startup  # nor any other Python warning
        repository = data["repositoriesOrError"]["nodes"][0]
        schedules = {s["name"]: (s["cronSchedule"], s["executionTimezone"], s["scheduleState"]["status"])
                     for s in repository["schedules"]}
        assert schedules == {
            "annual_permit_build": ("0 2 1 2 *", "Asia/Shanghai", "RUNNING"),
            "annual_ghg_cement_aluminium_steel_build": ("0 2 1 10 *", "Asia/Shanghai", "RUNNING"),
            "annual_ghg_other_sectors_build": ("0 2 1 1 *", "Asia/Shanghai", "RUNNING"),
            "nightly_data_quality": ("30 3 * * *", "Asia/Shanghai", "RUNNING"),
        }
        sensor = repository["sensors"][0]
        assert sensor["name"] == "inbox_sensor" and sensor["sensorState"]["status"] == "RUNNING"
        assert sensor["sensorState"]["ticks"][0]["status"] == "SKIPPED"  # the daemon ran it: an empty inbox
    finally:
        ui.send_signal(signal.SIGTERM)  # to `synergy ui` only, as a service manager would: it must stop Dagster too
        try:
            ui.wait(timeout=30)
            deadline = time.time() + 30
            while _group_alive(ui.pid) and time.time() < deadline:
                time.sleep(0.5)
        finally:
            stray = _group_alive(ui.pid)
            if stray:
                os.killpg(ui.pid, signal.SIGKILL)
    assert not stray, "Dagster processes outlived synergy ui"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
