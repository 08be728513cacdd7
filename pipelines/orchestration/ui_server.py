"""The process `synergy ui` starts: `dagster dev` (webserver, daemon, one code server), minus a warning nobody can act on.

Dagster 1.13 marks `dagster dev` superseded by `dg dev` (package dagster-dg-cli) and says so on every start. Given a
module target, `dg dev` hands it straight to the same implementation (dagster_dg_cli's dev command calls
dagster._cli.dev.dev_command_impl), so the warning asks for another command name, not other behaviour; following it
would put dagster-dg-cli and the 19 packages it pulls in (dagster-cloud-cli, GitPython, github3.py, questionary …) on
a bureau's server. So this module runs `dagster dev` as `python -m dagster dev` would, having silenced exactly that
warning (its category and its text) in this process only: every other warning still shows. The pin
dagster==1.13.27 and tests/integration/test_dagster_ui.py (no SupersessionWarning in the output) catch an upgrade
that changes the text or drops the command.
"""

from __future__ import annotations

import runpy
import sys
import warnings

import dagster as dg

SUPERSEDED_DEV = r"Function `dev_command` is superseded"  # the start of the warning's text in dagster 1.13


def main() -> None:
    """`dagster dev` with this module's arguments (-m, -h, -p …)."""
    warnings.filterwarnings("ignore", message=SUPERSEDED_DEV, category=dg.SupersessionWarning)
    sys.argv = ["dagster", "dev", *sys.argv[1:]]
    runpy.run_module("dagster", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
