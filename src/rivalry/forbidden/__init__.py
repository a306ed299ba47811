"""Forbidden facts: how a chat model handles a system prompt that forbids the correct answer."""

from rivalry.forbidden.config import ForbiddenFactsConfig
from rivalry.forbidden.prompts import PAPER_SYSTEM_TEMPLATE, FactPrompts, build_fact_prompts
from rivalry.forbidden.runner import run_forbidden_facts

__all__ = [
    "PAPER_SYSTEM_TEMPLATE",
    "FactPrompts",
    "ForbiddenFactsConfig",
    "build_fact_prompts",
    "run_forbidden_facts",
]
