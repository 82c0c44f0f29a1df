/** Every built-in backend runs the shared contract; libsecret against a real Secret Service. */
import assert from "node:assert/strict";
import { backendContract } from "../src/testing/backend_contract.ts";
import libsecret, { classifyLinux } from "../src/plugins/backends/libsecret.ts";
import env from "../src/plugins/backends/env.ts";
import { selectBackend } from "../src/plugins/backends/mod.ts";
import { clearService, HAS_SECRET_SERVICE } from "./helpers.ts";

Deno.test({
  name: "libsecret backend: contract against the real Secret Service",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    assert.ok(HAS_SECRET_SERVICE, "run through `deno task test`, which starts a real Secret Service");
    const service = `mcp-nexus-test-${crypto.randomUUID()}`;
    try {
      await backendContract(t, libsecret.create({ service }));
    } finally {
      await clearService(service);
    }
  },
});

Deno.test("env backend: contract (read-only), and the two variable spellings", async (t) => {
  await backendContract(t, env.create({ service: "unused" }));
  Deno.env.set("MCP_NEXUS_SECRET_GH_TOKEN", "from-upper");
  Deno.env.set("MCP_NEXUS_SECRET_exact.name", "from-exact");
  try {
    const b = env.create({ service: "unused" });
    assert.equal(await b.get("gh-token"), "from-upper");
    assert.equal(await b.get("exact.name"), "from-exact");
    assert.deepEqual(await b.list(["gh-token", "missing", "exact.name"]), ["gh-token", "exact.name"]);
  } finally {
    Deno.env.delete("MCP_NEXUS_SECRET_GH_TOKEN");
    Deno.env.delete("MCP_NEXUS_SECRET_exact.name");
  }
});

Deno.test("backend selection: flag, then env, then setting; unknown ids are usage errors", () => {
  assert.equal(selectBackend("env").id, "env");
  Deno.env.set("MCP_NEXUS_BACKEND", "env");
  try {
    assert.equal(selectBackend(undefined, "libsecret").id, "env");
  } finally {
    Deno.env.delete("MCP_NEXUS_BACKEND");
  }
  assert.throws(() => selectBackend("nope"), /Unknown secret backend 'nope'/);
  if (Deno.build.os === "linux") {
    assert.throws(() => selectBackend("macos-keychain"), /does not run on linux/);
    assert.equal(selectBackend("auto").id, "libsecret");
  }
});

Deno.test("libsecret error messages tell absent, locked and missing-keyring apart", () => {
  const noBus = classifyLinux(
    "Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled",
  );
  assert.equal(noBus.status, "unavailable");
  assert.match(noBus.hint!, /gnome-keyring/);
  assert.match(noBus.hint!, /--backend env/);
  assert.equal(
    classifyLinux("Couldn't access platform storage: Secret Service: unlock prompt was dismissed").status,
    "locked",
  );
  assert.equal(
    classifyLinux("Couldn't access platform storage: Secret Service: no result found").status,
    "no-collection",
  );
  assert.equal(
    classifyLinux(
      "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided",
    ).status,
    "unavailable",
  );
});
