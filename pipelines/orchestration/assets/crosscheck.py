"""交叉校核 assets: the rule catalogue's findings, the analysts' decisions on them, and one check per rule.

The rules live in `inventories/` (rules/crosscheck.yaml and sql/crosscheck/); the decisions are read from
`$SYNERGY_HOME/curation/findings.csv` on every run, so an explanation survives rebuilds while its data hold.
"""


import dagster as dg
import polars as pl

from inventories.crosscheck import catalogue_inputs, fuel_defaults, load_catalogue, run_catalogue
from pipelines.orchestration.assets.inventory import FACTORS, factor_set_of
from pipelines.orchestration.resources import SynergyConfig
from pipelines.orchestration.step_checks import checked_multi_asset
from pipelines.resolve.finding_curation import LOG_TABLE, apply_decisions
from schemas.tables import TABLES

FINDINGS = "out_crosscheck__findings"
RULES = load_catalogue()


def _built_years(tables: dict[str, pl.DataFrame]) -> list[int]:
    """Every built year of the fused inventory: the findings table is rebuilt whole, so none goes stale."""
    return sorted(tables["out_inventory__yearly_enterprise"]["year"].unique().to_list())


@checked_multi_asset(
    name="out_crosscheck",
    ins={table: dg.AssetIn() for table in (*catalogue_inputs(RULES), FACTORS)},
    outs={FINDINGS: dg.AssetOut(group_name="out_crosscheck", description=TABLES[FINDINGS].en, kinds={"duckdb"}),
          LOG_TABLE: dg.AssetOut(group_name="core_qa", description=TABLES[LOG_TABLE].en)},
    can_subset=False,
)
def out_crosscheck(context: dg.AssetExecutionContext, synergy: SynergyConfig, **tables: pl.DataFrame):
    years = _built_years(tables)
    defaults = fuel_defaults(factor_set_of(tables[FACTORS]), years)
    findings = run_catalogue(RULES, tables, defaults, years).filter(pl.col("year").is_in(years))
    findings, log = apply_decisions(findings, synergy.workspace.curation)
    counts = {f"{status}_{severity}": n for status, severity, n in
              findings.group_by("finding_status", "severity").len().iter_rows()}
    context.log.info(f"cross-check findings: {counts}")
    yield dg.Output(findings, output_name=FINDINGS, metadata={"findings": findings.height, "rules": len(RULES), **counts})
    log_counts = dict(log.group_by("curation_status").len().iter_rows())
    yield dg.Output(log, output_name=LOG_TABLE, metadata={"rows": log.height, **{k: int(v) for k, v in log_counts.items()}})


def _result(findings: pl.DataFrame, rule_id: str) -> dg.AssetCheckResult:
    mine = findings.filter(pl.col("rule_id") == rule_id)
    open_ = mine.filter(pl.col("finding_status") == "open")
    first = open_.sort("severity", "year").head(5)
    return dg.AssetCheckResult(
        asset_key=FINDINGS, check_name=f"crosscheck_{rule_id}", passed=open_.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"open_error": open_.filter(pl.col("severity") == "error").height,
                  "open_warn": open_.filter(pl.col("severity") == "warn").height,
                  "explained": mine.filter(pl.col("finding_status") == "explained").height,
                  "confirmed": mine.filter(pl.col("finding_status") == "confirmed").height,
                  "first_open": "; ".join(f"{r['enterprise_name'] or r['uscc']} {r['year']} {r['subject']}"
                                          for r in first.iter_rows(named=True))})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(f"crosscheck_{rule.rule_id}", asset=FINDINGS,
                             description=f"{rule.title_zh} / {rule.title_en} (severity {rule.severity}). "
                                         f"{rule.rationale}")
           for rule in RULES],
    ins={"findings": dg.AssetIn(key=FINDINGS)},
    name="crosscheck_rules",
)
def crosscheck_rules(findings: pl.DataFrame):
    """One warn-level result per catalogue rule: passes when the rule has no open finding."""
    for rule in RULES:
        yield _result(findings, rule.rule_id)
