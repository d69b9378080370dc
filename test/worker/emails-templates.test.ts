import { describe, expect, it } from "vitest";
import { contacts } from "../../db/schema/index.ts";
import { call, db, newKey, problem } from "./helpers.ts";

type Errors = { errors?: Array<{ path: string; message: string }> };
const tpl = (over: Record<string, string> = {}) => ({
  name: "Welcome",
  subject: "Hi {{ contact.first_name }}",
  html: "<p>{{ traits.plan }}</p>",
  text: "Hi",
  ...over,
});

describe("template variables", () => {
  it("lists the variables, and a template using every one of them saves", async () => {
    const key = await newKey(["emails"]);
    const res = await call("/api/v1/emails/templates/variables", { key });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Array<{ name: string; description: string }> };
    const names = data.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(["contact.first_name", "traits.*", "event.name", "unsubscribe_url"]));
    const all = names.map((n) => `{{ ${n.replace("*", "anything")} }}`).join(" ");
    const saved = await call("/api/v1/emails/templates", { method: "POST", key, json: tpl({ html: all }) });
    expect(saved.status, await saved.clone().text()).toBe(201);
  });

  it("refuses an unknown variable in words, on the part that names it, and stores nothing", async () => {
    const key = await newKey(["emails"]);
    const before = (await (await call("/api/v1/emails/templates?limit=100", { key })).json()) as { data: unknown[] };
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [
        { html: "<p>Hi {{ first_name }}</p>" },
        "body.html",
        /“first_name” is not a variable \(did you mean contact\.first_name\?\)/,
      ],
      [
        { subject: "{{ contact.firstname }}" },
        "body.subject",
        /“contact\.firstname” is not a variable\. contact has .*contact\.first_name/,
      ],
      [{ text: "{% if plan %}x{% endif %}" }, "body.text", /“plan” is not a variable/],
    ];
    for (const [over, path, message] of cases) {
      const res = await call("/api/v1/emails/templates", { method: "POST", key, json: tpl(over) });
      const body = (await problem(res, 400, "validation-failed")) as Errors;
      expect(body.errors).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    // Loop variables and assigned names are the template's own; traits and properties take any name.
    const own = "{% assign n = traits.count %}{% for i in event.properties.items %}{{ i.title }}{% endfor %}{{ n }}";
    expect((await call("/api/v1/emails/templates", { method: "POST", key, json: tpl({ html: own }) })).status).toBe(
      201,
    );
    const after = (await (await call("/api/v1/emails/templates?limit=100", { key })).json()) as { data: unknown[] };
    expect(after.data.length).toBe(before.data.length + 1);

    // A change is checked the same way.
    const { id } = (await (await call("/api/v1/emails/templates", { method: "POST", key, json: tpl() })).json()) as {
      id: string;
    };
    const patch = await call(`/api/v1/emails/templates/${id}`, { method: "PATCH", key, json: { text: "{{ nope }}" } });
    expect(((await problem(patch, 400, "validation-failed")) as Errors).errors?.[0].path).toBe("body.text");
  });
});

describe("previews and test sends", () => {
  it("previews an unsaved template for a chosen contact or the sample, and refuses what a save refuses", async () => {
    const key = await newKey(["emails"]);
    const id = `ct_tplprev_${crypto.randomUUID().slice(0, 8)}`;
    await db()
      .insert(contacts)
      .values({
        id,
        externalId: id,
        email: "grace@example.com",
        name: "Grace Hopper",
        traits: { plan: "team" },
        firstSeenAt: 1,
        lastSeenAt: 1,
      });
    const template = {
      subject: "Hi {{ contact.first_name }}",
      html: "<p>{{ traits.plan }}</p>",
      text: "{{ contact.email }}",
    };
    const chosen = await call("/api/v1/emails/templates/preview", {
      method: "POST",
      key,
      json: { template, contactId: id },
    });
    expect(await chosen.json()).toEqual({ subject: "Hi Grace", html: "<p>team</p>", text: "grace@example.com" });
    const sample = await call("/api/v1/emails/templates/preview", { method: "POST", key, json: { template } });
    expect(await sample.json()).toEqual({ subject: "Hi Ada", html: "<p>pro</p>", text: "ada@example.com" });

    const unknown = await call("/api/v1/emails/templates/preview", {
      method: "POST",
      key,
      json: { template: { ...template, html: "{{ plan }}" } },
    });
    expect(((await problem(unknown, 400, "validation-failed")) as Errors).errors?.[0].path).toBe("body.html");
    const missingPart = await call("/api/v1/emails/templates/preview", { method: "POST", key, json: { template: {} } });
    await problem(missingPart, 400, "validation-failed");
  });

  it("a test send queues the rendered template to the address, marked as a test", async () => {
    const key = await newKey(["emails"]);
    const { id } = (await (await call("/api/v1/emails/templates", { method: "POST", key, json: tpl() })).json()) as {
      id: string;
    };
    const to = `test-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await call(`/api/v1/emails/templates/${id}/test`, { method: "POST", key, json: { to } });
    expect(res.status).toBe(202);
    const { data } = (await (await call("/api/v1/emails/messages?limit=50", { key })).json()) as {
      data: Array<{ toAddress: string; subject: string; topic: string }>;
    };
    expect(data.find((m) => m.toAddress === to)).toMatchObject({ subject: "[Test] Hi Ada", topic: "transactional" });
    const bad = await call(`/api/v1/emails/templates/${id}/test`, {
      method: "POST",
      key,
      json: { to: "not-an-address" },
    });
    expect(((await problem(bad, 400, "validation-failed")) as Errors).errors?.[0].path).toBe("body.to");
  });
});

describe("trigger validation", () => {
  it("explains each refused field in words, never in zod's type names", async () => {
    const key = await newKey(["emails"]);
    const { id: templateId } = (await (
      await call("/api/v1/emails/templates", { method: "POST", key, json: tpl() })
    ).json()) as { id: string };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ entry: { kind: "event" } }, "body.entry.event", /^Name the event/],
      [{ entry: { kind: "count_reached", event: "x", count: 0 } }, "body.entry.count", /^Count: a whole number from 1/],
      [{ entry: { kind: "absence", days: null } }, "body.entry.days", /^Days without the event: a number from/],
      [{ entry: { kind: "sometimes" } }, "body.entry.kind", /^Choose when the trigger starts/],
      [
        { entry: { kind: "trait_threshold", trait: "a.b", op: "gte", value: 1 } },
        "body.entry.trait",
        /^Name the trait/,
      ],
      [{ entry: { kind: "event", event: "x" }, name: undefined }, "body.name", /^Give it a name/],
      [{ entry: { kind: "event", event: "x" }, templateId: undefined }, "body.templateId", /^Choose a template/],
      [{ entry: { kind: "event", event: "x" }, delay: { kind: "hours" } }, "body.delay.hours", /^Hours after entry/],
    ];
    for (const [over, path, message] of cases) {
      const json = { name: "t", templateId, ...over };
      const res = await call("/api/v1/emails/triggers", { method: "POST", key, json });
      const { errors } = (await problem(res, 400, "validation-failed")) as Errors;
      expect(errors, JSON.stringify(json)).toContainEqual(
        expect.objectContaining({ path, message: expect.stringMatching(message) }),
      );
      for (const e of errors ?? []) expect(e.message).not.toMatch(/expected|received|Invalid input/i);
    }
  });
});
