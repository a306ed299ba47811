"""Random tiny models of every supported family, built from configs in memory (no downloads)."""

from __future__ import annotations

import torch
from transformers import (
    AutoModelForCausalLM,
    Gemma2Config,
    GemmaConfig,
    GPT2Config,
    GPTNeoXConfig,
    LlamaConfig,
    MistralConfig,
    PretrainedConfig,
    Qwen2Config,
)

VOCAB = 97
_COMMON = dict(vocab_size=VOCAB, bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False)
_DECODER = dict(
    hidden_size=48,
    intermediate_size=96,
    num_hidden_layers=3,
    num_attention_heads=4,
    max_position_embeddings=128,
    **_COMMON,
)


def tiny_configs() -> dict[str, PretrainedConfig]:
    """One small config per family; GQA, biases, soft-capping and parallel blocks switched on where they exist."""
    return {
        "llama": LlamaConfig(num_key_value_heads=2, **_DECODER),
        "mistral": MistralConfig(num_key_value_heads=2, sliding_window=None, **_DECODER),
        "qwen2": Qwen2Config(num_key_value_heads=2, **_DECODER),
        "gemma": GemmaConfig(num_key_value_heads=1, head_dim=12, **_DECODER),
        "gemma2": Gemma2Config(
            num_key_value_heads=2,
            head_dim=12,
            final_logit_softcapping=30.0,
            attn_logit_softcapping=50.0,
            query_pre_attn_scalar=12,
            sliding_window=8,
            **_DECODER,
        ),
        "gpt2": GPT2Config(n_embd=48, n_layer=3, n_head=4, n_positions=128, **_COMMON),
        "gpt_neox": GPTNeoXConfig(
            hidden_size=48,
            intermediate_size=96,
            num_hidden_layers=3,
            num_attention_heads=4,
            rotary_pct=0.5,
            use_parallel_residual=True,
            max_position_embeddings=128,
            **_COMMON,
        ),
    }


def tiny_model(family: str, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised tiny model of ``family`` in eval mode, float32.

    Weights are re-drawn with a larger spread than the default init so that every component matters, and
    norm gains are perturbed so that the Gemma ``(1 + w)`` convention is exercised.
    """
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(tiny_configs()[family], dtype=torch.float32)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name or "ln" in name:
                param.add_(0.2 * torch.randn_like(param))
            else:
                param.normal_(0.0, 0.15)
    return model.eval()


FAMILIES = tuple(tiny_configs())
