"""great-expectations over the published warehouse, in its own job (`quality_check`) so its heavy import
never slows the build; `synergy quality` runs the same function from the command line."""


import dagster as dg

from pipelines.orchestration.resources import SynergyConfig


@dg.asset(group_name="quality", deps=["out_publish__warehouse"], kinds={"great_expectations"})
def out_quality__data_docs(context: dg.AssetExecutionContext, synergy: SynergyConfig) -> dg.MaterializeResult:
    """Expectation suites generated from schemas/, run on every published table; Data Docs under reports/."""
    from pipelines.deliver.expectations import run_quality, summary_lines

    ws = synergy.workspace
    report = run_quality(ws.warehouse, ws.reports)
    for line in summary_lines(report):
        context.log.info(line)
    failed = [t.table for t in report.tables if not t.success]
    return dg.MaterializeResult(metadata={
        "success": report.success, "tables": len(report.tables), "failed_tables": ", ".join(failed) or "none",
        "data_docs": dg.MetadataValue.path(str(report.data_docs_index))})
