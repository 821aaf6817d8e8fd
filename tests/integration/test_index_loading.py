"""Loading the index fast must not change what it loads: every event decoded as web3 decodes it, every
manifest loaded whatever the page size, a manifest the node lacks left pending and not blocking the rest."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import select
from typer.testing import CliRunner
from web3 import Web3
from web3._utils.events import get_event_data

from ledger.chain.artifacts import abi_of
from ledger.chain.deployment import Deployment
from ledger.chain.events import EventDecoder, plain
from ledger.cli import app
from ledger.encoding import to_hex
from ledger.index.follower import ChainFollower
from ledger.index.manifests import RETRY_FIRST, load_manifests, offer_block, retry_delay
from ledger.index.queries import index_totals
from ledger.index.tables import ManifestBlock, ManifestMiss, ManifestRecord
from ledger.ipfs import IpfsClient
from ledger.manifest.canonical import canonical_json, parse_canonical, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.model import SignedManifest
from ledger.manifest.signing import sign_manifest
from ledger.registration import submission_of
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..factories import make_manifest
from .history import History, drive_mixed_history, drive_rights
from .registry import transact
from .test_index import _database, _dump

pytestmark = pytest.mark.integration


def test_every_event_of_a_mixed_history_decodes_as_web3_decodes_it(chain: tuple[Web3, Deployment]) -> None:
    w3, deployment = chain
    history = History(w3, deployment, dev_account(0, LOCAL_CHAIN_ID))
    history.admit(3)
    drive_mixed_history(history, rounds=4, seed=5)
    drive_rights(history, seed=5)
    decoder = EventDecoder(w3, {address: name for name, address in deployment.addresses().items()})
    logs = w3.eth.get_logs({"fromBlock": deployment.deployment_block, "toBlock": "latest"})
    names = set()
    for entry in logs:
        decoded = decoder.decode(entry)
        assert decoded is not None, entry
        contract, name, args = decoded
        abi = next(e for e in abi_of(contract) if e["type"] == "event" and e["name"] == name)
        expected = get_event_data(w3.codec, abi, entry)  # type: ignore[arg-type]
        assert list(args.items()) == [(key, plain(value)) for key, value in expected["args"].items()]
        names.add(name)
    assert {"RegistrationSubmitted", "Transfer", "RightTransferred", "LicenceGranted", "RoleGranted"} <= names


def _register(w3: Web3, deployment: Deployment, ipfs: IpfsClient | None, registrant: LocalAccount, title: str) -> None:
    """Signs a manifest, stores it on the node (unless `ipfs` is None: a manifest the node never got) and submits."""
    document = sign_manifest(
        make_manifest(registrant.address, title=title), registrant, deployment.chain_id, deployment.registrations
    )
    block = canonical_json(document)
    if ipfs is not None:
        ipfs.put_raw_block(block)
    registry = deployment.contract(w3, "Registrations")
    nonce = registry.functions.nonces(registrant.address).call()
    deadline = w3.eth.get_block("latest")["timestamp"] + 3600
    application = submission_of(document.manifest, sha256(block), nonce, deadline)
    signature = application.sign(registrant, deployment.chain_id, deployment.registrations)
    transact(w3, registrant, registry.functions.submit(application.as_tuple(), signature))


def test_every_manifest_is_loaded_whatever_the_page_size_and_a_missing_one_does_not_stop_the_rest(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    with IpfsClient(kubo_api) as ipfs:
        for number in range(7):
            _register(w3, deployment, None if number == 2 else ipfs, registrant, f"dataset {number}")
        index = _database(tmp_path / "index.db")
        ChainFollower(w3, deployment, index).sync()

        recorded = load_manifests(index, ipfs, deployment.chain_id, deployment.registrations, page_size=2, fetchers=3)
        again = load_manifests(index, ipfs, deployment.chain_id, deployment.registrations, page_size=2)

    assert recorded == 6
    assert again == 0
    with index() as session:
        records = session.scalars(select(ManifestRecord)).all()
        totals = index_totals(session)
    assert all(record.valid for record in records), [record.problem for record in records]
    assert sorted(record.title or "" for record in records) == [f"dataset {n}" for n in range(7) if n != 2]
    assert (totals.registrations, totals.manifest_versions, totals.manifests_recorded) == (7, 7, 6)

    data_dir = tmp_path / "drl"
    data_dir.mkdir()
    deployment.save(data_dir / "deployment.json")
    monkeypatch.setenv("DRL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DRL_RPC_URL", w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    monkeypatch.setenv("DRL_IPFS_API_URL", kubo_api)
    result = CliRunner().invoke(app, ["index", "rebuild"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "7 registrations, 6 manifests loaded of 7 manifest versions, 1 not retrievable from IPFS yet" in said


def _signed_block(deployment: Deployment, registrant: LocalAccount, title: str) -> bytes:
    manifest = make_manifest(registrant.address, title=title)
    return canonical_json(sign_manifest(manifest, registrant, deployment.chain_id, deployment.registrations))


def _submit_block(w3: Web3, deployment: Deployment, registrant: LocalAccount, block: bytes) -> None:
    """Submits the application of the signed manifest `block` straight to the registry."""
    document = parse_canonical(SignedManifest, block)
    registry = deployment.contract(w3, "Registrations")
    nonce = registry.functions.nonces(registrant.address).call()
    deadline = w3.eth.get_block("latest")["timestamp"] + 3600
    application = submission_of(document.manifest, sha256(block), nonce, deadline)
    signature = application.sign(registrant, deployment.chain_id, deployment.registrations)
    transact(w3, registrant, registry.functions.submit(application.as_tuple(), signature))


def test_the_index_holds_the_same_rows_whether_manifests_were_offered_by_the_service_or_fetched_from_the_node(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path
) -> None:
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    blocks = [_signed_block(deployment, registrant, f"dataset {number}") for number in range(5)]
    with IpfsClient(kubo_api) as ipfs:
        for block in blocks:
            ipfs.put_raw_block(block)
            _submit_block(w3, deployment, registrant, block)
        fetched, offered = _database(tmp_path / "fetched.db"), _database(tmp_path / "offered.db")
        with offered.begin() as session:
            for block in blocks[1:]:  # the first one only from the node: a page can mix both
                offer_block(session, block)
        for index in (fetched, offered):
            ChainFollower(w3, deployment, index).sync()
            assert load_manifests(index, ipfs, deployment.chain_id, deployment.registrations, page_size=2) == 5

    assert _dump(offered) == _dump(fetched)
    with offered() as session:
        assert session.scalars(select(ManifestBlock)).all() == []  # taken up, then dropped


def test_an_offered_manifest_is_loaded_without_asking_the_node(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path
) -> None:
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    block = _signed_block(deployment, registrant, "offered only")
    _submit_block(w3, deployment, registrant, block)  # never stored on the node
    index = _database(tmp_path / "index.db")
    with index.begin() as session:
        offer_block(session, block)
    ChainFollower(w3, deployment, index).sync()
    with IpfsClient(kubo_api) as ipfs:
        assert load_manifests(index, ipfs, deployment.chain_id, deployment.registrations) == 1
    with index() as session:
        record = session.scalars(select(ManifestRecord)).one()
    assert (record.valid, record.title, record.cid) == (True, "offered only", raw_cid(block))


def test_an_offered_block_whose_hash_is_not_the_digest_on_chain_is_not_used(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path
) -> None:
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    on_node, absent = (_signed_block(deployment, registrant, title) for title in ("on the node", "absent"))
    # A valid signed manifest of the same registrant: trusted under the wrong digest, it would be recorded as valid.
    impostor = _signed_block(deployment, registrant, "impostor")
    with IpfsClient(kubo_api) as ipfs:
        ipfs.put_raw_block(on_node)
        for block in (on_node, absent):
            _submit_block(w3, deployment, registrant, block)
        index = _database(tmp_path / "index.db")
        with index.begin() as session:
            for block in (on_node, absent):
                session.add(ManifestBlock(digest=to_hex(sha256(block)), block=impostor))
        ChainFollower(w3, deployment, index).sync()
        assert load_manifests(index, ipfs, deployment.chain_id, deployment.registrations) == 1

    with index() as session:
        records = session.scalars(select(ManifestRecord)).all()
    assert [(record.title, record.cid, record.valid) for record in records] == [
        ("on the node", raw_cid(on_node), True)
    ]  # the node's block; the absent one stays pending rather than take the impostor's


class CountingTransport(httpx.HTTPTransport):
    """The HTTP transport to a real Kubo, counting the blocks asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/block/get"):
            self.asked[request.url.params["arg"]] += 1
        return super().handle_request(request)


def test_a_manifest_on_no_node_is_asked_for_once_until_its_next_attempt_and_loaded_once_it_appears(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path
) -> None:
    """Anyone admitted can put on chain the digest of a manifest that is on no node: asked for on every pass of the
    indexer, such digests took 15 % of the service's CPU (issue 13)."""
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    late = _signed_block(deployment, registrant, "pinned late")
    _submit_block(w3, deployment, registrant, late)  # on no node
    index = _database(tmp_path / "index.db")
    ChainFollower(w3, deployment, index).sync()
    transport = CountingTransport()
    start = datetime.now(UTC)

    def load(seconds: float) -> int:
        return load_manifests(
            index, ipfs, deployment.chain_id, deployment.registrations, now=start + timedelta(seconds=seconds)
        )

    with IpfsClient(kubo_api, transport=transport) as ipfs:
        assert load(0) == 0
        assert load(1) == load(RETRY_FIRST.total_seconds() - 1) == 0  # passes before the next attempt ask nothing
        assert transport.asked[raw_cid(late)] == 1
        second = RETRY_FIRST.total_seconds()
        assert load(second) == 0  # due: asked again, missed again; the delay doubles
        assert load(second + retry_delay(2).total_seconds() - 1) == 0
        assert transport.asked[raw_cid(late)] == 2
        with index() as session:
            assert index_totals(session).manifests_not_retrievable == 1
        ipfs.put_raw_block(late)
        assert load(second + retry_delay(2).total_seconds()) == 1

    assert transport.asked[raw_cid(late)] == 3
    with index() as session:
        record = session.scalars(select(ManifestRecord)).one()
        assert session.scalars(select(ManifestMiss)).all() == []  # forgotten once loaded
    assert (record.valid, record.title) == (True, "pinned late")


def test_a_block_the_service_offers_is_taken_at_once_whenever_the_next_attempt_would_be(
    chain: tuple[Web3, Deployment], kubo_api: str, tmp_path: Path
) -> None:
    w3, deployment = chain
    registrant = dev_account(0, LOCAL_CHAIN_ID)
    block = _signed_block(deployment, registrant, "offered after a miss")
    _submit_block(w3, deployment, registrant, block)
    index = _database(tmp_path / "index.db")
    ChainFollower(w3, deployment, index).sync()
    with IpfsClient(kubo_api) as ipfs:
        assert load_manifests(index, ipfs, deployment.chain_id, deployment.registrations) == 0  # a miss
        with index.begin() as session:
            offer_block(session, block)
        assert load_manifests(index, ipfs, deployment.chain_id, deployment.registrations) == 1
    with index() as session:
        assert session.scalars(select(ManifestMiss)).all() == []
