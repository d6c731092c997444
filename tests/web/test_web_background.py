"""The web server's worker threads: jobs shared by key, 'preparing' answers, failures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from tokendeck import progress
from tokendeck.web.background import Background, Preparing

T = TypeVar("T")


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` on a thread of its own (Playwright's sync API may hold this thread's
    event loop when browser tests ran first)."""
    found: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            found.append(asyncio.run(scenario()))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]
    return found[0]


@pytest.fixture
def background() -> Any:
    workers = Background()
    yield workers
    workers.close()


def test_a_job_asked_twice_runs_once_and_reports_progress(background: Background) -> None:
    gate = threading.Event()
    runs: list[int] = []

    def work(n: int) -> int:
        runs.append(n)
        progress.report("counting", 1, 2)
        gate.wait(10)
        return n * 2

    async def scenario() -> None:
        first = background.submit("key", "counting", work, 21)
        second = background.submit("key", "counting", work, 99)
        assert second is first
        with pytest.raises(Preparing) as waiting:
            await background.result(first, wait=0.05)
        state = waiting.value.job.state()
        assert (state["what"], state["stage"], state["done"], state["total"]) == (
            "counting",
            "counting",
            1,
            2,
        )
        gate.set()
        assert await background.result(first, wait=10) == 42

    run(scenario)
    assert runs == [21]


def test_a_finished_job_is_kept_unless_asked_again(background: Background) -> None:
    runs: list[str] = []

    async def scenario() -> None:
        job = background.submit("k", "w", runs.append, "one")
        await background.result(job, wait=10)
        assert background.submit("k", "w", runs.append, "two") is job
        again = background.submit("k", "w", runs.append, "three", again=True)
        await background.result(again, wait=10)

    run(scenario)
    assert runs == ["one", "three"]


def test_a_failed_job_raises_to_its_waiter_and_starts_again(background: Background) -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first time")
        return "fine"

    async def scenario() -> None:
        job = background.submit("f", "flaky", flaky)
        with pytest.raises(RuntimeError, match="first time"):
            await background.result(job, wait=10)
        retried = background.submit("f", "flaky", flaky)
        assert await background.result(retried, wait=10) == "fine"

    run(scenario)


def test_run_awaits_work_on_another_thread(background: Background) -> None:
    async def scenario() -> tuple[str, str]:
        worker = await background.run(lambda: threading.current_thread().name)
        return worker, threading.current_thread().name

    worker, loop = run(scenario)
    assert worker.startswith("tokendeck-work") and worker != loop


def _niceness() -> int:
    import os

    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not hasattr(__import__("os"), "getpriority"), reason="no per-thread priority")
@pytest.mark.parametrize("lane", ["prepare", "work"])
def test_both_lanes_run_nicer_than_the_event_loop(background: Background, lane: str) -> None:
    """On a busy machine the pages (event loop) win the CPU over embeddings and imports."""
    from tokendeck.web.background import WORKER_NICENESS

    async def scenario() -> tuple[int, int]:
        return _niceness(), await background.run(_niceness, lane=lane)

    loop_niceness, worker_niceness = run(scenario)
    assert worker_niceness == min(19, loop_niceness + WORKER_NICENESS)
