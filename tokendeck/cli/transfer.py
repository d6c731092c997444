"""Files in and out: ``import``, ``export``, ``backup``, ``restore``.

All format knowledge is in :mod:`tokendeck.formats.registry`; this module only
turns options into calls and results into lines of text.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tokendeck.cli.output import echo_json, shorten, table
from tokendeck.cli.state import state
from tokendeck.transfer.package import Package

#: Below this a preview row is marked as doubtful (raw notes are guessed).
DOUBTFUL = 0.6


@contextmanager
def progress(label: str, *, delay: float = 1.0) -> Iterator[None]:
    """Draw a progress bar on stderr if the work inside takes more than ``delay`` s.

    The work reports its stages through :mod:`tokendeck.progress`; a stage with
    a known size fills the bar ("writing notes 40,000/100,000"), one without
    (a single SQL statement) shows a pulsing bar and its name. Only drawn on a
    terminal.
    """
    from tokendeck import progress as work

    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None)

    def update(stage: str, done: int, total: int) -> None:
        counts = f" {done:,}/{total:,}" if total else ""
        text = f"{label}: {stage}{counts}"
        # Drawn at once: a stage can end before the next timed refresh (tests see every one).
        bar.update(task, description=text, completed=done, total=total or None, refresh=True)

    timer = threading.Timer(delay, bar.start) if delay > 0 else None
    if timer is None:
        bar.start()
    else:
        timer.start()
    try:
        with work.listening(update):
            yield
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()
        bar.stop()


def _read_options(
    deck: str | None, separator: str | None, row_separator: str | None, tags: tuple[str, ...]
) -> Any:
    from tokendeck.formats.options import ReadOptions

    return ReadOptions(deck=deck, separator=separator, row_separator=row_separator, tags=tags)


@click.command("import")
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
)
@click.option("--deck", help="Put every card into this deck (created if missing).")
@click.option(
    "--format",
    "fmt",
    help="csv, quizlet, markdown, rawnotes, apkg, colpkg, backup (default: detected).",
)
@click.option("--separator", help="Field separator: tab, comma, semicolon, or the character.")
@click.option("--row-separator", help="Quizlet: between rows (newline, semicolon, or text).")
@click.option("--tag", "tags", multiple=True, help="Add this tag to every note (repeatable).")
@click.option(
    "--dry-run", is_flag=True, help="Show the cards that would be imported; change nothing."
)
@click.option(
    "--update",
    "mode",
    flag_value="update",
    default=True,
    help="Notes already there (same GUID, or same front) are updated (default).",
)
@click.option("--duplicate", "mode", flag_value="duplicate", help="Always add new notes.")
@click.option("--skip", "mode", flag_value="skip", help="Leave notes already there alone.")
@click.option("--json", "as_json", is_flag=True, help="Print the preview or result as JSON.")
def import_command(
    file: Path,
    deck: str | None,
    fmt: str | None,
    separator: str | None,
    row_separator: str | None,
    tags: tuple[str, ...],
    dry_run: bool,
    mode: str,
    as_json: bool,
) -> None:
    """Import notes from a file: CSV/TSV, Anki .apkg/.colpkg, Quizlet, Markdown, raw notes.

    All or nothing: if anything in the file is wrong, nothing is imported and
    the error names the line. Run with --dry-run first to check what is found.

    \b
    Examples:
      tokendeck import words.csv --deck Spanish --dry-run
      tokendeck import deck.apkg
      tokendeck import set.txt --format quizlet --separator comma --row-separator semicolon
      pbpaste | tokendeck import - --deck Spanish      (FILE "-": standard input)
    """
    options = _read_options(deck, separator, row_separator, tags)
    fmt = fmt or ("quizlet" if row_separator else None)  # only Quizlet text has rows to split
    if str(file) != "-":
        _import_file(file, options, fmt, dry_run=dry_run, mode=mode, as_json=as_json)
        return
    with _standard_input() as pasted:
        _import_file(pasted, options, fmt, dry_run=dry_run, mode=mode, as_json=as_json)


def _import_file(
    file: Path, options: Any, fmt: str | None, *, dry_run: bool, mode: str, as_json: bool
) -> None:
    from tokendeck.formats import registry

    deck = options.deck
    if fmt is None:
        guessed = registry.guess_file(file)
        if not guessed.sure:
            _unsure(file, guessed, refuse=not dry_run)
    with progress(f"Reading {file.name}"):
        found, package = registry.read_file(file, format=fmt, options=options)
    if dry_run:
        if deck:  # --deck puts everything into one deck: show what will happen
            for note in package.notes:
                note.deck = deck
        _preview(package, found.name, as_json)
        return
    col, now = state().collection(), state().now()
    with progress(f"Importing {file.name}"):
        result = col.import_package(package, now=now, mode=mode, deck=deck)
    _report(result, file, found.name, as_json)


@contextmanager
def _standard_input() -> Iterator[Path]:
    """What was piped in, as a file (named so in messages) that is gone afterwards; the
    format's size limits apply to it as to any file."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="tokendeck-stdin-") as folder:
        path = Path(folder) / "standard-input.txt"
        with path.open("wb") as handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        yield path


def _unsure(file: Path, guessed: Any, *, refuse: bool) -> None:
    """A guess below confidence: name the choices (and what each gives); refuse to import."""
    from tokendeck.errors import ValidationError
    from tokendeck.formats import registry

    choices = registry.readings(file.read_bytes(), file.name, guessed)
    said = "; ".join(c.describe() for c in choices)
    message = f"cannot tell how {file.name} is laid out ({guessed.reason}): as {said}"
    if refuse:
        options = " or ".join(c.option() for c in choices if c.error is None)
        raise ValidationError(
            message, hint=f"choose with {options or '--format'} (add --dry-run to look first)"
        )
    click.echo(f"Warning: {message}; showing {guessed.format}", err=True)


def _preview(package: Package, format_name: str, as_json: bool) -> None:
    guessed = format_name == "rawnotes"
    if as_json:
        echo_json(
            {
                "format": format_name,
                "notes": [_preview_dict(n) for n in package.notes],
                "warnings": package.warnings,
            }
        )
        return
    headers = ["Line", "Kind", "Deck", "Front", "Back"] + (["Confidence"] if guessed else [])
    rows = []
    for note in package.notes:
        row: list[Any] = [note.line or "", note.kind, note.deck, shorten(note.front, 40)]
        row.append(shorten(note.back, 40))
        if guessed:
            mark = " ?" if note.confidence < DOUBTFUL else ""
            row.append(f"{note.confidence:.2f}{mark}")
        rows.append(row)
    click.echo(table(headers, rows))
    media = f", {len(package.media)} media file(s)" if package.media else ""
    click.echo(f"{len(package.notes)} note(s) found as {format_name}{media}; nothing imported.")
    if guessed:
        click.echo(f"Rows marked '?' are uncertain (confidence < {DOUBTFUL}): check them.")
    for warning in package.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _preview_dict(note: Any) -> dict[str, Any]:
    return {
        "line": note.line,
        "kind": note.kind,
        "deck": note.deck,
        "front": note.front,
        "back": note.back,
        "tags": note.tags,
        "guid": note.guid,
        "confidence": round(note.confidence, 3),
        "cards": len(note.cards),
    }


def _report(result: Any, file: Path, format_name: str, as_json: bool) -> None:
    if as_json:
        echo_json({"format": format_name, **asdict(result)})
        return
    already = f", {result.already} already here" if result.already else ""
    click.echo(
        f"Imported {file.name} ({format_name}): {result.added} added, {result.updated} updated, "
        f"{result.skipped} skipped{already}; {result.cards} card(s), {result.reviews} review(s)"
        + (f", {result.media} media file(s)" if result.media else "")
    )
    if result.already:
        click.echo(
            f"{result.already} entr{'y is' if result.already == 1 else 'ies are'} already here: "
            "notes made from this file's headings (the built-in deck's, for its seed notes)"
        )
    if result.decks:
        click.echo(f"New deck(s): {', '.join(result.decks)}")
    for name, what in result.note_types.items():
        click.echo(f"Note type {name}: {what}")
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


@click.command("export")
@click.option("--deck", help="Only this deck and its subdecks (default: everything).")
@click.option(
    "--format",
    "fmt",
    help="csv, markdown, quizlet, apkg, colpkg, html or backup (default: from -o).",
)
@click.option(
    "-o", "--output", "output", required=True, help="File to write; '-' writes to standard output."
)
@click.option("--separator", help="csv/quizlet: field separator (tab, comma, semicolon, ...).")
@click.option("--row-separator", help="quizlet: between rows (newline, semicolon, or text).")
@click.option("--no-scheduling", is_flag=True, help="apkg: leave out review history and due dates.")
def export_command(
    deck: str | None,
    fmt: str | None,
    output: str,
    separator: str | None,
    row_separator: str | None,
    no_scheduling: bool,
) -> None:
    """Export notes to a file (or standard output with -o -).

    \b
    Examples:
      tokendeck export --deck Spanish --format csv -o spanish.csv
      tokendeck export --format markdown -o -
      tokendeck export -o everything.apkg
    """
    from tokendeck.errors import ValidationError
    from tokendeck.formats import registry
    from tokendeck.formats.options import WriteOptions

    name = fmt or (registry.guess_export_format(Path(output)) if output != "-" else None)
    if name is None:
        raise ValidationError(
            "which format?", hint="add --format csv|markdown|quizlet|apkg|colpkg|html|backup"
        )
    chosen = registry.for_export(name)
    col = state().collection()
    options = WriteOptions(separator=separator, row_separator=row_separator)
    with progress(f"Exporting {chosen.name}"):
        package = col.export_package(
            deck,
            with_scheduling=not no_scheduling,
            full=chosen.name == "backup",
            bulk_history=chosen.bulk_history,
            with_media=chosen.media,
        )
        if output == "-":
            data = registry.write_bytes(package, chosen.name, options)
        else:
            registry.write_file(package, Path(output), chosen.name, options)
    if output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        click.echo(f"Exported {len(package.notes)} note(s) as {chosen.name}.", err=True)
    else:
        click.echo(f"Exported {len(package.notes)} note(s) to {output} ({chosen.name}).")


@click.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: backups/ beside the collection, named by time).",
)
def backup_command(output: Path | None) -> None:
    """Save the whole collection (scheduling, review log, settings, media) to a zip.

    \b
    Example:
      tokendeck backup -o ~/tokendeck-2026-11-27.zip
    """
    from tokendeck.backup.daily import backup_dir, timestamped_name
    from tokendeck.formats import backup

    col, now = state().collection(), state().now()
    target = output or backup_dir(col.path or Path.cwd()) / timestamped_name(now)
    with progress("Backing up"):
        package = col.export_package(full=True)
        backup.write_file(package, target, now=now)
    click.echo(f"Backed up {len(package.notes)} note(s) to {target}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(file: Path) -> None:
    """Replace the collection with a backup: `tokendeck backup`'s or a daily one.

    Takes the JSON backup of `tokendeck backup` and the snapshot zip of the
    automatic daily backup (told apart by their contents). The restored
    collection is identical to the one backed up (ids, times, scheduling,
    review log, settings). The current collection is first saved as a backup
    of its own, so a restore can always be undone by restoring that file; its
    database file is also kept as it was under backups/.

    \b
    Example:
      tokendeck restore backups/tokendeck-backup-2026-11-27.zip
    """
    from tokendeck.backup.snapshot import is_snapshot
    from tokendeck.collection import Collection, default_path
    from tokendeck.formats import backup

    now = state().now()
    package = None
    if not is_snapshot(file):
        with progress(f"Reading {file.name}"):
            package = backup.read(file, source=str(file))  # fully checked before anything changes
    db_path = state().db_path
    path = Path(db_path) if db_path else default_path()
    saved = _save_before_restore(path, now) if path.exists() else None
    before = path.stat().st_ino if path.exists() else None
    try:
        with progress("Restoring"):
            if package is None:  # a snapshot is checked while it is unpacked, before the swap
                result = Collection.restore_snapshot(path, file, now=now)
            else:
                result = Collection.restore(path, package, now=now)
    except BaseException:
        # Refused before the swap (the file is the same one): its copy is not needed.
        if saved is not None and path.exists() and path.stat().st_ino == before:
            saved.unlink(missing_ok=True)
        raise
    click.echo(
        f"Restored {result.notes} note(s), {result.cards} card(s) and {result.reviews} review(s)"
        f" from {file.name} into {path}"
    )
    if not result.exact:
        click.echo("Warning: a version-1 backup has no ids: restored like an import.", err=True)
    if result.previous:
        click.echo(f"The replaced database file was kept as {result.previous}")
    if saved:
        click.echo(f"The previous collection was saved to {saved}")


def _save_before_restore(path: Path, now: datetime) -> Path | None:
    """The collection about to be replaced, as a snapshot zip (None if empty or unreadable)."""
    from tokendeck.backup.daily import backup_dir, timestamped_name
    from tokendeck.collection import Collection
    from tokendeck.errors import StorageError

    try:
        with Collection.open(path, now=now, install_builtin=False) as current:
            if current.is_empty():
                return None
            saved = _free_name(backup_dir(path) / timestamped_name(now, "before-restore"))
            current.write_snapshot(saved, now=now)  # seconds where JSON took a minute
            return saved
    except StorageError as exc:
        # Restoring a damaged collection is what backups are for; the restore
        # still keeps the damaged file itself under backups/.
        click.echo(f"Warning: the current collection cannot be read ({exc}).", err=True)
        return None


def _free_name(path: Path) -> Path:
    """``path``, or ``<stem>-2.zip``... if taken: the file being restored may have that name."""
    number = 1
    free = path
    while free.exists():
        number += 1
        free = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return free
