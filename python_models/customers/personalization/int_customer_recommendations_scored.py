"""Each customer's top products: item-to-item scores, best sellers for cold starts (src/audience/recommend.py)."""

from audience.recommend import recommend_for_customers

# best sellers offered as fallback: enough spares for customers who bought some of them
BEST_SELLER_CANDIDATES = 20


def model(dbt, session):
    dbt.config(materialized="table")
    best_sellers = dbt.ref("int_product_popularity").filter(f"popularity_rank <= {BEST_SELLER_CANDIDATES}")
    return recommend_for_customers(
        customers=dbt.ref("customers").select("customer_id, customer_key").df(),
        product_ids=dbt.ref("products").select("product_id").df().product_id.to_numpy(),
        interactions=dbt.ref("int_customer_product_interactions")
        .select("customer_key, product_id, interaction_strength, has_purchased")
        .df(),
        similarities=dbt.ref("int_product_similarities")
        .select("product_id, similar_product_id, cosine_similarity, similarity_rank")
        .df(),
        best_sellers=best_sellers.order("popularity_rank").select("product_id, recent_buyer_count").df(),
        per_customer=int(dbt.config.get("recommended_products_per_customer")),
    )
