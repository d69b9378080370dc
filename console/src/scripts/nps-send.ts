// Send an NPS survey to a segment: count the recipients, ask with that count, then send.
import { api, ok, type Schemas } from "../lib/api";
import { confirmAction } from "../lib/confirm";
import { clearFieldErrors, showFieldErrors } from "./emails-form";
import { $ } from "./kpis-shared";

type Survey = Schemas["NpsSurvey"];
const form = $<HTMLFormElement>("send-form");
const who = $<HTMLSelectElement>("send-who");
const result = $("send-result");
/** The API's path of a refused part of the segment, as the form names the field. */
const FIELDS: Record<string, string> = {
  "trait.key": "traitKey",
  "trait.value": "traitValue",
  "event.name": "eventName",
  "event.withinDays": "eventDays",
};

/** The open surveys, for the send form. */
export function fillSurveys(surveys: Survey[]) {
  const select = $<HTMLSelectElement>("send-survey");
  const chosen = select.value;
  const open = surveys.filter((s) => !s.closedAt);
  select.replaceChildren(
    ...open.map((s) => Object.assign(document.createElement("option"), { value: s.id, textContent: s.name })),
  );
  if (open.some((s) => s.id === chosen)) select.value = chosen;
}

function segmentOf(data: FormData): Schemas["NpsSegment"] {
  const text = (name: string) => String(data.get(name) ?? "").trim();
  if (who.value === "trait") return { trait: { key: text("traitKey"), value: text("traitValue") } };
  if (who.value === "event") {
    const days = text("eventDays");
    return { event: { name: text("eventName"), withinDays: days === "" ? Number.NaN : Number(days) } };
  }
  return {};
}

const people = (n: number) => `${n} ${n === 1 ? "contact" : "contacts"}`;

async function send(surveyId: string, segment: Schemas["NpsSegment"]) {
  const params = { path: { id: surveyId } };
  let sent = 0;
  for (;;) {
    const r = await ok(api.POST("/api/v1/nps/surveys/{id}/send", { params, body: { segment } }));
    sent += r.invited.length;
    if (!r.remaining || !r.invited.length) return sent;
    result.textContent = `Sending… ${people(sent)} so far.`;
  }
}

function showWho() {
  for (const el of form.querySelectorAll<HTMLElement>("[data-who]")) el.hidden = el.dataset.who !== who.value;
}

export function setUpSend(onSent: () => Promise<unknown>) {
  who.addEventListener("change", showWho);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const select = $<HTMLSelectElement>("send-survey");
    if (!select.value) {
      result.textContent = "Create a survey first.";
      return;
    }
    const name = select.selectedOptions[0]?.textContent ?? "the survey";
    const segment = segmentOf(new FormData(form));
    try {
      const params = { path: { id: select.value } };
      const count = await ok(api.POST("/api/v1/nps/surveys/{id}/audience", { params, body: segment }));
      clearFieldErrors(form);
      if (!count.recipients) {
        result.textContent =
          "Nobody to send to: no contact in this segment has marketing consent and is not yet invited.";
        return;
      }
      const capped = count.atWeeklyCap
        ? ` ${people(count.atWeeklyCap)} already had this week's marketing emails: theirs waits until the weekly cap frees.`
        : "";
      const go = await confirmAction({
        title: `Email “${name}” to ${people(count.recipients)}?`,
        body: `Each gets one email with score links, once for this survey.${capped}`,
        action: `Send to ${people(count.recipients)}`,
      });
      if (!go) return;
      const sent = await send(select.value, segment);
      result.textContent = `Sent to ${people(sent)}.`;
      await onSent();
    } catch (e) {
      result.textContent = showFieldErrors(form, e, (path) => FIELDS[path.replace(/^segment\./, "")], "Not sent");
    }
  });
}
