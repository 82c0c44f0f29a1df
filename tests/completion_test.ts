/** `version --json`, `completion SHELL` (run in the real shells where installed) and the man page. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectCode, REPO, withSandbox } from "./helpers.ts";
import { VERSION } from "../src/version.ts";

function which(cmd: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, cmd)).isFile) return join(dir, cmd);
    } catch { /* next */ }
  }
  return null;
}

async function sh(cmd: string, args: string[], env?: Record<string, string>) {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

Deno.test("version --json: version, build target, permission set in force, backends and schedulers", async () => {
  await withSandbox(async (sb) => {
    const r = await sb.json<{
      version: string;
      target: string;
      compiled: boolean;
      permissionSet: { name: string; read: boolean; env: string[] };
      permissions: Record<string, string>;
      secretBackends: Array<{ id: string; available: boolean }>;
      schedulers: Array<{ id: string; available: boolean; reason?: string }>;
    }>(["version"], { env: { DBUS_SESSION_BUS_ADDRESS: undefined } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.data.version, VERSION);
    assert.equal(r.data.target, Deno.build.target);
    assert.equal(r.data.compiled, !!Deno.env.get("MCP_NEXUS_TEST_BINARY"));
    assert.equal(r.data.permissionSet.name, "nexus");
    assert.ok(r.data.permissionSet.env.includes("HOME"));
    assert.equal(r.data.permissions.read, "granted");
    // net is broad in the set; the bridge Worker and the marketplace client narrow it at run time
    assert.equal(r.data.permissions.net, "granted");
    assert.deepEqual(r.data.schedulers.map((s) => s.id), ["cron", "systemd", "launchd", "schtasks"]);
    assert.equal(r.data.schedulers.find((s) => s.id === "launchd")?.available, Deno.build.os === "darwin");
    assert.equal(r.data.secretBackends.find((b) => b.id === "env")?.available, true);
  });
});

async function script(shell: string): Promise<string> {
  let text = "";
  await withSandbox(async (sb) => {
    const r = expectCode(await sb.run(["completion", shell]), 0);
    text = r.stdout;
  });
  return text;
}

Deno.test("completion: bash completes commands, subcommands and options from the command tree", async () => {
  const file = await Deno.makeTempFile({ suffix: ".bash" });
  try {
    await Deno.writeTextFile(file, await script("bash"));
    const complete = async (...words: string[]) => {
      const r = await sh("bash", [
        "-c",
        `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mcp_nexus; printf '%s\\n' "\${COMPREPLY[@]}"`,
        "bash",
        file,
        "mcp-nexus",
        ...words,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split("\n");
    };
    assert.ok((await complete("sch")).includes("schedule"));
    assert.deepEqual((await complete("schedule", "")).filter((w) => !w.startsWith("-")).sort(), [
      "install",
      "remove",
      "status",
    ]);
    assert.ok((await complete("schedule", "install", "--ev")).includes("--every"));
    assert.ok((await complete("--json", "server", "a")).includes("add"));
  } finally {
    await Deno.remove(file);
  }
});

for (const [shell, bin, check] of [["zsh", "zsh", ["-n"]], ["fish", "fish", ["--no-execute"]]] as const) {
  const path = which(bin);
  Deno.test({
    name: `completion: the ${shell} script parses in ${shell}${
      path ? "" : ` (ignored: ${shell} not installed)`
    }`,
    ignore: !path,
    async fn() {
      const file = await Deno.makeTempFile();
      try {
        await Deno.writeTextFile(file, await script(shell));
        const r = await sh(path!, [...check, file]);
        assert.equal(r.code, 0, r.stderr);
        if (shell === "zsh") {
          // its lookup, with compadd/compdef standing in for the completion system's builtins
          const c = await sh(path!, [
            "-c",
            `compdef() { :; }; compadd() { shift; print -l -- "$@"; }; source ${file}; ` +
            `words=(mcp-nexus --json schedule ""); CURRENT=4; _mcp_nexus`,
          ]);
          assert.equal(c.code, 0, c.stderr);
          assert.deepEqual(c.stdout.split("\n").filter((w) => w && !w.startsWith("-")), [
            "install",
            "status",
            "remove",
          ]);
        }
        if (shell === "fish") {
          // and it completes: fish's own engine, with the script loaded
          const c = await sh(path!, ["-c", `source ${file}; complete -C 'mcp-nexus schedule '`]);
          assert.match(c.stdout, /^install\b/m);
        }
      } finally {
        await Deno.remove(file);
      }
    },
  });
}

Deno.test("completion: PowerShell registers a native completer with every command path; bad shell is a usage error", async () => {
  const ps = await script("powershell");
  assert.match(ps, /Register-ArgumentCompleter -Native -CommandName 'mcp-nexus'/);
  assert.match(ps, /'schedule install' = @\([^)]*'--every'/);
  await withSandbox(async (sb) => {
    expectCode(await sb.run(["completion", "tcsh"]), 2);
  });
});

const groff = which("groff");
Deno.test({
  name: `man page: generated from the help texts, valid roff${
    groff ? "" : " (groff check ignored: groff not installed)"
  }`,
  async fn() {
    const r = await sh(Deno.execPath(), ["run", "-A", join(REPO, "scripts/man.ts")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\.TH MCP\\-NEXUS 1 /);
    for (const c of ["schedule install", "schedule status", "sync", "completion", "version"]) {
      assert.ok(r.stdout.includes(`.SS mcp\\-nexus ${c.replaceAll("-", "\\-")}\n`), c);
    }
    assert.match(r.stdout, /\\\-\\\-unattended/);
    if (groff) {
      const file = await Deno.makeTempFile();
      await Deno.writeTextFile(file, r.stdout);
      const g = await sh(groff, ["-man", "-Tutf8", "-ww", "-z", file]);
      await Deno.remove(file);
      assert.equal(g.code, 0);
      assert.equal(g.stderr, "", "no roff warnings");
    }
  },
});
