from __future__ import annotations

import json
import logging

from api.logs import JsonFormatter


def test_log_lines_are_json_with_the_request_id() -> None:
    record = logging.LogRecord("api", logging.INFO, __file__, 1, "GET %s %s", ("/v1/verify", 200), None)
    record.request_id = "abc123"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "GET /v1/verify 200"
    assert line["request_id"] == "abc123"
    assert line["level"] == "info"
