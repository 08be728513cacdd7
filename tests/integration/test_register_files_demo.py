"""The register export on the demo build: one line per key-emitter enterprise, the follow-up list complete."""

import polars as pl

from pipelines.deliver.register_export import export_register


def test_register_export_on_the_demo(built, sql, tmp_path):
    ws, manifest, _ = built
    paths = {p.name: p for p in export_register(ws.warehouse, tmp_path)}
    years = sql("select min(year) as first, max(year) as last from out_key_emitters__register").row(0)
    label = f"{years[0]}-{years[1]}"
    stems = ("重点排放单位名录", "未报告重点排放单位")
    assert set(paths) == {f"{stem}_{label}.{ext}" for stem in stems for ext in ("xlsx", "csv")}

    register = pl.read_csv(paths[f"重点排放单位名录_{label}.csv"], infer_schema=False)
    enterprises = sql("select count(distinct uscc) as n from out_key_emitters__register where is_key_emitter")["n"][0]
    assert register.height == enterprises > 0
    assert register["序号"].to_list() == [str(i) for i in range(1, enterprises + 1)]
    assert register["统一社会信用代码"].n_unique() == enterprises

    follow_up = pl.read_csv(paths[f"未报告重点排放单位_{label}.csv"], infer_schema=False)
    missing = sql("select count(*) as n from out_key_emitters__register where is_key_emitter and not is_ghg_reporter")
    assert follow_up.height == missing["n"][0]
    anomaly = next(a for a in manifest["anomalies"] if a["kind"] == "missing_from_ghg_reporting")
    assert anomaly["uscc"] in set(follow_up["统一社会信用代码"])
    assert anomaly["uscc"] in set(register["统一社会信用代码"])


def test_every_build_refreshes_the_register_files(built, tmp_path):
    ws = built[0]  # built by run_build, as `synergy build`, `ingest` and the sensor's runs are: not by `demo`
    fresh = {p.name: p.read_bytes() for p in export_register(ws.warehouse, tmp_path)}
    folder = ws.exports / "register"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == fresh  # exactly the current set, byte for byte
