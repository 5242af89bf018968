"""Each product's nearest products by cosine similarity of their customer interaction vectors."""

import numpy as np
import pandas as pd

from audience.recommend import interaction_matrix, product_neighbours


def model(dbt, session):
    dbt.config(materialized="table")
    neighbours = int(dbt.config.get("recommendation_neighbours"))
    interactions = dbt.ref("int_customer_product_interactions").select(
        "customer_id, product_id, interaction_strength"
    ).df()
    customer, _ = pd.factorize(interactions.customer_id)
    product_ids, product = np.unique(interactions.product_id.to_numpy(), return_inverse=True)
    n_customers = int(customer.max()) + 1 if len(customer) else 0
    matrix = interaction_matrix(
        customer, product, interactions.interaction_strength.to_numpy(float), n_customers, len(product_ids)
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
