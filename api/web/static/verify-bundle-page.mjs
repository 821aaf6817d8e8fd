// The bundle page: reads a dropped or chosen proof bundle and checks it here, with verify-bundle.mjs, against the
// RPC URL (and optional IPFS gateway) the user typed. Nothing about the bundle is sent to this service.
import {
  BundleCheckError,
  EVIDENCE_BUNDLE_VERSION,
  NodeUnreachableError,
  gatewayFetcher,
  parseBundle,
  rpcReader,
  verifyBundle,
  verifyEvidenceBundle,
} from "/static/verify-bundle.mjs";

const form = document.getElementById("bundle-form");
const input = document.getElementById("bundle-file");
const drop = document.getElementById("bundle-drop");
const rpc = document.getElementById("rpc-url");
const ipfs = document.getElementById("ipfs-url");
const result = document.getElementById("bundle-result");
const checked = document.getElementById("bundle-checked");
const abi = JSON.parse(document.getElementById("bundle-abi").textContent);
const words = JSON.parse(document.getElementById("bundle-words").textContent);
let dropped = null;

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key]);

// Shows the outcome: a verdict word (verified, failed, unreachable, unreadable) and the reason.
function show(outcome, word, detail = "") {
  result.dataset.outcome = outcome;
  result.className = `verdict ${outcome === "verified" ? "verdict-good" : outcome === "checking" ? "verdict-warn" : "verdict-bad"}`;
  result.replaceChildren();
  const title = document.createElement("p");
  title.className = "verdict-word";
  title.textContent = word;
  result.append(title);
  if (detail) {
    const reason = document.createElement("p");
    reason.className = "wrap";
    reason.id = "bundle-reason";
    reason.textContent = detail;
    result.append(reason);
  }
}

function heard({ registration_id: id, events, manifest_cid: cid, file }) {
  checked.hidden = false;
  const item = document.createElement("li");
  item.textContent = fill(words.checked, { id, events, cid });
  if (file) item.textContent += "; " + fill(words.file, { path: file });
  checked.append(item);
}

async function check() {
  const file = dropped ?? input.files[0];
  if (!file || !rpc.value.trim()) {
    show("unreadable", words.missing);
    return;
  }
  checked.replaceChildren();
  checked.hidden = true;
  let bundle;
  try {
    bundle = parseBundle(await file.text());
  } catch (error) {
    show("unreadable", words.unreadable, error.message);
    return;
  }
  show("checking", words.checking);
  const gateway = ipfs.value.trim() ? gatewayFetcher(ipfs.value.trim()) : null;
  try {
    if (bundle.schema === EVIDENCE_BUNDLE_VERSION) {
      const entry = await verifyEvidenceBundle(rpc.value.trim(), bundle);
      checked.hidden = false;
      const item = document.createElement("li");
      item.textContent = `evidence entry ${entry.index} (leaf ${entry.leafHash}) in checkpoint ${entry.size} of ${entry.origin}, anchored`;
      checked.append(item);
    } else {
      await verifyBundle(rpcReader(rpc.value.trim(), abi), bundle, { progress: heard, ipfs: gateway });
    }
    show("verified", words.verified);
  } catch (error) {
    if (error instanceof NodeUnreachableError) show("unreachable", words.unreachable, error.message);
    else if (error instanceof BundleCheckError) show("failed", words.failed, error.message);
    else show("unreadable", words.unreadable, error.message);
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  check();
});
input.addEventListener("change", () => (dropped = null));
for (const name of ["dragenter", "dragover"]) {
  drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
}
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  if (event.dataTransfer.files.length) {
    dropped = event.dataTransfer.files[0];
    input.required = false;
  }
});
