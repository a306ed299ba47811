"""Interventions along a residual-stream direction, as hooks held by context managers.

- **Directional ablation** (Arditi et al. 2024): every write into the residual stream (the token embedding, a
  learned position embedding, every attention output and every MLP output; for families with post-attention /
  post-MLP norms, such as Gemma-2, the norms' outputs, which are what is added) is replaced by
  ``w - (w · r̂) r̂``. The stream is a sum of writes, so it stays orthogonal to ``r̂`` at every layer and position;
  this is exactly what weight orthogonalisation (:mod:`rivalry.steering.orthogonalize`) bakes into the matrices.
- **Activation addition**: ``x_l <- x_l + alpha * r`` on the stream entering block ``l`` (point ``l``; point
  ``n_layers`` is the stream entering the final norm), at every position.

Both are batched: a direction ``[d_model]`` applies to every row, a stack ``[batch, d_model]`` gives each row of
the batch its own direction (so many random controls share one forward pass).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from jaxtyping import Float
from torch import Tensor

from rivalry.core.hooks import Hook, attached, main_output
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy
from rivalry.steering.finding import unit


def _rows(direction: Tensor, value: Tensor) -> Tensor:
    """``direction`` shaped to broadcast against ``value [batch, seq, d]`` (or ``[seq, d]`` unbatched)."""
    d = direction.to(device=value.device, dtype=value.dtype)
    if d.dim() == 1:
        return d
    if value.dim() != 3 or value.shape[0] != d.shape[0]:
        raise RivalryError(f"{d.shape[0]} per-row directions for a batch of shape {tuple(value.shape)}")
    return d[:, None, :]


def project_out(value: Tensor, direction_unit: Tensor) -> Tensor:
    """``value - (value · r̂) r̂`` along the last axis (``r̂`` of unit norm, one or one per batch row).

    Computed in float64 and rounded once, so it matches the orthogonalised weights to float rounding even where
    the stream carries massive activations."""
    exact = value.double()
    d = _rows(direction_unit, exact)
    return (exact - (exact * d).sum(-1, keepdim=True) * d).to(value.dtype)


def _replace_main(output: Any, new: Tensor) -> Any:
    if isinstance(output, tuple):
        return (new, *output[1:])
    return new


def stream_writers(anatomy: Anatomy) -> list[torch.nn.Module]:
    """Every module whose output is added to the residual stream as it is (see the module docstring)."""
    writers: list[torch.nn.Module] = [anatomy.token_embedding]
    if anatomy.position_embedding is not None:
        writers.append(anatomy.position_embedding)
    attention = anatomy.post_attention_norms or anatomy.attention_outputs
    writers.extend(attention)
    writers.extend(anatomy.mlp_contribution_modules)
    return writers


def ablation_hooks(anatomy: Anatomy, direction: Float[Tensor, "*rows d_model"]) -> list[Hook]:
    """Hooks projecting ``direction`` (any norm; one or one per row) out of every write into the stream."""
    if direction.shape[-1] != anatomy.d_model:
        raise RivalryError(f"direction has width {direction.shape[-1]}, the model's stream {anatomy.d_model}")
    r_hat = unit(direction.detach().double())

    def hook(module: torch.nn.Module, args: tuple, kwargs: dict, output: Any) -> Any:
        value = main_output(output)
        return _replace_main(output, project_out(value, r_hat))

    return [Hook(module, hook) for module in stream_writers(anatomy)]


def addition_hooks(anatomy: Anatomy, vector: Float[Tensor, "*rows d_model"], point: int) -> list[Hook]:
    """A pre-hook adding ``vector`` (one or one per row) to the stream at ``point``, at every position."""
    if not 0 <= point <= anatomy.n_layers:
        raise RivalryError(f"point {point} is out of range: the model has points 0..{anatomy.n_layers}")
    if vector.shape[-1] != anatomy.d_model:
        raise RivalryError(f"vector has width {vector.shape[-1]}, the model's stream {anatomy.d_model}")
    if not bool(torch.isfinite(vector).all()):
        raise RivalryError("the added vector is not finite")
    module = anatomy.blocks[point] if point < anatomy.n_layers else anatomy.final_norm
    added = vector.detach().float()

    def hook(module: torch.nn.Module, args: tuple, kwargs: dict) -> Any:
        if args:
            hidden = args[0]
            return (hidden + _rows(added, hidden), *args[1:]), kwargs
        hidden = kwargs["hidden_states"]
        return args, {**kwargs, "hidden_states": hidden + _rows(added, hidden)}

    return [Hook(module, hook, "pre")]


@contextmanager
def ablated(model: object, direction: Tensor) -> Iterator[None]:
    """``with ablated(lm, r):`` every forward pass of ``lm`` inside has ``r`` projected out of the stream.

    Example:
        >>> with rivalry.steering.ablated(lm, result.direction()):  # doctest: +SKIP
        ...     logits = lm.model(**batch).logits
    """
    with attached(ablation_hooks(Anatomy.of(model), direction)):
        yield


@contextmanager
def added(model: object, vector: Tensor, point: int) -> Iterator[None]:
    """``with added(lm, alpha * r, point):`` every forward pass inside has the vector added at ``point``."""
    with attached(addition_hooks(Anatomy.of(model), vector, point)):
        yield


def intervention_hooks(
    anatomy: Anatomy, kind: str, direction: Tensor, point: int, scale: float = 1.0
) -> Sequence[Hook]:
    """The hooks of one named intervention: ``"ablation"`` of ``direction``, or ``"addition"`` of
    ``scale * direction`` at ``point``; ``"none"`` gives no hooks."""
    if kind == "none":
        return []
    if kind == "ablation":
        return ablation_hooks(anatomy, direction)
    if kind == "addition":
        return addition_hooks(anatomy, scale * direction, point)
    raise RivalryError(f"unknown intervention '{kind}'; expected ablation, addition or none")
