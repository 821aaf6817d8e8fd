// Every vector of docs/formats/vectors run through the pages' own JavaScript modules (api/web/static/verify-bundle.mjs,
// and evidence-cid.mjs for the evidence-file CIDs),
// as the browser runs it: reads the vectors folder's path on stdin, writes [{file, name, failures: [...]}, ...].
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as formats from "../../api/web/static/verify-bundle.mjs";
import { UNIXFS_PROFILES, unixfsCidOfBytes } from "../../api/web/static/evidence-cid.mjs";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const folder = JSON.parse(input).vectors;
const read = (name) => JSON.parse(readFileSync(join(folder, name), "utf8"));
const results = [];

// Runs one vector's comparisons; each is [what, computed, expected].
function vector(file, name, compute) {
  const failures = [];
  try {
    for (const [what, got, want] of compute()) {
      if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${what}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
    }
  } catch (error) {
    failures.push(`threw ${error.stack}`);
  }
  results.push({ file, name, failures });
}

function typedDataChecks(v) {
  const got = formats.typedData(v.typed_data, v.signature);
  return ["encoded_type", "type_hash", "domain_separator", "struct_hash", "digest", "signer"].map((key) => [key, got[key], v[key]]);
}

for (const v of read("eip712.json").vectors) vector("eip712.json", v.name, () => typedDataChecks(v));

for (const v of read("manifest.json").vectors) {
  vector("manifest.json", v.name, () => {
    const document = JSON.parse(v.signed_document_canonical);
    return [
      ["manifest canonical", formats.canonicalJson(JSON.parse(v.manifest_canonical)), v.manifest_canonical],
      ["manifest_hash", formats.documentDigest(document.manifest), v.manifest_hash],
      ["signed document canonical", formats.canonicalJson(document), v.signed_document_canonical],
      ["signed_document_sha256", formats.documentDigest(document), v.signed_document_sha256],
      ["signed_document_cid", formats.rawCid(v.signed_document_sha256), v.signed_document_cid],
      ["registrant", formats.verifyManifest(document, Number(v.chain_id), v.registry), document.manifest.registrant],
      ...typedDataChecks(v.eip712),
    ];
  });
}

const merkle = read("merkle.json");
vector("merkle.json", "leaf domain", () => [["leaf_domain", formats.LEAF_DOMAIN, merkle.leaf_domain]]);
for (const tree of merkle.trees) {
  vector("merkle.json", `${tree.scheme}, ${tree.size} entries`, () => {
    const built = formats.merkleTree(tree.entries, tree.scheme);
    return [
      ["leaves", built.leaves, tree.leaves],
      ["root", built.root, tree.root],
      ["proofs", built.proofs, tree.proofs],
      ["every proof holds", tree.entries.every((e, i) => formats.merkleVerify(tree.root, e, tree.proofs[i])), true],
    ];
  });
}

const commitment = read("data-commitment.json");
for (const file of commitment.files) {
  vector("data-commitment.json", `entry of ${file.path}`, () => [
    ["entry_canonical", formats.canonicalJson({ path: file.path, sha256: file.sha256, size: file.size }), file.entry_canonical],
    ["entry", formats.fileEntry(file), file.entry],
  ]);
}
for (const folder of commitment.folder) {
  vector("data-commitment.json", `folder, ${folder.scheme}`, () => [
    ["root", formats.dataCommitmentRoot(commitment.files, folder.scheme), folder.root],
    ...commitment.files.map((f) => [`proof of ${f.path}`, formats.merkleVerify(folder.root, formats.fileEntry(f), folder.proofs[f.path]), true]),
  ]);
}
vector("data-commitment.json", "single file, sha256", () => [
  ["root", formats.dataCommitmentRoot([commitment.single_file.file], "sha256"), commitment.single_file.root],
]);

const ids = read("ids.json");
for (const v of ids.certificate_token_ids) {
  vector("ids.json", `token id of ${v.number}`, () => {
    const id = formats.certificateTokenId(v.registration_id, v.authority_id, v.certificate_type, v.number);
    return [["token_id", id.toString(), v.token_id], ["token_id_hex", "0x" + id.toString(16), v.token_id_hex]];
  });
}
for (const v of ids.licence_ids) {
  vector("ids.json", `licence id ${v.licence_id}`, () => {
    const id = formats.licenceId(v.registration_id, v.right, v.sublicensable, v.parent_sequence, v.sequence);
    const parent = v.parent_sequence ? formats.licenceId(v.registration_id, v.right, true, 0, v.parent_sequence).toString() : "0";
    return [["licence_id", id.toString(), v.licence_id], ["licence_id_hex", "0x" + id.toString(16), v.licence_id_hex], ["parent_licence_id", parent, v.parent_licence_id]];
  });
}
for (const v of ids.certificate_numbers) {
  vector("ids.json", `certificate number ${v.number}`, () => [["number", formats.certificateNumber(v.timestamp, v.sequence), v.number]]);
}

for (const v of read("certificate.json").vectors) {
  vector("certificate.json", v.document.schema_version, () => [
    ["canonical", formats.canonicalJson(v.document), v.canonical],
    ["sha256", formats.documentDigest(v.document), v.sha256],
    ["cid", formats.rawCid(v.sha256), v.cid],
    ["token_uri", "ipfs://" + formats.rawCid(v.sha256), v.token_uri],
  ]);
}

for (const [i, v] of read("bundle.json").vectors.entries()) {
  vector("bundle.json", `${v.bundle.version} #${i}`, () => {
    const registration = v.bundle.registration;
    const manifest = formats.checkManifest(registration, v.bundle.chain_id, v.bundle.registry);
    let holds = true;
    try {
      formats.checkFile(registration);
    } catch {
      holds = false;
    }
    return [
      ["manifest_block_sha256", manifest.sha256, v.expected.manifest_block_sha256],
      ["manifest_block_cid", manifest.cid, v.expected.manifest_block_cid],
      ["committed_data", formats.committedData(registration.events), v.expected.committed_data],
      ["file_proof_holds", holds, v.expected.file_proof_holds],
    ];
  });
}

const fromHex = (text) => Uint8Array.from((text.replace(/^0x/, "").match(/../g) ?? []).map((byte) => parseInt(byte, 16)));
const toHex = (bytes) => "0x" + [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
const holds = (check) => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};

// transparency-dev/merkle's reference tree: every root, inclusion and consistency proof, and a tampered proof refused.
const merkleRef = read("tlog-merkle.json");
vector("tlog-merkle.json", "leaf hashes and roots", () => {
  const leaves = merkleRef.leaves.map((leaf) => formats.tlogLeafHash(fromHex(leaf)));
  return [["inclusion leaf hashes are the leaves'", merkleRef.inclusion.every((v) => toHex(leaves[v.index]) === "0x" + v.leaf_hash), true]];
});
vector("tlog-merkle.json", "inclusion proofs", () =>
  merkleRef.inclusion.flatMap((v) => {
    const args = [v.index, v.size, fromHex(v.leaf_hash), v.proof.map(fromHex), fromHex(merkleRef.roots[v.size])];
    const tampered = v.proof.length ? [v.index, v.size, fromHex(v.leaf_hash), [fromHex(merkleRef.roots[0]), ...v.proof.slice(1).map(fromHex)], args[4]] : null;
    return [
      [`${v.index} in ${v.size}`, holds(() => formats.verifyTlogInclusion(...args)), true],
      ...(tampered ? [[`${v.index} in ${v.size}, tampered`, holds(() => formats.verifyTlogInclusion(...tampered)), false]] : []),
    ];
  }),
);
vector("tlog-merkle.json", "consistency proofs", () =>
  merkleRef.consistency.flatMap((v) => {
    const roots = [fromHex(merkleRef.roots[v.size1]), fromHex(merkleRef.roots[v.size2])];
    return [
      [`${v.size1} to ${v.size2}`, holds(() => formats.verifyTlogConsistency(v.size1, v.size2, v.proof.map(fromHex), ...roots)), true],
      [`${v.size1} to ${v.size2}, against another root`, holds(() => formats.verifyTlogConsistency(v.size1, v.size2, v.proof.map(fromHex), roots[0], fromHex(merkleRef.roots[0]))), false],
    ];
  }),
);

// The ledger's own: the entry's leaf, the signed checkpoint, the proofs and an evidence bundle (docs/formats/tlog.md).
const tlogVectors = read("tlog.json");
vector("tlog.json", "entry", () => [
  ["leaf", formats.canonicalJson(tlogVectors.entry.fields), tlogVectors.entry.leaf],
  ["digest", formats.documentDigest(tlogVectors.entry.fields), tlogVectors.entry.digest],
  ["leaf_hash", toHex(formats.tlogLeafHash(new TextEncoder().encode(tlogVectors.entry.leaf))), tlogVectors.entry.leaf_hash],
]);
vector("tlog.json", "checkpoint", () => {
  const key = formats.parseVerifierKey(tlogVectors.key.verifier_key);
  const checkpoint = formats.verifyCheckpoint(tlogVectors.checkpoint.signed_note, key);
  const forged = tlogVectors.checkpoint.signed_note.replace(`\n${tlogVectors.checkpoint.size}\n`, `\n${tlogVectors.checkpoint.size + 1}\n`);
  return [
    ["origin", checkpoint.origin, tlogVectors.checkpoint.origin],
    ["size", checkpoint.size, tlogVectors.checkpoint.size],
    ["root", toHex(checkpoint.root), tlogVectors.checkpoint.root],
    ["a changed size is refused", holds(() => formats.verifyCheckpoint(forged, key)), false],
  ];
});
vector("tlog.json", "proofs", () => [
  ["inclusion", tlogVectors.inclusion.every((v) => holds(() => formats.verifyTlogInclusion(v.index, v.size, fromHex(v.leaf_hash), v.proof.map(fromHex), fromHex(v.root)))), true],
  ["consistency", tlogVectors.consistency.every((v) => holds(() => formats.verifyTlogConsistency(v.size1, v.size2, v.proof.map(fromHex), fromHex(v.root1), fromHex(v.root2)))), true],
]);
vector("tlog.json", "evidence bundle", () => {
  const bundle = tlogVectors.evidence_bundle;
  const checked = formats.checkEvidenceOffline(bundle);
  const edited = { ...bundle, entry: bundle.entry.replace('"C13"', '"C14"') };
  return [
    ["checkpoint size", checked.checkpoint.size, formats.verifyCheckpoint(bundle.checkpoint.signed_note, formats.parseVerifierKey(bundle.log_key)).size],
    ["consistent with the earlier checkpoint", checked.earlier !== null, Boolean(bundle.consistency)],
    ["an edited entry is refused", holds(() => formats.checkEvidenceOffline(edited)), false],
  ];
});

// Evidence-file CIDs (docs/formats/evidence-cid.md): each profile's parameters, and each file's CID as Kubo made it.
const evidenceCids = read("evidence-cid.json");
for (const p of evidenceCids.profiles) {
  vector("evidence-cid.json", `profile ${p.name}`, () => [
    ["chunk_size", UNIXFS_PROFILES[p.name]?.chunkSize, p.chunk_size],
    ["max_links", UNIXFS_PROFILES[p.name]?.maxLinks, p.max_links],
  ]);
}
for (const f of evidenceCids.files) {
  vector("evidence-cid.json", `${f.profile}, ${f.size} bytes`, () => {
    const bytes = Uint8Array.from({ length: f.size }, (_, i) => i % 251);
    return [["cid", unixfsCidOfBytes(bytes, f.profile), f.cid]];
  });
}

// The evidence certificate (docs/formats/evidence-certificate.md): its block and CID, its signed checkpoint, and its
// entry against that entry's bundle (tlog.json's evidence_bundle); an edited checkpoint member is refused.
const evidenceCertificate = read("evidence-certificate.json");
vector("evidence-certificate.json", evidenceCertificate.document.schema_version, () => {
  const document = evidenceCertificate.document;
  const checkpoint = formats.checkEvidenceCertificateOffline(document);
  const bundle = tlogVectors.evidence_bundle;
  const proved = formats.checkEvidenceOffline(bundle);
  const [entry] = document.entries;
  const edited = { ...document, checkpoint: { ...document.checkpoint, size: document.checkpoint.size + 1 } };
  return [
    ["canonical", formats.canonicalJson(document), evidenceCertificate.canonical],
    ["sha256", formats.documentDigest(document), evidenceCertificate.sha256],
    ["evidence_entry_subject", formats.documentDigest(document), evidenceCertificate.evidence_entry_subject],
    ["cid", formats.rawCid(evidenceCertificate.sha256), evidenceCertificate.cid],
    ["entries", document.entries.length, 1],
    ["entry index is the bundle's", entry.index, Number(bundle.index)],
    ["entry leaf_hash is the bundle entry's", entry.leaf_hash, proved.leafHash],
    ["signed note is the bundle's checkpoint", document.checkpoint.signed_note, bundle.checkpoint.signed_note],
    ["the entry is included in the certified checkpoint", holds(() => formats.verifyTlogInclusion(entry.index, checkpoint.size, fromHex(entry.leaf_hash), bundle.inclusion_proof.map(fromHex), checkpoint.root)), true],
    ["an edited checkpoint size is refused", holds(() => formats.checkEvidenceCertificateOffline(edited)), false],
  ];
});

process.stdout.write(JSON.stringify(results));
