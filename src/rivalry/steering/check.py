"""Check a saved orthogonalised model against run-time ablation of the same direction in the original model."""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from rivalry.io.atomic import json_text, read_json, write_atomically
from rivalry.models.model import Model
from rivalry.steering.measures import CLEAN, Edit, neutral_logits


def check_orthogonalized(lm: Model, direction: Tensor, directory: str | Path, n_texts: int = 8) -> float:
    """Load ``directory`` with :func:`rivalry.load_model` and return the max |logit difference| on
    neutral texts between it and ``lm`` with ``direction`` ablated at run time; recorded in
    ``orthogonalization.json`` as ``check_max_logit_diff``."""
    from rivalry.models.loading import load_model
    from rivalry.steering.builtin import neutral_texts

    root = Path(directory)
    edited = load_model(str(root), dtype=lm.provenance.dtype, device=str(lm.device))
    texts = neutral_texts(lm, n_texts, 0)
    runtime = neutral_logits(lm, texts, Edit("ablation", direction), log_softmax=False)
    baked = neutral_logits(edited, texts, CLEAN, log_softmax=False)
    diff = max(float((a - b).abs().max()) for a, b in zip(runtime, baked, strict=True))
    record = read_json(root / "orthogonalization.json", "orthogonalization record")
    record["check_max_logit_diff"] = diff
    record["check_texts"] = len(texts)
    write_atomically(root / "orthogonalization.json", json_text(record).encode("utf-8"))
    return diff
