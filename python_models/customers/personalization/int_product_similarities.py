"""Each product's nearest products: cosine of their customer interaction vectors, shrunk for rare pairs.

Kept between refits: while its stored rows carry the product_similarities family's current fit (int_model_fits),
it returns them as they are, and recommendations are scored from them (doc block `model_fits`).
"""

from audience.frames import kept_or_refitted, to_pandas
from audience.recommend import product_similarity_table


def model(dbt, session):
    dbt.config(materialized="table")

    def fit():
        interactions = to_pandas(
            dbt.ref("int_customer_product_interactions"), ["customer_key", "product_id", "interaction_strength"]
        )
        return product_similarity_table(
            interactions,
            int(dbt.config.get("recommendation_neighbours")),
            min_co_customers=int(dbt.config.get("recommendation_min_co_customers")),
            shrinkage=float(dbt.config.get("recommendation_similarity_shrinkage")),
        )

    return kept_or_refitted(dbt.ref("int_model_fits"), "product_similarities", session, dbt.this, fit)
