"""Encrypted keystores (Web3 Secret Storage, V3): keys are never at rest in plain text.

Files are named as geth names them (`UTC--<time>--<address>`), written with mode 0600, and unlocked
only in memory. The KDF is scrypt, eth-account's default.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3


class KeystoreError(ValueError):
    """A keystore is missing, unreadable, or its password is wrong."""


class WrongPasswordError(KeystoreError):
    """The password does not decrypt the keystore."""


def _filename(address: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    return f"UTC--{stamp}--{address[2:].lower()}"


def _write(directory: Path, account: LocalAccount, password: str) -> Path:
    if not password:
        raise KeystoreError("an empty password would leave the key unprotected")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if find_keystore(directory, account.address) is not None:
        raise KeystoreError(f"a keystore for {account.address} already exists in {directory}")
    keystore = Account.encrypt(account.key, password, kdf="scrypt")
    path = directory / _filename(account.address)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(keystore, out)
    return path


def new_key(directory: Path, password: str) -> LocalAccount:
    """Creates a key and stores it encrypted; returns the unlocked account."""
    account: LocalAccount = Account.create()
    _write(directory, account, password)
    return account


def import_key(directory: Path, private_key: str, password: str) -> LocalAccount:
    """Stores an existing private key encrypted; returns the account."""
    try:
        account: LocalAccount = Account.from_key(private_key)
    except (ValueError, TypeError) as error:
        raise KeystoreError("not a valid private key") from error
    _write(directory, account, password)
    return account


def list_keys(directory: Path) -> list[str]:
    """The checksummed addresses of the keystores in `directory`."""
    if not directory.exists():
        return []
    addresses: list[str] = []
    for path in sorted(directory.glob("UTC--*")):
        try:
            addresses.append(Web3.to_checksum_address("0x" + json.loads(path.read_text())["address"]))
        except (ValueError, KeyError):
            continue
    return addresses


def find_keystore(directory: Path, address: str) -> Path | None:
    """The keystore file of `address`, or None."""
    wanted = address.lower().removeprefix("0x")
    return next((path for path in directory.glob(f"UTC--*--{wanted}")), None) if directory.exists() else None


def unlock(directory: Path, address: str, password: str) -> LocalAccount:
    """Decrypts the keystore of `address`; raises WrongPasswordError or KeystoreError with a clear message."""
    path = find_keystore(directory, address)
    if path is None:
        raise KeystoreError(f"no keystore for {address} in {directory}")
    try:
        keystore = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise KeystoreError(f"{path} is not a readable keystore") from error
    try:
        key = Account.decrypt(keystore, password)
    except ValueError as error:
        raise WrongPasswordError(f"wrong password for {address}") from error
    account: LocalAccount = Account.from_key(key)
    return account
