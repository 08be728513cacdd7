"""Values resting on recalled or judgement factor rows are counted per status (issue 30 §4)."""

import duckdb
import pytest

from pipelines.deliver.unconfirmed_values import unconfirmed_line, unconfirmed_values


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("""create table core_inventory__factors as select * from (values
        ('PWR2022-coal-cc-unmeasured', 'recalled'), ('JDG-raw_coal-cc', 'judgement'), ('JDG-raw_coal-of', 'judgement'),
        ('C1-bituminous-cc', 'verified')) t(factor_id, status)""")
    con.execute("""create table core_inventory__yearly_facility_species as select * from (values
        (2023, 'CO2', 'combustion', 100.0, 'PWR2022-coal-cc-unmeasured;C1-bituminous-cc'),
        (2023, 'CO2', 'combustion', 40.0, 'JDG-raw_coal-cc;JDG-raw_coal-of'),
        (2023, 'CO2', 'combustion', 7.0, 'JDG-raw_coal-cc;PWR2022-coal-cc-unmeasured'),
        (2023, 'CO2', 'indirect_electricity', 900.0, 'PWR2022-coal-cc-unmeasured'),
        (2023, 'SO2', 'combustion', 2.0, 'JDG-raw_coal-of'),
        (2023, 'CO2', 'combustion', 5.0, 'C1-bituminous-cc'),
        (2023, 'NOx', 'combustion', 1.0, null),
        (2022, 'CO2', 'combustion', 50.0, 'JDG-raw_coal-cc')) t(year, species, scope, mass_t, factor_ids)""")
    return con


def test_each_value_counts_once_per_status_and_direct_co2_is_summed(con):
    found = unconfirmed_values(con)
    assert found.year == 2023 and found.values == 7
    # recalled: rows 1, 3, 4 (the indirect one is counted but its CO2 is not direct): 100 + 7 t
    assert found.recalled == 3 and found.recalled_co2_t == 107.0
    # judgement: rows 2, 3, 5 (row 2 names two judgement rows, counted once): 40 + 7 t of direct CO2
    assert found.judgement == 3 and found.judgement_co2_t == 47.0
    assert unconfirmed_line(found).startswith("2023: 3 待核实 recalled (107.0 t CO2), 3 专业判断 judgement (47.0 t CO2)")
    assert unconfirmed_values(con, 2022).judgement == 1


def test_an_older_warehouse_without_the_tables_gives_none():
    assert unconfirmed_values(duckdb.connect()) is None
