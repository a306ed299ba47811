"""A model's anatomy: the architecture table resolved against one loaded model instance."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import cast

import torch
from jaxtyping import Float
from torch import Tensor, nn
from transformers import PreTrainedModel

from rivalry.errors import RivalryError
from rivalry.models.architectures import ArchitectureSpec, spec_for_model_type


def _get_path(root: nn.Module, path: str) -> nn.Module:
    module: nn.Module = root
    for part in path.split("."):
        if not hasattr(module, part):
            raise RivalryError(f"model has no module '{path}' (stopped at '{part}')")
        module = getattr(module, part)
    return module


def output_weight(projection: nn.Module) -> Float[Tensor, "d_model d_in"]:
    """Weight of a projection as ``[out, in]``, for both ``nn.Linear`` and GPT-2's transposed ``Conv1D``."""
    weight = cast(Tensor, projection.weight)
    if isinstance(projection, nn.Linear):
        return weight
    if type(projection).__name__ == "Conv1D":  # transformers.pytorch_utils.Conv1D stores [in, out]
        return weight.T
    raise RivalryError(f"unsupported output projection type {type(projection).__name__}")


def unwrap_model(model: object) -> PreTrainedModel:
    """The plain transformers model inside a :class:`~rivalry.models.loading.Model` (or the model itself)."""
    inner = getattr(model, "model", None)
    if isinstance(inner, PreTrainedModel) and hasattr(model, "tokenizer"):
        return inner
    if isinstance(model, PreTrainedModel):
        return model
    raise RivalryError(f"expected a transformers causal LM or a rivalry Model, got {type(model).__name__}")


@dataclass(frozen=True)
class RMSGain:
    """An RMSNorm's parameters: ``y = x * rsqrt(mean(x^2) + eps) * gain``."""

    gain: Float[Tensor, " d_model"]
    eps: float


def rms_gain(norm: nn.Module, weight_offset: float) -> RMSGain:
    """Gain and epsilon of an RMSNorm module of any family (``eps`` or ``variance_epsilon``)."""
    eps = getattr(norm, "eps", getattr(norm, "variance_epsilon", None))
    if eps is None:
        raise RivalryError(f"cannot read epsilon of norm {type(norm).__name__}")
    return RMSGain(gain=cast(Tensor, norm.weight).detach().float() + weight_offset, eps=float(eps))


class Anatomy:
    """Resolved modules of one causal LM, plus its shape numbers.

    Build it with :meth:`of`. It holds references to the model's own modules, never copies of weights.
    """

    def __init__(self, model: PreTrainedModel, spec: ArchitectureSpec):
        self.model = model
        self.spec = spec
        self.blocks: list[nn.Module] = list(cast(nn.ModuleList, _get_path(model, spec.layers)))
        self.token_embedding = _get_path(model, spec.token_embedding)
        self.position_embedding = _get_path(model, spec.position_embedding) if spec.position_embedding else None
        self.final_norm = _get_path(model, spec.final_norm)
        self.unembed = _get_path(model, spec.unembed)
        self.attention_outputs = [_get_path(b, spec.attention_output) for b in self.blocks]
        self.mlps = [_get_path(b, spec.mlp) for b in self.blocks]
        self.post_attention_norms = (
            [_get_path(b, spec.post_attention_norm) for b in self.blocks] if spec.post_attention_norm else None
        )
        self.post_mlp_norms = [_get_path(b, spec.post_mlp_norm) for b in self.blocks] if spec.post_mlp_norm else None
        config = model.config
        self.n_layers = len(self.blocks)
        self.n_heads = int(config.num_attention_heads)
        self.d_model = int(config.hidden_size)
        d_in = output_weight(self.attention_outputs[0]).shape[1]
        if d_in % self.n_heads:
            raise RivalryError(f"attention output width {d_in} is not a multiple of {self.n_heads} heads")
        self.d_head = d_in // self.n_heads
        softcap = getattr(config, spec.logit_softcap_attr, None) if spec.logit_softcap_attr else None
        self.logit_softcap: float | None = float(softcap) if softcap else None

    @classmethod
    def of(cls, model: object) -> Anatomy:
        """Anatomy of a transformers causal LM or a rivalry ``Model``."""
        hf_model = unwrap_model(model)
        return cls(hf_model, spec_for_model_type(hf_model.config.model_type))

    @property
    def has_attention_bias(self) -> bool:
        return getattr(self.attention_outputs[0], "bias", None) is not None

    @property
    def mlp_contribution_modules(self) -> list[nn.Module]:
        """The modules whose output is what each MLP adds to the residual stream."""
        return self.post_mlp_norms if self.post_mlp_norms is not None else self.mlps

    @cached_property
    def head_output_weights(self) -> Float[Tensor, "layer d_model head d_head"]:
        """Every layer's output projection, split per head: ``W_O[l, :, h, :]`` maps head ``h`` into the stream."""
        weights = [output_weight(p).detach().float() for p in self.attention_outputs]
        return torch.stack(weights).reshape(self.n_layers, self.d_model, self.n_heads, self.d_head)

    @cached_property
    def attention_output_biases(self) -> Float[Tensor, "layer d_model"] | None:
        if not self.has_attention_bias:
            return None
        return torch.stack([cast(Tensor, p.bias).detach().float() for p in self.attention_outputs])

    @property
    def device(self) -> torch.device:
        return cast(Tensor, self.token_embedding.weight).device

    @property
    def vocab_size(self) -> int:
        return int(output_weight(self.unembed).shape[0])

    @torch.no_grad()
    def readout(self, residual: Float[Tensor, "n d_model"]) -> Float[Tensor, "n vocab"]:
        """Logits of residual-stream vectors, through the model's own final norm and unembedding (exact)."""
        weight = cast(Tensor, self.final_norm.weight)
        logits = self.unembed(self.final_norm(residual.to(device=weight.device, dtype=weight.dtype)))
        return self.cap_logits(logits).float()

    def cap_logits(self, logits: Tensor) -> Tensor:
        """The model's final logit soft-cap ``c * tanh(z / c)`` (Gemma-2), or ``logits`` as they are without one."""
        if self.logit_softcap is None:
            return logits
        return torch.tanh(logits / self.logit_softcap) * self.logit_softcap
