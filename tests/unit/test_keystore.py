from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.chain.keystore import (
    KeystoreError,
    WrongPasswordError,
    find_keystore,
    import_key,
    list_keys,
    new_key,
    unlock,
)

KEY = "0x" + "4c" * 32


def test_a_new_key_is_stored_encrypted_and_unlocks_with_its_password(tmp_path: Path) -> None:
    account = new_key(tmp_path, "correct horse")
    path = find_keystore(tmp_path, account.address)
    assert path is not None
    assert account.key.hex()[2:] not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert unlock(tmp_path, account.address, "correct horse").address == account.address
    assert list_keys(tmp_path) == [account.address]


def test_a_wrong_password_is_a_clear_error(tmp_path: Path) -> None:
    account = import_key(tmp_path, KEY, "secret")
    with pytest.raises(WrongPasswordError, match="wrong password"):
        unlock(tmp_path, account.address, "guess")


def test_an_empty_password_and_a_duplicate_import_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="empty password"):
        import_key(tmp_path, KEY, "")
    import_key(tmp_path, KEY, "secret")
    with pytest.raises(KeystoreError, match="already exists"):
        import_key(tmp_path, KEY, "secret")


def test_an_invalid_private_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError, match="not a valid private key"):
        import_key(tmp_path, "0x1234", "secret")
