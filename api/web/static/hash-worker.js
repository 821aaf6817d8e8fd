// Hashes a File in chunks off the page's thread: WebCrypto has no incremental digest, so a file of several
// GB is fed piece by piece to @noble/hashes' SHA-256 (served from the pinned npm package).
import { sha256 } from "/assets/noble-hashes/sha2.js";
import { bytesToHex } from "/assets/noble-hashes/utils.js";

const CHUNK = 8 * 1024 * 1024;

self.onmessage = async (event) => {
  const file = event.data;
  const hash = sha256.create();
  for (let offset = 0; offset < file.size; offset += CHUNK) {
    const piece = await file.slice(offset, offset + CHUNK).arrayBuffer();
    hash.update(new Uint8Array(piece));
    self.postMessage({ done: Math.min(offset + CHUNK, file.size), total: file.size });
  }
  self.postMessage({ sha256: bytesToHex(hash.digest()) });
};
