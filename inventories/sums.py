"""Float sums that do not depend on row order.

Joins and parallel group-bys hand rows over in an order that can change from run to run, and a float sum
taken in another order can differ in its last bit; summing the values in sorted order makes the same inputs
give the same bytes (repeatable builds).
"""

import polars as pl


def stable_sum(column: str) -> pl.Expr:
    """Sum of a float column taken in ascending value order (nulls ignored, as in a plain sum)."""
    return pl.col(column).sort().sum()
