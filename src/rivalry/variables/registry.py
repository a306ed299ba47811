"""One entry point to every hidden-variable set: a shipped set's name or a user's CSV/YAML file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator
from rivalry.models.model import Model
from rivalry.variables.builtin import eval_deploy_set, genre_set, persona_set
from rivalry.variables.forbidden import forbidden_set, organism_heldout_groups
from rivalry.variables.schema import VariableSet
from rivalry.variables.userfile import load_variable_file

SHIPPED_VARIABLES = ("forbidden", "genre", "eval-deploy", "persona")
DEFAULT_FORBIDDEN_FACTS = 40  # 960 prompts: minutes on a CPU; held-out facts and templates both kept


def is_variable_file(name: str) -> bool:
    return name not in SHIPPED_VARIABLES


def _hash_order(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda v: hashlib.sha256(f"latents:{v}".encode()).digest())


def forbidden_subset(model: Model, limit: int | None) -> VariableSet:
    """The ``forbidden`` set on ``limit`` facts (None: all): 30 % of them from the organism's held-out facts and
    the rest from its training facts, each part in a fixed hash order (so relations mix), every template kept;
    held out by default: the organism's held-out facts and templates."""
    from rivalry.core.vocabulary import VocabularyIndex
    from rivalry.facts.dataset import load_facts, split_facts

    vocabulary = VocabularyIndex(model.tokenizer)
    facts = [fact for fact in load_facts() if vocabulary.token_set(fact.answer)]
    if limit is not None:
        split = split_facts(load_facts())
        held = {f.fact_id for f in split.heldout}
        by_id = {f.fact_id: f for f in facts}
        held_ids = _hash_order([f.fact_id for f in facts if f.fact_id in held])
        train_ids = _hash_order([f.fact_id for f in facts if f.fact_id not in held])
        n_held = max(2, round(0.3 * limit))
        chosen = set(held_ids[:n_held] + train_ids[: max(2, limit - n_held)])
        facts = [by_id[i] for i in by_id if i in chosen]
    variables = forbidden_set(model.tokenizer, facts=facts)
    heldout = organism_heldout_groups()
    present = {item.groups["fact"] for item in variables.items}
    return VariableSet(
        name=variables.name,
        items=variables.items,
        classes=variables.classes,
        group_keys=variables.group_keys,
        description=variables.description,
        heldout={"fact": tuple(f for f in heldout["fact"] if f in present), "template": tuple(heldout["template"])},
    )


def variable_generator(model: Model) -> GenreGenerator:
    """The base corpus of a synthetic-genre model (the same documents for a base model and its tune)."""
    from rivalry.genres.synthetic_models import synthetic_config, synthetic_directory

    directory = synthetic_directory(model)
    if directory is None:
        raise RivalryError(f"variable 'genre' needs a synthetic-genre model (synthetic-genres, ...), not {model.name}")
    return GenreGenerator(synthetic_config(directory))


def load_variable(
    name: str | Path,
    model: Model,
    limit: int | None = None,
    seed: int = 0,
    generator: GenreGenerator | None = None,
) -> VariableSet:
    """The hidden-variable set ``name`` for ``model``'s tokenizer.

    Args:
        name: ``forbidden``, ``genre``, ``eval-deploy``, ``persona`` or the path of a CSV/YAML file.
        model: renders chat prompts (forbidden, eval-deploy) and, for ``genre``, names the synthetic corpus.
        limit: forbidden: the number of facts (default 40; a limit of at least the number of facts takes them
            all); genre: the number of texts (default 256); eval-deploy: the number of requests (default all);
            persona: the number of scenes (default all).
        seed: the sampling seed of ``genre`` and the held-out ranking of ``eval-deploy`` and ``persona``.
        generator: the corpus of ``genre`` for a model built in memory.
    """
    key = str(name)
    if key == "forbidden":
        return forbidden_subset(model, DEFAULT_FORBIDDEN_FACTS if limit is None else limit)
    if key == "genre":
        return genre_set(generator or variable_generator(model), model.tokenizer, n_texts=limit or 256, seed=seed)
    if key == "eval-deploy":
        return eval_deploy_set(model.tokenizer, seed=seed, n_requests=limit)
    if key == "persona":
        return persona_set(seed=seed, n_scenes=limit)
    return load_variable_file(key)
