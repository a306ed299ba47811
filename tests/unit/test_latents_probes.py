"""Probes and the bits bound on synthetic features: a planted signal is found, pure noise is not."""

from __future__ import annotations

import numpy as np

from rivalry.latents.bootstrap import group_bootstrap
from rivalry.latents.leak import bits_lower_bound, entropy_bits, observe
from rivalry.latents.probes import auroc, fit_classifier, fit_distribution, kl_nats, r_squared


def _data(n: int = 240, d: int = 20, signal: float = 1.5, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    direction = rng.normal(size=d)
    x = rng.normal(size=(n, d)) + signal * np.outer(y - 0.5, direction / np.linalg.norm(direction)) * 2
    groups = [f"g{i % 24}" for i in range(n)]
    return x, y, groups


def test_planted_signal_is_recovered_and_noise_is_not() -> None:
    x, y, groups = _data()
    train, test = np.arange(160), np.arange(160, 240)
    fit = fit_classifier(x[train], y[train], [groups[i] for i in train], x[test], 2)
    assert auroc(y[test], fit.probabilities[:, 1], 2) > 0.95
    noise, _, _ = _data(signal=0.0, seed=1)
    fit = fit_classifier(noise[train], y[train], [groups[i] for i in train], noise[test], 2)
    assert abs(auroc(y[test], fit.probabilities[:, 1], 2) - 0.5) < 0.15


def test_bits_bound_is_zero_for_a_blind_observer_and_never_negative() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    for p in (0.5, 0.2, float(y.mean())):
        blind = np.tile([1 - p, p], (len(y), 1))
        bound = bits_lower_bound(blind, y)
        assert bound.bound == 0.0 and bound.raw <= 1e-12
    perfect = np.stack([1 - y, y], axis=1).astype(float)
    assert abs(bits_lower_bound(perfect, y).bound - entropy_bits(y, 2)) < 1e-6
    raws = []
    for seed in range(6):  # an observer of pure noise: the clipped bound is 0, the raw one about 0 on average
        noise = np.random.default_rng(seed).normal(size=(400, 5))
        obs = observe(noise, y, np.arange(300), np.arange(300, 400), [f"g{i % 30}" for i in range(300)], 2)
        assert obs.bits.bound >= 0.0
        raws.append(obs.bits.raw)
    assert np.mean(raws) < 0.05
    x, yy, groups = _data(n=400)
    obs = observe(x, yy, np.arange(300), np.arange(300, 400), groups[:300], 2)
    assert 0.3 < obs.bits.bound <= entropy_bits(yy[300:], 2) + 1e-9


def test_distribution_probe_recovers_a_linear_posterior() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 8))
    logits = x[:, :4] * 1.5
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    groups = [f"t{i // 10}" for i in range(600)]
    fit = fit_distribution(x[:400], p[:400], groups[:400], x[400:], max_softmax_rows=400)
    assert r_squared(p[400:], fit.softmax) > 0.95 and r_squared(p[400:], fit.ridge) > 0.6
    assert kl_nats(p[400:], fit.softmax).mean() < 0.05
    noise = fit_distribution(rng.normal(size=(400, 8)), p[:400], groups[:400], rng.normal(size=(200, 8)), softmax=False)
    assert r_squared(p[400:], noise.ridge) < 0.05


def test_group_bootstrap_brackets_the_statistic() -> None:
    values = np.random.default_rng(0).normal(size=200)
    low, high = group_bootstrap(lambda rows: float(values[rows].mean()), [f"g{i // 5}" for i in range(200)], 200)
    assert low is not None and high is not None and low < values.mean() < high
