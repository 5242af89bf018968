"""What a dbt Python model hands to src/audience: one helper for every engine's relation.

dbt gives a Python model its refs as the engine's own objects: a DuckDB
relation (dbt-duckdb), a PySpark DataFrame (dbt-spark, Databricks), a
Snowpark DataFrame (Snowflake, which the same three calls would serve with
``filter``, ``sort`` and ``to_pandas``). ``to_pandas`` narrows one down
(rows, columns, order, all pushed to the engine) and brings it into pandas,
which is all the project's Python code reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def stored_table(session: object, this: object, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """The rows a model stored in an earlier build (``dbt.this``), or None when it has no table yet, or when it
    lacks one of ``columns`` (all columns when None: a table from before a column was added).

    For models that keep a result between builds; ``session`` is the one dbt hands the model.
    """
    if hasattr(session, "catalog"):  # PySpark
        name = f"{this.schema}.{this.identifier}"
        if not session.catalog.tableExists(name):
            return None
        table = session.table(name)
        if columns and not set(columns) <= set(table.columns):
            return None
        return nulls_as_none((table.select(*columns) if columns else table).toPandas())
    if hasattr(session, "execute"):  # DuckDB
        # fetchall: DuckDB 2.0 refuses the next query while a result is left unfetched
        stored = {
            name
            for (name,) in session.execute(
                "select column_name from information_schema.columns"
                " where table_catalog = ? and table_schema = ? and table_name = ?",
                [this.database, this.schema, this.identifier],
            ).fetchall()
        }
        if not stored or (columns and not set(columns) <= stored):
            return None
        selected = ", ".join(columns) if columns else "*"
        return nulls_as_none(session.execute(f"select {selected} from {this!r}").df())
    raise TypeError(f"not a session this project reads: {type(session).__name__}")


def nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Nulls of text columns as None: a frame read back holds NaN there, which Spark writes as the text 'NaN'."""
    for column in frame.select_dtypes(include=["object", "str"]).columns:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def kept_fit(fits: object, family: str, session: object, this: object) -> tuple[str, pd.DataFrame | None]:
    """The current fit id of ``family`` in int_model_fits (``fits``), and this model's stored rows if they hold it.

    A model that keeps a fit between refits returns the stored rows while they carry the current id, and
    fits anew (tagging its rows with the id) when they do not (doc block ``model_fits``).
    """
    fit_id = to_pandas(fits, ["fit_id"], where=f"model_family = '{family}'")["fit_id"].iloc[0]
    stored = stored_table(session, this)
    if stored is not None and len(stored) and "fit_id" in stored.columns and set(stored["fit_id"]) == {fit_id}:
        return fit_id, stored
    return fit_id, None


def kept_or_refitted(
    fits: object,
    family: str,
    session: object,
    this: object,
    fit: Callable[[], pd.DataFrame],
    typed: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """What a model that keeps part of ``family``'s fit returns (``kept_fit``'s arguments, then ``fit``): its stored
    rows while they carry the current fit (through ``typed``, when the stored rows need their column types back),
    else ``fit()``'s rows tagged with the fit's id. ``fit`` reads its inputs itself, so a build between refits reads
    nothing but the stored rows."""
    fit_id, stored = kept_fit(fits, family, session, this)
    if stored is not None:
        return typed(stored) if typed else stored
    rows = fit()
    rows["fit_id"] = fit_id
    return rows
