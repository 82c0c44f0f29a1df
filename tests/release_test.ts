/**
 * Release automation: the workflow passes actionlint, the Homebrew formula passes Ruby's syntax
 * check, the winget manifests carry their schema's fields, install.sh installs only a binary whose
 * checksum matches (against a fake release on 127.0.0.1), and `deno task compile` either builds or
 * stops with one line naming the runtime cache folder.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { REPO } from "./helpers.ts";
import { lintWorkflows } from "../scripts/lint_workflows.ts";
import { formula } from "../scripts/release/formula.ts";
import { MANIFEST_VERSION, PACKAGE_ID, wingetManifests } from "../scripts/release/winget.ts";
import { parseSums } from "../scripts/release/sums.ts";
import { compileArgs, TARGETS } from "../scripts/compile.ts";

function which(cmd: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, cmd)).isFile) return join(dir, cmd);
    } catch { /* next */ }
  }
  return null;
}

async function run(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
  const o = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

const hex = (seed: number) =>
  Array.from({ length: 64 }, (_, i) => "0123456789abcdef"[(seed * 7 + i * 13) % 16]).join("");
const SUMS =
  TARGETS.map((t, i) => `${hex(i + 1)}  mcp-nexus-${t}${t.includes("windows") ? ".exe" : ""}`).join("\n") +
  "\n";

Deno.test("release: the workflow passes actionlint, which does catch a broken one", async () => {
  assert.deepEqual(await lintWorkflows(join(REPO, ".github", "workflows")), []);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "bad.yml"),
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n        shell: bash\n        timeout: 3\n",
    );
    const problems = await lintWorkflows(dir);
    assert.ok(problems.length >= 2, problems.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const wf = await Deno.readTextFile(join(REPO, ".github", "workflows", "release.yml"));
  for (const target of TARGETS) assert.ok(wf.includes(`target: ${target}`), target);
  for (
    const step of [
      "codesign --force --timestamp --options runtime",
      "notarytool submit",
      "signtool",
      "sha256sum",
      "attest-build-provenance",
      "MCP_NEXUS_TEST_BINARY",
    ]
  ) {
    assert.ok(wf.includes(step), step);
  }
  const ent = await Deno.readTextFile(join(REPO, "scripts", "release", "entitlements.plist"));
  const { parse: parsePlist } = await import("plist");
  assert.deepEqual(Object.keys(parsePlist(ent) as object).sort(), [
    "com.apple.security.cs.allow-jit",
    "com.apple.security.cs.allow-unsigned-executable-memory",
    "com.apple.security.cs.disable-library-validation",
  ]);
});

const ruby = which("ruby");
Deno.test({
  name: `release: the Homebrew formula passes 'ruby -c' and names every binary's checksum${
    ruby ? "" : " (ignored: ruby not installed)"
  }`,
  ignore: !ruby,
  async fn() {
    const sums = parseSums(SUMS);
    const text = formula("1.2.3", sums, hex(9));
    const file = await Deno.makeTempFile({ suffix: ".rb" });
    try {
      await Deno.writeTextFile(file, text);
      const r = await run(ruby!, ["-c", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Syntax OK/);
      // the check can fail
      await Deno.writeTextFile(file, text.replace(/\nend\n$/, "\n"));
      assert.notEqual((await run(ruby!, ["-c", file])).code, 0);
    } finally {
      await Deno.remove(file);
    }
    for (const t of TARGETS.filter((t) => !t.includes("windows"))) {
      assert.ok(text.includes(`releases/download/v1.2.3/mcp-nexus-${t}"`), t);
      assert.ok(text.includes(`sha256 "${sums.get(`mcp-nexus-${t}`)}"`), t);
    }
    assert.match(text, /generate_completions_from_executable\(bin\/"mcp-nexus", "completion"\)/);
    assert.match(text, /man1\.install "mcp-nexus\.1"/);
    assert.throws(() => formula("1.2.3", parseSums(SUMS.split("\n").slice(1).join("\n"))), /no line for/);
    assert.throws(() => formula("1.2", sums), /not a version/);
  },
});

// the winget manifest schema 1.6.0's required fields and patterns (from its JSON schemas)
// deno-lint-ignore no-control-regex
const Id = z.string().regex(/^[^.\s\\/:*?"<>|\x01-\x1f]{1,32}(\.[^.\s\\/:*?"<>|\x01-\x1f]{1,32}){1,7}$/).max(
  128,
);
// deno-lint-ignore no-control-regex
const Version = z.string().regex(/^[^\\/:*?"<>|\x01-\x1f]+$/).max(128);
const Common = {
  PackageIdentifier: Id,
  PackageVersion: Version,
  ManifestVersion: z.literal(MANIFEST_VERSION),
};
const VersionManifest = z.object({
  ...Common,
  DefaultLocale: z.string().regex(/^([a-zA-Z]{2,3}|[iI]-[a-zA-Z]+|[xX]-[a-zA-Z]{1,8})(-[a-zA-Z]{1,8})*$/),
  ManifestType: z.literal("version"),
}).strict();
const InstallerManifest = z.object({
  ...Common,
  InstallerType: z.enum([
    "msix",
    "msi",
    "appx",
    "exe",
    "zip",
    "inno",
    "nullsoft",
    "wix",
    "burn",
    "pwa",
    "portable",
  ]),
  Commands: z.array(z.string().min(1).max(40)).max(16).optional(),
  ReleaseDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  Installers: z.array(
    z.object({
      Architecture: z.enum(["x86", "x64", "arm", "arm64", "neutral"]),
      InstallerUrl: z.string().regex(/^([Hh][Tt][Tt][Pp][Ss]?):\/\/.+$/).max(2048),
      InstallerSha256: z.string().regex(/^[A-Fa-f0-9]{64}$/),
    }).strict(),
  ).min(1).max(1024),
  ManifestType: z.literal("installer"),
}).strict();
const LocaleManifest = z.object({
  ...Common,
  PackageLocale: z.string().min(2),
  Publisher: z.string().min(2).max(256),
  PublisherUrl: z.string().url().optional(),
  PackageName: z.string().min(2).max(256),
  PackageUrl: z.string().url().optional(),
  License: z.string().min(3).max(512),
  ShortDescription: z.string().min(3).max(256),
  Moniker: z.string().max(40).optional(),
  Tags: z.array(z.string().min(1).max(40)).max(16).optional(),
  ManifestType: z.literal("defaultLocale"),
}).strict();

Deno.test("release: the winget manifests match their schema's fields", () => {
  const files = wingetManifests("1.2.3", parseSums(SUMS));
  assert.deepEqual(Object.keys(files).sort(), [
    `${PACKAGE_ID}.installer.yaml`,
    `${PACKAGE_ID}.locale.en-US.yaml`,
    `${PACKAGE_ID}.yaml`,
  ]);
  VersionManifest.parse(parse(files[`${PACKAGE_ID}.yaml`]));
  const inst = InstallerManifest.parse(parse(files[`${PACKAGE_ID}.installer.yaml`]));
  assert.equal(inst.Installers[0].InstallerSha256, hex(5).toUpperCase());
  assert.match(inst.Installers[0].InstallerUrl, /\/v1\.2\.3\/mcp-nexus-x86_64-pc-windows-msvc\.exe$/);
  LocaleManifest.parse(parse(files[`${PACKAGE_ID}.locale.en-US.yaml`]));
  for (const text of Object.values(files)) {
    assert.match(text, /^# yaml-language-server: \$schema=https:\/\/aka\.ms\/winget-manifest\./);
  }
  // the validator can fail
  assert.throws(() =>
    InstallerManifest.parse({ ...inst, Installers: [{ ...inst.Installers[0], InstallerSha256: "abc" }] })
  );
});

const fetcher = which("curl") ?? which("wget");
const hostTarget = Deno.build.os === "linux" || Deno.build.os === "darwin"
  ? `mcp-nexus-${Deno.build.arch}-${Deno.build.os === "linux" ? "unknown-linux-gnu" : "apple-darwin"}`
  : null;
Deno.test({
  name: `release: install.sh installs only a binary whose SHA-256 matches${
    fetcher && hostTarget ? "" : " (ignored: needs curl or wget, Linux or macOS)"
  }`,
  ignore: !fetcher || !hostTarget,
  async fn() {
    const files = new Map<string, Uint8Array<ArrayBuffer>>();
    const bin = new TextEncoder().encode("#!/bin/sh\necho 9.9.9\n");
    const digest = async (b: Uint8Array<ArrayBuffer>) =>
      [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) =>
        x.toString(16).padStart(2, "0")
      ).join("");
    files.set(hostTarget!, bin);
    files.set(
      "SHA256SUMS",
      new TextEncoder().encode(`${await digest(bin)}  ${hostTarget}\n${hex(3)}  other\n`),
    );
    const ac = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
      (req) => {
        const body = files.get(new URL(req.url).pathname.slice(1));
        return body ? new Response(body) : new Response("no", { status: 404 });
      },
    );
    const home = await Deno.makeTempDir();
    try {
      const env = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        HOME: home,
        MCP_NEXUS_RELEASE_URL: `http://127.0.0.1:${server.addr.port}`,
        MCP_NEXUS_INSTALL_DIR: join(home, "bin"),
      };
      const syntax = await run("sh", ["-n", join(REPO, "scripts", "install.sh")]);
      assert.equal(syntax.code, 0, syntax.stderr);
      const ok = await run("sh", [join(REPO, "scripts", "install.sh")], { env });
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Installed .*\/bin\/mcp-nexus \(9\.9\.9\)/);
      assert.equal((await run(join(home, "bin", "mcp-nexus"), [])).stdout, "9.9.9\n");

      await Deno.remove(join(home, "bin", "mcp-nexus"));
      files.set(hostTarget!, new TextEncoder().encode("#!/bin/sh\necho tampered\n"));
      const bad = await run("sh", [join(REPO, "scripts", "install.sh")], { env });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /checksum mismatch .*nothing installed/);
      await assert.rejects(Deno.stat(join(home, "bin", "mcp-nexus")), Deno.errors.NotFound);
    } finally {
      ac.abort();
      await server.finished;
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test("release: deno task compile builds with the permission set, or says in one line what it lacks", async () => {
  const args = compileArgs("x86_64-pc-windows-msvc", "dist");
  for (const a of ["-P=nexus", "--no-prompt", "--include", "src", "main.ts"]) assert.ok(args.includes(a), a);
  assert.equal(args[args.indexOf("--output") + 1], join("dist", "mcp-nexus-x86_64-pc-windows-msvc.exe"));
  const out = await Deno.makeTempDir({ dir: REPO, prefix: ".compile-test-" });
  try {
    const rel = out.slice(REPO.length);
    const bad = await run(Deno.execPath(), ["task", "-q", "compile", "--target", "sparc-sun-solaris"], {
      cwd: REPO,
    });
    assert.equal(bad.code, 2);
    const r = await run(Deno.execPath(), ["task", "-q", "compile", "--host", "--out", rel], { cwd: REPO });
    if (r.code === 0) {
      const bin = join(out, `mcp-nexus-${Deno.build.target}${Deno.build.os === "windows" ? ".exe" : ""}`);
      const v = await run(bin, ["--version"]);
      assert.equal(v.code, 0, v.stderr);
      assert.match(await Deno.readTextFile(`${bin}.sha256`), /^[0-9a-f]{64} {2}mcp-nexus-/);
    } else {
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0],
        /cannot download the Deno runtime .* put denort-.*\.zip in .*dl\/release\/v\d+\.\d+\.\d+/,
      );
      assert.ok(!/Stack backtrace|Caused by/.test(r.stderr));
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
