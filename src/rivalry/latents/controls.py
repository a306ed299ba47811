"""The random-initialisation control: the same architecture and tokenizer with freshly drawn weights."""

from __future__ import annotations

import copy

import torch
from transformers import AutoModelForCausalLM

from rivalry.models.model import Model


def random_init_model(model: Model, seed: int = 0) -> Model:
    """A model of ``model``'s architecture (its config) with weights drawn from a seeded ``torch.Generator``.

    Matrices ~ N(0, initializer_range²) (the config's, default 0.02), norm gains 1 (0 for Gemma's ``1 + w``
    convention), biases 0. The global RNG is left as it was (construction runs inside ``torch.random.fork_rng``
    and every weight is then overwritten from the generator), so the control depends on ``seed`` only.
    """
    config = copy.deepcopy(model.model.config)
    with torch.random.fork_rng(devices=[]):
        hf = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    generator = torch.Generator().manual_seed(seed)
    std = float(getattr(config, "initializer_range", 0.02) or 0.02)
    gain = 0.0 if str(config.model_type).startswith("gemma") else 1.0
    with torch.no_grad():
        for name, param in hf.named_parameters():
            if param.ndim >= 2:
                param.copy_(torch.randn(param.shape, generator=generator) * std)
            elif "norm" in name or ".ln" in name or name.startswith("ln"):
                param.fill_(gain)
            else:
                param.zero_()
    hf = hf.to(model.device).eval()
    return Model.wrap(hf, model.tokenizer, name=f"{model.name} (random init, seed {seed})")
