"""Randomly initialised models with the shapes of real ones, for cost benchmarks without downloads.

Random weights measure cost, not the certified bound's tightness: that depends on how peaked a trained model's
next-token distribution is, and is measured on the shipped trained models. To get the peaked distributions
trained chat models have on factual prompts, the final norm's gain is scaled by ``peak`` (logits grow with it).
"""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, Gemma2Config, LlamaConfig, PretrainedConfig, PreTrainedModel

SHAPES: dict[str, PretrainedConfig] = {
    "llama-3.2-1b": LlamaConfig(
        hidden_size=2048,
        intermediate_size=8192,
        num_hidden_layers=16,
        num_attention_heads=32,
        num_key_value_heads=8,
        vocab_size=128256,
        tie_word_embeddings=True,
        max_position_embeddings=4096,
    ),
    "llama-2-7b": LlamaConfig(
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=32,
        vocab_size=32000,
        max_position_embeddings=4096,
    ),
    "llama-3-8b": LlamaConfig(
        hidden_size=4096,
        intermediate_size=14336,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=8,
        vocab_size=128256,
        max_position_embeddings=4096,
    ),
    "gemma-2-2b": Gemma2Config(
        hidden_size=2304,
        intermediate_size=9216,
        num_hidden_layers=26,
        num_attention_heads=8,
        num_key_value_heads=4,
        head_dim=256,
        vocab_size=256000,
        max_position_embeddings=4096,
    ),
}


def reduced(config: PretrainedConfig, factor: int) -> PretrainedConfig:
    """The same family with every width and the layer count divided by ``factor`` (vocabulary kept)."""
    data = config.to_dict()
    data.pop("layer_types", None)  # recomputed from the new layer count
    for key in ("hidden_size", "intermediate_size", "num_hidden_layers"):
        data[key] = max(2, data[key] // factor)
    heads = max(1, data["num_attention_heads"] // factor)
    data["num_attention_heads"] = heads
    data["num_key_value_heads"] = max(1, min(heads, data["num_key_value_heads"] // factor))
    if "head_dim" in data and data["head_dim"]:
        data["head_dim"] = max(2, data["hidden_size"] // heads)
    return type(config).from_dict(data)


def random_model(
    config: PretrainedConfig, seed: int = 0, peak: float = 1.0, dtype: torch.dtype = torch.float32, device: str = "cpu"
) -> PreTrainedModel:
    """A model of ``config`` with seeded random weights (the caller's global RNG is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        with torch.device(device):
            model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    with torch.no_grad():
        gain = model.model.norm.weight
        if config.model_type.startswith("gemma"):  # Gemma's norm multiplies by (1 + weight)
            gain.add_(1.0).mul_(peak).sub_(1.0)
        else:
            gain.mul_(peak)
    return model.eval()


def random_batch(config: PretrainedConfig, pairs: int, tokens: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``2 * pairs`` rows of random token ids (competing rows first), and ``pairs`` one-token answers."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(10, config.vocab_size, (2 * pairs, tokens), generator=generator)
    ids[pairs:, :-3] = ids[:pairs, :-3]  # a pair shares its prompt up to the last few tokens
    answers = torch.randint(10, config.vocab_size, (pairs,), generator=generator)
    return ids, answers
