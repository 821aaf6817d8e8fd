"""What every request shares at the edge: unknown fields are refused, addresses are read in any case.

A body with a field the service does not know is more likely a client's mistake (a misspelt optional
field silently ignored) than something to accept. An address is checked against its EIP-55 checksum when
it has mixed case and handed on checksummed, so that all-lowercase input never reaches web3 (which
refuses it, and used to turn it into a 500).
"""

from __future__ import annotations

from typing import Annotated

from eth_utils.address import is_checksum_address, to_checksum_address
from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"


class RequestBody(BaseModel):
    """The base of every request model: fields it does not declare are refused (422)."""

    model_config = ConfigDict(extra="forbid")


def checksummed(value: str) -> str:
    """The EIP-55 form of `value`; a mixed-case address whose checksum does not hold is refused."""
    if value[2:] != value[2:].lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
        raise ValueError("the address's mixed case does not match its EIP-55 checksum")
    return to_checksum_address(value)


Address = Annotated[str, Field(pattern=ADDRESS_PATTERN), AfterValidator(checksummed)]
AddressPath = Annotated[str, Path(pattern=ADDRESS_PATTERN), AfterValidator(checksummed)]
