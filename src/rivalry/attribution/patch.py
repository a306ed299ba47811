"""Real activation patching of single nodes (a site at one column), many nodes per batched forward pass.

Row ``i`` of the batch is a copy of the target prompt with node ``pairs[i]`` set to the source run's value;
downstream layers react (total effect through every path). This is what attribution patching estimates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import torch
from jaxtyping import Float, Int
from torch import Tensor

from rivalry.attribution.attention_access import AttentionAccess
from rivalry.attribution.nodes import SitePosition
from rivalry.attribution.trace import Nodes, readout_with_grad
from rivalry.core.hooks import Hook, attached, first_tensor_arg, main_output
from rivalry.core.metrics import Metric
from rivalry.core.positions import position_ids_from_mask


def _set(x: Tensor, rows: list[int], cols: list[int], values: Tensor) -> Tensor:
    x = x.clone()
    x[torch.tensor(rows), torch.tensor(cols)] = values.to(x.dtype)
    return x


def _output_setter(rows: list[int], cols: list[int], values: Tensor):
    def hook(module, args, kwargs, output):
        patched = _set(main_output(output), rows, cols, values)
        return (patched, *output[1:]) if isinstance(output, tuple) else patched

    return hook


def _head_setter(n_heads: int, rows: list[int], cols: list[int], heads: list[int], values: Tensor):
    def hook(module, args, kwargs):
        z = first_tensor_arg(args, kwargs, "input")
        z = z.unflatten(-1, (n_heads, -1)).clone()
        z[torch.tensor(rows), torch.tensor(cols), torch.tensor(heads)] = values.to(z.dtype)
        z = z.flatten(-2)
        return ((z, *args[1:]), kwargs) if args else (args, {**kwargs, "input": z})

    return hook


def patch_nodes(
    access: AttentionAccess,
    input_ids: Int[Tensor, " seq"],
    attention_mask: Int[Tensor, " seq"],
    source: Nodes,
    source_row: int,
    pairs: Sequence[SitePosition],
    metric: Metric,
    metric_row: int,
    batch_size: int = 32,
) -> Float[Tensor, " n"]:
    """``M(target with node i patched from source) - M(target)`` for every node in ``pairs`` (one target row).

    ``source`` holds the source run's nodes (untraced); ``source_row`` picks its row, ``metric_row`` the metric's.
    Position embeddings and attention biases are the same in both runs: their effect is 0 without a pass.
    """
    anatomy = access.anatomy
    home = anatomy.device
    effects = torch.zeros(len(pairs))
    work = [i for i, p in enumerate(pairs) if p.site.kind in ("embed", "head", "mlp")]
    clean = None
    for start in [-1, *range(0, len(work), batch_size)]:  # -1: the clean pass
        chunk = [] if start < 0 else work[start : start + batch_size]
        n = max(len(chunk), 1)
        hooks: list[Hook] = []
        embed_rows: list[int] = []
        embed_cols: list[int] = []
        heads: dict[int, tuple[list[int], list[int], list[int]]] = defaultdict(lambda: ([], [], []))
        mlps: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for r, i in enumerate(chunk):
            site, col = pairs[i].site, pairs[i].position
            if site.kind == "embed":
                embed_rows.append(r)
                embed_cols.append(col)
            elif site.kind == "head":
                rows, cols, hs = heads[site.layer]
                rows.append(r), cols.append(col), hs.append(int(site.head))  # type: ignore[arg-type, func-returns-value]
            else:
                rows, cols = mlps[site.layer]
                rows.append(r), cols.append(col)  # type: ignore[func-returns-value]
        if embed_rows:
            values = source.embed[source_row, embed_cols]
            hooks.append(Hook(anatomy.token_embedding, _output_setter(embed_rows, embed_cols, values)))
        for layer, (rows, cols, hs) in heads.items():
            z = source.z[layer][source_row].unflatten(-1, (anatomy.n_heads, -1))
            values = z[torch.tensor(cols), torch.tensor(hs)]
            hooks.append(
                Hook(anatomy.attention_outputs[layer], _head_setter(anatomy.n_heads, rows, cols, hs, values), "pre")
            )
        for layer, (rows, cols) in mlps.items():
            values = source.mlp[layer][source_row, cols]
            hooks.append(Hook(anatomy.mlp_contribution_modules[layer], _output_setter(rows, cols, values)))
        store: dict[str, Tensor] = {}
        keep = store.__setitem__
        hooks.append(Hook(anatomy.final_norm, lambda m, a, k, keep=keep: keep("r", first_tensor_arg(a, k)), "pre"))
        ids = input_ids[None].expand(n, -1).to(home)
        mask = attention_mask[None].expand(n, -1).to(home)
        with torch.no_grad(), attached(hooks):
            anatomy.model.base_model(
                input_ids=ids, attention_mask=mask, position_ids=position_ids_from_mask(mask), use_cache=False
            )
            rows_index = torch.full((n,), metric_row, dtype=torch.long)
            values_m = metric(readout_with_grad(anatomy, store["r"][:, -1]), rows_index).cpu()
        if start < 0:
            clean = values_m[0]
            continue
        assert clean is not None
        effects[torch.tensor(chunk)] = values_m[: len(chunk)] - clean
    return effects
