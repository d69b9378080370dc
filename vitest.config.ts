import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { BINDING_RECIPIENT } from "./test/support/email-binding.ts";

Object.assign(process.env, {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  ASTRO_TELEMETRY_DISABLED: "1",
});

export const TEST_SECRETS = {
  IDENTITY_SECRET: "test-identity-secret-0123456789abcdef",
  SIGNING_SECRET: "test-signing-secret-0123456789abcdef",
};

/**
 * Optional quiet hours for the whole run (`00:00-23:59`, `off`, any `EMAIL_QUIET_HOURS` value): the
 * worker tests' binding and the browser tests' local Rapport. Running the suite once with quiet
 * hours covering now and once with `off` shows that no test depends on the hour it runs at.
 */
const QUIET_HOURS = process.env.RAPPORT_TEST_QUIET_HOURS;

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./db/migrations");
  return {
    test: {
      // Browser and crash tests mostly wait on their own workerd and Chromium: two files at a time
      // overlap that waiting with the workerd tests, even on 2 cores.
      maxWorkers: 2,
      // The tests in each file, in both projects, run in a new order each time (the seed is printed;
      // rerun one order with --sequence.seed=N), so every run proves no test relies on a sibling's
      // rows, pages or browser state. Only this root setting orders tests: vitest ignores a project's
      // own `sequence.shuffle`. Files keep their order (the browser files share one seeded Rapport).
      sequence: { shuffle: { files: false, tests: true } },
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // Cloudflare's send_email binding, local: it parses the MIME, checks the sender
                // and the allowed recipients, and keeps the .eml (served by email-binding.ts).
                email: { send_email: [{ name: "SEND_EMAIL", allowed_destination_addresses: [BINDING_RECIPIENT] }] },
                bindings: {
                  ...TEST_SECRETS,
                  TEST_MIGRATIONS: migrations,
                  ALLOW_PRIVATE_URLS: "true",
                  RESEND_WEBHOOK_SECRET: "whsec_dGVzdC1yZXNlbmQtd2ViaG9vay1zZWNyZXQ=",
                  RECEIVER_URL: `http://127.0.0.1:${inject<number>("receiverPort")}`,
                  SMTP_PORT: String(inject<number>("smtpPort")),
                  SMTP_TEST_URL: `http://127.0.0.1:${inject<number>("smtpApiPort")}`,
                  BINDING_MAIL_URL: `http://127.0.0.1:${inject<number>("bindingMailPort")}`,
                  POSTMARK_TEST_URL: `http://127.0.0.1:${inject<number>("postmarkPort")}`,
                  HELD_QUIT_SMTP_PORT: String(inject<number>("heldQuitSmtpPort")),
                  ...(QUIET_HOURS ? { EMAIL_QUIET_HOURS: QUIET_HOURS } : {}),
                },
              },
            })),
          ],
          test: {
            name: "worker",
            testTimeout: 20_000,
            include: ["test/worker/**/*.test.{ts,tsx}"],
            setupFiles: ["./test/worker/apply-migrations.ts"],
            globalSetup: [
              "./test/support/receiver.ts",
              "./test/support/smtp.ts",
              "./test/support/email-binding.ts",
              "./test/support/postmark.ts",
            ],
          },
        },
        {
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            globalSetup: ["./test/support/rapport-global.ts"],
            environment: "node",
            testTimeout: 180_000,
            hookTimeout: 180_000,
            fileParallelism: false,
            // Pages fetch their data after load; on a busy 2-core CI machine that can take seconds.
            expect: { poll: { timeout: 10_000 } },
          },
        },
      ],
    },
  };
});
