"""Weight orthogonalisation: directional ablation baked into every matrix that writes to the residual stream.

With ``r̂`` a unit direction, every write ``w`` into the stream becomes ``(I - r̂ r̂ᵀ) w``. The writes are linear maps
of their inputs, so the edit moves into their weights: ``W_out <- (I - r̂ r̂ᵀ) W_out`` and ``b_out <- (I - r̂ r̂ᵀ) b_out``
for every attention output projection and MLP output projection, and ``E <- E (I - r̂ r̂ᵀ)`` for the token embedding
(rows are vectors of the stream) and a learned position embedding (GPT-2). The edited model computes exactly
what run-time ablation (:func:`rivalry.steering.interventions.ablation_hooks`) computes, up to float rounding.

Tied embeddings (SmolLM2) are untied first: the unembedding keeps the original matrix.

Families whose writes pass through a norm after the projection (Gemma-2's post-attention and post-MLP RMSNorms)
cannot be orthogonalised: ``norm(W x)`` is not a linear map of ``x`` and an RMSNorm's gain cannot remove a
direction that is not a coordinate axis. They are refused with one line; run-time ablation supports them.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import cast

import torch
from jaxtyping import Float
from torch import Tensor, nn

from rivalry.errors import RivalryError
from rivalry.io.atomic import json_text, write_atomically
from rivalry.models.anatomy import Anatomy
from rivalry.models.model import Model, Provenance, as_model
from rivalry.steering.finding import unit


def mlp_output_projection(mlp: nn.Module, d_model: int) -> nn.Module:
    """The MLP's last projection into the stream: its one ``Linear``/``Conv1D`` child with ``d_model`` outputs."""
    found = []
    for module in mlp.children():
        linear = isinstance(module, nn.Linear) and module.out_features == d_model
        conv = type(module).__name__ == "Conv1D" and cast(Tensor, module.weight).shape[1] == d_model
        if linear or conv:
            found.append(module)
    if len(found) != 1:
        raise RivalryError(
            f"cannot find the output projection of {type(mlp).__name__} ({len(found)} candidates of width {d_model})"
        )
    return found[0]


@torch.no_grad()
def _orthogonalise_projection(projection: nn.Module, r_hat: Tensor) -> None:
    weight = cast(Tensor, projection.weight)
    d = r_hat.to(weight.device, torch.float64)
    w = weight.double()
    if isinstance(projection, nn.Linear):  # [out=d_model, in]
        weight.copy_((w - torch.outer(d, d @ w)).to(weight.dtype))
    else:  # Conv1D [in, out=d_model]
        weight.copy_((w - torch.outer(w @ d, d)).to(weight.dtype))
    bias = getattr(projection, "bias", None)
    if bias is not None:
        b = bias.double()
        bias.copy_((b - (b @ d) * d).to(bias.dtype))


@torch.no_grad()
def _orthogonalise_rows(embedding: nn.Module, r_hat: Tensor) -> None:
    weight = cast(Tensor, embedding.weight)
    d = r_hat.to(weight.device, torch.float64)
    w = weight.double()
    weight.copy_((w - torch.outer(w @ d, d)).to(weight.dtype))


def check_orthogonalisable(anatomy: Anatomy) -> None:
    """One line for a family whose stream writes are not linear in their weights (post-norms)."""
    if anatomy.post_attention_norms is not None or anatomy.post_mlp_norms is not None:
        raise RivalryError(
            f"cannot orthogonalise a {anatomy.spec.family} model: its attention and MLP outputs pass through "
            "post-norms before entering the stream, so no weight edit removes a direction exactly; use run-time "
            "ablation (ablated / ablation_hooks) instead"
        )


def orthogonalized(lm: Model, direction: Float[Tensor, " d_model"]) -> Model:
    """A copy of ``lm`` with ``direction`` projected out of every matrix writing to the stream (``lm`` is untouched).

    Its provenance names the edit (``name`` gets an ``+orth`` suffix, the weights' digest changes).
    """
    lm = as_model(lm)
    check_orthogonalisable(lm.anatomy)
    if direction.dim() != 1 or direction.shape[0] != lm.anatomy.d_model:
        raise RivalryError(f"direction must be one vector of width {lm.anatomy.d_model}, got {tuple(direction.shape)}")
    r_hat = unit(direction.detach().double())
    model = copy.deepcopy(lm.model)
    anatomy = Anatomy(model, lm.spec)
    output = cast(nn.Module | None, model.get_output_embeddings())
    if output is not None and output.weight is anatomy.token_embedding.weight:  # tied: keep the unembedding
        output.weight = nn.Parameter(cast(Tensor, output.weight).detach().clone())
        model.config.tie_word_embeddings = False
        text_config = getattr(model.config, "get_text_config", None)
        if callable(text_config):
            text_config().tie_word_embeddings = False
    _orthogonalise_rows(anatomy.token_embedding, r_hat)
    if anatomy.position_embedding is not None:
        _orthogonalise_rows(anatomy.position_embedding, r_hat)
    for projection in anatomy.attention_outputs:
        _orthogonalise_projection(projection, r_hat)
    for mlp in anatomy.mlps:
        _orthogonalise_projection(mlp_output_projection(mlp, anatomy.d_model), r_hat)
    from rivalry.models.model import weights_digest

    p = lm.provenance
    provenance = Provenance(
        name=f"{p.name}+orth", source="in-memory", base_sha256=weights_digest(model), dtype=p.dtype, device=p.device
    )
    return Model(model, lm.tokenizer, provenance, spec=lm.spec)


COPIED_FILES = ("synthetic_config.json",)  # a synthetic-genre model's own files, so the folder still reads as one


def save_orthogonalized(
    lm: Model, direction: Float[Tensor, " d_model"], out: str | Path, note: dict | None = None
) -> Path:
    """Orthogonalise ``lm`` against ``direction`` and save it as a model directory (safetensors weights, config,
    tokenizer, ``orthogonalization.json`` naming the source and the edit) that :func:`rivalry.load_model` loads.
    """
    edited = orthogonalized(lm, direction)
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise RivalryError(f"output path '{root}' exists and is not a directory; choose another --out")
    root.mkdir(parents=True, exist_ok=True)
    edited.model.save_pretrained(str(root), safe_serialization=True)
    lm.tokenizer.save_pretrained(str(root))
    source = Path(lm.provenance.source)
    for name in COPIED_FILES:
        if lm.provenance.adapter_sha256 is None and (source / name).is_file():
            shutil.copyfile(source / name, root / name)
    record = {
        "kind": "orthogonalization",
        "source": lm.provenance.to_dict(),
        "direction_norm": float(direction.double().norm()),
        "direction": [float(v) for v in unit(direction.detach().double()).tolist()],
        **(note or {}),
    }
    write_atomically(root / "orthogonalization.json", json_text(record).encode("utf-8"))
    return root
