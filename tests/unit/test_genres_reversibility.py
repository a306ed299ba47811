"""Reversibility of confident genre beliefs, on hand-made trajectories."""

from __future__ import annotations

import math

import pytest
import torch

from rivalry.errors import RivalryError
from rivalry.genres.posterior import log_posterior_from_likelihoods, reversibility


def _log(probs: list[list[float]]) -> torch.Tensor:
    return torch.tensor(probs).log()


def test_one_trajectory():
    first = [0.5, 0.95, 0.6, 0.4, 0.95, 0.3, 0.92]
    result = reversibility(_log([first, [1 - p for p in first]]), high=0.9, low=0.5)
    assert result.crossed.tolist() == [1, 0]
    assert result.reversed.tolist() == [1, 0]
    assert result.events.tolist() == [2, 0]
    assert result.rate[0].item() == 1.0 and math.isnan(result.rate[1].item())


def test_dip_between_thresholds_is_not_a_reversal():
    first = [0.2, 0.91, 0.6, 0.95, 0.55, 0.99]
    result = reversibility(_log([first, [1 - p for p in first]]))
    assert result.crossed.tolist() == [1, 0] and result.reversed.tolist() == [0, 0]
    assert result.events.tolist() == [0, 0] and result.rate[0].item() == 0.0


def test_batch_of_trajectories():
    keeps = [0.3, 0.95, 0.97, 0.99]
    flips = [0.3, 0.95, 0.45, 0.05]
    never = [0.3, 0.6, 0.7, 0.8]
    batch = torch.stack([_log([p, [1 - x for x in p]]) for p in (keeps, flips, never)])
    result = reversibility(batch, high=0.9, low=0.5)
    assert result.crossed.tolist() == [2, 1]  # genre 1 reaches 0.95 in the "flips" trajectory
    assert result.reversed.tolist() == [1, 0]
    assert result.rate.tolist() == [0.5, 0.0]


def test_thresholds_are_checked():
    with pytest.raises(RivalryError):
        reversibility(_log([[0.5], [0.5]]), high=0.5, low=0.9)


def test_log_posterior_from_likelihoods_is_bayes_rule():
    token_ll = torch.log(torch.tensor([[0.5, 0.5], [0.2, 0.8]]))  # [genre, seq]
    prior = torch.tensor([0.25, 0.75])
    post = log_posterior_from_likelihoods(token_ll, prior).exp()
    after_two = torch.tensor([0.25 * 0.25, 0.75 * 0.16])
    assert post[:, 1].tolist() == pytest.approx((after_two / after_two.sum()).tolist(), abs=1e-6)
    uniform = log_posterior_from_likelihoods(token_ll).exp()
    assert uniform[:, 0].tolist() == pytest.approx([0.5 / 0.7, 0.2 / 0.7], abs=1e-6)
