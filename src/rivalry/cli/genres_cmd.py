"""``rivalry genres``: a model's posterior over genres token by token, and the synthetic model's validation."""

from __future__ import annotations

import argparse

from rivalry.cli.common import add_model_options, add_run_options, load_model_from_args, prepare_output
from rivalry.cli.config_args import add_config_arguments, config_from_args
from rivalry.experiments.genre_posterior.config import GenrePosteriorConfig
from rivalry.experiments.genre_validation.config import GenreValidationConfig

POSTERIOR_OUT = "runs/genres-posterior"
VALIDATION_OUT = "runs/genres-validation"
POSTERIOR_ONLY = ("text", "text_file", "chat", "genre_set", "high", "low")
VALIDATION_ONLY = ("n_docs", "seed", "min_tokens", "n_baseline_docs", "batch_docs")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "genres",
        help="a model's posterior over genres, token by token",
        description="Scores a text after each genre's header in one batched forward pass and writes the posterior "
        "P(g | x_1..t) ∝ P(g) Π P(x_i | header_g, x_<i) after every token (genres.json, genres.safetensors, "
        "genres.csv, report.html). With --validate, checks a synthetic-genre model against the exact Bayesian "
        "posterior instead (genre_validation.json, report.html).",
        conflict_handler="resolve",  # both configs add --config; one flag serves the mode in use
    )
    add_config_arguments(parser, GenrePosteriorConfig)
    parser.add_argument(
        "--genres",
        dest="genre_set",
        default=argparse.SUPPRESS,
        metavar="FILE.yaml",
        help="genre-set YAML file (name, header, optional prior per genre); the same as --genre-set FILE.yaml",
    )
    check = parser.add_argument_group("validation")
    check.add_argument(
        "--validate", action="store_true", help="compare a synthetic-genre model with the exact posterior"
    )
    add_config_arguments(parser, GenreValidationConfig, rename={"n_docs": "docs"})
    add_run_options(parser, POSTERIOR_OUT, resumable=False)
    for action in parser._actions:  # one --out, two defaults
        if action.dest == "out":
            action.default = None
            action.help = f"output directory (default: {POSTERIOR_OUT}, or {VALIDATION_OUT} with --validate)"
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rivalry.errors import RivalryError

    given = set(vars(args))
    if args.validate:
        if given & set(POSTERIOR_ONLY):
            raise RivalryError("--validate takes no text or genres")
        return _validate(args)
    extra = sorted(given & set(VALIDATION_ONLY))
    if extra:
        flag = {"n_docs": "docs"}.get(extra[0], extra[0]).replace("_", "-")
        raise RivalryError(f"--{flag} is a setting of --validate")
    return _posterior(args)


def _validate(args: argparse.Namespace) -> int:
    from rivalry.cli.common import save_with_report
    from rivalry.errors import RivalryError
    from rivalry.experiments.genre_validation import run as run_validation
    from rivalry.genres.synthetic_models import synthetic_directory
    from rivalry.report.genre_validation import report

    config = config_from_args(GenreValidationConfig, args)
    if synthetic_directory(args.model) is None:
        raise RivalryError(
            f"--validate needs a synthetic-genre model (synthetic-genres, or a directory holding "
            f"synthetic_config.json); '{args.model}' is not one"
        )
    args.out = args.out or VALIDATION_OUT
    prepare_output(args)
    lm = load_model_from_args(args)
    result = run_validation(lm, config)
    page = save_with_report(result, report(result), args.out)
    for line in result.summary_lines():
        print(line)
    print(f"wrote {args.out}/{result.MAIN_FILE}")
    print(f"report: {page}")
    return 0


def _posterior(args: argparse.Namespace) -> int:
    from rivalry.cli.common import save_with_report
    from rivalry.experiments.genre_posterior import run as run_posterior
    from rivalry.report.genre_posterior import report

    config = config_from_args(GenrePosteriorConfig, args)
    config.check_inputs()  # a missing text file or a bad genre set fails before the model loads
    args.out = args.out or POSTERIOR_OUT
    prepare_output(args)
    lm = load_model_from_args(args)
    result = run_posterior(lm, config)
    page = save_with_report(result, report(result), args.out)
    if result.unknown_tokens:
        print(f"note: {result.unknown_tokens} of {len(result.tokens)} tokens are unknown to the tokenizer")
    print(result.summary_line())
    print(f"wrote {args.out}/{result.MAIN_FILE}, {args.out}/genres.csv")
    print(f"report: {page}")
    return 0
