// The verify box: a chosen or dropped file is hashed in this browser (a worker, in chunks, with progress),
// then its SHA-256 is looked up like a pasted hash. The file itself is never sent.
import { droppedFolder } from "/static/verify-folder.mjs";

const form = document.getElementById("verify-form");
const input = document.getElementById("file");
const folder = document.getElementById("folder");
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

// Hashes a file (its SHA-256) or a folder (its data commitment) in a worker, then looks the result up.
function hash(name, message) {
  progress.hidden = false;
  progress.value = 0;
  status.textContent = `${words.hashing}: ${name}`;
  const worker = new Worker("/static/hash-worker.js", { type: "module" });
  worker.onmessage = (event) => {
    const { done, total, sha256, root } = event.data;
    const answer = sha256 ?? root;
    if (answer === undefined) {
      progress.value = total ? done / total : 1;
      status.textContent = `${words.hashing}: ${name} ${megabytes(done)} / ${megabytes(total)}`;
      return;
    }
    worker.terminate();
    progress.value = 1;
    status.textContent = `${words.done}: ${answer}`;
    document.body.dataset.digest = answer;
    query.value = answer;
    form.submit();
  };
  worker.onerror = () => {
    status.textContent = words.failed;
  };
  worker.postMessage(message);
}

function hashFile(file) {
  hash(file.name, { file });
}

input.addEventListener("change", () => {
  if (input.files.length) hashFile(input.files[0]);
});
// A chosen folder: each file's path relative to the folder, with forward slashes, as `drl register --data`.
folder.addEventListener("change", () => {
  const files = [...folder.files].map((file) => ({
    file,
    path: file.webkitRelativePath.split("/").slice(1).join("/"),
  }));
  if (files.length) hash(folder.files[0].webkitRelativePath.split("/")[0], { files });
});
for (const name of ["dragenter", "dragover"]) {
  drop.addEventListener(name, (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
}
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
// A dropped folder is walked and committed to like a chosen one; a dropped file is hashed.
drop.addEventListener("drop", async (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const dropped = await droppedFolder(event.dataTransfer);
  if (dropped?.files.length) hash(dropped.name, { files: dropped.files });
  else if (event.dataTransfer.files.length) hashFile(event.dataTransfer.files[0]);
});
