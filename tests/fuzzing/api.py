"""Schemathesis over the web app's own OpenAPI schema: any 500 is a failure.

Every operation of ``/openapi.json`` gets ``examples`` generated requests,
valid ones (what the schema allows) and invalid ones (what it forbids), sent
in-process through ASGI with the Host and Origin the app's own pages use.
Used by the bounded test (tests/web/test_web_fuzz_api.py) and by ``make fuzz``
(tests/fuzzing/run.py), which reports requests per second.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase, given

LOCAL = "http://localhost"
HEADERS = {"Origin": LOCAL}


@dataclass
class ApiReport:
    """What a run sent and what failed."""

    requests: int = 0
    seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)
    #: "METHOD path -> status: detail" of every 500 or exception, first ones only.
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line."""
        rate = self.requests / self.seconds if self.seconds else 0.0
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        return (
            f"api: {self.requests} requests in {self.seconds:.1f} s ({rate:.0f}/s), "
            f"{len(self.failures)} failures; statuses {statuses}"
        )


def fuzz_api(
    make_app: Callable[[], Any], *, examples: int, seed: int = 0, negative: bool = True
) -> ApiReport:
    """Send ``examples`` generated requests per operation and mode; collect any 500."""
    import schemathesis
    from schemathesis import GenerationMode

    app = make_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"Host": "localhost"})
    report = ApiReport()
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if negative else [])
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            _fuzz_operation(operation, mode, examples, seed, report)
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_operation(operation: Any, mode: Any, examples: int, seed: int, report: ApiReport) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def send(case: Any) -> None:
        label = f"{case.method} {case.formatted_path}"
        try:
            response = case.call(base_url=LOCAL, headers=HEADERS)
        except Exception:  # a crash the client saw instead of a response
            report.failures.append(f"{label}: {traceback.format_exc()}")
            return
        finally:
            report.requests += 1
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        if response.status_code >= 500 and len(report.failures) < 50:
            report.failures.append(f"{label} -> {response.status_code}: {response.text[:300]}")

    # An operation without parameters has no invalid requests to generate.
    with suppress(hypothesis.errors.Unsatisfiable):
        send()
