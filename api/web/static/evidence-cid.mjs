// The CID Kubo gives an evidence file added as UnixFS (docs/formats/evidence-cid.md; the Python twin is
// ledger/manifest/unixfs.py): CIDv1, sha2-256, raw leaves, fixed-size chunks, balanced layout, for either profile.
//
// Its own module, beside verify-bundle.mjs, because the bundle check never computes an evidence file's CID: the pages
// do not import it, so its libraries are not served to them; tests/interop/formats_in_js.mjs runs the vectors through
// it under Node. The encodings are the libraries': the UnixFS `Data` protobuf from ipfs-unixfs, DAG-PB from
// @ipld/dag-pb, SHA-256 from @noble/hashes, CIDs from multiformats.
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";

const RAW = 0x55;
const SHA2_256 = 0x12;

/** The `ipfs add` parameters that decide a CID besides CIDv1, raw leaves, sha2-256 and balanced (`UnixFsProfile`). */
export const UNIXFS_PROFILES = {
  "unixfs-v1-2025": { name: "unixfs-v1-2025", chunkSize: 1_048_576, maxLinks: 1024 },
  "drl-unixfs-256k/1": { name: "drl-unixfs-256k/1", chunkSize: 262_144, maxLinks: 174 },
};

const cidOf = (codec, block) => CID.createV1(codec, createDigest(SHA2_256, sha256(block)));

/** A raw leaf: its CID, the file bytes it holds and its block size (`_leaf`). */
function leaf(chunk) {
  return { cid: cidOf(RAW, chunk), fileSize: chunk.length, treeSize: chunk.length };
}

/** A DAG-PB parent of `children`, in order (`_parent`): UnixFS File data with the file size and each child's share;
 * each link's Tsize is the child's cumulative block size, as Kubo writes it. */
function parent(children) {
  const data = new UnixFS({ type: "file", blockSizes: children.map((child) => BigInt(child.fileSize)) });
  const links = children.map((child) => ({ Hash: child.cid, Name: "", Tsize: child.treeSize }));
  const block = dagPb.encode(dagPb.prepare({ Data: data.marshal(), Links: links }));
  const fileSize = children.reduce((sum, child) => sum + child.fileSize, 0);
  const treeSize = children.reduce((sum, child) => sum + child.treeSize, block.length);
  return { cid: cidOf(dagPb.code, block), fileSize, treeSize };
}

/** The CID of a file given as its consecutive chunks of the profile's size, the last possibly shorter
 * (`unixfs_cid`): one chunk is one raw block; more are grouped, level by level, `maxLinks` to a parent. */
export function unixfsCid(chunks, profile) {
  let level = [...chunks].map(leaf);
  if (!level.length) level = [leaf(new Uint8Array())];
  while (level.length > 1) {
    const parents = [];
    for (let i = 0; i < level.length; i += profile.maxLinks) parents.push(parent(level.slice(i, i + profile.maxLinks)));
    level = parents;
  }
  return level[0].cid.toString();
}

/** The CID Kubo gives a file with content `bytes` under the profile named `profileName` (`unixfs_cid_of_bytes`). */
export function unixfsCidOfBytes(bytes, profileName) {
  const profile = UNIXFS_PROFILES[profileName];
  if (!profile) throw new Error(`unknown evidence CID profile ${profileName}`);
  const chunks = [];
  for (let i = 0; i < bytes.length; i += profile.chunkSize) chunks.push(bytes.subarray(i, i + profile.chunkSize));
  return unixfsCid(chunks, profile);
}
