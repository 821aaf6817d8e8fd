"""Personal fields are salted commitments; erasing the salt makes them unopenable without touching the chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.db import make_engine, make_sessionmaker
from ledger.manifest.canonical import canonical_json
from ledger.manifest.commitments import SaltErasedError, commit, erase, opens
from ledger.migrations import upgrade_schema

from ..factories import make_manifest

REGISTRANT = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"


def test_a_commitment_opens_with_its_value_until_the_salt_is_erased(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'salts.db'}")
    upgrade_schema(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        owner = commit(session, "张三 110101199003070011")
        other = commit(session, "张三 110101199003070011")
    assert owner.value != other.value  # salted: the same person gives unlinkable commitments
    manifest = make_manifest(REGISTRANT, business_owner=owner.model_dump())
    block = canonical_json(manifest)
    assert "张三".encode() not in block

    with sessions() as session:
        assert opens(session, owner, "张三 110101199003070011")
        assert not opens(session, owner, "李四 110101199003070012")
    with sessions.begin() as session:
        erase(session, owner)
    with sessions() as session, pytest.raises(SaltErasedError):
        opens(session, owner, "张三 110101199003070011")
    assert canonical_json(make_manifest(REGISTRANT, business_owner=owner.model_dump())) == block
