// The KPI settings: margin, active window, event names and engagement weights.
import { type Answer, api, ok } from "../lib/api";
import { $, errorText } from "./kpis-shared";

type Settings = Answer<"/api/v1/kpis/settings">;
const form = $<HTMLFormElement>("settings-form");
const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
const list = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function show(s: Settings) {
  for (const name of ["currency", "grossMargin", "activeWindowDays", "engagementFullScore", "orderEvent"] as const) {
    field(name).value = String(s[name] ?? "");
  }
  field("revenueEvents").value = (s.revenueEvents ?? []).join(", ");
  field("communityEvents").value = (s.communityEvents ?? []).join(", ");
  field("engagementWeights").value = Object.entries(s.engagementWeights ?? {})
    .map(([event, weight]) => `${event} = ${weight}`)
    .join("\n");
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const weights = Object.fromEntries(
    field("engagementWeights")
      .value.split("\n")
      .map((line) => line.split("=").map((s) => s.trim()))
      .filter(([event, weight]) => event && weight !== undefined)
      .map(([event, weight]) => [event, Number(weight)]),
  );
  try {
    show(
      await ok(
        api.PUT("/api/v1/kpis/settings", {
          body: {
            currency: field("currency").value.trim().toUpperCase(),
            grossMargin: Number(field("grossMargin").value),
            activeWindowDays: Number(field("activeWindowDays").value),
            engagementFullScore: Number(field("engagementFullScore").value),
            orderEvent: field("orderEvent").value.trim(),
            revenueEvents: list(field("revenueEvents").value),
            communityEvents: list(field("communityEvents").value),
            engagementWeights: weights,
          },
        }),
      ),
    );
    $("settings-result").textContent = "Saved.";
  } catch (e) {
    $("settings-result").textContent = `Not saved: ${errorText(e)}`;
  }
});
ok(api.GET("/api/v1/kpis/settings"))
  .then(show)
  .catch((e) => {
    $("settings-result").textContent = `Could not load: ${errorText(e)}`;
  });
