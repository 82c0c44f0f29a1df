/** `secret …` end to end, as a user runs it, against the real Secret Service. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  expectCode,
  HAS_SECRET_SERVICE,
  modeOf,
  type Sandbox,
  START_PRIVATE_KEYRING,
  withSandbox,
} from "./helpers.ts";

const linuxKeyring = { ignore: Deno.build.os !== "linux" };

async function indexOf(sb: Sandbox): Promise<string[]> {
  return JSON.parse(await Deno.readTextFile(join(sb.home, ".mcp-manager", "credential_keys.json")));
}

Deno.test({
  name: "secret set/list/exists/get/rm round trip on the real keychain, index kept in step",
  ...linuxKeyring,
  fn: () =>
    withSandbox(async (sb) => {
      assert.ok(HAS_SECRET_SERVICE);
      const set = expectCode(
        await sb.run(["secret", "set", "github-token"], { stdin: "ghp_value_one\n" }),
        0,
      );
      assert.match(set.stdout, /Stored secret 'github-token' in Secret Service/);

      // the value is really in the keychain (read back through the library, not through us)
      const { Entry } = await import("@napi-rs/keyring");
      const raw = new Entry(sb.service, "github-token", { linux: { store: "secret-service" } }).getPassword();
      assert.equal(raw, "ghp_value_one", "stdin's trailing newline is dropped, nothing else");

      // the desktop app's keys index: names only, 0600 in a 0700 dir
      assert.deepEqual(await indexOf(sb), ["github-token"]);
      assert.equal(await modeOf(join(sb.home, ".mcp-manager", "credential_keys.json")), 0o600);
      assert.equal(await modeOf(join(sb.home, ".mcp-manager")), 0o700);

      const upd = await sb.json<{ updated: boolean }>(["secret", "set", "github-token"], {
        stdin: "ghp_value_two",
      });
      assert.equal(upd.data.updated, true);

      const list = await sb.json<{ secrets: { name: string; stored: boolean }[] }>(["secret", "list"]);
      assert.deepEqual(list.data.secrets.map((s) => [s.name, s.stored]), [["github-token", true]]);

      expectCode(await sb.run(["secret", "exists", "github-token"]), 0);
      expectCode(await sb.run(["secret", "exists", "nope"]), 3);

      const get = expectCode(await sb.run(["secret", "get", "github-token"]), 0);
      assert.doesNotMatch(get.stdout, /ghp_value/);
      assert.match(get.stdout, /--reveal/);
      const reveal = expectCode(await sb.run(["secret", "get", "github-token", "--reveal"]), 0);
      assert.equal(reveal.stdout, "ghp_value_two\n");

      expectCode(await sb.run(["secret", "rm", "github-token"]), 0);
      assert.deepEqual(await indexOf(sb), []);
      expectCode(await sb.run(["secret", "exists", "github-token"]), 3);
      const again = expectCode(await sb.run(["secret", "rm", "github-token"]), 3);
      assert.match(again.stderr, /No secret named 'github-token'/);
    }),
});

Deno.test({
  name: "bad secret names exit 2 and store nothing",
  ...linuxKeyring,
  fn: () =>
    withSandbox(async (sb) => {
      for (const bad of ["", "has space", "slash/name", "x".repeat(257), "semi;colon", "ünï"]) {
        const r = expectCode(await sb.run(["secret", "set", bad], { stdin: "value" }), 2);
        assert.match(r.stderr, /Invalid secret name/);
      }
      expectCode(await sb.run(["secret", "set", "x".repeat(256)], { stdin: "value" }), 0);
      const list = await sb.json<{ secrets: { name: string }[] }>(["secret", "list"]);
      assert.deepEqual(list.data.secrets.map((s) => s.name), ["x".repeat(256)]);
      const json = await sb.json<{ error: { code: string } }>(["secret", "exists", "bad name"]);
      assert.equal(json.code, 2);
      assert.equal(json.data.error.code, "E_INVALID_NAME");
    }),
});

Deno.test({
  name: "an empty value is refused and nothing is stored",
  ...linuxKeyring,
  fn: () =>
    withSandbox(async (sb) => {
      const r = expectCode(await sb.run(["secret", "set", "empty"], { stdin: "" }), 2);
      assert.match(r.stderr, /No value given/);
      expectCode(await sb.run(["secret", "exists", "empty"]), 3);
    }),
});

Deno.test({
  name: "no D-Bus session: a clear message with what to install, exit 4, never 'not found'",
  ...linuxKeyring,
  fn: () =>
    withSandbox(async (sb) => {
      for (const bus of ["unix:path=/nonexistent/bus", undefined]) {
        const env = { DBUS_SESSION_BUS_ADDRESS: bus };
        for (const args of [["secret", "get", "x"], ["secret", "exists", "x"], ["secret", "list"]]) {
          const r = expectCode(await sb.run(args, { env }), 4);
          assert.match(r.stderr, /No D-Bus session bus/);
          assert.match(r.stderr, /apt install gnome-keyring/);
          assert.match(r.stderr, /--backend env/);
          assert.doesNotMatch(r.stderr, /No secret named/);
        }
        const set = expectCode(await sb.run(["secret", "set", "x"], { stdin: "v", env }), 4);
        assert.match(set.stderr, /No D-Bus session bus/);
        const h = await sb.json<{ health: { ok: boolean; status: string } }>(["secret", "backends"], { env });
        assert.equal(h.code, 4);
        assert.equal(h.data.health.status, "unavailable");
      }
    }),
});

/** Runs a script in a private D-Bus session with its own keyring daemon. */
async function inPrivateSession(sb: Sandbox, script: string): Promise<string> {
  const { cliCommand } = await import("./helpers.ts");
  const cli = cliCommand().map((a) => `'${a}'`).join(" ");
  const out = await new Deno.Command("dbus-run-session", {
    args: ["--", "bash", "-c", script.replaceAll("NEXUS", cli)],
    env: { ...sb.env, HOME: sb.home },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "a locked keyring is reported as locked (exit 4), not as a missing secret",
  ...linuxKeyring,
  fn: () =>
    withSandbox(async (sb) => {
      const out = await inPrivateSession(
        sb,
        `${START_PRIVATE_KEYRING}
         printf value | NEXUS secret set present >/dev/null; echo "set=$?"
         dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
           org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
         NEXUS secret get present 2>&1; echo "get=$?"
         NEXUS secret exists absent 2>&1; echo "exists=$?"
         NEXUS --json secret list; echo "list=$?"`,
      );
      assert.match(out, /set=0/);
      assert.match(out, /get=4/);
      assert.match(out, /exists=4/);
      assert.match(out, /list=4/);
      assert.match(out, /keyring is locked/);
      assert.match(out, /gnome-keyring-daemon --unlock/);
      assert.match(out, /"code": "E_BACKEND_LOCKED"/);
      assert.doesNotMatch(out, /No secret named/);
    }),
});

Deno.test({
  name: "env backend: reads MCP_NEXUS_SECRET_<NAME>, refuses writes with a hint",
  fn: () =>
    withSandbox(async (sb) => {
      const env = { MCP_NEXUS_SECRET_API_TOKEN: "from-env-value" };
      expectCode(await sb.run(["--backend", "env", "secret", "exists", "api-token"], { env }), 0);
      const r = await sb.run(["--backend", "env", "secret", "get", "api-token", "--reveal"], { env });
      assert.equal(r.stdout, "from-env-value\n");
      const w = expectCode(
        await sb.run(["--backend", "env", "secret", "set", "api-token"], { stdin: "x", env }),
        4,
      );
      assert.match(w.stderr, /read-only/);
      assert.match(w.stderr, /MCP_NEXUS_SECRET_API_TOKEN/);
      const viaEnv = await sb.run(["secret", "exists", "api-token"], {
        env: { ...env, MCP_NEXUS_BACKEND: "env" },
      });
      expectCode(viaEnv, 0);
    }),
});
