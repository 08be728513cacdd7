"""The workspace ($SYNERGY_HOME, default ./synergy_home) laid out as in DESIGN §4.

DAGSTER_HOME lives inside it so every run the CLI starts is recorded where `synergy ui` looks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from schemas.sources import SOURCE_SYSTEMS

# the one copy of the Dagster instance settings, shipped in the package (the checkout's top-level dagster.yaml is a
# symlink to it); found through importlib.resources so an installed wheel copies the file it shipped
DAGSTER_INSTANCE_YAML = files("pipelines") / "orchestration" / "dagster_instance.yaml"


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def archive(self) -> Path:
        return self.home / "archive"

    @property
    def parquet(self) -> Path:
        return self.home / "parquet"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def curation(self) -> Path:
        return self.home / "curation"

    @property
    def config(self) -> Path:
        """Optional overrides of packaged limits (file resource limits, plausibility bounds); absent means defaults."""
        return self.home / "config"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def manifest(self) -> Path:
        """Ground truth of generated demo data; outside the inbox so ingestion never sees it."""
        return self.home / "manifest" / "demo_manifest.json"


def workspace_from_env() -> Workspace:
    return Workspace(Path(os.environ.get("SYNERGY_HOME", "synergy_home")).resolve())


def init_workspace(ws: Workspace) -> list[Path]:
    """Create every folder and the Dagster instance config; idempotent. Returns the folders."""
    folders = [*(ws.inbox / s for s in SOURCE_SYSTEMS), ws.archive, ws.parquet, ws.exports, ws.reports, ws.curation, ws.config,
               ws.dagster_home, ws.manifest.parent]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    from pipelines.resolve.curation import write_template  # the analysts' decisions file, header only

    write_template(ws.curation)
    instance_yaml, settings = ws.dagster_home / "dagster.yaml", DAGSTER_INSTANCE_YAML.read_bytes()
    if not instance_yaml.exists() or instance_yaml.read_bytes() != settings:
        instance_yaml.write_bytes(settings)
    return folders


def activate(ws: Workspace) -> None:
    """Point this process (and children) at the workspace and its Dagster instance."""
    os.environ["SYNERGY_HOME"] = str(ws.home)
    os.environ["DAGSTER_HOME"] = str(ws.dagster_home)
