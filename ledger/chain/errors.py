"""Decoding revert data into the contracts' custom errors, so a refusal reads as the broken rule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address
from web3.exceptions import ContractCustomError, ContractLogicError

from ledger.chain.artifacts import DEPLOYED_CONTRACTS, abi_of
from ledger.encoding import from_hex, to_hex

# What web3 raises when a call reverts (a dry run, an estimate, a view): the exceptions `decode_refusal` reads.
CONTRACT_REFUSALS = (ContractCustomError, ContractLogicError)

_STANDARD = {
    "Error": ["string"],
    "Panic": ["uint256"],
}


@dataclass(frozen=True)
class DecodedError:
    """A revert, by name and arguments: `NoticeWindowOpen(7, 1735689600)`."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(map(str, self.args))})"


def abi_type(entry: dict[str, Any]) -> str:
    """The canonical ABI type of an input or output entry: a struct as its parenthesised components."""
    if entry["type"].startswith("tuple"):
        inner = ",".join(abi_type(component) for component in entry["components"])
        return f"({inner}){entry['type'][5:]}"
    return str(entry["type"])


@cache
def _selectors() -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {}
    errors = [(name, types) for name, types in _STANDARD.items()]
    for contract in DEPLOYED_CONTRACTS:
        for entry in abi_of(contract):
            if entry["type"] == "error":
                errors.append((entry["name"], [abi_type(i) for i in entry["inputs"]]))
    for name, types in errors:
        table[function_signature_to_4byte_selector(f"{name}({','.join(types)})")] = (name, types)
    return table


def _readable(kind: str, value: Any) -> Any:
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("bytes") and isinstance(value, bytes):
        return to_hex(value)
    return value


def decode_revert(data: bytes) -> DecodedError:
    """The named error of revert `data`; `UnknownError` with the raw bytes when no ABI knows it."""
    known = _selectors().get(data[:4])
    if known is None:
        return DecodedError("UnknownError", (to_hex(data),))
    name, types = known
    try:
        values = decode(types, data[4:])
        return DecodedError(name, tuple(_readable(kind, value) for kind, value in zip(types, values, strict=True)))
    except Exception:  # noqa: BLE001 - malformed revert data is still reported, undecoded
        return DecodedError(name, (to_hex(data[4:]),))


def decode_refusal(refusal: ContractCustomError | ContractLogicError) -> DecodedError:
    """The named error of a call web3 reports as reverted (its revert data, else its message)."""
    data = refusal.data
    if isinstance(data, str) and data.startswith("0x"):
        return decode_revert(from_hex(data))
    if isinstance(data, bytes | bytearray):
        return decode_revert(bytes(data))
    return DecodedError("Error", (str(refusal.message or refusal),))
