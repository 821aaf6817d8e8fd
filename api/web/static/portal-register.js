// Registering from the portal: the metadata comes from the form generated from the manifest's schema (each input
// named by its path in the manifest, so the service's field errors are shown beside their field) or from a metadata
// file; the sources are picked from the catalogue; the data is hashed in this browser (the verify box's worker) and
// the draft is made with that commitment; evidence files are uploaded to the draft with their progress shown; then
// the two typed data of a registration (the manifest, then the on-chain application) are shown in words and signed
// by the browser's wallet (EIP-1193 eth_signTypedData_v4) or, when the service holds the registrant's key, through
// custody. Every call carries the session's CSRF token.
const form = document.getElementById("register-form");
const pageWords = JSON.parse(document.getElementById("page-words").textContent);
const csrf = form.dataset.csrf;
const progress = document.getElementById("hash-progress");
const problem = document.getElementById("problem");
const fieldErrors = document.getElementById("field-errors");
const signing = document.getElementById("signing");
const walletButton = document.getElementById("sign-wallet");
const custodyButton = document.getElementById("sign-custody");
const result = document.getElementById("result");
// The page's words come translated from the message catalogue (the template's `page-words`).
const words = pageWords;
const RIGHTS = pageWords.rights;
let draft = null;

function show(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

// ------------------------------------------------------------------------------------------- field errors
// An error names a path of the manifest (`time_range`, `classification.grade`, `formats.0`): it is shown beside
// the field of that path, or of the nearest enclosing one; what names no field of the form is listed apart.
function errorPlace(path) {
  for (let at = path; at; at = at.includes(".") ? at.slice(0, at.lastIndexOf(".")) : "") {
    const place = form.querySelector(`[data-error-for="${CSS.escape(at)}"]`);
    if (place) return place;
  }
  return null;
}

function markField(path, message) {
  const place = errorPlace(path);
  if (!place) return false;
  place.textContent = place.hidden ? message : `${place.textContent} ${message}`;
  place.hidden = false;
  const input = form.querySelector(`[data-path="${CSS.escape(place.dataset.errorFor)}"]`);
  input?.setAttribute("aria-invalid", "true");
  return true;
}

function clearField(path) {
  const place = errorPlace(path);
  if (!place) return;
  place.hidden = true;
  place.textContent = "";
  form.querySelector(`[data-path="${CSS.escape(place.dataset.errorFor)}"]`)?.removeAttribute("aria-invalid");
}

function clearFieldErrors() {
  for (const place of form.querySelectorAll("[data-error-for]")) clearField(place.dataset.errorFor);
  fieldErrors.hidden = true;
}

function showFieldErrors(errors) {
  clearFieldErrors();
  const apart = errors.filter((e) => !markField(e.field, e.message));
  fieldErrors.replaceChildren(
    ...apart.map((e) => Object.assign(document.createElement("li"), { textContent: e.field ? `${e.field}: ${e.message}` : e.message })),
  );
  fieldErrors.hidden = !apart.length;
  form.querySelector("[aria-invalid=true]")?.focus();
}

// The browser's own constraints (required, lengths, pattern), shown the same way.
form.addEventListener("invalid", (event) => markField(event.target.dataset.path || "", event.target.validationMessage), true);
form.addEventListener("input", (event) => {
  const path = event.target.dataset.path || event.target.closest("[data-path]")?.dataset.path;
  if (path && (!event.target.willValidate || event.target.checkValidity())) clearField(path);
});

async function call(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    show(problem, [answer.title, answer.detail].filter(Boolean).join(": "));
    showFieldErrors(answer.errors || []);
    throw Object.assign(new Error(answer.code), { shown: true });
  }
  show(problem, "");
  clearFieldErrors();
  return answer;
}

// ------------------------------------------------------------------------------------------- the form's fields
const salts = [];

function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// A salted commitment, as ledger/manifest/commitments.py makes them: sha256(salt ‖ value), a random 32-byte salt.
async function commitment(path, value) {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const text = new TextEncoder().encode(value);
  const digest = "0x" + hex(await crypto.subtle.digest("SHA-256", new Uint8Array([...salt, ...text])));
  salts.push({ field: path, commitment: digest, salt: "0x" + hex(salt) });
  return { value: digest };
}

async function formFields() {
  const fields = {};
  const put = (path, value) => {
    const parts = path.split(".");
    let node = fields;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    node[parts.at(-1)] = value;
  };
  salts.length = 0;
  for (const input of form.querySelectorAll("[data-path]")) {
    const { path, widget } = input.dataset;
    if (input.closest("[data-optional]") && ![...input.closest("[data-optional]").querySelectorAll("[data-path]")].some((i) => i.value)) continue;
    if (widget === "choices") put(path, [...input.querySelectorAll("input:checked")].map((box) => box.value));
    else if (widget === "yes_no") put(path, input.checked);
    else if (widget === "integer") put(path, input.value === "" ? null : Number(input.value));
    else if (widget === "words") put(path, input.value.split(/[,，]/).map((word) => word.trim()).filter(Boolean));
    else if (widget === "commitment") put(path, input.value ? await commitment(path, input.value) : null);
    else put(path, input.value);
  }
  return fields;
}

// ------------------------------------------------------------------------------------------- sources (parents)
const parentQuery = document.getElementById("parent-q");
const parentResults = document.getElementById("parent-results");
const parentList = document.getElementById("parents");
const noParents = document.getElementById("no-parents");
const parents = new Map();

function describe(item) {
  const status = pageWords.statuses[item.status] || item.status;
  return `${item.title || "—"} · reg:${item.registration_id} · ${status}`;
}

function drawParents() {
  parentList.replaceChildren(
    ...[...parents.values()].map((item) => {
      const row = Object.assign(document.createElement("li"), { textContent: describe(item) + " " });
      row.dataset.registration = item.registration_id;
      row.dataset.status = item.status;
      const remove = Object.assign(document.createElement("button"), { type: "button", textContent: pageWords.remove });
      remove.setAttribute("aria-label", `${pageWords.remove} reg:${item.registration_id}`);
      remove.addEventListener("click", () => {
        parents.delete(item.registration_id);
        drawParents();
        parentQuery.focus();
      });
      row.append(remove);
      return row;
    }),
  );
  if (!parents.size) parentList.append(noParents);
}

async function searchParents() {
  const query = new URLSearchParams({ limit: "10" });
  if (parentQuery.value.trim()) query.set("q", parentQuery.value.trim());
  const response = await fetch(`/v1/catalogue?${query}`);
  if (!response.ok) {
    parentResults.replaceChildren(Object.assign(document.createElement("li"), { textContent: pageWords.searchFailed }));
    return;
  }
  const { items } = await response.json();
  parentResults.replaceChildren(
    ...items.map((item) => {
      const row = Object.assign(document.createElement("li"), { textContent: describe(item) + " " });
      row.dataset.registration = item.registration_id;
      const add = Object.assign(document.createElement("button"), { type: "button", textContent: pageWords.add });
      add.setAttribute("aria-label", `${pageWords.add}: reg:${item.registration_id}`);
      add.disabled = parents.has(item.registration_id);
      add.addEventListener("click", () => {
        parents.set(item.registration_id, item);
        add.disabled = true;
        drawParents();
      });
      row.append(add);
      return row;
    }),
  );
  if (!items.length) parentResults.append(Object.assign(document.createElement("li"), { textContent: pageWords.nothingFound }));
}

document.getElementById("parent-search").addEventListener("click", () => searchParents());
parentQuery.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault(); // searching, not submitting the registration
    searchParents();
  }
});

function hashData() {
  const file = document.getElementById("data").files[0];
  const folder = [...document.getElementById("data-folder").files];
  if (!file && !folder.length) return Promise.reject(new Error(words.noData));
  const message = file
    ? { file }
    : { files: folder.map((f) => ({ file: f, path: f.webkitRelativePath.split("/").slice(1).join("/") })) };
  progress.hidden = false;
  return new Promise((resolve, reject) => {
    const worker = new Worker("/static/hash-worker.js", { type: "module" });
    worker.onmessage = ({ data }) => {
      if (data.sha256 === undefined && data.root === undefined) {
        progress.value = data.total ? data.done / data.total : 1;
        return;
      }
      worker.terminate();
      progress.value = 1;
      resolve(
        data.sha256 !== undefined
          ? {
              scheme: "sha256", root: "0x" + data.sha256, file_count: 1, total_bytes: file.size,
              files: [{ path: file.name, size: file.size, sha256: "0x" + data.sha256 }],
            }
          : { scheme: "merkle/2", root: "0x" + data.root, file_count: data.fileCount, total_bytes: data.totalBytes },
      );
    };
    worker.onerror = () => reject(new Error("hash"));
    worker.postMessage(message);
  });
}

// The typed data in words: each field of the message by its name in the page's language, with its value.
function explain(view) {
  const typed = view.to_sign;
  const first = view.state === "draft";
  show(document.getElementById("signing-title"), first ? words.manifest : words.application);
  show(document.getElementById("signing-what"), first ? words.manifestWhat : words.applicationWhat);
  const facts = { ...typed.message, verifyingContract: typed.domain.verifyingContract, chainId: typed.domain.chainId };
  const list = document.getElementById("to-sign");
  list.replaceChildren();
  for (const [name, value] of Object.entries(facts)) {
    let text = Array.isArray(value) ? value.join(", ") || "—" : String(value);
    if (name === "rights") text = RIGHTS.filter((_, bit) => Number(value) & (1 << bit)).join(", ");
    if (name === "deadline") text = new Date(Number(value) * 1000).toISOString().replace(".000Z", " UTC");
    list.append(Object.assign(document.createElement("dt"), { textContent: words.labels[name] || name }));
    list.append(Object.assign(document.createElement("dd"), { textContent: text }));
  }
  signing.dataset.draft = view.id;
  signing.hidden = false;
  walletButton.hidden = !window.ethereum;
}

async function sign(withWallet) {
  let signature = null;
  if (withWallet) {
    const [account] = await window.ethereum.request({ method: "eth_requestAccounts" });
    signature = await window.ethereum.request({
      method: "eth_signTypedData_v4",
      params: [account, JSON.stringify(draft.to_sign)],
    });
  }
  const step = draft.state === "draft" ? "manifest-signature" : "submission";
  draft = await call(`/portal/drafts/${draft.id}/${step}`, { signature });
  evidence.hidden = true; // a signed manifest takes no more evidence
  if (draft.state === "submitted") {
    signing.hidden = true;
    result.replaceChildren();
    if (draft.registration_id) {
      const link = Object.assign(document.createElement("a"), {
        href: `/verify?q=reg:${draft.registration_id}`,
        textContent: `reg:${draft.registration_id}`,
      });
      result.append(`${words.submitted} `, link);
      result.dataset.registrationId = draft.registration_id;
    } else {
      result.append(words.queued);
    }
    result.hidden = false;
  } else {
    explain(draft);
  }
}

// ------------------------------------------------------------------------------------------- evidence uploads
const evidence = document.getElementById("evidence");
const uploads = document.getElementById("uploads");
const uploadButton = document.getElementById("upload-evidence");

// One file to the draft's evidence route, with its progress; the draft as the service now has it, or null.
function upload(file, row) {
  const bar = row.querySelector("progress");
  const outcome = row.querySelector("[data-outcome]");
  const body = new FormData();
  body.append("file", file);
  body.append("kind", document.getElementById("evidence-kind").value);
  const agency = document.getElementById("evidence-agency").value.trim();
  if (agency) body.append("issuing_agency", agency);
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/portal/drafts/${draft.id}/evidence`);
    request.setRequestHeader("x-csrf-token", csrf);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    });
    const failed = (text) => {
      row.dataset.state = "failed";
      outcome.textContent = `${pageWords.uploadFailed}: ${text}`;
      outcome.className = "field-error";
      resolve(null);
    };
    request.addEventListener("load", () => {
      const answer = request.response || {};
      if (request.status >= 300) return failed([answer.title, answer.detail].filter(Boolean).join(": ") || String(request.status));
      bar.value = 100;
      const stored = answer.manifest.evidence.at(-1);
      row.dataset.state = "stored";
      row.dataset.cid = stored.cid;
      outcome.replaceChildren(`${pageWords.uploaded}: `, Object.assign(document.createElement("code"), { textContent: stored.cid }));
      resolve(answer);
    });
    request.addEventListener("error", () => failed("network"));
    request.send(body);
  });
}

// One after the other: each upload changes the draft's manifest, which the next one extends.
async function uploadAll() {
  const files = [...document.getElementById("evidence-files").files];
  if (!files.length) return;
  uploadButton.disabled = walletButton.disabled = true;
  if (custodyButton) custodyButton.disabled = true;
  uploads.hidden = false;
  const rows = files.map((file) => {
    const row = document.createElement("tr");
    row.dataset.file = file.name;
    const name = Object.assign(document.createElement("td"), { textContent: file.name });
    const bar = Object.assign(document.createElement("progress"), { max: 100, value: 0 });
    bar.setAttribute("aria-label", file.name);
    const progressCell = document.createElement("td");
    progressCell.append(bar);
    const outcome = document.createElement("td");
    outcome.dataset.outcome = "";
    row.append(name, progressCell, outcome);
    uploads.tBodies[0].append(row);
    return row;
  });
  for (const [index, file] of files.entries()) {
    const answer = await upload(file, rows[index]);
    if (answer) draft = answer;
  }
  document.getElementById("evidence-files").value = "";
  uploadButton.disabled = walletButton.disabled = false;
  if (custodyButton) custodyButton.disabled = false;
  explain(draft); // the manifest, and so the digest to sign, changed
}
uploadButton.addEventListener("click", () => uploadAll().catch(failed));

function offerSalts() {
  const link = document.getElementById("salts-link");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([JSON.stringify(salts, null, 2)], { type: "application/json" }));
  document.getElementById("salts").hidden = !salts.length;
}

// ------------------------------------------------------------------------------------------- preparing the draft
async function metadata() {
  const file = document.getElementById("metadata").files[0];
  if (file) {
    let fields;
    try {
      fields = JSON.parse(await file.text());
    } catch {
      throw new Error(words.badMetadata);
    }
    return parents.size ? { ...fields, parents: [...parents.keys()] } : fields;
  }
  if (!form.checkValidity()) {
    show(problem, pageWords.formInvalid);
    form.querySelector(":invalid")?.focus();
    throw Object.assign(new Error("invalid"), { shown: true });
  }
  return { ...(await formFields()), parents: [...parents.keys()] };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors();
  try {
    const fields = await metadata();
    fields.data_commitment = await hashData();
    draft = await call("/portal/drafts", fields);
    offerSalts();
    evidence.hidden = false;
    explain(draft);
  } catch (error) {
    if (!error.shown) show(problem, error.message);
  }
});
const failed = (error) => error.shown || show(problem, error.message);
walletButton.addEventListener("click", () => sign(true).catch(failed));
custodyButton?.addEventListener("click", () => sign(false).catch(failed));
