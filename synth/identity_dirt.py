"""How the statistics forms write who an enterprise is, with the identity dirt entity matching must survive.

About 40 % of enterprises still fill the old organisation code (USCC characters 9-17); about 6 % of
enterprise-years leave the code blank and write the name in another style: another legal form, the
city or province in front, a stray space, or only the former name in the year before a rename shows.
Every row's true enterprise (and site) goes to `identity_truth.csv` beside the manifest.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from inventories.reference import region_name_lookup
from synth.world import LEGAL_FORMS, Enterprise

NO_IDENTIFIER_SHARE = 0.06
OLD_CODE_SHARE = 0.4
KEEP_PERMIT_SHARE = 0.5  # of a no-identifier enterprise's boiler rows, this share still carry the permit number
TRUTH_FILE = "identity_truth.csv"
TRUTH_COLUMNS = ("source_file", "sheet_name", "row_number", "uscc", "facility_id", "written_code", "name_dirt")


@dataclass(frozen=True)
class IdentityCells:
    code: str | None  # 组织机构代码 cell: USCC, old code XXXXXXXX-X, or blank
    name: str  # 单位名称 cell
    keeps_permit: bool  # boiler rows still write the permit number
    dirt: str | None  # what was done to the name of a no-identifier row


def _city_names() -> dict[str, str]:
    return {code: name for name, code in region_name_lookup().items() if code.endswith("00") and name.endswith("市")}


def _restyled(enterprise: Enterprise, rng: random.Random, first_year: bool) -> tuple[str, str]:
    """Another spelling of the same legal person's name, and what was changed."""
    if enterprise.former_name and first_year:
        return enterprise.former_name, "former_name_only"
    style = rng.choice(["legal_form", "city_prefix", "province_city_prefix", "space"])
    name = enterprise.name
    if style == "legal_form":
        form = next(f for f in sorted(LEGAL_FORMS, key=len, reverse=True) if name.endswith(f))
        return name.removesuffix(form) + rng.choice([f for f in LEGAL_FORMS if f != form]), style
    city = _city_names().get(enterprise.city_code, "")
    if style == "city_prefix" and city:
        return city + name, style
    if style == "province_city_prefix" and city:
        return "河南省" + city.removesuffix("市") + name, style
    return name[:2] + " " + name[2:], "space"


def identity_cells(enterprise: Enterprise, year: int, first_year: int, clean: bool = False) -> IdentityCells:
    """The code and name cells one enterprise-year's forms carry (deterministic per enterprise and year).

    `clean` (an anomaly's enterprise, which cross-checks must find by its code) always writes the USCC.
    """
    rng = random.Random(f"{enterprise.uscc}:{year}:identity")
    if clean:
        return IdentityCells(enterprise.uscc, enterprise.name, True, None)
    if enterprise.unidentified_year == year:  # a namesake exists in the same city: this row is ambiguous
        return IdentityCells(None, enterprise.name, False, "namesake_in_city")
    if rng.random() < NO_IDENTIFIER_SHARE:
        name, dirt = _restyled(enterprise, rng, year == first_year)
        return IdentityCells(None, name, rng.random() < KEEP_PERMIT_SHARE, dirt)
    if random.Random(f"{enterprise.uscc}:orgcode").random() < OLD_CODE_SHARE:
        code = f"{enterprise.org_code[:8]}-{enterprise.org_code[8]}"  # the old form: XXXXXXXX-X
    else:
        code = enterprise.uscc
    name = f"{enterprise.name}（{enterprise.former_name}）" if enterprise.former_name else enterprise.name
    return IdentityCells(code, name, True, None)


def truth_row(file: str, sheet: str, row: int, enterprise: Enterprise, cells: IdentityCells,
              facility_id: str | None) -> dict:
    kind = "none" if cells.code is None else ("uscc" if len(cells.code) == 18 else "org_code")
    return {"source_file": file, "sheet_name": sheet, "row_number": row, "uscc": enterprise.uscc,
            "facility_id": facility_id, "written_code": kind, "name_dirt": cells.dirt}


def write_truth(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TRUTH_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
