"""Hostile input: rows that try to break the warehouse, appended to a generated extract.

``append_hostile_day`` lands one load of malformed, implausible and
adversarial rows in every raw table: opt-outs and erasure requests carried
by rows that are otherwise broken (no time, an unparseable or future time, an
address padded with invisible characters, an unknown channel or status, no
load time), opt-outs and erasures in the same load as new orders of the same
people, non-finite and absurd amounts, implausible dates, unknown codes, a
10,000-character address and a spreadsheet formula in a name. It writes
``_hostile_manifest.json`` beside the tables: who must end up suppressed or
erased, the quarantine reason each row must get, and the rows that must be
accepted (and why). Days are numbered; day ``n`` takes its people from those
loaded before ``people_loaded_before`` (the same for every day), by a fixed
order, so appending day 1 to the extract of D or of D+1 writes the same rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from audience.raw_contract import RAW_SCHEMAS, conform_sql

# people one hostile day needs: one per opt-out case, one per erasure case, one for the formula
PEOPLE_PER_DAY = 40
ORDER_ID_BASE = 9_000_000_000
PRODUCT_ID_BASE = 9_000_000
PLAIN_EMAIL = r"^[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]{2,}$"
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","Click")'


@dataclass
class HostileDay:
    """The rows of one hostile load and what must become of them."""

    day: int
    loaded_at: datetime
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    suppressed: list[str] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    quarantined: list[dict[str, str]] = field(default_factory=list)
    accepted: list[dict[str, str]] = field(default_factory=list)
    formula_contacts: list[str] = field(default_factory=list)

    def add(self, table: str, **values: object) -> dict[str, object]:
        row = {column: values.get(column) for column in RAW_SCHEMAS[table]}
        if "_loaded_at" not in values:
            row["_loaded_at"] = self.loaded_at
        self.rows.setdefault(table, []).append(row)
        return row

    def expect(self, model: str, condition: str, reason: str | None, why: str) -> None:
        """The rows of ``model`` matching ``condition`` must all have ``reason`` (None: accepted)."""
        entry = {"model": model, "condition": condition, "reason": reason, "why": why}
        (self.quarantined if reason else self.accepted).append(entry)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _candidates(con: duckdb.DuckDBPyConnection, raw: Path, before: datetime) -> list[tuple[str, str]]:
    """US CRM contacts loaded before ``before`` with no opt-out, bounce, complaint or erasure, in a fixed order.

    US contacts need no opt-in, so each would be contactable but for the hostile rows.
    """
    query = f"""
        with people as (
            select lower(trim(email)) as email, min(contact_id) as contact_id
            from '{raw / "crm_contacts.parquet"}'
            where _loaded_at < timestamp '{before}' and upper(trim(country)) = 'US'
                and regexp_full_match(lower(trim(email)), '{PLAIN_EMAIL.replace("'", "''")}')
                and split_part(lower(trim(email)), '@', 2) not in ('example.com', 'test.com', 'mailinator.com')
            group by 1
        ),
        opted_out as (
            select lower(trim(email)) as email from '{raw / "consent_events.parquet"}'
            where coalesce(lower(trim(status)), '') <> 'subscribed'
            union
            select lower(trim(email)) from '{raw / "esp_email_events.parquet"}'
            where lower(trim(event_type)) in ('unsubscribe', 'spam_complaint', 'bounce_hard')
            union
            select lower(trim(email)) from '{raw / "deletion_requests.parquet"}'
        )
        select email, contact_id from people
        where email not in (select email from opted_out where email is not null)
        order by md5(email)
    """
    return [(row[0], row[1]) for row in con.execute(query).fetchall()]


def _first(con: duckdb.DuckDBPyConnection, raw: Path, table: str, column: str, before: datetime) -> object:
    path = raw / f"{table}.parquet"
    return con.execute(f"select min({column}) from '{path}' where _loaded_at < timestamp '{before}'").fetchone()[0]


def build_day(
    day: int, loaded_at: datetime, people: list[tuple[str, str]], campaign_id: str, product_id: int
) -> HostileDay:
    """The hostile rows of day ``day`` for ``people`` (at least PEOPLE_PER_DAY, this day's slice)."""
    h = HostileDay(day, loaded_at)
    valid_at = loaded_at - timedelta(hours=1)
    people_iter = iter(people)

    def person() -> str:
        return next(people_iter)[0]

    def consent(email: str, **values: object) -> None:
        defaults = {
            "email": email,
            "channel": "email",
            "status": "unsubscribed",
            "source": "hostile",
            "occurred_at": _iso(valid_at),
        }
        h.add("consent_events", **{**defaults, **values})

    def email_event(email: str, event_type: str, suffix: str, **values: object) -> None:
        defaults = {
            "event_id": f"hostile-{day}-{suffix}",
            "campaign_id": campaign_id,
            "email": email,
            "event_type": event_type,
            "occurred_at": _iso(valid_at),
        }
        h.add("esp_email_events", **{**defaults, **values})

    def guest_order(order_id: int, buyer: str, **values: object) -> None:
        defaults = {
            "order_id": order_id,
            "email": buyer,
            "ordered_at": _iso(valid_at),
            "updated_at": _iso(valid_at),
            "status": "paid",
            "currency": "USD",
            "total_amount": 25.0,
            "discount_amount": 0.0,
        }
        h.add("shop_orders", **{**defaults, **values})

    # -- opt-outs on rows that fail other checks: each person must end up suppressed
    cases: list[tuple[str, dict[str, object], str | None]] = [
        ("missing time", {"occurred_at": None}, "missing_timestamp"),
        ("unparseable time", {"occurred_at": "31/12/2026 25:61"}, "unparseable_timestamp"),
        ("time in 2100", {"occurred_at": "2100-01-01T00:00:00Z"}, "future_timestamp"),
        ("time in 1900", {"occurred_at": "1900-01-01T00:00:00Z"}, "implausible_date"),
        ("after the as-of date", {"occurred_at": _iso(loaded_at + timedelta(hours=2))}, None),
        ("unknown channel", {"channel": "E-Mail"}, "unknown_channel"),
        ("no channel", {"channel": None}, "unknown_channel"),
        ("unknown status", {"status": "opted_out"}, "unknown_status"),
        ("no load time", {"_loaded_at": None}, "missing_loaded_at"),
        ("load time in 2100", {"_loaded_at": datetime(2100, 1, 1)}, "future_loaded_at"),
    ]
    for why, values, reason in cases:
        email = person()
        consent(email, **values)
        h.suppressed.append(email)
        condition = f"email = '{email}' and consent_source = 'hostile'"
        h.expect("int_consent_events_validated", condition, reason, f"unsubscribe with {why}")
    for why, padded in (
        ("a tab", "\t{}"),
        ("a newline", "{}\n"),
        ("a no-break space", "\u00a0{}"),
        ("a zero-width space", "{}\u200b"),
        ("upper case and an ideographic space", "\u3000{}"),
    ):
        email = person()
        shown = padded.format(email.upper() if "upper" in why else email)
        consent(shown)
        h.suppressed.append(email)
        h.expect(
            "int_consent_events_validated",
            f"email = '{email}' and consent_source = 'hostile'",
            None,
            f"unsubscribe padded with {why}: normalized to its person",
        )
    # an opt-in that fails a check cannot lift an earlier opt-out
    email = person()
    consent(email, occurred_at=_iso(valid_at - timedelta(days=1)))
    consent(email, status="subscribed", occurred_at="not a time")
    h.suppressed.append(email)
    h.expect(
        "int_consent_events_validated",
        f"email = '{email}' and consent_status = 'subscribed' and consent_source = 'hostile'",
        "unparseable_timestamp",
        "a re-subscribe with a broken time lifts nothing",
    )

    # -- the ESP's opt-outs on broken rows
    esp_cases: list[tuple[str, str, dict[str, object], str]] = [
        ("unsubscribe", "no event id", {"event_id": None}, "missing_key"),
        ("unsubscribe", "an unknown campaign", {"campaign_id": f"hostile-campaign-{day}"}, "orphan_campaign"),
        ("spam_complaint", "no time", {"occurred_at": None}, "missing_timestamp"),
        ("bounce_hard", "a time in 1900", {"occurred_at": "1900-01-01T00:00:00Z"}, "implausible_date"),
        ("unsubscribe", "-infinity", {"occurred_at": "-infinity"}, "implausible_date"),
        ("spam_complaint", "no load time", {"_loaded_at": None}, "missing_loaded_at"),
    ]
    for n, (event_type, why, values, reason) in enumerate(esp_cases):
        email = person()
        email_event(email, event_type, f"esp-{n}", **values)
        h.suppressed.append(email)
        h.expect(
            "int_email_events_validated",
            f"email = '{email}' and event_type = '{event_type}'",
            reason,
            f"{event_type} with {why}",
        )
    email = person()
    email_event("\u200b" + email.upper() + "\t", "unsubscribe", "esp-padded")
    h.suppressed.append(email)
    h.expect(
        "int_email_events_validated",
        f"email_event_id = 'hostile-{day}-esp-padded'",
        None,
        "an unsubscribe padded with invisible characters: normalized to its person",
    )

    # -- an unsubscribe in the same load as new orders of the same person
    order_id = ORDER_ID_BASE + day * 1000
    email = person()
    consent(email)
    for n in range(2):
        guest_order(order_id + n, email, total_amount=40.0 + n)
    h.suppressed.append(email)
    h.expect(
        "int_orders_validated",
        f"order_id in ({order_id}, {order_id + 1})",
        None,
        "new orders in the same load as their buyer's unsubscribe: valid orders",
    )

    # -- erasure requests, whatever else is wrong with them
    erasure_cases: list[tuple[str, dict[str, object], str | None]] = [
        ("padded with a zero-width space", {"email": "{}\u200b"}, None),
        ("without a time", {"requested_at": None}, None),
        ("without a load time", {"_loaded_at": None}, "missing_loaded_at"),
        ("with a load time in 2100", {"_loaded_at": datetime(2100, 1, 1)}, "future_loaded_at"),
    ]
    for why, values, reason in erasure_cases:
        email = person()
        shown = str(values.pop("email", "{}")).format(email)
        h.add("deletion_requests", **{"email": shown, "requested_at": _iso(valid_at), **values})
        h.erased.append(email)
        h.expect("int_deletion_requests_validated", f"email = '{email}'", reason, f"erasure request {why}")
    # erasure, unsubscribe and new orders and browsing of one person in one load
    email = person()
    h.add("deletion_requests", email=email, requested_at=_iso(valid_at))
    consent(email)
    guest_order(order_id + 10, email, total_amount=55.0, discount_amount=5.0)
    h.add(
        "web_events",
        event_id=f"hostile-{day}-erased-web",
        session_id=f"hostile-{day}-s",
        anonymous_id=f"hostile-{day}-a",
        email=email,
        event_type="page_view",
        page_url="/",
        device_type="mobile",
        occurred_at=_iso(valid_at),
    )
    h.erased.append(email)

    # -- a name that a spreadsheet would run: accepted, exported as text in CSV
    email, contact_id = next(people_iter)
    h.add(
        "crm_contacts",
        contact_id=contact_id,
        email=email,
        first_name=FORMULA_NAME,
        last_name="Lee",
        birth_date="1980-05-05",
        city="Austin",
        region="TX",
        country="US",
        created_at="2024-01-01 00:00:00",
        updated_at=valid_at.strftime("%Y-%m-%d %H:%M:%S"),
    )
    h.formula_contacts.append(email)
    h.expect(
        "int_contacts_validated",
        f"contact_id = '{contact_id}' and first_name like '=HYPERLINK%'",
        None,
        "a formula in a name is data: neutralized in CSV exports only",
    )

    # -- values that used to stop the build
    bad_orders: list[tuple[dict[str, object], str]] = [
        ({"total_amount": float("nan")}, "non_finite_amount"),
        ({"total_amount": float("inf")}, "non_finite_amount"),
        ({"total_amount": float("-inf")}, "non_finite_amount"),
        ({"total_amount": 1e30}, "implausible_amount"),
        ({"discount_amount": float("nan")}, "non_finite_amount"),
        ({"total_amount": 10.0, "discount_amount": 500.0}, "implausible_discount"),
        ({"ordered_at": "1900-01-01T00:00:00Z", "currency": "XXX"}, "implausible_date"),
        ({"ordered_at": "-infinity"}, "implausible_date"),
        ({"status": "shipped"}, "unknown_status"),
        ({"status": None}, "unknown_status"),
        ({"email": "x" * 10_000 + "@example.org"}, "email_too_long"),
        ({"_loaded_at": None}, "missing_loaded_at"),
        ({"_loaded_at": datetime(2100, 1, 1)}, "future_loaded_at"),
    ]
    for n, (values, reason) in enumerate(bad_orders):
        oid = order_id + 100 + n
        guest_order(oid, f"hostile.buyer{day}{n}@example.org", **values)
        h.expect("int_orders_validated", f"order_id = {oid}", reason, f"order with {values}")
    for n, (values, reason) in enumerate(
        [
            ({"unit_price": float("nan")}, "non_finite_amount"),
            ({"quantity": 10**12}, "implausible_amount"),
            ({"unit_price": float("-inf")}, "non_finite_amount"),
        ]
    ):
        item = ORDER_ID_BASE + day * 1000 + 500 + n
        h.add(
            "shop_order_items",
            **{
                **{
                    "order_item_id": item,
                    "order_id": order_id,
                    "product_id": product_id,
                    "quantity": 1,
                    "unit_price": 20.0,
                },
                **values,
            },
        )
        h.expect("int_order_items_validated", f"order_item_id = {item}", reason, f"order line with {values}")
    for n, (price, reason) in enumerate(
        [(float("nan"), "non_finite_amount"), (float("inf"), "non_finite_amount"), (1e30, "implausible_amount")]
    ):
        pid = PRODUCT_ID_BASE + day * 100 + n
        h.add(
            "products",
            product_id=pid,
            product_name="Hostile product",
            category="hostile",
            price=price,
            updated_at=_iso(valid_at),
        )
        h.expect("int_products_validated", f"product_id = {pid}", reason, f"product priced {price}")
    h.add(
        "esp_campaigns",
        campaign_id=f"hostile-{day}-sms",
        campaign_name="SMS blast",
        subject="x",
        campaign_type="sms_blast",
        sent_at=_iso(valid_at),
    )
    h.expect(
        "int_campaigns_validated",
        f"campaign_id = 'hostile-{day}-sms'",
        "unknown_campaign_type",
        "a campaign type nobody defined",
    )
    for n, (values, reason) in enumerate(
        [
            ({"event_type": "scroll"}, "unknown_event_type"),
            ({"occurred_at": "1900-01-01T00:00:00Z"}, "implausible_date"),
        ]
    ):
        event_id = f"hostile-{day}-web-{n}"
        defaults = {
            "event_id": event_id,
            "session_id": f"hostile-{day}-w",
            "anonymous_id": f"hostile-{day}-w",
            "event_type": "page_view",
            "page_url": "/",
            "device_type": "desktop",
            "occurred_at": _iso(valid_at),
        }
        h.add("web_events", **{**defaults, **values})
        h.expect("int_web_events_validated", f"web_event_id = '{event_id}'", reason, f"web event with {values}")
    for n, (values, reason) in enumerate(
        [
            ({"birth_date": "2100-01-01"}, "implausible_date"),
            ({"birth_date": "1850-01-01"}, "implausible_date"),
            ({"created_at": "-infinity"}, "implausible_date"),
            ({"email": "y" * 10_000 + "@example.org"}, "email_too_long"),
        ]
    ):
        cid = f"hostile-crm-{day}-{n}"
        defaults = {
            "contact_id": cid,
            "email": f"hostile.contact{day}{n}@example.org",
            "first_name": "Hostile",
            "country": "US",
            "birth_date": "1980-01-01",
            "created_at": "2024-01-01 00:00:00",
            "updated_at": valid_at.strftime("%Y-%m-%d %H:%M:%S"),
        }
        h.add("crm_contacts", **{**defaults, **values})
        h.expect("int_contacts_validated", f"contact_id = '{cid}'", reason, f"contact with {values}")
    return h


def append_hostile_day(raw: Path, day: int, loaded_at: datetime, people_loaded_before: datetime) -> HostileDay:
    """Append hostile day ``day`` (loaded at ``loaded_at``) to the extract in ``raw`` and record it in the manifest."""
    con = duckdb.connect()
    people = _candidates(con, raw, people_loaded_before)
    start = (day - 1) * PEOPLE_PER_DAY
    if len(people) < start + PEOPLE_PER_DAY:
        raise ValueError(
            f"the extract has {len(people)} suitable people; hostile day {day} needs {start + PEOPLE_PER_DAY}"
        )
    campaign_id = _first(con, raw, "esp_campaigns", "campaign_id", people_loaded_before)
    product_id = _first(con, raw, "products", "product_id", people_loaded_before)
    hostile = build_day(day, loaded_at, people[start : start + PEOPLE_PER_DAY], campaign_id, product_id)
    for table, rows in hostile.rows.items():
        path = raw / f"{table}.parquet"
        columns = list(RAW_SCHEMAS[table])
        con.execute(
            f"create or replace temp table landed ({', '.join(f'{c} {k}' for c, k in RAW_SCHEMAS[table].items())})"
        )
        con.executemany(
            f"insert into landed values ({', '.join('?' for _ in columns)})",
            [[row[c] for c in columns] for row in rows],
        )
        con.execute(
            f"copy (select * from '{path}' union all {conform_sql(table, 'select * from landed')}) "
            f"to '{path}.new' (format parquet)"
        )
        Path(f"{path}.new").replace(path)
    manifest_path = raw / "_hostile_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"days": []}
    manifest["days"] = [d for d in manifest["days"] if d["day"] != day] + [
        {
            "day": day,
            "loaded_at": loaded_at.isoformat(),
            "suppressed": hostile.suppressed,
            "erased": hostile.erased,
            "quarantined": hostile.quarantined,
            "accepted": hostile.accepted,
            "formula_contacts": hostile.formula_contacts,
            "rows": {table: len(rows) for table, rows in hostile.rows.items()},
        }
    ]
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return hostile


def hostile_load_time(end_date: date) -> datetime:
    """When a hostile day lands: late on the extract's last day, after the people it names were loaded."""
    return datetime.combine(end_date, time(23, 30))
