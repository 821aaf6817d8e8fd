// Folders in the browser: the files of a dropped folder (walked through the drop's entries) or a chosen one, each
// with its path relative to the folder (forward slashes, as `drl register --data` commits it); hashing them in the
// worker; and comparing the result with a registration's file tree. The files are never sent.

// The files of a drop: [{file, path}] and the dropped folder's name, or null when a single file was dropped.
export async function droppedFolder(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length !== 1 || !entries[0].isDirectory) return null;
  const files = [];
  await walk(entries[0], "", files);
  return { name: entries[0].name, files };
}

async function walk(directory, prefix, files) {
  const reader = directory.createReader();
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) return;
    for (const entry of batch) {
      const path = prefix + entry.name;
      if (entry.isDirectory) await walk(entry, path + "/", files);
      else files.push({ file: await new Promise((resolve, reject) => entry.file(resolve, reject)), path });
    }
  }
}

// The files of a folder chosen with <input webkitdirectory>: paths without the folder's own name.
export function chosenFolder(input) {
  const files = [...input.files].map((file) => ({ file, path: file.webkitRelativePath.split("/").slice(1).join("/") }));
  return files.length ? { name: input.files[0].webkitRelativePath.split("/")[0], files } : null;
}

// Hashes a folder in the worker: resolves to {root, files: [{path, sha256, size}]}; `progress(done, total)` meanwhile.
export function hashFolder(files, progress = () => {}) {
  return new Promise((resolve, reject) => {
    const worker = new Worker("/static/hash-worker.js", { type: "module" });
    worker.onmessage = (event) => {
      if (event.data.root === undefined) return progress(event.data.done, event.data.total);
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (error) => {
      worker.terminate();
      reject(error);
    };
    worker.postMessage({ files });
  });
}

// Each path of either tree with what became of it: same, changed (other content), missing (registered, not in the
// folder) or extra (in the folder, not registered). Sorted by path.
export function compareTrees(registered, found) {
  const mine = new Map(found.map((f) => [f.path, f]));
  const theirs = new Map(registered.map((f) => [f.path, f]));
  const paths = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  return paths.map((path) => {
    const a = theirs.get(path);
    const b = mine.get(path);
    const outcome = !a ? "extra" : !b ? "missing" : a.sha256 === b.sha256 && a.size === b.size ? "same" : "changed";
    return { path, outcome, registered: a?.sha256 ?? null, found: b?.sha256 ?? null };
  });
}
