"""Each product's nearest products by cosine similarity of their customer interaction vectors."""

import numpy as np
import pandas as pd

from audience.recommend import interaction_matrix, product_neighbours


def model(dbt, session):
    dbt.config(materialized="table")
    neighbours = int(dbt.config.get("recommendation_neighbours"))
    interactions = dbt.ref("int_customer_product_interactions").project(
        "customer_key, product_id, interaction_strength"
    ).fetchnumpy()
    customer_keys, customer = np.unique(interactions["customer_key"], return_inverse=True)
    product_ids, product = np.unique(interactions["product_id"], return_inverse=True)
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
