"""Each product's nearest products: cosine of their customer interaction vectors, shrunk for rare pairs."""

from audience.frames import to_pandas
from audience.recommend import product_similarity_table


def model(dbt, session):
    dbt.config(materialized="table")
    interactions = to_pandas(
        dbt.ref("int_customer_product_interactions"), ["customer_key", "product_id", "interaction_strength"]
    )
    return product_similarity_table(
        interactions,
        int(dbt.config.get("recommendation_neighbours")),
        min_co_customers=int(dbt.config.get("recommendation_min_co_customers")),
        shrinkage=float(dbt.config.get("recommendation_similarity_shrinkage")),
    )
