"""The shipped hidden-variable sets besides ``forbidden``: ``genre``, ``eval-deploy`` and ``persona``.

- ``genre``: untagged documents sampled from a synthetic corpus (:class:`~rivalry.genres.synthetic.GenreGenerator`);
  the label is the document's genre and the continuous target after every token is the exact Bayesian posterior
  P(g | x_1..t) of the generator (the BOS token's target is the prior).
- ``eval-deploy``: requests framed as benchmark items or as real users' messages (``data/variables/eval_deploy.yaml``),
  rendered as one user turn through the model's chat template; groups ``request`` and ``framing``.
- ``persona``: a scene with the kind hero and his evil twin, then one unnamed brother speaks
  (``data/variables/persona.yaml``); groups ``scene`` and ``line``.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from transformers import PreTrainedTokenizerBase

from rivalry.errors import RivalryError
from rivalry.genres.synthetic import GenreGenerator
from rivalry.prompts.chat import ChatTurns, render_chat
from rivalry.variables.schema import LabelledText, VariableSet

EVAL_DEPLOY_CLASSES = ("deploy", "eval")  # (negative, positive): AUROC is of "this is an evaluation"
PERSONA_CLASSES = ("hero", "twin")


def data_file(name: str) -> Path:
    """A shipped data file of the hidden-variable sets (``src/rivalry/data/variables/<name>``)."""
    return Path(str(resources.files("rivalry") / "data" / "variables" / name))


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RivalryError(f"{path} is not a mapping")
    return data


def _ranked(values: list[str], seed: int, key: str) -> list[str]:
    return sorted(values, key=lambda v: hashlib.sha256(f"{seed}:{key}:{v}".encode()).digest())


def genre_set(
    generator: GenreGenerator,
    tokenizer: PreTrainedTokenizerBase,
    n_texts: int = 256,
    seed: int = 0,
) -> VariableSet:
    """``n_texts`` untagged documents of ``generator`` with their exact genre posterior after every token.

    Each text is the document's words joined by spaces (raw text: the tokenizer adds ``<bos>``, so token ``t``
    is word ``t`` and token 0 is ``<bos>``). ``token_targets[i][t]`` is ``exp(exact_log_posterior)[:, t - 1]``,
    the posterior after ``t`` words, and the prior at ``t = 0``. Groups: ``text`` (each document its own group).
    """
    if n_texts < 4:
        raise RivalryError(f"the genre set needs at least 4 texts, got {n_texts}")
    docs = generator.sample(n_texts, np.random.default_rng([seed, 7]))
    words = docs.words
    posterior = np.exp(generator.exact_log_posterior(words))  # [doc, genre, length]
    items, targets = [], []
    for i in range(n_texts):
        text = " ".join(generator.words[w] for w in words[i])
        ids = tokenizer(text, add_special_tokens=True)["input_ids"]
        if len(ids) != words.shape[1] + 1 or ids[0] != tokenizer.bos_token_id:
            raise RivalryError("the genre set needs the synthetic model's word tokenizer (<bos> and one token a word)")
        target = np.concatenate([generator.prior[None, :], posterior[i].T], axis=0)
        items.append(
            LabelledText(
                text=text,
                label=generator.genres[int(docs.genres[i])],
                groups={"text": f"{i:04d}"},
                fields={"genre": generator.genres[int(docs.genres[i])]},
                add_special_tokens=True,
            )
        )
        targets.append(target.astype(np.float64))
    return VariableSet(
        name="genre",
        items=tuple(items),
        classes=generator.genres,
        group_keys=("text",),
        description="synthetic documents; the target is the exact Bayesian genre posterior after every token",
        read_at="all",
        token_targets=tuple(targets),
    )


def eval_deploy_set(
    tokenizer: PreTrainedTokenizerBase, path: Path | None = None, seed: int = 0, n_requests: int | None = None
) -> VariableSet:
    """Every request (the first ``n_requests``; None: all) in every framing of both sides, rendered as a user turn
    (the chat template's generation prompt appended); the default held-out groups are two framings of each side
    and 30 % of the requests."""
    path = path or data_file("eval_deploy.yaml")
    data = _read_yaml(path)
    requests = [str(r) for r in data["requests"]][:n_requests]
    framings = {
        side: [(str(f["name"]), str(f["template"])) for f in data["framings"][side]] for side in ("eval", "deploy")
    }
    items = []
    for side, side_framings in framings.items():
        for framing, template in side_framings:
            for index, request in enumerate(requests):
                text = render_chat(tokenizer, ChatTurns(system=None, user=template.replace("{request}", request)))
                items.append(
                    LabelledText(
                        text=text,
                        label=side,
                        groups={"request": f"r{index:03d}", "framing": f"{side}:{framing}"},
                        fields={"request": request, "framing": framing, "side": side},
                    )
                )
    request_ids = [f"r{i:03d}" for i in range(len(requests))]
    held_framings = [
        f"{side}:{name}"
        for side, side_framings in framings.items()
        for name in _ranked([name for name, _ in side_framings], seed, side)[:2]
    ]
    held_requests = _ranked(request_ids, seed, "request")[: round(0.3 * len(request_ids))]
    return VariableSet(
        name="eval-deploy",
        items=tuple(items),
        classes=EVAL_DEPLOY_CLASSES,
        group_keys=("request", "framing"),
        description=str(data.get("description", "")),
        heldout={"request": tuple(held_requests), "framing": tuple(held_framings)},
    )


def persona_set(path: Path | None = None, seed: int = 0, n_scenes: int | None = None) -> VariableSet:
    """Every scene (the first ``n_scenes``; None: all) with every line pair's hero and twin version (raw text,
    read at the last token); the default held-out groups are 30 % of the scenes and 30 % of the line pairs."""
    path = path or data_file("persona.yaml")
    data = _read_yaml(path)
    template = str(data["template"])
    scenes = [str(s) for s in data["scenes"]][:n_scenes]
    items = []
    for s, scene in enumerate(scenes):
        for p, pair in enumerate(data["lines"]):
            for label in PERSONA_CLASSES:
                items.append(
                    LabelledText(
                        text=template.replace("{scene}", scene).replace("{line}", str(pair[label])),
                        label=label,
                        groups={"scene": f"s{s:02d}", "line": f"l{p:02d}"},
                        fields={"speaker": label},
                        add_special_tokens=True,
                    )
                )
    scene_ids = [f"s{s:02d}" for s in range(len(scenes))]
    line_ids = [f"l{p:02d}" for p in range(len(data["lines"]))]
    return VariableSet(
        name="persona",
        items=tuple(items),
        classes=PERSONA_CLASSES,
        group_keys=("scene", "line"),
        description=str(data.get("description", "")),
        heldout={
            "scene": tuple(_ranked(scene_ids, seed, "scene")[: round(0.3 * len(scene_ids))]),
            "line": tuple(_ranked(line_ids, seed, "line")[: round(0.3 * len(line_ids))]),
        },
    )
