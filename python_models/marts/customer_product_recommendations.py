"""Top products to recommend to each customer: item-to-item scores, best sellers for cold starts."""

import numpy as np
import pyarrow as pa
from scipy import sparse

from audience.recommend import Neighbours, interaction_matrix, recommend

PER_CUSTOMER = 3
# best sellers offered as fallback: enough spares for customers who bought some of them
POPULAR_CANDIDATES = 20


def model(dbt, session):
    dbt.config(materialized="table")
    # customers numbered 0..n-1 by key: the rows of the interaction matrix
    customers = dbt.ref("customers").project("customer_id, customer_key").to_arrow_table()
    customer_keys = np.sort(customers.column("customer_key").to_numpy())
    n_customers = len(customer_keys)
    catalog = dbt.ref("products")
    products = np.sort(catalog.project("product_id").fetchnumpy()["product_id"])

    interactions = (
        dbt.ref("int_customer_product_interactions")
        .project("customer_key, product_id, interaction_strength, has_purchased")
        .fetchnumpy()
    )
    known = np.isin(interactions["customer_key"], customer_keys)
    interactions = {name: values[known] for name, values in interactions.items()}
    customer = np.searchsorted(customer_keys, interactions["customer_key"])
    product = np.searchsorted(products, interactions["product_id"])
    strength = interaction_matrix(customer, product, interactions["interaction_strength"], n_customers, len(products))
    bought = interactions["has_purchased"].astype(bool)
    purchased = interaction_matrix(customer[bought], product[bought], np.ones(bought.sum()), n_customers, len(products))

    similar = dbt.ref("int_product_similarities").fetchnumpy()
    neighbours = Neighbours(
        np.searchsorted(products, similar["product_id"]),
        np.searchsorted(products, similar["similar_product_id"]),
        similar["cosine_similarity"].astype(float),
        similar["similarity_rank"],
    )
    popularity = (
        dbt.ref("int_product_popularity")
        .filter(f"popularity_rank <= {POPULAR_CANDIDATES}")
        .order("popularity_rank")
        .fetchnumpy()
    )
    recs = recommend(
        strength,
        sparse.csr_matrix(purchased),
        neighbours,
        np.searchsorted(products, popularity["product_id"]),
        popularity["recent_buyer_count"].astype(float),
        per_customer=PER_CUSTOMER,
    )
    scored = session.from_arrow(
        pa.table(
            {
                "customer_key": customer_keys[recs.customer],
                "product_id": products[recs.product],
                "recommendation_rank": recs.rank,
                "recommendation_source": recs.source,
                "recommendation_score": recs.score,
            }
        )
    )
    as_of_date = dbt.ref("int_as_of_date").project("as_of_date").fetchall()[0][0]
    return scored.join(session.from_arrow(customers), "customer_key").project(
        "md5(customer_id || '|' || cast(recommendation_rank as varchar)) as customer_product_recommendation_id, "
        "customer_id, customer_key, product_id, recommendation_rank, recommendation_source, recommendation_score, "
        f"date '{as_of_date}' as as_of_date"
    )
