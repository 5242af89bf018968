"""The UCI Online Retail log as raw tables, and the real-basket check of the recommendations.

The log (reference/uci_online_retail, CC BY 4.0) holds every invoice line
of a UK online gift shop from December 2010 to December 2011. Each invoice
of a known customer becomes a paid order and its lines order lines;
cancellations (invoices starting with C) and lines without a customer are
left out, as a shop's export of settled orders would. Stock codes become
products; the codes that are not merchandise (postage, fees, manual
adjustments) get the categories of the seed non_merchandise_categories, and
a product's list price is its median unit price, so the "unknown" items
sold at zero stay at zero.

``recommendation_check`` then scores the warehouse built as of 2011-09-09
(``make retail``): for the customers known at that date who bought a
product new to them in the 90 days after it, how often one of their three
recommendations was such a product (hit@3), against the global and the
per-country best sellers of the 90 days before.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from audience.raw_contract import write_raw_tables

SOURCE = Path(__file__).resolve().parents[2] / "reference" / "uci_online_retail" / "online_retail.parquet"
AS_OF = "2011-09-09"
HORIZON_DAYS = 90
# Stock codes that are not merchandise, by the seed category they get (see the dataset's README)
NON_MERCHANDISE = {
    "postage": ("POST", "DOT", "C2"),
    "fees": ("BANK CHARGES", "AMAZONFEE", "CRUK"),
    "adjustments": ("M", "D", "B"),
    "samples": ("S",),
}


def _category_sql() -> str:
    cases = " ".join(
        f"when stock_code in ({', '.join(repr(c) for c in codes)}) then '{category}'"
        for category, codes in NON_MERCHANDISE.items()
    )
    return f"case {cases} else 'gifts' end"


def load_online_retail(out_dir: Path, source: Path = SOURCE) -> dict[str, int]:
    """Write the raw tables for the log to ``out_dir``; returns row counts per table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"""
        create table lines as
        select
            InvoiceNo as invoice,
            upper(StockCode) as stock_code,
            Description as description,
            Quantity as quantity,
            InvoiceDate as invoiced_at,
            UnitPrice as unit_price,
            CustomerID as customer,
            Country as country,
            row_number() over (order by InvoiceNo, StockCode, InvoiceDate, Quantity, UnitPrice) as line_id
        from read_parquet('{source}')
        where CustomerID is not null and not starts_with(InvoiceNo, 'C') and Quantity > 0
        """
    ).fetchall()
    con.execute(
        f"""
        create table stock as
        select
            stock_code,
            dense_rank() over (order by stock_code) as product_id,
            min(description) as description,
            {_category_sql()} as category,
            coalesce(median(unit_price), 0) as price
        from lines
        group by stock_code
        """
    ).fetchall()
    email = "'customer.' || cast(customer as varchar) || '@online-retail.example.org'"
    loaded = "invoiced_at + interval 1 day"
    tables = {
        "shop_customers": f"""
            select
                customer as shop_customer_id,
                {email} as email,
                null as first_name,
                null as last_name,
                true as accepts_marketing,
                strftime(min(invoiced_at), '%Y-%m-%dT%H:%M:%SZ') as created_at,
                strftime(min(invoiced_at), '%Y-%m-%dT%H:%M:%SZ') as updated_at,
                min({loaded}) as _loaded_at
            from lines
            group by customer
        """,
        "shop_orders": f"""
            select
                cast(regexp_replace(invoice, '[^0-9]', '', 'g') as bigint) as order_id,
                customer as shop_customer_id,
                {email} as email,
                strftime(invoiced_at, '%Y-%m-%dT%H:%M:%SZ') as ordered_at,
                strftime(invoiced_at, '%Y-%m-%dT%H:%M:%SZ') as updated_at,
                'paid' as status,
                'GBP' as currency,
                sum(quantity * unit_price) as total_amount,
                0.0 as discount_amount,
                {loaded} as _loaded_at
            from lines
            group by invoice, customer, invoiced_at
        """,
        "shop_order_items": f"""
            select
                lines.line_id as order_item_id,
                cast(regexp_replace(lines.invoice, '[^0-9]', '', 'g') as bigint) as order_id,
                stock.product_id,
                lines.quantity,
                lines.unit_price,
                lines.{loaded} as _loaded_at
            from lines
            inner join stock on lines.stock_code = stock.stock_code
        """,
        "products": """
            select
                product_id,
                coalesce(description, stock_code) as product_name,
                category,
                price,
                '2010-12-01T00:00:00Z' as updated_at,
                timestamp '2010-12-01 00:00:00' as _loaded_at
            from stock
        """,
    }
    counts = write_raw_tables(con, tables, out_dir)
    con.close()
    return counts


def recommendation_check(warehouse: Path, source: Path = SOURCE) -> pd.DataFrame:
    """hit@3 of the warehouse's recommendations and of two best-seller baselines, on the 90 days after AS_OF."""
    con = duckdb.connect(str(warehouse), read_only=True)
    result = con.execute(
        f"""
        with lines as (
            select
                cast(CustomerID as bigint) as customer,
                upper(StockCode) as stock_code,
                InvoiceDate as invoiced_at,
                Country as country
            from read_parquet('{source}')
            where CustomerID is not null and not starts_with(InvoiceNo, 'C') and Quantity > 0
        ),
        products as (
            select product_id, product_name from marts.products
        ),
        stock as (
            select distinct stock_code, dense_rank() over (order by stock_code) as product_id
            from (select distinct stock_code from lines)
        ),
        purchases as (
            select lines.customer, stock.product_id, lines.invoiced_at, lines.country
            from lines inner join stock on lines.stock_code = stock.stock_code
        ),
        before as (
            select distinct customer, product_id from purchases where invoiced_at < date '{AS_OF}' + interval 1 day
        ),
        known as (
            select customer, arg_max(country, invoiced_at) as country
            from purchases where invoiced_at < date '{AS_OF}' + interval 1 day
            group by customer
        ),
        new_later as (
            select distinct purchases.customer, purchases.product_id
            from purchases
            inner join known on purchases.customer = known.customer
            where purchases.invoiced_at >= date '{AS_OF}' + interval 1 day
                and purchases.invoiced_at < date '{AS_OF}' + interval ({1 + HORIZON_DAYS}) day
                and not exists (
                    select 1 from before
                    where before.customer = purchases.customer and before.product_id = purchases.product_id
                )
        ),
        evaluated as (
            select distinct new_later.customer, known.country
            from new_later inner join known on new_later.customer = known.customer
        ),
        recommendable as (
            select product_id from intermediate.int_recommendable_products
        ),
        recent as (
            select purchases.*
            from purchases
            inner join recommendable on purchases.product_id = recommendable.product_id
            where invoiced_at >= date '{AS_OF}' + interval ({1 - HORIZON_DAYS}) day
                and invoiced_at < date '{AS_OF}' + interval 1 day
        ),
        global_sellers as (
            select product_id, count(distinct customer) as buyers from recent group by product_id
        ),
        country_sellers as (
            select country, product_id, count(distinct customer) as buyers from recent group by country, product_id
        ),
        global_picks as (
            select evaluated.customer, global_sellers.product_id,
                row_number() over (
                    partition by evaluated.customer order by global_sellers.buyers desc, global_sellers.product_id
                ) as pick
            from evaluated cross join global_sellers
            where not exists (
                select 1 from before
                where before.customer = evaluated.customer and before.product_id = global_sellers.product_id
            )
        ),
        country_picks as (
            select evaluated.customer, country_sellers.product_id,
                row_number() over (
                    partition by evaluated.customer order by country_sellers.buyers desc, country_sellers.product_id
                ) as pick
            from evaluated
            inner join country_sellers on evaluated.country = country_sellers.country
            where not exists (
                select 1 from before
                where before.customer = evaluated.customer and before.product_id = country_sellers.product_id
            )
        ),
        warehouse_picks as (
            select customers.shop_customer_id as customer, recs.product_id, recs.recommendation_rank as pick
            from marts.customer_product_recommendations as recs
            inner join marts.customers as customers on recs.customer_id = customers.customer_id
        ),
        picks as (
            select 'item-to-item recommendations' as recommender, customer, product_id, pick from warehouse_picks
            union all
            select 'global best sellers', customer, product_id, pick from global_picks
            union all
            select 'best sellers of the customer''s country', customer, product_id, pick from country_picks
        ),
        hits as (
            select picks.recommender, picks.customer
            from picks
            inner join new_later on picks.customer = new_later.customer and picks.product_id = new_later.product_id
            where picks.pick <= 3
            group by picks.recommender, picks.customer
        )
        select
            recommenders.recommender,
            (select count(*) from evaluated) as customers,
            count(hits.customer) as customers_with_a_hit,
            count(hits.customer) / (select count(*) from evaluated) as hit_at_3
        from (select distinct recommender from picks) as recommenders
        left join hits on recommenders.recommender = hits.recommender
        group by recommenders.recommender
        order by hit_at_3 desc
        """
    ).df()
    con.close()
    return result
