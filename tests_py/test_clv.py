"""BG/NBD and Gamma-Gamma: published CDNOW parameters, agreement with lifetimes, edge cases."""

from __future__ import annotations

import os
from dataclasses import asdict

import lifetimes
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import _customer_lifetime_value as customer_lifetime_value

from audience import clv

DATASETS = os.path.join(os.path.dirname(lifetimes.__file__), "datasets")
# Fader, Hardie & Lee (2005), table 1; Fader & Hardie (2013), the Gamma-Gamma note.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    """The CDNOW 1/10th sample: 2,357 customers of the first quarter of 1997."""
    frame = pd.read_csv(
        f"{DATASETS}/CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer", "date", "cds", "amount"],
    )
    frame["date"] = pd.to_datetime(frame.date.astype(str))
    return frame


@pytest.fixture(scope="module")
def calibration(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    """lifetimes' own summary of the 39-week calibration period, in weeks, exact repeat-spend means."""
    calibration = cdnow_transactions[cdnow_transactions.date <= "1997-09-30"]
    return lifetimes.utils.summary_data_from_transaction_data(
        calibration,
        "customer",
        "date",
        monetary_value_col="amount",
        observation_period_end="1997-09-30",
        freq="D",
        freq_multiplier=7,
    )


@pytest.fixture(scope="module")
def bgnbd(calibration: pd.DataFrame) -> clv.Fit:
    return clv.fit_bgnbd(calibration.frequency, calibration.recency, calibration["T"])


@pytest.fixture(scope="module")
def gamma_gamma(calibration: pd.DataFrame) -> clv.Fit:
    return clv.fit_gamma_gamma(calibration.frequency, calibration.monetary_value)


def test_bgnbd_reproduces_the_published_cdnow_fit(bgnbd: clv.Fit) -> None:
    fitted = vars(bgnbd.params)
    for name, value in PUBLISHED_BGNBD.items():
        assert round(fitted[name], 3) == value, name
    assert round(bgnbd.log_likelihood, 1) == PUBLISHED_BGNBD_LL
    assert bgnbd.n_customers == 2357


def test_gamma_gamma_reproduces_the_published_cdnow_fit(gamma_gamma: clv.Fit) -> None:
    fitted = vars(gamma_gamma.params)
    for name, value in PUBLISHED_GAMMA_GAMMA.items():
        assert round(fitted[name], 2) == value, name
    assert gamma_gamma.n_customers == 946


def test_fits_agree_with_lifetimes(calibration: pd.DataFrame, bgnbd: clv.Fit, gamma_gamma: clv.Fit) -> None:
    reference = BetaGeoFitter().fit(calibration.frequency, calibration.recency, calibration["T"])
    ours = vars(bgnbd.params)
    for name in ("r", "alpha", "a", "b"):
        assert ours[name] == pytest.approx(reference.params_[name], rel=1e-3)
    repeat = calibration[calibration.frequency > 0]
    spend = GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value)
    assert gamma_gamma.params.p == pytest.approx(spend.params_["p"], rel=1e-3)
    assert gamma_gamma.params.q == pytest.approx(spend.params_["q"], rel=1e-3)
    assert gamma_gamma.params.gamma == pytest.approx(spend.params_["v"], rel=1e-3)


def lifetimes_bgnbd(params: clv.BgNbdParams) -> BetaGeoFitter:
    model = BetaGeoFitter()
    model.params_ = pd.Series({"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b})
    model.predict = model.conditional_expected_number_of_purchases_up_to_time  # fit() sets this alias
    return model


def test_predictions_match_lifetimes_at_the_same_parameters(calibration: pd.DataFrame, bgnbd: clv.Fit) -> None:
    reference = lifetimes_bgnbd(bgnbd.params)
    x, t_x, T = calibration.frequency, calibration.recency, calibration["T"]  # noqa: N806
    for horizon in (1.0, 39.0, 52.0):
        expected = reference.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
        np.testing.assert_allclose(clv.bgnbd_expected_purchases(bgnbd.params, horizon, x, t_x, T), expected, rtol=1e-8)
    alive = reference.conditional_probability_alive(x, t_x, T)
    np.testing.assert_allclose(clv.bgnbd_probability_alive(bgnbd.params, x, t_x, T), alive, rtol=1e-10)


def test_log_likelihood_matches_lifetimes(calibration: pd.DataFrame, bgnbd: clv.Fit) -> None:
    p = bgnbd.params
    reference = -BetaGeoFitter._negative_log_likelihood(
        np.log([p.r, p.alpha, p.a, p.b]),
        calibration.frequency.values,
        calibration.recency.values,
        calibration["T"].values,
        np.ones(len(calibration)),
        0.0,
    ) * len(calibration)
    assert bgnbd.log_likelihood == pytest.approx(reference, rel=1e-10)


def test_clv_matches_lifetimes(calibration: pd.DataFrame, bgnbd: clv.Fit, gamma_gamma: clv.Fit) -> None:
    reference_spend = GammaGammaFitter()
    g = gamma_gamma.params
    reference_spend.params_ = pd.Series({"p": g.p, "q": g.q, "v": g.gamma})
    x, t_x, T, m = calibration.frequency, calibration.recency, calibration["T"], calibration.monetary_value  # noqa: N806
    np.testing.assert_allclose(
        clv.gamma_gamma_expected_spend(g, x, m),
        reference_spend.conditional_expected_average_profit(x, m),
        rtol=1e-10,
    )
    reference = customer_lifetime_value(
        lifetimes_bgnbd(bgnbd.params),
        x,
        t_x,
        T,
        reference_spend.conditional_expected_average_profit(x, m),
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    ours = clv.discounted_clv(
        bgnbd.params, g, x, t_x, T, m, months=12, monthly_discount_rate=0.01, units_per_month=4.345
    )
    np.testing.assert_allclose(ours, reference, rtol=1e-8)


def test_heavy_buyers_do_not_overflow(bgnbd: clv.Fit) -> None:
    x = np.array([500.0, 2000.0])
    expected = clv.bgnbd_expected_purchases(bgnbd.params, 52.0, x, np.array([150.0, 155.0]), np.array([156.0, 156.0]))
    assert np.all(np.isfinite(expected)) and np.all(expected > 0)
    alive = clv.bgnbd_probability_alive(bgnbd.params, x, np.array([10.0, 10.0]), np.array([156.0, 156.0]))
    assert np.all(alive >= 0) and np.all(alive < 1e-6)


def test_one_time_buyers_get_the_population_mean_spend(gamma_gamma: clv.Fit) -> None:
    g = gamma_gamma.params
    spend = clv.gamma_gamma_expected_spend(g, [0.0], [0.0])
    assert spend[0] == pytest.approx(g.p * g.gamma / (g.q - 1.0))


def test_recovers_the_parameters_it_simulated_from() -> None:
    """Simulate the BG/NBD story with known parameters; the fit must find them again."""
    rng = np.random.default_rng(1)
    n, T_end = 20_000, 52.0  # noqa: N806
    lam = rng.gamma(0.8, 1 / 6.0, n)
    p = rng.beta(0.9, 3.0, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    alive = np.ones(n, bool)
    t = np.zeros(n)
    while alive.any():
        t = np.where(alive, t + rng.exponential(1 / lam), t)
        bought = alive & (t < T_end)
        x[bought] += 1
        t_x[bought] = t[bought]
        alive = bought & (rng.random(n) >= p)
    fit = clv.fit_bgnbd(x, t_x, np.full(n, T_end))
    assert fit.params.r == pytest.approx(0.8, rel=0.1)
    assert fit.params.alpha == pytest.approx(6.0, rel=0.15)
    assert fit.params.a == pytest.approx(0.9, rel=0.2)
    assert fit.params.b == pytest.approx(3.0, rel=0.25)


def test_bad_inputs_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="between 0 and T"):
        clv.fit_bgnbd([1, 2], [5.0, 9.0], [4.0, 10.0])
    with pytest.raises(ValueError, match="whole number"):
        clv.fit_bgnbd([1.5], [1.0], [2.0])
    with pytest.raises(ValueError, match="finite"):
        clv.fit_bgnbd([np.nan], [1.0], [2.0])
    with pytest.raises(clv.ClvFitError, match="repeat buyers"):
        clv.fit_bgnbd([0] * 50, [0.0] * 50, [10.0] * 50)


def test_a_degenerate_sample_gives_the_boundary_estimate() -> None:
    """Everyone buys 20 times in 40 weeks and nobody drops out: the maximum lies on the search bound.

    With no spread in the purchase rate, Gamma(r, alpha) degenerates to a
    point mass at 20 / 40 = 0.5 a week (r and alpha grow together), and with
    nobody dropping out the mean drop-out probability a / (a + b) goes to 0.
    The fit says it ended on the bound and its implied values are those limits.
    """
    n = 200
    fit = clv.fit_bgnbd(np.full(n, 20.0), np.full(n, 39.9), np.full(n, 40.0))
    assert fit.status == "boundary"
    assert "a" in fit.at_bound or "b" in fit.at_bound
    assert fit.params.r / fit.params.alpha == pytest.approx(0.5, rel=1e-3)
    assert fit.params.a / (fit.params.a + fit.params.b) < 1e-6


def test_a_failed_fit_does_not_raise_and_customers_get_the_fallbacks() -> None:
    """Too few repeat buyers: both fits fail, nothing raises, buyers are scored at their historical run rate."""
    x = np.array([0, 0, 1, 0, 2, 0], dtype=float)
    t_x = np.array([0, 0, 4, 0, 6, 0], dtype=float)
    T = np.array([10, 8, 10, 5, 12, 3], dtype=float)  # noqa: N806
    monetary = np.array([0, 0, 30, 0, 20, 0], dtype=float)
    with pytest.warns(UserWarning, match="fallback"):
        parameters = clv.fit_clv_models(x, t_x, T, monetary)
    assert set(parameters.fit_status) == {"failed"} and parameters.value.isna().all()
    assert parameters.fit_message.str.contains("repeat buyers").all()
    customers = pd.DataFrame(
        {
            "is_buyer": [True] * 6 + [False],
            "btyd_frequency": [*x, np.nan],
            "btyd_recency": [*t_x, np.nan],
            "btyd_t": [*T, np.nan],
            "btyd_monetary_value": [*monetary, np.nan],
            "average_order_value": [50, 40, 30, 20, 25, 10, np.nan],
        }
    )
    scores = clv.score_customers(customers, parameters, months=12, monthly_discount_rate=0.0, units_per_month=4.0)
    assert list(scores.clv_method[:6]) == ["run_rate_heuristic"] * 6 and pd.isna(scores.clv_method[6])
    # customer 3: 1 repeat purchase in 10 weeks -> 0.1 a week, 4.8 in 48 weeks, at its own order value 30
    assert scores.expected_purchases[2] == pytest.approx(4.8)
    assert scores.predicted_clv[2] == pytest.approx(4.8 * 30)
    assert scores.predicted_clv[0] == 0 and np.isnan(scores.probability_alive[2])
    assert np.isnan(scores.predicted_clv[6])


def test_a_failed_spend_model_falls_back_to_each_buyers_order_value(calibration: pd.DataFrame) -> None:
    """BG/NBD fits on CDNOW; Gamma-Gamma is made to fail: P(alive) stays BG/NBD's, spend is the buyer's own AOV."""
    x, t_x, T = (calibration[c].to_numpy(float) for c in ("frequency", "recency", "T"))  # noqa: N806
    parameters = clv.fit_clv_models(x, t_x, T, np.zeros_like(x))  # no spend at all: Gamma-Gamma cannot fit
    status = parameters.groupby("model").fit_status.first()
    assert status["bg_nbd"] == "converged" and status["gamma_gamma"] == "failed"
    customers = pd.DataFrame(
        {
            "is_buyer": True,
            "btyd_frequency": x,
            "btyd_recency": t_x,
            "btyd_t": T,
            "btyd_monetary_value": 0.0,
            "average_order_value": 10.0,
        }
    )
    scores = clv.score_customers(customers, parameters, months=12, monthly_discount_rate=0.01, units_per_month=4.35)
    assert set(scores.clv_method) == {"bg_nbd_average_order_value"}
    bgnbd = clv.fit_bgnbd(x, t_x, T).params
    np.testing.assert_allclose(scores.probability_alive, clv.bgnbd_probability_alive(bgnbd, x, t_x, T))
    # with a constant spend of 10 the CLV is 10 x the discounted expected purchases: 10x what a spend of 1 gives
    unit = clv._discounted_value(bgnbd, clv.bgnbd_probability_alive(bgnbd, x, t_x, T), x, T, 12, 0.01, 4.35)
    np.testing.assert_allclose(scores.predicted_clv, 10 * unit)


def test_ltv_tiers_split_20_30_50_and_keep_ties_together() -> None:
    clv_values = np.arange(100, 0, -1, dtype=float)
    tiers = clv.ltv_tiers(clv_values, 0.2, 0.3)
    assert list(pd.Series(tiers).value_counts().sort_index()) == [20, 50, 30]  # high, low, medium
    assert tiers[0] == "high" and tiers[19] == "high" and tiers[20] == "medium" and tiers[50] == "low"
    tied = clv.ltv_tiers(np.array([5.0, 5.0, 5.0, 1.0, np.nan]), 0.2, 0.3)
    assert list(tied[:4]) == ["high", "high", "high", "low"] and tied[4] is None
    with pytest.raises(ValueError, match="shares"):
        clv.ltv_tiers(clv_values, 0.8, 0.3)
    # nobody expected to buy again (a fallback's zero CLV) is low value, not a tie for 'high'
    assert list(clv.ltv_tiers(np.array([0.0, 0.0, 0.0, 2.0]), 0.2, 0.3)) == ["low", "low", "low", "high"]


def _finite_difference_gradient(objective, point: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of the objective's value, independent of its analytic gradient."""
    gradient = np.zeros_like(point)
    for i in range(len(point)):
        shift = np.zeros_like(point)
        shift[i] = step
        gradient[i] = (objective(point + shift)[0] - objective(point - shift)[0]) / (2 * step)
    return gradient


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (2.0, 10.0, 3.0, 1.2)])
def test_bgnbd_objective_is_the_mean_likelihood_and_its_gradient_is_exact(
    calibration: pd.DataFrame, params: tuple[float, ...]
) -> None:
    """The grouped objective equals the per-customer log-likelihood; its gradient equals finite differences."""
    x, t_x, T = (calibration[c].to_numpy(float) for c in ("frequency", "recency", "T"))  # noqa: N806
    objective = clv.BgNbdObjective(x, t_x, T)
    assert objective.n_rows < len(x)  # customers share rows, so grouping does work
    value, gradient = objective(np.log(params))
    per_customer = clv.bgnbd_log_likelihood(clv.BgNbdParams(*params), x, t_x, T)
    assert value == pytest.approx(-per_customer.mean(), rel=1e-12)
    np.testing.assert_allclose(gradient, _finite_difference_gradient(objective, np.log(params)), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 8.0, 100.0)])
def test_gamma_gamma_objective_is_the_mean_likelihood_and_its_gradient_is_exact(
    calibration: pd.DataFrame, params: tuple[float, ...]
) -> None:
    repeat = calibration[calibration.frequency > 0]
    x, m = repeat.frequency.to_numpy(float), repeat.monetary_value.to_numpy(float)
    objective = clv.GammaGammaObjective(x, m)
    value, gradient = objective(np.log(params))
    per_customer = clv.gamma_gamma_log_likelihood(clv.GammaGammaParams(*params), x, m)
    assert value == pytest.approx(-per_customer.mean(), rel=1e-12)
    np.testing.assert_allclose(gradient, _finite_difference_gradient(objective, np.log(params)), rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------- the fit check: buyers by repeat purchases


@pytest.mark.parametrize("t", [0.5, 10.0, 39.0, 78.0])
def test_purchase_count_probabilities_match_lifetimes(t: float) -> None:
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    reference = lifetimes_bgnbd(params)
    for count in (0, 1, 2, 5, 12, 30):
        ours = clv.bgnbd_purchase_count_probability(params, [t], count)[0]
        theirs = reference.probability_of_n_purchases_up_to_time(t, count)
        # lifetimes takes 1 minus a sum for the upper tail; below 1e-10 its cancellation error shows
        if theirs > 1e-10:
            assert ours == pytest.approx(theirs, rel=1e-9), (t, count)


@pytest.mark.parametrize("t", [0.0, 0.5, 39.0, 200.0])
def test_purchase_count_probabilities_sum_to_one(t: float) -> None:
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    probabilities = [clv.bgnbd_purchase_count_probability(params, [t], x)[0] for x in range(2000)]
    assert min(probabilities) >= 0 and sum(probabilities) == pytest.approx(1.0, abs=1e-9)
    if t == 0:
        assert probabilities[0] == 1.0


def test_the_cdnow_repeat_purchase_histogram(calibration: pd.DataFrame, bgnbd: clv.Fit) -> None:
    """FHL (2005), figure 2: CDNOW's calibration period, observed, and expected at each customer's own T."""
    buyers = pd.DataFrame({"btyd_frequency": calibration.frequency, "btyd_t": calibration["T"]})
    parameters = pd.DataFrame(
        {"model": "bg_nbd", "parameter": list(asdict(bgnbd.params)), "value": list(asdict(bgnbd.params).values())}
    )
    table = clv.repeat_purchase_fit_table(buyers, parameters)
    assert table.repeat_purchases_label.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    # 1,411 of the 2,357 customers made no repeat purchase in the 39 weeks (the paper's figure 2)
    assert table.buyers_observed.iloc[0] == 1411 and table.buyers_observed.sum() == 2357
    reference = lifetimes_bgnbd(bgnbd.params)
    for x in range(7):
        expected = sum(reference.probability_of_n_purchases_up_to_time(T, x) for T in calibration["T"])
        assert table.buyers_expected.iloc[x] == pytest.approx(expected, rel=1e-8)
    assert float(table.buyers_expected.sum()) == pytest.approx(2357, rel=1e-12)
    # the model fits: within 5% of the buyers at every count, as the paper's figure shows
    gaps = (table.buyers_expected.astype(float) - table.buyers_observed).abs()
    assert (gaps < 0.05 * 2357).all()


def test_the_repeat_purchase_check_of_a_failed_fit_counts_but_expects_nothing() -> None:
    buyers = pd.DataFrame({"btyd_frequency": [0, 0, 1, 9], "btyd_t": [10.0, 5.0, 8.0, 30.0]})
    parameters = pd.DataFrame({"model": "bg_nbd", "parameter": ["r", "alpha", "a", "b"], "value": [None] * 4})
    table = clv.repeat_purchase_fit_table(buyers, parameters, top_count=3)
    assert table.buyers_observed.tolist() == [2, 1, 0, 1]
    assert table.buyers_expected.isna().all()


def test_expected_purchases_stay_finite_when_the_fit_says_nobody_drops_out() -> None:
    """A fit on UCI Online Retail ended at a -> 0, b -> 69,615: the BG/NBD is then the NBD, whose
    expectation is (r + x) t / (alpha + T). scipy's 2F1 gave NaN for young customers (t > alpha + T)."""
    params = clv.BgNbdParams(0.723579, 9.367117, 0.000006, 69615.037741)
    x, t_x, T = np.array([0.0, 0.0, 1.0, 3.0]), np.array([0.0, 0.0, 4.0, 15.0]), np.array([0.0, 5.0, 10.0, 17.0])  # noqa: N806
    expected = clv.bgnbd_expected_purchases(params, 52.0, x, t_x, T)
    nbd = (params.r + x) * 52.0 / (params.alpha + T)
    np.testing.assert_allclose(expected, nbd, rtol=1e-4)
