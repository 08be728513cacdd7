"""Published key-emitter lists (重点排放单位名录) against the computed register (Dagster-free).

The comparison itself is the SQL model `sql/out_key_emitters__published_comparison.sql`, readable without
any pipeline code; this module only names its inputs.
"""

from __future__ import annotations

import polars as pl

from inventories.sql_models import run_model

COMPARISONS = ("on_both", "only_published", "only_computed")


def published_comparison(published: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """One row per USCC on a published list or flagged by the computed register in some year.

    published: core_register__published_list rows; register: out_key_emitters__register rows (uscc, enterprise_name,
    city_code, year, is_key_emitter, register_status, basis_co2e_t, energy_tce, evidence_zh are read).
    """
    return run_model("out_key_emitters__published_comparison", published=published, register=register)
