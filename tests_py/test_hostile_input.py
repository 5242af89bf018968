"""Hostile input: opt-outs fail closed and no bad value halts a full or an incremental build.

Scenario: the extract of day D with hostile day 1 appended (audience.hostile)
is built from scratch with every test; then the extract of D+1 with hostile
days 1 and 2 is built incrementally with every test, and from scratch into
another warehouse. The suppression check reads the raw files with its own
code (not the project's models or macros), by the rules of the doc block
`email_permission_rules`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from audience.__main__ import main as audience_cli
from audience.compare import KEEP_FIT_VARS, compare_warehouses, copy_kept_fit, history_dependent
from audience.exports import CSV_READ_OPTIONS
from audience.generate import config_with, generate
from audience.hostile import append_hostile_day, hostile_load_time
from conftest import run_dbt, run_dbt_and_export

DAY_D = date(2026, 9, 30)
CUSTOMERS, SEED = 2500, 21
ACTIVATION = ["esp_contacts", "segment_memberships", "personalization_triggers", "segment_list_exports"]
PLAIN_EMAIL = re.compile(r"^[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}$")
TEST_DOMAINS = ("example.com", "test.com", "mailinator.com")
EARLIEST = pd.Timestamp("2000-01-01")
TOLERANCE = pd.Timedelta(hours=24)
NEVER = np.datetime64("9999-12-31", "us")


@dataclass(frozen=True)
class Hostile:
    raw: Path
    incremental: Path
    full: Path
    day_1_build: str
    day_2_build: str
    manifest: dict
    day_2_event_test: str
    day_2_fact_test: str

    def people(self, kind: str) -> set[str]:
        return {email for day in self.manifest["days"] for email in day[kind]}

    def exports(self, warehouse: Path) -> Path:
        return warehouse.with_name(f"{warehouse.stem}_exports")


def build(raw: Path, warehouse: Path, root: Path, *extra: str) -> str:
    exports = warehouse.with_name(f"{warehouse.stem}_exports")
    result = run_dbt_and_export(["build", *extra], raw, warehouse, root / "target", exports)
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


def extract(raw: Path, end: date, days: int) -> dict:
    """The generated extract up to ``end`` with hostile days 1..``days`` appended; the hostile manifest."""
    generate(config_with(customers=CUSTOMERS, seed=SEED, end_date=end.isoformat()), raw)
    first_load = hostile_load_time(DAY_D)
    for day in range(1, days + 1):
        append_hostile_day(raw, day, hostile_load_time(DAY_D + timedelta(days=day - 1)), first_load)
    return json.loads((raw / "_hostile_manifest.json").read_text())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    incremental, full = root / "incremental.duckdb", root / "full.duckdb"
    extract(raw, DAY_D, days=1)
    day_1 = build(raw, incremental, root)
    manifest = extract(raw, DAY_D + timedelta(days=1), days=2)
    # as a daily micro-batch runs: the event tables' uniqueness tests on the recent loads (doc block
    # tests_on_recent_loads); the email events' and their fact view's, compiled
    day_2 = build(raw, incremental, root, "--vars", json.dumps({"tests_on_recent_loads_hours": 96}))
    compiled = root / "target" / "compiled" / "audience_warehouse" / "models" / "core"
    validated_tests = (compiled / "quality" / "_quality__models.yml").glob("unique_combination_*.sql")
    [day_2_event_test] = [sql for sql in map(Path.read_text, validated_tests) if "int_email_events_validated" in sql]
    day_2_fact_test = (compiled / "_core__facts.yml" / "unique_fct_email_events_email_event_id.sql").read_text()
    # a full refresh that keeps the incremental build's fits (doc block model_fits), as the benchmark's
    copy_kept_fit(incremental, full)
    no_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    build(raw, full, root, "--full-refresh", *no_tests, "--vars", json.dumps(KEEP_FIT_VARS))
    return Hostile(raw, incremental, full, day_1, day_2, manifest, day_2_event_test, day_2_fact_test)


def query(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- the independent reading of the raw files


def normalize(email: object) -> str | None:
    """Lower case without any white space or invisible format character (Unicode Z*, Cf, and Python's isspace)."""
    if not isinstance(email, str):
        return None
    kept = "".join(c for c in email if not (c.isspace() or unicodedata.category(c) in ("Zs", "Zl", "Zp", "Cf")))
    return kept.lower() or None


def parse_time(text: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    return parsed.dt.tz_localize(None).astype("datetime64[us]")


def effective_times(frame: pd.DataFrame) -> pd.Series:
    """The event time when it is plausible and not after its load (+24 h), else the load time, else never."""
    occurred = parse_time(frame.occurred_at)
    trusted = occurred.notna() & (occurred >= EARLIEST) & (occurred <= frame._loaded_at + TOLERANCE)
    return occurred.where(trusted, frame._loaded_at.astype("datetime64[us]").fillna(NEVER))


def raw_table(raw: Path, table: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(f"select * from '{raw / table}.parquet'").df()


def code(column: pd.Series) -> pd.Series:
    return column.fillna("").str.strip().str.lower()


def suppressed_by_raw_files(raw: Path, as_of_cutoff: pd.Timestamp) -> tuple[set[str], set[str]]:
    """Who must not be mailed (complaint, hard bounce, standing opt-out) and who is erased, from the raw files alone."""
    now = pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))
    consent = raw_table(raw, "consent_events")
    consent["person"] = consent.email.map(normalize)
    consent["channel"], consent["status"] = code(consent.channel), code(consent.status)
    consent["effective_at"] = effective_times(consent)
    occurred = parse_time(consent.occurred_at)
    valid_address = consent.person.fillna("").map(
        lambda e: bool(PLAIN_EMAIL.match(e)) and len(e) <= 254 and e.split("@")[1] not in TEST_DOMAINS
    )
    valid_row = (
        valid_address
        & occurred.notna()
        & (occurred >= EARLIEST)
        & (occurred <= consent._loaded_at + TOLERANCE)
        & consent._loaded_at.notna()
        & (consent._loaded_at <= now + TOLERANCE)
    )
    opt_ins = consent[valid_row & (consent.channel == "email") & (consent.status == "subscribed")]
    opt_ins = opt_ins[occurred[opt_ins.index] < as_of_cutoff]
    opt_outs = consent[(consent.channel != "sms") & (consent.status != "subscribed")]

    esp = raw_table(raw, "esp_email_events")
    esp["person"], esp["event_type"] = esp.email.map(normalize), code(esp.event_type)
    esp = esp[esp.event_type.isin(["spam_complaint", "bounce_hard", "unsubscribe"])]
    esp["effective_at"] = effective_times(esp)

    last_opt_out = (
        pd.concat(
            [opt_outs[["person", "effective_at"]], esp[esp.event_type == "unsubscribe"][["person", "effective_at"]]]
        )
        .groupby("person")
        .effective_at.max()
    )
    last_opt_in = opt_ins.assign(at=occurred[opt_ins.index]).groupby("person").at.max()
    standing = last_opt_out[~(last_opt_in.reindex(last_opt_out.index) > last_opt_out)]
    dead = set(esp[esp.event_type.isin(["spam_complaint", "bounce_hard"])].person.dropna())
    erased = set(raw_table(raw, "deletion_requests").email.map(normalize).dropna())
    return set(standing.index) | dead, erased


# ---------------------------------------------------------------- the tests


def test_both_builds_pass_with_every_test(hostile: Hostile) -> None:
    """Every data test passed (returncode 0), reconciliation of every raw table included."""
    for log in (hostile.day_1_build, hostile.day_2_build):
        assert "Completed successfully" in log
        assert len(re.findall(r"PASS source_reconciles_with_quarantine_", log)) == 10


def test_day_2s_event_tests_checked_every_row_of_the_keys_loaded_recently(hostile: Hostile) -> None:
    """The uniqueness test of the validated email events on day 2 read every row of the keys loaded within 96 hours
    of the latest load (and passed, above); day 2's hostile rows were loaded in that window."""
    window = re.search(r"_loaded_at >= cast\('([^']+)' as timestamp\)", hostile.day_2_event_test)
    assert window and "email_event_id in (select email_event_id from" in hostile.day_2_event_test
    latest_load = "select max(_loaded_at) from intermediate.int_email_events_validated where _loaded_at <= now()"
    with duckdb.connect(str(hostile.incremental), read_only=True) as con:
        latest = con.execute(latest_load).fetchone()
    assert datetime.fromisoformat(window.group(1)) == latest[0] - timedelta(hours=96)
    assert hostile_load_time(DAY_D + timedelta(days=1)) >= latest[0] - timedelta(hours=96)


def test_day_2s_fact_view_test_took_its_window_and_keys_from_the_validated_table(hostile: Hostile) -> None:
    """fct_email_events' uniqueness test on day 2 read the rows of the keys the validated table loaded in the same
    window as that table's own test (meta recent_loads_of)."""
    keys = re.search(
        r"email_event_id in \(select email_event_id from (\S+) where \(_loaded_at >= cast\('([^']+)' as timestamp\)",
        hostile.day_2_fact_test,
    )
    assert keys, hostile.day_2_fact_test
    assert keys.group(1).endswith('"intermediate"."int_email_events_validated"')
    assert keys.group(2) in hostile.day_2_event_test


def test_the_hostile_days_hold_every_case(hostile: Hostile) -> None:
    """Guards the other tests: both days landed, with opt-outs, erasures and rows to quarantine."""
    days = hostile.manifest["days"]
    assert [d["day"] for d in days] == [1, 2]
    for day in days:
        assert len(day["suppressed"]) >= 20 and len(day["erased"]) >= 5 and len(day["quarantined"]) >= 40
    customers = set(query(hostile.incremental, "select email from marts.customers").email)
    # the opted-out people are customers (the test would prove nothing otherwise); the erased are gone
    assert hostile.people("suppressed") <= customers
    assert not hostile.people("erased") & customers


def test_every_hostile_row_gets_its_verdict(hostile: Hostile) -> None:
    for day in hostile.manifest["days"]:
        for case in day["quarantined"] + day["accepted"]:
            found = query(
                hostile.incremental,
                f"select quarantine_reason from intermediate.{case['model']} where {case['condition']}",
            ).quarantine_reason
            assert len(found) >= 1, case
            expected = case["reason"]
            assert all(r == expected for r in found) if expected else found.isna().all(), (case, list(found))


def test_suppression_equals_an_independent_reading_of_the_raw_files(hostile: Hostile) -> None:
    for warehouse in (hostile.incremental, hostile.full):
        cutoff = pd.Timestamp(query(warehouse, "select as_of_cutoff_at from intermediate.int_as_of_date").iloc[0, 0])
        must_not_mail, erased = suppressed_by_raw_files(hostile.raw, cutoff)
        assert hostile.people("suppressed") <= must_not_mail
        assert hostile.people("erased") <= erased
        customers = set(query(warehouse, "select email from marts.customers").email)
        suppressed = set(
            query(
                warehouse,
                "select email from activation.suppression_list "
                "where suppression_reason in ('spam_complaint', 'hard_bounced', 'unsubscribed')",
            ).email
        )
        assert suppressed == must_not_mail & customers
        contacts = set(query(warehouse, "select email from activation.esp_contacts").email)
        assert not contacts & (must_not_mail | erased)
        assert not customers & erased


def test_no_opted_out_or_erased_person_is_in_an_activation_table(hostile: Hostile) -> None:
    people = hostile.people("suppressed") | hostile.people("erased")
    ids = {md5(email) for email in people}
    for table in ACTIVATION:
        found = set(query(hostile.incremental, f"select external_id from activation.{table}").external_id)
        assert not found & ids, table
    changes = query(hostile.incremental, "select * from activation.segment_membership_changes")
    erased_ids = {md5(email) for email in hostile.people("erased")}
    assert not set(changes.external_id) & erased_ids
    # the suppressed appear in the change log only as members who left: each membership's last event is an exit
    theirs = changes[changes.external_id.isin(ids)].sort_values(["changed_at", "change_type"])
    last = theirs.groupby("segment_membership_id").change_type.last()
    assert (last == "exited").all()


def test_no_opted_out_or_erased_person_is_in_an_export_file(hostile: Hostile) -> None:
    """By email, external id or hashed email. Two stated exceptions for the suppressed (never the erased):
    the suppression list, which exists to name them, and the change log's exits, checked on its table above."""

    def needles(people: set[str]) -> set[str]:
        return people | {md5(e) for e in people} | {sha256(e) for e in people}

    suppressed, erased = needles(hostile.people("suppressed")), needles(hostile.people("erased"))
    exports = hostile.exports(hostile.incremental)
    files = [p for p in exports.rglob("*") if p.suffix in (".csv", ".parquet")]
    checked = 0
    with duckdb.connect() as con:
        for path in files:
            reader = (
                f"read_parquet('{path}')" if path.suffix == ".parquet" else f"read_csv('{path}', {CSV_READ_OPTIONS})"
            )
            aggregated = con.execute(f"select string_agg(cast(columns(*) as varchar), '|') from {reader}")
            cells = "|".join(value or "" for value in aggregated.fetchone()).lower()
            assert not [n for n in erased if n in cells], path
            if path.stem != "suppression_list" and "segment_membership_changes" not in path.parts:
                assert not [n for n in suppressed if n in cells], path
                checked += 1
    assert checked >= 10
    with duckdb.connect() as con:
        listed = con.execute(f"select email from '{exports / 'suppression_list.parquet'}'").df()
    assert hostile.people("suppressed") <= set(listed.email)


def test_csv_exports_defuse_a_spreadsheet_formula(hostile: Hostile) -> None:
    exports = hostile.exports(hostile.incremental)
    for email in hostile.people("formula_contacts"):
        with duckdb.connect() as con:
            csv = con.execute(
                f"select first_name from read_csv('{exports / 'esp_contacts.csv'}', all_varchar = true, "
                f"{CSV_READ_OPTIONS}) where email = '{email}'"
            ).fetchall()
            parquet = con.execute(
                f"select first_name from '{exports / 'esp_contacts.parquet'}' where email = '{email}'"
            ).fetchall()
        assert csv == [('\'=HYPERLINK("http://evil.example/x","Click")',)]
        assert parquet == [('=HYPERLINK("http://evil.example/x","Click")',)]


def test_incremental_equals_full_refresh_on_hostile_data(hostile: Hostile) -> None:
    """Every table and view of intermediate, marts and activation, but those that keep history across builds."""
    history = history_dependent(hostile.raw.parent / "target")
    assert "segment_membership_changes" in history and "customers" not in history
    verdict = compare_warehouses(hostile.incremental, hostile.full, history)
    compared = set(verdict["differing_rows"])
    assert compared >= {
        "intermediate.int_consent_events_validated",
        "intermediate.int_deletion_requests_validated",
        "intermediate.int_email_events_validated",
        "intermediate.int_orders_validated",
        "intermediate.int_customer_email_consent",
        "marts.quarantined_records",
        "marts.customers",
        "marts.customer_ltv",
        "activation.suppression_list",
        "activation.esp_contacts",
    }
    assert {name: n for name, n in verdict["differing_rows"].items() if n} == {}


def test_a_future_load_time_does_not_hide_the_next_day(hostile: Hostile) -> None:
    """Day 1 landed rows loaded in 2100; day 2's erasures and opt-outs were still read by the incremental build."""
    loaded = query(
        hostile.incremental,
        "select count(*) as n from intermediate.int_deletion_requests_validated where _loaded_at >= '2100-01-01'",
    ).n[0]
    assert loaded >= 2
    day_2 = next(d for d in hostile.manifest["days"] if d["day"] == 2)
    customers = set(query(hostile.incremental, "select email from marts.customers").email)
    assert not set(day_2["erased"]) & customers


def test_the_generator_cli_appends_a_hostile_day(tmp_path: Path) -> None:
    assert audience_cli(["generate", "--customers", "1500", "--seed", "3", "--out", str(tmp_path), "--hostile"]) == 0
    manifest = json.loads((tmp_path / "_hostile_manifest.json").read_text())
    assert [d["day"] for d in manifest["days"]] == [1]
    with duckdb.connect() as con:
        nan_orders = con.execute(f"select count(*) from '{tmp_path}/shop_orders.parquet' where isnan(total_amount)")
        assert nan_orders.fetchall()[0][0] == 1


def test_a_connector_clock_ahead_of_ours_neither_loses_nor_doubles_rows(tmp_path: Path) -> None:
    """Loads stamped minutes ahead of this machine's clock (valid: within future_timestamp_tolerance_hours).

    Each incremental run removes the rows loaded since its window start and
    reads them again from the source: both must use the same window start
    although the clock moves between them (one build time per invocation).
    A build time pinned before every load leaves no trusted load: the run
    then reads every row again and stores none twice.
    """
    raw, warehouse = tmp_path / "raw", tmp_path / "audience.duckdb"
    generate(config_with(customers=300, seed=5, end_date=DAY_D.isoformat()), raw)

    def run(*args: str, build_time: str | None = None) -> None:
        # no look-back: the window starts at the latest trusted load, among the loads ahead of the clock
        variables = {"incremental_lookback_hours": 0, "build_time": build_time}
        result = run_dbt(["run", *args, "--vars", json.dumps(variables)], raw, warehouse, tmp_path / "target")
        assert result.returncode == 0, result.stdout[-3000:]

    def stored_and_raw() -> tuple[int, int]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            stored = con.execute("select count(*) from intermediate.int_web_events_validated").fetchone()[0]
            landed = con.execute(f"select count(*) from '{raw}/web_events.parquet'").fetchone()[0]
        return stored, landed

    run("-s", "+int_web_events_validated")
    # every event seven times more under new ids (33,222 rows), one every 20 ms over the next eleven
    # minutes by the connector's clock: the runs below all start inside that span
    ahead = datetime.now(UTC).replace(tzinfo=None)
    path = raw / "web_events.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * from '{path}'
                union all
                select * exclude (n, copy) replace (
                    'ahead-' || n as event_id,
                    timestamp '{ahead.isoformat(sep=" ")}' + n * interval 20 millisecond as _loaded_at
                )
                from (select *, row_number() over () as n from '{path}', range(7) as copies(copy))
            ) to '{path}.new' (format parquet)
            """
        ).fetchall()
    Path(f"{path}.new").replace(path)
    stored, landed = stored_and_raw()
    assert landed - stored == 33_222
    for _ in range(3):
        run("-s", "int_web_events_validated")
        stored, landed = stored_and_raw()
        assert stored == landed
    run("-s", "int_web_events_validated", build_time="2000-01-01 00:00:00")
    stored, landed = stored_and_raw()
    assert stored == landed
