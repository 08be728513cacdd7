"""The CLI as a user runs it, on a tiny province (synth + build + sql)."""

from typer.testing import CliRunner

from pipelines.cli import app


def test_synth_build_sql(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNERGY_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    assert runner.invoke(app, ["sql", "select 1"]).exit_code == 2  # no warehouse yet: clear error, not a crash
    result = runner.invoke(app, ["synth", "--sites", "150", "--seed", "3"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 0, result.output
    assert "key-emitter rows" in result.output
    result = runner.invoke(app, ["sql", "select count(*) as n from core_qa__file_manifest where file_status = 'duplicate'",
                                 "--csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["n", "1"]
    assert (tmp_path / "home" / "dagster" / "dagster.yaml").is_file()
