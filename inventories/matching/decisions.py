"""An analyst's match decision as the matching passes take it: confirm, reject or split one identity.

Read from `curation/matches.csv` by pipelines/resolve/curation.py; the passes (passes.py) apply it on every build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """One usable curation row."""

    row_number: int
    action: str  # confirm / reject / split
    identity_key: str
    facility_id: str | None
    uscc: str | None
    who: str
    why: str
    decided_on: str | None
