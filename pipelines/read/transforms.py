"""Every raw table's transform, by source system (the one place the assets look them up)."""

from __future__ import annotations

from pipelines.read.rows import TableTransform
from pipelines.read.sources.city import CITY_TRANSFORMS
from pipelines.read.sources.envstat import ENVSTAT_TRANSFORMS
from pipelines.read.sources.ghg import GHG_TRANSFORMS
from pipelines.read.sources.permit import PERMIT_TRANSFORMS
from pipelines.read.sources.published_lists import REGISTER_TRANSFORMS

TRANSFORMS: dict[str, TableTransform] = {**PERMIT_TRANSFORMS, **ENVSTAT_TRANSFORMS, **GHG_TRANSFORMS,
                                         **REGISTER_TRANSFORMS, **CITY_TRANSFORMS}
