"""Purchase and churn propensity: scikit-learn models trained on past snapshots, validated out of time.

The input is int_customer_feature_snapshots: one row per customer and
snapshot date, with features known at that date and labels from the windows
after it. For each target (``purchase``: an order in the window;
``engagement``: any open, click, visit or order, whose complement is churn
risk):

1. the candidates are trained on the older labelled snapshots (a seeded
   sample of at most ``training_sample_size`` rows) and scored on the latest
   labelled snapshot, the validation slice, which no candidate saw;
2. the baselines score the same slice by rule: RFM score, the lifecycle
   stage (each stage's positive rate on the training snapshots), BG/NBD's
   P(alive) and expected purchases (fitted on the validation snapshot's
   purchase histories, which end at its date), and recency alone;
3. every candidate and baseline is calibrated by Platt scaling on the
   validation slice, cross-fitted (two halves, each calibrated on the other)
   so the probability metrics are not measured on the rows that set them;
4. the chosen model is the candidate with the highest validation ROC AUC; if
   it does not beat the best baseline's, the best baseline is chosen.

``scoring_models_table`` then refits the chosen model on all labelled
snapshots and keeps it as rows of numbers (tree nodes, or the logistic
regression's terms), which ``customer_propensity_table`` scores every
customer as of today with (or it takes the chosen baseline), calibrated by
the validation slice's Platt map.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_limits

from audience.clv import ClvFitError, bgnbd_expected_purchases, bgnbd_probability_alive, fit_bgnbd
from audience.frames import to_pandas

# Features the models read, all known at the snapshot date (int_customer_feature_snapshots).
FEATURES: tuple[str, ...] = (
    "tenure_days",
    "orders",
    "orders_30d",
    "orders_90d",
    "revenue",
    "average_order_value",
    "days_since_first_purchase",
    "days_since_last_purchase",
    "deliveries_30d",
    "opens_30d",
    "clicks_30d",
    "web_sessions_30d",
    "product_views_30d",
    "add_to_carts_30d",
    "deliveries_90d",
    "opens_90d",
    "clicks_90d",
    "web_sessions_90d",
    "product_views_90d",
    "add_to_carts_90d",
    "days_since_last_open",
    "days_since_last_click",
    "days_since_last_visit",
    "days_since_last_engagement",
    "open_rate_90d",
    "click_rate_90d",
    "email_opted_in",
    "email_opted_out",
)
# Counts, amounts and tenure, log(1 + x) for the logistic regression (not day counts, rates or flags).
SKEWED: tuple[str, ...] = tuple(
    f for f in FEATURES if not f.startswith(("days_since", "email_")) and not f.endswith("_rate_90d")
)


@dataclass(frozen=True)
class Target:
    name: str
    label: str  # the label column of int_customer_feature_snapshots
    has_label: str  # the snapshot flag saying the label's window has ended
    recency: str  # the recency baseline's column: fewer days, more likely positive
    window: str  # the PropensitySettings field with the label window's days


TARGETS: tuple[Target, ...] = (
    Target("purchase", "purchased_in_window", "has_purchase_label", "days_since_last_purchase", "purchase_window_days"),
    Target(
        "engagement",
        "engaged_in_window",
        "has_engagement_label",
        "days_since_last_engagement",
        "engagement_window_days",
    ),
)
MODELS: tuple[str, ...] = ("gradient_boosting", "logistic_regression")
BASELINES: tuple[str, ...] = ("rfm_score", "lifecycle_stage", "bgnbd_p_alive", "bgnbd_expected_purchases", "recency")

# Columns a reader of the snapshots needs: ids, features, baseline inputs, labels.
SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "customer_key",
    "snapshot_number",
    "snapshot_date",
    "has_purchase_label",
    "has_engagement_label",
    *FEATURES,
    "rfm_score",
    "lifecycle_stage",
    "btyd_frequency",
    "btyd_recency",
    "btyd_t",
    "purchased_in_window",
    "engaged_in_window",
)


def read_snapshots(relation: object, where: str) -> pd.DataFrame:
    """The rows of int_customer_feature_snapshots meeting ``where``, as the propensity code reads them: the
    SNAPSHOT_COLUMNS, in snapshot and customer order (a seeded sample of them is then the same on the same data)."""
    return to_pandas(relation, list(SNAPSHOT_COLUMNS), where=where, order_by=["snapshot_number", "customer_key"])


@dataclass(frozen=True)
class PropensitySettings:
    random_seed: int = 42
    training_sample_size: int = 100_000
    bootstrap_samples: int = 100
    importance_sample_size: int = 5_000
    importance_repeats: int = 3
    calibration_bins: int = 10
    purchase_window_days: int = 30
    engagement_window_days: int = 60
    btyd_time_unit: str = "week"

    @property
    def btyd_unit_days(self) -> float:
        return {"day": 1.0, "week": 7.0}[self.btyd_time_unit]

    @classmethod
    def from_config(cls, settings: Mapping[str, object]) -> PropensitySettings:
        known = {name: type(getattr(cls(), name))(value) for name, value in settings.items() if value is not None}
        return cls(**known)


# ------------------------------------------------------------------ candidates


class DropEmptyColumns(TransformerMixin, BaseEstimator):
    """Drops the columns that are missing on every training row (a shop with no email or web data).

    They carry nothing, and scikit-learn's histogram binning fails on them.
    """

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's names
        self.keep_ = ~np.all(np.isnan(np.asarray(X, dtype="float64")), axis=0)
        return self

    def transform(self, X):  # noqa: N803
        return np.asarray(X, dtype="float64")[:, self.keep_]


def candidate_model(name: str, seed: int):
    """An unfitted scikit-learn classifier: the project's two candidates."""
    if name == "gradient_boosting":
        # NaN (no purchase yet, no open in the window) is a value of its own to the trees
        return make_pipeline(
            DropEmptyColumns(),
            HistGradientBoostingClassifier(
                learning_rate=0.1,
                max_iter=100,
                max_leaf_nodes=31,
                min_samples_leaf=100,
                l2_regularization=1.0,
                early_stopping=False,
                random_state=seed,
            ),
        )
    if name == "logistic_regression":
        skewed = [i for i, f in enumerate(FEATURES) if f in SKEWED]
        log_skewed = ColumnTransformer(
            [("log1p", FunctionTransformer(np.log1p, feature_names_out="one-to-one"), skewed)],
            remainder="passthrough",
        )
        return make_pipeline(
            log_skewed,
            DropEmptyColumns(),
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000),
        )
    raise ValueError(f"unknown propensity model {name!r}")


def feature_matrix(frame: pd.DataFrame) -> np.ndarray:
    return frame[list(FEATURES)].astype("float64").to_numpy()


def stage_rates(training: pd.DataFrame, target: Target) -> dict[str, float]:
    """Each lifecycle stage's positive rate on the training snapshots: the lifecycle rule as a score."""
    return training.groupby("lifecycle_stage")[target.label].mean().astype(float).to_dict()


def bgnbd_scores(
    frame: pd.DataFrame, window_days: float, settings: PropensitySettings
) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD P(alive) and expected purchases in the next ``window_days``, fitted on ``frame``'s buyers.

    BG/NBD describes the repeat purchases of buyers; people who never bought
    score 0 on both. The fit uses at most ``training_sample_size`` buyers.
    """
    buyers = frame["orders"].to_numpy() > 0
    x = frame["btyd_frequency"].to_numpy(dtype="float64")
    t_x = frame["btyd_recency"].to_numpy(dtype="float64")
    big_t = frame["btyd_t"].to_numpy(dtype="float64")
    p_alive = np.zeros(len(frame))
    expected = np.zeros(len(frame))
    index = np.flatnonzero(buyers)
    if len(index) == 0:
        return p_alive, expected
    fit_index = index
    if len(index) > settings.training_sample_size:
        rng = np.random.default_rng(settings.random_seed)
        fit_index = np.sort(rng.choice(index, settings.training_sample_size, replace=False))
    try:
        params = fit_bgnbd(x[fit_index], t_x[fit_index], big_t[fit_index]).params
    except ClvFitError:
        return p_alive, expected
    horizon = window_days / settings.btyd_unit_days
    p_alive[index] = bgnbd_probability_alive(params, x[index], t_x[index], big_t[index])
    expected[index] = bgnbd_expected_purchases(params, horizon, x[index], t_x[index], big_t[index])
    return p_alive, expected


def baseline_scores(
    frame: pd.DataFrame, target: Target, rates: Mapping[str, float], settings: PropensitySettings
) -> dict[str, np.ndarray]:
    """Each baseline's score of every row of ``frame`` (one snapshot): higher, more likely positive."""
    p_alive, expected = bgnbd_scores(frame, getattr(settings, target.window), settings)
    days = frame[target.recency].astype("float64").to_numpy()
    fallback = float(np.mean(list(rates.values()))) if rates else 0.0
    return {
        "rfm_score": frame["rfm_score"].astype("float64").to_numpy(),
        "lifecycle_stage": frame["lifecycle_stage"].map(rates).astype("float64").fillna(fallback).to_numpy(),
        "bgnbd_p_alive": p_alive,
        "bgnbd_expected_purchases": expected,
        # never: further than any day count
        "recency": -np.where(np.isnan(days), np.inf, days),
    }


# ----------------------------------------------------------------- calibration


def platt_input(score: np.ndarray, is_probability: bool) -> np.ndarray:
    """What Platt scaling regresses on: the log-odds of a model's probability, a baseline's score as it is."""
    if is_probability:
        return logit(np.clip(score, 1e-6, 1 - 1e-6))
    finite = np.isfinite(score)
    floor = np.min(score[finite]) - 1.0 if finite.any() else 0.0
    return np.where(finite, score, floor)


@dataclass(frozen=True)
class Platt:
    """p = expit(slope * standardized score + intercept)."""

    slope: float
    intercept: float
    center: float
    scale: float

    @classmethod
    def fit(cls, score: np.ndarray, label: np.ndarray) -> Platt:
        center = float(np.mean(score))
        scale = float(np.std(score)) or 1.0
        z = ((score - center) / scale).reshape(-1, 1)
        if len(np.unique(label)) < 2:
            rate = float(np.clip(np.mean(label), 1e-6, 1 - 1e-6)) if len(label) else 0.5
            return cls(0.0, float(logit(rate)), center, scale)
        fitted = LogisticRegression(C=1e6, max_iter=1000).fit(z, label)
        return cls(float(fitted.coef_[0, 0]), float(fitted.intercept_[0]), center, scale)

    def __call__(self, score: np.ndarray) -> np.ndarray:
        return expit(self.slope * (score - self.center) / self.scale + self.intercept)


def cross_fitted_probabilities(score: np.ndarray, label: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Platt probabilities for each half of the rows, fitted on the other half."""
    probability = np.empty(len(score))
    for half in (0, 1):
        rows = fold == half
        probability[rows] = Platt.fit(score[~rows], label[~rows])(score[rows])
    return probability


# --------------------------------------------------------------------- metrics


def top_decile(score: np.ndarray, label: np.ndarray) -> tuple[float, float]:
    """Lift and capture rate of the top 10% of rows by score (ties broken by row order)."""
    n_top = max(int(np.ceil(0.1 * len(score))), 1)
    top = np.argsort(-score, kind="stable")[:n_top]
    rate = float(np.mean(label))
    top_rate = float(np.mean(label[top]))
    positives = float(np.sum(label))
    return (top_rate / rate if rate > 0 else np.nan), (float(np.sum(label[top])) / positives if positives else np.nan)


def bootstrap_auc_se(score: np.ndarray, label: np.ndarray, settings: PropensitySettings, seed: int) -> float:
    """Bootstrap standard error of the ROC AUC (``bootstrap_samples`` resamples of all rows).

    A resample is a vector of row weights (how often each row was drawn);
    the AUC is then the Mann-Whitney statistic over the distinct scores,
    sorted once, so a replicate costs a few passes over the rows and no sort.
    """
    values, group = np.unique(score, return_inverse=True)
    n = len(score)
    rng = np.random.default_rng(seed)
    aucs = []
    for _ in range(settings.bootstrap_samples):
        weight = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
        auc = weighted_auc(group, len(values), label, weight)
        if not np.isnan(auc):
            aucs.append(auc)
    return float(np.std(aucs, ddof=1)) if len(aucs) > 1 else np.nan


def weighted_auc(group: np.ndarray, n_groups: int, label: np.ndarray, weight: np.ndarray) -> float:
    """ROC AUC of rows weighted by ``weight``, ``group`` being each row's rank among the distinct scores.

    The Mann-Whitney statistic: for each positive, the weight of negatives
    scored lower, plus half of those scored the same.
    """
    positive = label.astype(float)
    positives = np.bincount(group, weights=weight * positive, minlength=n_groups)
    negatives = np.bincount(group, weights=weight * (1.0 - positive), minlength=n_groups)
    n_positive, n_negative = positives.sum(), negatives.sum()
    if n_positive == 0 or n_negative == 0:
        return np.nan
    below = np.cumsum(negatives) - negatives
    return float(np.sum(positives * (below + 0.5 * negatives)) / (n_positive * n_negative))


def calibration_bins(probability: np.ndarray, label: np.ndarray, bins: int) -> list[dict[str, float]]:
    """Rows split into ``bins`` equal-count bins by predicted probability: mean predicted vs observed rate."""
    order = np.argsort(probability, kind="stable")
    out = []
    for number, rows in enumerate(np.array_split(order, bins), start=1):
        if len(rows):
            out.append(
                {
                    "bin": number,
                    "mean_predicted": float(np.mean(probability[rows])),
                    "observed_rate": float(np.mean(label[rows])),
                    "rows": len(rows),
                }
            )
    return out


def evaluate(score: np.ndarray, probability: np.ndarray, label: np.ndarray, settings: PropensitySettings, seed: int):
    lift, capture = top_decile(score, label)
    return {
        "roc_auc": float(roc_auc_score(label, score)),
        "roc_auc_se": bootstrap_auc_se(score, label, settings, seed),
        "pr_auc": float(average_precision_score(label, score)),
        "brier_score": float(brier_score_loss(label, probability)),
        "log_loss": float(log_loss(label, np.clip(probability, 1e-12, 1 - 1e-12), labels=[0, 1])),
        "top_decile_lift": lift,
        "top_decile_capture_rate": capture,
    }


# ---------------------------------------------------------------- the pipeline


def training_rows(
    snapshots: pd.DataFrame, target: Target, validation: int, settings: PropensitySettings
) -> pd.DataFrame:
    """The labelled rows of snapshots older than ``validation``, a seeded sample of at most training_sample_size."""
    rows = snapshots[snapshots[target.has_label].astype(bool) & (snapshots["snapshot_number"] > validation)]
    rows = rows.sort_values(["snapshot_number", "customer_key"], kind="stable")
    if len(rows) > settings.training_sample_size:
        rows = rows.sample(settings.training_sample_size, random_state=settings.random_seed).sort_index()
    return rows


def validation_snapshot(snapshots: pd.DataFrame, target: Target) -> int | None:
    """The latest snapshot whose label is known; None when none is."""
    labelled = snapshots.loc[snapshots[target.has_label].astype(bool), "snapshot_number"]
    return None if labelled.empty else int(labelled.min())


def base_rate_rows(snapshots: pd.DataFrame, target: Target, validation: int | None) -> list[dict]:
    """The fallback when the history cannot train or validate a candidate: everyone gets the base rate.

    A model needs both outcomes among its training rows and its validation
    slice. Without them (a new shop, a tiny extract) the build goes on: the
    one candidate, ``base_rate``, scores every customer with the share of
    positive labels among all labelled rows (0.5 when there are none), and
    a constant score has a ROC AUC of 0.5.
    """
    labelled = snapshots[snapshots[target.has_label].astype(bool)]
    rate = float(np.mean(labels_of(labelled, target))) if len(labelled) else 0.5
    clipped = float(np.clip(rate, 1e-6, 1 - 1e-6))
    n = int((snapshots["snapshot_number"] == validation).sum()) if validation is not None else 0
    measures = {
        "roc_auc": 0.5,
        "roc_auc_se": 0.0,
        "positive_rate": rate,
        "validation_rows": float(n),
        "training_rows": 0.0,
        "validation_snapshot_number": np.nan if validation is None else float(validation),
        "platt_slope": 0.0,
        "platt_intercept": float(logit(clipped)),
        "platt_center": 0.0,
        "platt_scale": 1.0,
        "is_chosen": 1.0,
    }
    common = {"target": target.name, "candidate": "base_rate", "candidate_kind": "baseline", "position": None}
    return [{**common, "measure": m, "label": None, "value": v} for m, v in measures.items()]


def fold_of(customer_key: pd.Series) -> np.ndarray:
    """The cross-fitting half of each row: by customer, so a rebuild splits the same way."""
    return (customer_key.astype("int64").to_numpy() % 2).astype(int)


def labels_of(frame: pd.DataFrame, target: Target) -> np.ndarray:
    return frame[target.label].astype(bool).to_numpy().astype(int)


def validate_target(snapshots: pd.DataFrame, target: Target, settings: PropensitySettings) -> list[dict]:
    """Evaluation rows (measure, position, label, value) of every candidate and baseline for one target."""
    validation = validation_snapshot(snapshots, target)
    if validation is None:
        return base_rate_rows(snapshots, target, None)
    training = training_rows(snapshots, target, validation, settings)
    # the sampled customers of that snapshot (int_customer_feature_snapshots samples the past snapshots)
    slice_ = snapshots[snapshots["snapshot_number"] == validation].sort_values("customer_key", kind="stable")
    label = labels_of(slice_, target)
    fold = fold_of(slice_["customer_key"])
    both_outcomes = len(np.unique(labels_of(training, target))) == 2 and len(np.unique(label)) == 2
    # and enough rows of each in the slice for the two halves of the cross-fitted calibration
    if not both_outcomes or min(np.bincount(label + 2 * fold, minlength=4)) == 0:
        return base_rate_rows(snapshots, target, validation)

    scores: dict[str, tuple[str, np.ndarray]] = {}
    fitted = {}
    for name in MODELS:
        model = candidate_model(name, settings.random_seed).fit(feature_matrix(training), labels_of(training, target))
        fitted[name] = model
        scores[name] = ("model", model.predict_proba(feature_matrix(slice_))[:, 1])
    for name, score in baseline_scores(slice_, target, stage_rates(training, target), settings).items():
        scores[name] = ("baseline", score)

    rows: list[dict] = []
    results = {}
    for offset, (name, (kind, score)) in enumerate(scores.items()):
        platt_score = platt_input(score, kind == "model")
        probability = cross_fitted_probabilities(platt_score, label, fold)
        metrics = evaluate(platt_score, probability, label, settings, settings.random_seed + offset)
        platt = Platt.fit(platt_score, label)
        results[name] = (kind, metrics)
        common = {"target": target.name, "candidate": name, "candidate_kind": kind}
        measures = {
            **metrics,
            "positive_rate": float(np.mean(label)),
            "validation_rows": float(len(label)),
            "validation_positives": float(np.sum(label)),
            "training_rows": float(len(training)),
            "validation_snapshot_number": float(validation),
            "platt_slope": platt.slope,
            "platt_intercept": platt.intercept,
            "platt_center": platt.center,
            "platt_scale": platt.scale,
        }
        rows += [{**common, "measure": m, "position": None, "label": None, "value": v} for m, v in measures.items()]
        for b in calibration_bins(probability, label, settings.calibration_bins):
            for m in ("mean_predicted", "observed_rate", "rows"):
                rows.append(
                    {**common, "measure": f"calibration_{m}", "position": b["bin"], "label": None, "value": b[m]}
                )
        if kind == "baseline" and name == "lifecycle_stage":
            rates = stage_rates(training, target)
            rows += [
                {**common, "measure": "stage_rate", "position": None, "label": stage, "value": rate}
                for stage, rate in sorted(rates.items())
            ]

    best_model = max(MODELS, key=lambda n: results[n][1]["roc_auc"])
    best_baseline = max(BASELINES, key=lambda n: results[n][1]["roc_auc"])
    beats = results[best_model][1]["roc_auc"] > results[best_baseline][1]["roc_auc"]
    chosen = best_model if beats else best_baseline
    for name in scores:
        rows.append(
            {
                "target": target.name,
                "candidate": name,
                "candidate_kind": scores[name][0],
                "measure": "is_chosen",
                "position": None,
                "label": None,
                "value": float(name == chosen),
            }
        )
    if scores[chosen][0] == "model":
        rows += importance_rows(fitted[chosen], slice_, label, target, chosen, settings)
    return rows


def importance_rows(model, slice_: pd.DataFrame, label: np.ndarray, target: Target, name: str, settings) -> list[dict]:
    """Permutation importance (drop in validation ROC AUC) of each feature for the chosen model."""
    n = min(len(slice_), settings.importance_sample_size)
    rows = np.sort(np.random.default_rng(settings.random_seed).choice(len(slice_), n, replace=False))
    # one OpenMP thread: the many small predictions spend more on waking threads than on trees
    with threadpool_limits(limits=1, user_api="openmp"):
        result = permutation_importance(
            model,
            feature_matrix(slice_.iloc[rows]),
            label[rows],
            scoring="roc_auc",
            n_repeats=settings.importance_repeats,
            random_state=settings.random_seed,
        )
    out = []
    for feature, mean, std in zip(FEATURES, result.importances_mean, result.importances_std, strict=True):
        common = {
            "target": target.name,
            "candidate": name,
            "candidate_kind": "model",
            "position": None,
            "label": feature,
        }
        out.append({**common, "measure": "importance_mean", "value": float(mean)})
        out.append({**common, "measure": "importance_std", "value": float(std)})
    return out


def validation_table(snapshots: pd.DataFrame, settings: PropensitySettings) -> pd.DataFrame:
    """The long evaluation table (target, candidate, candidate_kind, measure, position, label, value)."""
    snapshots = snapshots[snapshots["snapshot_number"] > 0]
    rows = [row for target in TARGETS for row in validate_target(snapshots, target, settings)]
    return typed_validation(
        pd.DataFrame(rows, columns=["target", "candidate", "candidate_kind", "measure", "position", "label", "value"])
    )


def typed_validation(frame: pd.DataFrame) -> pd.DataFrame:
    """The validation table with ``position`` as Python ints and None (engines read it back as floats with NaN)."""
    # an integer column with nulls for DuckDB and Spark alike
    frame["position"] = pd.Series([None if pd.isna(p) else int(p) for p in frame["position"]], dtype=object)
    return frame


# ------------------------------------------------------------------- scoring


def chosen_candidates(evaluation: pd.DataFrame) -> dict[str, dict]:
    """Per target: the chosen candidate, its kind, Platt map and (for the lifecycle baseline) stage rates."""
    out = {}
    for target in TARGETS:
        rows = evaluation[evaluation["target"] == target.name]
        chosen = rows[(rows["measure"] == "is_chosen") & (rows["value"] == 1.0)]
        if len(chosen) != 1:
            raise ValueError(f"{target.name}: expected one chosen candidate, found {len(chosen)}")
        name = chosen["candidate"].iloc[0]
        own = rows[(rows["candidate"] == name) & rows["label"].isna() & rows["position"].isna()]
        value = dict(zip(own["measure"], own["value"], strict=False))
        rates = rows[(rows["candidate"] == name) & (rows["measure"] == "stage_rate")]
        out[target.name] = {
            "candidate": name,
            "kind": chosen["candidate_kind"].iloc[0],
            "platt": Platt(value["platt_slope"], value["platt_intercept"], value["platt_center"], value["platt_scale"]),
            "stage_rates": dict(zip(rates["label"], rates["value"], strict=True)),
        }
    return out


def model_version(target: str, candidate: str, snapshots: pd.DataFrame, settings: PropensitySettings) -> str:
    """``<candidate>-<8 hex>``: the hash of what determines the fit (features, settings, training dates)."""
    # as ISO dates: engines hand dates to pandas as dates or as timestamps
    dates = sorted(pd.to_datetime(snapshots["snapshot_date"]).dt.strftime("%Y-%m-%d").unique())
    digest = hashlib.sha256(
        json.dumps([target, candidate, FEATURES, repr(settings), dates], default=str).encode()
    ).hexdigest()
    return f"{candidate}-{digest[:8]}"


def deciles(probability: np.ndarray, customer_key: np.ndarray) -> np.ndarray:
    """1 (lowest) to 10 (highest): equal-count bins by probability, ties broken by customer key."""
    order = np.lexsort((customer_key, probability))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return (rank * 10 // max(len(order), 1) + 1).astype(np.int64)


# ------------------------------------------------------------ kept scoring models

# int_propensity_scoring_models: the chosen model of each target as numbers, one row per term. ``rule``: the target
# is scored by a baseline (or the base rate), no model; ``intercept``: the constant of the log-odds (the logistic
# regression's intercept, the boosted trees' baseline prediction); ``linear``: one column of the logistic
# regression's design (a feature, log(1 + x) or not, missing values filled with the training median, or the
# feature's missing-value indicator; standardized by center and scale; its coefficient); ``tree_node``: one node of
# one boosted tree (an internal node sends a row left when its feature is at most the threshold, and a missing value
# left or right; a leaf holds the value it adds to the log-odds).
SCORING_MODEL_COLUMNS: dict[str, str] = {
    "target": "string",
    "candidate": "string",
    "model_version": "string",
    "term": "string",
    "tree": "Int64",
    "node": "Int64",
    "feature": "string",
    "log1p": "boolean",
    "missing_indicator": "boolean",
    "fill_value": "float64",
    "center": "float64",
    "scale": "float64",
    "coefficient": "float64",
    "threshold": "float64",
    "missing_go_to_left": "boolean",
    "left_child": "Int64",
    "right_child": "Int64",
    "value": "float64",
}


def typed_scoring_models(frame: pd.DataFrame) -> pd.DataFrame:
    """The scoring models' rows with the column types both engines store, nulls included (pandas' nullable types:
    Arrow hands them to Spark typed even when a column holds no value)."""
    extra = [c for c in frame.columns if c not in SCORING_MODEL_COLUMNS]
    typed = frame.reindex(columns=[*SCORING_MODEL_COLUMNS, *extra]).astype(SCORING_MODEL_COLUMNS)
    return typed.reset_index(drop=True)


def model_terms(model) -> list[dict]:
    """A fitted candidate (``candidate_model``) as rows of numbers: all ``stored_model_probability`` needs."""
    steps = dict(model.steps)
    if "histgradientboostingclassifier" in steps:
        kept = [f for f, keep in zip(FEATURES, steps["dropemptycolumns"].keep_, strict=True) if keep]
        booster = steps["histgradientboostingclassifier"]
        [baseline] = np.ravel(booster._baseline_prediction)
        rows = [{"term": "intercept", "value": float(baseline)}]
        for tree, [predictor] in enumerate(booster._predictors):
            nodes = predictor.nodes
            if nodes["is_categorical"].any():
                raise ValueError("a categorical split: the stored trees hold numeric splits only")
            for node, record in enumerate(nodes):
                row = {"term": "tree_node", "tree": tree, "node": node}
                if record["is_leaf"]:
                    row["value"] = float(record["value"])
                else:
                    row |= {
                        "feature": kept[record["feature_idx"]],
                        "threshold": float(record["num_threshold"]),
                        "missing_go_to_left": bool(record["missing_go_to_left"]),
                        "left_child": int(record["left"]),
                        "right_child": int(record["right"]),
                    }
                rows.append(row)
        return rows
    # the logistic regression: log1p on the skewed features, the empty ones dropped, median imputation with
    # missing-value indicators, standardization, the linear model
    names = steps["columntransformer"].get_feature_names_out()  # log1p__x<i> first, then remainder__x<i>
    columns = [(FEATURES[int(n.rsplit("__x", 1)[1])], n.startswith("log1p__")) for n in names]
    columns = [c for c, keep in zip(columns, steps["dropemptycolumns"].keep_, strict=True) if keep]
    imputer = steps["simpleimputer"]
    design = [(f, log, False, float(fill)) for (f, log), fill in zip(columns, imputer.statistics_, strict=True)]
    indicated = [] if imputer.indicator_ is None else imputer.indicator_.features_
    design += [(*columns[j], True, None) for j in indicated]
    scaler, linear = steps["standardscaler"], steps["logisticregression"]
    rows = [{"term": "intercept", "value": float(linear.intercept_[0])}]
    for j, (feature, log, indicator, fill) in enumerate(design):
        rows.append(
            {
                "term": "linear",
                "feature": feature,
                "log1p": log,
                "missing_indicator": indicator,
                "fill_value": fill,
                "center": float(scaler.mean_[j]),
                "scale": float(scaler.scale_[j]),
                "coefficient": float(linear.coef_[0, j]),
            }
        )
    return rows


def stored_model_probability(terms: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """P(positive) of each row of ``frame`` by one target's stored model (its ``model_terms`` rows): the same
    arithmetic as the fitted scikit-learn pipeline's ``predict_proba``."""
    [intercept] = terms.loc[terms["term"] == "intercept", "value"].to_numpy(dtype="float64")
    nodes = terms[terms["term"] == "tree_node"]
    if len(nodes):
        # row-major: each tree walks one row's features at a time (1.45 s for 100 trees over 894 k customers,
        # 1.8 s on pandas' column-major matrix; the same sums)
        x = np.ascontiguousarray(feature_matrix(frame))
        raw = np.full(len(frame), intercept)
        no_categories = np.zeros((0, 8), dtype=np.uint32)
        n_threads = _openmp_effective_n_threads()
        for _, tree in nodes.sort_values(["tree", "node"]).groupby("tree", sort=True):
            if not np.array_equal(tree["node"].to_numpy(dtype="int64"), np.arange(len(tree))):
                raise ValueError("a stored tree's nodes are not numbered 0 to n - 1")
            leaf = tree["feature"].isna().to_numpy()
            records = np.zeros(len(tree), dtype=PREDICTOR_RECORD_DTYPE)
            records["is_leaf"] = leaf
            records["value"] = np.where(leaf, tree["value"].to_numpy(dtype="float64", na_value=0.0), 0.0)
            records["feature_idx"] = [0 if pd.isna(f) else FEATURES.index(f) for f in tree["feature"]]
            records["num_threshold"] = tree["threshold"].to_numpy(dtype="float64", na_value=0.0)
            records["missing_go_to_left"] = tree["missing_go_to_left"].to_numpy(dtype="bool", na_value=False)
            records["left"] = tree["left_child"].to_numpy(dtype="int64", na_value=0)
            records["right"] = tree["right_child"].to_numpy(dtype="int64", na_value=0)
            # in tree order, as the booster adds them: the same sums to the last bit
            raw += TreePredictor(records, no_categories, no_categories).predict(
                x, no_categories, np.zeros(x.shape[1], dtype=np.uint32), n_threads
            )
        return expit(raw)
    linear = terms[terms["term"] == "linear"]
    design = np.empty((len(frame), len(linear)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, term in enumerate(linear.itertuples(index=False)):
            column = frame[term.feature].astype("float64").to_numpy()
            column = np.log1p(column) if term.log1p else column
            column = np.isnan(column).astype("float64") if term.missing_indicator else column
            column = np.where(np.isnan(column), term.fill_value, column)
            design[:, j] = (column - term.center) / term.scale
    return expit(design @ linear["coefficient"].to_numpy(dtype="float64") + intercept)


def scoring_models_table(
    snapshots: pd.DataFrame, evaluation: pd.DataFrame, settings: PropensitySettings
) -> pd.DataFrame:
    """The chosen candidate of each target, refitted on every labelled past snapshot, as rows of numbers
    (``model_terms``); a target scored by a baseline rule gets one ``rule`` row. ``snapshots``: the past ones
    (snapshot_number > 0), in snapshot and customer order."""
    chosen = chosen_candidates(evaluation)
    rows = []
    for target in TARGETS:
        pick = chosen[target.name]
        # the fit's dates: the version stays the same between refits
        version = model_version(target.name, pick["candidate"], snapshots, settings)
        common = {"target": target.name, "candidate": pick["candidate"], "model_version": version}
        if pick["kind"] != "model":
            rows.append({**common, "term": "rule"})
            continue
        training = training_rows(snapshots, target, 0, settings)
        model = candidate_model(pick["candidate"], settings.random_seed)
        model.fit(feature_matrix(training), labels_of(training, target))
        rows += [{**common, **term} for term in model_terms(model)]
    return typed_scoring_models(pd.DataFrame(rows, columns=list(SCORING_MODEL_COLUMNS)))


def customer_propensity_table(
    today: pd.DataFrame, models: pd.DataFrame, evaluation: pd.DataFrame, settings: PropensitySettings
) -> pd.DataFrame:
    """One row per customer of the scoring snapshot (``today``, snapshot 0): purchase probability, churn risk and
    their deciles, by the kept scoring models (``scoring_models_table``) or the chosen baselines."""
    chosen = chosen_candidates(evaluation)
    models = typed_scoring_models(models)
    today = today.sort_values("customer_key", kind="stable")
    out = pd.DataFrame({"customer_key": today["customer_key"].to_numpy()})
    for target in TARGETS:
        pick = chosen[target.name]
        terms = models[models["target"] == target.name]
        if set(terms["candidate"]) != {pick["candidate"]}:
            raise ValueError(f"{target.name}: the stored scoring model is not the chosen {pick['candidate']}")
        if pick["candidate"] == "base_rate":
            score = np.zeros(len(today))
        elif pick["kind"] == "model":
            score = platt_input(stored_model_probability(terms, today), True)
        else:
            score = platt_input(baseline_scores(today, target, pick["stage_rates"], settings)[pick["candidate"]], False)
        probability = pick["platt"](score)
        version = terms["model_version"].iloc[0]
        if target.name == "purchase":
            out["purchase_probability"] = probability
            out["purchase_propensity_decile"] = deciles(probability, out["customer_key"].to_numpy())
            out["purchase_model_version"] = version
        else:
            out["churn_risk"] = 1.0 - probability
            out["churn_risk_decile"] = deciles(1.0 - probability, out["customer_key"].to_numpy())
            out["churn_model_version"] = version
    out["as_of_date"] = (pd.to_datetime(today["snapshot_date"]) - pd.Timedelta(days=1)).dt.date.to_numpy()
    return out
