"""The raw-data generator: determinism, incremental supersets, defect rates, scale, helpers."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from audience.generate import (
    RAW_TABLES,
    DefectRates,
    GeneratorConfig,
    RawWriter,
    TimeWarp,
    assign_defects,
    config_with,
    expand_versions,
    expected_quarantine,
    generate,
    group_cumsum,
    group_rank,
    reason_code,
    seasonal_intensity,
    stream,
)
from audience.raw_contract import RAW_SCHEMAS, conform_sql, empty_table_sql


def digest(folder: Path) -> dict[str, str]:
    return {t: hashlib.sha256((folder / f"{t}.parquet").read_bytes()).hexdigest() for t in RAW_TABLES}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(config_with(customers=3000, seed=11), out)


def test_same_seed_gives_identical_files(small: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = small
    generate(config_with(customers=3000, seed=11), tmp_path)
    assert digest(tmp_path) == digest(folder)


def test_a_tight_memory_limit_gives_the_same_files(
    small: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator's DuckDB takes the warehouse's memory limit (and spills beyond it); its folder is removed."""
    folder, _ = small
    monkeypatch.setenv("AUDIENCE_DUCKDB_MEMORY_LIMIT", "64MB")
    probe = RawWriter(GeneratorConfig(), tmp_path / "probe")
    settings = probe.con.execute(
        "select name, value from duckdb_settings() where name in ('memory_limit', 'temp_directory')"
    ).fetchall()
    probe.close()
    spill = str(tmp_path / "probe" / ".spill")
    assert dict(settings) == {"memory_limit": "61.0 MiB", "temp_directory": spill}  # 64 MB in MiB
    generate(config_with(customers=3000, seed=11), tmp_path / "out")
    assert digest(tmp_path / "out") == digest(folder)
    expected = [*(f"{table}.parquet" for table in RAW_TABLES), "_manifest.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(expected)


def test_another_seed_gives_other_data(small: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = small
    generate(config_with(customers=3000, seed=12), tmp_path)
    changed = {t for t, h in digest(tmp_path).items() if h != digest(folder)[t]}
    assert changed >= set(RAW_TABLES) - {"products"}


@pytest.fixture(scope="module")
def next_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small dataset's extract one day later."""
    out = tmp_path_factory.mktemp("next_day")
    generate(config_with(customers=3000, seed=11, end_date="2026-11-01"), out)
    return out


def test_a_later_cutoff_only_adds_rows(small: tuple[Path, dict], next_day: Path) -> None:
    """What an incremental load sees: the next day's extract contains every earlier row unchanged."""
    folder, _ = small
    con = duckdb.connect()
    for table in RAW_TABLES:
        earlier, later = folder / f"{table}.parquet", next_day / f"{table}.parquet"
        missing = con.execute(f"select count(*) from (select * from '{earlier}' except all select * from '{later}')")
        assert missing.fetchall()[0][0] == 0, table
    grown = con.execute(f"select count(*) from '{next_day / 'esp_email_events.parquet'}'").fetchall()[0][0]
    assert grown > con.execute(f"select count(*) from '{folder / 'esp_email_events.parquet'}'").fetchall()[0][0]


def test_an_hourly_extract_is_the_next_days_rows_loaded_by_that_hour(
    small: tuple[Path, dict], next_day: Path, tmp_path: Path
) -> None:
    """An hourly micro-batch's extract: every table holds exactly the next day's extract's rows loaded before
    6:00 on it, which are all of the day before's rows and some, not all, of the next day's."""
    folder, _ = small
    manifest = generate(config_with(customers=3000, seed=11, end_date="2026-11-01", end_hour=6), tmp_path)
    assert manifest["config"]["end_hour"] == 6
    con = duckdb.connect()
    new_rows = 0
    for table in RAW_TABLES:
        hourly, day, earlier = (f / f"{table}.parquet" for f in (tmp_path, next_day, folder))
        by_six = f"select * from '{day}' where _loaded_at < timestamp '2026-11-01 06:00:00'"
        only_hourly, only_day = f"from '{hourly}' except all {by_six}", f"{by_six} except all from '{hourly}'"
        differing = f"select count(*) from (({only_hourly}) union all ({only_day}))"
        assert con.execute(differing).fetchall()[0][0] == 0, table
        late = con.execute(f"select count(*) from '{hourly}' where _loaded_at >= timestamp '2026-11-01 06:00:00'")
        assert late.fetchall()[0][0] == 0, table
        counts = [con.execute(f"select count(*) from '{f}'").fetchall()[0][0] for f in (earlier, hourly, day)]
        assert counts[0] <= counts[1] <= counts[2], table
        new_rows += counts[1] - counts[0]
        if table == "esp_email_events":
            assert counts[0] < counts[1] < counts[2]
    assert new_rows > 0


def test_rows_are_written_in_load_order(small: tuple[Path, dict]) -> None:
    """As a connector appends them: a reader of the newest loads can skip the older row groups."""
    folder, _ = small
    for table in RAW_TABLES:
        loaded = pq.read_table(folder / f"{table}.parquet", columns=["_loaded_at"]).column(0).to_numpy()
        assert (np.diff(loaded) >= np.timedelta64(0)).all(), table


@pytest.fixture(scope="module")
def in_blocks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The small dataset's population simulated a third at a time."""
    out = tmp_path_factory.mktemp("blocks")
    return out, generate(config_with(customers=3000, seed=11, people_per_block=1000), out)


def test_one_block_is_the_whole_population(small: tuple[Path, dict]) -> None:
    _, manifest = small
    assert manifest["config"]["people_per_block"] >= 3000


def test_blocks_change_only_what_is_drawn_per_block(small: tuple[Path, dict], in_blocks: tuple[Path, dict]) -> None:
    """People and campaigns are simulated whole; orders, their lines, email and web events per block.

    Consent events follow the email simulation (unsubscribes through a link).
    """
    (folder, manifest), (blocked, blocked_manifest) = small, in_blocks
    drawn_per_block = ("shop_orders", "shop_order_items", "esp_email_events", "web_events", "consent_events")
    con = duckdb.connect()
    for table in set(RAW_TABLES) - set(drawn_per_block):
        one, other = folder / f"{table}.parquet", blocked / f"{table}.parquet"
        differing = con.execute(f"select count(*) from (from '{one}' except all from '{other}')").fetchall()[0][0]
        assert differing == 0 and manifest["rows"][table] == blocked_manifest["rows"][table], table
    for table in drawn_per_block:
        # other draws, same population: the volume stays within a few percent
        assert blocked_manifest["rows"][table] == pytest.approx(manifest["rows"][table], rel=0.05), table
    assert blocked_manifest["customers"] == pytest.approx(manifest["customers"], rel=0.02)


def test_ids_are_numbered_across_blocks(small: tuple[Path, dict], in_blocks: tuple[Path, dict]) -> None:
    """No two blocks hand out the same order, order line, event, session or anonymous visitor id."""
    folder, _ = in_blocks
    con = duckdb.connect()
    orders, items = folder / "shop_orders.parquet", folder / "shop_order_items.parquet"
    # the versions of an order (paid, then refunded) name one person; an id shared by two
    # blocks would name two (invalid-email versions left out: 'n/a', 'x at y', 'x@', ...)
    clashing_order_ids = con.execute(f"""
        select count(*) from (
            select order_id from '{orders}'
            where order_id is not null and regexp_full_match(lower(trim(email)), '[^@ ]+@[^@ ]+[.][a-z]+')
            group by order_id having count(distinct lower(trim(email))) > 1
        )
    """).fetchall()[0][0]
    # an order line lands again only as an exact copy
    clashing_item_ids = con.execute(f"""
        select count(*) from (
            select order_item_id from '{items}' where order_item_id is not null
            group by order_item_id having count(distinct (order_id, product_id, quantity, unit_price)) > 1
        )
    """).fetchall()[0][0]
    # a line lands with the first version of its order (within a minute): true of almost every
    # line (not of those whose order's first version lost its id), false of lines pointing
    # at another block's order
    with_their_order = con.execute(f"""
        with first_orders as (
            select order_id, min(_loaded_at) as loaded_at from '{orders}' group by order_id
        ),
        first_lines as (
            select order_item_id, any_value(order_id) as order_id, min(_loaded_at) as loaded_at
            from '{items}' where order_item_id is not null group by order_item_id
        )
        select avg(case when first_lines.loaded_at - first_orders.loaded_at between interval 0 second
            and interval 1 minute then 1 else 0 end)
        from first_lines inner join first_orders using (order_id)
    """).fetchall()[0][0]
    assert (clashing_order_ids, clashing_item_ids) == (0, 0)
    assert with_their_order > 0.99
    emails, web = folder / "esp_email_events.parquet", folder / "web_events.parquet"
    # an id shared by two blocks would name two different events (re-deliveries are exact copies)
    clashing_email_ids = con.execute(f"""
        select count(*) from (
            select event_id from '{emails}' where event_id is not null
            group by event_id having count(distinct (email, campaign_id, event_type, occurred_at)) > 1
        )
    """).fetchall()[0][0]
    clashing_web_ids = con.execute(f"""
        select count(*) from (
            select event_id from '{web}' where event_id is not null
            group by event_id having count(distinct (session_id, event_type, occurred_at)) > 1
        )
    """).fetchall()[0][0]
    # a session belongs to one browser, and a browser that logs in to one person
    clashing_sessions = con.execute(f"""
        select count(*) from (
            select session_id from '{web}' group by session_id having count(distinct anonymous_id) > 1
        )
    """).fetchall()[0][0]
    shared_browsers = con.execute(f"""
        select count(*) from (
            select anonymous_id from '{web}' where email is not null
            group by anonymous_id having count(distinct lower(trim(email))) > 1
        )
    """).fetchall()[0][0]
    assert (clashing_email_ids, clashing_web_ids, clashing_sessions, shared_browsers) == (0, 0, 0, 0)
    # visitors who never log in can only be told apart by number: were two blocks to number
    # them alike, their browsers would merge and there would be fewer of them than in one block
    never_logged_in = "select count(*) from (select anonymous_id from '{}' group by 1 having bool_and(email is null))"
    one_block = con.execute(never_logged_in.format(small[0] / "web_events.parquet")).fetchall()[0][0]
    assert con.execute(never_logged_in.format(web)).fetchall()[0][0] == pytest.approx(one_block, rel=0.05)


def test_blocks_keep_load_order_and_incremental_supersets(in_blocks: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = in_blocks
    generate(config_with(customers=3000, seed=11, people_per_block=1000, end_date="2026-11-01"), tmp_path)
    con = duckdb.connect()
    for table in ("esp_email_events", "web_events"):
        loaded = pq.read_table(folder / f"{table}.parquet", columns=["_loaded_at"]).column(0).to_numpy()
        assert (np.diff(loaded) >= np.timedelta64(0)).all(), table
        earlier, later = folder / f"{table}.parquet", tmp_path / f"{table}.parquet"
        missing = con.execute(f"select count(*) from (from '{earlier}' except all from '{later}')")
        assert missing.fetchall()[0][0] == 0, table


def test_every_table_matches_the_raw_contract(small: tuple[Path, dict]) -> None:
    """Column names and types exactly as in raw_contract.RAW_SCHEMAS (what staging and other loaders rely on)."""
    folder, _ = small
    con = duckdb.connect()
    for table, columns in RAW_SCHEMAS.items():
        found = {
            row[0]: row[1].lower()
            for row in con.execute(f"describe select * from '{folder / table}.parquet'").fetchall()
        }
        assert found == columns, table


def test_empty_and_conformed_tables_follow_the_contract() -> None:
    con = duckdb.connect()
    empty = con.execute(f"describe {empty_table_sql('deletion_requests')}").fetchall()
    assert {row[0]: row[1].lower() for row in empty} == RAW_SCHEMAS["deletion_requests"]
    conformed = con.execute(
        conform_sql(
            "deletion_requests",
            "select 'a@b.io' as email, 7 as extra, '2026-01-01' as requested_at, timestamp '2026-01-01' as _loaded_at",
        )
    ).df()
    assert list(conformed.columns) == ["email", "requested_at", "_loaded_at"]


def test_defect_rates_measured_in_the_raw_files(small: tuple[Path, dict]) -> None:
    """Count defects straight from the Parquet text, independently of dbt and of the manifest."""
    folder, _ = small
    rates = DefectRates()
    con = duckdb.connect()
    orders = f"'{folder / 'shop_orders.parquet'}'"
    n = con.execute(f"select count(*) from {orders}").fetchall()[0][0]
    measured = dict(
        zip(
            ["missing_timestamp", "unparseable_timestamp", "non_positive_amount", "unknown_currency", "missing_key"],
            con.execute(
                f"""
                select
                    count(*) filter (where ordered_at is null),
                    count(*) filter (where ordered_at is not null and try_cast(ordered_at as timestamptz) is null),
                    count(*) filter (where total_amount <= 0),
                    count(*) filter (where currency not in ('USD', 'EUR', 'GBP', 'CAD')),
                    count(*) filter (where order_id is null)
                from {orders}
                """
            ).fetchall()[0],
            strict=True,
        )
    )
    for defect, count in measured.items():
        # Defects are drawn among non-test rows before re-deliveries are appended: allow 20%.
        assert count / n == pytest.approx(getattr(rates, defect), rel=0.2), defect
    events = f"'{folder / 'esp_email_events.parquet'}'"
    total, distinct = con.execute(f"select count(*), count(distinct event_id) from {events}").fetchall()[0]
    assert (total - distinct) / total == pytest.approx(rates.duplicate, rel=0.2)


def test_messiness_of_emails_and_currencies(small: tuple[Path, dict]) -> None:
    folder, _ = small
    con = duckdb.connect()
    noisy, total = con.execute(
        f"select count(*) filter (where email <> lower(trim(email))), count(*) "
        f"from '{folder / 'shop_customers.parquet'}'"
    ).fetchall()[0]
    assert noisy / total == pytest.approx(DefectRates().email_format_noise, rel=0.3)
    currencies = {
        r[0] for r in con.execute(f"select distinct currency from '{folder / 'shop_orders.parquet'}'").fetchall()
    }
    assert {"USD", "EUR", "GBP", "CAD"} <= currencies
    guests = con.execute(
        f"select avg(case when shop_customer_id is null then 1 else 0 end) from '{folder / 'shop_orders.parquet'}'"
    ).fetchall()[0][0]
    assert 0.1 < guests < 0.6


def test_ab_variant_b_really_lifts_opens(tmp_path: Path) -> None:
    generate(config_with(customers=20000, seed=3), tmp_path)
    rates = dict(
        duckdb.connect()
        .execute(
            f"""
            select c.variant, count(distinct e.email || e.campaign_id) filter (where e.event_type = 'open')
                / count(*) filter (where e.event_type = 'delivered')
            from '{tmp_path / "esp_email_events.parquet"}' as e
            inner join '{tmp_path / "esp_campaigns.parquet"}' as c using (campaign_id)
            where c.variant in ('A', 'B')
            group by 1
            """
        )
        .fetchall()
    )
    assert rates["B"] / rates["A"] == pytest.approx(GeneratorConfig().variant_b_open_lift, abs=0.05)


def test_rows_scale_linearly_with_customers(tmp_path: Path, small: tuple[Path, dict]) -> None:
    _, manifest = small
    bigger = generate(config_with(customers=12000, seed=11), tmp_path)
    for table in ("crm_contacts", "shop_orders", "esp_email_events", "web_events"):
        assert bigger["rows"][table] / manifest["rows"][table] == pytest.approx(4.0, rel=0.15), table


def test_orders_show_seasonality(small: tuple[Path, dict]) -> None:
    folder, _ = small
    by_month = dict(
        duckdb.connect()
        .execute(
            f"""
            select month(try_cast(ordered_at as timestamptz)), count(*)
            from '{folder / "shop_orders.parquet"}'
            where try_cast(ordered_at as timestamptz) between '2024-11-01' and '2025-10-31'
            group by 1
            """
        )
        .fetchall()
    )
    assert by_month[12] > 1.2 * by_month[6]


def test_cli_writes_all_tables(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "audience", "generate", "--customers", "300", "--seed", "5", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert {p.stem for p in tmp_path.glob("*.parquet")} == set(RAW_TABLES)
    assert (tmp_path / "_manifest.json").exists()


def test_config_rejects_inconsistent_dates() -> None:
    with pytest.raises(ValueError, match="dates"):
        config_with(end_date="2027-06-01")
    with pytest.raises(ValueError, match="customers"):
        config_with(customers=0)
    with pytest.raises(ValueError, match="people_per_block"):
        config_with(people_per_block=0)
    for hour in (0, 25):
        with pytest.raises(ValueError, match="end_hour"):
            config_with(end_hour=hour)
    assert config_with(end_date="2026-09-30").end_date == date(2026, 9, 30)


# ---------------------------------------------------------------- helpers


def test_group_cumsum_restarts_per_group() -> None:
    values = np.array([1.0, 2.0, 3.0, 10.0, 5.0, 5.0])
    counts = np.array([3, 0, 1, 2])
    assert group_cumsum(values, counts).tolist() == [1.0, 3.0, 6.0, 10.0, 5.0, 10.0]


def test_group_rank_counts_within_groups() -> None:
    assert group_rank(np.array([2, 0, 3, 1])).tolist() == [0, 1, 0, 1, 2, 0]


def test_assign_defects_is_disjoint_and_exact() -> None:
    eligible = np.ones(10_000, bool)
    eligible[:1000] = False
    codes = assign_defects(stream(1, "t"), eligible, {"a": 0.01, "b": 0.02, "c": 0.005})
    assert (codes[:1000] == 0).all()
    assert [(codes == k).sum() for k in (1, 2, 3)] == [100, 200, 50]


def test_expected_quarantine_counts_by_hand() -> None:
    reason = np.array([0, 0, reason_code("invalid_email"), 0, 0, 0], dtype=np.int8)
    key = np.array([1, 1, 2, 3, 3, 4])
    loaded = np.array([0.0, 1.0, 1.0, 1.0, 2.0, 9.0])
    # Key 1 twice (1 duplicate), key 3 twice (1 duplicate); row 6 lands after the cut-off.
    assert expected_quarantine(reason, key, loaded, cutoff=5.0) == {"duplicate": 2, "invalid_email": 1}


def test_time_warp_round_trips_and_keeps_the_calendar_span() -> None:
    warp = TimeWarp.build(date(2024, 1, 1), 730)
    t = np.linspace(0, 730, 50)
    assert np.allclose(warp.to_calendar(warp.to_operational(t)), t)
    assert warp.to_operational(np.array([730.0]))[0] == pytest.approx(730.0)


def test_seasonal_intensity_peaks_in_late_autumn() -> None:
    intensity = seasonal_intensity(date(2024, 1, 1), 366)
    assert intensity.mean() == pytest.approx(1.0)
    november_december = intensity[305:366].mean()
    june = intensity[152:182].mean()
    assert november_december > 1.3 * june


def test_expand_versions_numbers_each_ids_versions() -> None:
    ids, versions = expand_versions(np.array([7, 8, 9]), np.array([2, 1, 3]))
    assert ids.tolist() == [7, 7, 8, 9, 9, 9]
    assert versions.tolist() == [0, 1, 0, 0, 1, 2]
