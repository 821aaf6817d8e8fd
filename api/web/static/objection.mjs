// The objection form: a chosen evidence file is hashed in this browser (the worker of the verify box), and its
// SHA-256 fills the digest field. The file itself is never sent.
const input = document.getElementById("evidence-file");
const digest = document.getElementById("evidence-digest");
const status = document.getElementById("evidence-status");

input.addEventListener("change", () => {
  const file = input.files[0];
  if (!file) return;
  status.textContent = "…";
  const worker = new Worker("/static/hash-worker.js", { type: "module" });
  worker.onmessage = (event) => {
    if (event.data.sha256 === undefined) return;
    worker.terminate();
    digest.value = "0x" + event.data.sha256;
    status.textContent = digest.value;
  };
  worker.onerror = () => (status.textContent = "✗");
  worker.postMessage({ file });
});
