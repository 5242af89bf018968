"""Item-to-item recommendations: a small case by hand, and a brute-force reference on random data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from audience import recommend


def small_case() -> tuple:
    """Three customers, four products (strengths), customer 2 never interacted with anything."""
    # customer 0: bought product 0 (strength 3), viewed product 1 (1)
    # customer 1: bought products 0 and 2 (3 each)
    cells = [(0, 0, 3.0, True), (0, 1, 1.0, False), (1, 0, 3.0, True), (1, 2, 3.0, True)]
    customer, product, strength, bought = (np.array(column) for column in zip(*cells, strict=True))
    interactions = recommend.interaction_matrix(customer, product, strength, 3, 4)
    purchased = recommend.interaction_matrix(customer[bought], product[bought], np.ones(bought.sum()), 3, 4)
    return interactions, purchased


def test_neighbours_by_hand() -> None:
    interactions, _ = small_case()
    neighbours = recommend.product_neighbours(interactions, neighbours=5)
    pairs = {
        (int(p), int(s)): (round(float(c), 12), int(r))
        for p, s, c, r in zip(neighbours.product, neighbours.similar, neighbours.cosine, neighbours.rank, strict=True)
    }
    # product 0 = (3, 3, 0), product 1 = (1, 0, 0), product 2 = (0, 3, 0); product 3 nobody
    norm0 = math.sqrt(18)
    assert pairs == {
        (0, 1): (round(3 / norm0, 12), 1),  # cos = 3 / (sqrt(18) * 1) = 0.707
        (0, 2): (round(9 / (norm0 * 3), 12), 2),  # same value: the tie goes to the smaller id
        (1, 0): (round(3 / norm0, 12), 1),
        (2, 0): (round(9 / (norm0 * 3), 12), 1),
    }


def test_recommendations_by_hand() -> None:
    interactions, purchased = small_case()
    neighbours = recommend.product_neighbours(interactions, neighbours=5)
    popular = np.array([3, 0, 2, 1])  # best seller first
    recs = recommend.recommend(interactions, purchased, neighbours, popular, np.array([9, 8, 7, 6]), per_customer=3)
    columns = (recs.customer, recs.rank, recs.product, recs.source)
    rows = sorted((int(c), int(r), int(p), s) for c, r, p, s in zip(*columns, strict=True))
    assert rows == [
        # customer 0 bought 0; product 2 via 0 (3 x 0.707), product 1 via 0 (3 x 0.707): tie, smaller id first
        (0, 1, 1, "similar_items"),
        (0, 2, 2, "similar_items"),
        (0, 3, 3, "popular"),
        # customer 1 bought 0 and 2; product 1 via product 0; then best sellers not bought
        (1, 1, 1, "similar_items"),
        (1, 2, 3, "popular"),
        # customer 2: cold start
        (2, 1, 3, "popular"),
        (2, 2, 0, "popular"),
        (2, 3, 2, "popular"),
    ]


def brute_force(
    cells: list[tuple[int, int, float, bool]], n_customers: int, n_products: int, k: int, popular: list[int]
) -> dict[int, list[int]]:
    """The SQL model's definition, written with dictionaries and loops."""
    strength: dict[tuple[int, int], float] = {}
    bought = set()
    for c, p, s, b in cells:
        strength[c, p] = strength.get((c, p), 0.0) + s
        if b:
            bought.add((c, p))
    norms = {p: math.sqrt(sum(v * v for (_, q), v in strength.items() if q == p)) for p in range(n_products)}
    similar: dict[int, list[tuple[int, float]]] = {}
    for p, q in itertools.permutations(range(n_products), 2):
        dot = sum(strength.get((c, p), 0.0) * strength.get((c, q), 0.0) for c in range(n_customers))
        if dot > 0:
            similar.setdefault(p, []).append((q, dot / (norms[p] * norms[q])))
    for p in similar:
        similar[p] = sorted(similar[p], key=lambda item: (-item[1], item[0]))[:k]
    result = {}
    for c in range(n_customers):
        scores: dict[int, float] = {}
        for (cc, p), s in strength.items():
            if cc == c:
                for q, cosine in similar.get(p, []):
                    scores[q] = scores.get(q, 0.0) + s * cosine
        candidates = [(q, v) for q, v in scores.items() if (c, q) not in bought]
        ranked = sorted(candidates, key=lambda item: (-item[1], item[0]))
        chosen = [q for q, _ in ranked[:3]]
        chosen += [q for q in popular if (c, q) not in bought and q not in chosen][: 3 - len(chosen)]
        result[c] = chosen
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_a_brute_force_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_customers, n_products, k = 40, 12, 4
    cells = []
    for c in range(n_customers):
        for p in rng.choice(n_products, size=rng.integers(0, 5), replace=False):
            bought = bool(rng.random() < 0.5)
            cells.append((c, int(p), 3.0 if bought else float(rng.integers(1, 4)), bought))
    popular = [int(p) for p in rng.permutation(n_products)]
    customer, product, strength, bought = (np.array(column) for column in zip(*cells, strict=True))
    interactions = recommend.interaction_matrix(customer, product, strength, n_customers, n_products)
    purchased = recommend.interaction_matrix(
        customer[bought], product[bought], np.ones(bought.sum()), n_customers, n_products
    )
    neighbours = recommend.product_neighbours(interactions, k)
    recs = recommend.recommend(
        interactions, purchased, neighbours, np.array(popular), np.ones(n_products), per_customer=3, block_rows=7
    )
    ours: dict[int, list[int]] = {c: [] for c in range(n_customers)}
    for c, r, p in sorted(zip(recs.customer, recs.rank, recs.product, strict=True)):
        assert r == len(ours[int(c)]) + 1  # ranks are 1, 2, 3 without gaps
        ours[int(c)].append(int(p))
    assert ours == brute_force(cells, n_customers, n_products, k, popular)


def test_rare_pairs_need_support_and_are_shrunk() -> None:
    """A pair one customer shared (cosine 1) against a pair fifty shared (cosine 0.8)."""
    # customer 0 alone bought products 0 and 1; customers 1-50 bought 2 and, most of them, 3
    cells = [(0, 0), (0, 1)] + [(c, 2) for c in range(1, 51)] + [(c, 3) for c in range(1, 33)]
    customer, product = (np.array(column) for column in zip(*cells, strict=True))
    matrix = recommend.interaction_matrix(customer, product, np.ones(len(cells)), 51, 4)
    plain = recommend.product_neighbours(matrix, neighbours=5)
    cosine = dict(zip(zip(plain.product, plain.similar, strict=True), plain.cosine, strict=True))
    assert cosine[(0, 1)] == pytest.approx(1.0) and cosine[(2, 3)] == pytest.approx(32 / math.sqrt(50 * 32))

    shrunk = recommend.product_neighbours(matrix, neighbours=5, min_co_customers=1, shrinkage=10.0)
    similarity = dict(zip(zip(shrunk.product, shrunk.similar, strict=True), shrunk.similarity, strict=True))
    support = dict(zip(zip(shrunk.product, shrunk.similar, strict=True), shrunk.co_customers, strict=True))
    assert support[(0, 1)] == 1 and support[(2, 3)] == 32
    assert similarity[(0, 1)] == pytest.approx(1.0 * 1 / 11)
    assert similarity[(2, 3)] == pytest.approx(cosine[(2, 3)] * 32 / 42)
    assert similarity[(2, 3)] > similarity[(0, 1)]

    supported = recommend.product_neighbours(matrix, neighbours=5, min_co_customers=2)
    pairs = set(zip(supported.product.tolist(), supported.similar.tolist(), strict=True))
    assert pairs == {(2, 3), (3, 2)}


# ------------------------------------------------- scoring again only the customers whose rows can change


def day_of_frames(seed: int, n_customers: int = 60, n_products: int = 15) -> dict:
    """recommend_for_customers' frames on random data: customers c00.., products 100.., keys in another order."""
    rng = np.random.default_rng(seed)
    cells = []
    for c in range(n_customers):
        for p in rng.choice(n_products, size=rng.integers(0, 6), replace=False):
            bought = bool(rng.random() < 0.4)
            cells.append(
                (f"k{(c * 7) % n_customers:03d}", 100 + int(p), 3.0 if bought else float(rng.integers(1, 4)), bought)
            )
    interactions = pd.DataFrame(cells, columns=["customer_key", "product_id", "interaction_strength", "has_purchased"])
    customers = pd.DataFrame(
        {
            "customer_id": [f"c{c:03d}" for c in range(n_customers)],
            "customer_key": [f"k{c:03d}" for c in range(n_customers)],
        }
    )
    similarities = recommend.product_similarity_table(interactions, neighbours=4)
    best_sellers = pd.DataFrame(
        {"product_id": 100 + rng.permutation(n_products)[:6], "recent_buyer_count": [9, 8, 7, 6, 5, 4]}
    )
    return {
        "customers": customers,
        "product_ids": 100 + np.arange(n_products),
        "interactions": interactions,
        "similarities": similarities,
        "best_sellers": best_sellers,
        "per_customer": 3,
    }


def rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(frame.itertuples(index=False, name=None))


def scored_again_every_day(stored: pd.DataFrame, per_customer: int = 3) -> set[str]:
    """The customers whose lists hang on the day's best sellers: one among them, or a list too short."""
    popular = set(stored.customer_key[stored.recommendation_source == "popular"])
    sizes = stored.groupby("customer_key").size()
    return popular | set(sizes.index[sizes < per_customer])


def next_day(frames: dict) -> dict:
    """A day later: some customers interact more, one less, one is gone (erased), one is new; new best sellers."""
    interactions = frames["interactions"]
    more = pd.DataFrame(
        [("k001", 101, 1.0, False), ("k002", 107, 3.0, True), ("k060", 103, 2.0, False)], columns=interactions.columns
    )
    changed = interactions[interactions.customer_key != "k005"]  # k005's interactions are gone
    changed.loc[changed.customer_key == "k003", "interaction_strength"] += 1  # k003 viewed their products again
    customers = pd.concat(
        [
            frames["customers"][frames["customers"].customer_key != "k009"],
            pd.DataFrame({"customer_id": ["c060"], "customer_key": ["k060"]}),
        ]
    )
    best_sellers = frames["best_sellers"].assign(product_id=frames["best_sellers"].product_id[::-1].to_numpy())
    return {**frames, "interactions": pd.concat([changed, more]), "customers": customers, "best_sellers": best_sellers}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scoring_only_the_changed_customers_gives_the_rows_of_scoring_everyone(seed: int) -> None:
    day_1 = day_of_frames(seed)
    stored = recommend.recommend_for_customers(**day_1)
    day_2 = next_day(day_1)
    assert rows(recommend.recommend_for_customers(**day_2, stored=stored)) == rows(
        recommend.recommend_for_customers(**day_2)
    )
    # the day changed something for these customers: the comparison is not between two copies of day 1
    assert rows(recommend.recommend_for_customers(**day_2)) != rows(stored)


def test_unchanged_customers_keep_their_stored_rows_and_the_others_are_scored_again() -> None:
    day_1 = day_of_frames(1)
    stored = recommend.recommend_for_customers(**day_1)
    # a mark on every stored score shows which rows were carried over rather than scored again
    marked = stored.assign(recommendation_score=-1.0)
    day_2 = next_day(day_1)
    out = recommend.recommend_for_customers(**day_2, stored=marked)
    carried = set(out.customer_key[out.recommendation_score == -1.0])
    changed = {"k001", "k002", "k003", "k005", "k060"}
    assert carried == set(stored.customer_key) - scored_again_every_day(stored) - changed - {"k009"}
    assert len(carried) > 20  # most customers only got item-to-item recommendations and kept them
    assert "k009" not in set(out.customer_key)  # the customer gone since loses their rows
    # the customer id comes from today's customers, not from the stored row
    renamed = day_2 | {"customers": day_2["customers"].assign(customer_id=lambda f: f.customer_id + "x")}
    again = recommend.recommend_for_customers(**renamed, stored=marked)
    assert again.customer_id.str.endswith("x").all()


@pytest.mark.parametrize("change", ["similarities", "catalog", "per_customer"])
def test_a_new_scoring_basis_scores_everyone_again(change: str) -> None:
    day_1 = day_of_frames(2)
    marked = recommend.recommend_for_customers(**day_1).assign(recommendation_score=-1.0)
    if change == "similarities":
        day_2 = day_1 | {"similarities": day_1["similarities"].assign(similarity=lambda f: f.similarity * 0.5)}
    elif change == "catalog":
        day_2 = day_1 | {"product_ids": day_1["product_ids"][1:]}
    else:
        day_2 = day_1 | {"per_customer": 2}
    assert (recommend.recommend_for_customers(**day_2, stored=marked).recommendation_score != -1.0).all()
    # the same day again keeps every customer's rows but those that hang on the best sellers
    out = recommend.recommend_for_customers(**day_1, stored=marked)
    kept = set(out.customer_key[out.recommendation_score == -1.0])
    assert kept == set(marked.customer_key) - scored_again_every_day(marked)


def test_rows_stored_without_fingerprints_are_scored_again() -> None:
    day_1 = day_of_frames(3)
    marked = recommend.recommend_for_customers(**day_1).assign(recommendation_score=-1.0)
    older = marked.drop(columns=["interactions_fingerprint", "scoring_basis"])  # a table from before this change
    assert (recommend.recommend_for_customers(**day_1, stored=older).recommendation_score != -1.0).all()


def test_a_fingerprint_ignores_the_order_of_the_rows_and_sees_every_cell() -> None:
    row, column = np.array([0, 0, 1, 0, 2]), np.array([3, 1, 1, 2, 0])
    strength, bought = np.array([1.0, 3.0, 3.0, 2.0, 1.0]), np.array([False, True, True, False, False])
    base = recommend.interaction_fingerprints(row, column, strength, bought, 4)
    assert base[3] == 0 and len(set(base[:3].tolist())) == 3  # nobody's cells: 0; three different customers
    shuffled = np.array([4, 2, 0, 3, 1])
    args = (row[shuffled], column[shuffled], strength[shuffled], bought[shuffled])
    assert (recommend.interaction_fingerprints(*args, 4) == base).all()
    for changed, customer in (
        ((row, column, strength + np.array([0, 0, 0, 1e-9, 0]), bought), 0),  # a strength, by a hair
        ((row, column, strength, bought ^ np.array([False, False, False, True, False])), 0),  # bought or not
        ((row, np.array([3, 1, 1, 4, 0]), strength, bought), 0),  # another product
        ((row[:-1], column[:-1], strength[:-1], bought[:-1]), 2),  # a cell fewer
    ):
        moved = recommend.interaction_fingerprints(*changed, 4) != base
        assert moved.tolist() == [c == customer for c in range(4)]


def test_short_lists_are_filled_once_best_sellers_appear() -> None:
    # one neighbour per product, so many customers have fewer than three candidates; on day 1 nobody bought
    # anything recently, so no best seller fills their lists; day 2 has best sellers
    frames = day_of_frames(4)
    one_neighbour = recommend.product_similarity_table(frames["interactions"], neighbours=1)
    day_1 = frames | {"similarities": one_neighbour, "best_sellers": frames["best_sellers"].iloc[:0]}
    stored = recommend.recommend_for_customers(**day_1)
    assert (stored.groupby("customer_key").size() < 3).sum() > 5  # short lists without a best seller
    day_2 = day_1 | {"best_sellers": frames["best_sellers"]}
    everyone = recommend.recommend_for_customers(**day_2)
    assert rows(recommend.recommend_for_customers(**day_2, stored=stored)) == rows(everyone)
