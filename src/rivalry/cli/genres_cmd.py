"""``rivalry genres``: a model's posterior over genres token by token, and the synthetic model's validation."""

from __future__ import annotations

import argparse
from pathlib import Path

from rivalry.cli.common import add_model_options, load_model_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "genres",
        help="a model's posterior over genres, token by token",
        description="Scores a text after each genre's header in one batched forward pass and writes the posterior "
        "P(g | x_1..t) ∝ P(g) Π P(x_i | header_g, x_<i) after every token (genres.json, genres.csv, report.html). "
        "With --validate, checks the synthetic-genres model against the exact Bayesian posterior instead.",
    )
    text = parser.add_argument_group("text")
    text.add_argument("--text", default=None, help="the text to read")
    text.add_argument("--text-file", default=None, help="read the text from this UTF-8 file")
    text.add_argument("--chat", action="store_true", help="wrap the text as a user turn in the chat template")
    genres = parser.add_mutually_exclusive_group()
    genres.add_argument("--genres", default=None, help="genre-set YAML file (name, header, optional prior per genre)")
    genres.add_argument(
        "--genre-set",
        default=None,
        help="a shipped genre set (default: luigi-wario; the tags for the synthetic-genres model)",
    )
    parser.add_argument("--high", type=float, default=0.9, help="reversibility: confident at (default: %(default)s)")
    parser.add_argument("--low", type=float, default=0.5, help="reversibility: given up below (default: %(default)s)")
    check = parser.add_argument_group("validation")
    check.add_argument(
        "--validate", action="store_true", help="compare a synthetic-genre model with the exact posterior"
    )
    check.add_argument("--docs", type=int, default=512, help="held-out documents for --validate (default: 512)")
    check.add_argument("--seed", type=int, default=12345, help="seed of the --validate documents (default: 12345)")
    parser.add_argument(
        "--out", default=None, help="output directory (default: runs/genres-posterior, or runs/genres-validation)"
    )
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError
    from rivalry.genres.run import synthetic_directory

    if args.validate:
        if args.text is not None or args.text_file is not None or args.genres or args.genre_set or args.chat:
            raise RivalryError("--validate takes no text or genres")
        directory = synthetic_directory(args.model)
        if directory is None:
            raise RivalryError(
                f"--validate needs a synthetic-genre model (synthetic-genres, or a directory holding "
                f"synthetic_config.json); '{args.model}' is not one"
            )
        return _validate(args, directory)
    return _posterior(args)


def _validate(args: argparse.Namespace, directory: Path) -> int:
    from rivalry.genres.run import VALIDATION_KEYS, run_validation, write_validation

    lm = load_model_from_args(args)
    results = run_validation(lm, directory, n_docs=args.docs, seed=args.seed)
    path = write_validation(results, args.out or "runs/genres-validation")
    for key in VALIDATION_KEYS:
        print(f"{key}: {results[key]:.4f}")
    print(f"model final accuracy {results['model_final_accuracy']:.3f} (exact {results['exact_final_accuracy']:.3f})")
    print(f"wrote {path}")
    return 0


def _read_text(args: argparse.Namespace) -> str:
    from rivalry.errors import RivalryError

    if (args.text is None) == (args.text_file is None):
        raise RivalryError("give the text with exactly one of --text or --text-file (or use --validate)")
    if args.text is not None:
        return args.text
    path = Path(args.text_file)
    if not path.is_file():
        raise RivalryError(f"text file not found: {path}")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RivalryError(f"text file {path} is not UTF-8") from None


def _posterior(args: argparse.Namespace) -> int:
    from rivalry.genres.headers import DEFAULT_GENRE_SET, builtin_genre_set, load_genre_set
    from rivalry.genres.report import build_genres_report
    from rivalry.genres.run import run_genres, synthetic_directory, synthetic_generator, synthetic_genre_set

    text = _read_text(args)
    genre_set = load_genre_set(args.genres) if args.genres else None
    if args.genre_set:
        genre_set = builtin_genre_set(args.genre_set)
    lm = load_model_from_args(args)
    if genre_set is None:
        directory = synthetic_directory(args.model)
        genre_set = (
            synthetic_genre_set(synthetic_generator(directory)) if directory else builtin_genre_set(DEFAULT_GENRE_SET)
        )
    result = run_genres(lm, genre_set, text, chat=args.chat, high=args.high, low=args.low)
    out = Path(args.out or "runs/genres-posterior")
    json_path, csv_path = result.write(out)
    report = build_genres_report(result, out)
    if result.unknown_tokens:
        print(f"note: {result.unknown_tokens} of {len(result.tokens)} tokens are unknown to the tokenizer")
    final = ", ".join(f"{name} {p:.3f}" for name, p in result.final().items())
    print(f"P(genre | {len(result.tokens)} tokens): {final}")
    print(f"wrote {json_path}, {csv_path}")
    print(f"report: {report}")
    return 0
