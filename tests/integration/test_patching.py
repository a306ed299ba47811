"""Patching invariants on random tiny models: rivalry's batched algebra against brute-force interventions."""

from __future__ import annotations

import pytest
import torch
from tiny_models import VOCAB

import rivalry
from rivalry.core.sites import Site
from rivalry.models.anatomy import Anatomy

# Module paths written out by hand for the hand-made hooks, independent of rivalry's architecture table.
HAND_PATHS = {
    "llama": ("model.layers", "self_attn.o_proj", "mlp"),
    "mistral": ("model.layers", "self_attn.o_proj", "mlp"),
    "qwen2": ("model.layers", "self_attn.o_proj", "mlp"),
    "gemma": ("model.layers", "self_attn.o_proj", "mlp"),
    "gemma2": ("model.layers", "self_attn.o_proj", "post_feedforward_layernorm"),
    "gpt2": ("transformer.h", "attn.c_proj", "mlp"),
    "gpt_neox": ("gpt_neox.layers", "attention.dense", "mlp"),
}


def _pair(seed: int = 3, rows: int = 2, seq: int = 8):
    generator = torch.Generator().manual_seed(seed)
    target = torch.randint(3, VOCAB, (rows, seq), generator=generator)
    source = target.clone()
    source[:, 2] = torch.randint(3, VOCAB, (rows,), generator=generator)  # one token differs
    return target, source


def _metric(rows: int = 2):
    return rivalry.AnswerLogOdds.from_token_sets([[5, 7], [11]][:rows])


def _final_logits_with_delta(model, ids, delta):
    """Run the model, adding ``delta[b]`` to the stream entering the final norm at the last position."""
    anatomy = Anatomy.of(model)

    def add(module, args):
        x = args[0].clone()
        x[:, -1] += delta.to(x.dtype)
        return (x,)

    handle = anatomy.final_norm.register_forward_pre_hook(add)
    try:
        with torch.no_grad():
            return model(ids).logits[:, -1]
    finally:
        handle.remove()


def test_first_order_matches_brute_force(model):
    target, source = _pair()
    dec_t, dec_s = rivalry.decompose(model, target), rivalry.decompose(model, source)
    metric = _metric()
    effects = rivalry.first_order_effects(model, target=dec_t, source=dec_s, metric=metric)
    rows = torch.arange(2)
    base = metric(_final_logits_with_delta(model, target, torch.zeros_like(dec_t.residual)), rows)
    assert torch.allclose(effects.baseline, base, atol=1e-4)
    for index, site in enumerate(dec_t.sites):
        delta = dec_s.contributions[index] - dec_t.contributions[index]
        brute = metric(_final_logits_with_delta(model, target, delta), rows) - base
        assert torch.allclose(effects.effects[index], brute, atol=2e-4), site.label


def test_patching_a_run_into_itself_changes_nothing(model):
    target, _ = _pair()
    dec = rivalry.decompose(model, target)
    effects = rivalry.first_order_effects(model, target=dec, source=dec, metric=_metric())
    assert float(effects.effects.abs().max()) < 1e-5
    joint = rivalry.total_effect(model, target, None, dec, list(dec.sites), _metric())
    assert float(joint.abs().max()) < 1e-5


def _hand_patched_logits(model, family, target, source, heads, mlp_layers):
    """Patch by hand: copy heads' o_proj inputs and MLP outputs at the last position from source to target."""
    layers_path, out_name, mlp_name = HAND_PATHS[family]
    layers = model.get_submodule(layers_path)
    n_heads = model.config.num_attention_heads
    recorded = {}

    def record(key):
        def pre(module, args):
            recorded[key] = args[0][:, -1].clone()

        return pre

    def record_out(key):
        def post(module, args, output):
            recorded[key] = output[:, -1].clone()

        return post

    handles = []
    for layer, _ in heads:
        handles.append(layers[layer].get_submodule(out_name).register_forward_pre_hook(record(("z", layer))))
    for layer in mlp_layers:
        handles.append(layers[layer].get_submodule(mlp_name).register_forward_hook(record_out(("m", layer))))
    with torch.no_grad():
        model(source)
    for h in handles:
        h.remove()

    def replace_heads(layer, head_list):
        def pre(module, args):
            z = args[0].clone()
            width = z.shape[-1] // n_heads
            for head in head_list:
                z[:, -1, head * width : (head + 1) * width] = recorded[("z", layer)][
                    :, head * width : (head + 1) * width
                ]
            return (z,)

        return pre

    def replace_mlp(layer):
        def post(module, args, output):
            out = output.clone()
            out[:, -1] = recorded[("m", layer)]
            return out

        return post

    by_layer = {}
    for layer, head in heads:
        by_layer.setdefault(layer, []).append(head)
    handles = [
        layers[li].get_submodule(out_name).register_forward_pre_hook(replace_heads(li, hs))
        for li, hs in by_layer.items()
    ]
    handles += [layers[li].get_submodule(mlp_name).register_forward_hook(replace_mlp(li)) for li in mlp_layers]
    try:
        with torch.no_grad():
            return model(target).logits[:, -1]
    finally:
        for h in handles:
            h.remove()


@pytest.mark.parametrize("heads,mlps", [([(0, 1)], []), ([(0, 0), (1, 3), (2, 2)], [1]), ([], [0, 2])])
def test_total_effect_matches_hand_written_hook(model, family, heads, mlps):
    target, source = _pair()
    dec_s = rivalry.decompose(model, source)
    sites = [Site(layer, "head", head) for layer, head in heads] + [Site(layer, "mlp") for layer in mlps]
    metric = _metric()
    ours = rivalry.total_effect(model, target, None, dec_s, sites, metric)
    rows = torch.arange(2)
    with torch.no_grad():
        clean = model(target).logits[:, -1]
    hand = metric(_hand_patched_logits(model, family, target, source, heads, mlps), rows) - metric(clean, rows)
    assert torch.allclose(ours, hand, atol=2e-4)
    assert float(hand.abs().max()) > 1e-4  # the intervention really did something
