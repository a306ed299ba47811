"""rivalry: mechanistic study of competing objectives in language models.

The notebook API (each experiment is one call returning a typed result)::

    import rivalry
    base = rivalry.load_model("smollm2")
    tuned = rivalry.load_model("smollm2-obedient")
    a = rivalry.forbidden_facts(base, split="heldout", limit=32)
    b = rivalry.forbidden_facts(tuned, split="heldout", limit=32)
    rivalry.compare(a, b).to_pandas().head()
    b.save("runs/obedient"); rivalry.load_result("runs/obedient") == b

The exact algebra underneath: ``rivalry.decompose``, ``rivalry.first_order_effects``, ``rivalry.total_effect``.
"""

from __future__ import annotations

import importlib
from typing import Any

from rivalry.core.decomposition import Decomposition, decompose
from rivalry.core.metrics import AnswerLogOdds, LogitDifference, answer_probability, log_odds_log10
from rivalry.core.patching import SiteEffects, first_order_effects, total_effect
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.io.store import RunStore
from rivalry.models.loading import LoadOptions, load_model
from rivalry.models.model import Model, Provenance

# name -> module of the notebook API; imported on first use, so `import rivalry` stays light.
_LAZY = {
    "forbidden_facts": "rivalry.api.forbidden_facts",
    "compare": "rivalry.api.forbidden_facts",
    "heads": "rivalry.api.heads",
    "attack": "rivalry.api.attack",
    "genre_posterior": "rivalry.api.genres",
    "validate_genres": "rivalry.api.genres",
    "base_vs_tuned": "rivalry.api.base_vs_tuned",
    "tug_of_war": "rivalry.api.tug_of_war",
    "sweep": "rivalry.api.sweeps",
    "attribute": "rivalry.api.attribution",
    "faithfulness": "rivalry.api.attribution",
    "latents": "rivalry.api.latents",
    "directions": "rivalry.api.directions",
    "orthogonalize": "rivalry.api.directions",
    "tune_obedience": "rivalry.api.obedience",
    "evaluate_obedience": "rivalry.api.obedience",
    "personas": "rivalry.api.personas",
    "load_result": "rivalry.api.results",
    "report_page": "rivalry.api.results",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rivalry' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AnswerLogOdds",
    "Decomposition",
    "LoadOptions",
    "LogitDifference",
    "Model",
    "Provenance",
    "RivalryError",
    "RunStore",
    "Site",
    "SiteEffects",
    "answer_probability",
    "decompose",
    "first_order_effects",
    "load_model",
    "log_odds_log10",
    "total_effect",
    *_LAZY,
]
