// The cluster page: the server filled the table in; this refreshes it from /api/workers once a
// second (the server's snapshots are at most a few a second however many pages poll).
"use strict";

const POLL_MS = 1000;

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function joined(unixSeconds) {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function row(w) {
  const tr = document.createElement("tr");
  if (w.paused) tr.className = "paused";
  const cells = [w.name, w.state, w.nthreads, w.running, w.processing, bytes(w.memory),
                 bytes(w.resident), w.memory_limit === 0 ? "none" : bytes(w.memory_limit),
                 bytes(w.spilled), joined(w.joined)];
  for (const text of cells) {
    const td = document.createElement("td");
    td.textContent = String(text);
    tr.appendChild(td);
  }
  return tr;
}

function counts(obj) {
  const parts = Object.entries(obj).map(([state, n]) => `${state} ${n}`);
  return parts.length ? parts.join(" ") : "none";
}

function render(doc) {
  const n = doc.workers.length;
  document.getElementById("summary").textContent =
      `${n} ${n === 1 ? "worker" : "workers"}; tasks: ${counts(doc.tasks)}; jobs: ${counts(doc.jobs)}`;
  document.getElementById("worker-rows").replaceChildren(...doc.workers.map(row));
  const note = document.getElementById("refresh");
  note.textContent = `Refreshed every second; last at ${new Date().toLocaleTimeString()}.`;
  note.classList.remove("stale");
}

async function poll() {
  try {
    const response = await fetch("api/workers", {cache: "no-store"});
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    render(await response.json());
  } catch (e) {
    const note = document.getElementById("refresh");
    note.textContent = `Not refreshed: ${e.message}`;
    note.classList.add("stale");
  }
  setTimeout(poll, POLL_MS);
}

setTimeout(poll, POLL_MS);
