"""Every raw table's transform, by source system (the one place the assets look them up)."""

from __future__ import annotations

from pipelines.transform.city import CITY_TRANSFORMS
from pipelines.transform.envstat import ENVSTAT_TRANSFORMS
from pipelines.transform.ghg import GHG_TRANSFORMS
from pipelines.transform.permit import PERMIT_TRANSFORMS
from pipelines.transform.register import REGISTER_TRANSFORMS
from pipelines.transform.rows import TableTransform

TRANSFORMS: dict[str, TableTransform] = {**PERMIT_TRANSFORMS, **ENVSTAT_TRANSFORMS, **GHG_TRANSFORMS,
                                         **REGISTER_TRANSFORMS, **CITY_TRANSFORMS}
INGESTED_SOURCES = ("permit", "envstat", "ghg", "register", "city")
