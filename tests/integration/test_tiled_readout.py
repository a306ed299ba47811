"""The tiled readout of answer log-odds against the plain one (full logits, then the metric) on every family."""

from __future__ import annotations

import torch
from tiny_models import VOCAB

import rivalry
from rivalry.core.tiled_readout import SAFE_LOG_TOTAL, supports_tiling, tiled_answer_log_odds
from rivalry.models.anatomy import Anatomy

# answers spread over the vocabulary so that, with 16-column tiles, they fall in different tiles and on edges
TOKEN_SETS = [[5, 7], [15, 16], [VOCAB - 1], [31, 47, 63], [0]]


def _residuals(model, scale: float = 1.0, seed: int = 0) -> torch.Tensor:
    anatomy = Anatomy.of(model)
    generator = torch.Generator().manual_seed(seed)
    return scale * torch.randn(len(TOKEN_SETS), anatomy.d_model, generator=generator)


def _plain(anatomy, residual, rows, metric):
    return metric(anatomy.readout(residual), rows)


def test_tiled_readout_equals_the_plain_readout(model):
    anatomy = Anatomy.of(model)
    assert supports_tiling(anatomy)
    metric = rivalry.AnswerLogOdds.from_token_sets(TOKEN_SETS)
    rows = torch.arange(len(TOKEN_SETS))
    residual = _residuals(model)
    for tile_bytes in (4 * 16 * len(TOKEN_SETS), 2**20):  # 16-column tiles, and one tile for the whole vocabulary
        ours = tiled_answer_log_odds(anatomy, residual, rows, metric, tile_bytes=tile_bytes)
        torch.testing.assert_close(ours, _plain(anatomy, residual, rows, metric), rtol=1e-5, atol=1e-5)


def test_rows_outside_the_safe_range_are_recomputed(model):
    anatomy = Anatomy.of(model)
    metric = rivalry.AnswerLogOdds.from_token_sets(TOKEN_SETS)
    rows = torch.arange(len(TOKEN_SETS))
    # the final norm undoes a plain scale, so make the logits huge by scaling the unembedding's input gain instead
    residual = _residuals(model)
    logits = anatomy.readout(residual)
    gain = 400.0 / float(logits.abs().amax())
    weight = anatomy.unembed.weight
    original = weight.detach().clone()
    try:
        with torch.no_grad():
            weight.mul_(gain)
        huge = anatomy.readout(residual)
        if anatomy.logit_softcap is None:
            assert float(huge.amax()) > SAFE_LOG_TOTAL[1]  # exp overflows here without the fallback
        ours = tiled_answer_log_odds(anatomy, residual, rows, metric, tile_bytes=4 * 16 * len(TOKEN_SETS))
        expected = _plain(anatomy, residual, rows, metric)
        assert torch.isfinite(ours).all()
        torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-5)
    finally:
        with torch.no_grad():
            weight.copy_(original)


def test_a_near_certain_answer_keeps_its_precision(model):
    """With p(answer) within 1e-6 of 1 the odds need the other tokens' mass exactly: it is summed, never
    obtained by subtracting the answer's mass from the total."""
    anatomy = Anatomy.of(model)
    weight = anatomy.unembed.weight
    metric = rivalry.AnswerLogOdds.from_token_sets([[9]])
    rows = torch.arange(1)
    original = weight.detach().clone()
    try:
        with torch.no_grad():
            residual = torch.randn(1, anatomy.d_model, generator=torch.Generator().manual_seed(1))
            normed = anatomy.final_norm(residual)
            weight[9] = 25.0 * normed[0] / normed[0].norm() ** 2  # the answer's logit is 25 above the typical
        expected = _plain(anatomy, residual, rows, metric)
        ours = tiled_answer_log_odds(anatomy, residual, rows, metric, tile_bytes=4 * 16)
        assert float(expected) > 5.0  # log10 odds: p(answer) > 1 - 1e-5
        torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-4)
    finally:
        with torch.no_grad():
            weight.copy_(original)
