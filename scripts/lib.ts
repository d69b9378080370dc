// What the scripts share: the local toolchain (db/local.ts, which the seed uses too) and a free port.
import { createServer } from "node:net";

export {
  BIN,
  compatibilityDate,
  databaseId,
  LOCAL_STATE,
  migrateLocal,
  OFFLINE_ENV,
  ROOT,
  run,
} from "../db/local.ts";

/** A TCP port free on 127.0.0.1 right now, for a local server. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
    srv.on("error", rej);
  });
}
