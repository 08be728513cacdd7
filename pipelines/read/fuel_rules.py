"""Rules for a fuel line, shared by GHG reports, permit fuel analysis, G103-1 boilers and power monthly rows.

The fuel decides the canonical unit (t or 10^4 Nm3), so the quantity and NCV rules look the fuel up
again; a row whose fuel is unknown is blamed on the fuel column alone.

Coal of unspecified rank (原煤) has no official carbon-content default outside power, so its rank is taken
from wherever the line names it: the fuel name (`烟煤`), a bracket after a generic name (`原煤(烟煤)`) or, for a
line still of unspecified rank, a remark naming exactly one rank (`煤种：褐煤`); `fuel_rank_source` says which.
"""

from __future__ import annotations

from collections.abc import Callable

from inventories.units import ncv_to_canonical, quantity_to_canonical
from pipelines.read import parsers
from pipelines.read.bounds import within
from pipelines.read.rows import Raw, Rule
from pipelines.read.values import CellError, parse_number

FUEL_FIELDS = ("fuel_code", "fuel_name", "fuel_unit_code", "fuel_rank_source")
# canonical fuel unit -> plausibility-bound quantity of the fuel quantity and of its NCV
FUEL_QUANTITY_BOUND = {"t": "fuel_mass_t", "10^4Nm3": "fuel_gas_10k_nm3"}
NCV_BOUND = {"t": "ncv_gj_per_t", "10^4Nm3": "ncv_gj_per_10k_nm3"}


def resolve_fuel(raw: Raw, fuel_column: str, remark_column: str | None = None) -> dict[str, str | None]:
    """The fuel of a line (`parsers.fuel`); 原煤 whose remark names exactly one coal rank takes that rank."""
    found = parsers.fuel(raw.get(fuel_column))  # type: ignore[arg-type]
    if remark_column is None or found["fuel_code"] != parsers.RAW_COAL:
        return found
    rank = parsers.coal_rank_in_text(raw.get(remark_column))  # type: ignore[arg-type]
    if rank is None:
        return found
    return {**found, "fuel_code": rank, "fuel_unit_code": parsers.fuel_unit_of(rank), "fuel_rank_source": "remark"}


def _fuel_unit(raw: Raw, fuel_column: str, remark_column: str | None = None) -> str | None:
    try:
        return resolve_fuel(raw, fuel_column, remark_column)["fuel_unit_code"]
    except CellError:
        return None  # the fuel rule reports it


def fuel_rules(fuel_column: str, quantity_column: str, unit_column: str | None, ncv_column: str | None,
               ncv_unit_column: str | None = None, remark_column: str | None = None) -> list[Rule]:
    """fuel_code/fuel_name/fuel_unit_code/fuel_rank_source, fuel_consumed_units and (optionally) ncv_gj_per_unit.

    `remark_column`: the table's 备注 column, read for the coal rank of a 原煤 line (None: the table has none).
    """

    def quantity(raw: Raw) -> float | None:
        unit_code = _fuel_unit(raw, fuel_column, remark_column)
        value, cell_unit = parse_number(raw.get(quantity_column))  # type: ignore[arg-type]
        if value is None:
            raise CellError("消耗量为空", "fuel quantity is missing")
        if value < 0:
            raise CellError(f"消耗量为负“{raw.get(quantity_column)}”", f"negative fuel quantity {raw.get(quantity_column)!r}")
        if unit_code is None:
            return None
        unit = cell_unit or (raw.get(unit_column) if unit_column else None) or raw.get(f"{quantity_column}_header_unit")
        return within(quantity_to_canonical(value, unit, unit_code), FUEL_QUANTITY_BOUND[unit_code], "消耗量",  # type: ignore[arg-type]
                      "fuel quantity", raw.get(quantity_column))

    fuel = (fuel_column, remark_column) if remark_column else (fuel_column,)  # what decides the canonical unit
    rules = [Rule(fuel_column, lambda raw: resolve_fuel(raw, fuel_column, remark_column), FUEL_FIELDS, fuel[1:]),
             Rule(quantity_column, quantity, "fuel_consumed_units", (unit_column,) if unit_column else (),
                  (*fuel, f"{quantity_column}_header_unit"))]
    if ncv_column:
        rules.append(Rule(ncv_column, _ncv(fuel_column, ncv_column, ncv_unit_column, remark_column), "ncv_gj_per_unit",
                          (ncv_unit_column,) if ncv_unit_column else (), (*fuel, f"{ncv_column}_header_unit")))
    return rules


def _ncv(fuel_column: str, ncv_column: str, ncv_unit_column: str | None,
         remark_column: str | None = None) -> Callable[[Raw], float | None]:
    def parse(raw: Raw) -> float | None:
        value, cell_unit = parse_number(raw.get(ncv_column))  # type: ignore[arg-type]
        unit_code = _fuel_unit(raw, fuel_column, remark_column)
        if value is None or unit_code is None:
            return None
        unit = cell_unit or (raw.get(ncv_unit_column) if ncv_unit_column else None) or raw.get(f"{ncv_column}_header_unit")
        if unit and "或" in unit:  # a header naming both units (`GJ/t或GJ/万立方米`): the fuel decides
            unit = next((u for u in unit.split("或") if ("万" in u) == (unit_code == "10^4Nm3")), None)
        return within(ncv_to_canonical(value, unit, unit_code), NCV_BOUND[unit_code], "低位发热量", "NCV",  # type: ignore[arg-type]
                      raw.get(ncv_column))

    return parse
