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
