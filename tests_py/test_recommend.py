"""Item-to-item recommendations: a small case by hand, and a brute-force reference on random data."""

from __future__ import annotations

import itertools
import math

import numpy as np
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
