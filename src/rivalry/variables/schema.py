"""Hidden-variable sets: texts with a label and the groups used to split them.

A set is what a probe, an observer or a difference-of-means direction is fitted on. Every item is a text exactly
as the tokenizer gets it (chat texts already rendered), a label, and one value per *group key* (the template,
the framing, the fact): held-out scoring holds out whole groups, never single items, so no surface cue shared
by an item's train-side twins can carry the label.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from jaxtyping import Bool, Float, Int

from rivalry.errors import RivalryError


@dataclass(frozen=True)
class LabelledText:
    """One item of a hidden-variable set.

    Attributes:
        text: the text exactly as fed to the tokenizer (a rendered chat prompt, or raw text).
        label: the hidden variable's value for this text (e.g. ``"competing"``).
        groups: one value per group key of the set (e.g. ``{"fact": "paris", "template": "3"}``).
        fields: anything else a measure may need (``answer``, ``forbidden_word``, ``kind``...), as strings.
        add_special_tokens: True for raw text that should get the tokenizer's BOS; False for rendered chats.
    """

    text: str
    label: str
    groups: Mapping[str, str]
    fields: Mapping[str, str] = field(default_factory=dict)
    add_special_tokens: bool = False


@dataclass(frozen=True)
class Split:
    """Row indices of the items used to fit (``train``) and to score (``test``); never overlapping."""

    train: Int[np.ndarray, " n_train"]
    test: Int[np.ndarray, " n_test"]


@dataclass(frozen=True)
class VariableSet:
    """A named hidden-variable set.

    Attributes:
        name: e.g. ``"forbidden"``, or a user file's stem.
        items: the labelled texts.
        classes: the label values in a fixed order; for a binary set ``(negative, positive)``.
        group_keys: the keys every item's ``groups`` holds.
        description: one line for reports.
        read_at: where a probe reads the residual stream: each text's last token (``"last"``) or every token
            (``"all"``, e.g. the genre posterior after each word).
        token_targets: for a continuous target (``read_at="all"``), one ``[n_tokens, n_classes]`` array per item:
            the distribution over ``classes`` after each token (rows sum to 1); None for a label-only set.
        heldout: the groups held out by default (``{key: values}``, see :func:`group_split`); None: a hashed
            fraction of every key.
    """

    name: str
    items: tuple[LabelledText, ...]
    classes: tuple[str, ...]
    group_keys: tuple[str, ...]
    description: str = ""
    read_at: Literal["last", "all"] = "last"
    token_targets: tuple[Float[np.ndarray, "token cls"], ...] | None = field(default=None, compare=False)
    heldout: Mapping[str, tuple[str, ...]] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.items:
            raise RivalryError(f"variable set '{self.name}' has no items")
        if len(set(self.classes)) != len(self.classes):
            raise RivalryError(f"variable set '{self.name}' lists a class twice: {self.classes}")
        if not self.group_keys:
            raise RivalryError(f"variable set '{self.name}' has no group key")
        for index, item in enumerate(self.items):
            if item.label not in self.classes:
                raise RivalryError(f"item {index} of '{self.name}' has label {item.label!r}, not one of {self.classes}")
            missing = [key for key in self.group_keys if key not in item.groups]
            if missing:
                raise RivalryError(f"item {index} of '{self.name}' has no value for group key(s) {missing}")
        if self.read_at not in ("last", "all"):
            raise RivalryError(f"variable set '{self.name}': read_at must be 'last' or 'all', got {self.read_at!r}")
        if self.token_targets is not None:
            if len(self.token_targets) != len(self.items):
                raise RivalryError(
                    f"variable set '{self.name}' has {len(self.token_targets)} token targets for "
                    f"{len(self.items)} items"
                )
            if any(t.ndim != 2 or t.shape[1] != len(self.classes) for t in self.token_targets):
                raise RivalryError(f"variable set '{self.name}': token targets must be [token, {len(self.classes)}]")
        present = {item.label for item in self.items}
        if len(present) < 2:
            raise RivalryError(f"variable set '{self.name}' has one label only ({sorted(present)}); need two or more")
        for key in self.group_keys:
            if len({item.groups[key] for item in self.items}) < 2:
                raise RivalryError(
                    f"variable set '{self.name}' has fewer than 2 groups of '{key}'; cannot hold one out"
                )

    @property
    def is_binary(self) -> bool:
        return len(self.classes) == 2

    def require_binary(self) -> None:
        """A one-line error unless the set has exactly two classes."""
        if not self.is_binary:
            raise RivalryError(
                f"variable set '{self.name}' has {len(self.classes)} labels {list(self.classes)}; "
                "this needs a binary one"
            )

    def texts(self) -> list[str]:
        return [item.text for item in self.items]

    def targets(self) -> Int[np.ndarray, " n"]:
        """Each item's class index in :attr:`classes` (for a binary set: 1 = positive)."""
        index = {name: i for i, name in enumerate(self.classes)}
        return np.array([index[item.label] for item in self.items], dtype=np.int64)

    def group_values(self, key: str) -> list[str]:
        return [item.groups[key] for item in self.items]

    def select(self, rows: Sequence[int] | np.ndarray) -> VariableSet:
        """The same set restricted to ``rows`` (validated again: it must keep two labels and two groups)."""
        targets = None if self.token_targets is None else tuple(self.token_targets[int(i)] for i in rows)
        return VariableSet(
            name=self.name,
            items=tuple(self.items[int(i)] for i in rows),
            classes=self.classes,
            group_keys=self.group_keys,
            description=self.description,
            read_at=self.read_at,
            token_targets=targets,
            heldout=self.heldout,
        )


def _held_out_values(values: Sequence[str], fraction: float, seed: int, key: str) -> set[str]:
    distinct = sorted(set(values))
    ranked = sorted(distinct, key=lambda v: hashlib.sha256(f"{seed}:{key}:{v}".encode()).digest())
    n_held = min(len(distinct) - 1, max(1, round(len(distinct) * fraction)))
    return set(ranked[:n_held])


def group_split(
    variables: VariableSet,
    heldout_fraction: float = 0.3,
    seed: int = 0,
    heldout: Mapping[str, Sequence[str]] | None = None,
) -> Split:
    """Hold out whole groups along *every* group key at once.

    For each key a set of its values is held out (``heldout[key]`` when given, else the set's own
    ``variables.heldout[key]``, else a SHA-256-ranked
    ``heldout_fraction`` of its distinct values, at least one and never all). Test items have a held-out value for
    every key (held-out facts *and* held-out templates); train items have none; items mixing the two are used for
    neither, so nothing of a test item's groups was seen in fitting.

    Raises:
        RivalryError: the fraction is outside (0, 1), or either side ends up empty or with one label only.
    """
    if not 0.0 < heldout_fraction < 1.0:
        raise RivalryError(f"heldout_fraction must be in (0, 1), got {heldout_fraction}")
    is_test: Bool[np.ndarray, " n"] = np.ones(len(variables.items), dtype=bool)
    is_train: Bool[np.ndarray, " n"] = np.ones(len(variables.items), dtype=bool)
    for key in variables.group_keys:
        values = variables.group_values(key)
        if heldout and key in heldout:
            chosen = set(heldout[key])
        elif variables.heldout and key in variables.heldout:
            chosen = set(variables.heldout[key])
        else:
            chosen = _held_out_values(values, heldout_fraction, seed, key)
        held = np.array([value in chosen for value in values])
        is_test &= held
        is_train &= ~held
    targets = variables.targets()
    for name, mask in (("train", is_train), ("held-out", is_test)):
        if len(set(targets[mask].tolist())) < 2:
            raise RivalryError(
                f"the {name} part of '{variables.name}' has {int(mask.sum())} item(s) and fewer than two labels; "
                "add groups or change the held-out fraction"
            )
    return Split(train=np.flatnonzero(is_train), test=np.flatnonzero(is_test))
