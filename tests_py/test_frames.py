"""audience.frames: what a Python model reads, and the rows a model kept from an earlier build."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
import pytest

from audience.frames import kept_fit, kept_or_refitted, nulls_as_none, stored_table


def test_text_nulls_read_back_as_nan_become_none() -> None:
    # pandas gives NaN for a null in a text column read back; Spark would write it as the text 'NaN'
    frame = pd.DataFrame({"label": ["a", np.nan, None], "value": [1.0, np.nan, 2.0]})
    out = nulls_as_none(frame)
    assert out["label"].tolist() == ["a", None, None]
    assert out["value"].isna().tolist() == [False, True, False]  # numbers keep NaN (written as null)
    assert out["value"].dtype == np.float64


@pytest.fixture
def session() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema intermediate")
    fits = "select * from (values ('clv', 'f1'), ('clusters', 'f2')) t(model_family, fit_id)"
    con.execute(f"create table intermediate.fits as {fits}")
    return con


class This(SimpleNamespace):
    """dbt.this as dbt-duckdb hands it to a Python model: its parts, and the quoted name as its repr."""

    def __repr__(self) -> str:
        return f'"{self.database}"."{self.schema}"."{self.identifier}"'


def this(name: str) -> This:
    return This(database="memory", schema="intermediate", identifier=name)


def test_a_model_without_a_table_has_no_stored_rows(session) -> None:
    assert stored_table(session, this("missing")) is None
    assert kept_fit(session.table("intermediate.fits"), "clv", session, this("missing")) == ("f1", None)


def test_stored_rows_are_kept_only_while_they_carry_the_current_fit(session) -> None:
    session.execute(
        "create table intermediate.params as "
        "select * from (values ('r', 0.24, null, 'f1'), ('alpha', 4.4, 'x', 'f1')) t(parameter, value, note, fit_id)"
    )
    fit_id, stored = kept_fit(session.table("intermediate.fits"), "clv", session, this("params"))
    assert fit_id == "f1"
    assert stored.parameter.tolist() == ["r", "alpha"] and stored.note.tolist() == [None, "x"]
    # another family's fit, or rows of an older fit: nothing is kept
    assert kept_fit(session.table("intermediate.fits"), "clusters", session, this("params")) == ("f2", None)
    session.execute("update intermediate.params set fit_id = 'f0' where parameter = 'r'")
    assert kept_fit(session.table("intermediate.fits"), "clv", session, this("params")) == ("f1", None)


def model_fits(session: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    return session.table("intermediate.fits")


def test_a_kept_fit_model_returns_its_rows_or_fits_and_tags_new_ones(session) -> None:
    """The stored rows while they carry the current fit, without reading the inputs; a new fit's rows tagged."""
    fits = []

    def fit() -> pd.DataFrame:
        fits.append(1)
        return pd.DataFrame({"parameter": ["r"], "value": [0.3]})

    new = kept_or_refitted(model_fits(session), "clv", session, this("params"), fit)  # no table yet
    assert fits == [1] and new.to_dict("records") == [{"parameter": "r", "value": 0.3, "fit_id": "f1"}]
    session.execute("create table intermediate.params as select * from new")
    kept = kept_or_refitted(
        model_fits(session), "clv", session, this("params"), fit, typed=lambda rows: rows.assign(value=rows.value * 2)
    )
    assert fits == [1] and kept.to_dict("records") == [{"parameter": "r", "value": 0.6, "fit_id": "f1"}]
    session.execute("update intermediate.fits set fit_id = 'f3' where model_family = 'clv'")
    assert kept_or_refitted(model_fits(session), "clv", session, this("params"), fit).fit_id.tolist() == [
        "f3"
    ] and fits == [1, 1]


def test_stored_rows_of_named_columns_or_none_when_the_table_lacks_one(session) -> None:
    session.execute("create table intermediate.scored as select * from (values (1, 'a', 0.5)) t(key, source, score)")
    assert stored_table(session, this("scored"), ["score", "key"]).columns.tolist() == ["score", "key"]
    # a table written before a column was added: nothing to keep
    assert stored_table(session, this("scored"), ["key", "fingerprint"]) is None
