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
on log-parameters (positivity without constraints) over the distinct input
rows weighted by their counts, which keeps a million-customer fit cheap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, hyp2f1

LOG_BOUND = 12.0  # parameters are searched within exp(-12) .. exp(12)


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
    """A fitted model: its parameters, total log-likelihood and how many customers it saw."""

    params: BgNbdParams | GammaGammaParams
    log_likelihood: float
    n_customers: int
    iterations: int

    def as_rows(self, model: str) -> list[dict[str, object]]:
        return [
            {"model": model, "parameter": name, "value": float(value)} for name, value in asdict(self.params).items()
        ]


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


def _distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how often each occurs."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


def _minimize(objective, start: np.ndarray, names: tuple[str, ...], model: str) -> tuple[np.ndarray, int]:
    """Minimize over log-parameters; raise ClvFitError unless it converges inside the bounds."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = minimize(objective, start, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-14, "gtol": 1e-9})
    # Polish with Nelder-Mead: robust where the likelihood surface is flat.
    polished = minimize(
        objective, result.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000}
    )
    best = polished if polished.fun <= result.fun else result
    at_bound = np.abs(best.x) > LOG_BOUND - 1e-3
    if not np.isfinite(best.fun) or not (result.success or polished.success) or at_bound.any():
        stuck = ", ".join(n for n, hit in zip(names, at_bound, strict=True) if hit) or "none"
        raise ClvFitError(
            f"{model} fit did not converge (L-BFGS-B: {result.message}; Nelder-Mead: {polished.message}; "
            f"parameters at a bound: {stuck}). Check the inputs: too few repeat buyers, or T in the wrong unit."
        )
    return best.x, int(result.nit + polished.nit)


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


def fit_bgnbd(x: object, t_x: object, T: object) -> Fit:  # noqa: N803
    """Maximum-likelihood BG/NBD parameters for the customers given."""
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    check_btyd_inputs(x, t_x, T)
    if len(x) < 10 or np.count_nonzero(x) < 3:
        raise ClvFitError(f"BG/NBD needs repeat buyers to fit; got {len(x)} customers, {np.count_nonzero(x)} repeaters")
    (ux, ut, uT), weight = _distinct_rows(x, t_x, T)  # noqa: N806
    total = weight.sum()

    def objective(log_params: np.ndarray) -> float:
        value = -np.dot(weight, bgnbd_log_likelihood(BgNbdParams(*np.exp(log_params)), ux, ut, uT)) / total
        return float(value) if np.isfinite(value) else 1e300

    start = np.log([1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0])
    best, iterations = _minimize(objective, start, ("r", "alpha", "a", "b"), "BG/NBD")
    params = BgNbdParams(*np.exp(best))
    log_likelihood = float(np.dot(weight, bgnbd_log_likelihood(params, ux, ut, uT)))
    return Fit(params, log_likelihood, len(x), iterations)


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


def bgnbd_expected_purchases(params: BgNbdParams, t: float, x: object, t_x: object, T: object) -> np.ndarray:  # noqa: N803
    """E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10).

    The Gauss hypergeometric term is rewritten with Pfaff's transformation,
    2F1(r+x, b+x; a+b+x-1; z) = (1-z)^-(r+x) 2F1(r+x, a-1; a+b+x-1; z/(z-1)),
    whose prefactor cancels ((alpha+T)/(alpha+T+t))^(r+x) exactly, so heavy
    buyers do not overflow.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T = _as_arrays(x, t_x, T)  # noqa: N806
    if t <= 0:
        return np.zeros_like(x)
    hyp = hyp2f1(r + x, a - 1.0, a + b + x - 1.0, -t / (alpha + T))
    unconditional = (a + b + x - 1.0) / (a - 1.0) * (1.0 - hyp)
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


def fit_gamma_gamma(x: object, m: object) -> Fit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers (x > 0, m > 0) only."""
    x, m = _as_arrays(x, m)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) < 10:
        raise ClvFitError(f"Gamma-Gamma needs repeat buyers with spend; got {len(x)}")
    (ux, um), weight = _distinct_rows(x, m)
    total = weight.sum()

    def objective(log_params: np.ndarray) -> float:
        value = -np.dot(weight, gamma_gamma_log_likelihood(GammaGammaParams(*np.exp(log_params)), ux, um)) / total
        return float(value) if np.isfinite(value) else 1e300

    start = np.log([1.0, 2.0, max(float(np.mean(m)), 1e-3)])
    best, iterations = _minimize(objective, start, ("p", "q", "gamma"), "Gamma-Gamma")
    params = GammaGammaParams(*np.exp(best))
    if params.q <= 1.0:
        raise ClvFitError(f"Gamma-Gamma fitted q = {params.q:.3f} <= 1: the mean spend is undefined")
    log_likelihood = float(np.dot(weight, gamma_gamma_log_likelihood(params, ux, um)))
    return Fit(params, log_likelihood, len(x), iterations)


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
    value = gamma_gamma_expected_spend(spend, x, m)
    clv = np.zeros_like(x)
    previous = np.zeros_like(x)
    for month in range(1, months + 1):
        cumulative = bgnbd_expected_purchases(purchases, month * units_per_month, x, t_x, T)
        clv += value * (cumulative - previous) / (1.0 + monthly_discount_rate) ** month
        previous = cumulative
    return clv


def ltv_tiers(clv: np.ndarray, high_share: float, medium_share: float) -> np.ndarray:
    """'high' for the top ``high_share`` of CLV, 'medium' for the next ``medium_share``, 'low' for the rest.

    Ranks are by CLV descending with ties kept together (a tie group takes
    the tier of its best-ranked member), so the same data always gives the
    same tiers. NaN (no CLV) is not ranked and gets no tier.
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
        share_ahead < high_share, "high", np.where(share_ahead < high_share + medium_share, "medium", "low")
    )
    return tiers
