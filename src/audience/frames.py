"""What a dbt Python model hands to src/audience: one helper for every engine's relation.

dbt gives a Python model its refs as the engine's own objects: a DuckDB
relation (dbt-duckdb), a PySpark DataFrame (dbt-spark, Databricks), a
Snowpark DataFrame (Snowflake, which the same three calls would serve with
``filter``, ``sort`` and ``to_pandas``). ``to_pandas`` narrows one down
(rows, columns, order, all pushed to the engine) and brings it into pandas,
which is all the project's Python code reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def to_pandas(
    relation: object,
    columns: Sequence[str] | None = None,
    where: str | None = None,
    order_by: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of ``relation`` meeting the SQL condition ``where``, in ``order_by`` order, as a pandas frame.

    ``columns`` are column names or SQL expressions (``x as y``); all when None.
    """
    if hasattr(relation, "toPandas"):  # PySpark
        frame = relation
        if where:
            frame = frame.filter(where)
        if order_by:  # before the projection, which may drop the ordering columns; it keeps the order
            frame = frame.orderBy(*order_by)
        if columns:
            frame = frame.selectExpr(*columns)
        return frame.toPandas()
    if hasattr(relation, "df"):  # DuckDB
        if where:
            relation = relation.filter(where)
        if order_by:
            relation = relation.order(", ".join(order_by))
        if columns:
            relation = relation.select(", ".join(columns))
        return relation.df()
    raise TypeError(f"not a relation this project reads: {type(relation).__name__}")
