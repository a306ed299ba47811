"""``rivalry.load_result`` and ``rivalry.report_page``: any saved result back as its typed object, and its page."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from rivalry.experiments.base import Result
from rivalry.experiments.base import load_result as _load_result
from rivalry.report.page import Page

# result kind -> the report module whose ``report(result)`` builds its page
REPORT_MODULES = {
    "forbidden_facts": "rivalry.report.forbidden_facts",
    "comparison": "rivalry.report.compare",
    "heads": "rivalry.report.heads",
    "attack": "rivalry.report.attack",
    "genre_posterior": "rivalry.report.genre_posterior",
    "genre_validation": "rivalry.report.genre_validation",
    "base_vs_tuned": "rivalry.report.base_vs_tuned",
    "tug_of_war": "rivalry.report.tug_of_war",
    "personas": "rivalry.report.personas",
    "attribution": "rivalry.report.attribute",
    "faithfulness": "rivalry.report.faithfulness",
    "latents": "rivalry.report.latents",
    "directions": "rivalry.report.directions",
    "obedience_tune": "rivalry.report.obedience",
    "obedience_eval": "rivalry.report.obedience",
}


def load_result(directory: str | Path) -> Result:
    """Load the result saved in ``directory`` as its own type (``ForbiddenFactsResult``, ``HeadsResult``, ...).

    Example:
        >>> result = rivalry.load_result("runs/smollm2")  # doctest: +SKIP
        >>> result.sites[:5], result.provenance["model"]
    """
    return _load_result(directory)


def report_page(result: Result, **options: Any) -> Page:
    """The report page of any result (render it with ``rivalry.report.render_page`` or ``write_page``)."""
    module = REPORT_MODULES.get(result.KIND)
    if module is None:
        raise TypeError(f"no report for results of kind {result.KIND!r}")
    return importlib.import_module(module).report(result, **options)
