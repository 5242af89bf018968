"""Clustering pipeline: transforms, k choice on known structure, merging, stable naming."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from audience import clustering

FEATURES = ["recency_days", "frequency", "monetary", "open_rate_180d"]


def blobs(sizes: tuple[int, ...], seed: int = 0) -> pd.DataFrame:
    """Customers from well-separated groups: (recency, frequency, monetary, open rate) per group."""
    centres = [(10, 20, 3000, 0.6), (200, 2, 80, 0.05), (60, 6, 600, 0.3), (400, 1, 30, 0.01)]
    rng = np.random.default_rng(seed)
    parts = []
    for size, (r, f, m, o) in zip(sizes, centres, strict=False):
        parts.append(
            pd.DataFrame(
                {
                    "recency_days": rng.normal(r, r * 0.05 + 1, size).clip(0),
                    "frequency": rng.normal(f, f * 0.05 + 0.2, size).clip(1),
                    "monetary": rng.normal(m, m * 0.05, size).clip(1),
                    "open_rate_180d": rng.normal(o, 0.01, size).clip(0, 1),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "customer_id", [f"c{i:05d}" for i in range(len(frame))])
    return frame


def run(frame: pd.DataFrame, **overrides: object) -> tuple[pd.DataFrame, list[clustering.KResult], int]:
    settings = {
        "features": FEATURES,
        "log_features": ["recency_days", "frequency", "monetary"],
        "k_values": range(2, 7),
        "seed": 42,
        "min_size": 20,
        "min_share": 0.01,
        "fit_sample": 5000,
        "silhouette_sample": 1000,
    }
    settings.update(overrides)
    return clustering.cluster_customers(frame, **settings)


def test_finds_the_number_of_groups_by_silhouette() -> None:
    assignments, results, chosen = run(blobs((400, 400, 400, 400)))
    assert chosen == 4
    assert [r.k for r in results] == [2, 3, 4, 5, 6]
    inertia = [r.inertia for r in results]
    assert inertia == sorted(inertia, reverse=True)  # the elbow curve falls with k
    truth = np.repeat(np.arange(4), 400)
    crosstab = pd.crosstab(truth, assignments.cluster_id)
    assert (crosstab.max(axis=1) == 400).all()  # every true group lands in one cluster


def test_small_clusters_are_merged_into_the_nearest() -> None:
    frame = blobs((600, 600, 600, 15))
    assignments, _, _ = run(frame, k=4, min_size=50)
    sizes = assignments.cluster_id.value_counts()
    assert len(sizes) == 3 and sizes.min() >= 50
    # The tiny lapsed group joins the low-value, lapsed group, not the champions.
    tiny = assignments.cluster_id.iloc[-15:].unique()
    lapsed = assignments.cluster_id.iloc[600:1200].unique()
    assert list(tiny) == list(lapsed)


def test_min_share_beats_min_size_when_larger() -> None:
    frame = blobs((1000, 1000, 60, 0))
    assignments, _, _ = run(frame, k=3, min_size=10, min_share=0.05)  # 5% of 2060 = 103 > 60
    assert assignments.cluster_id.nunique() == 2


def test_labels_describe_centres_and_ids_are_stable() -> None:
    frame = blobs((300, 300, 300, 300))
    first, _, _ = run(frame, k=4)
    again, _, _ = run(frame.sample(frac=1.0, random_state=3).sort_values("customer_id"), k=4)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again.reset_index(drop=True))
    by_group = first.assign(group=np.repeat(np.arange(4), 300)).groupby("group")
    best = by_group.cluster_id.first()
    label = by_group.cluster_label.first()
    assert best[0] == 1  # the frequent, big-spending, engaged group is cluster 1
    assert label[0].startswith("high value") and "highly engaged" in label[0]
    assert label[3].startswith("lapsed, low value") and label[3].endswith("low engagement")
    assert first.cluster_label.nunique() == 4


def test_prospects_are_named_as_such() -> None:
    frame = blobs((300, 300, 0, 0))
    frame.loc[300:, ["frequency", "monetary"]] = 0.0
    frame.loc[300:, "recency_days"] = np.nan
    assignments, _, _ = run(frame, k=2)
    assert assignments.cluster_label.iloc[-1].startswith("prospects")


def test_missing_values_mean_none() -> None:
    frame = pd.DataFrame({"recency_days": [10.0, np.nan, 30.0], "open_rate_180d": [0.5, np.nan, 0.1]})
    filled = clustering.fill_missing(frame, ["recency_days", "open_rate_180d"])
    assert filled.recency_days.tolist() == [10.0, 31.0, 30.0]
    assert filled.open_rate_180d.tolist() == [0.5, 0.0, 0.1]


def test_prepare_features_standardizes_and_projects() -> None:
    frame = blobs((200, 200, 0, 0))
    prepared = clustering.prepare_features(frame, FEATURES, ["monetary"])
    assert np.allclose(prepared.matrix.mean(axis=0), 0.0) and np.allclose(prepared.matrix.std(axis=0), 1.0)
    projected = clustering.prepare_features(frame, FEATURES, ["monetary"], pca_components=2)
    assert projected.matrix.shape == (400, 2)
    with pytest.raises(ValueError, match="not in the feature table"):
        clustering.prepare_features(frame, ["nope"], [])
    with pytest.raises(ValueError, match="non-negative"):
        clustering.prepare_features(frame.assign(monetary=-1.0), FEATURES, ["monetary"])


def test_silhouette_uses_a_fixed_size_sample() -> None:
    frame = blobs((3000, 3000, 0, 0))
    prepared = clustering.prepare_features(frame, FEATURES, [])
    once = clustering.search_k(prepared.matrix, range(2, 4), seed=1, fit_sample=6000, silhouette_sample=500)
    twice = clustering.search_k(prepared.matrix, range(2, 4), seed=1, fit_sample=6000, silhouette_sample=500)
    assert once == twice
    assert clustering.sample_rows(6000, 500, 1).shape == (500,)


def test_too_few_customers_never_halt_the_build() -> None:
    """A silhouette needs 2 <= k < customers: other k are skipped; with none left, everyone is cluster 0."""
    frame = blobs((3000, 3000, 0, 0))
    prepared = clustering.prepare_features(frame, FEATURES, [])
    three = clustering.search_k(prepared.matrix[:3], range(2, 5), seed=1, fit_sample=10, silhouette_sample=10)
    assert [r.k for r in three] == [2]
    assert clustering.search_k(prepared.matrix[:2], range(2, 5), seed=1, fit_sample=10, silhouette_sample=10) == []
    assert clustering.choose_k([]) is None
    few = frame.head(2).assign(customer_id=["a", "b"], customer_key=[1, 2], has_sufficient_data=True)
    placed = clustering.cluster_everyone(few, None, FEATURES, [], seed=1, min_size=1, min_share=0, fit_sample=10)
    assert list(placed.cluster_id) == [0, 0] and set(placed.cluster_label) == {clustering.INSUFFICIENT_DATA}
    # with a k, those with sufficient data are clustered and the others are cluster 0
    mixed = frame.head(400).assign(
        customer_id=[f"c{i}" for i in range(400)], customer_key=range(400), has_sufficient_data=[True] * 399 + [False]
    )
    placed = clustering.cluster_everyone(mixed, 2, FEATURES, [], seed=1, min_size=1, min_share=0, fit_sample=400)
    assert sorted(placed.cluster_id.unique()) == [0, 1, 2]
    assert list(placed.loc[placed.customer_id == "c399", "cluster_id"]) == [0]


def test_silhouettes_equal_scikit_learns_on_the_same_points() -> None:
    """One pass over the pairwise distances gives scikit-learn's silhouette for every labeling."""
    rng = np.random.default_rng(5)
    points = np.vstack([rng.normal(centre, 1.0, (300, 3)) for centre in (0.0, 4.0, 8.0)])
    labelings = [
        np.repeat([0, 1, 2], 300),  # the true groups
        rng.integers(0, 4, len(points)),  # noise
        np.r_[np.zeros(len(points) - 1, dtype=int), 1],  # a singleton cluster scores 0
        np.r_[np.zeros(450, dtype=int), np.full(450, 2)],  # cluster 1 has no member here
    ]
    ours = clustering.silhouette_scores(points, labelings, block_rows=128)
    reference = [silhouette_score(points, labels) for labels in labelings]
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12)
    assert ours[0] > 0.5 > abs(ours[1])


def test_choose_k_prefers_the_best_silhouette_then_the_smaller_k() -> None:
    results = [clustering.KResult(3, 9.0, 0.4), clustering.KResult(4, 8.0, 0.5), clustering.KResult(5, 7.0, 0.5)]
    assert clustering.choose_k(results) == 4
