"""``make fuzz``: mutated files of every format, then schemathesis over the API.

    python -m tests.fuzzing.run --files 10000            # per format
    python -m tests.fuzzing.run --files 200 --formats csv,apkg --requests 0

Prints files per second and every failure per format, saves each failing
file (with its traceback) under ``artifacts/fuzz/``, then sends
``--requests`` generated API requests (spread over the operations) and
reports any 500. Exits 1 if anything failed. Every mutated file is a pure
function of ``--seed``, the format and its number, so a failure reproduces.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzzing.corpus import BY_NAME, NOW, REPO, TARGETS, build
from tests.fuzzing.harness import Checker, Tally
from tests.fuzzing.mutate import mutate

ARTIFACTS = REPO / "artifacts" / "fuzz"


def fuzz_format(
    target_name: str,
    seeds: list[Path],
    files: int,
    *,
    seed: int,
    workdir: Path,
    report_every: float = 30.0,
    save_to: Path | None = None,
    slow_after: float = 10.0,
) -> Tally:
    """Check ``files`` mutated files of one format; the tally of what happened.

    A file that takes longer than ``slow_after`` seconds counts as a failure (a hang).
    """
    target = BY_NAME[target_name]
    originals = [(p.name, p.read_bytes()) for p in seeds]
    checker = Checker(target, workdir / "work", slow_after=slow_after)
    tally = Tally(target_name)
    last = time.monotonic()
    try:
        for number in range(files):
            rng = random.Random(f"{seed}:{target_name}:{number}")
            name, data = rng.choice(originals)
            path = workdir / f"case{target.suffix}"
            path.write_bytes(mutate(data, rng, archive=target.archive))
            # A true hang (no return at all) ends the run with every thread's stack.
            faulthandler.dump_traceback_later(max(300.0, 10 * slow_after), exit=True)
            outcome = checker.check(path)
            faulthandler.cancel_dump_traceback_later()
            label = f"{target_name} #{number} (from {name}, seed {seed})"
            tally.add(outcome, label)
            if outcome.failed and save_to is not None:
                _save(save_to, target_name, number, path, outcome.detail)
            if time.monotonic() - last > report_every:
                print(f"  ... {tally.line()}", flush=True)
                last = time.monotonic()
    finally:
        checker.close()
    return tally


def _save(folder: Path, target: str, number: int, path: Path, detail: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, folder / f"{target}-{number}.case{path.suffix}")
    (folder / f"{target}-{number}.error.txt").write_text(detail, encoding="utf-8")


def fuzz_api(requests: int, workdir: Path, seed: int) -> tuple[str, list[str]]:
    """About ``requests`` schemathesis requests (valid and invalid) over every operation."""
    from tests.fuzzing.api import ApiReport
    from tests.fuzzing.api import fuzz_api as run
    from tokendeck.collection import Collection
    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    db = workdir / "api" / "web.db"
    with Collection.open(db, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for front, back in (("el perro", "the dog"), ("la casa", "the house")):
            col.add_note("Spanish", front, back, now=NOW)

    def make_app() -> object:
        settings = WebSettings(db_path=db, clock=lambda: NOW, install_builtin=False)
        return create_app(settings)

    # Rounds with new seeds until enough were sent: Hypothesis stops early on operations
    # with few distinct requests, so one round sends fewer than examples x operations.
    sent, seconds, failures, statuses = 0, 0.0, [], {}
    round_seed = seed
    while sent < requests:
        report = run(make_app, examples=max(1, (requests - sent) // 60), seed=round_seed)
        sent, seconds = sent + report.requests, seconds + report.seconds
        failures += report.failures
        for status, count in report.by_status.items():
            statuses[status] = statuses.get(status, 0) + count
        round_seed += 1
    total = ApiReport(requests=sent, seconds=seconds, by_status=statuses, failures=failures)
    return total.line(), failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="mutated files per format")
    parser.add_argument("--formats", default=",".join(t.name for t in TARGETS))
    parser.add_argument("--requests", type=int, default=5000, help="API requests (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-anki", action="store_true", help="no seeds made by Anki itself")
    parser.add_argument(
        "--slow-after", type=float, default=30.0, help="seconds after which a file is a hang"
    )
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the app logs every refused request
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tokendeck-fuzz-") as tmp:
        workdir = Path(tmp)
        seeds = build(workdir / "seeds", anki=not args.no_anki)
        print(f"seeds: {', '.join(f'{k} {len(v)}' for k, v in seeds.items())}", flush=True)
        for name in args.formats.split(","):
            tally = fuzz_format(
                name,
                seeds[name],
                args.files,
                seed=args.seed,
                workdir=workdir,
                save_to=ARTIFACTS,
                slow_after=args.slow_after,
            )
            print(tally.line(), flush=True)
            for failure in tally.failures[:5]:
                print("   ", failure.replace("\n", "\n    ")[-1500:])
            failed += len(tally.failures)
        if args.requests:
            line, failures = fuzz_api(args.requests, workdir, args.seed)
            print(line, flush=True)
            for failure in failures[:10]:
                print("   ", failure[-1500:])
            failed += len(failures)
    print(f"fuzz: {'FAILED' if failed else 'ok'} ({failed} failures)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
