// Hashes files off the page's thread. WebCrypto has no incremental digest, so a file of several GB is fed
// piece by piece to @noble/hashes' SHA-256 (served from the pinned npm package).
//   {file}           -> {sha256}: the file's SHA-256, the commitment of a single registered file
//   {files: [{file, path}]} -> {root, fileCount, totalBytes, files: [{path, sha256, size}]}: a folder's data
//                        commitment (merkle/2) and each file's digest, as
//                        ledger/manifest/data.py commits a folder and ledger/proofs/merkle.py builds the tree
import { sha256 } from "/assets/noble-hashes/sha2.js";
import { keccak_256 } from "/assets/noble-hashes/sha3.js";
import { bytesToHex, concatBytes, utf8ToBytes } from "/assets/noble-hashes/utils.js";

const CHUNK = 8 * 1024 * 1024;
const LEAF_DOMAIN = keccak_256(utf8ToBytes("DataRightsLedger.EvidenceAnchors.leaf.v1"));

async function digest(file, before, total) {
  const hash = sha256.create();
  for (let offset = 0; offset < file.size; offset += CHUNK) {
    const piece = await file.slice(offset, offset + CHUNK).arrayBuffer();
    hash.update(new Uint8Array(piece));
    self.postMessage({ done: before + Math.min(offset + CHUNK, file.size), total });
  }
  return hash.digest();
}

function compare(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

// The Merkle entry of one file: sha256 of the canonical JSON (RFC 8785: keys sorted) of {path, sha256, size}.
function fileEntry(path, hexDigest, size) {
  return sha256(utf8ToBytes(JSON.stringify({ path, sha256: "0x" + hexDigest, size })));
}

// merkle/2 (docs/formats/merkle.md): exactly OpenZeppelin's StandardMerkleTree over double-hashed,
// domain-tagged leaves sorted ascending, pairs hashed sorted.
function merkleRoot(entries) {
  const leaves = entries.map((entry) => keccak_256(keccak_256(concatBytes(LEAF_DOMAIN, entry))));
  leaves.sort(compare);
  const nodes = new Array(2 * leaves.length - 1);
  leaves.forEach((leaf, i) => (nodes[nodes.length - 1 - i] = leaf));
  for (let i = nodes.length - 1 - leaves.length; i >= 0; i--) {
    const [a, b] = [nodes[2 * i + 1], nodes[2 * i + 2]];
    nodes[i] = keccak_256(compare(a, b) <= 0 ? concatBytes(a, b) : concatBytes(b, a));
  }
  return nodes[0];
}

self.onmessage = async (event) => {
  if (event.data.file) {
    const file = event.data.file;
    self.postMessage({ sha256: bytesToHex(await digest(file, 0, file.size)) });
    return;
  }
  const files = event.data.files;
  const total = files.reduce((sum, { file }) => sum + file.size, 0);
  const entries = [];
  const digests = [];
  let before = 0;
  for (const { file, path } of files) {
    const hex = bytesToHex(await digest(file, before, total));
    entries.push(fileEntry(path, hex, file.size));
    digests.push({ path, sha256: "0x" + hex, size: file.size });
    before += file.size;
  }
  self.postMessage({ root: bytesToHex(merkleRoot(entries)), fileCount: files.length, totalBytes: total, files: digests });
};
