"""The sentiment model's commands (LIS-2): rebuild the shipped weights, measure them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.errors import CliError, ExitCode

sentiment_app = typer.Typer(help="The sentiment model (LIS-2): train, eval.", no_args_is_help=True)


def _corpora(given: list[Path] | None) -> list[Path]:
    from shared.listening.sentiment import training

    return [*(given or []), *training.default_search()]


CorporaOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--corpora",
        help="A folder holding the manifest's corpora (repeatable); then $SMM_CORPORA, "
        ".data/corpora and ../shared/sentiment are searched",
    ),
]


@sentiment_app.command("train")
def sentiment_train(
    corpora: CorporaOption = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the weights")] = None,
) -> None:
    """Rebuild the shipped weights from the corpora the manifest names.

    The corpora's checksums are checked first.

    Example:
      smm sentiment train --corpora ~/corpora
    """
    from shared.listening.sentiment import ARTIFACT, training

    target = out or ARTIFACT
    try:
        metadata = training.train(_corpora(corpora), target)
    except training.CorpusError as exc:
        raise CliError(str(exc), ExitCode.refused) from None
    typer.echo(f"wrote {target} ({target.stat().st_size / 2**20:.1f} MiB)")
    for language, figures in metadata["held_out"].items():
        typer.echo(
            f"{language}: {figures['train']} posts trained on, {figures['dev']} held out, "
            f"dev macro-F1 {figures['dev_macro_f1']:.3f}, {figures['features']} features"
        )


@sentiment_app.command("eval")
def sentiment_eval(
    corpora: CorporaOption = None,
    labelled: Annotated[
        list[Path] | None,
        typer.Option(
            "--set",
            help="A JSONL file of {text, label} posts to add (repeatable), named LANG:PATH "
            "or PATH (language taken from a fr/en prefix of its name)",
        ),
    ] = None,
) -> None:
    """Measure the analyser beside stock VADER: macro-F1, per-class F1, confusion.

    On the training corpora's held-out splits, the posts in data/sentiment and any --set.

    Example:
      smm sentiment eval --set fr:mine.jsonl
    """
    from shared.listening import evaluation
    from shared.listening.sentiment import Language

    sets = evaluation.held_out_sets(_corpora(corpora)) + evaluation.product_sets()
    for path in labelled or []:
        text = str(path)
        code, _, rest = text.partition(":")
        if rest and code in ("fr", "en"):
            language, path = Language(code), Path(rest)
        else:
            language = Language.fr if path.name.startswith("fr") else Language.en
        sets.append(evaluation.read_set(path.name, language, path))
    typer.echo(evaluation.table([evaluation.evaluate(s) for s in sets]))
