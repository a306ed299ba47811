"""The suppression search on random tiny models: its gradient, and its head effects against brute force.

For a layer-0 head the candidate's key and value are exactly its embedding, and nothing else that the head
reads depends on the slot, so the predicted effect must equal ``g . W_O_h (z_h(candidate) - z_h(clean))``,
with ``z_h`` the head's real attention output read from a forward pass with the candidate in the slot.
"""

from __future__ import annotations

import math

import pytest
import torch
from tiny_models import tiny_model

from rivalry.circuits.search import approx_slot_attention
from rivalry.circuits.suppression_search import answer_gradient, candidate_vectors, slot_suppression
from rivalry.core.sites import Site
from rivalry.models.anatomy import Anatomy, rms_gain

LLAMA_LIKE = ("llama", "mistral", "qwen2", "gemma", "gemma2")


def _run(model, ids: torch.Tensor, layer: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Final residual at the last position, head outputs ``z`` entering layer's o_proj, post-norm input."""
    anatomy = Anatomy.of(model)
    store = {}
    hooks = [
        anatomy.final_norm.register_forward_pre_hook(lambda m, a: store.__setitem__("final", a[0][0, -1])),
        anatomy.attention_outputs[layer].register_forward_pre_hook(lambda m, a: store.__setitem__("z", a[0][0, -1])),
    ]
    if anatomy.post_attention_norms is not None:
        norm = anatomy.post_attention_norms[layer]
        hooks.append(norm.register_forward_pre_hook(lambda m, a: store.__setitem__("post", a[0][0, -1])))
    try:
        with torch.no_grad():
            model(ids[None])
    finally:
        for hook in hooks:
            hook.remove()
    return store["final"], store["z"], store.get("post")


@pytest.mark.parametrize("family", ["llama", "gemma2"])
def test_answer_gradient_matches_finite_differences(family):
    model = tiny_model(family).double()
    anatomy = Anatomy.of(model)
    torch.manual_seed(4)
    residual = torch.randn(anatomy.d_model, dtype=torch.float64)
    answer = [7, 11]
    grad = answer_gradient(model, residual, answer).double()

    def lo(x: torch.Tensor) -> float:
        with torch.no_grad():
            logits = anatomy.unembed(anatomy.final_norm(x[None]))
        if anatomy.logit_softcap is not None:
            logits = torch.tanh(logits / anatomy.logit_softcap) * anatomy.logit_softcap
        inside = torch.zeros(logits.shape[-1], dtype=torch.bool)
        inside[answer] = True
        return float((logits[0, inside].logsumexp(0) - logits[0, ~inside].logsumexp(0)) / math.log(10))

    direction = torch.randn(anatomy.d_model, dtype=torch.float64)
    step = 1e-3  # RMSNorm computes in float32 even in a float64 model
    numeric = (lo(residual + step * direction) - lo(residual - step * direction)) / (2 * step)
    assert float(grad @ direction) == pytest.approx(numeric, rel=1e-3, abs=1e-6)


@pytest.mark.parametrize("family", LLAMA_LIKE)
def test_layer0_head_effect_matches_brute_force(family):
    model = tiny_model(family)
    anatomy = Anatomy.of(model)
    torch.manual_seed(5)
    ids, slot, answer = torch.randint(3, 97, (10,)), 4, [9]
    site = Site(0, "head", 1)
    candidates = torch.arange(20, 40)
    vectors = candidate_vectors(model, [site], candidates)
    search = slot_suppression(model, ids, slot, answer, vectors)
    final, z_clean, post = _run(model, ids, 0)
    grad = answer_gradient(model, final, answer)
    if post is not None:
        norm = rms_gain(anatomy.post_attention_norms[0], anatomy.spec.norm_weight_offset)
        grad = grad * norm.gain * torch.rsqrt(post.pow(2).mean() + norm.eps)
    w_out = anatomy.head_output_weights[0, :, site.head]  # [d_model, d_head]
    d_head = anatomy.d_head
    for j, candidate in enumerate(candidates.tolist()):
        row = ids.clone()
        row[slot] = candidate
        _, z_new, _ = _run(model, row, 0)
        delta = (z_new - z_clean)[site.head * d_head : (site.head + 1) * d_head]
        expected = float(grad @ (w_out @ delta))
        assert float(search.effects[j, 0]) == pytest.approx(expected, rel=1e-3, abs=1e-5)


def test_clean_token_in_the_slot_predicts_no_effect():
    """Putting back the token that is already in a layer-0 slot changes nothing."""
    model = tiny_model("llama")
    torch.manual_seed(6)
    ids, slot = torch.randint(3, 97, (8,)), 3
    sites = [Site(0, "head", h) for h in range(4)]
    vectors = candidate_vectors(model, sites, ids[slot : slot + 1])
    search = slot_suppression(model, ids, slot, [5], vectors)
    torch.testing.assert_close(search.total, torch.zeros(1), atol=1e-5, rtol=0)
    assert search.order().tolist() == [0]


@pytest.mark.parametrize("family", ["llama", "qwen2"])
def test_slot_attention_weights_equal_the_attention_search(family):
    model = tiny_model(family)
    torch.manual_seed(7)
    ids, slot = torch.randint(3, 97, (12,)), 5
    sites = [Site(0, "head", 0), Site(2, "head", 3)]
    candidates = torch.arange(3, 60)
    vectors = candidate_vectors(model, sites, candidates)
    search = slot_suppression(model, ids, slot, [8], vectors)
    attention = approx_slot_attention(model, ids, slot, sites, candidates)
    torch.testing.assert_close(search.weights, attention.weights, atol=1e-6, rtol=1e-5)
