"""Customer lifetime value: BG/NBD for purchases, Gamma-Gamma for spend.

Maximum-likelihood fits with numpy/scipy, written from the papers:

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way:
  An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
- Gamma-Gamma: Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
  Value" (building on Colombo & Jiang 1999).

Inputs per customer, in one time unit (days or weeks): ``x`` repeat purchase
occasions, ``t_x`` time from the first to the last purchase, ``T`` time from
the first purchase to the end of observation, ``m`` mean value of the repeat
purchases. Those are the ``btyd_*`` columns of ``marts.customer_rfm``.

Log-likelihoods are vectorized over customers and written with ``gammaln``,
``betaln`` and ``logaddexp`` so they stay finite for heavy buyers; fits run
on log-parameters (positivity without constraints) with analytic gradients
(L-BFGS-B), over the distinct input rows weighted by their counts, and
evaluate each special function once per distinct x, t_x or T: a
million-customer fit takes about a second.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betainc, betaln, digamma, expit, gammaln, hyp2f1

LOG_BOUND = 12.0  # parameters are searched within exp(-12) .. exp(12)
GRADIENT_TOLERANCE = 1e-6  # per customer, per log-parameter: converged below this


class ClvFitError(RuntimeError):
    """A model could not be fitted: the optimizer failed or ended on a bound."""


@dataclass(frozen=True)
class BgNbdParams:
    """Purchase rate ~ Gamma(shape r, rate alpha); drop-out probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend per purchase ~ Gamma(p, nu); nu ~ Gamma(shape q, rate gamma)."""

    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class Fit:
    """A fitted model: its parameters, total log-likelihood and how many customers it saw.

    ``status`` is ``converged`` (an interior maximum) or ``boundary``: the
    likelihood still rises beyond the search box for the parameters named in
    ``at_bound`` and is stationary in the others, so the estimate on the
    bound is the box's maximum (a limiting case of the model, e.g. BG/NBD's
    a and b growing together as the drop-out probability stops varying).
    """

    params: BgNbdParams | GammaGammaParams
    log_likelihood: float
    n_customers: int
    iterations: int
    status: str = "converged"
    at_bound: tuple[str, ...] = ()


# ---------------------------------------------------------------- validation


def _as_arrays(*columns: object) -> list[np.ndarray]:
    return [np.asarray(c, dtype=float) for c in columns]


def check_btyd_inputs(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:  # noqa: N803 - T is the papers' name
    """Raise ValueError on inputs no customer can have."""
    if not (len(x) == len(t_x) == len(T)):
        raise ValueError("x, t_x and T must have the same length")
    if np.any(~np.isfinite(x)) or np.any(~np.isfinite(t_x)) or np.any(~np.isfinite(T)):
        raise ValueError("x, t_x and T must be finite (did non-buyers slip in?)")
    if np.any(x < 0) or np.any(np.abs(x - np.round(x)) > 1e-9):
        raise ValueError("x (repeat purchases) must be a non-negative whole number")
    if np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError("recency t_x must lie between 0 and T")
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError("a customer without repeat purchases must have t_x = 0")


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and, for each input, the position of its value among them."""
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.ravel()


def _minimize(
    objective, start: np.ndarray, names: tuple[str, ...], model: str
) -> tuple[np.ndarray, int, tuple[str, ...]]:
    """Minimize over log-parameters with the analytic gradient; the estimate, iterations and parameters on a bound.

    ``objective`` returns (value, gradient). The objective is a mean over
    customers, so the tolerances mean the same at any sample size. L-BFGS-B
    can stop with "ABNORMAL" when the line search cannot improve a value
    already at machine precision; the fit counts as converged whenever the
    gradient there is negligible (every component under GRADIENT_TOLERANCE).
    A parameter on a bound is accepted when the objective still falls
    beyond it (the bound is where the maximum lies in the box) and the
    gradient in every other parameter is negligible: a KKT point of the box.
    Anything else raises ClvFitError with the optimizer's reason.
    """
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 1000},
    )
    upper = result.x > LOG_BOUND - 1e-3
    lower = result.x < -LOG_BOUND + 1e-3
    at_bound = upper | lower
    gradient = np.asarray(result.jac, dtype=float)
    free_stationary = bool(np.all(np.abs(gradient[~at_bound]) < GRADIENT_TOLERANCE))
    pushing_out = bool(np.all(gradient[upper] < GRADIENT_TOLERANCE) and np.all(gradient[lower] > -GRADIENT_TOLERANCE))
    stuck = tuple(n for n, hit in zip(names, at_bound, strict=True) if hit)
    converged = result.success or free_stationary
    if not np.isfinite(result.fun) or not np.all(np.isfinite(result.x)) or not converged or not pushing_out:
        raise ClvFitError(
            f"{model} fit did not converge (L-BFGS-B: {result.message}; "
            f"parameters at a bound: {', '.join(stuck) or 'none'}). "
            "Check the inputs: too few repeat buyers, or T in the wrong unit."
        )
    return result.x, int(result.nit), stuck


# ---------------------------------------------------------------- BG/NBD


def bgnbd_log_likelihood(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:  # noqa: N803
    """Log-likelihood of each customer's (x, t_x, T) under BG/NBD (FHL 2005, eq. 6)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive_to_end = -(r + x) * np.log(alpha + T)
    # Dropped out right after the last purchase; only possible with x > 0.
    x_safe = np.maximum(x, 1.0)
    dropped = np.log(a) - np.log(b + x_safe - 1.0) - (r + x) * np.log(alpha + t_x)
    dropped = np.where(x > 0, dropped, -np.inf)
    return common + np.logaddexp(alive_to_end, dropped)


class BgNbdObjective:
    """Mean negative BG/NBD log-likelihood over customers and its gradient in log-parameters.

    Customers are reduced to their distinct (x, t_x, T) rows with weights,
    and the special functions are evaluated once per distinct x, t_x and T
    (a few hundred values each) rather than once per customer; per row only
    a handful of vector operations remain. The gradient is analytic (digamma
    for the log-gamma and log-beta terms), so the optimizer needs no finite
    differences.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:  # noqa: N803
        self.ux, ix = _distinct(x)
        self.ut, it = _distinct(t_x)
        self.uT, iT = _distinct(T)  # noqa: N806
        # one integer code per (x, t_x, T) combination; its distinct values are the rows
        codes = (ix.astype(np.int64) * len(self.ut) + it) * len(self.uT) + iT
        distinct_codes, first, weight = np.unique(codes, return_index=True, return_counts=True)
        self.n_rows = len(distinct_codes)
        self.weight = weight.astype(float)
        self.total = self.weight.sum()
        self.ix, self.it, self.iT = ix[first], it[first], iT[first]
        self.x = self.ux[self.ix]
        self.has_repeat = self.x > 0
        self.weight_by_x = np.bincount(self.ix, weights=self.weight, minlength=len(self.ux))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(log_params)
        ux, ix, it, iT, w = self.ux, self.ix, self.it, self.iT, self.weight  # noqa: N806
        # per distinct x, t_x and T
        common = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + betaln(a, b + ux) - betaln(a, b)
        b_x = b + np.maximum(ux, 1.0) - 1.0
        log_alpha_t, log_alpha_T = np.log(alpha + self.ut), np.log(alpha + self.uT)  # noqa: N806
        # per distinct row: alive at T, or dropped out right after the last purchase (x > 0 only)
        r_x = r + self.x
        alive = -r_x * log_alpha_T[iT]
        dropped = np.where(self.has_repeat, np.log(a) - np.log(b_x)[ix] - r_x * log_alpha_t[it], -np.inf)
        mix = np.logaddexp(alive, dropped)
        log_likelihood = np.dot(self.weight_by_x, common) + np.dot(w, mix)
        if not np.isfinite(log_likelihood):
            return 1e300, np.zeros(4)

        # gradient: each row's two branches weighted by their posterior shares
        w_dropped = w * np.exp(dropped - mix)
        w_alive = w - w_dropped
        n_x = self.weight_by_x
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
        d_r = (
            np.dot(n_x, digamma(r + ux) - digamma(r) + np.log(alpha))
            - np.dot(w_alive, log_alpha_T[iT])
            - np.dot(w_dropped, log_alpha_t[it])
        )
        d_alpha = (
            self.total * r / alpha
            - np.dot(w_alive * r_x, (1.0 / (alpha + self.uT))[iT])
            - np.dot(w_dropped * r_x, (1.0 / (alpha + self.ut))[it])
        )
        d_a = np.dot(n_x, psi_ab - psi_abx) + w_dropped.sum() / a
        d_b = np.dot(n_x, digamma(b + ux) - digamma(b) + psi_ab - psi_abx) - np.dot(w_dropped, (1.0 / b_x)[ix])
        gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])  # chain rule: d/d log(theta)
        return float(-log_likelihood / self.total), -gradient / self.total


def fit_bgnbd(x: object, t_x: object, T: object) -> Fit:  # noqa: N803
    """Maximum-likelihood BG/NBD parameters for the customers given."""
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    check_btyd_inputs(x, t_x, T)
    if len(x) < 10 or np.count_nonzero(x) < 3:
        raise ClvFitError(f"BG/NBD needs repeat buyers to fit; got {len(x)} customers, {np.count_nonzero(x)} repeaters")
    objective = BgNbdObjective(x, t_x, T)
    start = np.log([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    best, iterations, at_bound = _minimize(objective, start, ("r", "alpha", "a", "b"), "BG/NBD")
    params = BgNbdParams(*np.exp(best))
    log_likelihood = float(np.sum(bgnbd_log_likelihood(params, x, t_x, T)))
    return Fit(params, log_likelihood, len(x), iterations, "boundary" if at_bound else "converged", at_bound)


def _dropout_log_odds(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:  # noqa: N803
    """log of a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): the odds of having dropped out; -inf for x = 0."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x_safe = np.maximum(x, 1.0)
    log_odds = np.log(a) - np.log(b + x_safe - 1.0) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, log_odds, -np.inf)


def bgnbd_probability_alive(params: BgNbdParams, x: object, t_x: object, T: object) -> np.ndarray:  # noqa: N803
    """P(still alive at T | x, t_x, T) (FHL 2005, eq. 11), computed on the log-odds scale."""
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    return expit(-_dropout_log_odds(params, x, t_x, T))


def _distinct_pairs(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: N803
    """The distinct (x, T) pairs and, for each customer, the position of theirs.

    A million customers share a few tens of thousands of pairs, so the
    hypergeometric function is evaluated on those only.
    """
    ux, ix = _distinct(x)
    uT, iT = _distinct(T)  # noqa: N806
    codes, inverse = np.unique(ix.astype(np.int64) * len(uT) + iT, return_inverse=True)
    return ux[codes // len(uT)], uT[codes % len(uT)], inverse.ravel()


def _unconditional_purchases(params: BgNbdParams, t: float, x: np.ndarray, T: np.ndarray) -> np.ndarray:  # noqa: N803
    """E[purchases in (T, T + t] | x, T, alive at T].

    The Gauss hypergeometric term is rewritten with Pfaff's transformation,
    2F1(r+x, b+x; a+b+x-1; z) = (1-z)^-(r+x) 2F1(r+x, a-1; a+b+x-1; z/(z-1)),
    whose prefactor cancels ((alpha+T)/(alpha+T+t))^(r+x) exactly, so heavy
    buyers do not overflow.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = -t / (alpha + T)
    hyp = hyp2f1(r + x, a - 1.0, a + b + x - 1.0, z)
    # When a fit ends with a near 0 and b huge (almost nobody drops out: the
    # BG/NBD tends to the NBD) and t > alpha + T, scipy returns NaN for z < -1.
    # Pfaff's other transformation keeps the argument in (0, 1) there:
    # 2F1(r+x, a-1; c; z) = (1-z)^(1-a) 2F1(a+b-1-r, a-1; c; z/(z-1)).
    failed = ~np.isfinite(hyp)
    if np.any(failed):
        zf = np.broadcast_to(z, hyp.shape)[failed]
        xf = np.broadcast_to(x, hyp.shape)[failed]
        hyp = np.array(hyp, dtype=float)
        hyp[failed] = (1.0 - zf) ** (1.0 - a) * hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + xf - 1.0, zf / (zf - 1.0))
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - hyp)


def bgnbd_expected_purchases(params: BgNbdParams, t: float, x: object, t_x: object, T: object) -> np.ndarray:  # noqa: N803
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10): purchases if alive, times P(alive)."""
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    if t <= 0:
        return np.zeros_like(x)
    pair_x, pair_T, pair = _distinct_pairs(x, T)  # noqa: N806
    unconditional = _unconditional_purchases(params, t, pair_x, pair_T)[pair]
    return unconditional * expit(-_dropout_log_odds(params, x, t_x, T))


# ---------------------------------------------------------------- Gamma-Gamma


def gamma_gamma_log_likelihood(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Log-likelihood of each repeat buyer's mean spend m over x purchases (Fader & Hardie 2013)."""
    p, q, g = params.p, params.q, params.gamma
    x, m = _as_arrays(x, m)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(g)
        + (p * x - 1.0) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + g)
    )


class GammaGammaObjective:
    """Mean negative Gamma-Gamma log-likelihood over repeat buyers and its gradient in log-parameters.

    Terms that depend on x alone are evaluated once per distinct x; per
    customer only log(x m + gamma) changes with the parameters.
    """

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        self.x, self.m = x, m
        self.total = float(len(x))
        self.ux, self.ix = _distinct(x)
        self.count_by_x = np.bincount(self.ix, minlength=len(self.ux)).astype(float)
        self.sum_x_log_m = float(np.dot(x, np.log(m)))
        self.sum_log_m = float(np.sum(np.log(m)))
        self.x_m = x * m

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, g = np.exp(log_params)
        ux, n_x, x = self.ux, self.count_by_x, self.x
        log_x_m_g = np.log(self.x_m + g)
        per_x = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q) + q * np.log(g) + p * ux * np.log(ux)
        log_likelihood = np.dot(n_x, per_x) + p * self.sum_x_log_m - self.sum_log_m - np.dot(p * x + q, log_x_m_g)
        if not np.isfinite(log_likelihood):
            return 1e300, np.zeros(3)

        psi_pxq = digamma(p * ux + q)
        d_p = np.dot(n_x, ux * (psi_pxq - digamma(p * ux) + np.log(ux))) + self.sum_x_log_m - np.dot(x, log_x_m_g)
        d_q = np.dot(n_x, psi_pxq - digamma(q) + np.log(g)) - log_x_m_g.sum()
        d_g = self.total * q / g - np.sum((p * x + q) / (self.x_m + g))
        gradient = np.array([d_p * p, d_q * q, d_g * g])  # chain rule: d/d log(theta)
        return float(-log_likelihood / self.total), -gradient / self.total


def fit_gamma_gamma(x: object, m: object) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers (x > 0, m > 0) only."""
    x, m = _as_arrays(x, m)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 10:
        raise ClvFitError(f"Gamma-Gamma needs repeat buyers with spend; got {len(x)}")
    start = np.log([1.0, 2.0, max(float(np.mean(m)), 1e-3)])
    best, iterations, at_bound = _minimize(GammaGammaObjective(x, m), start, ("p", "q", "gamma"), "Gamma-Gamma")
    params = GammaGammaParams(*np.exp(best))
    if params.q <= 1.0:
        raise ClvFitError(f"Gamma-Gamma fitted q = {params.q:.3f} <= 1: the mean spend is undefined")
    log_likelihood = float(np.sum(gamma_gamma_log_likelihood(params, x, m)))
    return Fit(params, log_likelihood, len(x), iterations, "boundary" if at_bound else "converged", at_bound)


def gamma_gamma_expected_spend(params: GammaGammaParams, x: object, m: object) -> np.ndarray:
    """E[spend per purchase | x, m]: a weighted mean of the population mean and the customer's own mean.

    For x = 0 (one-time buyers) it is the population mean p * gamma / (q - 1).
    """
    p, q, g = params.p, params.q, params.gamma
    x, m = _as_arrays(x, m)
    m = np.where(x > 0, m, 0.0)
    return p * (g + x * m) / (p * x + q - 1.0)


# ---------------------------------------------------------------- CLV and tiers


def discounted_clv(
    purchases: BgNbdParams,
    spend: GammaGammaParams,
    x: object,
    t_x: object,
    T: object,  # noqa: N803
    m: object,
    months: int,
    monthly_discount_rate: float,
    units_per_month: float,
) -> np.ndarray:
    """Discounted CLV over ``months``: sum over months of E[purchases in the month] x E[spend] / (1 + d)^month.

    ``units_per_month`` converts the model's time unit (7-day weeks: 365.25 / 12 / 7).
    """
    x, t_x, T, m = _as_arrays(x, t_x, T, m)  # noqa: N806
    value = gamma_gamma_expected_spend(spend, x, m) * bgnbd_probability_alive(purchases, x, t_x, T)
    return _discounted_value(purchases, value, x, T, months, monthly_discount_rate, units_per_month)


def _discounted_value(
    purchases: BgNbdParams,
    value: np.ndarray,
    x: np.ndarray,
    T: np.ndarray,  # noqa: N803
    months: int,
    monthly_discount_rate: float,
    units_per_month: float,
) -> np.ndarray:
    """Sum over months of ``value`` (spend x P(alive)) x E[purchases in the month | alive] / (1 + d)^month."""
    pair_x, pair_T, pair = _distinct_pairs(x, T)  # noqa: N806
    clv = np.zeros_like(x)
    previous = np.zeros_like(pair_x)
    for month in range(1, months + 1):
        cumulative = _unconditional_purchases(purchases, month * units_per_month, pair_x, pair_T)
        clv += value * (cumulative - previous)[pair] / (1.0 + monthly_discount_rate) ** month
        previous = cumulative
    return clv


def ltv_tiers(clv: np.ndarray, high_share: float, medium_share: float) -> np.ndarray:
    """'high' for the top ``high_share`` of CLV, 'medium' for the next ``medium_share``, 'low' for the rest.

    Ranks are by CLV descending with ties kept together (a tie group takes
    the tier of its best-ranked member), so the same data always gives the
    same tiers. NaN (no CLV) is not ranked and gets no tier. A CLV of 0 (a
    fallback that expects no purchase) is always 'low': a tie of everyone at
    0 would otherwise make everyone 'high'.
    """
    if not (high_share > 0 and medium_share >= 0 and high_share + medium_share <= 1):
        raise ValueError("tier shares must be positive and add up to at most 1")
    clv = np.asarray(clv, dtype=float)
    ranked = ~np.isnan(clv)
    n = int(ranked.sum())
    tiers = np.full(len(clv), None, dtype=object)
    if n == 0:
        return tiers
    values = clv[ranked]
    # share of customers with strictly higher CLV: the "rank - 1" of a tie group's first member
    ahead = n - np.searchsorted(np.sort(values), values, side="right")
    share_ahead = ahead / n
    tiers[ranked] = np.where(
        values <= 0,
        "low",
        np.where(share_ahead < high_share, "high", np.where(share_ahead < high_share + medium_share, "medium", "low")),
    )
    return tiers


# ---------------------------------------------------------------- fits that may fail, and scoring with fallbacks

PARAMETER_NAMES: dict[str, tuple[str, ...]] = {"bg_nbd": ("r", "alpha", "a", "b"), "gamma_gamma": ("p", "q", "gamma")}
USABLE_FIT = ("converged", "boundary")


def fit_clv_models(frequency: object, recency: object, T: object, monetary: object) -> pd.DataFrame:  # noqa: N803
    """Fit BG/NBD and Gamma-Gamma; one row per parameter with the fit's status, never an exception for a bad fit.

    ``fit_status``: ``converged``, ``boundary`` (the estimate on the search
    bound is the maximum, see Fit) or ``failed`` (values NaN, the reason in
    ``fit_message``): a failed model is replaced when customers are scored
    (score_customers), and a warning is issued.
    """
    rows = []
    for model, fitter, columns in (
        ("bg_nbd", fit_bgnbd, (frequency, recency, T)),
        ("gamma_gamma", fit_gamma_gamma, (frequency, monetary)),
    ):
        try:
            fit = fitter(*columns)
        except ClvFitError as error:
            warnings.warn(f"{model}: {error}; customers are scored by its fallback", stacklevel=2)
            values = dict.fromkeys(PARAMETER_NAMES[model], np.nan)
            status, message, n_customers, log_likelihood = "failed", str(error), 0, np.nan
        else:
            values = asdict(fit.params)
            status, n_customers, log_likelihood = fit.status, fit.n_customers, fit.log_likelihood
            message = ""
            if fit.at_bound:
                message = f"on the search bound: {', '.join(fit.at_bound)} (the likelihood's maximum in the box)"
                warnings.warn(f"{model}: {message}", stacklevel=2)
        for name, value in values.items():
            rows.append(
                {
                    "model": model,
                    "parameter": name,
                    "value": float(value),
                    "n_customers": n_customers,
                    "log_likelihood": log_likelihood,
                    "fit_status": status,
                    "fit_message": message,
                }
            )
    return pd.DataFrame(rows)


def score_customers(
    customers: pd.DataFrame,
    parameters: pd.DataFrame,
    months: int,
    monthly_discount_rate: float,
    units_per_month: float,
) -> pd.DataFrame:
    """P(alive), expected purchases, expected order value, discounted CLV and the method behind them, per customer.

    ``customers`` has is_buyer and the btyd_* columns plus average_order_value;
    ``parameters`` is fit_clv_models' frame. Methods (``clv_method``):
    ``bg_nbd_gamma_gamma`` when both fits are usable;
    ``bg_nbd_average_order_value`` when Gamma-Gamma failed (each buyer's own
    average order value is the spend); ``run_rate_heuristic`` when BG/NBD
    failed: purchases continue at the buyer's historical repeat rate
    (repeat occasions / time since the first purchase), P(alive) unknown.
    Prospects get no prediction and no method.
    """
    status = parameters.groupby("model").fit_status.first()
    values = parameters.set_index(["model", "parameter"]).value
    purchases_usable = status.get("bg_nbd") in USABLE_FIT
    spend_usable = status.get("gamma_gamma") in USABLE_FIT

    buyer = customers.is_buyer.to_numpy(dtype=bool)
    x, t_x, age, m, aov = (
        customers[column].to_numpy(dtype=float)[buyer]
        for column in ("btyd_frequency", "btyd_recency", "btyd_t", "btyd_monetary_value", "average_order_value")
    )
    if spend_usable:
        spend_params = GammaGammaParams(*(values["gamma_gamma", n] for n in PARAMETER_NAMES["gamma_gamma"]))
        spend = gamma_gamma_expected_spend(spend_params, x, m)
    else:
        spend = aov
    if purchases_usable:
        purchase_params = BgNbdParams(*(values["bg_nbd", n] for n in PARAMETER_NAMES["bg_nbd"]))
        alive = bgnbd_probability_alive(purchase_params, x, t_x, age)
        expected = bgnbd_expected_purchases(purchase_params, months * units_per_month, x, t_x, age)
        clv = _discounted_value(purchase_params, spend * alive, x, age, months, monthly_discount_rate, units_per_month)
        method = "bg_nbd_gamma_gamma" if spend_usable else "bg_nbd_average_order_value"
    else:
        rate = np.divide(x, age, out=np.zeros_like(x), where=age > 0)
        alive = np.full(len(x), np.nan)
        expected = rate * months * units_per_month
        discount = sum(1.0 / (1.0 + monthly_discount_rate) ** month for month in range(1, months + 1))
        clv = spend * rate * units_per_month * discount
        method = "run_rate_heuristic"

    frame = pd.DataFrame(index=customers.index)
    for column, scored in (
        ("probability_alive", alive),
        ("expected_purchases", expected),
        ("expected_average_order_value", spend),
        ("predicted_clv", clv),
    ):
        full = np.full(len(customers), np.nan)
        full[buyer] = scored
        frame[column] = full
    frame["clv_method"] = np.where(buyer, method, None)
    return frame


def bgnbd_purchase_count_probability(params: BgNbdParams, t: object, x: int) -> np.ndarray:
    """P(X(t) = x): the probability of exactly ``x`` purchases in a period of length ``t`` (FHL 2005, eq. 8).

    Vectorized over ``t``; written in logs (``gammaln``, ``betaln``) so that it stays finite for large x and t.
    """
    (t,) = _as_arrays(t)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    log_stay = r * np.log(alpha / (alpha + t))  # log (alpha / (alpha + t))^r
    with np.errstate(divide="ignore"):  # t = 0: log 0 = -inf, so every term with a purchase is 0, as it must be
        log_ratio = np.log(t / (alpha + t))

    def log_poisson_gamma(j: int) -> np.ndarray:  # log of Gamma(r + j) / (Gamma(r) j!) (t / (alpha + t))^j
        return gammaln(r + j) - gammaln(r) - gammaln(j + 1) + (j * log_ratio if j else 0.0) + log_stay

    alive = np.exp(betaln(a, b + x) - betaln(a, b) + log_poisson_gamma(x))
    if x == 0:
        return alive
    # 1 - sum_{j<x} of the NBD terms is the NBD's upper tail, I_{t/(alpha+t)}(x, r): no cancellation for small t
    return alive + np.exp(betaln(a + 1, b + x - 1) - betaln(a, b)) * betainc(x, r, t / (alpha + t))


def repeat_purchase_fit_table(buyers: pd.DataFrame, parameters: pd.DataFrame, top_count: int = 7) -> pd.DataFrame:
    """clv_repeat_purchase_fit: buyers by repeat purchases in the observed period, counted and as the BG/NBD expects.

    The check of FHL (2005, figure 2): for each count x of repeat purchases
    (0 .. ``top_count`` - 1, then ``top_count`` or more), the buyers who made
    x, next to the sum over buyers of P(X(T) = x) at each buyer's own age T
    (``btyd_t``). Expected is null when the BG/NBD fit failed.
    """
    frequency = buyers.btyd_frequency.to_numpy(dtype=float)
    ages = buyers.btyd_t.to_numpy(dtype=float)
    counts = np.arange(top_count)
    actual = [int((frequency == x).sum()) for x in counts] + [int((frequency >= top_count).sum())]
    values = parameters[parameters.model == "bg_nbd"].set_index("parameter")["value"]
    if len(buyers) and values.reindex(["r", "alpha", "a", "b"]).notna().all():
        params = BgNbdParams(**{name: float(values[name]) for name in ("r", "alpha", "a", "b")})
        # over the distinct ages, weighted by how many buyers have each (ages are whole days or weeks)
        distinct_ages, buyers_per_age = np.unique(ages, return_counts=True)
        expected = [
            float(bgnbd_purchase_count_probability(params, distinct_ages, int(x)) @ buyers_per_age) for x in counts
        ]
        expected.append(len(buyers) - sum(expected))
    else:
        expected = [None] * (top_count + 1)
    return pd.DataFrame(
        {
            "repeat_purchases": [*counts.tolist(), top_count],
            "repeat_purchases_label": [*map(str, counts.tolist()), f"{top_count}+"],
            "buyers_observed": actual,
            "buyers_expected": pd.array(expected, dtype="Float64"),
        }
    )


# ---------------------------------------------------------------- what the dbt models call


def clv_parameters_table(buyers: pd.DataFrame, time_unit: str, fitted_at: object) -> pd.DataFrame:
    """clv_model_parameters: fit_clv_models on the buyers' btyd_* columns, keyed ``<model>.<parameter>``.

    ``buyers`` must come in a fixed order (customer_key): the likelihoods are
    sums over customers, so the same buyers then give the same parameters to
    the last bit whatever order the rows are stored in.
    """
    frame = fit_clv_models(buyers.btyd_frequency, buyers.btyd_recency, buyers.btyd_t, buyers.btyd_monetary_value)
    frame.insert(0, "clv_model_parameter_id", frame.model + "." + frame.parameter)
    frame["time_unit"] = time_unit
    frame["fitted_at"] = pd.Timestamp(fitted_at) if fitted_at is not None else pd.NaT
    return frame


DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_TIME_UNIT = {"day": 1.0, "week": 7.0}


@dataclass(frozen=True)
class LtvSettings:
    """The vars customer_ltv reads, as it receives them through its config."""

    horizon_months: int
    monthly_discount_rate: float
    time_unit: str
    high_share: float
    medium_share: float

    @classmethod
    def from_config(cls, settings: Mapping[str, object]) -> LtvSettings:
        """From the model's ``ltv_settings`` config (its yml: one entry per var)."""
        return cls(
            horizon_months=int(settings["clv_horizon_months"]),
            monthly_discount_rate=float(settings["clv_monthly_discount_rate"]),
            time_unit=str(settings["btyd_time_unit"]),
            high_share=float(settings["ltv_high_share"]),
            medium_share=float(settings["ltv_medium_share"]),
        )


def customer_ltv_table(customers: pd.DataFrame, parameters: pd.DataFrame, settings: LtvSettings) -> pd.DataFrame:
    """customer_ltv: predictions (score_customers), LTV tier among buyers, and what each CLV rests on.

    ``customers``: customer_rfm's customer_id, customer_key, is_buyer, btyd_*,
    average_order_value and as_of_date. Prospects (no purchase) get no
    prediction and the tier ``prospect``; ``clv_basis`` says whether a CLV
    rests on repeat purchases or on a single one.
    """
    scores = score_customers(
        customers,
        parameters,
        settings.horizon_months,
        settings.monthly_discount_rate,
        DAYS_PER_MONTH / DAYS_PER_TIME_UNIT[settings.time_unit],
    )
    frame = customers[["customer_id", "customer_key"]].join(scores.drop(columns="clv_method"))
    buyer = customers.is_buyer.to_numpy(dtype=bool)
    tiers = np.full(len(customers), "prospect", dtype=object)
    tiers[buyer] = ltv_tiers(scores.predicted_clv.to_numpy()[buyer], settings.high_share, settings.medium_share)
    frame["ltv_tier"] = tiers
    one_time = buyer & (customers.btyd_frequency.fillna(-1).to_numpy() == 0)
    frame["clv_basis"] = np.select([~buyer, one_time], ["prospect", "one_time_buyer"], "repeat_buyer")
    frame["clv_method"] = scores.clv_method
    frame["horizon_months"] = settings.horizon_months
    frame["as_of_date"] = customers.as_of_date.iloc[0] if len(customers) else None
    return frame
