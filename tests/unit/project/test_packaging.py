"""Packaging: a plain (non-editable) install ships every data file the code reads, from inside the packages.

Two faults this guards against: `synergy init` looked for the Dagster settings beside the checkout (absent from a
wheel), and the synergy-index tree CSV was left out of pyproject's package-data. The end-to-end proof (wheel into a
fresh venv, init, synth, build) runs in .ci/run.
"""

import fnmatch
import glob
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.resources import files
from pathlib import Path

import pytest

from inventories import crosscheck, factor_library, reference, synergy_tree
from inventories.cems import settings as cems_settings
from pipelines.workspace import DAGSTER_INSTANCE_YAML, Workspace, init_workspace

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DATA: dict[str, list[str]] = PYPROJECT["tool"]["setuptools"]["package-data"]
INCLUDE: list[str] = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
TOP_LEVEL = ("pipelines", "schemas", "inventories", "synth")


def _relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def _data_files_on_disk() -> set[str]:
    """Every file in a package folder that is not Python: what the wheel must carry as package data."""
    return {_relative(p) for top in TOP_LEVEL for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")}


def _covered_by_package_data() -> set[str]:
    """The files pyproject's package-data patterns select, expanded the way setuptools does (glob, ** recursive)."""
    return {_relative(Path(hit)) for package, patterns in PACKAGE_DATA.items() for pattern in patterns
            for hit in glob.glob(str(ROOT / package.replace(".", "/") / pattern), recursive=True) if Path(hit).is_file()}


def test_package_data_covers_every_data_file():
    on_disk = _data_files_on_disk()
    assert {"inventories/synergy_index/zhejiang_isec_v1.csv", "pipelines/orchestration/dagster_instance.yaml",
            "inventories/factors/cn_default/factors.csv", "inventories/sql/crosscheck/_views.sql"} <= on_disk
    assert on_disk - _covered_by_package_data() == set()


def test_every_package_folder_is_a_package_the_build_finds():
    """A folder of modules without __init__.py is skipped by packages.find (not find_namespace) and its modules
    are missing from the wheel; a new top-level package must be named in `include`."""
    folders = {p.parent for top in TOP_LEVEL for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert {_relative(f) for f in folders if not (f / "__init__.py").is_file()} == set()
    names = {_relative(f).replace("/", ".") for f in folders}
    assert {n for n in names if not any(fnmatch.fnmatch(n, pattern) for pattern in INCLUDE)} == set()
    assert not any(fnmatch.fnmatch("tests", pattern) for pattern in INCLUDE)


def _packaged_paths_the_code_reads() -> list[Path]:
    tree = synergy_tree.load_settings().tree_path
    rules = [crosscheck.SQL_DIR / f"{rule.rule_id}.sql" for rule in crosscheck.load_catalogue()]
    return [factor_library.DEFAULT_FACTOR_SET / "factors.csv", factor_library.DEFAULT_FACTOR_SET / "factor_set.yaml",
            crosscheck.CATALOGUE, crosscheck.SQL_DIR / "_views.sql", *rules, cems_settings.DEFAULT_SETTINGS,
            synergy_tree.SETTINGS_FILE, tree, reference.PLAUSIBILITY_BOUNDS, reference.RULES / "key_emitters.yaml",
            Path(str(DAGSTER_INSTANCE_YAML))]


def test_paths_the_code_reads_lie_inside_the_packages_and_ship():
    """Each default data path resolves through importlib.resources into a package folder and is package data."""
    shipped = _covered_by_package_data()
    for path in _packaged_paths_the_code_reads():
        top = _relative(path).split("/")[0]
        assert path.resolve().is_relative_to(Path(str(files(top))).resolve()), path
        assert _relative(path) in shipped, path


def test_top_level_dagster_yaml_is_the_packaged_settings(tmp_path):
    """One copy of the instance settings: the checkout's dagster.yaml points at the packaged file, and init
    restores the workspace copy from it when someone edited the copy."""
    assert (ROOT / "dagster.yaml").is_symlink()
    assert (ROOT / "dagster.yaml").resolve() == Path(str(DAGSTER_INSTANCE_YAML)).resolve()
    ws = Workspace(tmp_path)
    init_workspace(ws)
    copy = ws.dagster_home / "dagster.yaml"
    assert copy.read_bytes() == DAGSTER_INSTANCE_YAML.read_bytes()
    copy.write_text("telemetry: {enabled: true}\n", encoding="utf-8")
    init_workspace(ws)
    assert copy.read_bytes() == DAGSTER_INSTANCE_YAML.read_bytes()


@pytest.mark.parametrize(("args", "expected"), [(["--help"], "synth"), (["bench", "--help"], "--sizes")])
def test_python_dash_m_cli_runs_every_command(tmp_path, args, expected):
    """`python -m pipelines.cli` reaches the last-defined command too (the __main__ block must come last)."""
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "SYNERGY_HOME": str(tmp_path)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"Usage: python -m pipelines.cli {' '.join(args[:-1])}".rstrip() in done.stdout
    assert expected in done.stdout


@pytest.mark.slow
def test_wheel_carries_the_data_files_and_no_tests(tmp_path):
    """setuptools itself (not our glob reading of pyproject) puts every data file and module in the wheel."""
    source = tmp_path / "source"  # built from a copy, so the checkout gets no build/ folder
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for top in TOP_LEVEL:
        shutil.copytree(ROOT / top, source / top, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("synergy_inventory-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {_relative(p) for top in TOP_LEVEL for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert _data_files_on_disk() - names == set()
    assert modules - names == set()
    assert not any(n.startswith("tests/") for n in names)
