"""Inputs of base vs tuned for the synthetic pair (``synthetic-genres`` vs ``synthetic-genres-assistant``).

:class:`~.config.BaseVsTunedConfig` uses them when its prompt style is ``synthetic`` (``auto`` picks that style for
a synthetic-genre base):

- **Neutral texts**: untagged samples of each genre from the generator (hero, twin, encyclopedia and dialogue of
  the base corpus, and the assistant genre), stored in ``data/synthetic/neutral_texts.yaml`` so the
  tables are reproducible from stored inputs; :func:`synthetic_neutral_texts` regenerates that file exactly.
- **Mode collapse, synthetic analogue**: the vocabulary has no numbers, so "pick a random number" becomes "pick
  a character" and "name a place" in the assistant genre's format (``<bos> user : ... assistant :``); the
  candidates are the ten names and ten place words, each one token, scored as the assistant's first word and
  renormalised over the candidates.
- **Diversity**: three open requests in the same format, sampled and scored by EAD like the real pair's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rivalry.genres.assistant import assistant_hmm
from rivalry.genres.synthetic import WORD_GROUPS, GenreGenerator, SyntheticConfig

SYNTHETIC_NEUTRAL_TEXTS = Path(__file__).resolve().parents[2] / "data" / "synthetic" / "neutral_texts.yaml"
SYNTHETIC_QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "character": ("please tell me a character .", ("luigi", "wario", *WORD_GROUPS["heroes"], *WORD_GROUPS["villains"])),
    "place": (
        "tell me what you saw .",
        ("forest", "castle", "village", "river", "mountain", "garden", "bridge", "sky", "road", "home"),
    ),
}
SYNTHETIC_OPEN_PROMPTS = (
    "could you explain the history of the castle ?",
    "tell me how the king found the village .",
    "please tell me a character .",
)


def synthetic_neutral_texts(
    per_genre: int = 4, seed: int = 0, config: SyntheticConfig | None = None
) -> dict[str, list[str]]:
    """``per_genre`` untagged documents of every base genre and of the assistant genre, as text (seeded)."""
    generator = GenreGenerator(config or SyntheticConfig())
    rng = np.random.default_rng(seed)
    hmms = {**dict(zip(generator.genres, generator.hmms, strict=True)), "assistant": assistant_hmm(generator.config)}
    return {
        genre: [
            " ".join(generator.words[w] for w in row) for row in hmm.sample(per_genre, generator.config.doc_length, rng)
        ]
        for genre, hmm in hmms.items()
    }


def write_synthetic_neutral_texts(
    path: Path | str = SYNTHETIC_NEUTRAL_TEXTS, per_genre: int = 4, seed: int = 0
) -> Path:
    """Write :func:`synthetic_neutral_texts` as the YAML file :func:`~.config.load_neutral_texts` reads."""
    import yaml

    path = Path(path)
    header = (
        "# Neutral texts of the synthetic pair for `rivalry base-vs-tuned`: untagged samples of each genre from the\n"
        f"# generator, written by rivalry.experiments.base_vs_tuned.synthetic_pair.write_synthetic_neutral_texts"
        f"(per_genre={per_genre}, seed={seed}).\n"
    )
    body = yaml.safe_dump(synthetic_neutral_texts(per_genre, seed), sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")
    return path

