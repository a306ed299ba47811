"""The independence check: jointly patching the top-k sites against the sum of their first-order effects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from rivalry.core.capture import capture
from rivalry.core.decomposition import decompose
from rivalry.core.metrics import AnswerLogOdds
from rivalry.core.patching import patch_hooks, readout_metric
from rivalry.core.sites import Site
from rivalry.models.anatomy import Anatomy
from rivalry.models.model import Model
from rivalry.prompts.chat import encode_batch


class JointPatcher:
    """Holds a sample of facts (competing decomposition and non-competing inputs) to patch site sets into."""

    def __init__(self, lm: Model, rows: Sequence[dict[str, Any]], answer_sets: Sequence[list[int]]):
        self.lm = lm
        self.anatomy = Anatomy.of(lm)
        tokenizer = lm.tokenizer
        competing = encode_batch(tokenizer, [r["prompt_competing"] for r in rows])
        self.source = decompose(lm, competing["input_ids"], competing["attention_mask"])
        self.metric = AnswerLogOdds.from_token_sets(list(answer_sets))
        self.rows = torch.arange(len(rows))
        self.targets = []
        for kind in ("nc_wrong", "nc_irrelevant"):
            batch = encode_batch(tokenizer, [r[f"prompt_{kind}"] for r in rows])
            clean = decompose(lm, batch["input_ids"], batch["attention_mask"])
            clean_metric = readout_metric(self.anatomy, clean.residual, self.rows, self.metric)
            self.targets.append((batch, clean.positions, clean_metric))

    def joint_effect(self, sites: Sequence[Site]) -> float:
        """Mean over facts and both non-competing variants of the metric change when ``sites`` are patched."""
        changes = []
        for batch, positions, clean_metric in self.targets:
            hooks = patch_hooks(self.anatomy, sites, self.source.activations, positions)
            patched = capture(self.anatomy, batch["input_ids"], batch["attention_mask"], positions, hooks)
            changes.append(readout_metric(self.anatomy, patched.residual, self.rows, self.metric) - clean_metric)
        return float(torch.cat(changes).mean())


def check_sizes(requested: Sequence[int], k_for: dict[str, int | None], n_sites: int) -> list[int]:
    """The k's to check: the requested ones and those reaching 80/90/100%, capped at the number of sites."""
    ks = {k for k in requested if 1 <= k <= n_sites} | {k for k in k_for.values() if k} | {n_sites}
    return sorted(ks)
