"""Query-key attribution on random tiny models of every family: the shares sum to the head's pre-softmax score
(norm scale frozen at the run's value, rotary applied per share), and that score is the model's own."""

from __future__ import annotations

import torch

from rivalry.attribution import qk_split
from rivalry.attribution.attention_access import AttentionAccess
from rivalry.attribution.qk import model_score, summarise, upstream_contributions
from rivalry.attribution.trace import trace
from rivalry.core.sites import Site


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(3, 97, (2, 9), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, :2] = 0  # left padding: the second row has 7 real tokens
    return ids, mask


def test_shares_sum_to_the_score_on_every_family(model):
    access = AttentionAccess.of(model)
    ids, mask = _batch()
    nodes = trace(access, ids, mask)
    anatomy = access.anatomy
    for row, key in ((0, 2), (1, 4)):
        for layer in range(anatomy.n_layers):
            for head in range(anatomy.n_heads):
                split = qk_split(access, nodes, row, Site(layer, "head", head), 8, key)
                assert split.relative_error < 1e-4, (layer, head, split.reconstructed, split.score)
                assert abs(float(split.matrix.sum(1).sum()) - split.score) <= 1e-4 * max(abs(split.score), 1.0)


def test_upstream_components_sum_to_the_stream(model):
    access = AttentionAccess.of(model)
    ids, mask = _batch()
    nodes = trace(access, ids, mask)
    for layer in range(access.anatomy.n_layers):
        total = upstream_contributions(access, nodes, 0, layer, 5).sum(0)
        stream = nodes.norm_in[layer][0, 5]
        assert torch.allclose(total, stream, atol=1e-4 * float(stream.norm()))


def test_the_score_is_the_models_own(model):
    """softmax of the reconstructed row of scores is the model's eager attention (within its window, soft-capped)."""
    access = AttentionAccess.of(model)
    ids, mask = _batch()
    nodes = trace(access, ids, mask, probs=True)
    assert nodes.probs is not None
    for layer in range(access.anatomy.n_layers):
        keys = list(range(9))
        window = access.sliding_window(layer)
        if window is not None:
            keys = [k for k in keys if 8 - k < window]
        row = torch.tensor([model_score(access, nodes, 0, layer, 1, 8, k) for k in keys])
        cap = access.softcap(layer)
        row = row if cap is None else torch.tanh(row / cap) * cap
        expected = nodes.probs[layer][0, 1, 8, keys].float()
        assert torch.allclose(row.softmax(0), expected / expected.sum(), atol=1e-5)


def test_summary_shares_add_up(model):
    access = AttentionAccess.of(model)
    ids, mask = _batch()
    nodes = trace(access, ids, mask)
    site = Site(access.anatomy.n_layers - 1, "head", 0)
    splits = [qk_split(access, nodes, 0, site, 8, 3), qk_split(access, nodes, 0, site, 8, 5)]
    summary = summarise(site, splits, [0.1, 0.2])
    assert abs(sum(summary.query_shares) - summary.mean_score) < 1e-3 * max(1.0, abs(summary.mean_score))
    assert abs(sum(summary.key_shares) - summary.mean_score) < 1e-3 * max(1.0, abs(summary.mean_score))
    assert summary.components[-1] is None and summary.components[0] == Site(0, "embed")
    assert type(summary).from_dict(summary.to_dict()) == summary
    assert len(summary.top_components("key", 3)) == 3
