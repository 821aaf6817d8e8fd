// The compare boxes of the verify page: a chosen or dropped folder is hashed here, file by file, and compared with
// the registration's file tree embedded in the page; the table says which files are the same, changed, missing or
// not registered. Nothing is sent.
import { chosenFolder, compareTrees, droppedFolder, hashFolder } from "/static/verify-folder.mjs";

const words = JSON.parse(document.getElementById("compare-words").textContent);

async function compare(registrationId, folder) {
  const status = document.getElementById(`compare-status-${registrationId}`);
  const table = document.getElementById(`compare-result-${registrationId}`);
  const tree = JSON.parse(document.getElementById(`tree-${registrationId}`).textContent);
  let hashed;
  try {
    hashed = await hashFolder(folder.files, (done, total) => {
      status.textContent = `${words.hashing} ${folder.name}: ${Math.round((100 * done) / Math.max(total, 1))}%`;
    });
  } catch {
    status.textContent = words.failed;
    return;
  }
  const rows = compareTrees(tree, hashed.files);
  const differing = rows.filter((row) => row.outcome !== "same").length;
  const summary = differing ? words.differs.replace("{count}", differing) : words.matches;
  status.textContent = summary;
  table.dataset.outcome = differing ? "differs" : "matches";
  document.getElementById(`compare-summary-${registrationId}`).textContent = summary;
  const body = table.querySelector("tbody");
  body.replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.outcome = row.outcome;
      tr.dataset.path = row.path;
      for (const text of [row.path, words[row.outcome], row.found ?? row.registered]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
  table.hidden = false;
}

for (const box of document.querySelectorAll(".compare-drop")) {
  const id = box.dataset.registration;
  box.querySelector(".compare-input").addEventListener("change", (event) => {
    const folder = chosenFolder(event.target);
    if (folder) compare(id, folder);
  });
  for (const name of ["dragenter", "dragover"]) {
    box.addEventListener(name, (event) => {
      event.preventDefault();
      box.classList.add("over");
    });
  }
  box.addEventListener("dragleave", () => box.classList.remove("over"));
  box.addEventListener("drop", async (event) => {
    event.preventDefault();
    box.classList.remove("over");
    const folder = await droppedFolder(event.dataTransfer);
    if (folder?.files.length) compare(id, folder);
  });
}
