"""Decomposition invariants on random tiny models of every family."""

from __future__ import annotations

import torch
from tiny_models import VOCAB

import rivalry
from rivalry.models.anatomy import Anatomy


def _batch(seed: int = 1, rows: int = 3, seq: int = 9):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, VOCAB, (rows, seq), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, :4] = 0  # left padding
    ids[1, :4] = 0
    return ids, mask


def test_contributions_sum_to_residual(model):
    ids, mask = _batch()
    dec = rivalry.decompose(model, ids, mask)
    assert dec.contributions.shape == (len(dec.sites), 3, model.config.hidden_size)
    total = dec.contributions.sum(0)
    relative = (total - dec.residual).norm(dim=-1) / dec.residual.norm(dim=-1)
    assert float(relative.max()) < 1e-4


def test_residual_matches_model_hidden_state(model):
    ids, mask = _batch()
    dec = rivalry.decompose(model, ids, mask, position=-3)
    # hidden state entering the final norm, taken by an independent hook
    anatomy = Anatomy.of(model)
    seen = {}
    handle = anatomy.final_norm.register_forward_pre_hook(lambda m, a: seen.update(x=a[0].detach()))
    try:
        for row in range(3):
            real = ids[row, mask[row].bool()][None]
            with torch.no_grad():
                model(real)
            assert torch.allclose(seen["x"][0, -3], dec.residual[row], atol=1e-5, rtol=1e-4)
    finally:
        handle.remove()


def test_readout_equals_plain_logits_left_padding(model):
    ids, mask = _batch()
    dec = rivalry.decompose(model, ids, mask)
    logits = Anatomy.of(model).readout(dec.residual)
    for row in range(3):
        real = ids[row, mask[row].bool()][None]
        with torch.no_grad():
            plain = model(real).logits[0, -1]
        assert torch.allclose(logits[row], plain, atol=1e-4, rtol=1e-4)


def test_sites_are_complete_and_unique(model):
    ids, mask = _batch()
    dec = rivalry.decompose(model, ids, mask)
    anatomy = Anatomy.of(model)
    heads = [s for s in dec.sites if s.kind == "head"]
    mlps = [s for s in dec.sites if s.kind == "mlp"]
    assert len(heads) == anatomy.n_layers * anatomy.n_heads
    assert len(mlps) == anatomy.n_layers
    assert len(set(dec.sites)) == len(dec.sites)
    assert (anatomy.position_embedding is not None) == any(s.kind == "pos_embed" for s in dec.sites)
    assert anatomy.has_attention_bias == any(s.kind == "attn_bias" for s in dec.sites)


def test_logit_attribution_sums_to_pre_softcap_logit(model):
    from rivalry.core.attribution import logit_attribution

    ids, mask = _batch()
    dec = rivalry.decompose(model, ids, mask)
    anatomy = Anatomy.of(model)
    tokens = torch.tensor([4, 9, 13])
    attribution = logit_attribution(model, dec, tokens)
    with torch.no_grad():
        raw = anatomy.unembed(anatomy.final_norm(dec.residual))[torch.arange(3), tokens]
    assert torch.allclose(attribution.logits, raw, atol=1e-4, rtol=1e-4)


def test_nan_activations_are_one_clear_error(family):
    import pytest
    from tiny_models import tiny_model

    from rivalry.errors import RivalryError

    model = tiny_model(family)
    with torch.no_grad():
        next(p for n, p in model.named_parameters() if "mlp" in n and p.ndim == 2).fill_(float("nan"))
    ids, mask = _batch()
    with pytest.raises(RivalryError, match="NaN"):
        rivalry.decompose(model, ids, mask)
