"""Top products to recommend to each customer: item-to-item scores, best sellers for cold starts."""

import numpy as np
import pyarrow as pa

from audience.recommend import Neighbours, interaction_matrix, recommend

PER_CUSTOMER = 3
# best sellers offered as fallback: enough spares for customers who bought some of them
POPULAR_CANDIDATES = 20


def model(dbt, session):
    dbt.config(materialized="table")
    # Customers and products numbered 0..n-1, in DuckDB: the rows and columns of the matrices.
    customers = session.from_arrow(
        dbt.ref("customers")
        .project("customer_id, customer_key, row_number() over (order by customer_key) - 1 as customer_index")
        .to_arrow_table()
    )
    catalog = dbt.ref("products")
    products = session.from_arrow(
        catalog.project("product_id, row_number() over (order by product_id) - 1 as product_index").to_arrow_table()
    )
    n_customers, n_products = len(customers), len(products)
    product_ids = products.order("product_index").project("product_id").fetchnumpy()["product_id"]

    interactions = (
        dbt.ref("int_customer_product_interactions")
        .join(customers, "customer_key")
        .join(products, "product_id")
        .project("customer_index, product_index, interaction_strength, has_purchased")
        .fetchnumpy()
    )
    customer, product = interactions["customer_index"], interactions["product_index"]
    strength = interaction_matrix(customer, product, interactions["interaction_strength"], n_customers, n_products)
    bought = interactions["has_purchased"].astype(bool)
    purchased = interaction_matrix(customer[bought], product[bought], np.ones(bought.sum()), n_customers, n_products)

    similar_products = products.project("product_id as similar_product_id, product_index as similar_index")
    similar = (
        dbt.ref("int_product_similarities")
        .join(products, "product_id")
        .join(similar_products, "similar_product_id")
        .project("product_index, similar_index, cosine_similarity, similarity_rank")
        .fetchnumpy()
    )
    neighbours = Neighbours(
        similar["product_index"], similar["similar_index"], similar["cosine_similarity"], similar["similarity_rank"]
    )
    popular = (
        dbt.ref("int_product_popularity")
        .filter(f"popularity_rank <= {POPULAR_CANDIDATES}")
        .join(products, "product_id")
        .order("popularity_rank")
        .project("product_index, recent_buyer_count")
        .fetchnumpy()
    )
    recs = recommend(
        strength,
        purchased,
        neighbours,
        popular["product_index"],
        popular["recent_buyer_count"].astype(float),
        per_customer=PER_CUSTOMER,
    )
    scored = session.from_arrow(
        pa.table(
            {
                "customer_index": recs.customer,
                "product_id": product_ids[recs.product],
                "recommendation_rank": recs.rank,
                "recommendation_source": recs.source,
                "recommendation_score": recs.score,
            }
        )
    )
    as_of_date = dbt.ref("int_as_of_date").project("as_of_date").fetchall()[0][0]
    return scored.join(customers, "customer_index").project(
        "md5(customer_id || '|' || cast(recommendation_rank as varchar)) as customer_product_recommendation_id, "
        "customer_id, customer_key, product_id, recommendation_rank, recommendation_source, recommendation_score, "
        f"date '{as_of_date}' as as_of_date"
    )
