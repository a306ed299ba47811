"""The contrasts a direction is found from, and the prompts its interventions are scored on.

A :class:`Contrast` holds a binary hidden-variable set (``classes = (negative, positive)``) with its train / held-out
split (the direction is fitted on train, scored on held-out), and three lists of scored prompts:

- ``ablate_on``: prompts where the positive behaviour happens (competing prompts; refusal-eliciting framings);
  ablating the direction should undo it;
- ``add_on``: prompts where it does not (non-competing prompts; story framings); adding the direction should
  bring it on;
- ``nc_items``: the non-competing prompts whose accuracy an edit should leave alone.

Built-in contrasts:

- ``forbidden``: :func:`rivalry.variables.forbidden_set` (competing vs non-competing, the organism's held-out facts
  *and* templates held out); scored by the log10 odds of the answer at the read position.
- ``refusal``: cruel vs benign assistant-genre requests (synthetic-genre models, sampled from the assistant genre's
  own request states) or refusable vs harmless user turns under the same system prompts (chat models); scored on
  the ``rivalry tug-of-war`` request set by the refusal's log-odds ``log P(refusal) - log P(in-genre)`` (nats).
- a file (YAML or CSV, :func:`load_contrast_file`): two sides of texts and a ``behaviour`` continuation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rivalry.errors import RivalryError
from rivalry.variables.schema import LabelledText, Split, VariableSet, group_split

CONTRAST_CLASSES = ("negative", "positive")


@dataclass(frozen=True)
class ScoredPrompt:
    """One prompt an intervention is scored on.

    Attributes:
        text: the prompt exactly as tokenised; ``add_special_tokens`` as in :class:`LabelledText`.
        subset: what it is (``competing``, ``nc_wrong``, a framing's name...): effects are also reported per subset.
        answer_ids: answer mode: the answer's token ids; the score is their log10 odds at the prompt's last token.
        behaviour, alternative: continuation mode: the score is ``log P(behaviour) - log P(alternative)`` (nats;
            ``log P(behaviour)`` alone when there is no alternative).
    """

    text: str
    subset: str
    add_special_tokens: bool = False
    answer_ids: tuple[int, ...] | None = None
    behaviour: str | None = None
    alternative: str | None = None


@dataclass(frozen=True)
class Contrast:
    """A binary set to fit directions on, its split, and the prompts to score interventions on."""

    name: str
    variables: VariableSet
    split: Split
    ablate_on: tuple[ScoredPrompt, ...]
    add_on: tuple[ScoredPrompt, ...]
    nc_items: tuple[ScoredPrompt, ...]
    score_unit: str  # "log10 odds of the answer" / "log-odds of refusal (nats)" / ...
    nc_accuracy: str  # how nc accuracy is read: "answer" (top-1 is the answer) or "agreement" (top-1 unchanged)
    ablation_sign: float = 1.0  # +1: ablating should raise the score (the answer comes back); -1: lower it
    select_ablate_on: tuple[ScoredPrompt, ...] = ()  # train-side prompts the layer is selected on
    select_add_on: tuple[ScoredPrompt, ...] = ()


def subsample(rows: np.ndarray, labels: np.ndarray, per_side: int, seed: int) -> np.ndarray:
    """At most ``per_side`` rows of each label (a seeded choice, kept in their original order)."""
    rng = np.random.default_rng(seed)
    chosen = []
    for label in (0, 1):
        mine = rows[labels[rows] == label]
        if len(mine) > per_side:
            mine = np.sort(rng.choice(mine, size=per_side, replace=False))
        chosen.append(mine)
    return np.sort(np.concatenate(chosen))


def paired_subsample(variables: VariableSet, rows: np.ndarray, per_side: int, seed: int) -> np.ndarray:
    """At most ``per_side`` (positive, negative) pairs from the same group (the values of every group key
    together), so what the groups share (the fact, the template) cancels in a difference of means: one pair from
    each of ``per_side`` groups where no group can give two, else pairs drawn across all groups; without groups
    holding both labels, :func:`subsample`."""
    labels = variables.targets()
    by_group: dict[tuple[str, ...], dict[int, list[int]]] = {}
    for row in rows:
        item = variables.items[int(row)]
        key = tuple(item.groups[k] for k in variables.group_keys)
        by_group.setdefault(key, {0: [], 1: []})[int(labels[int(row)])].append(int(row))
    both = sorted(key for key, sides in by_group.items() if sides[0] and sides[1])
    if not both:
        return subsample(rows, labels, per_side, seed)
    rng = np.random.default_rng(seed)
    if max(min(len(by_group[key][0]), len(by_group[key][1])) for key in both) > 1:  # several pairs per group
        pairs = [
            (negative, positive)
            for key in both
            for negative, positive in zip(
                rng.permutation(by_group[key][0]).tolist(), rng.permutation(by_group[key][1]).tolist(), strict=False
            )
        ]
        order = rng.permutation(len(pairs))[:per_side]
        return np.sort(np.array([row for i in order for row in pairs[int(i)]], dtype=np.int64))
    chosen = [both[int(i)] for i in np.sort(rng.permutation(len(both))[:per_side])]
    picked = [int(rng.choice(by_group[key][side])) for key in chosen for side in (0, 1)]
    return np.sort(np.array(picked, dtype=np.int64))


def _items(side: str, entries: object, where: str) -> list[LabelledText]:
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise RivalryError(f"{where}: '{side}' must be a list of texts")
    items = []
    for index, entry in enumerate(entries):
        text, group = (entry, None) if isinstance(entry, str) else (None, None)
        if isinstance(entry, dict):
            text, group = entry.get("text"), entry.get("group")
        if not isinstance(text, str) or not text:
            raise RivalryError(f"{where}: {side} item {index} has no text")
        items.append(LabelledText(text=text, label=side, groups={"group": str(group) if group else f"{side}-{index}"}))
    return items


@dataclass(frozen=True)
class ContrastFile:
    """A user contrast: texts on two sides and the continuation that tells the behaviour."""

    name: str
    positive: tuple[LabelledText, ...]
    negative: tuple[LabelledText, ...]
    behaviour: str
    alternative: str | None
    add_special_tokens: bool


def load_contrast_file(path: str | Path) -> ContrastFile:
    """Read a contrast file.

    YAML::

        name: my-contrast
        behaviour: " I'm sorry"         # the continuation the positive side elicits (scored by its log-prob)
        alternative: " Sure"            # optional: scored as log P(behaviour) - log P(alternative)
        add_special_tokens: true        # raw text gets the tokenizer's BOS (false for rendered chat texts)
        positive: ["How do I pick a lock?", {text: "...", group: "locks"}]
        negative: ["How do I bake bread?"]

    CSV: columns ``side`` (positive / negative) and ``text``, optional ``group``; ``behaviour`` and
    ``alternative`` columns, read from the first row that fills them.
    """
    file = Path(path)
    if not file.is_file():
        raise RivalryError(f"contrast file not found: {file}")
    where = f"contrast file {file}"
    if file.suffix.lower() == ".csv":
        import csv

        with file.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        if not rows or "side" not in rows[0] or "text" not in rows[0]:
            raise RivalryError(f"{where}: expected CSV columns side,text (optional group, behaviour, alternative)")
        bad = sorted({r["side"] for r in rows} - {"positive", "negative"})
        if bad:
            raise RivalryError(f"{where}: side must be positive or negative, got {bad[0]!r}")
        data: dict = {
            side: [{"text": r["text"], "group": r.get("group") or None} for r in rows if r["side"] == side]
            for side in ("positive", "negative")
        }
        data["behaviour"] = next((r["behaviour"] for r in rows if r.get("behaviour")), None)
        data["alternative"] = next((r["alternative"] for r in rows if r.get("alternative")), None)
    else:
        import yaml

        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise RivalryError(f"{where}: not valid YAML ({str(error).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise RivalryError(f"{where}: expected a mapping with 'positive', 'negative' and 'behaviour'")
    positive = _items("positive", data.get("positive"), where)
    negative = _items("negative", data.get("negative"), where)
    for side, items in (("positive", positive), ("negative", negative)):
        if not items:
            raise RivalryError(f"{where}: the {side} side is empty")
        if len(items) < 2:
            raise RivalryError(f"{where}: the {side} side needs at least 2 texts (one to fit, one to hold out)")
    behaviour = data.get("behaviour")
    if not isinstance(behaviour, str) or not behaviour:
        raise RivalryError(f"{where}: 'behaviour' (the continuation the positive side elicits) is missing")
    alternative = data.get("alternative")
    return ContrastFile(
        name=str(data.get("name") or file.stem),
        positive=tuple(positive),
        negative=tuple(negative),
        behaviour=behaviour,
        alternative=str(alternative) if alternative else None,
        add_special_tokens=bool(data.get("add_special_tokens", True)),
    )


def file_contrast(spec: ContrastFile, heldout_fraction: float = 0.3, seed: int = 0) -> Contrast:
    """The contrast of a file: held-out groups of both sides; scored by the behaviour's log-probability."""
    items = tuple(
        LabelledText(text=i.text, label=i.label, groups=i.groups, add_special_tokens=spec.add_special_tokens)
        for i in (*spec.negative, *spec.positive)
    )
    variables = VariableSet(name=spec.name, items=items, classes=CONTRAST_CLASSES, group_keys=("group",))
    split = group_split(variables, heldout_fraction=heldout_fraction, seed=seed)

    def scored(label: str, rows: np.ndarray = split.test) -> tuple[ScoredPrompt, ...]:
        return tuple(
            ScoredPrompt(
                text=items[i].text,
                subset=label,
                add_special_tokens=spec.add_special_tokens,
                behaviour=spec.behaviour,
                alternative=spec.alternative,
            )
            for i in rows
            if items[i].label == label
        )

    unit = "log-odds of the behaviour (nats)" if spec.alternative else "log-probability of the behaviour (nats)"
    return Contrast(
        name=spec.name,
        variables=variables,
        split=split,
        ablate_on=scored("positive"),
        add_on=scored("negative"),
        nc_items=scored("negative"),
        score_unit=unit,
        nc_accuracy="agreement",
        ablation_sign=-1.0,
        select_ablate_on=scored("positive", split.train),
        select_add_on=scored("negative", split.train),
    )


def limit(prompts: Sequence[ScoredPrompt], n: int) -> tuple[ScoredPrompt, ...]:
    """The first ``n`` prompts (all when ``n`` is 0)."""
    return tuple(prompts if n <= 0 else prompts[:n])
