"""Why a Dagster run failed, in lines the data team can act on (中文 / English), read from the run's event log.

The Dagster UI shows every event and stack trace; the data team needs the few facts behind them: which table
(asset) did not build, the error as the step raised it (domain errors already name file, sheet and row), which
blocking check stopped the build, how much did not run because of it, and that the published warehouse is
untouched. `synergy status` prints the first line for each failed run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import dagster as dg

PUBLISH_ASSET = dg.AssetKey("out_publish__warehouse")
_ET = dg.DagsterEventType
_EVENTS = {_ET.ASSET_MATERIALIZATION_PLANNED, _ET.ASSET_CHECK_EVALUATION_PLANNED, _ET.STEP_START, _ET.STEP_FAILURE,
           _ET.STEP_SKIPPED, _ET.ASSET_CHECK_EVALUATION, _ET.ASSET_MATERIALIZATION, _ET.RUN_FAILURE, _ET.RUN_CANCELED}
_SHOWN_STEPS = 6  # steps named in the "did not run" line; the rest only counted

# (pattern in the error text, advice): only causes whose remedy is the same wherever they happen
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"permission denied|PermissionError|WinError 32|being used by another process|"
                r"could not set lock|database is locked|conflicting lock", re.IGNORECASE),
     "文件被占用或无权限：请在 Excel/WPS 或数据库工具(如 DBeaver)中关闭该文件后重新运行 / the file is locked or not "
     "writable: close it in Excel/WPS or any database tool (e.g. DBeaver) and run again"),
    (re.compile(r"no space left on device|Errno 28|disk is full|not enough space", re.IGNORECASE),
     "磁盘空间不足：请清理 $SYNERGY_HOME 所在磁盘(如不再需要的旧 exports/)后重新运行 / the disk is full: free space on "
     "the drive holding $SYNERGY_HOME (e.g. old exports/ no longer needed) and run again"),
    (re.compile(r"MemoryError|out of memory|Cannot allocate memory", re.IGNORECASE),
     "内存不足：请关闭其他程序，或每次只构建一个年度后重新运行 / out of memory: close other programs, or build one "
     "year at a time, and run again"),
    (re.compile(r"No such file or directory|cannot find the (file|path) specified", re.IGNORECASE),  # the OS's words:
     # a FileNotFoundError of our own (e.g. a year not built yet) already says what to do
     "文件缺失：运行期间文件可能被移动或删除，请检查 inbox/ 后重新运行 synergy build / a file is missing: it may have been "
     "moved or deleted while the build ran; check inbox/ and run synergy build again"),
)


def failure_hint(error_message: str) -> str | None:
    """Advice for a few causes that are about the machine, not the data; None when the cause is not one of them."""
    for pattern, advice in _HINTS:
        if pattern.search(error_message or ""):
            return advice
    return None


def metadata_summary(metadata: Mapping[str, object], width: int = 300, value_width: int = 80) -> str:
    """`key=value, ...` of check metadata, counts first (they say how bad), each value and the whole cut short."""
    values = {key: getattr(value, "value", value) for key, value in metadata.items()}
    parts = []
    for key in sorted(values, key=lambda k: not isinstance(values[k], int | float)):  # stable: numbers, then text
        text = " ".join(str(values[key]).split())
        parts.append(f"{key}={text[:value_width - 1] + '…' if len(text) > value_width else text}")
    summary = ", ".join(parts)
    return summary if len(summary) <= width else summary[: width - 1] + "…"


def _first_lines(text: str, lines: int = 2, width: int = 300) -> str:
    kept = [line.strip() for line in (text or "").splitlines() if line.strip()][:lines]
    joined = " | ".join(kept)
    return joined if len(joined) <= width else joined[: width - 1] + "…"


def _error_text(failure) -> tuple[str, str]:
    """(error class, message) of a step failure, unwrapping Dagster's wrappers to the error the step raised."""
    if failure.user_failure_data is not None and failure.user_failure_data.description:  # dg.Failure raised by a step
        data = failure.user_failure_data
        extra = f" ({metadata_summary(data.metadata, 150)})" if data.metadata else ""
        return "Failure", data.description + extra
    error = failure.error
    if error is None:
        return "Error", ""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    cls = error.cls_name or "Error"
    message = re.sub(rf"^[\w.]*{re.escape(cls)}: ", "", error.message.strip())
    return cls, message


def _names(keys: set[dg.AssetKey]) -> str:
    return ", ".join(sorted(k.to_user_string() for k in keys))


def explain_run_failure(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Lines saying what failed in run `run_id` and why; empty when nothing failed."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        return [f"找不到该运行 / no run {run_id} in this Dagster instance"]
    step_assets: dict[str, set[dg.AssetKey]] = {}
    step_checks: dict[str, set[str]] = {}
    planned, started, skipped, failed_steps, checks_failed = set(run.step_keys_to_execute or []), set(), set(), [], []
    materialized: set[dg.AssetKey] = set()
    run_failure = canceled = None
    for record in instance.all_logs(run_id, of_type=_EVENTS):
        event = record.dagster_event
        kind, step = event.event_type, event.step_key
        if kind == _ET.ASSET_MATERIALIZATION_PLANNED:
            planned.add(step)
            step_assets.setdefault(step, set()).add(event.asset_key)
        elif kind == _ET.ASSET_CHECK_EVALUATION_PLANNED:
            planned.add(step)
            check = event.event_specific_data
            step_checks.setdefault(step, set()).add(f"{check.check_name} on {check.asset_key.to_user_string()}")
        elif kind == _ET.STEP_START:
            started.add(step)
        elif kind == _ET.STEP_SKIPPED:
            skipped.add(step)
        elif kind == _ET.STEP_FAILURE:
            failed_steps.append((step, event.step_failure_data))
        elif kind == _ET.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR and evaluation.blocking:
                checks_failed.append(evaluation)
        elif kind == _ET.ASSET_MATERIALIZATION:
            materialized.add(event.asset_key)
        elif kind == _ET.RUN_FAILURE:
            run_failure = record
        else:
            canceled = record
    planned.discard(None)

    lines = []
    for step, failure in failed_steps:
        cls, message = _error_text(failure)
        if cls == "DagsterAssetCheckFailedError":  # a blocking check failed: said below, with its metadata
            continue
        assets, checks = step_assets.get(step, set()), step_checks.get(step, set())
        where = (f"（资产 / assets: {_names(assets)}）" if assets and {k.to_user_string() for k in assets} != {step}
                 else f"（检查 / check: {', '.join(sorted(checks))}）" if checks and not assets else "")
        lines.append(f"步骤失败 / step failed: {step}{where} — {cls}: {_first_lines(message)}")
        if hint := failure_hint(f"{cls}: {message}"):
            lines.append(f"  建议 / hint: {hint}")
    for evaluation in checks_failed:
        part = f" [{evaluation.partition}]" if evaluation.partition else ""
        lines.append(f"阻断性检查未通过，下游步骤已停止 / blocking check failed, downstream steps stopped: "
                     f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}{part}"
                     + (f" — {metadata_summary(evaluation.metadata)}" if evaluation.metadata else ""))
    if not lines and canceled is not None:
        lines.append("运行已被取消 / the run was canceled")
    if not lines and run_failure is not None:  # failed outside any step: resources, run worker, launch
        error = getattr(run_failure.dagster_event.event_specific_data, "error", None)
        text = f"{error.cls_name}: {error.message}" if error else (run_failure.dagster_event.message or "")
        lines.append(f"运行失败(不在某个步骤中) / the run failed outside any step: {_first_lines(text)}")
        if hint := failure_hint(text):
            lines.append(f"  建议 / hint: {hint}")
    if not lines and run.status != dg.DagsterRunStatus.FAILURE:
        return []
    if not lines:
        lines.append("运行失败，但事件日志中没有失败的步骤 / the run failed but its event log names no failed step")

    never_started = planned - started - skipped
    if skipped or never_started:
        shown = sorted(skipped | never_started)
        names = ", ".join(shown[:_SHOWN_STEPS]) + (", …" if len(shown) > _SHOWN_STEPS else "")
        zh = "，".join(f"{word} {n}" for word, n in (("跳过", len(skipped)), ("未开始", len(never_started))) if n)
        en = ", ".join(f"{n} {word}" for word, n in (("skipped", len(skipped)), ("never started", len(never_started))) if n)
        lines.append(f"因此未运行 {len(shown)} 个步骤({zh}) / {len(shown)} steps did not run because of this ({en}): {names}")
    lines.append(f"完整日志 / full log: run {run_id}（synergy ui → Runs）")
    if PUBLISH_ASSET in materialized:
        lines.append("数据仓库已在本次运行中发布，失败发生在发布之后 / warehouse.duckdb was published by this run; "
                     "what failed came after it")
    else:
        lines.append("上次发布的数据仓库保持不变(本次未发布) / the last published warehouse.duckdb was left in place "
                     "(this run did not publish)")
    return lines
