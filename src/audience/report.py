"""The audience report: one static HTML page a marketer opens, from the published marts.

``write_report(warehouse, path)`` reads the warehouse (read-only) and writes a
self-contained page: every chart is an Altair (Vega-Lite) chart rendered to
SVG by vl-convert and inlined, so the page needs no network and no script.
Publishing writes it into each build's exports (``audience_report.html``);
``python -m audience report`` writes it on its own.

Sections: segment sizes and their change since the last build, flows between
lifecycle stages, the RFM grid, cluster profiles, CLV tiers and the BG/NBD fit
check, A/B tests with their confidence intervals and verdicts, and data
quality per source.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import vl_convert

REPORT_FILE = "audience_report.html"
WIDTH = 560


@dataclass(frozen=True)
class Section:
    """One part of the report: a title, what to read in it, a chart, and the figures behind it."""

    key: str
    title: str
    reading: str
    chart: alt.TopLevelMixin
    figures: pd.DataFrame


def svg(chart: alt.TopLevelMixin) -> str:
    return vl_convert.vegalite_to_svg(chart.to_json())


def labelled_heatmap(
    data: pd.DataFrame,
    title: str,
    x: alt.X,
    y: alt.Y,
    value: str,
    scale: alt.Scale,
    size: tuple[int, int],
    label: str | None = None,
) -> alt.LayerChart:
    """A grid of cells coloured by ``value``, labelled with ``label`` (default: the value; blank where missing)."""
    label = label or value
    cells = (
        alt.Chart(data, title=title)
        .mark_rect()
        .encode(x=x, y=y, color=alt.Color(f"{value}:Q", scale=scale), tooltip=list(data.columns))
        .properties(width=size[0], height=size[1])
    )
    labels = (
        cells.mark_text(fontSize=10)
        .encode(text=f"{label}:Q", color=alt.value("black"))
        .transform_filter(f"isValid(datum.{label})")
    )
    return cells + labels


def segment_sizes(con: duckdb.DuckDBPyConnection) -> Section:
    sizes = con.execute(
        """
        select
            segment_type || ': ' || segment_name as segment,
            segment_type, segment_key, contact_count, entered_count, exited_count
        from activation.segment_sizes
        where segment_type <> 'trigger'
        order by segment_type, contact_count desc
        """
    ).df()
    change = sizes.melt(
        id_vars=["segment_type", "segment"], value_vars=["entered_count", "exited_count"], var_name="change"
    )
    change["value"] = change.apply(lambda r: -r.value if r.change == "exited_count" else r.value, axis=1)
    change["change"] = change.change.map({"entered_count": "entered", "exited_count": "left"})
    size_bars = (
        alt.Chart(sizes, title="Contacts per segment")
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort="-x", title=None),
            x=alt.X("contact_count:Q", title="contacts"),
            color=alt.Color("segment_type:N", title="segment type"),
            tooltip=["segment", "contact_count"],
        )
        .properties(width=WIDTH // 2)
    )
    change_bars = (
        alt.Chart(change, title="Since the last build")
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=alt.EncodingSortField("value", op="sum", order="descending"), title=None),
            x=alt.X("sum(value):Q", title="contacts entered (+) and left (-)"),
            color=alt.Color("change:N", scale=alt.Scale(domain=["entered", "left"], range=["#2e7d32", "#c62828"])),
        )
        .properties(width=WIDTH // 2)
    )
    return Section(
        "segment_sizes",
        "Segment sizes",
        "Contactable people in each segment of the RFM, lifecycle, engagement, cluster and LTV lists, and how many "
        "entered or left each list with this build (the first build: everyone entered).",
        alt.hconcat(size_bars, change_bars).resolve_scale(color="independent"),
        sizes,
    )


def lifecycle_flows(con: duckdb.DuckDBPyConnection) -> Section:
    flows = con.execute(
        """
        select coalesce(from_value, '(new)') as from_stage, coalesce(to_value, '(gone)') as to_stage, count(*) as people
        from marts.customer_stage_transitions
        where dimension = 'lifecycle_stage'
            and changed_on = (select max(changed_on) from marts.customer_stage_transitions)
        group by all
        order by all
        """
    ).df()
    chart = labelled_heatmap(
        flows,
        "Lifecycle moves with this build",
        alt.X("to_stage:N", title="to"),
        alt.Y("from_stage:N", title="from"),
        "people",
        alt.Scale(scheme="blues"),
        (WIDTH * 2 // 3, 220),
    )
    return Section(
        "lifecycle_flows",
        "Flows between lifecycle stages",
        "People who changed lifecycle stage in the latest build, from the stage they had to the one they have "
        "(doc block lifecycle_stages). '(new)': people who had no stage before.",
        chart,
        flows,
    )


def rfm_grid(con: duckdb.DuckDBPyConnection) -> Section:
    grid = con.execute(
        """
        select recency_score, frequency_score, count(*) as buyers, avg(monetary) as average_monetary
        from marts.customer_rfm
        where is_buyer
        group by all
        order by all
        """
    ).df()
    grid["average_monetary"] = grid.average_monetary.astype(float).round(2)
    chart = labelled_heatmap(
        grid,
        "Buyers by recency and frequency score",
        alt.X("recency_score:O", title="recency score (5 = most recent)"),
        alt.Y("frequency_score:O", sort="descending", title="frequency score (5 = most frequent)"),
        "buyers",
        alt.Scale(scheme="greens"),
        (300, 300),
    )
    return Section(
        "rfm_grid",
        "The RFM grid",
        "Buyers in each recency x frequency cell (quintile scores, doc block rfm_scoring); the named segments are "
        "groups of these cells (seed rfm_segment_map).",
        chart,
        grid,
    )


def cluster_profiles(con: duckdb.DuckDBPyConnection) -> Section:
    centroids = con.execute(
        "select * exclude (cluster_diagnostic_id, diagnostic_type, k, silhouette, inertia, is_chosen_k) "
        "from marts.cluster_diagnostics where diagnostic_type = 'cluster' order by cluster_id"
    ).df()
    features = [c for c in centroids.columns if c.startswith("centroid_")]
    long = centroids.melt(id_vars=["cluster_label", "cluster_size"], value_vars=features, var_name="feature")
    long["feature"] = long.feature.str.removeprefix("centroid_")
    # each feature against its spread across the clusters: which cluster is high or low on it
    spread = long.groupby("feature")["value"].agg(["mean", "std"])
    long = long.join(spread, on="feature")
    long["relative"] = ((long.value - long["mean"]) / long["std"].where(long["std"] > 0)).fillna(0).round(2)
    long["value"] = long.value.round(2)
    chart = labelled_heatmap(
        long[["cluster_label", "cluster_size", "feature", "value", "relative"]],
        "Cluster profiles (feature means, relative to the other clusters)",
        alt.X("feature:N", title=None),
        alt.Y("cluster_label:N", title=None),
        "relative",
        alt.Scale(scheme="redblue", domainMid=0, reverse=True),
        (WIDTH, 40 * max(len(centroids), 1)),
        label="value",
    )
    return Section(
        "cluster_profiles",
        "Cluster profiles",
        "Each behavioural cluster's mean of every clustering feature (the numbers), coloured by how far it sits "
        "above (red) or below (blue) the other clusters (doc block cluster_method).",
        chart,
        centroids[["cluster_label", "cluster_size", *features]],
    )


def clv(con: duckdb.DuckDBPyConnection) -> Section:
    tiers = con.execute(
        """
        select ltv_tier, count(*) as customers, coalesce(sum(predicted_clv), 0) as predicted_clv
        from marts.customer_ltv
        group by all
        order by predicted_clv desc
        """
    ).df()
    fit = con.execute(
        "select repeat_purchases, repeat_purchases_label, buyers_observed, buyers_expected "
        "from marts.clv_repeat_purchase_fit order by repeat_purchases"
    ).df()
    tier_bars = (
        alt.Chart(tiers, title="Predicted CLV by tier")
        .mark_bar()
        .encode(
            x=alt.X("ltv_tier:N", sort=["high", "medium", "low", "prospect"], title=None),
            y=alt.Y("predicted_clv:Q", title="predicted CLV (reporting currency)"),
            tooltip=["ltv_tier", "customers", "predicted_clv"],
        )
        .properties(width=WIDTH // 3)
    )
    long = fit.melt(
        id_vars=["repeat_purchases", "repeat_purchases_label"],
        value_vars=["buyers_observed", "buyers_expected"],
        var_name="series",
    )
    long["series"] = long.series.map({"buyers_observed": "observed", "buyers_expected": "BG/NBD expects"})
    fit_bars = (
        alt.Chart(long, title="BG/NBD fit: buyers by repeat purchases")
        .mark_bar()
        .encode(
            x=alt.X("repeat_purchases_label:N", sort=fit.repeat_purchases_label.tolist(), title="repeat purchases"),
            xOffset="series:N",
            y=alt.Y("value:Q", title="buyers"),
            color=alt.Color("series:N", title=None),
            tooltip=["repeat_purchases_label", "series", "value"],
        )
        .properties(width=WIDTH // 2)
    )
    return Section(
        "clv",
        "Lifetime value",
        "Predicted lifetime value per LTV tier, and how well the purchase model fits: buyers by number of repeat "
        "purchases, observed and as the fitted BG/NBD expects (doc block clv_method).",
        alt.hconcat(tier_bars, fit_bars).resolve_scale(color="independent"),
        tiers,
    )


def ab_tests(con: duckdb.DuckDBPyConnection) -> Section:
    results = con.execute(
        """
        select ab_test_id, metric, variant, rate, control_rate, absolute_lift, ci_lower, ci_upper, p_value, verdict
        from marts.ab_test_results
        where not is_control_variant
        order by ab_test_id, metric, variant
        """
    ).df()
    results["test"] = results.ab_test_id + " " + results.variant + " " + results.metric
    base = alt.Chart(results, title="A/B tests: lift over the control, with its 95% interval").encode(
        y=alt.Y("test:N", title=None)
    )
    intervals = base.mark_rule().encode(x=alt.X("ci_lower:Q", title="absolute lift"), x2="ci_upper:Q")
    points = base.mark_point(filled=True, size=50).encode(
        x="absolute_lift:Q",
        color=alt.Color("verdict:N", title="verdict"),
        tooltip=["test", "rate", "control_rate", "absolute_lift", "ci_lower", "ci_upper", "p_value", "verdict"],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(x="x:Q")
    return Section(
        "ab_tests",
        "Campaigns and A/B tests",
        "Each variant's lift in open, click or conversion rate over its control, with the 95% confidence interval "
        "and the verdict (doc block ab_test_reading): an interval that crosses zero is no evidence either way.",
        (intervals + points + zero).properties(width=WIDTH, height=14 * max(len(results), 1)),
        results.drop(columns="test"),
    )


def data_quality(con: duckdb.DuckDBPyConnection) -> Section:
    quarantined = con.execute(
        """
        select source_name || '.' || source_table as source, quarantine_reason, count(*) as rows
        from marts.quarantined_records
        group by all
        """
    ).df()
    # the validated tables keep every raw row with its verdict (null: clean): raw = clean + quarantined
    per_source = con.execute(
        " union all ".join(
            f"select '{source}' as source, count(*) as raw_rows, count(quarantine_reason) as quarantined "
            f"from intermediate.{validated}"
            for source, validated in SOURCES
        )
    ).df()
    per_source["clean"] = per_source.raw_rows - per_source.quarantined
    long = per_source.melt(id_vars="source", value_vars=["clean", "quarantined"], var_name="verdict")
    per_source_bars = (
        alt.Chart(long, title="Raw rows per source: clean and quarantined")
        .mark_bar()
        .encode(
            y=alt.Y("source:N", title=None),
            x=alt.X("value:Q", stack="normalize", title="share of the raw rows", axis=alt.Axis(format="%")),
            color=alt.Color(
                "verdict:N", scale=alt.Scale(domain=["clean", "quarantined"], range=["#90a4ae", "#ef6c00"])
            ),
            tooltip=["source", "verdict", "value"],
        )
        .properties(width=WIDTH // 2)
    )
    reasons = quarantined.groupby("quarantine_reason", as_index=False)["rows"].sum().nlargest(10, "rows")
    reason_bars = (
        alt.Chart(reasons, title="Top quarantine reasons")
        .mark_bar(color="#ef6c00")
        .encode(
            y=alt.Y("quarantine_reason:N", sort="-x", title=None),
            x=alt.X("rows:Q", title="rows"),
            tooltip=["quarantine_reason", "rows"],
        )
        .properties(width=WIDTH // 3)
    )
    return Section(
        "data_quality",
        "Data quality",
        "Every raw row is either clean or quarantined with a reason (doc block quarantine_rules; the rows are in "
        "marts.quarantined_records). Duplicates are re-deliveries of a row already kept.",
        alt.hconcat(per_source_bars, reason_bars).resolve_scale(color="independent"),
        per_source[["source", "raw_rows", "clean", "quarantined"]],
    )


# each raw table (source.table) and the validated model holding its rows
SOURCES = [
    ("crm.contacts", "int_contacts_validated"),
    ("shop.customers", "int_shop_customers_validated"),
    ("shop.orders", "int_orders_validated"),
    ("shop.order_items", "int_order_items_validated"),
    ("shop.products", "int_products_validated"),
    ("esp.campaigns", "int_campaigns_validated"),
    ("esp.email_events", "int_email_events_validated"),
    ("web.events", "int_web_events_validated"),
    ("privacy.consent_events", "int_consent_events_validated"),
    ("privacy.deletion_requests", "int_deletion_requests_validated"),
]

SECTIONS = (segment_sizes, lifecycle_flows, rfm_grid, cluster_profiles, clv, ab_tests, data_quality)


def number_text(value: object) -> str:
    """A figure as a reader wants it: thousands separated; below 1,000 four significant digits, above whole units."""
    if pd.isna(value):
        return ""
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def figures_table(frame: pd.DataFrame, rows: int = 40) -> str:
    shown = frame.head(rows).copy()
    for column in shown.select_dtypes("number").columns:
        shown[column] = shown[column].map(number_text)
    return shown.to_html(index=False, border=0, classes="figures", na_rep="")


def render(sections: list[Section], as_of_date: object) -> str:
    parts = []
    for section in sections:
        parts.append(
            f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>'
            f"<p>{html.escape(section.reading)}</p>"
            f'<div class="chart">{svg(section.chart)}</div>'
            f"<details><summary>The figures</summary>{figures_table(section.figures)}</details></section>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Audience report, as of {as_of_date}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
section {{ margin-bottom: 3em; }} p {{ max-width: 60em; }}
table.figures {{ border-collapse: collapse; font-size: 0.85em; margin-top: 0.5em; }}
table.figures td, table.figures th {{ padding: 2px 8px; text-align: right; border-bottom: 1px solid #eee; }}
</style></head>
<body><h1>Audience report, as of {as_of_date}</h1>
<p>What the latest build of the warehouse says about the audience. Built by publishing from the marts; the
tables behind each chart are under "The figures".</p>
{"".join(parts)}
</body></html>
"""


def write_report(warehouse: Path, path: Path) -> list[str]:
    """The report of ``warehouse`` at ``path`` (written beside it and renamed over it); the sections' keys."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of_date = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        sections = [section(con) for section in SECTIONS]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render(sections, as_of_date), encoding="utf-8")
    temporary.replace(path)
    return [section.key for section in sections]
