"""The one list of source systems (schemas/sources.py) is the one the inbox, the row engine and the schemas use."""

from pipelines.read.transforms import TRANSFORMS
from pipelines.workspace import Workspace, init_workspace
from schemas.fields import FIELDS
from schemas.sources import INGESTED_SOURCES, SOURCE_SYSTEM_ZH, SOURCE_SYSTEMS


def test_the_row_engine_reads_every_ingested_source_and_no_other():
    # raw_<source>__<table>: every system but CEMS (hours, own reader) has row-engine transforms
    assert {name.removeprefix("raw_").split("__")[0] for name in TRANSFORMS} == set(INGESTED_SOURCES)
    assert set(SOURCE_SYSTEMS) - set(INGESTED_SOURCES) == {"cems"}


def test_every_source_system_has_an_inbox_folder_and_is_a_valid_source_system(tmp_path):
    init_workspace(Workspace(tmp_path))
    assert {p.name for p in (tmp_path / "inbox").iterdir() if p.is_dir()} == set(SOURCE_SYSTEMS)
    assert set(FIELDS["source_system"].isin) == set(SOURCE_SYSTEMS)
    assert all(SOURCE_SYSTEM_ZH[s] for s in SOURCE_SYSTEMS)
