"""``tokendeck grade``: the typed-answer grader for scripting and evaluation.

Needs no collection. The models (the answer judge, or the
embedding model behind it) load only if an answer needs a meaning check;
without them the grader falls back to key concepts and says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.grading import Grader


@click.command("grade")
@click.option("--expected", "-e", metavar="TEXT", help="The reference answer.")
@click.option("--answer", "-a", metavar="TEXT", help="The typed answer to grade.")
@click.option(
    "--accept", multiple=True, metavar="TEXT", help="Another accepted answer (repeatable)."
)
@click.option(
    "--batch",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with columns reference_answer,student_answer (and optionally question): "
    "one score per row.",
)
@click.option(
    "--question", "-q", metavar="TEXT", default="", help="What was asked (a card's front)."
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option(
    "--lexical", is_flag=True, help="Skip the embedding model (key concepts and typos only)."
)
def grade(
    expected: str | None,
    answer: str | None,
    accept: tuple[str, ...],
    batch: Path | None,
    question: str,
    as_json: bool,
    lexical: bool,
) -> None:
    """Grade a typed answer against the expected one, by meaning.

    \b
    Examples:
      tokendeck grade --expected Canberra --answer Sydney
      tokendeck grade -e "inpainting / in-painting" -a "in painting" --json
      tokendeck grade -q "What is osmosis?" -e "Water crossing a membrane." -a "water moving"
      tokendeck grade --batch answers.csv --json
    """
    from tokendeck.grading import Grader

    grader = Grader(use_embeddings=not lexical)
    if batch is not None:
        if expected is not None or answer is not None:
            raise ValidationError("give either --batch or --expected/--answer, not both")
        _grade_batch(grader, batch, as_json)
        return
    if expected is None or answer is None:
        raise ValidationError(
            "both --expected and --answer are needed",
            hint='e.g. tokendeck grade --expected "Canberra" --answer "Sydney"',
        )
    result = grader.grade(expected, answer, accepted=accept, question=question)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    sure = "  (not sure: rate yourself)" if result.self_rate else ""
    click.echo(
        f"{result.verdict}  score {result.score:.2f}  rating {result.rating}  "
        f"confidence {result.confidence:.2f}{sure}"
    )
    click.echo(result.explanation)
    for note in result.notes:
        click.echo(f"Note: {note}")


def _grade_batch(grader: Grader, path: Path, as_json: bool) -> None:
    from tokendeck.grading.batch import read_batch

    rows = read_batch(path)
    results = [
        (row, grader.grade(row.reference, row.answer, question=row.question)) for row in rows
    ]
    if as_json:
        out = [{"line": row.line, **row.extra, **r.to_dict()} for row, r in results]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for _row, r in results:
            click.echo(f"{r.score:.3f}\t{r.verdict}\t{r.stage}")
    labelled = [(row.extra.get("label", "").strip(), r) for row, r in results]
    if labelled and all(label for label, _ in labelled):
        agree = sum(1 for label, r in labelled if label == str(r.verdict))
        click.echo(f"Agreement with the label column: {agree}/{len(labelled)}", err=True)
