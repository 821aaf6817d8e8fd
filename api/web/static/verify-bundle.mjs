// The published formats (docs/formats/) in JavaScript, and the proof-bundle check (docs/formats/bundle.md) that a
// buyer runs in the browser against a node of their choosing, trusting neither this service nor its database.
//
// The same file runs in the page (an import map points `ethers`, `multiformats` and `@noble/hashes` at the pinned
// npm packages the app serves) and under Node (tests/interop/formats_in_js.mjs runs every vector of
// docs/formats/vectors through it). The cryptography is the libraries': SHA-256 from @noble/hashes, keccak-256,
// EIP-712 and secp256k1 recovery from ethers, Ed25519 (the evidence log's checkpoint notes) from @noble/curves,
// CIDs from multiformats. Nothing here is written by hand but the
// layout of the ledger's own formats; the Python twin of each function is named beside it.
import { Interface, TypedDataEncoder, concat, getAddress, getBytes, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";

export const BUNDLE_VERSION = "drl.bundle/2";
export const NESTED_BUNDLE_VERSION = "drl.bundle/1";
export const MAX_ANCESTORS = 1024;
const MANIFEST_EVENTS = ["RegistrationSubmitted", "RegistrationChanged"];
const LEGACY_MANIFEST = "drl.manifest/1";
const RAW = 0x55;
const SHA2_256 = 0x12;
const DOMAIN = { name: "DataRightsLedger", version: "1" };
const MANIFEST_TYPES = {
  Manifest: [
    { name: "registrant", type: "address" },
    { name: "manifestHash", type: "bytes32" },
  ],
};

/** A check that failed; the message names what failed, as `drl verify-bundle` says it. */
export class BundleCheckError extends Error {
  constructor(message) {
    super(message);
    this.name = "BundleCheckError";
  }
}

const fail = (registrationId, message) => new BundleCheckError(`registration ${registrationId}: ${message}`);
const hex = (bytes) => "0x" + bytesToHex(bytes);

/** RFC 8785 (JCS) text of a JSON value (ledger/manifest/canonical.py `canonical_json`): keys sorted by UTF-16 code
 * units, which is how JavaScript compares strings, and ECMAScript's own number and string serialisation. */
export function canonicalJson(value) {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return "{" + keys.map((key) => JSON.stringify(key) + ":" + canonicalJson(value[key])).join(",") + "}";
}

/** The sha256 of a document's canonical JSON, 0x hex (`document_digest`). */
export function documentDigest(document) {
  return hex(sha256(toUtf8Bytes(canonicalJson(document))));
}

/** The CID of a document stored as one raw block: CIDv1, codec raw, sha2-256 of `digest` (0x hex), base32. */
export function rawCid(digest) {
  return CID.createV1(RAW, createDigest(SHA2_256, getBytes(digest))).toString();
}

/** The Merkle entry of a file of a folder: sha256 of the canonical {path, sha256, size} (`file_entry`). */
export function fileEntry({ path, size, sha256: fileSha256 }) {
  return documentDigest({ path, sha256: fileSha256, size });
}

/** keccak256(keccak256(LEAF_DOMAIN ‖ entry)), as EvidenceAnchors.leafOf (ledger/proofs/merkle.py `leaf_hash`). */
export const LEAF_DOMAIN = keccak256(toUtf8Bytes("DataRightsLedger.EvidenceAnchors.leaf.v1"));

export function leafHash(entry) {
  return keccak256(keccak256(concat([LEAF_DOMAIN, entry])));
}

/** The parent of two nodes: the pair hashed sorted, as OpenZeppelin's MerkleProof. */
export function nodeHash(a, b) {
  return a.toLowerCase() <= b.toLowerCase() ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** Whether `proof` shows `entry` under `root` (merkle/1 and merkle/2 alike: both hash pairs sorted). */
export function merkleVerify(root, entry, proof) {
  return proof.reduce(nodeHash, leafHash(entry)).toLowerCase() === root.toLowerCase();
}

/** The tree of the entries as docs/formats/merkle.md lays it out: {root, leaves, proofs}, leaves and proofs in the
 * entries' order. */
export function merkleTree(entries, scheme = "merkle/2") {
  const leaves = entries.map(leafHash);
  const order = [...leaves].sort();
  if (scheme === "merkle/1") order.reverse();
  const nodes = new Array(2 * order.length - 1);
  order.forEach((leaf, i) => (nodes[nodes.length - 1 - i] = leaf));
  for (let i = nodes.length - 1 - order.length; i >= 0; i--) nodes[i] = nodeHash(nodes[2 * i + 1], nodes[2 * i + 2]);
  const proofs = leaves.map((leaf) => {
    let position = nodes.length - 1 - order.indexOf(leaf);
    const siblings = [];
    while (position > 0) {
      siblings.push(nodes[position % 2 === 0 ? position - 1 : position + 1]);
      position = Math.floor((position - 1) / 2);
    }
    return siblings;
  });
  return { root: nodes[0], leaves, proofs };
}

/** A data commitment's root from its files (docs/formats/data-commitment.md): the one file's sha256, or the root
 * of the tree over one entry per file. */
export function dataCommitmentRoot(files, scheme) {
  if (scheme === "sha256") {
    if (files.length !== 1) throw new Error("a sha256 commitment is of exactly one file");
    return files[0].sha256.toLowerCase();
  }
  return merkleTree(files.map(fileEntry), scheme).root;
}

/** The EIP-712 hashes and the signer of typed data as eth_signTypedData_v4 takes it (docs/formats/eip712.md). */
export function typedData({ domain, types, primaryType, message }, signature) {
  const own = { ...types };
  delete own.EIP712Domain;
  const encoder = TypedDataEncoder.from(own);
  return {
    encoded_type: encoder.encodeType(primaryType),
    type_hash: keccak256(toUtf8Bytes(encoder.encodeType(primaryType))),
    domain_separator: TypedDataEncoder.hashDomain(domain),
    struct_hash: encoder.hashStruct(primaryType, message),
    digest: TypedDataEncoder.hash(domain, own, message),
    signer: signature === undefined ? undefined : verifyTypedData(domain, own, message, signature),
  };
}

/** The registrant's address if a signed manifest checks out for this chain and registry (docs/formats/manifest.md,
 * ledger/manifest/signing.py `verify_manifest_signature`); throws Error naming what does not. */
export function verifyManifest(document, chainId, registry) {
  const { manifest, signature } = document;
  if (manifest.schema !== LEGACY_MANIFEST) {
    if (manifest.chain_id !== Number(chainId) || (manifest.registry ?? "").toLowerCase() !== registry.toLowerCase()) {
      throw new Error(`the manifest is bound to chain ${manifest.chain_id} and registry ${manifest.registry}, not to chain ${chainId} and registry ${registry}`);
    }
  }
  const domain = { ...DOMAIN, chainId, verifyingContract: registry };
  const message = { registrant: manifest.registrant, manifestHash: documentDigest(manifest) };
  let recovered;
  try {
    recovered = verifyTypedData(domain, MANIFEST_TYPES, message, signature.value);
  } catch (error) {
    throw new Error(`the signature is malformed: ${error.shortMessage ?? error.message}`);
  }
  if (recovered !== manifest.registrant || recovered !== signature.signer) {
    throw new Error(`signature recovers to ${recovered}, not ${manifest.registrant}`);
  }
  return recovered;
}

/** Certificate token id: registrationId << 96 | authorityId << 80 | certificateType << 64 | number (docs/formats/ids.md). */
export function certificateTokenId(registrationId, authorityId, certificateType, number) {
  return (BigInt(registrationId) << 96n) | (BigInt(authorityId) << 80n) | (BigInt(certificateType) << 64n) | BigInt(number);
}

/** Licence id: registrationId << 48 | right << 40 | sublicensable << 32 | parentSequence << 16 | sequence. */
export function licenceId(registrationId, right, sublicensable, parentSequence, sequence) {
  return (BigInt(registrationId) << 48n) | (BigInt(right) << 40n) | (BigInt(sublicensable ? 1 : 0) << 32n) | (BigInt(parentSequence) << 16n) | BigInt(sequence);
}

/** Certificate number: yyyymmdd (the block's day in China Standard Time, UTC+8) × 10000 + the day's sequence. */
export function certificateNumber(timestamp, sequence) {
  const day = new Date((Number(timestamp) + 8 * 3600) * 1000);
  const yyyymmdd = day.getUTCFullYear() * 10000 + (day.getUTCMonth() + 1) * 100 + day.getUTCDate();
  return (BigInt(yyyymmdd) * 10000n + BigInt(sequence)).toString();
}

/** A proof bundle's JSON, parsed keeping integers beyond 2^53 exact (as BigInt) where the engine shows the source. */
export function parseBundle(text) {
  return JSON.parse(text, (key, value, context) =>
    typeof value === "number" && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)
      ? BigInt(context.source)
      : value,
  );
}

function base64Bytes(text) {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The data commitment on chain after these events: the submission's, replaced by each approved change. */
export function committedData(events) {
  let committed = "";
  let pending = "";
  for (const event of events) {
    if (event.name === "RegistrationSubmitted") committed = event.args.dataCommitment;
    else if (event.name === "ChangeRequested") pending = event.args.dataCommitment;
    else if (event.name === "RegistrationChanged") committed = pending || committed;
  }
  return committed;
}

/** Checks the manifest block against the events' digest and its signature; returns the block's sha256 and CID. */
export function checkManifest(registration, chainId, registry) {
  const block = base64Bytes(registration.manifest_block);
  const digests = registration.events.filter((e) => MANIFEST_EVENTS.includes(e.name)).map((e) => e.args.manifestDigest);
  if (!digests.length) throw fail(registration.registration_id, "the bundle holds no event naming a manifest");
  const digest = hex(sha256(block));
  const cid = rawCid(digest);
  if (digest !== digests.at(-1).toLowerCase()) {
    throw fail(registration.registration_id, `the manifest block (CID ${cid}) is not the one on chain`);
  }
  let document;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(block);
    document = JSON.parse(text);
    if (canonicalJson(document) !== text) throw new Error("the block is valid JSON for the model but not its canonical form");
    verifyManifest(document, chainId, registry);
  } catch (error) {
    throw fail(registration.registration_id, `the manifest does not check out: ${error.message}`);
  }
  const submitted = registration.events.find((e) => e.name === "RegistrationSubmitted");
  if (document.manifest.registrant !== submitted.args.registrant) {
    throw fail(registration.registration_id, "the manifest's registrant is not the one on chain");
  }
  return { sha256: digest, cid };
}

/** Checks a file's Merkle proof against the data commitment the chain's events name, whatever the manifest says. */
export function checkFile(registration) {
  const proof = registration.file;
  if (!proof) return;
  if (proof.root !== committedData(registration.events)) {
    throw fail(registration.registration_id, "the file proof is not for the data commitment on chain");
  }
  if (!merkleVerify(proof.root, fileEntry(proof), proof.proof)) {
    throw fail(registration.registration_id, `the Merkle proof of ${proof.path} does not hold`);
  }
}

/** An event argument in the bundle's form (ledger/chain/events.py `plain`): bytes as lower-case 0x hex, tuples as
 * lists, integers as exact decimal text (so a bundle's number and the chain's bigint compare). */
function plain(value) {
  if (typeof value === "bigint" || typeof value === "number") return BigInt(value).toString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "string" && /^0x[0-9a-fA-F]*$/.test(value) && value.length !== 42) return value.toLowerCase();
  return value;
}

const sameArgs = (a, b) => canonicalJson(plain(a)) === canonicalJson(plain(b));

function argsOf(parsed) {
  const args = {};
  parsed.fragment.inputs.forEach((input, i) => (args[input.name] = toPlainResult(parsed.args[i])));
  return args;
}

function toPlainResult(value) {
  return typeof value?.toArray === "function" ? value.toArray().map(toPlainResult) : value;
}

/** Thrown when the node cannot be asked (unreachable, or it answered with a JSON-RPC error). */
export class NodeUnreachableError extends Error {
  constructor(message) {
    super(message);
    this.name = "NodeUnreachableError";
  }
}

/** One JSON-RPC call over HTTP (a plain POST: the user's node, no wallet and no retries behind their back). */
async function call(url, method, params) {
  let answer;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    answer = await response.json();
  } catch (error) {
    throw new NodeUnreachableError(`the node at ${url} cannot be reached: ${error.message}`);
  }
  if (answer.error) throw new NodeUnreachableError(`the node answered ${method} with: ${answer.error.message}`);
  return answer.result;
}

/** A reader of any JSON-RPC node (the ChainReader of ledger/proofs/bundle.py): `abi` holds the contracts' events and
 * the registry's `statusOf`. */
export function rpcReader(url, abi) {
  const contracts = new Interface(abi);
  return {
    async chainId() {
      return Number(await call(url, "eth_chainId", []));
    },
    async canonicalBlockHash(number) {
      const block = await call(url, "eth_getBlockByNumber", ["0x" + number.toString(16), false]);
      return block ? block.hash : null;
    },
    async logOf(txHash, logIndex) {
      const receipt = await call(url, "eth_getTransactionReceipt", [txHash]);
      const entry = receipt?.logs.find((log) => Number(log.logIndex) === logIndex);
      const parsed = entry && contracts.parseLog({ topics: entry.topics, data: entry.data });
      if (!parsed) return null;
      return { address: getAddress(entry.address), name: parsed.name, args: argsOf(parsed), block_hash: entry.blockHash };
    },
    async statusOf(registry, registrationId) {
      const data = contracts.encodeFunctionData("statusOf", [registrationId]);
      const answer = await call(url, "eth_call", [{ to: registry, data }, "latest"]);
      return Number(contracts.decodeFunctionResult("statusOf", answer)[0]);
    },
  };
}

async function checkEvent(reader, registration, registry, event) {
  const id = registration.registration_id;
  const where = `${event.name} in ${event.tx_hash} (log ${event.log_index})`;
  if ((await reader.canonicalBlockHash(event.block_number)) !== event.block_hash) {
    throw fail(id, `${where} is not in the canonical block ${event.block_number}`);
  }
  const found = await reader.logOf(event.tx_hash, event.log_index);
  if (!found) throw fail(id, `${where} is not in the transaction's receipt`);
  if (found.block_hash !== event.block_hash) throw fail(id, `${where} is in another block`);
  if (found.address.toLowerCase() !== event.address.toLowerCase() || found.name !== event.name) {
    throw fail(id, `${where}: the chain has ${found.name} from ${found.address}`);
  }
  if (!sameArgs(found.args, event.args)) throw fail(id, `${where}: its arguments differ from the chain's`);
  if (event.contract === "Registrations" && event.address.toLowerCase() !== registry.toLowerCase()) {
    throw fail(id, `${where} was not emitted by the registry ${registry}`);
  }
  if ("registrationId" in event.args && BigInt(event.args.registrationId) !== BigInt(id)) {
    throw fail(id, `${where} concerns registration ${event.args.registrationId}`);
  }
}

async function checkOne(reader, registration, chainId, registry, progress) {
  const id = registration.registration_id;
  if (!registration.events?.length || registration.events[0].name !== "RegistrationSubmitted") {
    throw fail(id, "the bundle does not start with the submission");
  }
  for (const event of registration.events) await checkEvent(reader, registration, registry, event);
  const manifest = checkManifest(registration, chainId, registry);
  checkFile(registration);
  const onChain = await reader.statusOf(registry, id);
  if (onChain !== registration.status) throw fail(id, `the chain says status ${onChain}, the bundle ${registration.status}`);
  progress({ registration_id: id, events: registration.events.length, manifest_cid: manifest.cid, file: registration.file?.path ?? null });
}

const claimedParents = (registration) => (registration.events[0].args.parents ?? []).map((p) => Number(p)).sort((a, b) => a - b);

async function checkNested(reader, registration, chainId, registry, depth, progress) {
  await checkOne(reader, registration, chainId, registry, progress);
  const claimed = claimedParents(registration);
  const listed = (registration.parents ?? []).map((p) => p.registration_id).sort((a, b) => a - b);
  if (canonicalJson(listed) !== canonicalJson(claimed)) {
    throw fail(registration.registration_id, `the bundle's parents differ from the chain's [${claimed.join(", ")}]`);
  }
  if (depth > 32) throw fail(registration.registration_id, "the lineage is deeper than 32 generations");
  for (const parent of registration.parents ?? []) await checkNested(reader, parent, chainId, registry, depth + 1, progress);
}

async function checkLineage(reader, bundle, progress) {
  const ancestors = bundle.ancestors ?? [];
  if (ancestors.length > MAX_ANCESTORS) throw new BundleCheckError(`the bundle lists more than ${MAX_ANCESTORS} ancestors`);
  const registrations = [bundle.registration, ...ancestors];
  const ids = registrations.map((r) => r.registration_id);
  if (new Set(ids).size !== ids.length) throw new BundleCheckError("the bundle lists a registration twice");
  const reachable = new Set();
  for (const registration of registrations) {
    if (registration.parents?.length) throw fail(registration.registration_id, "a drl.bundle/2 registration nests no parents");
    await checkOne(reader, registration, bundle.chain_id, bundle.registry, progress);
    claimedParents(registration).forEach((parent) => reachable.add(parent));
  }
  const strangers = ids.slice(1).filter((id) => !reachable.has(id)).sort((a, b) => a - b);
  if (strangers.length) throw new BundleCheckError(`registrations [${strangers.join(", ")}] are not ancestors`);
  const missing = [...reachable].filter((id) => !ids.includes(id)).sort((a, b) => a - b);
  if (missing.length && !bundle.lineage_truncated) {
    throw new BundleCheckError(`ancestors [${missing.join(", ")}] are missing from the bundle`);
  }
}

/** Checks a bundle in the order of docs/formats/bundle.md; throws BundleCheckError naming the first failure.
 * `progress` hears of each registration that checked out. With `ipfs` (a function from a CID to the block's bytes,
 * or null), each manifest block is also fetched by its CID and compared. */
export async function verifyBundle(reader, bundle, { progress = () => {}, ipfs = null } = {}) {
  if (![BUNDLE_VERSION, NESTED_BUNDLE_VERSION].includes(bundle.version)) {
    throw new BundleCheckError(`unknown bundle version ${bundle.version}`);
  }
  const chainId = await reader.chainId();
  if (chainId !== bundle.chain_id) {
    throw new BundleCheckError(`the node serves chain ${chainId}, the bundle is for ${bundle.chain_id}`);
  }
  if (bundle.version === NESTED_BUNDLE_VERSION) {
    await checkNested(reader, bundle.registration, bundle.chain_id, bundle.registry, 0, progress);
  } else {
    await checkLineage(reader, bundle, progress);
  }
  if (ipfs) await checkIpfs(ipfs, [bundle.registration, ...(bundle.ancestors ?? [])]);
}

async function checkIpfs(ipfs, registrations) {
  for (const registration of registrations) {
    const block = base64Bytes(registration.manifest_block);
    const cid = rawCid(hex(sha256(block)));
    const fetched = await ipfs(cid);
    if (!fetched || hex(sha256(fetched)) !== hex(sha256(block))) {
      throw fail(registration.registration_id, `the IPFS node does not serve the manifest block ${cid}`);
    }
  }
}

/** An IPFS fetcher through a gateway the user chose (`https://host/ipfs/<cid>` or Kubo's `/api/v0/block/get`). */
export function gatewayFetcher(base) {
  const root = base.replace(/\/+$/, "");
  return async (cid) => {
    const api = root.endsWith("/api/v0");
    const answer = await fetch(api ? `${root}/block/get?arg=${cid}` : `${root}/ipfs/${cid}?format=raw`, {
      method: api ? "POST" : "GET",
      headers: api ? {} : { accept: "application/vnd.ipld.raw" },
    });
    return answer.ok ? new Uint8Array(await answer.arrayBuffer()) : null;
  };
}

// ------------------------------------------------------------------ the evidence log (docs/formats/tlog.md)
// RFC 6962 / 9162 hashing and proofs over SHA-256, C2SP signed-note checkpoints under an Ed25519 key, and the
// evidence bundle `drl.evidence-bundle/1` (ledger/proofs/tlog.py, tlog_note.py and tlog_bundle.py).

export const EVIDENCE_BUNDLE_VERSION = "drl.evidence-bundle/1";
const SIGNATURE_PREFIX = "\u2014 ";
const ED25519_ALGORITHM = 0x01;
const utf8 = (text) => new TextEncoder().encode(text);
const concatBytes = (...parts) => Uint8Array.from(parts.flatMap((part) => [...part]));
const sameBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** The RFC 6962 hash of a leaf's bytes: SHA-256(0x00 ‖ entry) (`tlog.leaf_hash`). */
export function tlogLeafHash(entry) {
  return sha256(concatBytes([0x00], entry));
}

/** The RFC 6962 hash of an interior node: SHA-256(0x01 ‖ left ‖ right) (`tlog.node_hash`). */
export function tlogNodeHash(left, right) {
  return sha256(concatBytes([0x01], left, right));
}

/** The number of proof nodes an inclusion proof of `index` in a tree of `size` has (RFC 9162 §2.1.3.1). */
function inclusionLength(index, size) {
  const bitLength = (n) => (n === 0n ? 0 : n.toString(2).length);
  const inner = bitLength(BigInt(index) ^ BigInt(size - 1));
  const border = [...(BigInt(index) >> BigInt(inner)).toString(2)].filter((bit) => bit === "1").length;
  return inner + border;
}

/** Checks that `leaf` (a hash) is at `index` in the tree of `size` with `root` (RFC 9162 §2.1.3.2, the algorithm
 * of `tlog.verify_inclusion`); throws naming what failed. Sizes are JavaScript numbers (exact below 2^53). */
export function verifyTlogInclusion(index, size, leaf, proof, root) {
  if (!(index >= 0 && index < size)) throw new BundleCheckError(`index ${index} is outside a tree of size ${size}`);
  if (proof.length !== inclusionLength(index, size)) throw new BundleCheckError("inclusion proof has the wrong length");
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new BundleCheckError("inclusion proof is too long");
    if (fn % 2 === 1 || fn === sn) {
      r = tlogNodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = tlogNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || !sameBytes(r, root)) throw new BundleCheckError("inclusion proof does not rebuild the root");
}

/** Checks that the tree (size2, root2) extends (size1, root1) (RFC 9162 §2.1.4.2, `tlog.verify_consistency`). */
export function verifyTlogConsistency(size1, size2, proof, root1, root2) {
  if (size1 === size2) {
    if (proof.length || !sameBytes(root1, root2)) throw new BundleCheckError("equal sizes need an empty proof and equal roots");
    return;
  }
  if (!(size1 > 0 && size1 < size2)) throw new BundleCheckError(`no consistency proof from size ${size1} to ${size2}`);
  const path = [...proof];
  if ((BigInt(size1) & (BigInt(size1) - 1n)) === 0n) path.unshift(root1); // a power of two: root1 is its own node
  if (!path.length) throw new BundleCheckError("consistency proof is empty");
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new BundleCheckError("consistency proof is too long");
    if (fn % 2 === 1 || fn === sn) {
      fr = tlogNodeHash(c, fr);
      sr = tlogNodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = tlogNodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || !sameBytes(fr, root1) || !sameBytes(sr, root2)) {
    throw new BundleCheckError("consistency proof does not rebuild both roots");
  }
}

/** A verifier key `name+hash+base64(0x01 ‖ public key)` (`VerifierKey.parse`), its hash checked. */
export function parseVerifierKey(text) {
  const [name, hashHex, ...rest] = text.trim().split("+");
  const blob = rest.join("+"); // base64 has pluses of its own
  const raw = blob ? base64Bytes(blob) : new Uint8Array();
  if (!name || raw.length !== 33 || raw[0] !== ED25519_ALGORITHM) throw new BundleCheckError("not an Ed25519 verifier key");
  const keyHash = sha256(concatBytes(utf8(name + "\n"), raw)).slice(0, 4);
  if (bytesToHex(keyHash) !== hashHex) throw new BundleCheckError("the verifier key's hash does not match its key");
  return { name, publicKey: raw.slice(1), keyHash };
}

/** Verifies a signed checkpoint under `key` and reads it (`verify_checkpoint`): { origin, size, root }. Signatures by
 * other keys are ignored; a line claiming this key that does not verify is an error. */
export function verifyCheckpoint(text, key) {
  const cut = text.lastIndexOf("\n\n");
  if (cut < 0 || !text.endsWith("\n")) throw new BundleCheckError("not a signed note: no blank line before the signatures");
  const body = text.slice(0, cut + 1);
  let verified = false;
  for (const line of text.slice(cut + 2).split("\n").filter((l) => l)) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new BundleCheckError("malformed signature line");
    const [name, blob] = line.slice(SIGNATURE_PREFIX.length).split(" ");
    const raw = base64Bytes(blob ?? "");
    if (name !== key.name || !sameBytes(raw.slice(0, 4), key.keyHash)) continue;
    if (!ed25519.verify(raw.slice(4), utf8(body), key.publicKey)) {
      throw new BundleCheckError("the log's signature on the checkpoint does not verify");
    }
    verified = true;
  }
  if (!verified) throw new BundleCheckError(`no signature by ${key.name} on the checkpoint`);
  const [origin, sizeText, rootText] = body.split("\n");
  if (origin !== key.name) throw new BundleCheckError(`checkpoint origin ${origin} is not the log's ${key.name}`);
  if (!/^(0|[1-9]\d*)$/.test(sizeText ?? "")) throw new BundleCheckError("checkpoint size is not a decimal number");
  const root = base64Bytes(rootText ?? "");
  if (root.length !== 32) throw new BundleCheckError("checkpoint root is not 32 bytes");
  return { origin, size: Number(sizeText), root };
}

const proofBytes = (nodes) => nodes.map((node) => getBytes(node));

/** Checks an evidence bundle's signatures and proofs offline (`check_offline`); returns the checkpoint and the
 * earlier one (or null), both still to be found anchored. */
export function checkEvidenceOffline(bundle) {
  if (bundle.schema !== EVIDENCE_BUNDLE_VERSION) throw new BundleCheckError(`unknown bundle version ${bundle.schema}`);
  const key = parseVerifierKey(bundle.log_key);
  const checkpoint = verifyCheckpoint(bundle.checkpoint.signed_note, key);
  const earlier = bundle.consistency ? verifyCheckpoint(bundle.consistency.checkpoint.signed_note, key) : null;
  const leaf = tlogLeafHash(utf8(bundle.entry));
  verifyTlogInclusion(Number(bundle.index), checkpoint.size, leaf, proofBytes(bundle.inclusion_proof), checkpoint.root);
  if (earlier) {
    const proof = proofBytes(bundle.consistency.proof);
    verifyTlogConsistency(earlier.size, checkpoint.size, proof, earlier.root, checkpoint.root);
  }
  return { checkpoint, earlier, leafHash: hex(leaf), entryDigest: hex(sha256(utf8(bundle.entry))) };
}

export const EVIDENCE_CERTIFICATE_VERSION = "drl.evidence-certificate/1";

/** Checks what an evidence certificate (docs/formats/evidence-certificate.md) states offline (`_check_checkpoint` of
 * ledger/proofs/tlog_certificate.py): its signed note verifies under its log key and states its origin, size and
 * root, and every certified index is inside that checkpoint; returns the checkpoint. Throws naming the member. */
export function checkEvidenceCertificateOffline(document) {
  if (document.schema_version !== EVIDENCE_CERTIFICATE_VERSION) {
    throw new BundleCheckError(`unknown certificate version ${document.schema_version}`);
  }
  const checkpoint = verifyCheckpoint(document.checkpoint.signed_note, parseVerifierKey(document.log_key));
  const signed = { origin: checkpoint.origin, size: checkpoint.size, root: hex(checkpoint.root) };
  for (const member of ["origin", "size", "root"]) {
    if (document.checkpoint[member] !== signed[member]) {
      throw new BundleCheckError(`checkpoint.${member}: the document says ${document.checkpoint[member]}, the signed note says ${signed[member]}`);
    }
  }
  document.entries.forEach((entry, position) => {
    if (!(entry.index >= 0 && entry.index < checkpoint.size)) {
      throw new BundleCheckError(`entries[${position}].index: ${entry.index} is outside the checkpoint of size ${checkpoint.size}`);
    }
  });
  return checkpoint;
}

const ANCHOR_OF = new Interface([
  "function anchorOf(address anchorer, bytes32 root) view returns ((uint64 size, uint40 anchoredAt))",
]);

/** The size a node says `anchorer` anchored for `root` at the EvidenceAnchors contract (0 when never). */
export async function anchoredSize(url, evidenceAnchors, anchorer, root) {
  const data = ANCHOR_OF.encodeFunctionData("anchorOf", [anchorer, hex(root)]);
  const answer = await call(url, "eth_call", [{ to: evidenceAnchors, data }, "latest"]);
  return Number(ANCHOR_OF.decodeFunctionResult("anchorOf", answer)[0].size);
}

/** Checks an evidence bundle (`verify_evidence_bundle`): offline, then each checkpoint anchored with its size on the
 * node at `url`; throws BundleCheckError naming the first failure. */
export async function verifyEvidenceBundle(url, bundle) {
  const { checkpoint, earlier, leafHash } = checkEvidenceOffline(bundle);
  const chainId = Number(await call(url, "eth_chainId", []));
  if (chainId !== bundle.chain_id) throw new BundleCheckError(`the node serves chain ${chainId}, the bundle is for ${bundle.chain_id}`);
  for (const anchored of [checkpoint, earlier].filter((c) => c)) {
    const size = await anchoredSize(url, bundle.evidence_anchors, bundle.anchorer, anchored.root);
    if (size !== anchored.size) {
      throw new BundleCheckError(`checkpoint of size ${anchored.size} is not anchored by ${bundle.anchorer} (chain says size ${size})`);
    }
  }
  return { index: Number(bundle.index), leafHash, size: checkpoint.size, origin: checkpoint.origin, consistent: Boolean(earlier) };
}
