"""Attribution patching on random tiny models: the first-order estimate is the real patch's derivative, a run
patched into itself scores 0, the last layer's heads and MLP at the predicting position score their direct effect,
the GradDrop bound is a bound, and single-node patching matches a hand-made intervention."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from tiny_models import tiny_model

from rivalry.attribution import SitePosition, attribution_patching, model_sites, patch_nodes
from rivalry.attribution.atp import head_deltas
from rivalry.attribution.attention_access import AttentionAccess
from rivalry.attribution.trace import readout_with_grad, trace
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.sites import Site
from rivalry.errors import RivalryError

METRIC = AnswerLogOdds.from_token_sets([[5, 6], [7]])


def _pair(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    target = torch.randint(3, 97, (2, 9), generator=generator)
    source = target.clone()
    source[:, 3] = torch.randint(3, 97, (2,), generator=generator)  # the pair differs in one token
    mask = torch.ones_like(target)
    mask[1, :2] = 0  # a left-padded row
    return target, source, mask


def _interpolated(target, source, eps: float):
    """Source nodes moved only ``eps`` of the way from the target's (the patch becomes infinitesimal)."""

    def mix(a, b):
        return a + eps * (b - a)

    return replace(
        source,
        embed=mix(target.embed, source.embed),
        z=[mix(a, b) for a, b in zip(target.z, source.z, strict=True)],
        mlp=[mix(a, b) for a, b in zip(target.mlp, source.mlp, strict=True)],
    )


@pytest.mark.parametrize("family", ["llama", "gpt2", "gemma2"])
def test_atp_is_the_derivative_of_real_patching(family):
    model = tiny_model(family)
    target_ids, source_ids, mask = _pair()
    scores = attribution_patching(model, target_ids, mask, source_ids, mask, METRIC, qk_fix=False)
    access = AttentionAccess.of(model)
    eps = 1e-2  # central difference: error O(eps^2)
    target, source = trace(access, target_ids, mask), trace(access, source_ids, mask)
    ahead, behind = _interpolated(target, source, eps), _interpolated(target, source, -eps)
    sites = model_sites(access.anatomy)
    pairs = [SitePosition(s, p) for s in sites if s.kind in ("embed", "head", "mlp") for p in (3, 5, 8)]
    for row in (0, 1):
        real = patch_nodes(access, target_ids[row], mask[row], ahead, row, pairs, METRIC, row)
        real = (real - patch_nodes(access, target_ids[row], mask[row], behind, row, pairs, METRIC, row)) / (2 * eps)
        estimate = torch.tensor([float(scores.linear[row, sites.index(p.site), p.position]) for p in pairs])
        assert torch.allclose(real, estimate, atol=1e-3, rtol=1e-2), (real - estimate).abs().max()


def test_a_run_patched_into_itself_scores_zero(model):
    target_ids, _, mask = _pair()
    scores = attribution_patching(model, target_ids, mask, target_ids, mask, METRIC, qk_fix=True, graddrop_groups=2)
    # (eager attention in the traced pass and sdpa in the other differ by float rounding only)
    assert scores.linear.abs().max() < 1e-5
    assert scores.qk_fixed is not None and scores.qk_fixed.abs().max() < 1e-5
    assert scores.bound is not None and scores.bound.abs().max() < 1e-5
    assert torch.allclose(scores.target_metric, scores.source_metric, atol=1e-5)


def test_last_mlp_scores_are_the_direct_effect_at_the_last_position(model):
    """Only the unembedding reads the last MLP's write at the predicting position: there AtP = D . dM/dresid
    (the last block's heads too where attention and MLP run in parallel)."""
    target_ids, source_ids, mask = _pair()
    scores = attribution_patching(model, target_ids, mask, source_ids, mask, METRIC, qk_fix=True)
    access = AttentionAccess.of(model)
    anatomy = access.anatomy
    target, source = trace(access, target_ids, mask), trace(access, source_ids, mask)
    resid = target.resid_final[:, -1].detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(METRIC(readout_with_grad(anatomy, resid), torch.arange(2)).sum(), resid)
    sites = model_sites(anatomy)
    parallel = bool(getattr(model.config, "use_parallel_residual", False))
    kinds = ("head", "mlp") if parallel else ("mlp",)
    last = [i for i, s in enumerate(sites) if s.layer == anatomy.n_layers - 1 and s.kind in kinds]
    for row in (0, 1):
        direct = head_deltas(anatomy, target, source, row)[:, -1] @ grad[row]
        assert scores.qk_fixed is not None
        for i in last:
            assert float(scores.linear[row, i, -1]) == pytest.approx(float(direct[i]), abs=1e-5, rel=1e-3)
            assert float(scores.qk_fixed[row, i, -1]) == pytest.approx(float(direct[i]), abs=1e-5, rel=1e-3)


def test_graddrop_bound_is_at_least_the_estimate():
    model = tiny_model("qwen2")
    target_ids, source_ids, mask = _pair(1)
    scores = attribution_patching(model, target_ids, mask, source_ids, mask, METRIC, qk_fix=False, graddrop_groups=3)
    assert scores.bound is not None
    assert bool((scores.bound >= scores.linear.abs() - 1e-7).all())
    assert float(scores.bound.sum()) > float(scores.linear.abs().sum())


def test_patching_one_head_matches_a_hand_made_patch():
    model = tiny_model("llama")
    access = AttentionAccess.of(model)
    target_ids, source_ids, mask = _pair()
    source = trace(access, source_ids, mask)
    node = SitePosition(Site(1, "head", 2), 5)
    (effect,) = patch_nodes(access, target_ids[0], mask[0], source, 0, [node], METRIC, 0).tolist()
    d_head = access.anatomy.d_head

    def hook(module, args):
        z = args[0].clone()
        z[0, 5, 2 * d_head : 3 * d_head] = source.z[1][0, 5, 2 * d_head : 3 * d_head]
        return (z,)

    handle = access.anatomy.attention_outputs[1].register_forward_pre_hook(hook)
    try:
        with torch.no_grad():
            patched = model(target_ids[:1]).logits[:, -1]
    finally:
        handle.remove()
    with torch.no_grad():
        clean = model(target_ids[:1]).logits[:, -1]
    rows = torch.zeros(1, dtype=torch.long)
    assert effect == pytest.approx(float(METRIC(patched, rows) - METRIC(clean, rows)), abs=1e-5)


def test_layouts_must_match():
    model = tiny_model("llama")
    target_ids, source_ids, mask = _pair()
    with pytest.raises(RivalryError, match="same token layout"):
        attribution_patching(model, target_ids, mask, source_ids[:, 1:], mask[:, 1:], METRIC)


def test_site_position_is_a_typed_value():
    node = SitePosition(Site(3, "head", 1), 12)
    assert node.label == "L3H1@12"
    assert SitePosition.from_dict(node.to_dict()) == node
    with pytest.raises(ValueError):
        SitePosition(Site(0, "embed"), -1)
