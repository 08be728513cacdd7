"""The inbox files that need someone (build summary, `synergy status`): not read, or read with rejected rows.

Read from the published warehouse's file manifest, each with what to do next, in Chinese and English: a file the
build could not place is otherwise only a line in core_qa__file_manifest that nobody opens.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from pipelines.deliver.queries import query
from pipelines.deliver.terminal import show_rows

NEXT_STEP = {
    "unrecognised": "按 synergy templates 生成的模板表头整理，另存为 CSV 或 XLSX 后重新放入 / give it the headers of a "
                    "`synergy templates` template, save it as CSV or XLSX and drop it again",
    "missing_columns": "补齐说明中列出的缺失列后重新放入（表头见 synergy templates） / add the missing columns named in the "
                       "message and drop it again (headers: `synergy templates`)",
    "unreadable": "文件无法打开：检查文件权限，或用 Excel 另存后重新放入 / the file cannot be opened: check its permissions, "
                  "or save it again from Excel and drop it again",
    "too_large": "超出读取上限：拆分文件，或在 $SYNERGY_HOME/config/limits.toml 中调高上限 / beyond a read limit: split the "
                 "file, or raise the limit in $SYNERGY_HOME/config/limits.toml",
    "rows_rejected": "改正这些行后重新放入收件箱（后放入的文件替代先前的）；逐行原因见 core_qa__rejected_rows / fix the rows "
                     "and drop the file again (a later file replaces the earlier one); every row and why: "
                     "core_qa__rejected_rows",
}
KIND_ZH = {"unrecognised": "未识别", "missing_columns": "缺少列", "unreadable": "无法读取", "too_large": "文件过大",
           "rows_rejected": "有拒收行"}


@dataclass(frozen=True)
class FileProblem:
    file: str  # inbox-relative, as the manifest names it (ghg/2024年报.xlsx)
    status: str  # file_status: unrecognised, missing_columns, unreadable, too_large, or one read with rejected rows
    rows_rejected: int
    message: str  # the reader's reason ("" when it gave none)

    @property
    def kind(self) -> str:
        """The key of NEXT_STEP: the file status of a file not read, else rows_rejected (ingested, an outlet map)."""
        return self.status if self.status in NEXT_STEP else "rows_rejected"

    @property
    def label(self) -> str:
        """The problem as a user reads it: `未识别 unrecognised`, `有拒收行 12 rows rejected`."""
        if self.kind == "rows_rejected":
            return f"{KIND_ZH['rows_rejected']} {self.rows_rejected:,} rows rejected"
        return f"{KIND_ZH[self.kind]} {self.kind}"


def file_problems(con: duckdb.DuckDBPyConnection) -> list[FileProblem]:
    """Files not read first, then files with rejected rows (most first)."""
    return [FileProblem(*row) for row in con.execute(query("summary_file_problems")).fetchall()]


PROBLEM_COLUMNS = ("文件 file", "状态 status", "原因 reason")


def next_steps(problems: list[FileProblem]) -> list[str]:
    """What to do, once per kind of problem, in the order the kinds first appear: `缺少列 missing columns: …`."""
    return [f"{KIND_ZH[kind]} {kind.replace('_', ' ')}: {NEXT_STEP[kind]}" for kind in dict.fromkeys(p.kind for p in problems)]


def print_problems(console: Console, problems: list[FileProblem], title: str, shown: int | None = None) -> None:
    """The files (the first `shown` of them), then what to do next, once per kind of problem."""
    listed = problems[:shown]
    show_rows(console, PROBLEM_COLUMNS, [(p.file, p.label, p.message) for p in listed], f"{title} ({len(problems)})")
    if len(problems) > len(listed):
        console.print(f"… 另有 {len(problems) - len(listed)} 个 / {len(problems) - len(listed)} more: synergy status "
                      "--format csv")
    console.print("下一步 next steps:", style="bold")
    for step in next_steps(problems):
        console.print(Padding(Text(step), (0, 0, 0, 2)))
