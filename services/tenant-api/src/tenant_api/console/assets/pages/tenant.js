// One tenant: details, its API keys, its pipeline's steps and its timeline, live (the keys
// reload after each action on them, not with the loop). While anything is in
// flight it polls every second; at rest it only checks the tenant every few seconds and
// reloads the rest when that changes (someone started provisioning, say). Leaving the page
// aborts the signal, which ends the loop and any fetch under way.

import { ApiError, api } from "../api.js";
import { h, replace, sleep } from "../dom.js";
import { badge, words } from "../format.js";
import { announce } from "../live.js";
import { setTitle } from "../router.js";
import { card, loading, pageHeading, problemCallout } from "../views.js";
import { getExports, offboardingView } from "./offboarding-view.js";
import { apiKeysCard } from "./api-keys-view.js";
import { pipelineView, stepChanges } from "./pipeline-view.js";
import { tenantDetails } from "./tenant-details.js";
import { timelineView } from "./timeline-view.js";

const LIVE_MS = 1000;
const REST_MS = 2000;
const FULL_EVERY = 5; // at rest, reload pipeline and timeline every fifth check anyway
const SETTLE_TICKS = 3;
const IN_FLIGHT_TENANT = new Set(["PROVISIONING", "DEPROVISIONING"]);
const IN_FLIGHT_PIPELINE = new Set(["RUNNING", "TIMING_OUT"]);
const TIMELINE_PAGES = 5;

export function renderTenant(main, { params, signal }) {
  const [tenantId] = params;
  const heading = pageHeading("Tenant", {
    crumbs: [["Tenants", "#/tenants"]],
    aside: h("span", { id: "tenant-status", class: "title-badge" }),
  });
  const subtitle = h("p", { class: "lead mono" });
  const indicator = h("p", { class: "live-indicator", "data-mode": "loading" }, "Loading…");
  const pipelineBody = h("div", {}, loading("Loading the pipeline…"));
  const timelineBody = h("div", {}, loading("Loading the timeline…"));
  const detailsBody = h("div", {}, loading());
  const offboardingBody = h("div", {}, loading());
  const problems = h("div");
  main.append(
    heading, subtitle, problems,
    h("div", { class: "tenant-grid" },
      h("div", { class: "stack" },
        card("Pipeline", indicator, pipelineBody),
        card("API keys", apiKeysCard(tenantId, { signal })),
        card("Timeline", timelineBody)),
      h("div", { class: "stack" },
        card("Details", detailsBody), card("Offboarding and exports", offboardingBody))),
  );

  let tenant = null;
  let pipeline; // undefined until first loaded; null when there is none

  function inFlight() {
    return IN_FLIGHT_TENANT.has(tenant?.status) || IN_FLIGHT_PIPELINE.has(pipeline?.status);
  }

  async function getPipeline() {
    try {
      return await api(`/tenants/${tenantId}/pipeline`, { signal });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null; // never provisioned
      throw error;
    }
  }

  async function getTimeline() {
    let items = [];
    let after = null;
    for (let page = 0; page < TIMELINE_PAGES; page += 1) {
      const suffix = after ? `&after=${encodeURIComponent(after)}` : "";
      const answer = await api(`/tenants/${tenantId}/events?limit=200${suffix}`, { signal });
      items = items.concat(answer.items);
      after = answer.nextCursor;
      if (!after) break;
    }
    return items;
  }

  function showTenant(next) {
    if (tenant && tenant.status !== next.status) {
      announce(`Tenant ${next.key} is now ${words(next.status)}.`);
    }
    tenant = next;
    heading.querySelector("h1").textContent = next.name;
    setTitle(`${next.name} (${next.key})`);
    replace(document.getElementById("tenant-status"), badge(next.status));
    replace(subtitle, `${next.key} · ${next.tier} · plan ${next.planId} · ${next.id}`);
    replace(detailsBody, tenantDetails(next));
  }

  function showPipeline(next) {
    const changes = stepChanges(pipeline, next);
    if (pipeline !== undefined && next && pipeline?.status !== next.status) {
      changes.push(`Pipeline ${words(next.status)}.`);
    }
    if (changes.length) announce(changes.join(" "));
    pipeline = next;
    replace(pipelineBody, pipelineView(next));
  }

  function showIndicator(error = null) {
    const checked = new Date().toLocaleTimeString();
    if (error) {
      indicator.dataset.mode = "paused";
      replace(indicator, `Updates paused (${error.title ?? error.message}); retrying.`);
    } else if (inFlight()) {
      indicator.dataset.mode = "live";
      replace(indicator, h("span", { class: "pulse", "aria-hidden": "true" }),
        `Live: updating every second · checked ${checked}`);
    } else {
      indicator.dataset.mode = "rest";
      replace(indicator, `Up to date · watching for changes · checked ${checked}`);
    }
  }

  async function full() {
    const [t, p, events, exports] = await Promise.all([
      api(`/tenants/${tenantId}`, { signal }), getPipeline(), getTimeline(),
      getExports(tenantId, signal),
    ]);
    showTenant(t);
    showPipeline(p);
    replace(timelineBody, timelineView(events));
    replace(offboardingBody, offboardingView(t, exports, {
      onRestored: (answer) => announce(`Restored: the tenant is ${words(answer.status)}.`),
    }));
  }

  async function loop() {
    let restTicks = 0;
    let settling = 0;
    let first = true;
    // After a pipeline ends, late events (the welcome e-mail, say) still reach the timeline.
    const live = () => inFlight() || settling > 0;
    while (!signal.aborted) {
      let wait = live() ? LIVE_MS : REST_MS;
      try {
        if (first || live() || restTicks >= FULL_EVERY) {
          await full();
          restTicks = 0;
        } else {
          const t = await api(`/tenants/${tenantId}`, { signal });
          if (t.status !== tenant.status || t.updatedAt !== tenant.updatedAt) {
            await full();
            restTicks = 0;
          } else {
            restTicks += 1;
          }
        }
        settling = inFlight() ? SETTLE_TICKS : Math.max(0, settling - 1);
        first = false;
        replace(problems);
        showIndicator();
        wait = live() ? LIVE_MS : REST_MS;
      } catch (error) {
        if (signal.aborted || error.name === "AbortError") return;
        if (first) {
          // Nothing to show without the tenant itself (404: no such tenant, or not yours).
          replace(problems, problemCallout(error, {
            retry: () => { replace(problems); loop(); },
          }));
          indicator.dataset.mode = "paused";
          replace(indicator, "Not loaded.");
          return;
        }
        showIndicator(error);
        wait = Math.max(wait, (error.retryAfter ?? 2) * 1000);
      }
      await sleep(wait, signal);
    }
  }

  loop();
  return {};
}
