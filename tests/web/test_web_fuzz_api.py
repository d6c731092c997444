"""Schemathesis over the app's OpenAPI schema, bounded: generated requests never answer 500.

``make fuzz`` sends 5,000 and more (tests/fuzzing/run.py); this run sends a few
per operation, valid and invalid, in a few seconds.
"""

from __future__ import annotations

import logging

import pytest

from tests.fuzzing.api import fuzz_api
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings


def test_generated_requests_never_answer_500(
    web_settings: WebSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)
    report = fuzz_api(lambda: create_app(web_settings), examples=3, seed=14)
    assert report.requests >= 150, report.line()
    assert not report.failures, "\n\n".join(report.failures[:3])
    # Both kinds were sent: accepted requests and refused ones.
    assert any(s < 300 for s in report.by_status) and 400 in report.by_status
