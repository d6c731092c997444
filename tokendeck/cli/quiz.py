"""``tokendeck learn``, ``quiz test``, ``cloze suggest``, ``lint`` and ``related``.

Thin front-ends over the collection facade (:mod:`tokendeck.collection.quizzes`): every
answered question is recorded with ``Collection.answer`` and an Attempt.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import click

from tokendeck.cli import asking
from tokendeck.cli.output import echo_json
from tokendeck.cli.state import state
from tokendeck.domain.cards import Rating
from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.collection import Collection
    from tokendeck.quiz.marking import Mark
    from tokendeck.quiz.practice_test import PracticeTest


def _rng(seed: int | None) -> random.Random:
    return random.Random(seed)


# -- learn ---------------------------------------------------------------------------------------
@click.command("learn")
@click.argument("deck", required=False)
@click.option("-n", "limit", type=int, default=20, show_default=True, help="Cards to study.")
@click.option("--seed", type=int, help="Seed for the question choices (for repeatable runs).")
@click.option(
    "--formats",
    "formats_text",
    default="",
    metavar="F,F",
    help="Only these formats (e.g. typed,reverse); default: chosen per card by Learn mode.",
)
@click.option("--plain", is_flag=True, help="Ask at line prompts even in a terminal.")
@click.option("--theme", metavar="NAME", help="Textual theme of the full-screen session.")
def learn(
    deck: str | None,
    limit: int,
    seed: int | None,
    formats_text: str,
    plain: bool,
    theme: str | None,
) -> None:
    """Learn mode: due cards asked in formats that follow how well you know them.

    New and shaky cards come as multiple choice or true / false, then as
    "which of these is X, not Y?", then as typed recall (graded by meaning).
    After each answer, Enter accepts the suggested rating, 1-4 overrides it.
    In a terminal this runs full-screen; piped or with --plain it asks at
    line prompts.

    \b
    Example:
      tokendeck learn "LLM Vocabulary" -n 10
      tokendeck learn --formats typed
    """
    from tokendeck.tui.picking import check_formats, pick_question

    cli_state = state()
    col = cli_state.collection()
    formats = check_formats([f.strip() for f in formats_text.split(",") if f.strip()])
    if deck is not None:
        deck = col.deck(deck).name  # NotFoundError lists the decks there are
    if not plain and sys.stdin.isatty() and sys.stdout.isatty():
        _learn_full_screen(col, deck, limit, _rng(seed), formats, theme)
        return
    rng = _rng(seed)
    done = 0
    while done < limit:
        now = cli_state.now()
        view = col.next_learn_card(now, deck)
        if view is None:
            _nothing_due(col, now, deck)
            break
        question = pick_question(col, view.id, now=now, rng=rng, formats=formats)
        asking.show(question)
        started = time.monotonic()
        response = asking.read_response(question)
        elapsed = time.monotonic() - started
        marks = col.grade_question(question, response, elapsed_s=elapsed)
        _record(col, marks, cli_state.now(), elapsed, ask_override=not question.self_rated)
        done += 1
    click.echo(f"\nStudied {done} card{'s' if done != 1 else ''}.")


def _learn_full_screen(
    col: Collection,
    deck: str | None,
    limit: int,
    rng: random.Random,
    formats: tuple[str, ...],
    theme: str | None,
) -> None:
    from tokendeck.tui.app import StudyApp
    from tokendeck.tui.session import format_summary

    app = StudyApp(
        col,
        deck=deck,
        clock=state().now,
        theme=theme,
        mode="learn",
        rng=rng,
        formats=formats,
        limit=limit,
    )
    summary = app.run()
    if summary is not None:
        click.echo(format_summary(summary))


def _nothing_due(col: Collection, now: Any, deck: str | None) -> None:
    due = col.next_due(now, deck)
    when = f" Next card due {due:%Y-%m-%d %H:%M} UTC." if due else ""
    click.echo(f"Nothing is due now.{when}")


def _record(
    col: Collection, marks: list[Mark], now: Any, elapsed: float, *, ask_override: bool
) -> None:
    asking.show_marks(marks)
    overrides: dict[int, Rating] = {}
    if ask_override and len(marks) == 1:
        while True:
            raw = click.prompt(
                "Enter to accept, or 1-4 to rate yourself", default="", show_default=False
            ).strip()
            if not raw or (raw in "1234" and len(raw) == 1):
                break
            click.echo("  press Enter, or type 1, 2, 3 or 4")
        if raw:
            overrides[marks[0].card_id] = Rating.parse(raw)
    col.record_marks(marks, now=now, duration_ms=int(elapsed * 1000), overrides=overrides)


# -- quiz test -----------------------------------------------------------------------------------
@click.group("quiz")
def quiz() -> None:
    """Practice tests over a deck."""


@quiz.command("test")
@click.option("--deck", "-d", "deck", help="Deck to test (default: the first deck).")
@click.option("-n", "count", type=int, default=10, show_default=True, help="Questions.")
@click.option(
    "--formats",
    "formats_text",
    default="",
    metavar="F,F",
    help="Formats: multiple_choice, true_false, typed, reverse, matching, discrimination.",
)
@click.option("--print", "printable", is_flag=True, help="Print the test as Markdown and stop.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the test's questions as JSON and stop."
)
@click.option("--plain", is_flag=True, help="With --print: plain text instead of Markdown.")
@click.option("--no-key", is_flag=True, help="With --print: leave out the answer key.")
@click.option("--seed", type=int, help="Seed for choosing questions (repeatable tests).")
@click.option("--record/--no-record", default=True, help="Feed answers to the schedule.")
@click.option("--line", is_flag=True, help="Ask at line prompts even in a terminal.")
def quiz_test(
    deck: str | None,
    count: int,
    formats_text: str,
    printable: bool,
    as_json: bool,
    plain: bool,
    no_key: bool,
    seed: int | None,
    record: bool,
    line: bool,
) -> None:
    """A practice test of N questions, scored at the end.

    In a terminal the test runs full-screen; piped or with --line it asks
    at line prompts.

    \b
    Examples:
      tokendeck quiz test --deck "LLM Vocabulary" -n 10 --formats multiple_choice,typed
      tokendeck quiz test -n 20 --print > test.md
    """
    from tokendeck.quiz.practice_test import render

    cli_state = state()
    col = cli_state.collection()
    chosen = [f.strip() for f in formats_text.split(",") if f.strip()]
    name = deck or _first_deck(col)
    test = col.practice_test(name, now=cli_state.now(), rng=_rng(seed), count=count, formats=chosen)
    if as_json:
        questions = [
            {k: v for k, v in asdict(q).items() if k != "vocabulary"} for q in test.questions
        ]  # fmt: skip  (the deck vocabulary is internal)
        echo_json({"deck": test.deck, "questions": questions})
        return
    if printable:
        click.echo(render(test, markdown=not plain, key=not no_key), nl=False)
        return
    if not line and sys.stdin.isatty() and sys.stdout.isatty():
        _test_full_screen(col, test, record)
        return
    responses = {}
    for number, question in enumerate(test.questions):
        asking.show(question, number + 1)
        responses[number] = asking.read_response(question)
    score = col.score_practice_test(test, responses)
    click.secho(f"\nScore: {score.points:g} / {score.possible} ({score.percent:.0f}%)", bold=True)
    # Numbers match the questions unless a matching round rated several cards.
    asking.show_marks(list(score.marks), numbered=len(score.marks) == len(test.questions))
    if record:
        col.record_marks(score.marks, now=cli_state.now(), together=False)


def _test_full_screen(col: Collection, test: PracticeTest, record: bool) -> None:
    from tokendeck.tui.app import StudyApp

    app = StudyApp(col, deck=test.deck, clock=state().now, mode="test", test=test, record=record)
    app.run()
    score = app.test_score
    if score is not None:
        click.echo(f"Score: {score.points:g} / {score.possible} ({score.percent:.0f}%)")


def _first_deck(col: Collection) -> str:
    decks = [d for d in col.decks() if col.count_cards(now=state().now(), deck=d.id)]
    if not decks:
        raise ValidationError("there are no cards to test", hint="add cards or import a deck")
    return decks[0].name


# -- cloze ---------------------------------------------------------------------------------------
@click.group("cloze")
def cloze() -> None:
    """Cloze (fill-in-the-gap) cards from long notes."""


@cloze.command("suggest")
@click.argument("card_id", type=int, required=False)
@click.option("--deck", "-d", "deck", help="Suggest for every note of a deck.")
@click.option("--accept", "accept", type=int, multiple=True, help="Accept suggestion N.")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
def cloze_suggest(
    card_id: int | None, deck: str | None, accept: tuple[int, ...], as_json: bool
) -> None:
    """Propose cloze deletions from a card's (or a deck's) long backs.

    Suggestions are numbered; --accept N stores one as a cloze note in the
    same deck, linked to its source note. In a terminal without --accept or
    --json, each is offered in turn: y accepts, e edits, n skips, q stops.

    \b
    Examples:
      tokendeck cloze suggest 2
      tokendeck cloze suggest 2 --accept 1
      tokendeck cloze suggest --deck "LLM Vocabulary" --json
    """
    cli_state = state()
    col = cli_state.collection()
    now = cli_state.now()
    found = col.suggest_clozes(now=now, card_id=card_id, deck=deck)
    if as_json and not accept:
        echo_json([{"number": i, **asdict(s)} for i, s in enumerate(found, 1)])
        return
    if accept:
        for number in accept:
            if not 1 <= number <= len(found):
                raise ValidationError(f"there is no suggestion {number}", hint=f"1-{len(found)}")
            note = col.accept_cloze(found[number - 1], now=now)
            click.echo(f"Added cloze note {note.id}: {note.front}")
        return
    if not found:
        click.echo("No suggestions: the backs are short, or every fact is already a cloze.")
        return
    if sys.stdin.isatty():
        _offer(col, found, now)
    else:
        for number, suggestion in enumerate(found, 1):
            click.echo(f"{number}. [note {suggestion.note_id}] {suggestion.text}")


def _offer(col: Collection, found: list[Any], now: Any) -> None:
    for number, suggestion in enumerate(found, 1):
        click.echo(f"\n{number}. {suggestion.text}")
        choice = click.prompt("Accept? [y/e/n/q]", default="n").strip().lower()[:1]
        if choice == "q":
            break
        if choice in ("y", "e"):
            text = click.edit(suggestion.text) if choice == "e" else None
            note = col.accept_cloze(suggestion, now=now, text=(text or "").strip() or None)
            click.echo(f"Added cloze note {note.id}.")


# -- lint and related ----------------------------------------------------------------------------
@click.command("lint")
@click.argument("deck", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def lint(deck: str | None, as_json: bool) -> None:
    """Flag cards that will study badly: long answers, several facts, noise, duplicates,
    and slips in a front against the deck's own terms ("GTP" where it says "GPT").

    \b
    Example:
      tokendeck lint "LLM Vocabulary"
    """
    cli_state = state()
    col = cli_state.collection()
    now = cli_state.now()
    decks = [deck] if deck else [d.name for d in col.decks()]
    issues = [i for name in decks for i in col.lint(name, now=now)]
    if as_json:
        echo_json([asdict(i) for i in issues])
        return
    for issue in issues:
        click.echo(f"card {issue.card_id}: {issue.code}: {issue.message}")
    click.echo(f"{len(issues)} issue{'s' if len(issues) != 1 else ''}.")


@click.command("related")
@click.argument("card_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the related cards as JSON.")
def related(card_id: int, as_json: bool) -> None:
    """Cards related to a card: terms it mentions, cards mentioning it, similar cards.

    \b
    Example:
      tokendeck related 11
    """
    cli_state = state()
    found = cli_state.collection().related(card_id, now=cli_state.now())
    if as_json:
        echo_json([asdict(r) for r in found])
        return
    labels = {"mentions": "mentions", "mentioned_by": "mentioned by", "similar": "similar"}
    for each in found:
        click.echo(f"{each.card_id:>6}  {labels[each.reason]:<13} {each.term}")
    if not found:
        click.echo("No related cards.")
