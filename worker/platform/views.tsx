// The API reference page, rendered from the OpenAPI document with no client-side script.
import { Layout } from "../lib/html.tsx";

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown; description?: string }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
};
type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
};

const schemaName = (s: unknown): string => {
  const ref = (s as { $ref?: string } | undefined)?.$ref;
  if (ref) return ref.split("/").pop() ?? ref;
  const t = (s as { type?: string } | undefined)?.type;
  return t ?? "object";
};

/** A readable API reference rendered from the OpenAPI document, with no client-side script. */
export function ReferencePage(props: { doc: Doc }) {
  const ops = Object.entries(props.doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags?.[0] ?? "Other"))];
  return (
    <Layout title={`${props.doc.info.title} API reference`}>
      <main>
        <h1>
          {props.doc.info.title} API <span class="badge">v{props.doc.info.version}</span>
        </h1>
        <p class="muted">
          Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Admin routes take{" "}
          <code>Authorization: Bearer &lt;API key&gt;</code>; errors are <code>application/problem+json</code>.
        </p>
        <nav>
          {tags.map((t) => (
            <a href={`#${t.toLowerCase().replace(/\W+/g, "-")}`} style="margin-right:1rem">
              {t}
            </a>
          ))}
        </nav>
        {tags.map((t) => (
          <section id={t.toLowerCase().replace(/\W+/g, "-")}>
            <h2>{t}</h2>
            {ops
              .filter((o) => (o.op.tags?.[0] ?? "Other") === t)
              .map(({ path, method, op }) => (
                <details>
                  <summary>
                    <code>
                      <b>{method.toUpperCase()}</b> {path}
                    </code>{" "}
                    — {op.summary ?? ""} {op.security?.length ? <span class="badge">auth</span> : null}
                  </summary>
                  {op.description ? <p>{op.description}</p> : null}
                  {op.parameters?.length ? (
                    <table>
                      <tr>
                        <th>Parameter</th>
                        <th>In</th>
                        <th>Type</th>
                      </tr>
                      {op.parameters.map((p) => (
                        <tr>
                          <td>
                            <code>{p.name}</code>
                            {p.required ? " *" : ""}
                          </td>
                          <td>{p.in}</td>
                          <td>{schemaName(p.schema)}</td>
                        </tr>
                      ))}
                    </table>
                  ) : null}
                  {op.requestBody?.content ? (
                    <p>
                      Body:{" "}
                      {Object.entries(op.requestBody.content).map(([type, c]) => (
                        <code>
                          {type} {schemaName(c.schema)}
                        </code>
                      ))}
                    </p>
                  ) : null}
                  <ul>
                    {Object.entries(op.responses ?? {}).map(([code, r]) => (
                      <li>
                        <code>{code}</code> {r.description ?? ""}
                      </li>
                    ))}
                  </ul>
                </details>
              ))}
          </section>
        ))}
      </main>
    </Layout>
  );
}

export type { Doc as OpenApiDoc };
