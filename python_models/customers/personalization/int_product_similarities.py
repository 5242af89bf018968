"""Each product's nearest products by cosine similarity of their customer interaction vectors."""

import pandas as pd

from audience.recommend import interaction_matrix, product_neighbours


def model(dbt, session):
    dbt.config(materialized="table")
    neighbours = int(dbt.config.get("recommendation_neighbours"))
    interactions = (
        dbt.ref("int_customer_product_interactions")
        .project("customer_key, product_id, interaction_strength")
        .fetchnumpy()
    )
    # any numbering of the rows will do for X^T X; products are numbered in id order
    customer, customer_keys = pd.factorize(interactions["customer_key"])
    product, product_ids = pd.factorize(interactions["product_id"], sort=True)
    matrix = interaction_matrix(
        customer, product, interactions["interaction_strength"].astype(float), len(customer_keys), len(product_ids)
    )
    nearest = product_neighbours(matrix, neighbours)
    return pd.DataFrame(
        {
            "product_id": product_ids[nearest.product],
            "similar_product_id": product_ids[nearest.similar],
            "cosine_similarity": nearest.cosine,
            "similarity_rank": nearest.rank,
        }
    )
