"""great-expectations over the published warehouse, in its own job (`quality_check`) so its heavy import
never slows the build; `synergy quality` runs the same function from the command line."""


import dagster as dg

from pipelines.orchestration.resources import SynergyConfig


@dg.asset(group_name="quality", deps=["out_publish__warehouse"], kinds={"great_expectations"})
def out_quality__data_docs(context: dg.AssetExecutionContext, synergy: SynergyConfig) -> dg.MaterializeResult:
    """Checks across years and partitions (rows per source and year, coal per site, CO2 per tce, gap-filled and
    substituted shares) on the published warehouse; offline Data Docs under reports/."""
    from pipelines.deliver.expectations import run_quality, summary_lines

    ws = synergy.workspace
    report = run_quality(ws.warehouse, ws.reports)
    for line in summary_lines(report):
        context.log.info(line)
    failed = [o.check.name for o in report.outcomes if not o.success]
    return dg.MaterializeResult(metadata={
        "success": report.success, "checks": len(report.outcomes), "failed_checks": ", ".join(failed) or "none",
        "rows_outside_band": len(report.breaches()), "seconds": round(report.seconds, 1),
        "data_docs": dg.MetadataValue.path(str(report.data_docs_index))})
