"""The documents stay true to the checkout: a short README whose Quickstart is what CI runs, links that resolve,
nothing cited from outside the repository, and only commands, options and paths that exist.

Docs go stale silently (a renamed file, a dropped option, a section moved); each check here names the document and
the line to fix. The example queries are run against a build by tests/integration/test_docs_queries.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from pipelines.cli import app
from schemas.tables import TABLES

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
GENERATED = ROOT / "docs" / "data_dictionary.md"  # written from schemas/ (pipelines.deliver.docs), never by hand
WRITTEN = [README, *sorted(p for p in (ROOT / "docs").glob("*.md") if p != GENERATED)]
EVERY_DOC = [*WRITTEN, GENERATED]
README_MAX_LINES = 250
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.M)
COMMAND = re.compile(r"(?:^|(?<=[\s/(]))synergy ([a-z][a-z0-9_-]*)")
# in a fenced block only a command line counts (`synergy …` first, or a path to it), not a word in a diagram or comment
FENCED_COMMAND = re.compile(r"^\s*(?:\S*/)?synergy ")
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
REPO_PATH = re.compile(r"^(?:pipelines|inventories|schemas|synth|tests|docs|\.ci)/\S*$")
# the team's reference notes and real-data folder live beside the checkout, not in it: a reader of a clone has neither
OUTSIDE = ("../shared", "shared/realdata", "shared/reference", "/work/")
OUTSIDE_NOTES = ("methods-factors.md", "source-formats.md", "pollutant-factors.md", "DESIGN.md")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _prose(text: str) -> str:
    """The text without fenced code blocks: their `# comments` are not headings and their brackets not links."""
    return FENCE.sub("", text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(_prose(_text(path))):
        slug = _slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _code_segments(text: str) -> list[str]:
    """Every piece of code a reader may type: inline spans, and each command of a fenced block (a line split at
    `&&`, `;` and pipes; shell comments dropped)."""
    segments = INLINE.findall(_prose(text))
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line)
            segments += [part for part in re.split(r"&&|;| \| ", line) if FENCED_COMMAND.match(part)]
    return segments


def _quickstart() -> list[str]:
    text = _text(README)
    section = text[text.index("## Quickstart"):]
    section = section[:section.index("\n## ", 1)]
    return [line.strip() for block in FENCE.findall(section) for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_the_readme_is_short():
    lines = len(_text(README).splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_the_quickstart_has_two_commands_and_ci_runs_the_second():
    demo, tests = _quickstart()  # exactly two: one installs and runs the demo, one installs and runs the tests
    assert demo.endswith("synergy demo")
    *install, run = tests.split(" && ")
    assert run == ".venv/bin/python -m pytest"
    ci = _text(ROOT / ".ci" / "run")
    assert " && ".join(install) in ci  # the same install, the same extras
    halves = re.findall(r"^(\.venv/bin/python -m pytest) -m (.+)$", ci, re.M)
    assert halves == [(run, '"not slow"'), (run, "slow")], "CI runs the README's command in its two halves"


@pytest.mark.parametrize("path", EVERY_DOC, ids=_name)
def test_every_relative_link_resolves(path):
    broken = []
    for target in LINK.findall(_prose(_text(path))):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {_name(linked)}")
    assert not broken, f"{_name(path)}: " + "; ".join(broken)


@pytest.mark.parametrize("path", EVERY_DOC, ids=_name)
def test_nothing_is_cited_from_outside_the_repository(path):
    text = _text(path)
    cited = [pattern for pattern in OUTSIDE if pattern in text]
    if path != GENERATED:  # the dictionary's text comes from schemas/, checked where it is written
        cited += [note for note in OUTSIDE_NOTES if note in text]
    assert not cited, f"{_name(path)} cites {cited}: cite the public standard by name and number instead"


def _cli_options() -> dict[str, set[str]]:
    group = typer.main.get_command(app)
    return {name: {"--help", *(o for p in command.params for o in (*p.opts, *p.secondary_opts) if o.startswith("--"))}
            for name, command in group.commands.items()}


@pytest.mark.parametrize("path", WRITTEN, ids=_name)
def test_every_command_and_option_named_exists_in_the_cli(path):
    options = _cli_options()
    unknown = []
    for segment in _code_segments(_text(path)):
        matches = list(COMMAND.finditer(segment))
        for i, match in enumerate(matches):
            command = match.group(1)
            if command not in options:
                unknown.append(f"synergy {command}")
                continue
            rest = segment[match.end():matches[i + 1].start() if i + 1 < len(matches) else None]
            unknown += [f"synergy {command} {o}" for o in OPTION.findall(rest) if o not in options[command]]
    assert not unknown, f"{_name(path)} names what the CLI does not have: {sorted(set(unknown))}"


@pytest.mark.parametrize("path", WRITTEN, ids=_name)
def test_every_repository_path_named_exists(path):
    missing = sorted({span for span in INLINE.findall(_prose(_text(path)))
                      if REPO_PATH.match(span) and not re.search(r"[<>*{}]", span) and not (ROOT / span).exists()})
    assert not missing, f"{_name(path)} names files that are not in the repository: {missing}"


def test_the_analysts_doc_covers_every_group_of_published_tables():
    """The tables themselves are listed by the generated dictionary; the analysts' doc names every group of them."""
    text = _text(ROOT / "docs" / "analysts.md")
    groups = {table.split("__")[0] for table in TABLES}
    assert not {g for g in groups if f"`{g}__" not in text}, "docs/analysts.md lacks a table group"
    assert "data_dictionary.md" in text
