"""Deploying the ledger's contracts, and attaching to a deployment through its deployment file.

The deployment file records the chain id, the contract addresses and the deployment block (where the
event indexer starts). Attaching checks that the chain id matches and that the code at each address
is the code this package ships, so a restarted chain or a wrong RPC URL is caught at once.
"""

from __future__ import annotations

from pathlib import Path

from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, ConfigDict
from web3 import Web3
from web3.contract import Contract

from ledger.chain.artifacts import abi_of, load_artifact
from ledger.chain.transactions import send_and_wait


class DeploymentMismatchError(RuntimeError):
    """The deployment file does not describe the chain the RPC endpoint serves."""


class Deployment(BaseModel):
    """Where the ledger lives on a chain."""

    model_config = ConfigDict(frozen=True)

    chain_id: int
    deployment_block: int
    admin: str
    ledger_access: str
    certificates: str
    registrations: str
    evidence_anchors: str
    rights: str
    endorsements: str

    def addresses(self) -> dict[str, str]:
        """Contract name to address."""
        return {
            "LedgerAccess": self.ledger_access,
            "Certificates": self.certificates,
            "Registrations": self.registrations,
            "EvidenceAnchors": self.evidence_anchors,
            "Rights": self.rights,
            "Endorsements": self.endorsements,
        }

    def contract(self, w3: Web3, name: str) -> Contract:
        """A web3 contract object for one of the deployed contracts."""
        return w3.eth.contract(address=Web3.to_checksum_address(self.addresses()[name]), abi=abi_of(name))

    def save(self, path: Path) -> None:
        """Writes the deployment file atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(self.model_dump_json(indent=2) + "\n")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        """Reads a deployment file."""
        return cls.model_validate_json(path.read_text())


def _deploy_contract(w3: Web3, account: LocalAccount, name: str, *args: object) -> tuple[str, int]:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(*args).build_transaction({"from": account.address})
    receipt = send_and_wait(w3, account, tx)
    address = receipt["contractAddress"]
    assert address is not None
    return str(address), int(receipt["blockNumber"])


ADMIN_DELAY_SECONDS = 2 * 86_400
"""How long a transfer of the administrator role waits once begun (OpenZeppelin AccessControlDefaultAdminRules)."""


def deploy(w3: Web3, admin: LocalAccount, admin_delay: int = ADMIN_DELAY_SECONDS) -> Deployment:
    """Deploys the contracts, with `admin` holding the default admin role; the registry creates the certificates.

    The admin role moves only in two steps, `admin_delay` seconds apart (see docs/contracts.md for putting it
    behind a multisig). The rights module and the endorsements are deployed after the registry, and `admin`
    connects the rights module to the registry (`setRights`, once).
    """
    access, first_block = _deploy_contract(w3, admin, "LedgerAccess", admin_delay, admin.address)
    registrations, _ = _deploy_contract(w3, admin, "Registrations", access)
    anchors, _ = _deploy_contract(w3, admin, "EvidenceAnchors")
    rights, _ = _deploy_contract(w3, admin, "Rights", registrations)
    endorsements, _ = _deploy_contract(w3, admin, "Endorsements", registrations)
    registry = w3.eth.contract(address=Web3.to_checksum_address(registrations), abi=abi_of("Registrations"))
    connect = registry.functions.setRights(Web3.to_checksum_address(rights))
    send_and_wait(w3, admin, connect.build_transaction({"from": admin.address}))
    return Deployment(
        chain_id=w3.eth.chain_id,
        deployment_block=first_block,
        admin=admin.address,
        ledger_access=access,
        certificates=registry.functions.certificates().call(),
        registrations=registrations,
        evidence_anchors=anchors,
        rights=rights,
        endorsements=endorsements,
    )


def check_deployment(w3: Web3, deployment: Deployment) -> None:
    """Raises DeploymentMismatchError unless the chain serves exactly this deployment's code."""
    if w3.eth.chain_id != deployment.chain_id:
        raise DeploymentMismatchError(f"chain id is {w3.eth.chain_id}, the deployment is on {deployment.chain_id}")
    for name, address in deployment.addresses().items():
        code = bytes(w3.eth.get_code(Web3.to_checksum_address(address)))
        if not matches_artifact(code, name):
            raise DeploymentMismatchError(f"{name} at {address} does not hold the ledger's code")


def matches_artifact(code: bytes, name: str) -> bool:
    """Whether deployed `code` is the artifact's runtime code, with the immutables set at deployment masked."""
    artifact = load_artifact(name)
    expected = bytes.fromhex(artifact["deployedBytecode"][2:])
    if len(code) != len(expected):
        return False
    masked = bytearray(code)
    for start, length in artifact["immutableRanges"]:
        masked[start : start + length] = bytes(length)
    return bytes(masked) == expected


def attach_or_deploy(w3: Web3, admin: LocalAccount, deployment_file: Path) -> tuple[Deployment, bool]:
    """Attaches to the deployment in `deployment_file` if the chain has it, else deploys and writes the file.

    Returns the deployment and whether it was deployed now.
    """
    if deployment_file.exists():
        deployment = Deployment.load(deployment_file)
        check_deployment(w3, deployment)
        return deployment, False
    deployment = deploy(w3, admin)
    deployment.save(deployment_file)
    return deployment, True
