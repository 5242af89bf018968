"""Each customer's top products: item-to-item scores, best sellers for cold starts (src/audience/recommend.py).

Between refits of the similarities, only the customers whose recommendations can have changed are scored; the
others keep the rows this model stored in the build before (recommend_for_customers).
"""

from audience.frames import stored_table, to_pandas
from audience.recommend import STORED_COLUMNS, recommend_for_customers

# best sellers offered as fallback: enough spares for customers who bought some of them
BEST_SELLER_CANDIDATES = 20


def model(dbt, session):
    dbt.config(materialized="table")
    return recommend_for_customers(
        customers=to_pandas(dbt.ref("customers"), ["customer_id", "customer_key"]),
        product_ids=to_pandas(dbt.ref("int_recommendable_products"), ["product_id"]).product_id.to_numpy(),
        interactions=to_pandas(
            dbt.ref("int_customer_product_interactions"),
            ["customer_key", "product_id", "interaction_strength", "has_purchased"],
        ),
        similarities=to_pandas(
            dbt.ref("int_product_similarities"),
            ["product_id", "similar_product_id", "cosine_similarity", "co_customers", "similarity", "similarity_rank"],
        ),
        best_sellers=to_pandas(
            dbt.ref("int_product_popularity"),
            ["product_id", "recent_buyer_count"],
            where=f"popularity_rank <= {BEST_SELLER_CANDIDATES}",
            order_by=["popularity_rank"],
        ),
        per_customer=int(dbt.config.get("recommended_products_per_customer")),
        stored=stored_table(session, dbt.this, STORED_COLUMNS),
    )
