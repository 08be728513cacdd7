"""交叉校核: run the rule catalogue (rules/crosscheck.yaml, one SQL query per rule) into one findings table.

The catalogue holds each rule's severity, tolerances, rationale and source; the queries in sql/crosscheck/ read
the tolerances from a one-row view `params`, so a reviewer changes a tolerance in the YAML, never in code. This
module validates the catalogue, registers the inputs with DuckDB, runs every rule and gives each finding a stable
id (rule + what it is about) and an evidence hash (the values compared), which analysts' explanations key on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import yaml

from inventories.factor_library import FactorSet, select_factors
from inventories.reference import RULES, SQL, fuels
from schemas.fields import FIELDS
from schemas.generate import polars_schema
from schemas.sources import SOURCE_SYSTEM_ZH
from schemas.tables import TABLES

CATALOGUE = RULES / "crosscheck.yaml"
SQL_DIR = SQL / "crosscheck"
SEVERITIES = ("error", "warn", "info")
GROUPS = FIELDS["rule_group"].isin or ()
# what every rule query returns, one row per finding (severity only for graded rules)
QUERY_COLUMNS = ("uscc", "facility_id", "year", "subject", "compared_quantity", "value_unit", "value_a", "source_a",
                 "value_b", "source_b", "tolerance", "tolerance_text", "message_zh", "message_en", "source_record")
# what a rule query may return besides; null for the rules that do not (compliance_level: permit_limit_exceeded)
OPTIONAL_COLUMNS = ("compliance_level",)
FINDING_KEY = ("rule_id", "uscc", "facility_id", "year", "subject")
# read by every run: the labels of findings and the tables behind the shared views (sql/crosscheck/_views.sql)
SHARED_INPUTS = ("core_enterprise__entity", "core_facility__entity", "core_facility__assn_sources", "core_ghg__fuel_lines",
                 "core_envstat__boilers", "core_permit__fuel_analysis")


class CatalogueError(ValueError):
    """A catalogue entry that cannot run; the message names the rule and key in Chinese and English."""


@dataclass(frozen=True)
class Rule:
    """One catalogue entry."""

    rule_id: str
    group: str
    severity: str  # error / warn / info, or graded (the query decides per finding)
    title_zh: str
    title_en: str
    inputs: tuple[str, ...]
    parameters: dict[str, float]
    rationale: str
    source: str

    @property
    def query(self) -> str:
        return (SQL_DIR / f"{self.rule_id}.sql").read_text(encoding="utf-8")


def _fail(rule_id: str, key: str, zh: str, en: str) -> CatalogueError:
    return CatalogueError(f"{CATALOGUE.name} 规则 {rule_id} 的 {key}: {zh} / rule {rule_id}, key {key}: {en}")


def _rule(entry: dict) -> Rule:
    rule_id = str(entry.get("id") or "")
    for key in ("id", "group", "severity", "title_zh", "title_en", "inputs", "rationale", "source"):
        if not entry.get(key):
            raise _fail(rule_id or "?", key, "缺失", "missing")
    if entry["group"] not in GROUPS:
        raise _fail(rule_id, "group", f"应为 {'/'.join(GROUPS)}", f"must be one of {', '.join(GROUPS)}")
    if entry["severity"] not in (*SEVERITIES, "graded"):
        raise _fail(rule_id, "severity", "应为 error/warn/info/graded", "must be error, warn, info or graded")
    if entry["severity"] == "graded" and not entry.get("severity_rule"):
        raise _fail(rule_id, "severity_rule", "分级规则须说明如何分级", "a graded rule must say how it grades")
    unknown = [name for name in entry["inputs"] if name not in TABLES]
    if unknown:
        raise _fail(rule_id, "inputs", f"未知的表 {unknown}", f"unknown tables {unknown}")
    parameters = entry.get("parameters") or {}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in parameters.values()):
        raise _fail(rule_id, "parameters", "容差须为数值", "tolerances must be numbers")
    if not (SQL_DIR / f"{rule_id}.sql").exists():
        raise _fail(rule_id, "id", f"缺少查询 sql/crosscheck/{rule_id}.sql", f"no query sql/crosscheck/{rule_id}.sql")
    return Rule(rule_id, entry["group"], entry["severity"], entry["title_zh"], entry["title_en"], tuple(entry["inputs"]),
                {k: float(v) for k, v in parameters.items()}, " ".join(str(entry["rationale"]).split()),
                str(entry["source"]))


def load_catalogue(path: Path = CATALOGUE) -> list[Rule]:
    """The rules, validated (unique ids, known groups, severities and tables, a query per rule)."""
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []
    rules = [_rule(entry) for entry in entries]
    ids = [r.rule_id for r in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise _fail(duplicated[0], "id", "规则编号重复", "duplicate rule id")
    return rules


def catalogue_inputs(rules: list[Rule]) -> tuple[str, ...]:
    """Every table some rule or shared view reads, plus the entities the findings are labelled from."""
    return tuple(sorted({*SHARED_INPUTS, *(name for rule in rules for name in rule.inputs)}))


def fuel_defaults(factor_set: FactorSet, years: list[int]) -> pl.DataFrame:
    """General (non-sector) default NCV, carbon content and oxidation per fuel and year, with factor ids.

    The power sector's penalty carbon content is a deliberately high value for unmeasured coal, not a typical one,
    so cross-checks compare against the general defaults of the common-fuel table.
    """
    fuel_table = fuels()
    requests = (fuel_table.select("fuel_code", "fuel_group").join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}),
                                                                   how="cross")
                .with_columns(pl.lit("all").alias("sector"),
                              pl.format("{}|{}", "fuel_code", "year").alias("request_key")))
    out = requests.select("request_key", "fuel_code", "year")
    names = {"ncv": "ncv_gj_per_unit", "carbon_content": "carbon_content_tc_per_gj", "oxidation": "oxidation_fraction"}
    for parameter, column in names.items():
        picked = select_factors(requests, factor_set.factors, parameter)
        out = out.join(picked.select("request_key", pl.col("value").alias(column),
                                     pl.col("factor_id").alias(f"{parameter}_factor_id"),
                                     pl.col("unit_canonical").alias(f"{parameter}_unit")), on="request_key", how="left")
    ids = pl.concat_str([pl.col(f"{p}_factor_id") for p in names], separator=";", ignore_nulls=True)
    return out.select("fuel_code", "year", *names.values(), pl.col("ncv_unit"), pl.col("ncv_factor_id"),
                      pl.col("carbon_content_factor_id"), pl.col("oxidation_factor_id"), ids.alias("factor_ids"))


def _empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=polars_schema(TABLES[name]))


def _run_rule(con: duckdb.DuckDBPyConnection, rule: Rule) -> pl.DataFrame:
    params = pl.DataFrame({k: [v] for k, v in rule.parameters.items()}) if rule.parameters else pl.DataFrame({"_": [0]})
    con.register("params", params)
    try:
        found = con.sql(rule.query).pl()
    except duckdb.Error as err:
        raise _fail(rule.rule_id, "query", f"查询失败 {err}", f"query failed: {err}") from err
    finally:
        con.unregister("params")
    missing = [c for c in QUERY_COLUMNS if c not in found.columns]
    if missing:
        raise _fail(rule.rule_id, "query", f"查询缺少列 {missing}", f"query lacks columns {missing}")
    severity = pl.col("severity") if rule.severity == "graded" else pl.lit(rule.severity)
    schema = polars_schema(TABLES["out_crosscheck__findings"])
    optional = (pl.col(c).cast(schema[c]) if c in found.columns else pl.lit(None, schema[c]).alias(c)
                for c in OPTIONAL_COLUMNS)
    return found.select(
        pl.lit(rule.rule_id).alias("rule_id"), pl.lit(rule.group).alias("rule_group"),
        pl.lit(rule.title_zh).alias("rule_title_zh"), severity.alias("severity"),
        *(pl.col(c).cast(schema[c]) for c in QUERY_COLUMNS), *optional)


def _digest(parts: pl.Expr, length: int) -> pl.Expr:
    return parts.map_elements(lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:length],
                              return_dtype=pl.String)


def _number(column: str) -> pl.Expr:
    """A value as text to 6 significant digits, so float noise between rebuilds does not change the hash."""
    return pl.col(column).map_elements(lambda v: f"{v:.6g}", return_dtype=pl.String).fill_null("")


def identify(findings: pl.DataFrame) -> pl.DataFrame:
    """Adds finding_id (rule and what it is about), evidence_hash (values compared), difference and ratio."""
    key = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in FINDING_KEY], separator="|")
    evidence = pl.concat_str([pl.col("finding_id"), pl.col("severity"), _number("value_a"), pl.col("source_a").fill_null(""),
                              _number("value_b"), pl.col("source_b").fill_null("")], separator="|")
    out = findings.with_columns(("F" + _digest(key, 12)).alias("finding_id"))
    duplicated = out.filter(pl.col("finding_id").is_duplicated())
    if not duplicated.is_empty():
        first = duplicated.row(0, named=True)
        raise _fail(first["rule_id"], "query", f"同一对象出现多条问题 {first['subject']}",
                    f"several findings for one subject {first['subject']} (make the subject unique)")
    ratio = pl.when(pl.col("value_b") != 0).then(pl.col("value_a") / pl.col("value_b"))
    return out.with_columns(_digest(evidence, 16).alias("evidence_hash"),
                            (pl.col("value_a") - pl.col("value_b")).alias("value_difference"), ratio.alias("value_ratio"))


def run_catalogue(rules: list[Rule], tables: dict[str, pl.DataFrame], defaults: pl.DataFrame,
                  years: list[int]) -> pl.DataFrame:
    """All findings of all rules, labelled with the enterprise's name, city and industry; status `open`.

    `tables` maps table names to frames; a table a rule reads but the caller lacks is empty (no findings from it).
    """
    with duckdb.connect() as con:
        con.execute("SET threads TO 2")
        for name in catalogue_inputs(rules):
            con.register(name, tables[name] if name in tables else _empty(name))
        con.register("fuel_defaults", defaults)
        con.register("fuels", fuels())
        con.register("build_years", pl.DataFrame({"year": sorted(set(years))}, schema={"year": pl.Int64}))
        con.register("source_names", pl.DataFrame({"code": list(SOURCE_SYSTEM_ZH), "zh": list(SOURCE_SYSTEM_ZH.values())}))
        con.execute((SQL_DIR / "_views.sql").read_text(encoding="utf-8"))
        frames = [_run_rule(con, rule) for rule in rules]
    findings = identify(pl.concat(frames, how="vertical")) if frames else identify(_empty_findings())
    entities = tables.get("core_enterprise__entity", _empty("core_enterprise__entity"))
    labelled = findings.join(entities.select("uscc", "enterprise_name", "city_code", "industry_code"), on="uscc",
                             how="left")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return (labelled.with_columns(pl.lit("open").alias("finding_status"), pl.lit(None, pl.String).alias("decided_by"),
                                  pl.lit(None, pl.String).alias("decision_reason"),
                                  pl.lit(None, pl.String).alias("decided_on"))
            .sort(pl.col("severity").replace_strict(order, return_dtype=pl.Int8), "rule_id", "uscc", "year", "subject",
                  "finding_id", nulls_last=True)  # finding_id is unique: one order, whatever order the joins gave
            .select(TABLES["out_crosscheck__findings"].columns))


def _empty_findings() -> pl.DataFrame:
    schema = polars_schema(TABLES["out_crosscheck__findings"])
    return pl.DataFrame(schema={"rule_id": pl.String, "rule_group": pl.String, "rule_title_zh": pl.String,
                                "severity": pl.String, **{c: schema[c] for c in (*QUERY_COLUMNS, *OPTIONAL_COLUMNS)}})
