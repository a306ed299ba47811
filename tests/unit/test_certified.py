"""Certified first-order patching: within its recorded bound of the exact readout, on every family."""

from __future__ import annotations

import math

import pytest
import torch
from tiny_models import FAMILIES, VOCAB, tiny_model

from rivalry.core.certified import certified_first_order_effects
from rivalry.core.decomposition import decompose
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.patching import first_order_effects
from rivalry.errors import RivalryError


def _pair(model):
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(3, VOCAB, (8, 9), generator=generator)
    mask = torch.ones_like(ids)
    mask[5:, :3] = 0
    source, target = decompose(model, ids[:4], mask[:4]), decompose(model, ids[4:], mask[4:])
    answer = AnswerLogOdds.from_token_sets([[5], [7, 8], [11], [13, 14, 15]])
    return target, source, answer


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("tolerance", [math.inf, 1e-3, 0.0])
def test_certified_effects_are_within_their_bound(family: str, tolerance: float) -> None:
    model = tiny_model(family)
    target, source, answer = _pair(model)
    exact = first_order_effects(model, target, source, answer)
    certified = certified_first_order_effects(model, target, source, answer, tolerance=tolerance, n_candidates=8)
    error = (certified.effects - exact.effects).abs()
    assert bool((error <= certified.bound + 1e-5).all()), float((error - certified.bound).max())
    torch.testing.assert_close(certified.baseline, exact.baseline, rtol=1e-5, atol=1e-5)
    if tolerance == 0.0:  # everything with a non-zero bound is read exactly
        assert float(certified.bound.max()) == 0.0
        torch.testing.assert_close(certified.effects, exact.effects, rtol=1e-5, atol=1e-5)
    if math.isinf(tolerance):
        assert not bool(certified.fallback.any())
    assert bool((certified.bound[certified.fallback] == 0).all())


def test_all_candidates_make_the_bound_vanish() -> None:
    model = tiny_model("llama")
    target, source, answer = _pair(model)
    certified = certified_first_order_effects(model, target, source, answer, tolerance=math.inf, n_candidates=VOCAB)
    exact = first_order_effects(model, target, source, answer)
    assert certified.max_bound < 1e-5
    torch.testing.assert_close(certified.effects, exact.effects, rtol=1e-4, atol=1e-5)


def test_bad_settings_are_one_line() -> None:
    model = tiny_model("llama")
    target, source, answer = _pair(model)
    with pytest.raises(RivalryError, match="tolerance"):
        certified_first_order_effects(model, target, source, answer, tolerance=-1.0)
