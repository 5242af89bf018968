"""Item-to-item product recommendations on a sparse customer x product matrix.

The method (Linden, Smith & York 2003, "Amazon.com recommendations:
item-to-item collaborative filtering"):

1. ``product_neighbours``: the cosine similarity of every two products'
   interaction vectors over customers (``X^T X`` scaled by the vector
   norms), for pairs at least ``min_co_customers`` customers share, shrunk
   toward zero by ``co / (co + shrinkage)`` (co: the customers sharing the
   pair; Koren 2008, eq. 2, with the customers as the support) so that a
   pair one customer happened to share does not outrank a pair hundreds
   share; each product keeps its ``neighbours`` most similar others;
2. ``recommend``: a customer's score for a product is the sum, over the
   products they interacted with, of interaction strength x similarity
   (``X S``); products they already bought are never recommended; the best
   ``per_customer`` win, ties going to the smaller product id, and customers
   with fewer candidates are filled with the best sellers they have not
   bought.
3. ``recommend_for_customers``: between refits of the similarities, a
   build scores again only the customers whose recommendations can have
   changed: those whose interactions changed (a fingerprint of them is kept
   with their rows), new customers, and those filled with best sellers or
   short of them (the best sellers change every day); everyone else keeps
   the rows stored by the build before, which scoring them again would
   give exactly (a customer's scores depend only on their own
   interactions, the similarities, the catalog and the number per
   customer: the scoring basis, kept with the rows too; when it changes,
   everyone is scored).

The first two are matrix products, so they run in scipy/numpy rather than
as a SQL self-join of the interactions (which grows with the square of each
customer's products). Customers are scored a block at a time, so memory is
``block_rows`` x products whatever the number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

SIMILAR_ITEMS = "similar_items"
POPULAR = "popular"
# the columns of its stored rows recommend_for_customers reads to tell whom to score again
STORED_COLUMNS = (
    "customer_key",
    "product_id",
    "recommendation_rank",
    "recommendation_source",
    "recommendation_score",
    "interactions_fingerprint",
    "scoring_basis",
)


@dataclass(frozen=True)
class Neighbours:
    """Each product's most similar products: parallel arrays, one entry per (product, neighbour)."""

    product: np.ndarray  # column index of the product
    similar: np.ndarray  # column index of the neighbour
    cosine: np.ndarray  # the plain cosine
    rank: np.ndarray  # 1 = the most similar (by shrunk similarity)
    co_customers: np.ndarray  # customers who interacted with both
    similarity: np.ndarray  # the cosine shrunk toward zero: what recommendations use


@dataclass(frozen=True)
class Recommendations:
    """Parallel arrays, one entry per (customer, rank)."""

    customer: np.ndarray  # row index of the customer
    product: np.ndarray  # column index of the product
    rank: np.ndarray
    score: np.ndarray
    source: np.ndarray  # SIMILAR_ITEMS or POPULAR


def interaction_matrix(
    customer: np.ndarray, product: np.ndarray, values: np.ndarray, n_customers: int, n_products: int
) -> sparse.csr_matrix:
    """The customers x products matrix holding ``values`` (duplicates of a cell are summed)."""
    matrix = sparse.coo_matrix(
        (np.asarray(values, dtype=float), (customer, product)), shape=(n_customers, n_products)
    ).tocsr()
    matrix.sum_duplicates()
    return matrix


def _first_per_group(group: np.ndarray, order: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``order``) of the first ``limit`` entries of each group, and their 1-based rank.

    ``order`` must sort the entries by group first.
    """
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_group)) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)])) + 1
    keep = rank <= limit
    return order[keep], rank[keep]


def product_neighbours(
    matrix: sparse.csr_matrix, neighbours: int, min_co_customers: int = 1, shrinkage: float = 0.0
) -> Neighbours:
    """Each product's ``neighbours`` most similar other products; ties go to the smaller index.

    Two products are similar only if at least ``min_co_customers`` customers
    interacted with both; a product is never its own neighbour. They are
    ranked by the cosine times co / (co + ``shrinkage``).
    """
    gram = (matrix.T @ matrix).toarray()
    norms = np.sqrt(np.diag(gram))
    binary = matrix.copy()
    binary.data = (binary.data != 0).astype(float)
    co = (binary.T @ binary).toarray()
    product, similar = np.nonzero(gram)
    kept_pairs = (product != similar) & (co[product, similar] >= max(min_co_customers, 1))
    product, similar = product[kept_pairs], similar[kept_pairs]
    cosine = gram[product, similar] / (norms[product] * norms[similar])
    support = co[product, similar]
    shrunk = cosine * support / (support + shrinkage)
    order = np.lexsort((similar, -shrunk, product))
    kept, rank = _first_per_group(product, order, neighbours)
    return Neighbours(product[kept], similar[kept], cosine[kept], rank, support[kept].astype(np.int64), shrunk[kept])


def _row_of_entries(matrix: sparse.csr_matrix) -> np.ndarray:
    """The row index of each stored entry of a CSR matrix (its entries in storage order)."""
    return np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))


def _top_per_row(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``n`` best finite scores of each row: (row, column, rank), ties to the smaller column.

    The n-th best value of each row is found by partition; only entries at
    least that good are sorted, so the cost stays linear in the row length.
    """
    width = scores.shape[1]
    if width == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, empty
    kept_per_row = min(n, width)
    kth = np.partition(scores, width - kept_per_row, axis=1)[:, width - kept_per_row]
    # at least the n-th best and finite: a row with fewer finite scores has -inf there
    row, column = np.nonzero(scores >= np.maximum(kth, np.finfo(scores.dtype).min)[:, None])
    order = np.lexsort((column, -scores[row, column], row))
    kept, rank = _first_per_group(row, order, n)
    return row[kept], column[kept], rank


def _fill_with_best_sellers(
    customers: np.ndarray,
    found: np.ndarray,
    taken: np.ndarray,
    popular: np.ndarray,
    popular_scores: np.ndarray,
    per_customer: int,
) -> tuple[np.ndarray, ...]:
    """Best sellers ranked after each customer's ``found`` recommendations, up to ``per_customer`` in all.

    ``taken`` marks, per customer and ``popular`` column, the best sellers
    they bought or were already recommended; the earliest others are used.
    """
    fill = np.where(taken, -np.inf, -np.arange(len(popular), dtype=float))  # earlier = better
    row, position, rank = _top_per_row(fill, per_customer)
    keep = rank <= (per_customer - found)[row]
    row, position, rank = row[keep], position[keep], rank[keep]
    return (
        customers[row],
        popular[position],
        found[row] + rank,
        popular_scores[position].astype(float),
        np.full(len(row), POPULAR),
    )


def recommend(
    interactions: sparse.csr_matrix,
    purchased: sparse.csr_matrix,
    neighbours: Neighbours,
    popular: np.ndarray,
    popular_scores: np.ndarray,
    per_customer: int = 3,
    block_rows: int = 5_000,
) -> Recommendations:
    """Top ``per_customer`` products for every row of ``interactions`` (customers without any included).

    ``purchased`` marks products a customer bought (never recommended);
    ``popular`` lists product columns best seller first, with their scores,
    for customers with too few similar-item candidates.
    """
    n_products = interactions.shape[1]
    similarity = sparse.csr_matrix(
        (neighbours.similarity, (neighbours.product, neighbours.similar)), shape=(n_products, n_products)
    )
    # customers with no interaction and no purchase have no candidates: best sellers only
    has_history = (np.diff(interactions.indptr) > 0) | (np.diff(purchased.indptr) > 0)
    active, idle = np.flatnonzero(has_history), np.flatnonzero(~has_history)
    parts: list[tuple[np.ndarray, ...]] = []
    if len(popular):
        for start in range(0, len(idle), block_rows):
            customers = idle[start : start + block_rows]
            none_found = np.zeros(len(customers), dtype=int)
            none_taken = np.zeros((len(customers), len(popular)), dtype=bool)
            parts.append(
                _fill_with_best_sellers(customers, none_found, none_taken, popular, popular_scores, per_customer)
            )
    for start in range(0, len(active), block_rows):
        customers = active[start : start + block_rows]
        # candidates: positive scores of products not bought; everything else -inf
        scores = np.full((len(customers), n_products), -np.inf)
        candidates = interactions[customers] @ similarity
        candidates.sum_duplicates()  # one entry per cell, so the assignment below places every score
        candidates.data[candidates.data <= 0] = -np.inf
        scores[_row_of_entries(candidates), candidates.indices] = candidates.data
        bought = purchased[customers]
        scores[_row_of_entries(bought)[bought.data > 0], bought.indices[bought.data > 0]] = -np.inf
        row, column, rank = _top_per_row(scores, per_customer)
        parts.append((customers[row], column, rank, scores[row, column], np.full(len(row), SIMILAR_ITEMS)))

        # best sellers for customers short of candidates, after their similar items
        found = np.bincount(row, minlength=len(customers))
        short = np.flatnonzero(found < per_customer)
        if len(short) and len(popular):
            taken = bought[short][:, popular].toarray() > 0
            recommended = np.zeros((len(short), n_products), dtype=bool)
            short_rows = np.isin(row, short)
            recommended[np.searchsorted(short, row[short_rows]), column[short_rows]] = True
            taken |= recommended[:, popular]
            parts.append(
                _fill_with_best_sellers(customers[short], found[short], taken, popular, popular_scores, per_customer)
            )
    if not parts:
        empty = np.array([], dtype=np.int64)
        return Recommendations(empty, empty, empty, np.array([], dtype=float), np.array([], dtype=str))
    customer, product, rank, score, source = (np.concatenate(column) for column in zip(*parts, strict=True))
    return Recommendations(customer, product, rank, score, source)


def _sum_of_hashes(frame: pd.DataFrame) -> np.uint64:
    """One 64-bit number for a set of rows, whatever their order: the wrapping sum of each row's hash."""
    return np.add.reduce(pd.util.hash_pandas_object(frame, index=False).to_numpy(), dtype=np.uint64)


def _mixed(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer (Steele, Lea & Flood 2014): each uint64 to a well-spread 64-bit hash."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def interaction_fingerprints(
    row: np.ndarray, column: np.ndarray, strength: np.ndarray, bought: np.ndarray, n_customers: int
) -> np.ndarray:
    """A 64-bit fingerprint of each customer's interactions (0 for none), as int64.

    The sum, modulo 2^64, of a hash of each of the customer's cells (product
    column, strength, bought), so the order in which the rows are read does
    not matter. The columns number the products of the catalog, which the
    scoring basis covers (``scoring_basis``).
    """
    cell = _mixed(np.asarray(column, dtype=np.uint64) * np.uint64(2) + np.asarray(bought, dtype=np.uint64))
    hashes = _mixed(cell ^ np.ascontiguousarray(strength, dtype=np.float64).view(np.uint64))
    # summed in 32-bit halves: each half's sum stays exact in a double up to 2^21 cells per customer
    low = np.bincount(row, weights=(hashes & np.uint64(0xFFFFFFFF)).astype(np.float64), minlength=n_customers)
    high = np.bincount(row, weights=(hashes >> np.uint64(32)).astype(np.float64), minlength=n_customers)
    return ((high.astype(np.uint64) << np.uint64(32)) + low.astype(np.uint64)).view(np.int64)


def scoring_basis(product_ids: pd.Index, neighbours: Neighbours, per_customer: int) -> int:
    """A 64-bit fingerprint of what every customer's scores share: the catalog (in id order), the similarities
    and the number of recommendations per customer. Rows stored under another basis are scored again."""
    catalog = pd.DataFrame({"position": np.arange(len(product_ids)), "product_id": product_ids.astype(str)})
    pairs = pd.DataFrame(
        {
            "product": neighbours.product.astype(np.int64),
            "similar": neighbours.similar.astype(np.int64),
            "similarity": neighbours.similarity.astype(np.float64),
        }
    )
    parts = pd.DataFrame({"part": [_sum_of_hashes(catalog), _sum_of_hashes(pairs), np.uint64(per_customer)]})
    return int(np.array(_sum_of_hashes(parts), dtype=np.uint64).view(np.int64))


def _customers_to_keep(
    stored: pd.DataFrame | None, customer_index: pd.Index, fingerprints: np.ndarray, basis: int, per_customer: int
) -> tuple[np.ndarray, pd.DataFrame | None, np.ndarray]:
    """Which customers keep their stored rows: same basis, same fingerprint, a full list of similar items.

    A best seller among a customer's rows, or fewer rows than ``per_customer`` (no best seller they had not
    bought was left to fill it), depends on the day's best sellers: such customers are scored again.
    Returns a mask over the customers, the stored rows kept and their customers' positions.
    """
    keep = np.zeros(len(customer_index), dtype=bool)
    if stored is None or not len(stored) or not set(STORED_COLUMNS) <= set(stored.columns):
        return keep, None, np.array([], dtype=np.int64)
    if not (stored["scoring_basis"].to_numpy(dtype=np.int64) == basis).all():
        return keep, None, np.array([], dtype=np.int64)
    at = customer_index.get_indexer(stored["customer_key"])
    known = at >= 0  # customers gone since (erased, merged) lose their rows
    stored, at = stored[known], at[known]
    same = stored["interactions_fingerprint"].to_numpy(dtype=np.int64) == fingerprints[at]
    keep[at] = True
    # a changed fingerprint, a best seller anywhere in a customer's rows or a short list: scored again
    keep[at[~same | (stored["recommendation_source"] == POPULAR).to_numpy()]] = False
    keep[np.bincount(at, minlength=len(customer_index)) < per_customer] = False
    kept = keep[at]
    return keep, stored[kept], at[kept]


def recommend_for_customers(
    customers: pd.DataFrame,
    product_ids: np.ndarray,
    interactions: pd.DataFrame,
    similarities: pd.DataFrame,
    best_sellers: pd.DataFrame,
    per_customer: int,
    stored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The recommendations as a table, from the warehouse's frames (what customer_product_recommendations needs).

    ``customers`` (customer_id, customer_key), ``product_ids`` (the catalog),
    ``interactions`` (customer_key, product_id, interaction_strength,
    has_purchased), ``similarities`` (product_id, similar_product_id,
    cosine_similarity, co_customers, similarity, similarity_rank) and ``best_sellers`` (product_id,
    recent_buyer_count, best seller first). Customers are the matrix rows in
    customer_key order, products its columns in product_id order; rows naming
    a customer or product outside these lists are left out. ``stored``: the
    rows the build before returned (None on a first build); the customers
    whose recommendations cannot have changed keep them (module docstring).
    Returns one row per (customer, rank): customer_id, customer_key,
    product_id, recommendation_rank, recommendation_source,
    recommendation_score, interactions_fingerprint, scoring_basis.
    """
    customers = customers.sort_values("customer_key", kind="stable").reset_index(drop=True)
    products = pd.Index(np.sort(np.asarray(product_ids)))
    customer_index = pd.Index(customers.customer_key)
    n_customers, n_products = len(customers), len(products)

    row = customer_index.get_indexer(interactions.customer_key)
    column = products.get_indexer(interactions.product_id)
    known = (row >= 0) & (column >= 0)
    row, column = row[known], column[known]
    strength = interactions.interaction_strength.to_numpy(dtype=float)[known]
    bought = interactions.has_purchased.to_numpy(dtype=bool)[known]

    product = products.get_indexer(similarities.product_id)
    similar = products.get_indexer(similarities.similar_product_id)
    pairs = (product >= 0) & (similar >= 0)
    neighbours = Neighbours(
        product[pairs],
        similar[pairs],
        similarities.cosine_similarity.to_numpy(dtype=float)[pairs],
        similarities.similarity_rank.to_numpy()[pairs],
        similarities.co_customers.to_numpy()[pairs],
        similarities.similarity.to_numpy(dtype=float)[pairs],
    )
    fingerprints = interaction_fingerprints(row, column, strength, bought, n_customers)
    basis = scoring_basis(products, neighbours, per_customer)
    keep, kept, kept_at = _customers_to_keep(stored, customer_index, fingerprints, basis, per_customer)

    # the matrices of the customers to score, in customer_key order
    scored = np.flatnonzero(~keep)
    position = np.full(n_customers, -1)
    position[scored] = np.arange(len(scored))
    cells = position[row] >= 0
    row, column, strength, bought = position[row[cells]], column[cells], strength[cells], bought[cells]
    strength_matrix = interaction_matrix(row, column, strength, len(scored), n_products)
    purchased = interaction_matrix(row[bought], column[bought], np.ones(bought.sum()), len(scored), n_products)
    popular = products.get_indexer(best_sellers.product_id)
    in_catalog = popular >= 0
    recs = recommend(
        strength_matrix,
        purchased,
        neighbours,
        popular[in_catalog],
        best_sellers.recent_buyer_count.to_numpy(dtype=float)[in_catalog],
        per_customer=per_customer,
    )
    customer = scored[recs.customer]
    new = _table_rows(
        customers,
        customer,
        products.to_numpy()[recs.product],
        recs.rank,
        recs.source == POPULAR,
        recs.score,
        fingerprints[customer],
        np.full(len(customer), basis, dtype=np.int64),
    )
    if kept is None or not len(kept):
        return new
    kept = _table_rows(
        customers,
        kept_at,
        kept["product_id"].to_numpy(),
        kept["recommendation_rank"].to_numpy(),
        (kept["recommendation_source"] == POPULAR).to_numpy(),
        kept["recommendation_score"].to_numpy(),
        kept["interactions_fingerprint"].to_numpy(),
        kept["scoring_basis"].to_numpy(),
    )
    return pd.concat([new, kept], ignore_index=True)


def _table_rows(
    customers: pd.DataFrame,
    at: np.ndarray,
    product_id: np.ndarray,
    rank: np.ndarray,
    is_popular: np.ndarray,
    score: np.ndarray,
    fingerprint: np.ndarray,
    basis: np.ndarray,
) -> pd.DataFrame:
    """recommend_for_customers' rows; ``at``: the customers' positions in ``customers``. The text columns are
    gathered by Arrow, not turned into Python strings (much slower for millions of rows)."""
    sources = pa.array([SIMILAR_ITEMS, POPULAR]).take(pa.array(np.asarray(is_popular, dtype=np.int8)))
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].take(at).reset_index(drop=True),
            "customer_key": customers["customer_key"].to_numpy()[at],
            "product_id": product_id,
            "recommendation_rank": np.asarray(rank, dtype=np.int64),
            "recommendation_source": sources.to_pandas(),
            "recommendation_score": np.asarray(score, dtype=np.float64),
            "interactions_fingerprint": np.asarray(fingerprint, dtype=np.int64),
            "scoring_basis": np.asarray(basis, dtype=np.int64),
        }
    )


def product_similarity_table(
    interactions: pd.DataFrame, neighbours: int, min_co_customers: int = 1, shrinkage: float = 0.0
) -> pd.DataFrame:
    """int_product_similarities: each product's ``neighbours`` nearest products (see product_neighbours).

    ``interactions``: customer_key, product_id, interaction_strength. Any
    numbering of the customers will do for X^T X; products are numbered in
    id order.
    """
    customer, customer_keys = pd.factorize(interactions.customer_key)
    product, product_ids = pd.factorize(interactions.product_id, sort=True)
    matrix = interaction_matrix(
        customer, product, interactions.interaction_strength.to_numpy(dtype=float), len(customer_keys), len(product_ids)
    )
    nearest = product_neighbours(matrix, neighbours, min_co_customers, shrinkage)
    return pd.DataFrame(
        {
            "product_id": np.asarray(product_ids)[nearest.product],
            "similar_product_id": np.asarray(product_ids)[nearest.similar],
            "cosine_similarity": nearest.cosine,
            "co_customers": nearest.co_customers,
            "similarity": nearest.similarity,
            "similarity_rank": nearest.rank,
        }
    )
