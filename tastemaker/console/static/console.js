// The console's script: live progress of running work (polls /console/api/jobs) and charts (Chart.js) drawn
// from JSON blocks the server renders into the page. Pages work without it; it only keeps them current.
"use strict";

function fmtDuration(s) {
  if (s == null || s < 0) return "";
  if (s < 10) return s.toFixed(1) + " s";
  s = Math.round(s);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

function jobText(job) {
  if (job.queued) return "queued";
  let text = job.stage || "starting";
  if (job.progress != null) text += " · " + Math.round(job.progress * 100) + "%";
  if (job.elapsed) text += " · " + fmtDuration(job.elapsed) + " elapsed";
  if (job.eta) text += " · about " + fmtDuration(job.eta) + " left";
  return text;
}

function watchJobs() {
  const running = () => Array.from(document.querySelectorAll("[data-job-arn][data-running]"));
  if (!running().length) return;
  const tick = async () => {
    const nodes = running();
    if (!nodes.length) return;
    const arns = Array.from(new Set(nodes.map(n => n.dataset.jobArn)));
    try {
      const reply = await fetch("/console/api/jobs?arns=" + encodeURIComponent(arns.join(",")), {cache: "no-store"});
      const jobs = (await reply.json()).jobs || {};
      let finished = false;
      for (const node of nodes) {
        const job = jobs[node.dataset.jobArn];
        if (!job) continue;
        node.querySelector(".status-text").textContent = job.status;
        if (!job.running) { finished = true; continue; }
        const bar = node.querySelector("progress"), text = node.querySelector(".job-text");
        if (bar && job.progress != null) bar.value = job.progress;
        if (text) text.textContent = jobText(job);
      }
      if (finished) { window.location.reload(); return; }
    } catch (e) { /* the server is restarting: try again */ }
    setTimeout(tick, 1500);
  };
  setTimeout(tick, 1000);
}

const PALETTE = ["#2458c6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#1098ad", "#c2255c", "#5c7cfa"];

function drawCharts() {
  if (typeof Chart === "undefined") return;
  for (const holder of document.querySelectorAll("[data-chart]")) {
    const spec = JSON.parse(document.getElementById(holder.dataset.chart).textContent);
    const canvas = document.createElement("canvas");
    holder.appendChild(canvas);
    spec.data.datasets.forEach((set, i) => {
      const color = set.color || PALETTE[i % PALETTE.length];
      set.borderColor = set.borderColor || color;
      set.backgroundColor = set.backgroundColor || (spec.type === "line" ? color : color + "cc");
    });
    spec.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false,
                                  plugins: {legend: {display: spec.data.datasets.length > 1}}}, spec.options || {});
    holder.style.height = holder.style.height || "16rem";
    holder.chart = new Chart(canvas, spec);
  }
}

document.addEventListener("DOMContentLoaded", () => { watchJobs(); drawCharts(); });

// Events panel (event tracker page): poll /console/api/events every 2 s; new events are added on top (class
// "new"), the per-minute chart, the totals and the user's events and recommendations are replaced; items that
// entered the recommendations since the page loaded are marked "new".
function cell(row, text, cls) {
  const td = row.insertCell(-1);
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}

function fmtTime(t) { return new Date(t * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC"); }

function watchEvents() {
  const panel = document.querySelector(".events-live[data-api]");
  if (!panel) return;
  const initial = new Set(JSON.parse(panel.querySelector(".effect").dataset.initial || "[]"));
  const tick = async () => {
    if (document.hidden) { setTimeout(tick, 2000); return; }
    try {
      const reply = await fetch(panel.dataset.api + "&after=" + encodeURIComponent(panel.dataset.after),
                                {cache: "no-store"});
      const data = await reply.json();
      const body = panel.querySelector(".events-table tbody");
      for (const e of (data.events || []).slice().reverse()) {  // oldest of the new ones first: newest ends on top
        const row = body.insertRow(0);
        row.className = "new";
        row.dataset.eventId = e.id;
        cell(row, fmtTime(e.timestamp), "nowrap"); cell(row, e.userId); cell(row, e.sessionId);
        cell(row, e.itemId); cell(row, e.eventType); cell(row, e.eventValue, "num");
      }
      while (body.rows.length > 200) body.deleteRow(-1);
      if ((data.events || []).length) { const empty = panel.querySelector(".events-empty"); if (empty) empty.remove(); }
      panel.dataset.after = data.lastId;
      for (const [k, v] of Object.entries(data.totals || {})) {
        const n = panel.querySelector('[data-total="' + k + '"]');
        if (n) n.textContent = Number(v).toLocaleString("en-US");
      }
      const holder = panel.querySelector("[data-chart]");
      if (holder && holder.chart && data.minutes) {
        holder.chart.data.labels = data.minutes.labels;
        holder.chart.data.datasets[0].data = data.minutes.counts;
        holder.chart.update();
      }
      const fx = data.effect || {};
      const events = panel.querySelector(".effect-events tbody");
      events.replaceChildren();
      for (const e of fx.events || []) {
        const row = events.insertRow(-1);
        cell(row, fmtTime(e.timestamp), "nowrap"); cell(row, e.itemId); cell(row, e.eventType);
        for (const v of e.metadata || []) cell(row, v);
      }
      const error = panel.querySelector(".effect-error");
      error.hidden = !fx.error;
      error.textContent = fx.error ? fx.error[0] + ": " + fx.error[1] : "";
      const items = panel.querySelector(".effect-items tbody");
      items.replaceChildren();
      (fx.items || []).forEach((item, i) => {
        const row = items.insertRow(-1);
        row.dataset.item = item.itemId;
        if (!initial.has(item.itemId)) row.className = "new";
        cell(row, i + 1, "num"); cell(row, item.itemId); cell(row, item.scoreText, "num");
        for (const v of item.metadata || []) cell(row, v);
      });
    } catch (e) { /* the server is restarting: try again */ }
    setTimeout(tick, 2000);
  };
  setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", watchEvents);
