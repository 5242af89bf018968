"""Clustering pipeline: transforms, k choice on known structure, merging, stable naming."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from audience import clustering
from conftest import nearest_kept_centre

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
    settings = clustering.ClusterSettings(FEATURES, [], 2, 4, 1, 1, 0.0, 10, 10, None)
    no_k = pd.DataFrame({"k": pd.Series([], dtype="int64"), "is_chosen_k": pd.Series([], dtype="bool")})
    rows = clustering.cluster_model_table(few, no_k, settings)
    assert rows.empty and list(rows.columns) == list(clustering.CLUSTER_MODEL_COLUMNS)
    placed = clustering.cluster_table(few, rows, settings)
    assert list(placed.cluster_id) == [0, 0] and set(placed.cluster_label) == {clustering.INSUFFICIENT_DATA}
    # with a k, those with sufficient data are clustered and the others are cluster 0
    mixed = frame.head(400).assign(
        customer_id=[f"c{i}" for i in range(400)], customer_key=range(400), has_sufficient_data=[True] * 399 + [False]
    )
    two = pd.DataFrame({"k": [2], "is_chosen_k": [True]})
    rows = clustering.cluster_model_table(mixed[mixed.has_sufficient_data], two, replace(settings, fit_sample=400))
    placed = clustering.cluster_table(mixed, rows, settings)
    assert sorted(placed.cluster_id.unique()) == [0, 1, 2]
    assert list(placed.loc[placed.customer_id == "c399", "cluster_id"]) == [0]


def fitted(frame: pd.DataFrame, log_features: list[str], pca_components: int | None = None) -> clustering.ClusterModel:
    prepared = clustering.prepare_features(frame, FEATURES, log_features, pca_components)
    return clustering.fit_cluster_model(frame, prepared, 4, seed=42, min_size=20, min_share=0.01, fit_sample=5000)


def test_a_kept_fit_places_each_customer_by_their_own_features() -> None:
    """Between refits a customer's cluster and distance depend on their features alone: changing everyone else's,
    or scoring the customer alone, changes nothing for them; a new customer goes to the centre it is nearest."""
    frame = blobs((300, 300, 300, 300))
    model = fitted(frame, ["recency_days", "frequency", "monetary"])
    placed = clustering.score_clusters(frame, model)
    others = frame.copy()
    others.loc[1:, ["recency_days", "monetary"]] *= 3.0  # everyone but the first customer changes
    others.loc[5, "recency_days"] = np.nan  # and one of them has never bought
    again = clustering.score_clusters(others, model)
    pd.testing.assert_series_equal(again.iloc[0], placed.iloc[0])
    alone = clustering.score_clusters(frame.iloc[[600]], model)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), placed.iloc[[600]].reset_index(drop=True))
    # a missing recency is the fit's longest + 1, not the scored rows' longest
    assert model.transform.recency_fill == frame.recency_days.max() + 1.0
    never = clustering.score_clusters(others.iloc[[5]], model)
    as_longest = clustering.score_clusters(others.iloc[[5]].assign(recency_days=frame.recency_days.max() + 1.0), model)
    pd.testing.assert_frame_equal(never, as_longest)


@pytest.mark.parametrize("pca_components", [None, 2])
def test_the_kept_rows_score_as_the_fit_does(pca_components: int | None) -> None:
    """int_cluster_model's rows give back the fit: the same clusters, names and distances for everyone."""
    frame = blobs((300, 300, 300, 300))
    model = fitted(frame, ["monetary"], pca_components)
    rows = clustering.cluster_model_rows(model)
    assert set(rows.term) == {"recency_fill", "mean", "scale", "centre"} | (
        {"pca_mean", "pca_axis"} if pca_components else set()
    )
    back = clustering.read_cluster_model(rows.sample(frac=1.0, random_state=1), FEATURES, ["monetary"])
    pd.testing.assert_frame_equal(clustering.score_clusters(frame, back), clustering.score_clusters(frame, model))
    with pytest.raises(ValueError, match="not cluster_features"):
        clustering.read_cluster_model(rows, FEATURES[::-1], ["monetary"])


def test_distance_is_to_the_nearest_kept_centre() -> None:
    """Recomputed from the kept rows alone: fill, log(1 + x), standardize, then the nearest centre."""
    frame = blobs((300, 300, 300, 300))
    frame.loc[7, "recency_days"] = np.nan
    log_features = ["recency_days", "frequency", "monetary"]
    rows = clustering.cluster_model_rows(fitted(frame, log_features))
    cluster_id, distance = nearest_kept_centre(frame, rows, FEATURES, log_features)
    placed = clustering.score_clusters(frame, clustering.read_cluster_model(rows, FEATURES, log_features))
    assert (placed.cluster_id.to_numpy() == cluster_id).all()
    assert np.allclose(placed.distance_to_centroid, distance, rtol=0, atol=1e-12)


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
