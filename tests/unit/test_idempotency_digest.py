"""The digest an idempotency key is bound to: what the client asked, not how it spelled it."""

from __future__ import annotations

from api.idempotency import ClientRequest, _canonical_body, request_digest

CALLER = "0x" + "ab" * 20


def test_the_same_body_in_another_key_order_or_spacing_is_the_same_request() -> None:
    first = _canonical_body(b'{"a": 1, "b": [1, 2]}')
    second = _canonical_body(b'{"b":[1,2],"a":1}')
    assert request_digest("POST", "/v1/x", CALLER, first) == request_digest("POST", "/v1/x", CALLER, second)


def test_another_method_route_caller_or_body_is_another_request() -> None:
    base = request_digest("POST", "/v1/x", CALLER, {"a": 1})
    assert request_digest("PUT", "/v1/x", CALLER, {"a": 1}) != base
    assert request_digest("POST", "/v1/y", CALLER, {"a": 1}) != base
    assert request_digest("POST", "/v1/x", "0x" + "cd" * 20, {"a": 1}) != base
    assert request_digest("POST", "/v1/x", CALLER, {"a": 2}) != base


def test_a_body_that_is_not_json_is_named_by_its_bytes_and_never_fails() -> None:
    assert _canonical_body(b"not json") != _canonical_body(b"not json either")
    assert _canonical_body(b'{"a": ') == _canonical_body(b'{"a": ')  # truncated: its bytes (deep ones never get here)
    assert request_digest("POST", "/v1/x", CALLER, _canonical_body(b'"\\ud800"')).startswith("0x")


def test_keys_of_two_callers_never_meet_in_the_outbox() -> None:
    digest = request_digest("POST", "/v1/x", CALLER, None)
    mine = ClientRequest(CALLER, "k", "POST", "/v1/x", digest)
    theirs = ClientRequest("0x" + "cd" * 20, "k", "POST", "/v1/x", digest)
    assert mine.outbox_key != theirs.outbox_key
    assert mine.about({"manifest": "bafy"}).outbox_key == mine.outbox_key
    assert mine.about({"manifest": "bafy"}).digest != mine.digest
