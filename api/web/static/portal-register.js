// Registering from the portal: the data is hashed in this browser (the verify box's worker), the draft is made
// from the metadata file and that commitment, then the two typed data of a registration (the manifest, then the
// on-chain application) are shown in words and signed by the browser's wallet (EIP-1193 eth_signTypedData_v4)
// or, when the service holds the registrant's key, through custody. Every call carries the session's CSRF token.
const form = document.getElementById("register-form");
const csrf = form.dataset.csrf;
const progress = document.getElementById("hash-progress");
const problem = document.getElementById("problem");
const fieldErrors = document.getElementById("field-errors");
const signing = document.getElementById("signing");
const walletButton = document.getElementById("sign-wallet");
const custodyButton = document.getElementById("sign-custody");
const result = document.getElementById("result");
const zh = document.documentElement.lang.startsWith("zh");
const words = zh
  ? {
      manifest: "第一步：签署数据清单",
      manifestWhat: "您以登记人身份签署：以下摘要所指的数据清单是您的数据清单。",
      application: "第二步：签署登记申请",
      applicationWhat: "您签署提交给账本的登记申请，内容如下。",
      noData: "请选择一个文件或文件夹。",
      badMetadata: "元数据文件不是有效的 JSON。",
      submitted: "已提交，登记编号",
      queued: "已提交，等待上链。",
      labels: {
        registrant: "登记人", manifestHash: "数据清单摘要", manifestDigest: "数据清单摘要", dataCommitment: "数据承诺",
        authorityId: "登记机构", kind: "类型", origin: "来源", grade: "分级", personalInfo: "含个人信息",
        rights: "申请的权利", parents: "来源登记", nonce: "序号", deadline: "签名有效期至",
        verifyingContract: "账本合约", chainId: "链",
      },
    }
  : {
      manifest: "Step 1: sign the manifest",
      manifestWhat: "As the registrant you sign that the manifest with this digest is your manifest.",
      application: "Step 2: sign the application",
      applicationWhat: "You sign the application the ledger registers, as follows.",
      noData: "Choose a file or a folder.",
      badMetadata: "The metadata file is not valid JSON.",
      submitted: "Submitted: registration",
      queued: "Submitted; waiting for the chain.",
      labels: {
        registrant: "Registrant", manifestHash: "Manifest digest", manifestDigest: "Manifest digest",
        dataCommitment: "Data commitment", authorityId: "Registration authority", kind: "Kind", origin: "Origin",
        grade: "Grade", personalInfo: "Personal information", rights: "Rights claimed", parents: "Sources",
        nonce: "Nonce", deadline: "Signature valid until", verifyingContract: "Ledger contract", chainId: "Chain",
      },
    };
const RIGHTS = zh ? ["数据资源持有权", "数据加工使用权", "数据产品经营权"] : ["resource holding", "processing and use", "product operation"];
let draft = null;

function show(element, text) {
  element.textContent = text;
  element.hidden = !text;
}

async function call(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    show(problem, [answer.title, answer.detail].filter(Boolean).join(": "));
    fieldErrors.replaceChildren(
      ...(answer.errors || []).map((e) => Object.assign(document.createElement("li"), { textContent: `${e.field}: ${e.message}` })),
    );
    fieldErrors.hidden = !(answer.errors || []).length;
    throw Object.assign(new Error(answer.code), { shown: true });
  }
  show(problem, "");
  fieldErrors.hidden = true;
  return answer;
}

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

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    let fields;
    try {
      fields = JSON.parse(await document.getElementById("metadata").files[0].text());
    } catch {
      throw new Error(words.badMetadata);
    }
    fields.data_commitment = await hashData();
    draft = await call("/portal/drafts", fields);
    explain(draft);
  } catch (error) {
    if (!error.shown) show(problem, error.message);
  }
});
const failed = (error) => error.shown || show(problem, error.message);
walletButton.addEventListener("click", () => sign(true).catch(failed));
custodyButton?.addEventListener("click", () => sign(false).catch(failed));
