// The portal's actions on rights: the form's terms are sent to the terms route, the typed data it answers is shown
// in words, then signed by the browser's wallet (EIP-1193 eth_signTypedData_v4) or, when the service holds the
// person's key, through custody, and sent with wait (the answer is the result on chain). On a transfer offer's
// page the new holder signs the terms the holder signed. Errors are shown beside their fields, the contracts'
// refusals as sentences (the words come from the page, in its language). Every call carries the CSRF token.
const words = JSON.parse(document.getElementById("sign-words").textContent);
const form = document.getElementById("action-form");
const offer = document.getElementById("offer");
const host = form || offer;
const csrf = host.dataset.csrf;
const problem = document.getElementById("problem");
const result = document.getElementById("result");
const walletButton = document.getElementById("sign-wallet");
const custodyButton = document.getElementById("sign-custody");
let prepared = null; // {fields, typed}: what the person saw and signs

function show(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

function clearErrors() {
  show(problem, "");
  for (const error of document.querySelectorAll(".field-error")) show(error, "");
  for (const input of document.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

// A problem document as words: a contract's refusal by its rule, the service's own codes, each field's error beside it.
function explainProblem(answer) {
  let beside = 0;
  for (const { field, message } of answer.errors || []) {
    const error = document.getElementById(`err-${field}`);
    if (!error) continue;
    show(error, message);
    const input = document.querySelector(`[aria-describedby~="err-${field}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
    beside += 1;
  }
  if (answer.code === "contract_refused" && answer.rule) {
    return words.refusals[answer.rule] || words.refused.replace("{rule}", answer.rule);
  }
  const known = words.problems[answer.code];
  if (known && (answer.code !== "invalid_request" || beside)) return known;
  return [answer.title, answer.detail].filter(Boolean).join(": ");
}

async function call(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    problem.dataset.code = answer.code || "";
    problem.dataset.rule = answer.rule || "";
    show(problem, explainProblem(answer));
    throw Object.assign(new Error(answer.code), { shown: true, status: response.status, code: answer.code });
  }
  return answer;
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return "0x" + [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The form's fields as the API names them: references hashed (a 0x digest kept as it is), days as UTC seconds.
async function fieldsOf() {
  const fields = {};
  for (const input of form.querySelectorAll("[name]")) {
    const text = input.value.trim();
    if (input.type === "checkbox") fields[input.name] = input.checked;
    else if (input.dataset.digestOf) {
      fields[input.dataset.digestOf] = /^0x[0-9a-fA-F]{64}$/.test(text) ? text.toLowerCase() : text ? await sha256Hex(text) : "";
    } else if (input.dataset.time !== undefined) fields[input.name] = text ? Date.parse(`${text}T00:00:00Z`) / 1000 : -1;
    else fields[input.name] = text;
  }
  return fields;
}

function valueInWords(name, value) {
  if (name === "right") return words.rights[Number(value)] ?? String(value);
  if (name === "licenceType") return words.licenceTypes[Number(value)] ?? String(value);
  if (name === "kind") return words.encumbrances[Number(value)] ?? String(value);
  if (name === "sublicensable") return value ? words.yes : words.no;
  if (["deadline", "startsAt", "endsAt"].includes(name)) {
    return `${new Date(Number(value) * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`; // as the pages write times
  }
  return String(value);
}

// The typed data in words: each field of the message by its name in the page's language, with its value.
function explain(typed) {
  const facts = { ...typed.message, verifyingContract: typed.domain.verifyingContract, chainId: typed.domain.chainId };
  const order = (typed.types?.[typed.primaryType] || []).map((field) => field.name); // the order they are signed in
  const names = [...order.filter((name) => name in facts), ...Object.keys(facts).filter((name) => !order.includes(name))];
  const list = document.getElementById("to-sign");
  list.replaceChildren();
  for (const [name, value] of names.map((name) => [name, facts[name]])) {
    list.append(Object.assign(document.createElement("dt"), { textContent: words.labels[name] || name }));
    list.append(Object.assign(document.createElement("dd"), { textContent: valueInWords(name, value) }));
  }
  if (walletButton) walletButton.hidden = !window.ethereum;
}

async function walletSignature(typed) {
  if (!window.ethereum) throw new Error(words.noWallet);
  const [account] = await window.ethereum.request({ method: "eth_requestAccounts" });
  return window.ethereum.request({ method: "eth_signTypedData_v4", params: [account, JSON.stringify(typed)] });
}

// What the write came to, in words; `data-done` names it for the reader and the tests.
function showResult(answer) {
  result.replaceChildren();
  if (answer.state) {
    result.dataset.state = answer.state;
    if (answer.state === "awaiting_new_holder") {
      const link = Object.assign(document.createElement("a"), { href: `/portal/transfer-offers/${answer.id}`, textContent: words.offerLink });
      result.append(`${words.offered} `, link);
    } else {
      const state = document.getElementById("offer-state"); // the offer's page says where it stands, once
      state.textContent = words.states[answer.state] || answer.state;
      state.dataset.state = answer.state;
      for (const button of [walletButton, custodyButton]) if (button) button.hidden = true;
      return;
    }
  }
  const write = answer.write || (answer.status ? answer : null);
  if (write) {
    result.dataset.done = write.status;
    if (!answer.state) result.append(write.block_number ? words.done.replace("{block}", write.block_number) : words.queued);
  }
  result.hidden = false;
  for (const button of [walletButton, custodyButton]) if (button) button.hidden = true;
}

async function prepare() {
  clearErrors();
  const fields = await fieldsOf();
  const typed = form.dataset.terms ? await call(form.dataset.terms, fields) : null; // an objection is sent, not signed
  // An objection from a wallet: the contract takes it from its sender only, so the wallet sends the transaction.
  const transaction = form.dataset.transaction && window.ethereum ? await call(form.dataset.transaction, fields) : null;
  prepared = { fields, typed, transaction };
  document.getElementById("signing").hidden = false;
  if (typed) explain(typed);
  else document.getElementById("to-sign").replaceChildren();
  if (walletButton) walletButton.hidden = !window.ethereum || !(typed || transaction);
}

// The wallet sends the transaction itself, then the page waits for its receipt through the same wallet.
async function sendFromWallet(transaction) {
  const { from, to, data } = transaction;
  const hash = await window.ethereum.request({ method: "eth_sendTransaction", params: [{ from, to, data }] });
  for (let tries = 0; tries < 240; tries += 1) {
    const receipt = await window.ethereum.request({ method: "eth_getTransactionReceipt", params: [hash] });
    if (receipt) {
      if (Number(receipt.status) !== 1) throw new Error(words.reverted);
      return { status: "mined", block_number: Number(receipt.blockNumber), tx_hash: hash };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { status: "pending", block_number: null, tx_hash: hash };
}

async function sign(withWallet) {
  clearErrors();
  if (offer) {
    const typed = JSON.parse(document.getElementById("typed-data").textContent);
    const signature = withWallet ? await walletSignature(typed) : null;
    showResult(await call(offer.dataset.submit, { signature }));
    return;
  }
  const { fields, typed, transaction } = prepared;
  if (withWallet && transaction) {
    showResult(await sendFromWallet(transaction));
    return;
  }
  const signature = withWallet ? await walletSignature(typed) : null;
  const signed = typed ? { nonce: typed.message.nonce, deadline: typed.message.deadline } : {};
  const body = { ...fields, ...signed };
  if (typed) body[form.dataset.action === "transfer" ? "holder_signature" : "signature"] = signature;
  showResult(await call(form.dataset.submit, body));
}

const failed = (error) => error.shown || show(problem, error.message);
form?.addEventListener("submit", (event) => {
  event.preventDefault();
  prepare().catch(failed);
});
if (offer) explain(JSON.parse(document.getElementById("typed-data").textContent));
walletButton?.addEventListener("click", () => sign(true).catch(failed));
custodyButton?.addEventListener("click", () => sign(false).catch(failed));
