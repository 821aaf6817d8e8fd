"""Builders of valid domain objects for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ledger.manifest.model import Manifest

ZERO = "0x" + "00" * 32


def manifest_fields(registrant: str, **overrides: Any) -> dict[str, Any]:
    """The fields of a valid enterprise data-resource manifest."""
    fields: dict[str, Any] = {
        "kind": "resource",
        "origin": "enterprise",
        "title": "城市交通流量数据",
        "description": "Hourly vehicle counts of 120 road sections, collected by the operator's own sensors.",
        "category": "transport.traffic",
        "industry": "G54",
        "update_frequency": "daily",
        "data_status": "cleansed",
        "tradability": "directly",
        "business_owner": {"value": "0x" + "11" * 32},
        "responsible_person": {"value": "0x" + "22" * 32},
        "classification": {"category": "transport", "grade": "general", "personal_information": False},
        "source": {"description": "Roadside sensors owned by the registrant.", "collection_method": "self_collected"},
        "time_range": {"start": date(2024, 1, 1), "end": date(2024, 12, 31)},
        "volume": "8.7 million records, 1.2 GB",
        "formats": ["csv"],
        "data_commitment": {"scheme": "sha256", "root": "0x" + "33" * 32, "file_count": 1, "total_bytes": 1_200_000},
        "rights_claimed": ["resource_holding", "processing_and_use"],
        "registrant": registrant,
        "authority_id": 1,
        "created_at": datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return fields


def make_manifest(registrant: str, **overrides: Any) -> Manifest:
    return Manifest.model_validate(manifest_fields(registrant, **overrides))
