"""The `drl` commands end to end against the real anvil and Kubo of the session."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner
from web3 import Web3

from ledger.chain.deployment import Deployment
from ledger.cli import app
from ledger.manifest.data import file_entry
from ledger.manifest.model import FileDigest
from ledger.proofs.merkle import verify as verify_proof
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.kubo import kubo_process

from ..conftest import free_port
from ..factories import manifest_fields
from .registry import advance_time, events, transact

pytestmark = pytest.mark.integration
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def registrant(w3: Web3, deployment: Deployment, admin: LocalAccount) -> LocalAccount:
    account = dev_account(4, LOCAL_CHAIN_ID)
    access = deployment.contract(w3, "LedgerAccess")
    transact(w3, admin, access.functions.admitParty(account.address, Web3.keccak(text="cli registrant")))
    return account


@pytest.fixture(scope="module")
def workspace(
    tmp_path_factory: pytest.TempPathFactory, anvil_url: str, kubo_api: str, deployment: Deployment
) -> Iterator[Path]:
    """A data directory holding the session's deployment, and the environment pointing at its chain and node."""
    data_dir = tmp_path_factory.mktemp("drl")
    deployment.save(data_dir / "deployment.json")
    (data_dir / "password").write_text(PASSWORD)
    patch = pytest.MonkeyPatch()
    patch.setenv("DRL_DATA_DIR", str(data_dir))
    patch.setenv("DRL_RPC_URL", anvil_url)
    patch.setenv("DRL_IPFS_API_URL", kubo_api)
    patch.delenv("DRL_KEYSTORE_PASSWORD", raising=False)
    yield data_dir
    patch.undo()


def drl(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def imported_key(workspace: Path, registrant: LocalAccount) -> str:
    key_file = workspace / "key.hex"
    key_file.write_text(registrant.key.hex())
    result = drl("keys", "import", str(key_file), "--password-file", str(workspace / "password"))
    assert result.exit_code == 0, result.output
    key_file.unlink()
    return registrant.address


def _metadata(workspace: Path, registrant: str, title: str) -> Path:
    fields = manifest_fields(registrant, title=title)
    fields.pop("data_commitment")
    path = workspace / f"{title}.json"
    path.write_text(json.dumps(fields, default=str, ensure_ascii=False))
    return path


def _dataset(workspace: Path, name: str) -> Path:
    folder = workspace / name
    (folder / "daily").mkdir(parents=True, exist_ok=True)
    (folder / "daily" / "2024-01-01.csv").write_text(f"{name},1\n")
    (folder / "daily" / "2024-01-02.csv").write_text(f"{name},2\n")
    (folder / "schema.json").write_text('{"columns": ["road", "count"]}')
    return folder


def _register(workspace: Path, registrant: str, name: str) -> dict[str, Any]:
    result = drl(
        "register",
        "--data",
        str(_dataset(workspace, name)),
        "--metadata",
        str(_metadata(workspace, registrant, name)),
        "--password-file",
        str(workspace / "password"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_keys_are_listed_and_a_wrong_password_is_a_clear_error(workspace: Path, imported_key: str) -> None:
    assert imported_key in drl("keys", "list").stdout
    wrong = workspace / "wrong"
    wrong.write_text("guess")
    metadata = _metadata(workspace, imported_key, "wrong-password")
    result = drl(
        "register", "--data", str(_dataset(workspace, "wp")), "--metadata", str(metadata), "--password-file", str(wrong)
    )
    assert result.exit_code == 2
    assert "wrong password" in result.output


def test_register_a_folder_verify_a_file_of_it_and_certify(
    workspace: Path, imported_key: str, w3: Web3, deployment: Deployment, admin: LocalAccount
) -> None:
    submitted = _register(workspace, imported_key, "traffic")
    assert submitted["status"] == "mined"
    registration_id = submitted["registration_id"]
    assert isinstance(registration_id, int)

    again = _register(workspace, imported_key, "traffic")
    assert again["tx_hash"] == submitted["tx_hash"]

    member = workspace / "traffic" / "daily" / "2024-01-02.csv"
    pending = drl("verify", str(member), "--json")
    assert pending.exit_code == 1  # found, but not certified yet
    report = json.loads(pending.stdout)
    (match,) = report["matches"]
    assert match["registration_id"] == registration_id
    assert match["status"] == "submitted"
    assert match["manifest"]["signature_valid"] is True
    proof = match["matched_file"]
    assert proof["path"] == "daily/2024-01-02.csv"

    registry = deployment.contract(w3, "Registrations")
    transact(w3, admin, registry.functions.accept(registration_id))
    transact(w3, admin, registry.functions.approve(registration_id))
    advance_time(w3, 7 * 86_400 + 1)
    transact(w3, admin, registry.functions.certify(registration_id))

    certified = drl("verify", str(member), "--json")
    assert certified.exit_code == 0, certified.output
    (match,) = json.loads(certified.stdout)["matches"]
    assert match["status"] == "certified"
    number = match["certificates"][0]["number"]
    assert drl("verify", str(number)).exit_code == 0
    status = drl("status", str(registration_id), "--json")
    assert [event["name"] for event in json.loads(status.stdout)["history"]][:2] == [
        "RegistrationSubmitted",
        "RegistrationAccepted",
    ]


def test_a_file_proof_from_verify_checks_against_the_registered_root(workspace: Path, imported_key: str) -> None:
    _register(workspace, imported_key, "weather")
    member = workspace / "weather" / "daily" / "2024-01-01.csv"
    (match,) = json.loads(drl("verify", str(member), "--json").stdout)["matches"]
    assert match["matched_file"]["path"] == "daily/2024-01-01.csv"
    entry = file_entry(
        FileDigest(
            path=match["matched_file"]["path"],
            size=member.stat().st_size,
            sha256="0x" + hashlib.sha256(member.read_bytes()).hexdigest(),
        )
    )
    root = bytes.fromhex(match["matched_file"]["merkle_root"][2:])
    assert verify_proof(root, entry, [bytes.fromhex(node[2:]) for node in match["matched_file"]["proof"]])


def test_a_malformed_manifest_is_refused_with_every_field_error(workspace: Path, imported_key: str) -> None:
    fields = manifest_fields(imported_key, industry="ZZ", formats=[], title="")
    path = workspace / "bad.json"
    path.write_text(json.dumps(fields, default=str))
    result = drl("register", str(path), "--password-file", str(workspace / "password"))
    assert result.exit_code == 2
    for field in ("industry", "formats", "title"):
        assert field in result.output


def test_an_unreadable_data_file_and_a_wrong_cid_are_clear_errors(workspace: Path, imported_key: str) -> None:
    metadata = _metadata(workspace, imported_key, "missing-data")
    result = drl(
        "register",
        "--data",
        str(workspace / "no-such-folder"),
        "--metadata",
        str(metadata),
        "--password-file",
        str(workspace / "password"),
    )
    assert result.exit_code == 2
    assert "no-such-folder" in result.output

    fields = manifest_fields(imported_key)
    path = workspace / "good.json"
    path.write_text(json.dumps(fields, default=str))
    wrong = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    checked = drl("manifest", "check", str(path), "--cid", wrong)
    assert checked.exit_code == 1
    assert "digest mismatch" in checked.output


def test_with_kubo_down_nothing_is_submitted(
    workspace: Path, imported_key: str, monkeypatch: pytest.MonkeyPatch, w3: Web3, deployment: Deployment
) -> None:
    monkeypatch.setenv("DRL_IPFS_API_URL", f"http://127.0.0.1:{free_port()}")
    registry = deployment.contract(w3, "Registrations")
    before = registry.functions.counts().call()
    result = drl(
        "register",
        "--data",
        str(_dataset(workspace, "offline")),
        "--metadata",
        str(_metadata(workspace, imported_key, "offline")),
        "--password-file",
        str(workspace / "password"),
    )
    assert result.exit_code == 3
    assert "nothing was submitted" in result.output
    assert registry.functions.counts().call() == before


def test_with_the_chain_down_the_command_says_so(
    workspace: Path, imported_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRL_RPC_URL", f"http://127.0.0.1:{free_port()}")
    result = drl(
        "register",
        "--data",
        str(_dataset(workspace, "nochain")),
        "--metadata",
        str(_metadata(workspace, imported_key, "nochain")),
        "--password-file",
        str(workspace / "password"),
    )
    assert result.exit_code == 3
    assert "unreachable" in result.output


def test_retention_check_and_car_export_cover_everything_referenced(
    workspace: Path, imported_key: str, tmp_path: Path, w3: Web3, deployment: Deployment, admin: LocalAccount
) -> None:
    _register(workspace, imported_key, "retained")
    healthy = drl("retention", "check", "--json")
    assert healthy.exit_code == 0, healthy.output
    checked = json.loads(healthy.stdout)["checked"]
    assert checked >= 2

    car = tmp_path / "ledger.car"
    assert drl("export", str(car)).exit_code == 0
    port = free_port()
    with kubo_process(tmp_path / "other-node", port, free_port(), free_port()):
        api = f"http://127.0.0.1:{port}/api/v0"
        with car.open("rb") as stream:
            imported = httpx.post(f"{api}/dag/import", params={"pin-roots": "true"}, files={"file": stream}, timeout=60)
        assert imported.status_code == 200
        roots = [json.loads(line)["Root"]["Cid"]["/"] for line in imported.text.splitlines() if '"Root"' in line]
        assert len(roots) == checked
        assert all(root.startswith("baf") for root in roots)

    certificates = deployment.contract(w3, "Certificates")
    registry = deployment.contract(w3, "Registrations")
    (count, _) = registry.functions.counts().call()
    receipt = transact(w3, admin, registry.functions.issueEvidenceCertificate(count))
    token_id = events(registry, "EvidenceCertificateIssued", receipt)[0]["args"]["tokenId"]
    never_stored = hashlib.sha256(b"a certificate document nobody stored").digest()
    transact(w3, admin, certificates.functions.publishDocument(token_id, never_stored))
    broken = drl("retention", "check", "--json")
    assert broken.exit_code == 1
    (missing,) = json.loads(broken.stdout)["missing"]
    assert missing["kind"] == "certificate_document"


def test_registering_the_same_data_twice_is_refused_unless_asked_again(workspace: Path, imported_key: str) -> None:
    folder = _dataset(workspace, "twice")

    def register(title: str, *extra: str) -> Any:
        metadata = _metadata(workspace, imported_key, title)
        return drl("register", "--data", str(folder), "--metadata", str(metadata), "--password-file",
                   str(workspace / "password"), "--json", *extra)  # fmt: skip

    first = register("twice")
    assert first.exit_code == 0, first.output
    registration_id = json.loads(first.stdout)["registration_id"]

    # The same folder with other metadata is another manifest, but the same data commitment.
    second = register("twice, renamed")
    assert second.exit_code == 1
    assert f"registration {registration_id}" in second.output
    assert "--again" in second.output

    third = register("twice, renamed", "--again")
    assert third.exit_code == 0, third.output
    assert json.loads(third.stdout)["registration_id"] not in (None, registration_id)


def test_drl_bundle_writes_a_bundle_that_verify_bundle_checks(
    workspace: Path, imported_key: str, tmp_path: Path, anvil_url: str
) -> None:
    registration_id = _register(workspace, imported_key, "bundled")["registration_id"]
    assert "drl bundle" in drl("verify-bundle", "--help").output
    out = tmp_path / "bundle.json"
    written = drl("bundle", str(registration_id), "--output", str(out))
    assert written.exit_code == 0, written.output
    checked = drl("verify-bundle", str(out), "--rpc", anvil_url)
    assert checked.exit_code == 0, checked.output
    assert f"registration {registration_id}" in checked.output
    assert drl("bundle", "999999", "--output", str(tmp_path / "none.json")).exit_code == 1
