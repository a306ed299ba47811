"""Patching: first-order (direct, through the exact final norm) and total-effect (real interventions).

First-order patching (Wang et al. 2023, "Forbidden Facts"): for every site ``i`` the target run's residual is
changed by ``r_i(source) - r_i(target)`` and passed through the model's own final norm (recomputed, not
frozen) and unembedding; the effect is the metric's change. All sites and rows are done in a few batched
matrix products, with no extra forward pass.

Total-effect patching replaces the outputs of a set of sites, at the read position, by the source run's and
runs the model again, so downstream layers react.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.core.capture import Activations, capture
from rivalry.core.decomposition import Decomposition
from rivalry.core.hooks import Hook, first_tensor_arg, main_output
from rivalry.core.metrics import AnswerLogOdds, Metric
from rivalry.core.positions import full_mask, resolve_positions
from rivalry.core.sites import Site
from rivalry.core.tiled_readout import supports_tiling, tiled_answer_log_odds
from rivalry.errors import RivalryError
from rivalry.models.anatomy import Anatomy


@dataclass(frozen=True)
class SiteEffects:
    """Effect of patching each site, per batch row.

    Attributes:
        sites: the sites, in the order of ``effects``' first axis.
        effects: metric(patched) - metric(target) for each site and row.
        baseline: metric of the unpatched target rows.
    """

    sites: tuple[Site, ...]
    effects: Float[Tensor, "site batch"]
    baseline: Float[Tensor, " batch"]


def readout_metric(
    anatomy: Anatomy,
    residual: Float[Tensor, "n d_model"],
    rows: Int[Tensor, " n"],
    metric: Metric,
    chunk_rows: int = 2048,
) -> Float[Tensor, " n"]:
    """``metric(unembed(final_norm(residual)))`` in chunks of ``chunk_rows`` rows (bounded memory).

    An :class:`~rivalry.core.metrics.AnswerLogOdds` on a CPU float32 unembedding is read tile by tile over the
    vocabulary (:mod:`rivalry.core.tiled_readout`: no ``[rows, vocab]`` block, no pass over one); another metric
    with a ``consume`` method is given the chunk's logits to compute in place, since they are a temporary here.
    """
    values = [torch.zeros(0, device=residual.device)]
    if isinstance(metric, AnswerLogOdds) and supports_tiling(anatomy):

        def read(chunk: slice) -> Tensor:
            return tiled_answer_log_odds(anatomy, residual[chunk], rows[chunk], metric)
    else:
        consume = getattr(metric, "consume", metric)

        def read(chunk: slice) -> Tensor:
            return consume(anatomy.readout(residual[chunk]), rows[chunk])

    with torch.no_grad():
        for start in range(0, residual.shape[0], chunk_rows):
            values.append(read(slice(start, start + chunk_rows)).to(residual.device))
    return torch.cat(values)


def readout_rows_per_chunk(anatomy: Anatomy, max_memory_mb: float | None, default: int = 2048) -> int:
    """How many rows one readout chunk may hold so that its temporaries (the ``[rows, vocab]`` logits, computed
    in place, and a few ``[rows, d_model]`` vectors, float32) stay within ``max_memory_mb``; ``default`` when
    no budget is set."""
    if max_memory_mb is None:
        return default
    per_row = 4 * (anatomy.vocab_size + 4 * anatomy.d_model)
    rows = int(max_memory_mb * 2**20 // per_row)
    if rows < 1:
        raise RivalryError(
            f"max_memory of {max_memory_mb} MB is below one readout row ({per_row / 2**20:.2f} MB for a "
            f"vocabulary of {anatomy.vocab_size})"
        )
    return rows


def first_order_effects(
    model: object,
    target: Decomposition,
    source: Decomposition,
    metric: Metric,
    chunk_rows: int = 2048,
    max_memory_mb: float | None = None,
) -> SiteEffects:
    """First-order effect of every site: ``metric(final(resid_t + r_i(s) - r_i(t))) - metric(final(resid_t))``.

    ``target`` and ``source`` are decompositions of paired rows (row ``b`` of one with row ``b`` of the other);
    their token lengths may differ, since only the read position matters. Patched rows are built and read in
    chunks of ``chunk_rows`` (site, row) pairs; with ``max_memory_mb`` the chunk is sized so that the patching's
    own temporaries stay within that budget (the decompositions, held by the caller, are not counted).
    """
    anatomy = Anatomy.of(model)
    if target.sites != source.sites or target.batch_size != source.batch_size:
        raise RivalryError("target and source decompositions must come from the same model and batch size")
    if max_memory_mb is not None:
        chunk_rows = readout_rows_per_chunk(anatomy, max_memory_mb)
    n_sites, batch = len(target.sites), target.batch_size
    device = target.contributions.device
    rows = torch.arange(batch, device=device)
    baseline = readout_metric(anatomy, target.residual, rows, metric, chunk_rows)
    # a site whose output is identical in both runs (e.g. the embedding of a shared last token) has no effect
    moved = torch.cat(
        [
            ((source.contributions[i : i + 64] - target.contributions[i : i + 64]).abs().amax(-1) > 0).flatten()
            for i in range(0, n_sites, 64)
        ]
    )
    pairs = torch.nonzero(moved).flatten()  # flat (site * batch + row) indices of the moved pairs
    effects = torch.zeros(n_sites * batch, device=device)
    for start in range(0, pairs.numel(), chunk_rows):
        chunk = pairs[start : start + chunk_rows]
        site_index, row_index = chunk // batch, chunk % batch
        delta = source.contributions[site_index, row_index] - target.contributions[site_index, row_index]
        patched = target.residual[row_index] + delta  # the same arithmetic as patching one site by hand
        values = readout_metric(anatomy, patched, row_index, metric, chunk_rows)
        effects[chunk] = values - baseline[row_index]
    return SiteEffects(sites=target.sites, effects=effects.reshape(n_sites, batch), baseline=baseline)


def _rows_setter(positions: Int[Tensor, " batch"], values: Tensor) -> Callable[..., Tensor]:
    """A forward hook that writes ``values`` at ``positions`` of its module's output."""
    return lambda module, args, kwargs, out: _set_rows(out, positions, values)


def _set_rows(x: Tensor, positions: Int[Tensor, " batch"], values: Tensor) -> Tensor:
    """Copy of ``x`` ``[batch, seq, ...]`` with ``x[b, positions[b]] = values[b]``."""
    x = x.expand(positions.shape[0], *x.shape[1:]).clone()
    rows = torch.arange(positions.shape[0], device=x.device)
    x[rows, positions.to(x.device)] = values.to(device=x.device, dtype=x.dtype)
    return x


def patch_hooks(
    anatomy: Anatomy, sites: Iterable[Site], source: Activations, positions: Int[Tensor, " batch"]
) -> list[Hook]:
    """Hooks that set the listed sites' outputs at ``positions`` to those recorded in ``source``."""
    heads_by_layer: dict[int, list[int]] = defaultdict(list)
    hooks: list[Hook] = []
    for site in sorted(set(sites)):
        if site.layer >= anatomy.n_layers or (site.head is not None and site.head >= anatomy.n_heads):
            raise RivalryError(f"site {site.label} is not a site of this model")
        if site.kind == "head":
            heads_by_layer[site.layer].append(int(site.head))  # type: ignore[arg-type]  # a head site has a head
        elif site.kind == "embed":
            hooks.append(Hook(anatomy.token_embedding, _rows_setter(positions, source.embed)))
        elif site.kind == "pos_embed":
            if anatomy.position_embedding is None or source.pos_embed is None:
                raise RivalryError("this model has no position embedding site")
            hooks.append(Hook(anatomy.position_embedding, _rows_setter(positions, source.pos_embed)))
        elif site.kind == "mlp":
            module = anatomy.mlp_contribution_modules[site.layer]
            value = source.mlp_outputs[site.layer]
            hooks.append(Hook(module, lambda m, a, k, out, value=value: _patch_output(out, positions, value)))
        # attn_bias: identical in every run, nothing to patch
    for layer, heads in heads_by_layer.items():
        hooks.append(
            Hook(
                anatomy.attention_outputs[layer],
                _head_patcher(anatomy, layer, heads, source, positions),
                "pre",
            )
        )
    return hooks


def _patch_output(output: object, positions: Int[Tensor, " batch"], value: Tensor) -> object:
    patched = _set_rows(main_output(output), positions, value)
    return (patched, *output[1:]) if isinstance(output, tuple) else patched


def _head_patcher(anatomy: Anatomy, layer: int, heads: list[int], source: Activations, positions: Tensor):
    head_index = torch.tensor(heads)

    def hook(module, args, kwargs):
        z = first_tensor_arg(args, kwargs, "input")
        batch, seq = z.shape[:2]
        z = z.reshape(batch, seq, anatomy.n_heads, anatomy.d_head).clone()
        rows = torch.arange(batch, device=z.device)[:, None]
        cols = positions.to(z.device)[:, None]
        z[rows, cols, head_index.to(z.device)[None]] = source.head_inputs[layer][:, heads].to(z.device, z.dtype)
        z = z.reshape(batch, seq, -1)
        if args:
            return (z, *args[1:]), kwargs
        return args, {**kwargs, "input": z}

    return hook


def _target_positions(
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"] | None,
    position: int,
    source: Decomposition,
) -> tuple[Int[Tensor, "batch seq"], Int[Tensor, " batch"]]:
    mask = full_mask(input_ids) if attention_mask is None else attention_mask
    positions = resolve_positions(mask, position)
    if positions.shape[0] != source.batch_size:
        raise RivalryError("target batch and source decomposition differ in size")
    return mask, positions


def patched_decomposition_residual(
    model: object,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"] | None,
    source: Decomposition,
    sites: Sequence[Site],
    position: int = -1,
) -> Float[Tensor, "batch d_model"]:
    """Residual stream at the read position of the target run with ``sites`` set to the source's outputs."""
    anatomy = Anatomy.of(model)
    mask, positions = _target_positions(input_ids, attention_mask, position, source)
    hooks = patch_hooks(anatomy, sites, source.activations, positions)
    return capture(anatomy, input_ids, mask, positions, extra_hooks=hooks).residual


def total_effect(
    model: object,
    input_ids: Int[Tensor, "batch seq"],
    attention_mask: Int[Tensor, "batch seq"] | None,
    source: Decomposition,
    sites: Sequence[Site],
    metric: Metric,
    position: int = -1,
) -> Float[Tensor, " batch"]:
    """Joint (activation-patching) effect of ``sites`` on ``metric``: patched run minus clean target run."""
    anatomy = Anatomy.of(model)
    mask, positions = _target_positions(input_ids, attention_mask, position, source)
    rows = torch.arange(input_ids.shape[0])
    clean = capture(anatomy, input_ids, mask, positions).residual
    patched = capture(anatomy, input_ids, mask, positions, patch_hooks(anatomy, sites, source.activations, positions))
    return readout_metric(anatomy, patched.residual, rows, metric) - readout_metric(anatomy, clean, rows, metric)
