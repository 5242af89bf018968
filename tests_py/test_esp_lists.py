"""The segment list files, checked against each ESP's documented CSV import rules, not against our own code.

Klaviyo (help.klaviyo.com, "Create and add contacts to a new list"): a CSV
whose first column is the email, headed "Email" or "Email Address"; its own
property names ("First Name", "Last Name") map automatically; 50 MB a file at
most; consent in an "Email Marketing Consent" column. Mailchimp ("Format
guidelines for your import file"): an "Email Address" column is the one
required field; birthdays as MM/DD; country codes are ISO alpha-2 with GB,
never UK; text fields hold at most 255 bytes; files in UTF-8.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from audience.exports import write_exports
from conftest import Warehouse, run_dbt

BIRTHDAY = re.compile(r"(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])")
KLAVIYO_MAX_BYTES = 50 * 1024 * 1024
MAILCHIMP_TEXT_BYTES = 255


def read_list(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a list file, read as an ESP would: strict UTF-8, standard CSV."""
    with path.open(newline="", encoding="utf-8", errors="strict") as rows_in:
        reader = csv.DictReader(rows_in)
        return list(reader.fieldnames or []), list(reader)


def members(warehouse: Warehouse) -> dict[str, int]:
    """Contacts per list, by the file name a list gets: <segment_type>-<segment_key>."""
    rows = warehouse.query(
        "select segment_type || '-' || segment_key, count(*) from activation.segment_memberships group by all"
    )
    return dict(rows)


def contacts(warehouse: Warehouse) -> dict[str, tuple]:
    """Each contact's birthday, consent status, CLV and P(alive) by email, from the contacts table."""
    rows = warehouse.query(
        """select email, birthday_month, birthday_day, email_consent_status, predicted_clv, probability_alive
        from activation.esp_contacts"""
    )
    return {email: rest for email, *rest in rows}


def test_klaviyo_lists_one_file_per_segment_as_klaviyo_imports_them(warehouse: Warehouse) -> None:
    lists = warehouse.path.parent / "exports" / "segment_list_exports"
    assert [p.name for p in lists.iterdir()] == ["klaviyo"]  # the default ESP, and only its files
    expected = members(warehouse)
    files = {path.stem: path for path in (lists / "klaviyo").iterdir()}
    assert set(files) == set(expected)  # one readable file per list, no part files at this size
    people = contacts(warehouse)
    for name, path in files.items():
        assert path.stat().st_size <= KLAVIYO_MAX_BYTES
        header, rows = read_list(path)
        assert header[:3] == ["Email", "First Name", "Last Name"], name
        assert "Email Marketing Consent" in header
        assert len(rows) == expected[name], name
        for row in rows:
            month, day, consent, clv, p_alive = people[row["Email"]]
            assert (
                row["Email Marketing Consent"] == {"subscribed": "Subscribed", "no_record": "Never subscribed"}[consent]
            )
            assert row["Birthday"] == ("" if month is None else f"{month:02d}/{day:02d}")
            # money to cents, probabilities to four digits, as a person reads them
            assert row["Predicted CLV"] == ("" if clv is None else f"{clv:.2f}")
            assert row["Probability Alive"] == ("" if p_alive is None else f"{p_alive:.4f}")


@pytest.fixture(scope="module")
def mailchimp(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lists rebuilt for Mailchimp with a 20 kB file limit, exported as publishing writes them."""
    root = tmp_path_factory.mktemp("mailchimp")
    copy = root / "audience.duckdb"
    shutil.copyfile(warehouse.path, copy)
    vars_ = json.dumps({"esp_list_format": "mailchimp", "esp_list_max_file_mb": 0.02})
    result = run_dbt(
        ["build", "--select", "esp_consent_values", "segment_list_exports", "--vars", vars_],
        warehouse.raw_dir,
        copy,
        root / "target",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    write_exports(copy, root / "target", root / "exports")
    return root / "exports" / "segment_list_exports"


def test_mailchimp_lists_follow_mailchimps_import_rules(warehouse: Warehouse, mailchimp: Path) -> None:
    assert [p.name for p in mailchimp.iterdir()] == ["mailchimp"]
    people = contacts(warehouse)
    for path in (mailchimp / "mailchimp").iterdir():
        header, rows = read_list(path)
        assert header[0] == "Email Address" and "Birthday" in header and "Email Marketing Status" in header
        for row in rows:
            assert row["Birthday"] == "" or BIRTHDAY.fullmatch(row["Birthday"]), row["Birthday"]
            assert row["Country"] != "UK"
            assert all(len(value.encode()) <= MAILCHIMP_TEXT_BYTES for value in row.values())
            consent = people[row["Email Address"]][2]
            assert row["Email Marketing Status"] == {"subscribed": "Subscribed", "no_record": "Non-subscribed"}[consent]


def test_a_list_over_the_size_limit_is_split_into_parts_each_with_the_header(
    warehouse: Warehouse, mailchimp: Path
) -> None:
    files = sorted((mailchimp / "mailchimp").iterdir())
    expected = members(warehouse)
    found: dict[str, int] = {}
    headers = set()
    for path in files:
        assert path.stat().st_size <= 20_000, path.name
        name = re.sub(r"-part-\d+$", "", path.stem)
        header, rows = read_list(path)
        headers.add(tuple(header))
        found[name] = found.get(name, 0) + len(rows)
    assert found == expected  # every contact of every list, in exactly its list's files
    assert len(headers) == 1
    split = {re.sub(r"-part-\d+$", "", p.stem) for p in files if "-part-" in p.stem}
    assert split, "some list must be larger than 20 kB at the test scale"
    for name in split:
        # parts numbered from 1 without a gap, and no unsplit file beside them
        numbers = sorted(int(p.stem.rsplit("-", 1)[1]) for p in files if p.stem.startswith(f"{name}-part-"))
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 1
        assert not (mailchimp / "mailchimp" / f"{name}.csv").exists()
