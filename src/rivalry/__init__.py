"""rivalry: mechanistic study of competing objectives in language models.

The notebook API::

    import rivalry
    lm = rivalry.load_model()                      # embedded SmolLM2-135M-Instruct
    dec = rivalry.decompose(lm, input_ids, attention_mask)
    effects = rivalry.first_order_effects(lm, target=dec_nc, source=dec_c, metric=metric)
"""

from rivalry.core.decomposition import Decomposition, decompose
from rivalry.core.metrics import AnswerLogOdds, LogitDifference, answer_probability, log_odds_log10
from rivalry.core.patching import SiteEffects, first_order_effects, total_effect
from rivalry.core.sites import Site
from rivalry.errors import RivalryError
from rivalry.models.loading import LoadOptions, load_model
from rivalry.models.model import Model, Provenance

__all__ = [
    "AnswerLogOdds",
    "Decomposition",
    "LoadOptions",
    "Model",
    "Provenance",
    "LogitDifference",
    "RivalryError",
    "Site",
    "SiteEffects",
    "answer_probability",
    "decompose",
    "first_order_effects",
    "load_model",
    "log_odds_log10",
    "total_effect",
]
