"""``rivalry base-vs-tuned``: prior shift, mode collapse and output diversity of a tuned model against its base."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "base-vs-tuned",
        help="what tuning did: prior shift, mode collapse, diversity",
        description="Compares a tuned model with its base: mean KL(base || tuned) on neutral texts of each genre, "
        "the answer distributions of 'pick a random number' and a die roll (each answer scored exactly), the "
        "expectation-adjusted distinct n-grams of sampled answers, and the genre posterior of both models on the "
        "same texts (base_vs_tuned.json, mode_collapse.csv, report.html). For a synthetic-genre pair "
        "(synthetic-genres vs synthetic-genres-assistant) the texts are stored generator samples and the questions "
        "synthetic analogues in the assistant genre's format.",
    )
    parser.add_argument("--base", default="smollm2", help="the base model (default: %(default)s)")
    parser.add_argument("--tuned", default="smollm2-obedient", help="the tuned model (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=16, help="samples per open prompt (default: %(default)s)")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="tokens per sample (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default: %(default)s)")
    parser.add_argument(
        "--neutral-texts",
        default=None,
        help="YAML of genre -> texts (default: the shipped texts; for synthetic models the stored generator samples)",
    )
    parser.add_argument(
        "--genre-set",
        default=None,
        help="shipped genre set of the genre-posterior shift (default: luigi-wario; the tags for synthetic models)",
    )
    parser.add_argument("--out", default="runs/base-vs-tuned", help="output directory (default: %(default)s)")
    add_model_options(parser, default=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.genres.tuning import BaseVsTunedConfig, run_base_vs_tuned, write_base_vs_tuned

    if args.model is not None:
        raise RivalryError("base-vs-tuned takes --base and --tuned, not --model")
    from rivalry.genres.headers import DEFAULT_GENRE_SET, builtin_genre_set
    from rivalry.genres.run import corpus_tag_genre_set, synthetic_directory
    from rivalry.genres.tuning.compare import load_neutral_texts
    from rivalry.genres.tuning.synthetic_pair import SYNTHETIC_NEUTRAL_TEXTS, synthetic_base_vs_tuned_config

    directory = synthetic_directory(args.base)
    if directory is not None:  # the synthetic pair: stored generator samples, assistant-genre prompts, the tags
        config = synthetic_base_vs_tuned_config(args.samples, args.max_new_tokens, args.seed)
        texts = load_neutral_texts(args.neutral_texts or SYNTHETIC_NEUTRAL_TEXTS)
        genre_set = builtin_genre_set(args.genre_set) if args.genre_set else corpus_tag_genre_set(directory)
    else:
        config = BaseVsTunedConfig(samples=args.samples, max_new_tokens=args.max_new_tokens, seed=args.seed)
        texts = load_neutral_texts(args.neutral_texts) if args.neutral_texts else load_neutral_texts()
        genre_set = builtin_genre_set(args.genre_set or DEFAULT_GENRE_SET)
    base = load_model_from_args(args, args.base)
    tuned = load_model_from_args(args, args.tuned)
    results = run_base_vs_tuned(base, tuned, config, neutral_texts=texts, genre_set=genre_set)
    out = write_base_vs_tuned(results, args.out)
    from rivalry.genres.tuning.report import summary_lines

    for line in summary_lines(results):
        print(line)
    print(f"wrote {out}")
    return 0
