// The verify box: a chosen or dropped file is hashed in this browser (a worker, in chunks, with progress),
// then its SHA-256 is looked up like a pasted hash. The file itself is never sent.
const form = document.getElementById("verify-form");
const input = document.getElementById("file");
const drop = document.getElementById("drop");
const progress = document.getElementById("hash-progress");
const status = document.getElementById("hash-status");
const query = document.getElementById("q");
const zh = document.documentElement.lang.startsWith("zh");
const words = zh
  ? { hashing: "正在计算 SHA-256", done: "SHA-256 已算出，正在查询", failed: "无法读取此文件" }
  : { hashing: "Computing SHA-256", done: "SHA-256 computed, looking it up", failed: "The file could not be read" };

function megabytes(bytes) {
  return (bytes / 1048576).toFixed(1) + " MB";
}

function hash(file) {
  progress.hidden = false;
  progress.value = 0;
  status.textContent = `${words.hashing}: ${file.name}`;
  const worker = new Worker("/static/hash-worker.js", { type: "module" });
  worker.onmessage = (event) => {
    const { done, total, sha256 } = event.data;
    if (sha256 === undefined) {
      progress.value = total ? done / total : 1;
      status.textContent = `${words.hashing}: ${file.name} ${megabytes(done)} / ${megabytes(total)}`;
      return;
    }
    worker.terminate();
    progress.value = 1;
    status.textContent = `${words.done}: ${sha256}`;
    document.body.dataset.sha256 = sha256;
    query.value = sha256;
    form.submit();
  };
  worker.onerror = () => {
    status.textContent = words.failed;
  };
  worker.postMessage(file);
}

input.addEventListener("change", () => {
  if (input.files.length) hash(input.files[0]);
});
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
  if (event.dataTransfer.files.length) hash(event.dataTransfer.files[0]);
});
