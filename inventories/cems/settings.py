"""CEMS settings (inventories/rules/cems.yaml): the substitution rule version, valid flags, the required rate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from inventories.cems.codes import FLAGS
from inventories.cems.substitution import RULE_VERSIONS
from inventories.reference import RULES

DEFAULT_SETTINGS = RULES / "cems.yaml"


@dataclass(frozen=True)
class CemsSettings:
    rule_version: str
    valid_flags: tuple[str, ...]
    required_valid_rate_pct: float
    required_valid_rate_status: str


def load_settings(path: Path = DEFAULT_SETTINGS, rule_version: str = "") -> CemsSettings:
    """Settings from the YAML file; `rule_version` overrides the file's (the run config's flag)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    version = rule_version or raw["cems_substitution_rule_version"]
    if version not in RULE_VERSIONS:
        raise ValueError(f"{path}: cems_substitution_rule_version 应为 {RULE_VERSIONS} 之一 / must be one of "
                         f"{RULE_VERSIONS}: {version!r}")
    flags = tuple(raw["valid_flags"])
    if not flags or set(flags) - set(FLAGS) or "F" in flags:
        raise ValueError(f"{path}: valid_flags 只能取 {sorted(set(FLAGS) - {'F'})} / must be among those: {flags}")
    return CemsSettings(version, flags, float(raw["required_valid_rate_pct"]), str(raw["required_valid_rate_status"]))
