"""A/B test analysis of conversion-type metrics: two-proportion z-tests against the control.

Every variant of a test is compared with its control on each metric (a rate
= successes / trials, e.g. unique opens / delivered). For each comparison:

- the pooled two-proportion z-test, two-sided p-value;
- the Wald confidence interval of the absolute difference (unpooled standard
  error) at level 1 - alpha;
- Holm's step-down correction of the p-values over the variants compared with
  the same control on the same metric (controls the family-wise error rate;
  with one comparison it changes nothing);
- the minimum detectable effect (absolute) at the achieved sample sizes:
  (z_{1-alpha/2} + z_{power}) * sqrt(p_c (1 - p_c) (1/n_c + 1/n_v)), with the
  control rate p_c standing in for both arms;
- a verdict: ``winner`` / ``control_better`` when the adjusted p-value is
  below alpha; otherwise ``no_significant_difference`` when the test could
  have detected a lift of ``meaningful_relative_lift`` (relative MDE at most
  that) and ``too_small_to_tell`` when it could not, or when an arm has fewer
  than ``min_trials`` trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

VERDICTS = ("control", "winner", "control_better", "no_significant_difference", "too_small_to_tell")


@dataclass(frozen=True)
class AbTestSettings:
    """Decision settings of the analysis."""

    alpha: float = 0.05
    power: float = 0.8
    meaningful_relative_lift: float = 0.10
    min_trials: int = 100


@dataclass(frozen=True)
class Comparison:
    """One variant against its control on one rate."""

    absolute_lift: float
    relative_lift: float
    z_statistic: float
    p_value: float
    ci_lower: float
    ci_upper: float
    minimum_detectable_effect: float


def compare_proportions(
    control_successes: float,
    control_trials: float,
    variant_successes: float,
    variant_trials: float,
    alpha: float = 0.05,
    power: float = 0.8,
) -> Comparison:
    """Two-proportion z-test of variant vs control, CI of the difference and MDE at these sample sizes."""
    if min(control_trials, variant_trials) <= 0:
        raise ValueError("each arm needs at least one trial")
    if not (0 <= control_successes <= control_trials and 0 <= variant_successes <= variant_trials):
        raise ValueError("successes must lie between 0 and the number of trials")
    p_c = control_successes / control_trials
    p_v = variant_successes / variant_trials
    diff = p_v - p_c
    pooled = (control_successes + variant_successes) / (control_trials + variant_trials)
    inverse_n = 1 / control_trials + 1 / variant_trials
    se_pooled = np.sqrt(pooled * (1 - pooled) * inverse_n)
    if se_pooled > 0:
        z = diff / se_pooled
        p_value = float(2 * stats.norm.sf(abs(z)))
    else:  # both arms all-success or all-failure: no evidence of a difference
        z, p_value = 0.0, 1.0
    se_unpooled = np.sqrt(p_c * (1 - p_c) / control_trials + p_v * (1 - p_v) / variant_trials)
    z_alpha = stats.norm.ppf(1 - alpha / 2)
    mde = (z_alpha + stats.norm.ppf(power)) * np.sqrt(p_c * (1 - p_c) * inverse_n)
    return Comparison(
        absolute_lift=float(diff),
        relative_lift=float(diff / p_c) if p_c > 0 else float("nan"),
        z_statistic=float(z),
        p_value=p_value,
        ci_lower=float(diff - z_alpha * se_unpooled),
        ci_upper=float(diff + z_alpha * se_unpooled),
        minimum_detectable_effect=float(mde),
    )


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error rate), in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted


def verdict(
    comparison: Comparison, adjusted_p: float, control_rate: float, smaller_arm: float, s: AbTestSettings
) -> str:
    """The decision for one comparison (see the module docstring)."""
    if adjusted_p < s.alpha and smaller_arm >= s.min_trials:
        return "winner" if comparison.absolute_lift > 0 else "control_better"
    relative_mde = comparison.minimum_detectable_effect / control_rate if control_rate > 0 else np.inf
    if smaller_arm < s.min_trials or relative_mde > s.meaningful_relative_lift:
        return "too_small_to_tell"
    return "no_significant_difference"


def analyze_tests(arms: pd.DataFrame, metrics: dict[str, tuple[str, str]], s: AbTestSettings) -> pd.DataFrame:
    """Every variant of every test against its control, per metric.

    ``arms`` has one row per test arm: ``ab_test_id``, ``campaign_id``,
    ``variant``, ``is_control_variant`` and the count columns named in
    ``metrics`` (metric name -> (successes column, trials column)). Tests
    without exactly one control or with fewer than two arms are left out.
    Returns one row per arm and metric; the control's comparison columns are
    null and its verdict is ``control``.
    """
    rows: list[dict] = []
    for test_id, test in arms.groupby("ab_test_id", sort=True):
        controls = test[test.is_control_variant]
        if len(test) < 2 or len(controls) != 1:
            continue
        control = controls.iloc[0]
        variants = test[~test.is_control_variant].sort_values("variant")
        for metric, (success_col, trial_col) in metrics.items():
            n_c, x_c = float(control[trial_col]), float(control[success_col])
            control_rate = x_c / n_c if n_c > 0 else np.nan
            base = {
                "ab_test_id": test_id,
                "metric": metric,
                "control_campaign_id": control.campaign_id,
                "control_trials": n_c,
                "control_successes": x_c,
                "control_rate": control_rate,
            }
            rows.append(
                {
                    **base,
                    "campaign_id": control.campaign_id,
                    "variant": control.variant,
                    "is_control_variant": True,
                    "trials": n_c,
                    "successes": x_c,
                    "rate": control_rate,
                    "verdict": "control",
                }
            )
            compared = []
            for _, arm in variants.iterrows():
                n_v, x_v = float(arm[trial_col]), float(arm[success_col])
                result = compare_proportions(x_c, n_c, x_v, n_v, s.alpha, s.power) if min(n_c, n_v) > 0 else None
                compared.append((arm, n_v, x_v, result))
            p_values = np.array([r.p_value if r else 1.0 for *_, r in compared])
            adjusted = holm_adjust(p_values)
            for (arm, n_v, x_v, result), adjusted_p in zip(compared, adjusted, strict=True):
                row = {
                    **base,
                    "campaign_id": arm.campaign_id,
                    "variant": arm.variant,
                    "is_control_variant": False,
                    "trials": n_v,
                    "successes": x_v,
                    "rate": x_v / n_v if n_v > 0 else np.nan,
                }
                if result is None:
                    rows.append({**row, "verdict": "too_small_to_tell"})
                    continue
                rows.append(
                    {
                        **row,
                        **result.__dict__,
                        "adjusted_p_value": float(adjusted_p),
                        "verdict": verdict(result, adjusted_p, control_rate, min(n_c, n_v), s),
                    }
                )
    columns = [
        "ab_test_id",
        "metric",
        "campaign_id",
        "variant",
        "is_control_variant",
        "trials",
        "successes",
        "rate",
        "control_campaign_id",
        "control_trials",
        "control_successes",
        "control_rate",
        "absolute_lift",
        "relative_lift",
        "z_statistic",
        "p_value",
        "adjusted_p_value",
        "ci_lower",
        "ci_upper",
        "minimum_detectable_effect",
        "verdict",
    ]
    return pd.DataFrame(rows, columns=columns)


# what ab_test_results measures: metric -> (successes column, trials column) of campaign_performance
AB_TEST_METRICS = {
    "open_rate": ("unique_opens", "delivered"),
    "click_rate": ("unique_clicks", "delivered"),
    "conversion_rate": ("converted_recipients", "delivered"),
}


def ab_test_table(arms: pd.DataFrame, s: AbTestSettings) -> pd.DataFrame:
    """ab_test_results: analyze_tests on AB_TEST_METRICS, keyed ``<test>.<variant>.<metric>``, with alpha."""
    results = analyze_tests(arms, AB_TEST_METRICS, s)
    results.insert(0, "ab_test_result_id", results.ab_test_id + "." + results.variant + "." + results.metric)
    results["alpha"] = s.alpha
    return results
