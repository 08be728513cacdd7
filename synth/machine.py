"""What a benchmark figure was measured on: the machine, the versions, the code, the time, the load and the command.

A time means nothing without them: the same build takes twice as long on a busy machine or on another DuckDB, and a
figure in the docs must say which commit gave it. Everything here is read from the running system; nothing is typed.
"""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("dagster", "duckdb", "polars", "pyarrow", "pandera")
REPO = Path(__file__).resolve().parents[1]


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (None where the OS has none): a figure taken under load is slower."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def _cpu_model() -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Processor"):  # x86, then ARM's spellings
            return value.strip()
    return platform.processor() or None


def machine() -> dict:
    """Cores (logical, and those this process may use: a container or taskset can allow fewer), memory, CPU, kernel."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {"logical_cores": os.cpu_count(), "usable_cores": usable, "memory_gib": round(memory / 2**30, 1),
            "cpu_model": _cpu_model(), "kernel": f"{platform.system()} {platform.release()}",
            "architecture": platform.machine()}


def versions() -> dict:
    """Python and the libraries the hot path runs on (None for one not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True, timeout=30).stdout.strip()


def git_state() -> dict:
    """The checkout's short commit and whether tracked files differ from it (both None outside a git checkout)."""
    try:
        return {"commit": _git("rev-parse", "--short", "HEAD"),
                "dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def command_line(argv: list[str], places: dict[str, Path | str | None]) -> str:
    """The command as typed, with the program's folder dropped and each of `places` (absolute paths of this machine)
    written as $NAME, so a committed JSON names no temporary folder; the paths themselves go under "paths"."""
    text = shlex.join([Path(argv[0]).name, *argv[1:]]) if argv else ""
    for name, path in sorted(places.items(), key=lambda item: -len(str(item[1] or ""))):
        if path:
            text = text.replace(str(path), f"${name.upper()}")
    return text


def run_context(places: dict[str, Path | str | None], argv: list[str] | None = None) -> dict:
    """The machine, versions, commit, start time (UTC), load average and command of a benchmark run; `finish` adds
    the end. `places` are the run's folders (cache, out); SYNERGY_HOME and the program are added to them."""
    argv = sys.argv if argv is None else argv
    paths = {**{name: str(path) if path else None for name, path in places.items()},
             "synergy_home": os.environ.get("SYNERGY_HOME"), "program": argv[0] if argv else None}
    run = {"started_utc": now_utc(), "load_average_start": load_average(),
           "command": command_line(argv, {k: v for k, v in paths.items() if k != "program"}), **git_state()}
    return {"machine": machine(), "versions": versions(), "run": run, "paths": paths}


def finish(context: dict) -> dict:
    """The context with the end time and the load average at the end added."""
    return {**context, "run": {**context["run"], "finished_utc": now_utc(), "load_average_end": load_average()}}
