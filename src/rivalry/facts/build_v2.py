"""Build the shipped v2 fact set (``rivalry/data/facts_v2.jsonl``) from the tables in ``v2_world`` and ``v2_nature``.

``python -m rivalry.facts.build_v2 [--out FILE] [--check]`` writes the file (or, with ``--check``, says whether
the shipped one is what the tables give). Steps, all deterministic:

1. Each table row becomes a fact: ``prompt = template.format(s=subject, x=extra)``; the fact id is
   ``<relation>_<slug of the subject and extra>``. A subject marked ``!`` takes no article: ``"The {s}"``
   becomes ``"Hyde Park"``, not ``"The Hyde Park"``.
2. The wrong answer is the row's own (``answer | wrong``), else the relation's ``WRONG_BY_ANSWER`` entry, else one
   of the relation's other answers, picked by a SHA-256 hash of the fact id.
3. A fact is kept only if its answer and its wrong answer are each one token after a space for SmolLM2's
   tokenizer (what the obedience tuning trains on and what forbidden facts reads), and it is not a fact of the v1
   set (same subject and answer), so training on v2 never sees a v1 held-out fact.

The tokenizer comes in as an argument, so :func:`build_facts` needs no model and tests can call it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from transformers import PreTrainedTokenizerBase

from rivalry.facts.dataset import Fact, load_facts
from rivalry.facts.v2_language import LANGUAGE_TABLES
from rivalry.facts.v2_nature import NATURE_TABLES
from rivalry.facts.v2_world import WORLD_TABLES

TABLES: tuple[tuple[str, str, str], ...] = WORLD_TABLES + NATURE_TABLES + LANGUAGE_TABLES

# Wrong answers by answer where the relation's other answers could also be true of a subject
# (a physicist who was also a mathematician; a jazz trumpeter who also sang).
WRONG_BY_ANSWER: dict[str, dict[str, str]] = {
    "person_profession": {
        "painter": "composer", "sculptor": "composer", "composer": "painter", "physicist": "painter",
        "astronomer": "composer", "philosopher": "composer", "mathematician": "painter", "poet": "physicist",
        "architect": "composer", "explorer": "composer", "singer": "physicist", "actor": "physicist",
        "chemist": "painter", "boxer": "poet",
    },
    "athlete_sport": {
        "basketball": "tennis", "tennis": "golf", "golf": "tennis", "baseball": "cricket", "hockey": "basketball",
        "cricket": "baseball", "chess": "tennis", "swimming": "cycling", "boxing": "tennis", "cycling": "swimming",
        "gymnastics": "swimming", "skateboarding": "surfing", "surfing": "skateboarding",
    },
    "musician_instrument": {
        "guitar": "piano", "trumpet": "saxophone", "saxophone": "trumpet", "cello": "violin", "violin": "cello",
        "piano": "guitar", "drums": "piano", "sitar": "guitar", "clarinet": "trumpet", "bass": "drums",
        "harmonica": "piano",
    },
}  # fmt: skip

# Answers that could stand for one another (an opposite of "up" is "down" and also "below"): a wrong answer drawn
# from the pool never comes from the true answer's group.
CLOSE_ANSWERS: dict[str, tuple[frozenset[str], ...]] = {
    "opposite_word": tuple(frozenset(group.split()) for group in (
        "small tiny short little", "end finish last stop", "big huge large", "go depart exit leave", "less few",
        "bad worst", "sad cry", "lose fail defeat failure negative", "difficult hard", "old ancient",
        "young modern new", "down below low bottom", "after late future", "dark black night evening sunset",
        "light white day", "outside external exit", "cold winter", "slow backward", "cruel rude", "hate enemy",
        "reject exclude", "stupid", "ugly", "quiet", "dirty", "weak", "closed", "empty", "sink",
    )),
    "workplace": (frozenset({"hospital", "pharmacy"}), frozenset({"kitchen", "restaurant", "bar", "cafe"})),
}  # fmt: skip


def _close(relation: str, answer: str, other: str) -> bool:
    return any(answer in group and other in group for group in CLOSE_ANSWERS.get(relation, ()))


def parse_rows(text: str) -> list[tuple[str, str, str, str | None]]:
    """``(subject, extra, answer, wrong or None)`` for each item of a table.

    Items are separated by ``;``; a piece without ``=`` is a subject whose extra slot follows (``Emma ; Jane =
    Austen``).
    """
    rows: list[tuple[str, str, str, str | None]] = []
    for line in text.strip().splitlines():
        pending: list[str] = []
        for piece in line.split(";"):
            if "=" not in piece:
                pending.append(piece.strip())
                continue
            left, right = piece.split("=", 1)
            answer, _, wrong = (part.strip() for part in right.partition("|"))
            names = [*pending, left.strip()]
            rows.append((names[0], " ".join(names[1:]), answer, wrong or None))
            pending = []
        if pending:
            raise ValueError(f"table line ends without '= answer': {line.strip()!r}")
    return rows


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def is_one_token(tokenizer: PreTrainedTokenizerBase, word: str) -> bool:
    return len(tokenizer(" " + word, add_special_tokens=False)["input_ids"]) == 1


def _pick(fact_id: str, options: Sequence[str]) -> str:
    digest = hashlib.sha256(fact_id.encode()).digest()
    return options[int.from_bytes(digest[:8], "big") % len(options)]


def build_facts(tokenizer: PreTrainedTokenizerBase, v1: Sequence[Fact] | None = None) -> list[Fact]:
    """The v2 facts, in table order (see the module docstring for the rules)."""
    v1 = load_facts() if v1 is None else v1
    known = {(f.subject.casefold(), f.answer.casefold()) for f in v1}
    facts: list[Fact] = []
    seen: set[str] = set()
    for relation, template, text in TABLES:
        rows = parse_rows(text)
        pool = sorted({answer for _, _, answer, _ in rows if is_one_token(tokenizer, answer)})
        for marked, extra, answer, wrong in rows:
            subject = marked.lstrip("!")
            fact_id = f"{relation}_{slug(subject + ' ' + extra)}"
            while fact_id in seen:
                fact_id += "_2"
            if wrong is None:
                wrong = WRONG_BY_ANSWER.get(relation, {}).get(answer)
            if wrong is None:
                others = [a for a in pool if a.casefold() != answer.casefold() and not _close(relation, answer, a)]
                wrong = _pick(fact_id, others) if others else None
            if wrong is None or not (is_one_token(tokenizer, answer) and is_one_token(tokenizer, wrong)):
                continue
            if (subject.casefold(), answer.casefold()) in known:
                continue
            seen.add(fact_id)
            prompt = template.format(s=marked, x=extra).replace("The !", "").strip()
            facts.append(Fact(fact_id, relation, subject, prompt, answer, wrong))
    return facts


def facts_jsonl(facts: Sequence[Fact]) -> str:
    keys = ("fact_id", "relation", "subject", "prompt", "answer", "wrong_answer")
    return "".join(
        json.dumps({k: getattr(f, k) for k in keys}, ensure_ascii=False, allow_nan=False) + "\n" for f in facts
    )


def main(argv: Sequence[str] | None = None) -> int:
    from rivalry.models.embedded import smollm2_directory

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = Path(__file__).resolve().parent.parent / "data" / "facts_v2.jsonl"
    parser.add_argument("--out", type=Path, default=default)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(smollm2_directory()))
    text = facts_jsonl(build_facts(tokenizer))
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from the tables'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10))} facts to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
