"""frame_differences: the row-for-row comparison behind the Spark differential test (tests_py/test_spark.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd

from audience.compare import FLOAT_RELATIVE_TOLERANCE, export_differences, frame_differences


def test_equal_frames_in_another_row_and_column_order_have_no_differences() -> None:
    left = pd.DataFrame({"key": [1, 2, 3], "name": ["a", "b", None]})
    right = pd.DataFrame({"name": [None, "a", "b"], "key": [3, 1, 2]})
    assert frame_differences(left, right) == ([], [])


def test_floats_match_within_the_tolerance_even_across_a_rounding_boundary() -> None:
    # 88.45785 and 88.457849999 round to different 6-digit values but differ by 1e-10 relative
    left = pd.DataFrame({"key": [1, 2], "score": [88.45785, 0.0]})
    right = pd.DataFrame({"key": [1, 2], "score": [88.457849999, 1e-12]})
    assert frame_differences(left, right) == ([], [])


def test_a_float_off_by_more_than_the_tolerance_is_a_difference_on_both_sides() -> None:
    left = pd.DataFrame({"key": [1, 2], "score": [10.0, 5.0]})
    right = pd.DataFrame({"key": [1, 2], "score": [10.0 * (1 + 10 * FLOAT_RELATIVE_TOLERANCE), 5.0]})
    only_left, only_right = frame_differences(left, right)
    assert only_left == [(1, 10.0)]
    assert only_right == [(1, right.score[0])]


def test_floats_do_not_pair_across_rows_that_differ_elsewhere() -> None:
    left = pd.DataFrame({"key": [1, 2], "score": [1.0, 2.0]})
    right = pd.DataFrame({"key": [1, 2], "score": [2.0, 1.0]})
    only_left, only_right = frame_differences(left, right)
    assert sorted(only_left) == [(1, 1.0), (2, 2.0)]
    assert sorted(only_right) == [(1, 2.0), (2, 1.0)]


def test_duplicate_rows_count() -> None:
    left = pd.DataFrame({"key": [1, 1, 2]})
    right = pd.DataFrame({"key": [1, 2, 2]})
    assert frame_differences(left, right) == ([(1,)], [(2,)])


def test_keys_compare_exactly_even_where_a_float_tolerance_would_hide_them() -> None:
    left = pd.DataFrame({"customer_key": [4949373278893546901]})
    right = pd.DataFrame({"customer_key": [4949373278893546902]})
    assert frame_differences(left, right) == ([(4949373278893546901,)], [(4949373278893546902,)])


def test_an_integer_sum_that_is_a_float_on_one_engine_equals_the_integer() -> None:
    left = pd.DataFrame({"key": [1], "purchases": [3.0]})  # DuckDB's HUGEINT sum arrives as a float
    right = pd.DataFrame({"key": [1], "purchases": [3]})
    assert frame_differences(left, right) == ([], [])


def test_nan_equals_null_decimals_equal_floats_and_zoned_timestamps_compare_as_utc() -> None:
    left = pd.DataFrame(
        {"key": [1], "rate": [float("nan")], "amount": [Decimal("12.50")], "at": [datetime(2026, 1, 2, 3, 4)]}
    )
    right = pd.DataFrame({"key": [1], "rate": [None], "amount": [12.5], "at": [datetime(2026, 1, 2, 3, 4, tzinfo=UTC)]})
    assert frame_differences(left, right) == ([], [])


def test_json_compares_as_parsed_documents_with_numbers_within_the_tolerance() -> None:
    left = pd.DataFrame({"key": [1, 2], "payload": [json.dumps({"a": 1, "b": [0.1, "x"]}), json.dumps({"a": 1})]})
    right = pd.DataFrame(
        {"key": [1, 2], "payload": [json.dumps({"b": [0.1 + 1e-12, "x"], "a": 1.0}), json.dumps({"a": 2})]}
    )
    only_left, only_right = frame_differences(left, right, ("payload",))
    assert [row[0] for row in only_left] == [2] and [row[0] for row in only_right] == [2]


def write_export(folder, rows: dict[str, list]) -> None:
    """A small export folder: a whole CSV, a partitioned Parquet table and two list files in a folder."""
    (folder / "lists" / "segment=a").mkdir(parents=True)
    pd.DataFrame(rows).to_csv(folder / "contacts.csv", index=False)
    pd.DataFrame(rows).to_parquet(folder / "lists" / "segment=a" / "data_0.parquet")
    (folder / "esp_lists" / "klaviyo").mkdir(parents=True)
    for name in ("rfm-champions", "rfm-lost"):
        pd.DataFrame(rows).to_csv(folder / "esp_lists" / "klaviyo" / f"{name}.csv", index=False)


def test_exports_with_the_same_rows_in_other_files_and_digits_are_the_same(tmp_path) -> None:
    write_export(tmp_path / "left", {"key": [1, 2], "clv": [10.123456789, 3.5]})
    write_export(tmp_path / "right", {"key": [2, 1], "clv": [3.5, 10.1234567891]})
    (tmp_path / "right" / "lists" / "segment=a" / "data_0.parquet").rename(
        tmp_path / "right" / "lists" / "segment=a" / "data_1.parquet"
    )
    assert export_differences(tmp_path / "left", tmp_path / "right") == {}


def test_list_files_compare_each_on_its_own(tmp_path) -> None:
    """A person moved from one list to another is a difference, though the lists' rows together are the same."""
    for side in ("left", "right"):
        write_export(tmp_path / side, {"key": [1, 2], "clv": [10.0, 3.5]})
    lists = tmp_path / "right" / "esp_lists" / "klaviyo"
    pd.DataFrame({"key": [1, 2, 1], "clv": [10.0, 3.5, 10.0]}).to_csv(lists / "rfm-champions.csv", index=False)
    pd.DataFrame({"key": [2], "clv": [3.5]}).to_csv(lists / "rfm-lost.csv", index=False)
    assert set(export_differences(tmp_path / "left", tmp_path / "right")) == {
        "esp_lists/klaviyo/rfm-champions.csv",
        "esp_lists/klaviyo/rfm-lost.csv",
    }


def test_exports_differ_by_a_row_a_column_or_a_file(tmp_path) -> None:
    write_export(tmp_path / "left", {"key": [1, 2], "clv": [10.0, 3.5]})
    write_export(tmp_path / "right", {"key": [1, 2], "clv": [10.0, 3.6]})
    (tmp_path / "right" / "extra.csv").write_text("a\n1\n")
    differences = export_differences(tmp_path / "left", tmp_path / "right")
    assert set(differences) == {
        "contacts.csv",
        "lists/segment=a/*.parquet",
        "esp_lists/klaviyo/rfm-champions.csv",
        "esp_lists/klaviyo/rfm-lost.csv",
        "extra.csv",
    }
    assert differences["extra.csv"] == "only on the right"
    write_export(tmp_path / "other", {"key": [1, 2], "value": [10.0, 3.5]})
    assert "columns" in export_differences(tmp_path / "left", tmp_path / "other")["contacts.csv"]


def test_a_quoted_comma_after_the_csv_sniffers_sample_reads_as_one_cell(tmp_path) -> None:
    """Found in CI: a Spark export whose first quoted cell came after 20,480 rows failed to read."""
    rows = {"key": list(range(30_001)), "label": ["plain"] * 30_000 + ["high value, highly engaged"]}
    write_export(tmp_path / "left", rows)
    write_export(tmp_path / "right", rows)
    assert export_differences(tmp_path / "left", tmp_path / "right") == {}
    rows["label"][-1] = "high value, highly engaged!"
    write_export(tmp_path / "other", rows)
    assert "contacts.csv" in export_differences(tmp_path / "left", tmp_path / "other")
