"""Synthetic raw data for the warehouse: CRM, shop, ESP, web analytics, consent.

The generator simulates people, not rows. Each person has latent traits
(purchase rate, drop-out probability, email engagement, price taste); the
raw tables are what the source systems would record about them, then landed
the way a Fivetran-style connector lands data: timestamps as text in each
source's own format, a ``_loaded_at`` column, re-delivered rows, and a
documented share of defects.

Purchases follow the BG/NBD story (Fader, Hardie & Lee 2005): while alive a
buyer purchases as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
and after each repeat purchase drops out with probability ``p ~ Beta(a, b)``.
Seasonality is added by running that process in *operational time* and
mapping it onto the calendar through the cumulative seasonal intensity, which
keeps the counting structure of the model intact.

Everything is vectorized with numpy; DuckDB assembles strings and writes
Parquet. Output is deterministic for a given config: every random stream is
derived from ``(seed, stream name)`` through ``numpy.random.SeedSequence`` so
streams are independent, and nothing depends on the load cut-off except the
final filter, so a later cut-off yields a superset of rows (what an
incremental load would see).

People (a few traits each) and campaigns are simulated for the whole
population at once. Orders, order lines, email and web events, all but a few
percent of the rows, are simulated and staged as Parquet parts one block of
people at a time (``people_per_block``, each block with its own streams, ids
numbered on across blocks), then sorted into load order by DuckDB, which
spills beyond its memory limit: the generator's memory follows the block
size, not the population.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from audience import catalog

DAY_US = 86_400_000_000
RAW_TABLES: tuple[str, ...] = (
    "crm_contacts",
    "shop_customers",
    "shop_orders",
    "shop_order_items",
    "products",
    "esp_campaigns",
    "esp_email_events",
    "web_events",
    "consent_events",
    "deletion_requests",
)


# Quarantine reason codes the generator can cause; code 0 means a clean row.
# Rows carry the code (int8); DuckDB sees the names through a dictionary array.
REASONS: tuple[str, ...] = (
    "",
    "missing_key",
    "invalid_email",
    "test_account",
    "missing_timestamp",
    "unparseable_timestamp",
    "future_timestamp",
    "non_positive_amount",
    "unknown_currency",
    "unknown_event_type",
    "orphan_shop_customer",
    "orphan_order",
    "orphan_product",
    "orphan_campaign",
    "parent_order_quarantined",
)
CLEAN = 0


def reason_code(name: str) -> int:
    return REASONS.index(name)


@dataclass(frozen=True)
class DefectRates:
    """Share of rows that get each defect, per table.

    Defects are assigned to disjoint rows, so each defective row has exactly
    one reason and the quarantine counts can be predicted exactly.
    """

    duplicate: float = 0.02
    invalid_email: float = 0.005
    missing_timestamp: float = 0.002
    unparseable_timestamp: float = 0.002
    future_timestamp: float = 0.001
    missing_key: float = 0.0005
    non_positive_amount: float = 0.003
    unknown_currency: float = 0.001
    orphan_reference: float = 0.002
    unknown_event_type: float = 0.0005
    email_format_noise: float = 0.05
    test_account_share: float = 0.003
    late_arrival: float = 0.02


@dataclass(frozen=True)
class GeneratorConfig:
    """All knobs of the simulation. Defaults give the project's default dataset."""

    customers: int = 20_000
    seed: int = 42
    start_date: date = date(2023, 11, 1)
    end_date: date = date(2026, 10, 31)
    # The hours of end_date whose loads the extract holds (24: the whole day). An extract
    # ending at hour h of day D+1 is the day-D extract plus the rows loaded in D+1's first h
    # hours: an hourly micro-batch after the day's build.
    end_hour: int = 24
    horizon_end: date = date(2026, 12, 31)
    esp_history_days: int = 182
    web_history_days: int = 365
    buyer_share: float = 0.72
    account_share_of_buyers: float = 0.75
    account_share_of_non_buyers: float = 0.25
    crm_share: float = 0.85
    subscriber_share: float = 0.70
    guest_checkout_by_account_holders: float = 0.10
    # BG/NBD heterogeneity, rates per day of operational time.
    bgnbd_r: float = 0.75
    bgnbd_alpha: float = 18.0
    bgnbd_a: float = 0.9
    bgnbd_b: float = 7.0
    refund_share: float = 0.05
    cancel_share: float = 0.03
    discount_share: float = 0.2
    newsletter_audience: float = 0.6
    promo_audience: float = 0.45
    ab_test_share: float = 0.35
    variant_b_open_lift: float = 1.10
    variant_b_click_lift: float = 1.15
    web_sessions_per_year: float = 2.5
    # Purchase intent, the signal a propensity model should find: in the
    # intent_days before an order a person opens and clicks email more (by
    # these factors), and this share of orders follows a browsing session
    # in those days.
    intent_days: float = 14.0
    intent_open_lift: float = 1.5
    intent_click_lift: float = 2.5
    intent_browse_share: float = 0.5
    # This share of opens happens in the person's preferred hour of the day
    # (UTC), the first one after the send; the rest follow the send itself.
    preferred_hour_open_share: float = 0.6
    anonymous_visitor_share: float = 0.3
    erasure_share: float = 0.002
    # Orders, order lines, email and web events are simulated and landed
    # this many people at a time, so the generator's memory depends on the
    # block, not on the population (about 8 GB per million people at once).
    # A population that fits in one block gives the same rows as before
    # blocks existed.
    people_per_block: int = 250_000
    defects: DefectRates = field(default_factory=DefectRates)

    @property
    def horizon_days(self) -> int:
        return (self.horizon_end - self.start_date).days

    @property
    def cutoff_days(self) -> float:
        """The load cut-off: rows loaded after hour ``end_hour`` of ``end_date`` are not written."""
        return (self.end_date - self.start_date).days + self.end_hour / 24


# --------------------------------------------------------------------------
# random streams and small vectorized helpers
# --------------------------------------------------------------------------


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent generator for one purpose, derived from the seed and a name."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))


def block_stream(seed: int, name: str, block: int) -> np.random.Generator:
    """The stream of one block of people; the first block keeps the plain name."""
    return stream(seed, name if block == 0 else f"{name}/block-{block}")


def group_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group; groups are consecutive runs of ``counts``."""
    total = np.cumsum(values)
    ends = np.cumsum(counts)
    starts = ends - counts
    before = np.where(starts > 0, total[np.maximum(starts - 1, 0)], 0.0) if len(total) else starts
    return total - np.repeat(before, counts)


def expand_versions(ids: np.ndarray, versions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per version of each id: (id, version number 0, 1, ...)."""
    return np.repeat(ids, versions), group_rank(versions)


def group_rank(counts: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each consecutive group."""
    n = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(n) - starts


def seasonal_intensity(start: date, n_days: int) -> np.ndarray:
    """Relative daily purchase intensity (mean 1): a December peak, Black Friday, weekends."""
    days = np.arange(n_days)
    dates = np.datetime64(start) + days
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)
    weekday = (dates.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
    intensity = 1.0 + 0.30 * np.cos(2 * np.pi * (doy - 345) / 365.25)
    intensity *= np.where(weekday >= 5, 1.12, 0.95)
    month_day = dates - dates.astype("datetime64[M]")
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    # Black Friday weekend: the days after the fourth Thursday of November.
    black_friday = (month == 11) & (month_day.astype(int) >= 22) & (month_day.astype(int) <= 28)
    intensity *= np.where(black_friday & (weekday >= 4), 2.2, 1.0)
    return intensity / intensity.mean()


@dataclass(frozen=True)
class TimeWarp:
    """Maps calendar days to operational time through the cumulative intensity."""

    grid: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def build(cls, start: date, n_days: int) -> TimeWarp:
        intensity = seasonal_intensity(start, n_days)
        return cls(np.arange(n_days + 1, dtype=float), np.concatenate([[0.0], np.cumsum(intensity)]))

    def to_operational(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.grid, self.cumulative)

    def to_calendar(self, u: np.ndarray) -> np.ndarray:
        return np.interp(u, self.cumulative, self.grid)


def hour_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fraction of a day with a realistic daily rhythm (evening peak, quiet nights)."""
    hours = np.arange(24)
    weights = 0.3 + np.exp(-0.5 * ((hours - 20) / 3.0) ** 2) + 0.6 * np.exp(-0.5 * ((hours - 12) / 2.5) ** 2)
    hour = rng.choice(24, size=n, p=weights / weights.sum())
    return (hour + rng.random(n)) / 24.0


def assign_defects(rng: np.random.Generator, eligible: np.ndarray, rates: dict[str, float]) -> np.ndarray:
    """Give disjoint random subsets of the eligible rows a defect code (1-based, in ``rates`` order)."""
    codes = np.zeros(len(eligible), dtype=np.int8)
    candidates = np.flatnonzero(eligible)
    sizes = [round(rate * len(eligible)) for rate in rates.values()]
    # Sampling only the rows that get a defect is far cheaper than permuting all of them.
    picked = candidates[rng.choice(len(candidates), size=min(sum(sizes), len(candidates)), replace=False)]
    bounds = np.cumsum([0, *sizes])
    for code in range(1, len(sizes) + 1):
        codes[picked[bounds[code - 1] : bounds[code]]] = code
    return codes


# --------------------------------------------------------------------------
# people and their traits
# --------------------------------------------------------------------------


@dataclass
class People:
    n: int
    acquired_at: np.ndarray
    is_test: np.ndarray
    is_buyer: np.ndarray
    has_account: np.ndarray
    in_crm: np.ndarray
    subscribed_at: np.ndarray
    unsubscribed_at: np.ndarray
    purchase_rate: np.ndarray
    dropout_p: np.ndarray
    open_propensity: np.ndarray
    click_propensity: np.ndarray
    favourite_category: np.ndarray
    price_taste: np.ndarray
    basket_size: np.ndarray
    web_activity: np.ndarray
    died_at: np.ndarray
    first_name: np.ndarray
    last_name: np.ndarray
    domain: np.ndarray
    location: np.ndarray
    birth_days: np.ndarray
    devices: np.ndarray
    preferred_hour: np.ndarray

    def block(self, start: int, stop: int) -> People:
        """People ``start`` to ``stop - 1``, numbered from 0 (views, not copies)."""
        arrays = {name: getattr(self, name)[start:stop] for name in self.__dataclass_fields__ if name != "n"}
        return People(n=stop - start, **arrays)


def simulate_people(cfg: GeneratorConfig, warp: TimeWarp) -> People:
    rng = stream(cfg.seed, "people")
    n = cfg.customers
    # Growth: acquisition density rises over time, shaped by the same seasonality.
    u_end = warp.to_operational(np.array([float(cfg.horizon_days)]))[0]
    acquired_at = warp.to_calendar(u_end * rng.beta(1.4, 1.0, n))
    acquired_at = np.floor(acquired_at) + hour_of_day(rng, n)
    is_test = rng.random(n) < cfg.defects.test_account_share
    is_buyer = rng.random(n) < cfg.buyer_share
    has_account = np.where(
        is_buyer, rng.random(n) < cfg.account_share_of_buyers, rng.random(n) < cfg.account_share_of_non_buyers
    )
    in_crm = rng.random(n) < cfg.crm_share
    is_subscriber = rng.random(n) < cfg.subscriber_share
    subscribed_at = np.where(is_subscriber, acquired_at + rng.exponential(0.02, n), np.inf)
    # Some subscribers leave through the preference centre, independent of email.
    leaves = is_subscriber & (rng.random(n) < 0.04)
    unsubscribed_at = np.where(leaves, subscribed_at + rng.exponential(200.0, n), np.inf)
    domain_weights = np.array([w for _, w in catalog.EMAIL_DOMAINS])
    location_weights = np.array([loc[4] for loc in catalog.LOCATIONS])
    return People(
        n=n,
        acquired_at=acquired_at,
        is_test=is_test,
        is_buyer=is_buyer,
        has_account=has_account,
        in_crm=in_crm,
        subscribed_at=subscribed_at,
        unsubscribed_at=unsubscribed_at,
        purchase_rate=rng.gamma(cfg.bgnbd_r, 1.0 / cfg.bgnbd_alpha, n),
        dropout_p=rng.beta(cfg.bgnbd_a, cfg.bgnbd_b, n),
        open_propensity=rng.beta(1.3, 2.6, n),
        click_propensity=rng.beta(1.2, 6.0, n),
        favourite_category=rng.integers(0, len(catalog.PRODUCT_CATEGORIES), n),
        price_taste=np.exp(rng.normal(0.0, 0.6, n)),
        basket_size=rng.gamma(2.0, 0.35, n),
        web_activity=rng.gamma(2.0, 0.5, n),
        died_at=np.full(n, np.inf),
        first_name=rng.integers(0, len(catalog.FIRST_NAMES), n),
        last_name=rng.integers(0, len(catalog.LAST_NAMES), n),
        domain=rng.choice(len(domain_weights), size=n, p=domain_weights / domain_weights.sum()),
        location=rng.choice(len(location_weights), size=n, p=location_weights / location_weights.sum()),
        birth_days=-(rng.triangular(18.0, 34.0, 82.0, n) * 365.25),
        devices=rng.integers(1, 3, n),
        # its own stream: adding it left every other draw as it was
        preferred_hour=np.floor(hour_of_day(stream(cfg.seed, "preferred_hours"), n) * 24).astype(np.int64),
    )


# --------------------------------------------------------------------------
# products and purchases
# --------------------------------------------------------------------------


@dataclass
class Catalog:
    category: np.ndarray
    price: np.ndarray
    name_adjective: np.ndarray
    name_noun: np.ndarray
    category_start: np.ndarray
    category_size: np.ndarray


def simulate_catalog(cfg: GeneratorConfig, n_products: int = 240) -> Catalog:
    rng = stream(cfg.seed, "catalog")
    specs = list(catalog.PRODUCT_CATEGORIES.values())
    shares = np.array([s[0] for s in specs])
    sizes = np.maximum(np.round(shares / shares.sum() * n_products).astype(int), 4)
    category = np.repeat(np.arange(len(specs)), sizes)
    median = np.array([s[1] for s in specs])[category]
    spread = np.array([s[2] for s in specs])[category]
    price = np.round(median * np.exp(rng.normal(0.0, spread)), 0) - 0.01
    price = np.maximum(price, 4.99)
    # Within a category products are ordered by price, cheapest first.
    order = np.lexsort((price, category))
    category, price = category[order], price[order]
    nouns = np.concatenate([rng.integers(0, len(specs[c][3]), sizes[c]) for c in range(len(specs))])
    adjectives = rng.integers(0, len(catalog.PRODUCT_ADJECTIVES), len(category))
    return Catalog(
        category=category,
        price=price,
        name_adjective=adjectives,
        name_noun=nouns,
        category_start=np.concatenate([[0], np.cumsum(sizes)[:-1]]),
        category_size=sizes,
    )


def choose_products(rng: np.random.Generator, cat: Catalog, favourite: np.ndarray, taste: np.ndarray) -> np.ndarray:
    """A product per draw: usually from the favourite category, at the person's price level."""
    n = len(favourite)
    n_categories = len(cat.category_size)
    category = np.where(rng.random(n) < 0.65, favourite, rng.integers(0, n_categories, n))
    # taste > 1 leans to cheaper products (low quantiles), < 1 to dearer ones.
    position = rng.random(n) ** taste
    offset = np.minimum((position * cat.category_size[category]).astype(int), cat.category_size[category] - 1)
    return cat.category_start[category] + offset


@dataclass
class Orders:
    person: np.ndarray
    ordered_at: np.ndarray
    status: np.ndarray  # 0 paid, 1 refunded, 2 cancelled
    status_changed_at: np.ndarray
    is_guest: np.ndarray
    discount_pct: np.ndarray


def simulate_orders(cfg: GeneratorConfig, people: People, warp: TimeWarp, rng: np.random.Generator) -> Orders:
    """The orders of ``people`` (any block, people numbered as in it), in time order.

    A person's orders depend only on their own traits. Also sets the death
    (drop-out) time of each buyer in ``people.died_at``, which the email and
    web simulations read.
    """
    buyers = np.flatnonzero(people.is_buyer)
    lam = people.purchase_rate[buyers]
    u0 = warp.to_operational(people.acquired_at[buyers])
    u_end = warp.to_operational(np.array([float(cfg.horizon_days)]))[0]
    remaining = np.maximum(u_end - u0, 0.0)
    # Repeat purchases until drop-out: geometric on 1, 2, ...; capped far above
    # what the remaining time allows, so the cap never binds in practice.
    n_until_dropout = rng.geometric(people.dropout_p[buyers])
    expected = lam * remaining
    cap = np.ceil(expected + 8.0 * np.sqrt(expected) + 10.0).astype(np.int64)
    n_draws = np.minimum(n_until_dropout, cap)
    owner = np.repeat(np.arange(len(buyers)), n_draws)
    gaps = rng.exponential(1.0, len(owner)) / lam[owner]
    u = np.repeat(u0, n_draws) + group_cumsum(gaps, n_draws)
    happened = u < u_end
    kept = np.bincount(owner[happened], minlength=len(buyers))
    died = (n_until_dropout <= cap) & (kept == n_until_dropout)
    last_u = np.full(len(buyers), -np.inf)
    np.maximum.at(last_u, owner[happened], u[happened])
    death_u = np.where(died, np.where(kept > 0, last_u, u0), np.inf)
    people.died_at[buyers] = np.where(
        np.isfinite(death_u), warp.to_calendar(np.where(np.isfinite(death_u), death_u, 0)), np.inf
    )

    repeat_person = buyers[owner[happened]]
    repeat_day = np.floor(warp.to_calendar(u[happened])) + hour_of_day(rng, int(happened.sum()))
    person = np.concatenate([buyers, repeat_person])
    ordered_at = np.concatenate([people.acquired_at[buyers] + 0.01, repeat_day])
    order = np.lexsort((person, ordered_at))
    person, ordered_at = person[order], ordered_at[order]
    n = len(person)
    draw = rng.random(n)
    status = np.where(draw < cfg.refund_share, 1, np.where(draw < cfg.refund_share + cfg.cancel_share, 2, 0))
    status_changed_at = ordered_at + np.where(status == 1, rng.uniform(3.0, 25.0, n), rng.uniform(0.02, 1.0, n))
    is_guest = ~people.has_account[person] | (rng.random(n) < cfg.guest_checkout_by_account_holders)
    discount_pct = np.where(rng.random(n) < cfg.discount_share, rng.choice([0.1, 0.15, 0.2, 0.25], n), 0.0)
    return Orders(person, ordered_at, status.astype(np.int8), status_changed_at, is_guest, discount_pct)


# --------------------------------------------------------------------------
# email campaigns and events
# --------------------------------------------------------------------------

EVENT_TYPES: tuple[str, ...] = (
    "sent",
    "delivered",
    "open",
    "click",
    "bounce_hard",
    "bounce_soft",
    "unsubscribe",
    "spam_complaint",
)


@dataclass
class Campaigns:
    sent_at: np.ndarray
    campaign_type: np.ndarray  # 0 promotional, 1 newsletter, 2 triggered
    ab_group: np.ndarray  # index of the campaign this variant belongs to
    variant: np.ndarray  # 0 = no test, 1 = A (control), 2 = B, 3 = C
    subject_index: np.ndarray


CAMPAIGN_TYPES: tuple[str, ...] = ("promotional", "newsletter", "triggered")


def schedule_campaigns(cfg: GeneratorConfig) -> list[dict[str, float]]:
    """A weekly newsletter (Tuesday), a promotion every Friday, a weekly welcome mail."""
    rng = stream(cfg.seed, "campaigns")
    first = cfg.horizon_days - cfg.esp_history_days - 60
    plan: list[dict[str, float]] = []
    start_weekday = cfg.start_date.weekday()
    for day in range(first, cfg.horizon_days):
        weekday = (start_weekday + day) % 7
        if weekday == 1:
            plan.append({"day": day + 10 / 24, "type": 1, "audience": cfg.newsletter_audience})
        if weekday == 4:
            plan.append({"day": day + 15 / 24, "type": 0, "audience": cfg.promo_audience})
        if weekday == 0:
            plan.append({"day": day + 9 / 24, "type": 2, "audience": 1.0})
    for item in plan:
        is_test = item["type"] != 2 and rng.random() < cfg.ab_test_share
        item["variants"] = 0 if not is_test else (2 if rng.random() < 0.7 else 3)
    return plan


@dataclass
class EmailEvents:
    person: np.ndarray
    message: np.ndarray
    event_type: np.ndarray
    occurred_at: np.ndarray
    product: np.ndarray


class NextOrder:
    """Each person's next order after a time, by binary search over orders sorted by (person, time)."""

    def __init__(self, orders: Orders) -> None:
        by_person = np.lexsort((orders.ordered_at, orders.person))
        self.owner = orders.person[by_person]
        self.at = orders.ordered_at[by_person]
        # one sorted key: people number below a few million, times below 10^4 days
        self.key = self.owner * 1e4 + self.at

    def days_after(self, person: np.ndarray, t: float) -> np.ndarray:
        """Days from ``t`` to each person's next order at or after it (inf when there is none)."""
        if len(self.key) == 0:
            return np.full(len(person), np.inf)
        pos = np.minimum(np.searchsorted(self.key, person * 1e4 + t), len(self.key) - 1)
        found = (self.owner[pos] == person) & (self.at[pos] >= t)
        return np.where(found, self.at[pos] - t, np.inf)


def next_preferred_hour(after: np.ndarray, preferred_hour: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A time in the first preferred hour of the day (UTC) that starts after ``after``."""
    at = np.floor(after) + (preferred_hour + rng.random(len(after))) / 24.0
    return np.where(at < after, at + 1.0, at)


def simulate_email(
    cfg: GeneratorConfig, people: People, orders: Orders, cat: Catalog, rng: np.random.Generator
) -> tuple[Campaigns, EmailEvents, np.ndarray]:
    """Send each campaign to a sample of the eligible list, carrying list state forward.

    The loop runs over campaigns (a few hundred), never over people or events.
    A person's events depend only on their own state, so ``people`` may be
    any block of the population (each with its own ``rng``); every block
    gets the same campaigns. Returns the campaigns, the events (people
    numbered as in ``people``) and each person's unsubscribe time (inf when
    they never unsubscribed). ``orders`` are the block's orders: people open
    and click more in the days before one (purchase intent).
    """
    plan = schedule_campaigns(cfg)
    n = people.n
    next_order = NextOrder(orders)
    unsubscribed_at = people.unsubscribed_at.copy()
    bounced_at = np.full(n, np.inf)
    complained_at = np.full(n, np.inf)
    msg_sent_at: list[float] = []
    msg_type: list[int] = []
    msg_group: list[int] = []
    msg_variant: list[int] = []
    msg_subject: list[int] = []
    chunks: list[tuple[np.ndarray, ...]] = []
    for group, item in enumerate(plan):
        t = item["day"]
        eligible = (people.subscribed_at <= t) & (unsubscribed_at > t) & (bounced_at > t) & (complained_at > t)
        if item["type"] == 2:
            eligible &= people.subscribed_at > t - 7.0
        recipients = np.flatnonzero(eligible & (rng.random(n) < item["audience"]))
        n_variants = int(item["variants"])
        first_message = len(msg_sent_at)
        for v in range(max(n_variants, 1)):
            msg_sent_at.append(t)
            msg_type.append(int(item["type"]))
            msg_group.append(group)
            msg_variant.append(v + 1 if n_variants else 0)
            msg_subject.append(int(rng.integers(0, 1_000_000)))
        variant = rng.integers(0, max(n_variants, 1), len(recipients))
        message = first_message + variant
        open_lift = np.where(variant == 1, cfg.variant_b_open_lift, 1.0)
        click_lift = np.where(variant == 1, cfg.variant_b_click_lift, 1.0)
        k = len(recipients)
        sent = t + rng.uniform(0.0, 0.02, k)
        draw = rng.random(k)
        hard = draw < 0.003
        soft = (draw >= 0.003) & (draw < 0.013)
        delivered = ~(hard | soft)
        # Engagement fades after a person stops buying or loses interest.
        since_death = np.maximum(t - people.died_at[recipients], 0.0)
        fade = np.exp(-since_death / 75.0) * np.where(people.is_buyer[recipients], 1.0, 0.85)
        # Purchase intent: more opens and clicks in the days before an order.
        intent = next_order.days_after(recipients, t) < cfg.intent_days
        open_lift = open_lift * np.where(intent, cfg.intent_open_lift, 1.0)
        click_lift = click_lift * np.where(intent, cfg.intent_click_lift, 1.0)
        p_open = np.clip(people.open_propensity[recipients] * fade * open_lift, 0.0, 0.98)
        opened = delivered & (rng.random(k) < p_open)
        clicked = opened & (rng.random(k) < np.clip(people.click_propensity[recipients] * click_lift, 0, 0.95))
        unsub = delivered & (rng.random(k) < 0.0015 + 0.006 * (1.0 - people.open_propensity[recipients]))
        spam = delivered & ~unsub & (rng.random(k) < 0.0003)
        open_at = np.where(
            rng.random(k) < cfg.preferred_hour_open_share,
            next_preferred_hour(sent, people.preferred_hour[recipients], rng),
            sent + rng.exponential(0.3, k),
        )
        click_at = open_at + rng.exponential(0.005, k)
        extra_opens = np.where(opened, rng.poisson(0.35, k), 0)
        product = choose_products(rng, cat, people.favourite_category[recipients], people.price_taste[recipients])

        # One entry per event type, in the order of EVENT_TYPES.
        outcomes = [
            (np.ones(k, bool), sent),
            (delivered, sent + 0.0001),
            (opened, open_at),
            (clicked, click_at),
            (hard, sent + 0.0002),
            (soft, sent + 0.0002),
            (unsub, open_at + 0.002),
            (spam, open_at + 0.003),
        ]
        for code, (mask, when) in enumerate(outcomes):
            idx = np.flatnonzero(mask)
            chunks.append((recipients[idx], message[idx], np.full(len(idx), code, np.int8), when[idx], product[idx]))
        repeat = np.repeat(np.arange(k), extra_opens)
        if len(repeat):
            chunks.append(
                (
                    recipients[repeat],
                    message[repeat],
                    np.full(len(repeat), 2, np.int8),
                    open_at[repeat] + rng.exponential(1.5, len(repeat)),
                    product[repeat],
                )
            )
        unsubscribed_at[recipients[unsub]] = np.minimum(unsubscribed_at[recipients[unsub]], open_at[unsub] + 0.002)
        complained_at[recipients[spam]] = open_at[spam] + 0.003
        bounced_at[recipients[hard]] = sent[hard]
    campaigns = Campaigns(
        sent_at=np.array(msg_sent_at),
        campaign_type=np.array(msg_type, dtype=np.int8),
        ab_group=np.array(msg_group),
        variant=np.array(msg_variant, dtype=np.int8),
        subject_index=np.array(msg_subject),
    )
    events = EmailEvents(*(np.concatenate([c[i] for c in chunks]) for i in range(5)))
    return campaigns, events, unsubscribed_at


# --------------------------------------------------------------------------
# web sessions
# --------------------------------------------------------------------------

WEB_EVENT_TYPES: tuple[str, ...] = ("page_view", "product_view", "add_to_cart", "search", "checkout")


@dataclass
class WebEvents:
    visitor: np.ndarray  # person index, or n + k for anonymous-only visitors
    device: np.ndarray
    session: np.ndarray
    logged_in: np.ndarray
    event_type: np.ndarray
    occurred_at: np.ndarray
    product: np.ndarray
    search_term: np.ndarray
    sessions: int
    anonymous_visitors: int


def simulate_web(
    cfg: GeneratorConfig,
    people: People,
    orders: Orders,
    cat: Catalog,
    order_product: np.ndarray,
    rng: np.random.Generator,
) -> WebEvents:
    """Sessions and their events for ``people`` (any block, with its orders and their first products).

    Visitors are numbered as in ``people``; anonymous-only visitors follow
    them, from ``people.n`` on, and sessions from 0.
    """
    n = people.n
    web_start = float(cfg.horizon_days - cfg.web_history_days - 60)
    horizon = float(cfg.horizon_days)

    # Browsing sessions of known people, while they are interested.
    window_start = np.maximum(people.acquired_at, web_start)
    window_end = np.minimum(np.minimum(people.died_at + 120.0, horizon), horizon)
    span = np.maximum(window_end - window_start, 0.0)
    n_sessions = rng.poisson(cfg.web_sessions_per_year * people.web_activity * span / 365.0)
    s_person = np.repeat(np.arange(n), n_sessions)
    s_start = np.repeat(window_start, n_sessions) + rng.random(len(s_person)) * np.repeat(span, n_sessions)
    # Purchase intent: a share of repeat orders follows a browsing session in the days before it.
    before = orders.ordered_at - rng.uniform(0.5, cfg.intent_days, len(orders.person))
    browses = (
        (rng.random(len(orders.person)) < cfg.intent_browse_share)
        & (before >= window_start[orders.person])
        & (before < horizon)
    )
    s_person = np.concatenate([s_person, orders.person[browses]])
    s_start = np.concatenate([s_start, before[browses]])
    s_logged = people.has_account[s_person] & (rng.random(len(s_person)) < 0.55)
    s_checkout = np.zeros(len(s_person), bool)

    # Anonymous-only visitors who never identify themselves.
    n_visitors = int(n * cfg.anonymous_visitor_share)
    v_sessions = rng.integers(1, 4, n_visitors)
    v_id = np.repeat(n + np.arange(n_visitors), v_sessions)
    v_start = web_start + rng.random(len(v_id)) * (horizon - web_start)

    # Checkout sessions behind each order in the web window.
    in_window = orders.ordered_at >= web_start
    o_person = orders.person[in_window]
    o_start = orders.ordered_at[in_window] - rng.uniform(0.003, 0.02, int(in_window.sum()))
    o_logged = ~orders.is_guest[in_window] & (rng.random(len(o_person)) < 0.9)

    visitor = np.concatenate([s_person, v_id, o_person])
    start = np.concatenate([s_start, v_start, o_start])
    logged = np.concatenate([s_logged, np.zeros(len(v_id), bool), o_logged])
    checkout = np.concatenate([s_checkout, np.zeros(len(v_id), bool), np.ones(len(o_person), bool)])
    checkout_product = np.concatenate(
        [np.zeros(len(s_person), np.int64), np.zeros(len(v_id), np.int64), order_product[in_window]]
    )
    n_devices = np.concatenate([people.devices, np.ones(n_visitors, np.int64)])
    device = rng.integers(0, 2, len(visitor)) % n_devices[visitor]

    # Events inside sessions: browsing sessions wander, checkout sessions follow the funnel.
    n_events = np.where(checkout, 3, 1 + rng.poisson(1.6, len(visitor)))
    e_session = np.repeat(np.arange(len(visitor)), n_events)
    step = group_rank(n_events)
    draw = rng.random(len(e_session))
    browse_type = np.select([draw < 0.30, draw < 0.70, draw < 0.85], [0, 1, 3], 2)
    browse_type = np.where(step == 0, 0, browse_type)
    funnel_type = np.choose(np.minimum(step, 2), [1, 2, 4])
    is_checkout = checkout[e_session]
    event_type = np.where(is_checkout, funnel_type, browse_type).astype(np.int8)
    e_visitor = visitor[e_session]
    known = e_visitor < n
    favourite = np.where(
        known, people.favourite_category[np.minimum(e_visitor, n - 1)], rng.integers(0, 8, len(e_session))
    )
    taste = np.where(known, people.price_taste[np.minimum(e_visitor, n - 1)], 1.0)
    product = choose_products(rng, cat, favourite, taste)
    product = np.where(is_checkout, checkout_product[e_session], product)
    occurred_at = start[e_session] + group_cumsum(rng.exponential(0.0006, len(e_session)), n_events)
    occurred_at = np.where(is_checkout & (step == 2), start[e_session] + 0.0029, occurred_at)
    return WebEvents(
        visitor=e_visitor,
        device=device[e_session],
        session=e_session,
        logged_in=logged[e_session],
        event_type=event_type,
        occurred_at=occurred_at,
        product=product,
        search_term=rng.integers(0, len(catalog.SEARCH_TERMS), len(e_session)),
        sessions=len(visitor),
        anonymous_visitors=n_visitors,
    )


# --------------------------------------------------------------------------
# assembling raw tables (DuckDB builds strings, filters to the cut-off, writes Parquet)
# --------------------------------------------------------------------------


def _arrow(columns: dict[str, np.ndarray]) -> pa.Table:
    return pa.table({name: pa.array(values) for name, values in columns.items()})


def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


class RawWriter:
    """Holds the DuckDB connection, the lookup lists and the defect bookkeeping."""

    def __init__(self, cfg: GeneratorConfig, out_dir: Path) -> None:
        self.cfg = cfg
        self.out_dir = out_dir
        self.con = duckdb.connect()
        # The sort by load time of the largest tables spills beyond the limit (the warehouse's
        # limit, AUDIENCE_DUCKDB_MEMORY_LIMIT) instead of taking most of the machine's memory.
        self.con.execute("set memory_limit = ?", [os.environ.get("AUDIENCE_DUCKDB_MEMORY_LIMIT", "3GB")]).fetchall()
        self.con.execute("set temp_directory = ?", [str(out_dir / ".spill")]).fetchall()
        self.con.execute("set TimeZone = 'UTC'").fetchall()
        self.con.execute("set preserve_insertion_order = false").fetchall()
        start_us = int(datetime(cfg.start_date.year, cfg.start_date.month, cfg.start_date.day).timestamp() * 1e6)
        self.start_us = start_us
        self.con.execute(f"""
            create macro ts(day) as make_timestamp(cast({start_us} + day * {DAY_US} as bigint));
            create macro garbage(i) as list_extract(
                {_sql_list(catalog.UNPARSEABLE_TIMESTAMPS)}, 1 + (i % {len(catalog.UNPARSEABLE_TIMESTAMPS)}));
            create macro fmt_utc(day) as strftime(ts(day), '%Y-%m-%dT%H:%M:%SZ');
            create macro fmt_utc_ms(day) as strftime(ts(day), '%Y-%m-%dT%H:%M:%S.%gZ');
            create macro fmt_naive(day) as strftime(ts(day), '%Y-%m-%d %H:%M:%S');
            create macro fmt_shop(day) as strftime(ts(day) - interval 5 hour, '%Y-%m-%dT%H:%M:%S') || '-05:00';
            create macro noisy_email(email, noise) as case
                when noise = 1 then '  ' || upper(left(email, 1)) || substr(email, 2)
                when noise = 2 then upper(email)
                when noise = 3 then email || ' '
                else email end;
        """).fetchall()

    def close(self) -> None:
        """Close the connection and remove what it spilled."""
        self.con.close()
        shutil.rmtree(self.out_dir / ".spill", ignore_errors=True)

    def register(self, name: str, columns: dict[str, np.ndarray]) -> None:
        self.con.register(name, _arrow(columns))

    def parts_dir(self, table: str) -> Path:
        return self.out_dir / ".spill" / "parts" / table

    def stage(self, table: str, select_sql: str) -> None:
        """Set the rows of ``select_sql`` loaded by the cut-off aside as one more part of ``table``."""
        parts = self.parts_dir(table)
        parts.mkdir(parents=True, exist_ok=True)
        part = parts / f"part-{len(list(parts.iterdir())):05d}.parquet"
        self.con.execute(f"""
            copy (
                select * exclude (_load_day), ts(_load_day) as _loaded_at
                from ({select_sql})
                where _load_day < cast('{self.cfg.cutoff_days!r}' as double)
            ) to '{part}' (format parquet)
        """).fetchall()

    def finish(self, table: str) -> int:
        """Write the staged parts of ``table`` to ``<table>.parquet``; returns its row count.

        Rows are written in load order, as a connector appends them, so a
        reader of the rows loaded since a time skips the older row groups.
        """
        path = self.out_dir / f"{table}.parquet"
        parts = self.parts_dir(table)
        self.con.execute(f"""
            copy (
                select * from read_parquet('{parts}/*.parquet')
                order by _loaded_at, columns(*)
            ) to '{path}' (format parquet, compression snappy)
        """).fetchall()
        shutil.rmtree(parts)
        return self.con.execute(f"select count(*) from '{path}'").fetchall()[0][0]

    def timestamp_sql(self, column: str, defect: str, fmt: str) -> str:
        """The raw text of a timestamp, spoiled for rows whose defect says so."""
        return f"""case {defect}
            when 'missing_timestamp' then null
            when 'unparseable_timestamp' then garbage(src_row)
            when 'future_timestamp' then {fmt}(_load_day + 30 + (src_row % 300))
            else {fmt}({column}) end"""


def sync_time(rng: np.random.Generator, t: np.ndarray, late_share: float, sync_every: float = 1 / 24) -> np.ndarray:
    """When a connector lands a row: the next hourly sync after the event, or a later one if late."""
    synced = np.ceil((t + 1e-6) / sync_every) * sync_every + rng.uniform(0.0, 0.002, len(t))
    late = rng.random(len(t)) < late_share
    synced[late] += rng.integers(24, 120, int(late.sum())) * sync_every
    return synced


def duplicate_rows(rng: np.random.Generator, eligible: np.ndarray, rate: float) -> np.ndarray:
    """Indices of rows that the connector delivers a second time (a re-sync)."""
    candidates = np.flatnonzero(eligible)
    k = min(round(rate * len(eligible)), len(candidates))
    return np.sort(rng.choice(candidates, size=k, replace=False))


def expected_quarantine(reason: np.ndarray, key: np.ndarray, loaded: np.ndarray, cutoff: float) -> dict[str, int]:
    """Quarantine counts by reason that the warehouse must find among the written rows.

    ``reason`` holds codes (0 = clean). Among clean rows, the rows of a key
    beyond the first are duplicates (the dedupe keeps one per key). Keys are
    non-negative integers.
    """
    written = loaded < cutoff
    counts = np.bincount(reason[written], minlength=len(REASONS))
    out = {REASONS[code]: int(count) for code, count in enumerate(counts) if code != CLEAN and count}
    valid = written & (reason == CLEAN)
    duplicates = int(valid.sum() - np.count_nonzero(np.bincount(key[valid])))
    if duplicates:
        out["duplicate"] = duplicates
    return dict(sorted(out.items()))


@dataclass
class Landing:
    """One raw table before writing: numpy columns plus the bookkeeping every table shares."""

    columns: dict[str, np.ndarray]
    key: np.ndarray
    reason: np.ndarray
    load_day: np.ndarray

    def with_duplicates(self, rng: np.random.Generator, rate: float) -> Landing:
        """Append re-delivered copies of clean rows, landing a little later."""
        dups = duplicate_rows(rng, self.reason == CLEAN, rate)
        later = self.load_day[dups] + rng.uniform(0.01, 2.0, len(dups))

        def extend(values: np.ndarray) -> np.ndarray:
            return np.concatenate([values, values[dups]])

        original = dict(self.columns)
        original.setdefault("src_row", np.arange(len(self.key)))
        columns = {name: extend(values) for name, values in original.items()}
        return Landing(columns, extend(self.key), extend(self.reason), np.concatenate([self.load_day, later]))

    def arrow_columns(self) -> dict[str, np.ndarray]:
        cols = dict(self.columns)
        cols.setdefault("src_row", np.arange(len(self.key)))
        cols["defect"] = pa.DictionaryArray.from_arrays(pa.array(self.reason, pa.int8()), pa.array(REASONS))
        cols["_load_day"] = self.load_day
        return cols


def label_defects(
    rng: np.random.Generator, eligible: np.ndarray, rates: dict[str, float], base: np.ndarray | None = None
) -> np.ndarray:
    """Reason codes: ``base`` where it has one, else the injected defect's code, else clean."""
    lookup = np.array([CLEAN, *(reason_code(name) for name in rates)], dtype=np.int8)
    codes = lookup[assign_defects(rng, eligible, rates)]
    if base is not None:
        codes = np.where(base != CLEAN, base, codes).astype(np.int8)
    return codes


def test_account_codes(is_test: np.ndarray) -> np.ndarray:
    return np.where(is_test, reason_code("test_account"), CLEAN).astype(np.int8)


def timestamp_defects(d: DefectRates) -> dict[str, float]:
    return {
        "missing_timestamp": d.missing_timestamp,
        "unparseable_timestamp": d.unparseable_timestamp,
        "future_timestamp": d.future_timestamp,
    }


ORPHAN_ID_BASE = 9_000_000_000
"""Where the made-up ids of references to unknown parents start: beyond any real id at any scale."""


@dataclass
class Block:
    """A block of people: ``people`` holds those from ``start`` to ``stop - 1``, numbered from 0."""

    number: int
    start: int
    people: People
    last: bool

    @property
    def stop(self) -> int:
        return self.start + self.people.n


@dataclass
class FirstIds:
    """The number the next block's first order, order line, event, session or anonymous visitor gets."""

    order: int = 0
    order_item: int = 0
    email_event: int = 0
    web_event: int = 0
    session: int = 0
    anonymous_visitor: int = 0


class Generator:
    """Runs the simulation once and writes each raw table."""

    def __init__(self, cfg: GeneratorConfig, out_dir: Path) -> None:
        self.cfg = cfg
        self.d = cfg.defects
        self.warp = TimeWarp.build(cfg.start_date, cfg.horizon_days)
        self.people = simulate_people(cfg, self.warp)
        self.catalog = simulate_catalog(cfg)
        self.writer = RawWriter(cfg, out_dir)
        self.rows: dict[str, int] = {}
        self.expected: dict[str, dict[str, int]] = {}
        self.seen = np.zeros(self.people.n, bool)

    def rng(self, name: str, block: int = 0) -> np.random.Generator:
        return block_stream(self.cfg.seed, "landing:" + name, block)

    def blocks(self) -> list[Block]:
        """The blocks of people, see GeneratorConfig.people_per_block."""
        size, n = self.cfg.people_per_block, self.people.n
        blocks = []
        for number, start in enumerate(range(0, n, size)):
            stop = min(start + size, n)
            blocks.append(Block(number, start, self.people.block(start, stop), last=stop == n))
        return blocks

    def land(
        self,
        table: str,
        landing: Landing,
        select_sql: str,
        identifies: np.ndarray | None = None,
        expected_reason: np.ndarray | None = None,
        last_part: bool = True,
    ) -> None:
        """Stage the rows of a raw table (or of one block of it) and book what the warehouse should make of them.

        The table is written once its last part is staged (a table landed
        in blocks passes ``last_part`` true with its last block only). All
        rows of a key must be in one part (the duplicate count is per part).
        ``identifies`` marks the rows that name a person by email; their
        clean rows are the evidence identity resolution has to find.
        ``expected_reason`` overrides the injected defects where the verdict
        also depends on other tables (an order line of a quarantined order).
        """
        self.writer.register("landing", landing.arrow_columns())
        self.writer.stage(table, select_sql)
        self.writer.con.unregister("landing")
        reason = landing.reason if expected_reason is None else expected_reason
        booked = Counter(self.expected.get(table, {}))
        booked.update(expected_quarantine(reason, landing.key, landing.load_day, self.cfg.cutoff_days))
        self.expected[table] = dict(sorted(booked.items()))
        if identifies is not None:
            clean = identifies & (landing.reason == CLEAN) & (landing.load_day < self.cfg.cutoff_days)
            self.seen[landing.columns["person"][clean]] = True
        if last_part:
            self.rows[table] = self.writer.finish(table)

    def noise_sql(self, email: str, salt: str) -> str:
        pct = round(self.d.email_format_noise * 1000)
        noise = f"case when hash(landing.src_row, '{salt}') % 1000 < {pct} then 1 + landing.src_row % 3 else 0 end"
        return f"noisy_email({email}, {noise})"

    def email_sql(self, salt: str, noisy: bool = True) -> str:
        """The person's email as the source holds it: possibly re-cased or padded, or invalid."""
        # Typical typos and placeholders, each one invalid by any reasonable rule.
        invalid = """case landing.src_row % 5
            when 0 then 'n/a'
            when 1 then replace(p.email, '@', ' at ')
            when 2 then split_part(p.email, '@', 1) || '@'
            when 3 then regexp_replace(p.email, '[.][a-z]+$', '')
            else replace(p.email, '@', '@@') end"""
        clean = self.noise_sql("p.email", salt) if noisy else "p.email"
        return f"case when landing.defect = 'invalid_email' then {invalid} else {clean} end"

    # ------------------------------------------------------------ people
    def write_people(self) -> None:
        p = self.people
        w = self.writer
        w.register(
            "people",
            {
                "person": np.arange(p.n),
                "first_name": p.first_name,
                "last_name": p.last_name,
                "domain": p.domain,
                "location": p.location,
                "birth_day": p.birth_days + p.acquired_at,
                "acquired_at": p.acquired_at,
                "is_test": p.is_test,
            },
        )
        locs = catalog.LOCATIONS
        first = f"list_extract({_sql_list(catalog.FIRST_NAMES)}, first_name + 1)"
        last = f"list_extract({_sql_list(catalog.LAST_NAMES)}, last_name + 1)"
        test_domain = (
            f"list_extract({_sql_list(catalog.TEST_EMAIL_DOMAINS)}, 1 + person % {len(catalog.TEST_EMAIL_DOMAINS)})"
        )
        domain = f"list_extract({_sql_list([x for x, _ in catalog.EMAIL_DOMAINS])}, domain + 1)"
        w.con.execute(f"""
            create or replace table person_emails as
            select
                person,
                {first} as first_name,
                {last} as last_name,
                case when is_test then 'test.user' || person || '@' || {test_domain}
                    else lower(replace({first}, ' ', '')) || '.' || lower(replace({last}, ' ', ''))
                        || person || '@' || {domain}
                end as email,
                list_extract({_sql_list([loc[0] for loc in locs])}, location + 1) as city,
                list_extract({_sql_list([loc[1] for loc in locs])}, location + 1) as region,
                list_extract({_sql_list([loc[2] for loc in locs])}, location + 1) as country,
                list_extract({_sql_list([loc[3] for loc in locs])}, location + 1) as currency,
                birth_day,
                acquired_at
            from people
        """).fetchall()

    # ------------------------------------------------------- crm_contacts
    def write_crm_contacts(self) -> None:
        rng = self.rng("crm")
        p = self.people
        members = np.flatnonzero(p.in_crm)
        versions = 1 + rng.binomial(2, 0.2, len(members))
        person, version = expand_versions(members, versions)
        updated = np.repeat(p.acquired_at[members], versions) + version * rng.uniform(5, 200, len(person))
        base = test_account_codes(p.is_test[person])
        rates = {"invalid_email": self.d.invalid_email, **timestamp_defects(self.d)}
        reason = label_defects(rng, base == CLEAN, rates, base)
        landing = Landing(
            {"person": person, "version": version, "updated_day": updated, "moved": rng.random(len(person)) < 0.5},
            key=person,
            reason=reason,
            load_day=sync_time(rng, updated, 0.0, 1.0),
        ).with_duplicates(rng, self.d.duplicate)
        moved = "landing.version > 0 and landing.moved"
        self.land(
            "crm_contacts",
            landing,
            f"""
            select
                'crm_' || lpad(cast(landing.person as varchar), 8, '0') as contact_id,
                {self.email_sql("crm")} as email,
                p.first_name,
                p.last_name,
                strftime(ts(p.birth_day), '%Y-%m-%d') as birth_date,
                case when {moved} then 'Springfield' else p.city end as city,
                case when {moved} then 'IL' else p.region end as region,
                case when {moved} then 'US' else p.country end as country,
                fmt_naive(p.acquired_at) as created_at,
                {self.writer.timestamp_sql("landing.updated_day", "landing.defect", "fmt_naive")} as updated_at,
                landing._load_day
            from landing
            inner join person_emails as p on landing.person = p.person
        """,
            identifies=np.ones(len(landing.key), bool),
        )

    # ------------------------------------------------------ shop_customers
    def account_created_at(self) -> np.ndarray:
        """Buyers open their account just before their first order; others when they sign up."""
        return self.people.acquired_at - 0.005

    def write_shop_customers(self) -> None:
        rng = self.rng("shop_customers")
        p = self.people
        holders = np.flatnonzero(p.has_account)
        versions = 1 + rng.binomial(1, 0.3, len(holders))
        person, version = expand_versions(holders, versions)
        created = self.account_created_at()[person]
        updated = created + version * rng.uniform(1, 300, len(person))
        base = test_account_codes(p.is_test[person])
        rates = {"invalid_email": self.d.invalid_email, **timestamp_defects(self.d)}
        reason = label_defects(rng, base == CLEAN, rates, base)
        subscribed = np.isfinite(p.subscribed_at[person]) & (p.unsubscribed_at[person] > updated)
        landing = Landing(
            {
                "person": person,
                "created_day": created,
                "updated_day": updated,
                "accepts_marketing": subscribed,
                "no_first_name": rng.random(len(person)) < 0.08,
            },
            key=person,
            reason=reason,
            load_day=sync_time(rng, updated, 0.0),
        ).with_duplicates(rng, self.d.duplicate)
        self.land(
            "shop_customers",
            landing,
            f"""
            select
                cast(7000000 + landing.person as bigint) as shop_customer_id,
                {self.email_sql("shop")} as email,
                case when landing.no_first_name then null else p.first_name end as first_name,
                p.last_name,
                landing.accepts_marketing,
                fmt_shop(landing.created_day) as created_at,
                {self.writer.timestamp_sql("landing.updated_day", "landing.defect", "fmt_shop")} as updated_at,
                landing._load_day
            from landing
            inner join person_emails as p on landing.person = p.person
        """,
            identifies=np.ones(len(landing.key), bool),
        )

    # ------------------------------------------------------------ products
    def write_products(self) -> None:
        rng = self.rng("products")
        cat = self.catalog
        n = len(cat.category)
        versions = 1 + (rng.random(n) < 0.2)
        product, version = expand_versions(np.arange(n), versions)
        updated = version * rng.uniform(30, 600, len(product))
        price = cat.price[product] * np.where(version > 0, rng.choice([0.9, 1.1], len(product)), 1.0)
        categories = list(catalog.PRODUCT_CATEGORIES)
        noun_names = [catalog.PRODUCT_CATEGORIES[categories[c]][3] for c in range(len(categories))]
        names = np.array(
            [
                f"{catalog.PRODUCT_ADJECTIVES[cat.name_adjective[i]]} "
                f"{noun_names[cat.category[i]][cat.name_noun[i] % len(noun_names[cat.category[i]])]} {i + 1:03d}"
                for i in range(n)
            ]
        )
        landing = Landing(
            {
                "product": product,
                "price": np.round(price, 2),
                "name": names[product],
                "category": np.array(categories)[cat.category[product]],
                "updated_day": updated,
            },
            key=product,
            reason=np.zeros(len(product), np.int8),
            load_day=sync_time(rng, updated, 0.0, 1.0),
        ).with_duplicates(rng, self.d.duplicate)
        self.land(
            "products",
            landing,
            """
            select
                cast(100 + landing.product as bigint) as product_id,
                landing.name as product_name,
                landing.category,
                landing.price,
                fmt_utc(landing.updated_day) as updated_at,
                landing._load_day
            from landing
        """,
        )

    # ------------------------------------------------- shop_orders & items
    def order_items(self, blk: Block, o: Orders) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Basket lines per order of one block: (order index, product, quantity, unit price in USD)."""
        rng = self.rng("items", blk.number)
        p = blk.people
        lines = 1 + rng.poisson(p.basket_size[o.person])
        order = np.repeat(np.arange(len(o.person)), lines)
        product = choose_products(
            rng, self.catalog, p.favourite_category[o.person[order]], p.price_taste[o.person[order]]
        )
        quantity = rng.choice([1, 2, 3], size=len(order), p=[0.86, 0.11, 0.03])
        return order, product, quantity, self.catalog.price[product]

    def write_orders_and_items(self, blk: Block, o: Orders, first: FirstIds) -> np.ndarray:
        """Stage the orders of one block (``o``) and their lines; returns each order's first product."""
        rng = self.rng("orders", blk.number)
        p = blk.people
        n_orders = len(o.person)
        item_order, item_product, item_qty, item_usd = self.order_items(blk, o)
        currency_of_location = np.array([loc[3] for loc in catalog.LOCATIONS])
        currency = currency_of_location[p.location[o.person]]
        fx = np.vectorize(catalog.FX_TO_USD.get)(currency_of_location)[p.location[o.person]]
        item_price = np.round(item_usd / fx[item_order], 2)
        subtotal = np.bincount(item_order, weights=item_qty * item_price, minlength=n_orders)
        discount = np.round(subtotal * o.discount_pct, 2)
        total = np.round(subtotal - discount, 2)
        first_product = item_product[np.searchsorted(item_order, np.arange(n_orders))]

        # Versions: every order lands as paid; refunds and cancellations land again later.
        versions = 1 + (o.status > 0)
        order, version = expand_versions(np.arange(n_orders), versions)
        status = np.where(version == 0, 0, o.status[order])
        updated = np.where(version == 0, o.ordered_at[order], o.status_changed_at[order])
        is_test = p.is_test[o.person[order]]
        base = test_account_codes(is_test)
        rates = {
            "missing_key": self.d.missing_key,
            "invalid_email": self.d.invalid_email,
            **timestamp_defects(self.d),
            "non_positive_amount": self.d.non_positive_amount,
            "unknown_currency": self.d.unknown_currency,
        }
        reason = label_defects(rng, base == CLEAN, rates, base)
        account = ~o.is_guest[order]
        orphans = {"orphan_shop_customer": self.d.orphan_reference}
        reason = label_defects(rng, (reason == CLEAN) & account, orphans, reason)
        landing = Landing(
            {
                "order": first.order + order,
                "person": blk.start + o.person[order],
                "status": status.astype(np.int8),
                "ordered_day": o.ordered_at[order],
                "updated_day": updated,
                "is_guest": o.is_guest[order],
                "currency": currency[order],
                "total": total[order],
                "discount": discount[order],
            },
            key=order,
            reason=reason,
            load_day=sync_time(rng, updated, self.d.late_arrival),
        ).with_duplicates(rng, self.d.duplicate)
        self.land(
            "shop_orders",
            landing,
            f"""
            select
                case when landing.defect = 'missing_key' then null
                    else cast(100000 + landing.order as bigint) end as order_id,
                case
                    when landing.defect = 'orphan_shop_customer' then cast({ORPHAN_ID_BASE} + landing.src_row as bigint)
                    when landing.is_guest then null
                    else cast(7000000 + landing.person as bigint)
                end as shop_customer_id,
                {self.email_sql("orders")} as email,
                {self.writer.timestamp_sql("landing.ordered_day", "landing.defect", "fmt_shop")} as ordered_at,
                fmt_shop(landing.updated_day) as updated_at,
                list_extract(['paid', 'refunded', 'cancelled'], landing.status + 1) as status,
                case when landing.defect = 'unknown_currency' then 'BTC' else landing.currency end as currency,
                case when landing.defect = 'non_positive_amount'
                    then case when landing.src_row % 2 = 0 then 0.0 else -landing.total end
                    else landing.total end as total_amount,
                landing.discount as discount_amount,
                landing._load_day
            from landing
            inner join person_emails as p on landing.person = p.person
        """,
            identifies=np.ones(len(landing.key), bool),
            last_part=blk.last,
        )

        # Items land with the first version of their order.
        cutoff = self.cfg.cutoff_days
        written = landing.load_day < cutoff
        has_id = landing.reason != reason_code("missing_key")
        exists = np.zeros(n_orders, bool)
        exists[landing.key[written & has_id]] = True
        valid = np.zeros(n_orders, bool)
        valid[landing.key[written & (landing.reason == CLEAN)]] = True
        first_load = np.full(n_orders, np.inf)
        np.minimum.at(first_load, landing.key, landing.load_day)
        n_items = len(item_order)
        clean_parent = np.zeros(n_orders, bool)
        clean_parent[np.unique(landing.key)] = True
        dirty = np.unique(landing.key[landing.reason != CLEAN])
        clean_parent[dirty] = False
        irng = self.rng("items-landing", blk.number)
        item_rates = {
            "missing_key": self.d.missing_key,
            "non_positive_amount": self.d.non_positive_amount,
            "orphan_order": self.d.orphan_reference,
            "orphan_product": self.d.orphan_reference,
        }
        injected = label_defects(irng, clean_parent[item_order], item_rates)
        items = Landing(
            {
                "item": first.order_item + np.arange(n_items),
                "order": first.order + item_order,
                "product": item_product,
                "quantity": item_qty,
                "price": item_price,
            },
            key=np.arange(n_items),
            reason=injected,
            load_day=first_load[item_order] + irng.uniform(0.0, 0.0005, n_items),
        ).with_duplicates(irng, self.d.duplicate)
        # What the warehouse should conclude also depends on the parent order
        # as loaded by the cut-off; that never changes the raw rows themselves.
        parent = item_order[items.key]
        expected = np.where((items.reason == CLEAN) & ~exists[parent], reason_code("orphan_order"), items.reason)
        expected = np.where((expected == CLEAN) & ~valid[parent], reason_code("parent_order_quarantined"), expected)
        expected = expected.astype(np.int8)
        self.land(
            "shop_order_items",
            items,
            f"""
            select
                case when landing.defect = 'missing_key' then null
                    else cast(500000 + landing.item as bigint) end as order_item_id,
                case when landing.defect = 'orphan_order'
                    then cast({ORPHAN_ID_BASE} + landing.src_row as bigint)
                    else cast(100000 + landing.order as bigint) end as order_id,
                case when landing.defect = 'orphan_product' then cast(99999 as bigint)
                    else cast(100 + landing.product as bigint) end as product_id,
                case when landing.defect = 'non_positive_amount' then 0 else landing.quantity end as quantity,
                landing.price as unit_price,
                landing._load_day
            from landing
        """,
            expected_reason=expected,
            last_part=blk.last,
        )
        first.order += n_orders
        first.order_item += n_items
        return first_product

    # ------------------------------------- orders, email and web, by block
    def write_activity(self) -> None:
        """Orders and order lines, campaigns, email events and web sessions, one block of people at a time.

        Each block draws from its own random streams; order, order line,
        event, session and anonymous visitor numbers continue from the block
        before. The orders come first: they set when a buyer drops out,
        which their email engagement and browsing follow.
        """
        p = self.people
        self.unsubscribed_at = np.empty(p.n)
        first = FirstIds(anonymous_visitor=p.n)
        for blk in self.blocks():
            orders = simulate_orders(self.cfg, blk.people, self.warp, block_stream(self.cfg.seed, "orders", blk.number))
            first_product = self.write_orders_and_items(blk, orders, first)

            rng = block_stream(self.cfg.seed, "email", blk.number)
            campaigns, events, self.unsubscribed_at[blk.start : blk.stop] = simulate_email(
                self.cfg, blk.people, orders, self.catalog, rng
            )
            if blk.number == 0:
                self.write_campaigns(campaigns)
            self.land_email_events(blk, events, first)

            rng = block_stream(self.cfg.seed, "web", blk.number)
            web = simulate_web(self.cfg, blk.people, orders, self.catalog, first_product, rng)
            self.land_web_events(blk, web, first)

    # ------------------------------------------------ esp campaigns & events
    def write_campaigns(self, campaigns: Campaigns) -> None:
        rng = self.rng("campaigns")
        n_msg = len(campaigns.sent_at)
        # Campaigns are created before they go out, so the row lands ahead of the send.
        created = campaigns.sent_at - rng.uniform(0.2, 3.0, n_msg)
        landing = Landing(
            {
                "message": np.arange(n_msg),
                "group": campaigns.ab_group,
                "variant": campaigns.variant,
                "type": campaigns.campaign_type,
                "sent_day": campaigns.sent_at,
            },
            key=np.arange(n_msg),
            reason=np.zeros(n_msg, np.int8),
            load_day=sync_time(rng, created, 0.0),
        ).with_duplicates(rng, self.d.duplicate)
        subjects = {
            0: "'Up to ' || (10 + 5 * (landing.group % 4)) || '% off ' || list_extract("
            + _sql_list(catalog.PRODUCT_CATEGORIES)
            + ", 1 + landing.group % 8)",
            1: "'This week: new in ' || list_extract("
            + _sql_list(catalog.PRODUCT_CATEGORIES)
            + ", 1 + landing.group % 8)",
            2: "'Welcome - here is 10% off your first order'",
        }
        self.land(
            "esp_campaigns",
            landing,
            f"""
            select
                'cmp_' || lpad(cast(landing.group as varchar), 5, '0')
                    || case when landing.variant > 0 then '_' || chr(96 + landing.variant) else '' end as campaign_id,
                strftime(ts(landing.sent_day), '%Y-%m-%d') || ' '
                    || list_extract({_sql_list(CAMPAIGN_TYPES)}, landing.type + 1)
                    || ' #' || landing.group as campaign_name,
                case landing.type when 0 then {subjects[0]} when 1 then {subjects[1]} else {subjects[2]} end
                    || case landing.variant when 2 then ' - just for you' when 3 then ' (today only)' else '' end
                    as subject,
                case when landing.variant > 0 then chr(64 + landing.variant) end as variant,
                case when landing.variant > 0
                    then 'abt_' || lpad(cast(landing.group as varchar), 5, '0') end as ab_test_id,
                list_extract({_sql_list(CAMPAIGN_TYPES)}, landing.type + 1) as campaign_type,
                fmt_utc(landing.sent_day) as sent_at,
                landing._load_day
            from landing
        """,
        )

        self.writer.register(
            "messages",
            {
                "message": np.arange(n_msg),
                "group": campaigns.ab_group,
                "variant": campaigns.variant,
            },
        )
        self.writer.con.execute("""
            create or replace table message_ids as
            select
                message,
                'cmp_' || lpad(cast("group" as varchar), 5, '0')
                    || case when variant > 0 then '_' || chr(96 + variant) else '' end as campaign_id
            from messages
        """).fetchall()

    def land_email_events(self, blk: Block, events: EmailEvents, first: FirstIds) -> None:
        """Stage the email events of one block of people."""
        p = self.people
        erng = self.rng("email-events", blk.number)
        n = len(events.person)
        person = blk.start + events.person
        base = test_account_codes(p.is_test[person])
        rates = {
            "missing_key": self.d.missing_key,
            **timestamp_defects(self.d),
            "unknown_event_type": self.d.unknown_event_type,
            "orphan_campaign": self.d.orphan_reference,
        }
        reason = label_defects(erng, base == CLEAN, rates, base)
        occurred = events.occurred_at
        landing = Landing(
            {
                "event": first.email_event + np.arange(n),
                "person": person,
                "message": events.message,
                "type": events.event_type,
                "occurred_day": occurred,
                "product": events.product,
            },
            key=np.arange(n),
            reason=reason,
            load_day=sync_time(erng, occurred, self.d.late_arrival),
        ).with_duplicates(erng, self.d.duplicate)
        self.land(
            "esp_email_events",
            landing,
            f"""
            select
                case when landing.defect = 'missing_key' then null
                    else 'evt_' || lpad(cast(landing.event as varchar), 10, '0') end as event_id,
                case when landing.defect = 'orphan_campaign' then 'cmp_deleted_' || (landing.src_row % 97)
                    else m.campaign_id end as campaign_id,
                p.email,
                case when landing.defect = 'unknown_event_type' then 'forwarded'
                    else list_extract({_sql_list(EVENT_TYPES)}, landing.type + 1) end as event_type,
                {self.writer.timestamp_sql("landing.occurred_day", "landing.defect", "fmt_utc")} as occurred_at,
                case when landing.type = 3
                    then 'https://shop.example.org/products/' || (100 + landing.product) end as url,
                landing._load_day
            from landing
            inner join message_ids as m on landing.message = m.message
            inner join person_emails as p on landing.person = p.person
        """,
            identifies=np.ones(len(landing.key), bool),
            last_part=blk.last,
        )
        first.email_event += n

    # ----------------------------------------------------------- web_events
    def land_web_events(self, blk: Block, web: WebEvents, first: FirstIds) -> None:
        """Stage the web events of one block of people and of its anonymous-only visitors."""
        p = self.people
        rng = self.rng("web-events", blk.number)
        n = len(web.visitor)
        # people keep their number; anonymous-only visitors follow everyone, numbered across blocks
        known = web.visitor < blk.people.n
        visitor = np.where(known, blk.start + web.visitor, first.anonymous_visitor + web.visitor - blk.people.n)
        logged = web.logged_in & known
        person = np.where(known, visitor, 0)
        base = test_account_codes(logged & p.is_test[person])
        rates = {"missing_key": self.d.missing_key, **timestamp_defects(self.d)}
        reason = label_defects(rng, base == CLEAN, rates, base)
        landing = Landing(
            {
                "event": first.web_event + np.arange(n),
                "visitor": visitor,
                "person": person,
                "device": web.device,
                "session": first.session + web.session,
                "logged_in": logged,
                "type": web.event_type,
                "occurred_day": web.occurred_at,
                "product": web.product,
                "term": web.search_term,
            },
            key=np.arange(n),
            reason=reason,
            load_day=sync_time(rng, web.occurred_at, self.d.late_arrival),
        ).with_duplicates(rng, self.d.duplicate)
        device_names = [name for name, _ in catalog.DEVICE_TYPES]
        self.land(
            "web_events",
            landing,
            f"""
            select
                case when landing.defect = 'missing_key' then null
                    else 'web_' || lpad(cast(landing.event as varchar), 10, '0') end as event_id,
                'ses_' || lpad(cast(landing.session as varchar), 9, '0') as session_id,
                'anon_' || substr(md5(landing.visitor || '-' || landing.device), 1, 16) as anonymous_id,
                case when landing.logged_in then {self.noise_sql("p.email", "web")} end as email,
                list_extract({_sql_list(WEB_EVENT_TYPES)}, landing.type + 1) as event_type,
                case when landing.type in (1, 2) then cast(100 + landing.product as bigint) end as product_id,
                case landing.type
                    when 0 then '/collections/'
                        || list_extract({_sql_list(catalog.PRODUCT_CATEGORIES)}, 1 + landing.product % 8)
                    when 1 then '/products/' || (100 + landing.product)
                    when 2 then '/cart'
                    when 3 then '/search'
                    else '/checkout'
                end as page_url,
                case when landing.type = 3
                    then list_extract({_sql_list(catalog.SEARCH_TERMS)}, landing.term + 1) end as search_query,
                list_extract({_sql_list(device_names)}, 1 + (landing.visitor + landing.device) % {len(device_names)})
                    as device_type,
                {self.writer.timestamp_sql("landing.occurred_day", "landing.defect", "fmt_utc_ms")} as occurred_at,
                landing._load_day
            from landing
            left join person_emails as p on landing.person = p.person
        """,
            identifies=landing.columns["logged_in"],
            last_part=blk.last,
        )
        first.web_event += n
        first.session += web.sessions
        first.anonymous_visitor += web.anonymous_visitors

    # ------------------------------------------------------- consent_events
    def write_consent_events(self) -> None:
        rng = self.rng("consent")
        p = self.people
        subscribers = np.flatnonzero(np.isfinite(p.subscribed_at))
        leavers = np.flatnonzero(np.isfinite(self.unsubscribed_at))
        sms = np.flatnonzero(rng.random(p.n) < 0.15)
        person = np.concatenate([subscribers, leavers, sms])
        kind = np.concatenate([np.zeros(len(subscribers)), np.ones(len(leavers)), np.full(len(sms), 2)]).astype(np.int8)
        occurred = np.concatenate(
            [
                p.subscribed_at[subscribers],
                self.unsubscribed_at[leavers],
                p.acquired_at[sms] + 0.001,
            ]
        )
        via_link = np.concatenate(
            [
                np.zeros(len(subscribers), bool),
                self.unsubscribed_at[leavers] < p.unsubscribed_at[leavers],
                np.zeros(len(sms), bool),
            ]
        )
        at_checkout = p.is_buyer[person] & p.has_account[person]
        base = test_account_codes(p.is_test[person])
        rates = {
            "invalid_email": self.d.invalid_email,
            "missing_timestamp": self.d.missing_timestamp,
            "unparseable_timestamp": self.d.unparseable_timestamp,
        }
        reason = label_defects(rng, base == CLEAN, rates, base)
        landing = Landing(
            {
                "person": person,
                "kind": kind,
                "occurred_day": occurred,
                "via_link": via_link,
                "at_checkout": at_checkout,
            },
            key=np.arange(len(person)),
            reason=reason,
            load_day=sync_time(rng, occurred, 0.0),
        ).with_duplicates(rng, self.d.duplicate)
        self.land(
            "consent_events",
            landing,
            f"""
            select
                {self.email_sql("consent")} as email,
                case when landing.kind = 2 then 'sms' else 'email' end as channel,
                case when landing.kind = 1 then 'unsubscribed' else 'subscribed' end as status,
                case
                    when landing.kind = 1 and landing.via_link then 'email_unsubscribe_link'
                    when landing.kind = 1 then 'preference_center'
                    when landing.at_checkout then 'checkout'
                    else 'signup_form'
                end as source,
                {self.writer.timestamp_sql("landing.occurred_day", "landing.defect", "fmt_utc")} as occurred_at,
                landing._load_day
            from landing
            inner join person_emails as p on landing.person = p.person
        """,
            identifies=np.ones(len(landing.key), bool),
        )

    # ---------------------------------------------------- deletion_requests
    def write_deletion_requests(self) -> None:
        rng = self.rng("deletion")
        p = self.people
        asks = np.flatnonzero(~p.is_test & (rng.random(p.n) < self.cfg.erasure_share))
        requested = p.acquired_at[asks] + rng.uniform(0.0, 1.0, len(asks)) * (
            self.cfg.horizon_days - p.acquired_at[asks]
        )
        reason = label_defects(rng, np.ones(len(asks), bool), {"invalid_email": 0.02})
        landing = Landing(
            {"person": asks, "requested_day": requested},
            key=asks,
            reason=reason,
            load_day=sync_time(rng, requested, 0.0, 1.0),
        ).with_duplicates(rng, 0.05)
        self.land(
            "deletion_requests",
            landing,
            f"""
            select
                {self.email_sql("erasure")} as email,
                fmt_utc(landing.requested_day) as requested_at,
                landing._load_day
            from landing
            inner join person_emails as p on landing.person = p.person
        """,
        )
        written = (landing.reason == CLEAN) & (landing.load_day < self.cfg.cutoff_days)
        self.erased = np.zeros(p.n, bool)
        self.erased[landing.columns["person"][written]] = True

    # ------------------------------------------------------------- manifest
    def manifest(self) -> dict:
        cfg = self.cfg
        return {
            "config": json.loads(json.dumps(asdict(cfg), default=str)),
            "rows": self.rows,
            "quarantine": self.expected,
            "customers": int((self.seen & ~self.erased).sum()),
            "erased_customers": int((self.seen & self.erased).sum()),
            "ab_test_true_effect": {
                "variant_b_open_lift": cfg.variant_b_open_lift,
                "variant_b_click_lift": cfg.variant_b_click_lift,
                "variant_c_lift": 1.0,
            },
        }


def generate(cfg: GeneratorConfig, out_dir: Path) -> dict:
    """Simulate and write every raw table to ``out_dir``; returns the manifest (also written there)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(cfg, out_dir)
    gen.write_people()
    gen.write_crm_contacts()
    gen.write_shop_customers()
    gen.write_products()
    gen.write_activity()
    gen.write_consent_events()
    gen.write_deletion_requests()
    gen.writer.close()
    manifest = gen.manifest()
    (out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def config_with(base: GeneratorConfig | None = None, **overrides: object) -> GeneratorConfig:
    """A config with some fields replaced; dates may be given as ISO strings."""
    cfg = base or GeneratorConfig()
    for name in ("start_date", "end_date", "horizon_end"):
        value = overrides.get(name)
        if isinstance(value, str):
            overrides[name] = date.fromisoformat(value)
    fields = {k: v for k, v in overrides.items() if v is not None}
    new = replace(cfg, **fields)
    if not new.start_date < new.end_date <= new.horizon_end:
        raise ValueError("dates must satisfy start_date < end_date <= horizon_end")
    if new.customers < 1:
        raise ValueError("customers must be at least 1")
    if new.people_per_block < 1:
        raise ValueError("people_per_block must be at least 1")
    if not 1 <= new.end_hour <= 24:
        raise ValueError("end_hour must be 1 to 24 (the hours of end_date the extract holds)")
    return new
