"""Checks evaluated in the step of the asset they judge (pipelines/orchestration/step_checks.py): each table's contract
and its own-table checks are recorded as asset checks; a blocking failure stores the table, fails that step and stops
what is downstream, and `synergy status` names the check, not Dagster's error."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import polars as pl
import pytest

from pipelines.orchestration.definitions import ASSETS
from pipelines.orchestration.run_failures import explain_run_failure
from pipelines.orchestration.step_checks import checked_asset, checked_multi_asset, step_checks
from schemas.generate import conform
from schemas.tables import TABLES

SHA = "ab" * 32


class Manifest(dg.Config):
    rows_rejected: int = 0  # with 10 read and 10 accepted, anything but 0 leaves rows unaccounted for
    file_status: str = "ingested"


@checked_asset()
def core_qa__file_manifest(config: Manifest) -> pl.DataFrame:
    return conform(pl.DataFrame({
        "source_system": ["ghg"], "source_file": ["ghg/2023年度报告.xlsx"], "file_sha256": [SHA], "source_encoding": [None],
        "received_at": [datetime(2024, 3, 1, 9)], "file_status": [config.file_status], "duplicate_of": [None],
        "sheets_read": ["汇总"], "rows_read": [10], "rows_accepted": [10], "rows_rejected": [config.rows_rejected],
        "rows_superseded": [0], "message": [None]}), "core_qa__file_manifest")


@dg.asset
def downstream(core_qa__file_manifest: pl.DataFrame) -> int:
    return core_qa__file_manifest.height


def _build(**config: object) -> tuple[dg.ExecuteInProcessResult, dg.DagsterInstance]:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([core_qa__file_manifest, downstream], instance=instance, raise_on_error=False,
                            run_config={"ops": {"core_qa__file_manifest": {"config": config}}})
    return result, instance


def _started(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}


def _evaluations(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_a_good_table_passes_its_checks_in_its_own_step_and_downstream_runs():
    result, _ = _build()
    assert result.success
    assert _evaluations(result) == {"schema_contract": True, "rows_accounted_for": True}
    assert result.output_for_node("downstream") == 1
    assert {s.step_key for s in result.get_step_success_events()} == {"core_qa__file_manifest", "downstream"}


def test_a_blocking_failure_stores_the_table_fails_its_step_and_stops_downstream():
    result, instance = _build(rows_rejected=3)  # 10 read = 10 accepted + 3 rejected does not hold
    assert not result.success
    assert _evaluations(result) == {"schema_contract": True, "rows_accounted_for": False}
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("core_qa__file_manifest")]
    assert [e.step_key for e in result.get_step_failure_events()] == ["core_qa__file_manifest"]
    assert _started(result) == {"core_qa__file_manifest"}  # downstream never started
    lines = explain_run_failure(instance, result.run_id)
    assert any("blocking check failed" in line and "rows_accounted_for on core_qa__file_manifest" in line
               and "files_not_balanced=1" in line for line in lines)
    assert not any("step failed" in line for line in lines)  # the check says it; Dagster's own error is not repeated
    assert any("did not run" in line and "downstream" in line for line in lines)


def test_a_contract_failure_is_blocking_and_says_what_failed():
    result, instance = _build(file_status="没有这个状态")
    assert _evaluations(result)["schema_contract"] is False
    contract = next(e for e in result.get_asset_check_evaluations() if e.check_name == "schema_contract")
    assert contract.description == ("core_qa__file_manifest有行未通过数据契约 / rows of core_qa__file_manifest fail "
                                    "the data contract")
    assert contract.metadata["failures"].value >= 1 and "file_status" in contract.metadata["first"].value
    assert _started(result) == {"core_qa__file_manifest"}
    assert any("schema_contract on core_qa__file_manifest" in line for line in explain_run_failure(instance, result.run_id))


def test_every_published_table_has_its_contract_evaluated_in_the_step_that_produces_it():
    specs = {(spec.asset_key.to_user_string(), spec.name): asset.node_def.name
             for asset in ASSETS for spec in asset.check_specs}
    assert {table for table, name in specs if name == "schema_contract"} == set(TABLES)
    for table in TABLES:
        assert all((table, check.name) in specs for check in step_checks(table))


def test_only_tables_of_schemas_can_be_checked_assets():
    def raw_ghg__fuel() -> None: ...

    def both() -> None: ...

    with pytest.raises(ValueError, match="not a table of schemas"):
        checked_asset()(raw_ghg__fuel)
    # a multi-asset's other outputs (intermediates) get no checks
    asset = checked_multi_asset(outs={"core_qa__rejected_rows": dg.AssetOut(), "_core_x__y": dg.AssetOut()})(both)
    assert {spec.asset_key.to_user_string() for spec in asset.check_specs} == {"core_qa__rejected_rows"}
