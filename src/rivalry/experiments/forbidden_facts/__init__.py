"""Forbidden facts: how a chat model handles a system prompt that forbids the correct answer."""

from rivalry.experiments.forbidden_facts.config import ForbiddenFactsConfig
from rivalry.experiments.forbidden_facts.result import FactRow, ForbiddenFactsResult, JointCheck, SiteEffect
from rivalry.experiments.forbidden_facts.run import run
from rivalry.prompts.facts import PAPER_SYSTEM_TEMPLATE, FactPrompts, build_fact_prompts

__all__ = [
    "PAPER_SYSTEM_TEMPLATE",
    "FactPrompts",
    "FactRow",
    "ForbiddenFactsConfig",
    "ForbiddenFactsResult",
    "JointCheck",
    "SiteEffect",
    "build_fact_prompts",
    "run",
]
