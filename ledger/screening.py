"""Screening applications against the negative list (负面清单) of data that may not circulate.

The list is a JSON file named by the settings (`negative_list_file`): `{"categories": [...], "industries":
[...], "terms": [...]}`. A category matches exactly, an industry code by prefix (a GB/T 4754 section or
class covers its sub-classes), a term anywhere in the title or description (case-insensitive). A hit does
not refuse anything by itself: the reviewer sees it and decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.index import queries
from ledger.index.queries import Application
from ledger.index.tables import ManifestRecord


@dataclass(frozen=True)
class NegativeList:
    """The categories, industry codes and terms of data that may not circulate."""

    categories: tuple[str, ...] = field(default=())
    industries: tuple[str, ...] = field(default=())
    terms: tuple[str, ...] = field(default=())

    @classmethod
    def load(cls, path: Path | None) -> NegativeList:
        """The list in `path`; an empty list when no file is configured or it does not exist."""
        if path is None or not path.exists():
            return cls()
        rules = json.loads(path.read_text())
        return cls(
            categories=tuple(rules.get("categories", [])),
            industries=tuple(rules.get("industries", [])),
            terms=tuple(rules.get("terms", [])),
        )

    def hits(self, record: ManifestRecord | None) -> list[str]:
        """What in the manifest's record the list names (`category X`, `industry C13`, `term Y`)."""
        if record is None:
            return []
        text = f"{record.title or ''} {record.description or ''}".lower()
        found = [f"category {c}" for c in self.categories if record.category == c]
        found += [f"industry {i}" for i in self.industries if (record.industry or "").startswith(i)]
        found += [f"term {t}" for t in self.terms if t.lower() in text]
        return found


@dataclass(frozen=True)
class ScreenedApplication:
    """An application waiting for review, with what the negative list says about it."""

    application: Application
    hits: list[str]


def screened_review_queue(session: Session, negative_list: NegativeList) -> list[ScreenedApplication]:
    """The review queue, each application screened against the negative list."""
    return [
        ScreenedApplication(application, negative_list.hits(application.record))
        for application in queries.review_queue(session)
    ]
