"""Customer clustering: k-means++ on customer-grain features, k chosen by silhouette.

The pipeline, each step a small function:

1. ``prepare_features``: pick the feature columns, fill "none" values (no
   purchase, never mailed) with what they mean, log-transform the skewed
   ones, standardize; optionally project on principal components. What it
   learns from the customers (the fill, the means and scales, the axes) is a
   ``FeatureTransform``, kept with the fit.
2. ``search_k``: for every k in the range fit k-means++ (fixed seed) on a
   sample, record the within-cluster sum of squares (elbow) and the
   silhouette on a fixed-size random sample (never the O(n^2) full one).
3. ``fit_clusters``: fit the chosen k, assign everyone to the nearest centre.
4. ``merge_small_clusters``: fold clusters below the minimum size into the
   nearest remaining centre, the usual cure for over-segmentation.
5. ``describe_clusters``: order clusters by value and engagement (stable ids)
   and name each from its centre relative to the population.
6. ``score_clusters``: every customer's cluster is the nearest centre of the
   fit (``ClusterModel``, kept as rows between refits), so between refits a
   customer's cluster changes only when their own features do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from audience.frames import to_pandas

# Which features speak to which dimension of a cluster's name.
VALUE_FEATURES = ("frequency", "monetary", "average_order_value")
ENGAGEMENT_FEATURES = ("open_rate_180d", "click_rate_180d", "behavioral_score", "web_sessions_180d")
RECENCY_FEATURE = "recency_days"
TENURE_FEATURE = "tenure_days"
INSUFFICIENT_DATA = "insufficient data"


@dataclass(frozen=True)
class FeatureTransform:
    """How features become the clustering space: learnt from the customers of a fit, applied to anyone after it."""

    names: list[str]
    log_features: list[str]
    recency_fill: float  # a missing recency (never bought) takes the fit's longest recency + 1
    mean: np.ndarray
    scale: np.ndarray
    pca_mean: np.ndarray | None = None  # principal axes, one row per component (None: no projection)
    pca_axes: np.ndarray | None = None

    def standardize(self, frame: pd.DataFrame) -> np.ndarray:
        values = fill_missing(frame, self.names, self.recency_fill)
        if (values[self.log_features] < 0).to_numpy().any():
            raise ValueError("log-transformed features must be non-negative")
        values[self.log_features] = np.log1p(values[self.log_features])
        return (values.to_numpy() - self.mean) / self.scale

    def project(self, standardized: np.ndarray) -> np.ndarray:
        if self.pca_axes is None:
            return standardized
        return (standardized - self.pca_mean) @ self.pca_axes.T


@dataclass(frozen=True)
class PreparedFeatures:
    """The model matrix and what is needed to read it back."""

    matrix: np.ndarray  # standardized (and optionally PCA-projected) features
    standardized: np.ndarray  # standardized features before any projection
    names: list[str]
    transform: FeatureTransform


@dataclass(frozen=True)
class KResult:
    k: int
    inertia: float
    silhouette: float


def fill_missing(frame: pd.DataFrame, features: list[str], recency_fill: float | None = None) -> pd.DataFrame:
    """Missing means 'none': no purchase yet is the longest recency (``recency_fill``, by default the frame's
    longest + 1), no mail is a zero rate."""
    filled = frame[features].astype(float).copy()
    if RECENCY_FEATURE in filled:
        filled[RECENCY_FEATURE] = filled[RECENCY_FEATURE].fillna(
            longest_recency_fill(filled) if recency_fill is None else recency_fill
        )
    return filled.fillna(0.0)


def longest_recency_fill(frame: pd.DataFrame) -> float:
    """The recency that stands for 'never bought': one more than the longest in ``frame``."""
    if RECENCY_FEATURE not in frame:
        return float("nan")
    longest = frame[RECENCY_FEATURE].astype(float).max()
    return (0.0 if np.isnan(longest) else longest) + 1.0


def prepare_features(
    frame: pd.DataFrame, features: list[str], log_features: list[str], pca_components: int | float | None = None
) -> PreparedFeatures:
    """Fill, log1p-transform the skewed features, standardize, optionally project with PCA (learnt on ``frame``)."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ValueError(f"cluster features not in the feature table: {missing}")
    if not set(log_features) <= set(features):
        raise ValueError("every log-transformed feature must also be a clustering feature")
    fill = longest_recency_fill(frame)
    values = fill_missing(frame, features, fill)
    if (values[log_features] < 0).to_numpy().any():
        raise ValueError("log-transformed features must be non-negative")
    values[log_features] = np.log1p(values[log_features])
    matrix = values.to_numpy()
    scale = matrix.std(axis=0)
    scale[scale == 0] = 1.0
    transform = FeatureTransform(list(features), list(log_features), fill, matrix.mean(axis=0), scale)
    standardized = (matrix - transform.mean) / transform.scale  # FeatureTransform.standardize's arithmetic
    if pca_components:
        pca = PCA(n_components=pca_components, random_state=0).fit(standardized)
        transform = replace(transform, pca_mean=pca.mean_, pca_axes=pca.components_)
    return PreparedFeatures(transform.project(standardized), standardized, list(features), transform)


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """A fixed random subset of row positions (all rows when n <= size), sorted."""
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _kmeans(k: int, seed: int) -> KMeans:
    return KMeans(n_clusters=k, init="k-means++", n_init=4, random_state=seed)


def silhouette_scores(points: np.ndarray, labelings: list[np.ndarray], block_rows: int = 1000) -> list[float]:
    """Mean silhouette of ``points`` under each labeling, computing the pairwise distances once.

    For each point, a = mean distance to the other members of its cluster and
    b = the smallest mean distance to the members of another cluster;
    s = (b - a) / max(a, b), and 0 for a point alone in its cluster
    (Rousseeuw 1987). The Euclidean distances are computed a block of rows
    at a time and multiplied by every labeling's one-hot matrix at once, so
    trying several k costs one pass over the n x n distances, in memory
    proportional to ``block_rows`` x n.
    """
    n = len(points)
    one_hots = [np.eye(labels.max() + 1)[labels] for labels in labelings]
    stacked = np.hstack(one_hots)
    sums = np.empty((n, stacked.shape[1]))  # sum of distances from each point to each cluster
    squared = (points**2).sum(axis=1)
    for start in range(0, n, block_rows):
        block = slice(start, min(start + block_rows, n))
        distances = squared[block, None] + squared[None, :] - 2.0 * points[block] @ points.T
        np.maximum(distances, 0.0, out=distances)
        distances[np.arange(block.stop - block.start), np.arange(block.start, block.stop)] = 0.0
        sums[block] = np.sqrt(distances) @ stacked
    scores, offset = [], 0
    for labels, one_hot in zip(labelings, one_hots, strict=True):
        k = one_hot.shape[1]
        cluster_sums = sums[:, offset : offset + k]
        offset += k
        sizes = one_hot.sum(axis=0)
        rows = np.arange(n)
        own_size = sizes[labels]
        a = cluster_sums[rows, labels] / np.maximum(own_size - 1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = cluster_sums / sizes
        means[:, sizes == 0] = np.inf  # a cluster none of these points is in
        means[rows, labels] = np.inf
        b = means.min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(own_size > 1, (b - a) / np.maximum(a, b), 0.0)
        scores.append(float(np.nan_to_num(s).mean()))
    return scores


def search_k(matrix: np.ndarray, k_values: range, seed: int, fit_sample: int, silhouette_sample: int) -> list[KResult]:
    """Inertia and sampled silhouette for each k (fitted on a fixed sample of rows).

    Every k is scored on the same random ``silhouette_sample`` rows of the
    fit sample, so the silhouettes are comparable across k. Only the k a
    silhouette exists for (2 <= k < customers) are tried: too few customers
    give fewer results, or none, never an error that would halt the build.
    """
    fit_rows = matrix[sample_rows(len(matrix), fit_sample, seed)]
    scored_rows = sample_rows(len(fit_rows), silhouette_sample, seed)
    possible = [k for k in k_values if 2 <= k < len(fit_rows)]
    if not possible:
        return []
    models = [_kmeans(k, seed).fit(fit_rows) for k in possible]
    silhouettes = silhouette_scores(fit_rows[scored_rows], [model.labels_[scored_rows] for model in models])
    return [
        KResult(k, float(model.inertia_), score) for k, model, score in zip(possible, models, silhouettes, strict=True)
    ]


def choose_k(results: list[KResult]) -> int | None:
    """The k with the highest silhouette (the smallest such k on a tie); None when no k could be tried."""
    if not results:
        return None
    return max(results, key=lambda r: (r.silhouette, -r.k)).k


def fit_clusters(matrix: np.ndarray, k: int, seed: int, fit_sample: int) -> tuple[np.ndarray, np.ndarray]:
    """Fit k-means++ on the sample, then assign every row to its nearest centre."""
    model = _kmeans(k, seed).fit(matrix[sample_rows(len(matrix), fit_sample, seed)])
    return model.predict(matrix), model.cluster_centers_


def nearest(matrix: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each row (squared Euclidean distance)."""
    distances = (matrix**2).sum(axis=1)[:, None] - 2.0 * matrix @ centres.T + (centres**2).sum(axis=1)[None, :]
    return distances.argmin(axis=1)


def merge_small_clusters(matrix: np.ndarray, labels: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Fold the smallest cluster into the nearest other centres until every cluster has ``min_size`` members.

    Returns labels renumbered 0..k'-1 and the centres (member means).
    """
    labels = labels.copy()
    while True:
        present, sizes = np.unique(labels, return_counts=True)
        if len(present) <= 1 or sizes.min() >= min_size:
            break
        smallest = present[sizes.argmin()]
        others = present[present != smallest]
        centres = np.vstack([matrix[labels == c].mean(axis=0) for c in others])
        members = labels == smallest
        labels[members] = others[nearest(matrix[members], centres)]
    present, labels = np.unique(labels, return_inverse=True)
    centres = np.vstack([matrix[labels == c].mean(axis=0) for c in range(len(present))])
    return labels, centres


def _dimension(z: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    columns = [n for n in names if n in z.columns]
    return z[columns].mean(axis=1) if columns else pd.Series(0.0, index=z.index)


def describe_clusters(
    standardized: np.ndarray, labels: np.ndarray, names: list[str], is_buyer: np.ndarray
) -> pd.DataFrame:
    """One row per cluster: stable id (1 = highest value), human-readable name, profile in z-scores.

    A cluster's centre is compared with the population (z-score 0): value from
    frequency and spend, engagement from email rates, score and sessions,
    'new' from a short tenure, 'lapsed' from a long recency. A cluster whose
    members mostly never bought is named 'prospects' instead of by value.
    """
    z = pd.DataFrame(standardized, columns=names).groupby(labels).mean()
    buyer_share = pd.Series(is_buyer.astype(float)).groupby(labels).mean()
    value = _dimension(z, VALUE_FEATURES)
    engagement = _dimension(z, ENGAGEMENT_FEATURES)
    order = sorted(z.index, key=lambda c: (-round(value[c], 9), -round(engagement[c], 9), c))
    rows = []
    for position, cluster in enumerate(order, start=1):
        parts = []
        v, e = value[cluster], engagement[cluster]
        if buyer_share[cluster] < 0.5:
            parts.append("prospects")
        else:
            if TENURE_FEATURE in z and z.loc[cluster, TENURE_FEATURE] < -0.75:
                parts.append("new")
            elif RECENCY_FEATURE in z and z.loc[cluster, RECENCY_FEATURE] > 0.75:
                parts.append("lapsed")
            parts.append("high value" if v > 0.5 else "low value" if v < -0.5 else "mid value")
        parts.append("highly engaged" if e > 0.5 else "low engagement" if e < -0.5 else "moderately engaged")
        rows.append({"label": cluster, "cluster_id": position, "cluster_label": ", ".join(parts)})
    described = pd.DataFrame(rows)
    repeats = described.groupby("cluster_label").cumcount()
    described["cluster_label"] = np.where(
        repeats > 0, described.cluster_label + " (" + (repeats + 1).astype(str) + ")", described.cluster_label
    )
    return described.set_index("label")


@dataclass(frozen=True)
class ClusterModel:
    """A fitted clustering as numbers: the feature transform, the centres and their ids and names.

    Kept between refits (int_cluster_model); ``score_clusters`` places anyone with it.
    """

    transform: FeatureTransform
    centres: np.ndarray  # one row per cluster, in the clustering space
    cluster_ids: np.ndarray  # 1 = highest value
    cluster_labels: list[str]


def fit_cluster_model(
    frame: pd.DataFrame, prepared: PreparedFeatures, k: int, seed: int, min_size: int, min_share: float, fit_sample: int
) -> ClusterModel:
    """k-means++ with ``k`` on ``prepared`` (the features of ``frame``), small clusters merged, centres named."""
    labels, _ = fit_clusters(prepared.matrix, k, seed, fit_sample)
    threshold = max(min_size, int(np.ceil(min_share * len(frame))))
    labels, centres = merge_small_clusters(prepared.matrix, labels, threshold)
    is_buyer = frame["frequency"].fillna(0).to_numpy() > 0 if "frequency" in frame else np.ones(len(frame), bool)
    described = describe_clusters(prepared.standardized, labels, prepared.names, is_buyer)
    return ClusterModel(
        prepared.transform,
        centres,
        described.cluster_id.reindex(range(len(centres))).to_numpy(dtype="int64"),
        described.cluster_label.reindex(range(len(centres))).tolist(),
    )


def score_clusters(frame: pd.DataFrame, model: ClusterModel) -> pd.DataFrame:
    """Each row of ``frame`` (customer_id and the features) in the nearest centre of ``model``, and its distance."""
    matrix = model.transform.project(model.transform.standardize(frame))
    nearest_centre = nearest(matrix, model.centres)
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "cluster_id": model.cluster_ids[nearest_centre],
            "cluster_label": np.asarray(model.cluster_labels, dtype=object)[nearest_centre],
            "distance_to_centroid": np.sqrt(((matrix - model.centres[nearest_centre]) ** 2).sum(axis=1)),
        }
    )


def cluster_customers(
    frame: pd.DataFrame,
    features: list[str],
    log_features: list[str],
    k_values: range,
    seed: int,
    min_size: int,
    min_share: float,
    fit_sample: int,
    silhouette_sample: int,
    pca_components: int | float | None = None,
    k: int | None = None,
) -> tuple[pd.DataFrame, list[KResult], int]:
    """The whole pipeline on the eligible customers of ``frame`` (a customer_id column plus features).

    With ``k`` given the search is skipped. Returns the assignments
    (customer_id, cluster_id, cluster_label, distance_to_centroid: every
    customer in the nearest centre of the fit), the k search results and the
    chosen k.
    """
    prepared = prepare_features(frame, features, log_features, pca_components)
    results = [] if k is not None else search_k(prepared.matrix, k_values, seed, fit_sample, silhouette_sample)
    chosen = k if k is not None else choose_k(results)
    model = fit_cluster_model(frame, prepared, chosen, seed, min_size, min_share, fit_sample)
    return score_clusters(frame, model), results, chosen


def cluster_everyone(customers: pd.DataFrame, model: ClusterModel | None) -> pd.DataFrame:
    """A cluster for every customer: the nearest centre of ``model`` for those with sufficient data, cluster 0 for
    the rest.

    ``customers`` has customer_id, customer_key, has_sufficient_data and the
    features. Without a model (too few customers to try any k) everyone is
    cluster 0, INSUFFICIENT_DATA.
    """
    sufficient = customers.has_sufficient_data.to_numpy(dtype=bool) & (model is not None)
    parts = []
    if sufficient.any():
        assignments = score_clusters(customers[sufficient], model)
        assignments.insert(1, "customer_key", customers.customer_key.to_numpy()[sufficient])
        parts.append(assignments)
    parts.append(
        pd.DataFrame(
            {
                "customer_id": customers.customer_id[~sufficient],
                "customer_key": customers.customer_key[~sufficient],
                "cluster_id": 0,
                "cluster_label": INSUFFICIENT_DATA,
                "distance_to_centroid": float("nan"),
            }
        )
    )
    return pd.concat(parts, ignore_index=True)


# int_cluster_model: a ClusterModel as rows. ``recency_fill``: the value a missing recency takes; ``mean`` and
# ``scale``: each feature's standardization (``dimension`` its position in cluster_features); ``pca_mean`` and
# ``pca_axis``: the principal components (``dimension`` the component), when cluster_pca_components is set;
# ``centre``: one coordinate (``dimension``) of one cluster's centre, with the cluster's id and name.
CLUSTER_MODEL_COLUMNS: dict[str, str] = {
    "term": "string",
    "feature": "string",
    "dimension": "Int64",
    "cluster_id": "Int64",
    "cluster_label": "string",
    "value": "float64",
}


def cluster_model_rows(model: ClusterModel | None) -> pd.DataFrame:
    """``model`` as int_cluster_model's rows (none without a model)."""
    rows = []
    if model is not None:
        t = model.transform
        if not np.isnan(t.recency_fill):
            rows.append({"term": "recency_fill", "feature": RECENCY_FEATURE, "value": t.recency_fill})
        for i, name in enumerate(t.names):
            rows.append({"term": "mean", "feature": name, "dimension": i, "value": t.mean[i]})
            rows.append({"term": "scale", "feature": name, "dimension": i, "value": t.scale[i]})
            if t.pca_axes is not None:
                rows.append({"term": "pca_mean", "feature": name, "dimension": i, "value": t.pca_mean[i]})
                rows += [
                    {"term": "pca_axis", "feature": name, "dimension": j, "value": axis[i]}
                    for j, axis in enumerate(t.pca_axes)
                ]
        for centre, cluster_id, label in zip(model.centres, model.cluster_ids, model.cluster_labels, strict=True):
            rows += [
                {
                    "term": "centre",
                    "feature": t.names[d] if t.pca_axes is None else None,
                    "dimension": d,
                    "cluster_id": int(cluster_id),
                    "cluster_label": label,
                    "value": value,
                }
                for d, value in enumerate(centre)
            ]
    frame = pd.DataFrame(rows, columns=list(CLUSTER_MODEL_COLUMNS))
    return frame.astype(CLUSTER_MODEL_COLUMNS).reset_index(drop=True)


def read_cluster_model(rows: pd.DataFrame, features: list[str], log_features: list[str]) -> ClusterModel | None:
    """The ClusterModel int_cluster_model's ``rows`` hold (None when empty: no k could be tried)."""
    if rows.empty:
        return None

    def term(name: str) -> pd.DataFrame:
        return rows[rows["term"] == name].sort_values(["dimension", "feature"])

    names = term("mean")["feature"].tolist()
    if names != list(features):
        raise ValueError(f"the kept cluster model's features {names} are not cluster_features {list(features)}")
    fill = term("recency_fill")["value"].to_numpy(dtype="float64")
    pca = rows[rows["term"] == "pca_axis"]
    axes = None
    if len(pca):
        positions = pca["feature"].map({name: i for i, name in enumerate(names)}).to_numpy()
        axes = np.zeros((int(pca["dimension"].max()) + 1, len(names)))
        axes[pca["dimension"].to_numpy(dtype="int64"), positions] = pca["value"].to_numpy(dtype="float64")
    transform = FeatureTransform(
        names,
        list(log_features),
        float(fill[0]) if len(fill) else float("nan"),
        term("mean")["value"].to_numpy(dtype="float64"),
        term("scale")["value"].to_numpy(dtype="float64"),
        term("pca_mean")["value"].to_numpy(dtype="float64") if axes is not None else None,
        axes,
    )
    centres = term("centre").sort_values(["cluster_id", "dimension"])
    by_cluster = centres.groupby("cluster_id", sort=True)
    return ClusterModel(
        transform,
        np.vstack([group["value"].to_numpy(dtype="float64") for _, group in by_cluster]),
        np.array(list(by_cluster.groups), dtype="int64"),
        [str(group["cluster_label"].iloc[0]) for _, group in by_cluster],
    )


# ---------------------------------------------------------------- what the dbt models call


@dataclass(frozen=True)
class ClusterSettings:
    """The cluster_* vars, as the two clustering models receive them through their config."""

    features: list[str]
    log_features: list[str]
    k_min: int
    k_max: int
    seed: int
    min_size: int
    min_share: float
    fit_sample: int
    silhouette_sample: int
    pca_components: int | float | None

    @classmethod
    def from_config(cls, settings: Mapping[str, object]) -> ClusterSettings:
        """From the ``cluster_settings`` config (dbt_project.yml: one entry per cluster_* var)."""
        return cls(
            features=list(settings["features"]),
            log_features=list(settings["log_features"]),
            k_min=int(settings["k_min"]),
            k_max=int(settings["k_max"]),
            seed=int(settings["random_seed"]),
            min_size=int(settings["min_size"]),
            min_share=float(settings["min_share"]),
            fit_sample=int(settings["fit_sample_size"]),
            silhouette_sample=int(settings["silhouette_sample_size"]),
            pca_components=settings["pca_components"],
        )


def read_eligible(features: object, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The customers of int_customer_features (``features``) with enough data to cluster, in customer order: the
    seeded samples of a fit are then the same on the same data."""
    return to_pandas(features, columns, where="has_sufficient_data", order_by=["customer_id"])


def k_search_table(eligible: pd.DataFrame, settings: ClusterSettings) -> pd.DataFrame:
    """int_cluster_k_search: inertia and sampled silhouette for every k tried, the chosen one marked.

    ``eligible``: the customers with sufficient data, their features, in a
    fixed row order (the seeded samples are then the same on the same data).
    Typed columns: with too few customers to try any k the table is empty.
    """
    prepared = prepare_features(eligible, settings.features, settings.log_features, settings.pca_components)
    results = search_k(
        prepared.matrix,
        range(settings.k_min, settings.k_max + 1),
        settings.seed,
        settings.fit_sample,
        settings.silhouette_sample,
    )
    chosen = choose_k(results)
    return pd.DataFrame(
        {
            "k": pd.Series([r.k for r in results], dtype="int64"),
            "inertia": pd.Series([r.inertia for r in results], dtype="float64"),
            "silhouette": pd.Series([r.silhouette for r in results], dtype="float64"),
            "is_chosen_k": pd.Series([r.k == chosen for r in results], dtype="bool"),
            "n_customers": pd.Series([len(eligible)] * len(results), dtype="int64"),
        }
    )


def cluster_model_table(eligible: pd.DataFrame, k_search: pd.DataFrame, settings: ClusterSettings) -> pd.DataFrame:
    """int_cluster_model: the fit with the k int_cluster_k_search chose, as rows (none when it chose none).

    ``eligible``: the customers with sufficient data, all their features, in a fixed row order (the seeded sample is
    then the same on the same data).
    """
    chosen = k_search.loc[k_search.is_chosen_k.astype(bool), "k"]
    if not len(chosen):
        return cluster_model_rows(None)
    prepared = prepare_features(eligible, settings.features, settings.log_features, settings.pca_components)
    model = fit_cluster_model(
        eligible,
        prepared,
        int(chosen.iloc[0]),
        settings.seed,
        settings.min_size,
        settings.min_share,
        settings.fit_sample,
    )
    return cluster_model_rows(model)


def cluster_table(customers: pd.DataFrame, model_rows: pd.DataFrame, settings: ClusterSettings) -> pd.DataFrame:
    """customer_clusters: every customer in the nearest centre of the kept fit (int_cluster_model)."""
    return cluster_everyone(customers, read_cluster_model(model_rows, settings.features, settings.log_features))
