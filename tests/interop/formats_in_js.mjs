// Every vector of docs/formats/vectors run through the pages' own JavaScript module (api/web/static/verify-bundle.mjs),
// as the browser runs it: reads the vectors folder's path on stdin, writes [{file, name, failures: [...]}, ...].
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as formats from "../../api/web/static/verify-bundle.mjs";

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

process.stdout.write(JSON.stringify(results));
