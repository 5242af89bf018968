"""On generated data the CLV pipeline recovers the purchase process the generator simulated."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from audience.generate import GeneratorConfig, config_with, generate
from conftest import Warehouse, run_dbt_and_export


def test_bgnbd_fit_recovers_the_simulated_heterogeneity(warehouse: Warehouse) -> None:
    """The generator draws rates ~ Gamma(r, alpha days) and drop-out ~ Beta(a, b).

    Seasonality is layered on by a time warp, so calendar-time estimates are
    close to, not equal to, the simulated values: 30% is the tolerance.
    """
    fitted = dict(warehouse.query("select parameter, value from marts.clv_model_parameters where model = 'bg_nbd'"))
    cfg = GeneratorConfig()
    assert fitted["r"] == pytest.approx(cfg.bgnbd_r, rel=0.3)
    assert fitted["alpha"] == pytest.approx(cfg.bgnbd_alpha / 7.0, rel=0.3)  # days -> weeks
    assert fitted["a"] == pytest.approx(cfg.bgnbd_a, rel=0.3)
    assert fitted["b"] == pytest.approx(cfg.bgnbd_b, rel=0.3)


def test_higher_tiers_hold_more_valuable_customers(warehouse: Warehouse) -> None:
    rows = warehouse.query(
        """
        select ltv_tier, min(predicted_clv), max(predicted_clv), count(*)
        from marts.customer_ltv
        where ltv_tier <> 'prospect'
        group by 1
        """
    )
    bounds = {tier: (low, high, n) for tier, low, high, n in rows}
    assert bounds["high"][0] >= bounds["medium"][1] and bounds["medium"][0] >= bounds["low"][1]
    total = sum(n for _, _, n in bounds.values())
    assert bounds["high"][2] / total == pytest.approx(0.2, abs=0.01)
    assert bounds["medium"][2] / total == pytest.approx(0.3, abs=0.01)


def test_every_customer_has_a_cluster_and_diagnostics_cover_the_k_range(warehouse: Warehouse) -> None:
    customers, clustered = warehouse.query(
        "select (select count(*) from marts.customers), (select count(*) from marts.customer_clusters)"
    )[0]
    assert customers == clustered
    k_rows = warehouse.query("select k from marts.cluster_diagnostics where diagnostic_type = 'k_search' order by k")
    assert [k for (k,) in k_rows] == list(range(3, 9))
    sizes = warehouse.query(
        "select min(cluster_size), sum(cluster_size) from marts.cluster_diagnostics "
        "where diagnostic_type = 'cluster' and cluster_id > 0"
    )[0]
    assert sizes[0] >= max(50, 0.01 * sizes[1])


def test_a_clv_fit_that_cannot_fit_still_publishes_every_list(tmp_path: Path) -> None:
    """Nobody buys twice (purchase rates near 0): neither CLV model can fit.

    The build still succeeds with a warning, every buyer is scored by the
    run-rate fallback (no repeat purchase: a CLV of 0, tier low), the
    diagnostics say so, and the activation tables are published.
    """
    raw = tmp_path / "raw"
    generate(config_with(customers=1500, seed=5, bgnbd_alpha=1e9), raw)
    warehouse = tmp_path / "audience.duckdb"
    build = run_dbt_and_export(["build"], raw, warehouse, tmp_path / "target", tmp_path / "exports")
    assert build.returncode == 0, build.stdout[-4000:]
    assert re.search(r"WARN \d+ clv_fits_converged", build.stdout)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        diagnostics = con.execute(
            "select model, fit_status, fallback_method, customers_scored_by_model, customers_scored_by_fallback "
            "from marts.clv_fit_diagnostics order by model"
        ).fetchall()
        buyers = con.execute("select count(*) from marts.customer_ltv where clv_basis <> 'prospect'").fetchall()[0][0]
        methods = con.execute(
            "select clv_method, ltv_tier, max(predicted_clv), count(*) from marts.customer_ltv "
            "where clv_basis <> 'prospect' group by all"
        ).fetchall()
        contacts = con.execute("select count(*) from activation.esp_contacts").fetchall()[0][0]
    assert buyers > 500
    assert diagnostics == [
        ("bg_nbd", "failed", "run_rate_heuristic", 0, buyers),
        ("gamma_gamma", "failed", "average_order_value", 0, buyers),
    ]
    assert methods == [("run_rate_heuristic", "low", 0.0, buyers)]
    assert contacts > 0 and (tmp_path / "exports" / "esp_contacts.csv").exists()
