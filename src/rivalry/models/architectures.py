"""Per-family architecture table: where each part of a Hugging Face causal LM lives.

One small, declarative entry per family instead of if-chains through the code. Paths are dotted attribute
paths: ``layers`` and the embedding/norm paths are relative to the ``*ForCausalLM`` model, the per-block
paths are relative to one decoder block.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rivalry.errors import RivalryError


@dataclass(frozen=True)
class ArchitectureSpec:
    """Where one family keeps the parts that the residual-stream decomposition needs.

    Attributes:
        family: human name of the family ("llama", "gemma2", ...).
        model_types: the ``config.model_type`` values this entry serves.
        layers: path of the ``ModuleList`` of decoder blocks.
        token_embedding: path of the token embedding (its output is what enters layer 0, scale included).
        position_embedding: path of a learned position embedding added to the token embedding, if any.
        attention_output: per-block path of the output projection; its *input* is the concatenation of
            the heads' outputs ``[batch, pos, n_heads * d_head]``, so its weight splits per head.
        mlp: per-block path of the MLP.
        post_attention_norm: per-block path of a norm applied to the attention output before it is
            added to the residual stream (Gemma-2), if any.
        post_mlp_norm: likewise for the MLP output (Gemma-2), if any.
        final_norm: path of the norm between the residual stream and the unembedding.
        unembed: path of the unembedding (``lm_head``).
        norm_weight_offset: RMSNorm gain is ``weight + offset`` (Gemma stores ``w`` and multiplies by ``1 + w``).
        logit_softcap_attr: config attribute holding the final logit soft-cap (Gemma-2), if any.
        attention: per-block path of the attention module (head circuits hook it), if head circuits are supported.
        query, key, value: per-block paths of the separate query, key and value projections (head circuits);
            None for families with a fused qkv projection (GPT-2, GPT-NeoX).
        input_norm: per-block path of the norm in front of attention (head circuits), if any.
    """

    family: str
    model_types: tuple[str, ...]
    layers: str
    token_embedding: str
    final_norm: str
    attention_output: str
    mlp: str
    position_embedding: str | None = None
    post_attention_norm: str | None = None
    post_mlp_norm: str | None = None
    unembed: str = "lm_head"
    norm_weight_offset: float = 0.0
    logit_softcap_attr: str | None = None
    attention: str | None = None
    query: str | None = None
    key: str | None = None
    value: str | None = None
    input_norm: str | None = None


_LLAMA_LIKE: dict[str, Any] = dict(
    layers="model.layers",
    token_embedding="model.embed_tokens",
    final_norm="model.norm",
    attention_output="self_attn.o_proj",
    mlp="mlp",
    attention="self_attn",
    query="self_attn.q_proj",
    key="self_attn.k_proj",
    value="self_attn.v_proj",
    input_norm="input_layernorm",
)

ARCHITECTURES: tuple[ArchitectureSpec, ...] = (
    ArchitectureSpec(family="llama", model_types=("llama",), **_LLAMA_LIKE),
    ArchitectureSpec(family="mistral", model_types=("mistral",), **_LLAMA_LIKE),
    ArchitectureSpec(family="qwen2", model_types=("qwen2",), **_LLAMA_LIKE),
    ArchitectureSpec(family="gemma", model_types=("gemma",), norm_weight_offset=1.0, **_LLAMA_LIKE),
    ArchitectureSpec(
        family="gemma2",
        model_types=("gemma2",),
        post_attention_norm="post_attention_layernorm",
        post_mlp_norm="post_feedforward_layernorm",
        norm_weight_offset=1.0,
        logit_softcap_attr="final_logit_softcapping",
        **_LLAMA_LIKE,
    ),
    ArchitectureSpec(
        family="gpt2",
        model_types=("gpt2",),
        layers="transformer.h",
        token_embedding="transformer.wte",
        position_embedding="transformer.wpe",
        final_norm="transformer.ln_f",
        attention_output="attn.c_proj",
        mlp="mlp",
    ),
    ArchitectureSpec(
        family="gpt_neox",
        model_types=("gpt_neox",),
        layers="gpt_neox.layers",
        token_embedding="gpt_neox.embed_in",
        final_norm="gpt_neox.final_layer_norm",
        attention_output="attention.dense",
        mlp="mlp",
    ),
)


def supported_model_types() -> list[str]:
    """All ``config.model_type`` values rivalry can decompose."""
    return sorted(t for spec in ARCHITECTURES for t in spec.model_types)


def spec_for_model_type(model_type: str) -> ArchitectureSpec:
    """The table entry for ``model_type``; a :class:`RivalryError` naming the supported ones otherwise."""
    for spec in ARCHITECTURES:
        if model_type in spec.model_types:
            return spec
    raise RivalryError(f"unsupported architecture '{model_type}'; supported: {', '.join(supported_model_types())}")
