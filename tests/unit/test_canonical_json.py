"""canonical_json writes with the standard library's C encoder where it writes exactly what RFC 8785 (`rfc8785`)
writes, and with `rfc8785` elsewhere: every byte of a manifest, certificate or evidence entry stays what it was.
Hypothesis searches for a document where the two differ: any JSON value, and every evidence entry the API builds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import Web3

from ledger.evidence import MAX_PERSONS, EvidenceEntry
from ledger.manifest.canonical import canonical_json
from ledger.manifest.model import Commitment
from ledger.vocabulary import EvidenceEntryKind

TEXT = st.text(st.characters())  # any code point, lone surrogates and controls too
KEYS = st.text(st.characters(codec="ascii")) | TEXT


def _json(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    values = st.recursive(
        scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=24
    )
    return st.dictionaries(KEYS, values, max_size=6)


WITHOUT_FLOATS = st.none() | st.booleans() | st.integers() | st.integers(-(2**53), 2**53) | TEXT


def _rfc8785(document: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(document)
    except Exception as error:  # noqa: BLE001 - the error is the answer to compare
        return type(error)


def _ours(document: Any) -> bytes | type[Exception]:
    try:
        return canonical_json(document)
    except Exception as error:  # noqa: BLE001 - the error is the answer to compare
        return type(error)


@settings(max_examples=500, deadline=None)
@given(_json(WITHOUT_FLOATS) | _json(WITHOUT_FLOATS | st.floats()))
def test_canonical_json_writes_any_json_document_as_rfc8785_does_or_refuses_it_alike(document: dict[str, Any]) -> None:
    assert _ours(document) == _rfc8785(document)


HEX32 = st.binary(min_size=32, max_size=32).map(lambda raw: "0x" + raw.hex())
ADDRESSES = st.binary(min_size=20, max_size=20).map(lambda raw: str(Web3.to_checksum_address(raw)))
OFFSETS = st.integers(min_value=-23 * 60, max_value=23 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
TIMES = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC) | OFFSETS
).map(lambda at: at.astimezone(UTC))
IDS = st.none() | st.integers(min_value=1, max_value=2**53 - 1) | st.integers(min_value=1)


@st.composite
def api_entries(draw: st.DrawFn) -> EvidenceEntry:
    """An entry as `ledger.evidence` builds it from a request the API accepted (an EvidenceItem's members)."""
    return EvidenceEntry.model_construct(
        kind=draw(st.sampled_from(EvidenceEntryKind)),
        party=draw(ADDRESSES),
        subject=draw(HEX32),
        registration_id=draw(IDS),
        licence_id=draw(IDS),
        scope=draw(st.none() | st.text(st.characters(), max_size=64)),
        at=draw(TIMES),
        persons=tuple(Commitment(value=value) for value in draw(st.lists(HEX32, max_size=MAX_PERSONS))),
    )


@settings(max_examples=500, deadline=None)
@given(api_entries())
def test_an_evidence_entry_is_logged_as_the_bytes_rfc8785_writes(entry: EvidenceEntry) -> None:
    document = entry.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert _ours(entry) == _rfc8785(document)


@pytest.mark.parametrize(
    ("document", "written"),
    [
        ({"x": 1e-07}, b'{"x":1e-7}'),  # Python's repr writes 1e-07
        ({"x": 5.0}, b'{"x":5}'),  # Python's repr writes 5.0
        ({"\U0001f600": 1, "\ufb33": 2}, b'{"\xf0\x9f\x98\x80":1,"\xef\xac\xb3":2}'),  # UTF-16 order, not code point
    ],
)
def test_what_the_standard_encoder_writes_otherwise_is_written_by_rfc8785(document: Any, written: bytes) -> None:
    assert canonical_json(document) == written


@pytest.mark.parametrize("document", [{"n": 2**53}, {"s": "\ud800"}, {"k": {1: 2}}])
def test_what_rfc8785_refuses_is_refused(document: Any) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json(document)
