/**
 * The hostile corpus: files, names, state files and special files a user (or an attacker, or a bad
 * tool) can leave where mcp-nexus looks. One table; each case asserts a clear one-line error (no
 * stack trace), the right exit code, and that nothing changed that should not have (a hash of the
 * whole sandbox before and after). Secret values have their own corpus (the secrets suite).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { HAS_SECRET_SERVICE, type Sandbox, sandbox } from "./helpers.ts";
import { hasStackTrace, runWithin, treeDiff, treeHash } from "./safety_helpers.ts";

interface Case {
  name: string;
  setup?: (h: Home) => Promise<void>;
  args: string[];
  stdin?: string;
  code: number;
  /** The error's code and its first line (a top-level error, or the failing client's in a sync). */
  error?: [string, RegExp];
  /** Paths (relative to HOME) allowed to change. Default: nothing may change. */
  mayChange?: RegExp;
  check?: (h: Home) => Promise<void>;
  /** Skip where the environment cannot stage the case. */
  skip?: () => boolean;
}

/** The sandbox, with file helpers relative to HOME. */
class Home {
  constructor(readonly sb: Sandbox) {}
  p(rel: string): string {
    return join(this.sb.home, rel);
  }
  async write(rel: string, data: string | Uint8Array, mode = 0o644) {
    await Deno.mkdir(join(this.p(rel), ".."), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(this.p(rel), data);
    else await Deno.writeFile(this.p(rel), data);
    await Deno.chmod(this.p(rel), mode);
  }
  read(rel: string): Promise<string> {
    return Deno.readTextFile(this.p(rel));
  }
  async fifo(rel: string) {
    await Deno.mkdir(join(this.p(rel), ".."), { recursive: true });
    const r = await new Deno.Command("mkfifo", { args: [this.p(rel)] }).output();
    assert.ok(r.success, "mkfifo");
  }
  async link(rel: string, target: string) {
    await Deno.mkdir(join(this.p(rel), ".."), { recursive: true });
    await Deno.symlink(target, this.p(rel));
  }
  /** registry.json with these servers (plain stdio ones by default). */
  async registry(servers: Record<string, unknown> = { alpha: server("alpha-pkg") }) {
    await this.write(
      "nexus/registry.json",
      JSON.stringify({ version: 1, settings: {}, servers }, null, 2),
      0o600,
    );
  }
}

function server(pkg: string, extra: Record<string, unknown> = {}) {
  return { transport: "stdio", command: "npx", args: ["-y", pkg], env: {}, enabled: true, ...extra };
}

const isRoot = Deno.build.os !== "windows" && Deno.uid() === 0;
const BACKUPS = "nexus/backups";
const SYNC = (client: string) => ["sync", "--yes", "--client", client];
/** What an ordinary successful sync may change: the client file, our state, backups. */
const SYNC_WRITES = (file: string) =>
  new RegExp(`^(${file.replace(/[.]/g, "\\.")}|nexus(/state(/ledger\\.json)?|/backups(/.*)?)?)$`);

function backupId(n: number): string {
  return `2020-01-01T00-00-${String(n).padStart(2, "0")}-000Z-${n.toString(16).padStart(6, "0")}`;
}

async function manifest(h: Home, dir: string, m: unknown, copies: Record<string, string> = {}) {
  await h.write(`${BACKUPS}/${dir}/manifest.json`, JSON.stringify(m, null, 2), 0o600);
  for (const [name, text] of Object.entries(copies)) await h.write(`${BACKUPS}/${dir}/${name}`, text, 0o600);
}

function goodManifest(h: Home, id: string, files: unknown[]) {
  return { id, createdAt: "2020-01-01T00:00:00.000Z", reason: "sync", files, _h: h.sb.home };
}

const UNPARSABLE: [string, string, string, RegExp][] = [
  ["claude-code", ".claude.json", "{ not json", /not valid JSON|line 1/i],
  ["claude-code", ".claude.json", "[1, 2]", /top level/i],
  ["claude-code", ".claude.json", '{"a": 1, "a": 2}', /duplicate/i],
  ["claude-code", ".claude.json", '{"mcpServers": {}} trailing', /line 1/i],
  ["claude-code", ".claude.json", "[".repeat(100_000), /line 1|too deep|nest/i],
  ["cursor", ".cursor/mcp.json", '{"mcpServers": {"x": }}', /line 1/i],
  ["goose", ".config/goose/config.yaml", "extensions:\n\t- bad tab\n", /line 2/i],
  ["goose", ".config/goose/config.yaml", "a: 1\n---\nb: 2\n", /line|document/i],
  ["goose", ".config/goose/config.yaml", "a: [1, 2\n", /line/i],
  ["goose", ".config/goose/config.yaml", "- just\n- a list\n", /top level/i],
  ["continue", ".continue/config.yaml", "mcpServers: {a: 1, a: 2}\n", /line 1/i],
  ["codex", ".codex/config.toml", "[mcp_servers\nbroken = ", /line 1/i],
  ["codex", ".codex/config.toml", "[a]\nx = 1\n[a]\nx = 2\n", /line 3|duplicate|defined/i],
  ["codex", ".codex/config.toml", 'model = "unterminated\n', /line 1/i],
  ["vscode", ".config/Code/User/mcp.json", "// only a comment\n{", /line/i],
  ["zed", ".config/zed/settings.json", '{"context_servers": [}', /line 1/i],
];

const SHAPES: [string, string, string, string][] = [
  ["claude-code", ".claude.json", '{"mcpServers": "none"}', "mcpServers"],
  ["claude-code", ".claude.json", '{"mcpServers": [{"name": "x"}]}', "mcpServers"],
  ["claude-code", ".claude.json", '{"mcpServers": 42}', "mcpServers"],
  ["cursor", ".cursor/mcp.json", '{"mcpServers": true}', "mcpServers"],
  ["continue", ".continue/config.yaml", "mcpServers:\n  mine:\n    command: x\n", "mcpServers"],
  ["continue", ".continue/config.yaml", "mcpServers: just text\n", "mcpServers"],
  ["goose", ".config/goose/config.yaml", "extensions:\n  - name: mine\n", "extensions"],
  ["goose", ".config/goose/config.yaml", "extensions: 3\n", "extensions"],
  ["vscode", ".config/Code/User/mcp.json", '{"servers": ["a"]}', "servers"],
  ["codex", ".codex/config.toml", 'mcp_servers = "none"\n', "mcp_servers"],
  ["codex", ".codex/config.toml", "mcp_servers = [1, 2]\n", "mcp_servers"],
  ["zed", ".config/zed/settings.json", '{"context_servers": []}', "context_servers"],
  ["gemini-cli", ".gemini/settings.json", '{"mcpServers": "x"}', "mcpServers"],
];

const CASES: Case[] = [
  // --- client files that do not parse: named with the place, left untouched, exit 1
  ...UNPARSABLE.map(([client, rel, text, re]): Case => ({
    name: `${client}: unparsable ${JSON.stringify(text.slice(0, 24))}`,
    setup: async (h) => {
      await h.registry();
      await h.write(rel, text);
    },
    args: SYNC(client),
    code: 1,
    error: ["E_FILE_UNPARSABLE", re],
    mayChange: /^nexus\/state$/,
  })),
  // --- a servers container of the wrong shape: reported, never replaced
  ...SHAPES.map(([client, rel, text, field]): Case => ({
    name: `${client}: '${field}' of the wrong shape ${JSON.stringify(text.slice(0, 30))}`,
    setup: async (h) => {
      await h.registry();
      await h.write(rel, text);
    },
    args: SYNC(client),
    code: 1,
    error: ["E_SERVERS_SHAPE", new RegExp(`'${field}' is .*not a (list|map).*left the file alone`)],
    mayChange: /^nexus\/state$/,
  })),
  // --- special files where a config should be: refused without opening, no hang
  {
    name: "a FIFO as the client file does not hang sync",
    setup: async (h) => {
      await h.registry();
      await h.fifo(".claude.json");
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_NOT_A_FILE", /\.claude\.json is a FIFO/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a FIFO as one client's file: the other clients still sync",
    setup: async (h) => {
      await h.registry();
      await h.fifo(".cursor/mcp.json");
      await h.write(".claude.json", "{}");
    },
    args: ["sync", "--yes", "--client", "cursor", "--client", "claude-code"],
    code: 1,
    error: ["E_NOT_A_FILE", /mcp\.json is a FIFO/],
    mayChange: SYNC_WRITES(".claude.json"),
    check: async (h) => assert.ok(JSON.parse(await h.read(".claude.json")).mcpServers.alpha),
  },
  {
    name: "a directory as the client file",
    setup: async (h) => {
      await h.registry();
      await Deno.mkdir(h.p(".claude.json"), { recursive: true });
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_NOT_A_FILE", /is a directory/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a symlink to /dev/null: that client's error; /dev/null stays a device",
    setup: async (h) => {
      await h.registry();
      await h.link(".cursor/mcp.json", "/dev/null");
      await h.write(".claude.json", "{}");
    },
    args: ["sync", "--yes", "--client", "cursor", "--client", "claude-code"],
    code: 1,
    error: ["E_NOT_A_FILE", /mcp\.json is a device/],
    mayChange: SYNC_WRITES(".claude.json"),
    check: async () => assert.ok((await Deno.stat("/dev/null")).isCharDevice),
  },
  {
    name: "a symlink to /dev/zero is not read forever",
    setup: async (h) => {
      await h.registry();
      await h.link(".claude.json", "/dev/zero");
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_NOT_A_FILE", /is a device/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a Unix socket as the client file",
    setup: async (h) => {
      await h.registry();
      await Deno.mkdir(h.p(".cursor"), { recursive: true });
      // a bound socket that outlives its process (Deno's listener removes its file on close)
      const py = await new Deno.Command("python3", {
        args: [
          "-c",
          "import socket,sys;socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
          h.p(".cursor/mcp.json"),
        ],
      }).output();
      assert.ok(py.success, "python3 made the socket");
    },
    args: SYNC("cursor"),
    code: 1,
    error: ["E_NOT_A_FILE", /is a socket/],
    mayChange: /^nexus\/state$/,
    skip: () => Deno.build.os === "windows",
  },
  {
    name: "a symlink loop as the client file",
    setup: async (h) => {
      await h.registry();
      await h.link(".cursor/a.json", "b.json");
      await h.link(".cursor/b.json", "a.json");
      await h.link(".cursor/mcp.json", "a.json");
    },
    args: SYNC("cursor"),
    code: 1,
    error: ["E_SYMLINK_LOOP", /Too many symbolic links/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a client dir that is a file (ENOTDIR): a one-line read error naming the file",
    setup: async (h) => {
      await h.registry();
      await h.write(".cursor", "not a dir");
    },
    args: SYNC("cursor"),
    code: 1,
    error: ["E_READ_FAILED", /Cursor's .*mcp\.json/],
    mayChange: /^nexus\/state$/,
  },
  // --- encodings
  {
    name: "a client file that is not UTF-8",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_FILE_ENCODING", /not valid UTF-8/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a UTF-16 client file (BOM FF FE)",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]));
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_FILE_ENCODING", /not valid UTF-8/],
    mayChange: /^nexus\/state$/,
  },
  {
    name: "a UTF-8 BOM is kept on the first edit",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", '\uFEFF{\n  "userID": "u"\n}\n');
    },
    args: SYNC("claude-code"),
    code: 0,
    mayChange: SYNC_WRITES(".claude.json"),
    check: async (h) => {
      const bytes = await Deno.readFile(h.p(".claude.json"));
      assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], "the BOM is still there");
      assert.ok(JSON.parse((await h.read(".claude.json")).slice(1)).mcpServers.alpha);
    },
  },
  // --- odd but valid client files: handled, the user's data kept
  {
    name: "a user's server named __proto__ is kept as an ordinary entry",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", '{"mcpServers": {"__proto__": {"command": "mine"}}}');
    },
    args: SYNC("claude-code"),
    code: 0,
    mayChange: SYNC_WRITES(".claude.json"),
    check: async (h) => {
      const text = await h.read(".claude.json");
      assert.match(text, /"__proto__": \{"command": "mine"\}/);
      assert.match(text, /"alpha"/);
    },
  },
  {
    name: "a user's entry that is not an object is left as it is",
    setup: async (h) => {
      await h.registry();
      await h.write(".cursor/mcp.json", '{"mcpServers": {"odd": "just a string"}}');
    },
    args: SYNC("cursor"),
    code: 0,
    mayChange: SYNC_WRITES(".cursor/mcp.json"),
    check: async (h) =>
      assert.equal(JSON.parse(await h.read(".cursor/mcp.json")).mcpServers.odd, "just a string"),
  },
  {
    name: "a null servers container is filled",
    setup: async (h) => {
      await h.registry();
      await h.write(".cursor/mcp.json", '{"mcpServers": null, "keep": 1}');
    },
    args: SYNC("cursor"),
    code: 0,
    mayChange: SYNC_WRITES(".cursor/mcp.json"),
    check: async (h) => {
      const d = JSON.parse(await h.read(".cursor/mcp.json"));
      assert.equal(d.keep, 1);
      assert.ok(d.mcpServers.alpha);
    },
  },
  {
    name: "an empty client file is an empty config",
    setup: async (h) => {
      await h.registry();
      await h.write(".cursor/mcp.json", "");
    },
    args: SYNC("cursor"),
    code: 0,
    mayChange: SYNC_WRITES(".cursor/mcp.json"),
    check: async (h) => assert.ok(JSON.parse(await h.read(".cursor/mcp.json")).mcpServers.alpha),
  },
  {
    name: "Goose: a user's line with NEL/LS characters is kept byte for byte; ours are escaped",
    setup: async (h) => {
      await h.registry({ alpha: server("alpha-pkg", { args: ["-y", "a\u2028b\u0085c\u009bd"] }) });
      await h.write(".config/goose/config.yaml", 'GOOSE_MODEL: "m\u2028x"\nextensions: {}\n');
    },
    args: SYNC("goose"),
    code: 0,
    mayChange: SYNC_WRITES(".config/goose/config.yaml"),
    check: async (h) => {
      const text = await h.read(".config/goose/config.yaml");
      assert.ok(text.startsWith('GOOSE_MODEL: "m\u2028x"\n'), "the user's line is untouched");
      const ours = text.slice(text.indexOf("alpha"));
      assert.ok(
        !/[\u0085\u2028\u2029\u0080-\u009f]/.test(ours),
        `our lines are escaped: ${JSON.stringify(ours)}`,
      );
      // a libyaml reader (PyYAML's C loader, as Goose's serde_yaml/libyaml readers do) reads our value back
      const py = await new Deno.Command("python3", {
        args: [
          "-c",
          "import sys,yaml,json;print(json.dumps(yaml.load(open(sys.argv[1],encoding='utf-8').read().split('\\n',1)[1],Loader=yaml.CSafeLoader)['extensions']['alpha']['args']))",
          h.p(".config/goose/config.yaml"),
        ],
      }).output().catch(() => null);
      if (py?.success) {
        assert.deepEqual(JSON.parse(new TextDecoder().decode(py.stdout)), ["-y", "a\u2028b\u0085c\u009bd"]);
      }
    },
  },
  {
    name: "two clients whose configs link to one file: synced once, no drift on the next run",
    setup: async (h) => {
      await h.registry();
      await h.write("dotfiles/mcp.json", '{"mcpServers": {"mine": {"command": "x"}}}');
      await h.link(".cursor/mcp.json", "../dotfiles/mcp.json");
      await h.link(".codeium/windsurf/mcp_config.json", "../../dotfiles/mcp.json");
    },
    args: ["sync", "--yes", "--client", "cursor", "--client", "windsurf"],
    code: 0,
    mayChange: /^(dotfiles\/mcp\.json|nexus(\/.*)?)$/,
    check: async (h) => {
      assert.ok((await Deno.lstat(h.p(".cursor/mcp.json"))).isSymlink);
      const d = JSON.parse(await h.read("dotfiles/mcp.json"));
      assert.deepEqual(Object.keys(d.mcpServers).sort(), ["alpha", "mine"]);
      const again = await h.sb.json<{ files: Array<{ status: string; notes: string[] }> }>([
        "sync",
        "--dry-run",
        "--client",
        "cursor",
        "--client",
        "windsurf",
      ]);
      assert.equal(again.code, 0, "no drift, no conflict");
      assert.deepEqual(again.data.files.map((f) => f.status), ["unchanged", "unchanged"]);
      assert.match(again.data.files[1].notes.join(" "), /same file as Cursor/);
    },
  },
  {
    name: "a dangling client symlink is written through; the link stays a link",
    setup: async (h) => {
      await h.registry();
      await Deno.mkdir(h.p("dotfiles"), { recursive: true });
      await h.link(".cursor/mcp.json", "../dotfiles/cursor.json");
    },
    args: SYNC("cursor"),
    code: 0,
    mayChange: /^(dotfiles\/cursor\.json|dotfiles|nexus(\/.*)?)$/,
    check: async (h) => {
      assert.ok((await Deno.lstat(h.p(".cursor/mcp.json"))).isSymlink);
      assert.ok(JSON.parse(await h.read("dotfiles/cursor.json")).mcpServers.alpha);
    },
  },
  {
    name: "run as root on a user's file: owner and group are kept",
    skip: () => !isRoot,
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", "{}");
      await Deno.chown(h.p(".claude.json"), 1234, 2345);
      await Deno.mkdir(h.p(".cursor"));
      await Deno.chown(h.p(".cursor"), 1234, 2345);
    },
    args: ["sync", "--yes", "--client", "claude-code", "--client", "cursor"],
    code: 0,
    mayChange: /^(\.claude\.json|\.cursor\/mcp\.json|nexus(\/.*)?)$/,
    check: async (h) => {
      const a = await Deno.stat(h.p(".claude.json"));
      assert.deepEqual([a.uid, a.gid], [1234, 2345], "a rewritten file keeps its owner");
      const b = await Deno.stat(h.p(".cursor/mcp.json"));
      assert.deepEqual([b.uid, b.gid], [1234, 2345], "a new file takes its directory's owner");
    },
  },
  // --- the registry
  {
    name: "registry.json that is not JSON",
    setup: (h) => h.write("nexus/registry.json", "{ nope"),
    args: ["server", "list"],
    code: 1,
    error: ["E_REGISTRY_PARSE", /registry\.json is not valid JSON at line 1/],
  },
  {
    name: "registry.json of another version",
    setup: (h) => h.write("nexus/registry.json", '{"version": 9, "servers": {}}'),
    args: ["server", "list"],
    code: 1,
    error: ["E_REGISTRY_INVALID", /registry\.json is not a valid registry/],
  },
  {
    name: "registry.json whose server has a numeric command",
    setup: (h) => h.registry({ bad: { transport: "stdio", command: 42 } }),
    args: ["sync", "--yes"],
    code: 1,
    error: ["E_REGISTRY_INVALID", /registry\.json is not a valid registry/],
  },
  {
    name: "registry.json with a server name that is a path",
    setup: (h) => h.registry({ "../../x": server("p") }),
    args: ["sync", "--yes", "--client", "cursor"],
    code: 1,
    error: ["E_REGISTRY_INVALID", /registry\.json is not a valid registry/],
  },
  {
    name: "registry.json that is a FIFO does not hang",
    setup: (h) => h.fifo("nexus/registry.json"),
    args: ["server", "list"],
    code: 1,
    error: ["E_NOT_A_FILE", /registry\.json is a FIFO/],
  },
  {
    name: "registry.json that is a directory",
    setup: async (h) => void await Deno.mkdir(h.p("nexus/registry.json"), { recursive: true }),
    args: ["server", "list"],
    code: 1,
    error: ["E_NOT_A_FILE", /registry\.json is a directory/],
  },
  {
    name: "registry.json that is not UTF-8",
    setup: (h) => h.write("nexus/registry.json", new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])),
    args: ["server", "list"],
    code: 1,
    error: ["E_FILE_ENCODING", /not valid UTF-8/],
  },
  {
    name: "registry.json with a BOM still loads",
    setup: (h) => h.write("nexus/registry.json", '\uFEFF{"version": 1, "settings": {}, "servers": {}}'),
    args: ["server", "list"],
    code: 0,
  },
  {
    name: "registry.json kept in a dotfiles repo as a symlink: written through, still a link",
    setup: async (h) => {
      await h.write("dotfiles/nexus/registry.json", '{"version": 1, "settings": {}, "servers": {}}', 0o644);
      await h.link("nexus/registry.json", "../dotfiles/nexus/registry.json");
    },
    args: ["server", "add", "alpha", "--", "npx", "-y", "alpha-pkg"],
    code: 0,
    mayChange: /^(dotfiles\/nexus\/registry\.json|nexus(\/registry\.json\.bak)?)$/,
    check: async (h) => {
      assert.ok((await Deno.lstat(h.p("nexus/registry.json"))).isSymlink, "still a link");
      assert.ok(JSON.parse(await h.read("dotfiles/nexus/registry.json")).servers.alpha);
    },
  },
  // --- the ledger
  ...[
    ["not JSON", "{ nope"],
    ["files a list", '{"version": 1, "files": []}'],
    ["another version", '{"version": 2, "files": {}}'],
    [
      "a bad hash",
      '{"version": 1, "files": {"/x": {"client": "c", "entries": {"a": {"sha256": "zz", "writtenAt": ""}}}}}',
    ],
    ["entries a string", '{"version": 1, "files": {"/x": {"client": "c", "entries": "all"}}}'],
  ].map(([what, text]): Case => ({
    name: `ledger.json with ${what}: sync stops before touching any client`,
    setup: async (h) => {
      await h.registry();
      await h.write("nexus/state/ledger.json", text, 0o600);
      await h.write(".claude.json", "{}");
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_LEDGER_INVALID", /ledger\.json is damaged/],
  })),
  {
    name: "ledger.json that is a FIFO does not hang",
    setup: async (h) => {
      await h.registry();
      await h.fifo("nexus/state/ledger.json");
    },
    args: SYNC("claude-code"),
    code: 1,
    error: ["E_NOT_A_FILE", /ledger\.json is a FIFO/],
  },
  {
    name: "a forged ledger claiming the user's entry: drift, never overwritten",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", '{"mcpServers": {"alpha": {"command": "users-own"}}}');
      await h.write(
        "nexus/state/ledger.json",
        JSON.stringify({
          version: 1,
          files: {
            [h.p(".claude.json")]: {
              client: "claude-code",
              entries: { alpha: { sha256: "a".repeat(64), writtenAt: "" } },
            },
          },
        }),
        0o600,
      );
    },
    args: SYNC("claude-code"),
    code: 5,
    mayChange: /^nexus\/state\/ledger\.json$/,
    check: async (h) =>
      assert.equal(JSON.parse(await h.read(".claude.json")).mcpServers.alpha.command, "users-own"),
  },
  {
    name: "a ledger naming files outside any client: nothing is written there",
    setup: async (h) => {
      await h.registry();
      await h.write(".bashrc", "# mine\n");
      await h.write(
        "nexus/state/ledger.json",
        JSON.stringify({
          version: 1,
          files: {
            [h.p(".bashrc")]: {
              client: "claude-code",
              entries: { x: { sha256: "b".repeat(64), writtenAt: "" } },
            },
          },
        }),
        0o600,
      );
      await h.write(".claude.json", "{}");
    },
    args: SYNC("claude-code"),
    code: 0,
    mayChange: SYNC_WRITES(".claude.json"),
  },
  // --- backup manifests
  {
    name: "a manifest with id '..' does not make sync delete the tool's home",
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", "{}");
      for (let i = 1; i <= 21; i++) {
        await manifest(h, backupId(i), goodManifest(h, backupId(i), []));
      }
      await manifest(h, "2000-evil", { id: "..", createdAt: "", reason: "sync", files: [] });
      await manifest(h, "1999-evil", { id: "../..", createdAt: "", reason: "sync", files: [] });
    },
    args: SYNC("claude-code"),
    code: 0,
    mayChange: /^(\.claude\.json|nexus\/state(\/ledger\.json)?|nexus\/backups(\/.*)?)$/,
    check: async (h) => {
      assert.ok((await Deno.stat(h.p("nexus/registry.json"))).isFile, "the registry is still there");
      assert.ok(
        (await Deno.stat(h.p(`${BACKUPS}/2000-evil/manifest.json`))).isFile,
        "a foreign dir is not pruned",
      );
      const left = [...Deno.readDirSync(h.p(BACKUPS))].length;
      assert.equal(left, 20 + 2, "pruned down to 20 runs, the foreign dirs left alone");
    },
  },
  {
    name: "backup list skips manifests whose id is not their directory",
    setup: async (h) => {
      await manifest(h, backupId(1), goodManifest(h, "../../..", []));
      await manifest(h, backupId(2), goodManifest(h, backupId(3), []));
    },
    args: ["backup", "list"],
    code: 0,
    check: async (h) => {
      const r = await h.sb.json<{ backups: unknown[] }>(["backup", "list"]);
      assert.deepEqual(r.data.backups, []);
    },
  },
  ...([
    ["a file outside every client (~/.bashrc)", (h: Home) => h.p(".bashrc"), "claude-code"],
    ["~/.ssh/authorized_keys", (h: Home) => h.p(".ssh/authorized_keys"), undefined],
    ["a client path under another client's name", (h: Home) => h.p(".claude.json"), "cursor"],
    ["a relative path", () => ".claude.json", "claude-code"],
  ] as const).map(([what, path, client]): Case => ({
    name: `backup restore refuses a manifest naming ${what}`,
    setup: async (h) => {
      await h.write(".bashrc", "# mine\n");
      await h.write(".ssh/authorized_keys", "ssh-ed25519 AAAA mine\n", 0o600);
      await h.write(".claude.json", "{}");
      await manifest(h, backupId(1), goodManifest(h, backupId(1), [{ path: path(h), client, copy: "0-x" }]), {
        "0-x": "attacker's content\n",
      });
    },
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: [
      "E_BACKUP_INVALID",
      what === "a relative path" ? /damaged/ : /is not .*config file; nothing was restored/,
    ],
  })),
  ...([
    ["a copy name that climbs out", { copy: "../../registry.json" }],
    ["a copy name that is absolute", { copy: "/etc/passwd" }],
    ["a null byte in the path", { path: "/tmp/x\u0000y" }],
    ["files that is not a list", { files: "all" }],
  ] as const).map(([what, patch]): Case => ({
    name: `backup restore refuses a manifest with ${what}`,
    setup: async (h) => {
      await h.registry();
      await h.write(".claude.json", "{}");
      const f = { path: h.p(".claude.json"), client: "claude-code", copy: "0-.claude.json", ...patch };
      const m: Record<string, unknown> = goodManifest(h, backupId(1), [f]);
      if ("files" in patch) m.files = patch.files;
      await manifest(h, backupId(1), m, { "0-.claude.json": '{"restored": true}' });
    },
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: ["E_BACKUP_INVALID", /is damaged/],
  })),
  {
    name: "backup restore of a manifest that is not JSON",
    setup: (h) => h.write(`${BACKUPS}/${backupId(1)}/manifest.json`, "{ nope"),
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: ["E_BACKUP_INVALID", /not valid JSON/],
  },
  {
    name: "backup restore of a manifest that is a FIFO does not hang",
    setup: (h) => h.fifo(`${BACKUPS}/${backupId(1)}/manifest.json`),
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: ["E_BACKUP_INVALID", /is a FIFO/],
  },
  {
    name: "backup restore of a backup whose copy is missing",
    setup: async (h) => {
      await h.write(".claude.json", "{}");
      await manifest(
        h,
        backupId(1),
        goodManifest(h, backupId(1), [{
          path: h.p(".claude.json"),
          client: "claude-code",
          copy: "0-.claude.json",
        }]),
      );
    },
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: ["E_BACKUP_INVALID", /lacks its copy/],
    mayChange: /^nexus\/backups\/.*|^nexus\/state(\/.*)?$/,
  },
  {
    name: "backup restore of a copy that is a symlink to another file",
    setup: async (h) => {
      await h.write(".claude.json", "{}");
      await h.write("private.txt", "not for a client file\n", 0o600);
      await manifest(
        h,
        backupId(1),
        goodManifest(h, backupId(1), [{
          path: h.p(".claude.json"),
          client: "claude-code",
          copy: "0-.claude.json",
        }]),
      );
      await h.link(`${BACKUPS}/${backupId(1)}/0-.claude.json`, h.p("private.txt"));
    },
    args: ["backup", "restore", backupId(1), "--yes"],
    code: 1,
    error: ["E_BACKUP_INVALID", /lacks its copy/],
    mayChange: /^nexus\/backups\/.*|^nexus\/state(\/.*)?$/,
  },
  {
    name: "backup restore with an id that is a path",
    args: ["backup", "restore", "../..", "--yes"],
    code: 3,
    error: ["E_BACKUP_NOT_FOUND", /No backup/],
  },
  // --- names on the command line
  ...["../x", "a/b", "", "a b", "x\ny", "-rf", "a".repeat(300), "é", "a\u0007b"].map((name): Case => ({
    name: `server add refuses the name ${JSON.stringify(name.slice(0, 12))}`,
    args: ["server", "add", name, "--", "npx", "x"],
    code: 2,
    error: ["", /./],
  })),
  ...["../../etc", "CURSOR", "no-such-client"].map((id): Case => ({
    name: `sync refuses the client id ${JSON.stringify(id)}`,
    setup: (h) => h.registry(),
    args: ["sync", "--yes", "--client", id],
    code: 2,
    error: ["", /./],
  })),
  ...["../x", "a/b", "a b"].map((name): Case => ({
    name: `secret set refuses the name ${JSON.stringify(name)}`,
    args: ["secret", "set", name],
    stdin: "value-000",
    code: 2,
    error: ["", /./],
  })),
  // --- the keys index
  ...[
    ["not JSON", "{"],
    ["an object", '{"a": 1}'],
  ].map(([what, text]): Case => ({
    name: `a keys index that is ${what}`,
    skip: () => !HAS_SECRET_SERVICE,
    setup: (h) => h.write(".mcp-manager/credential_keys.json", text, 0o600),
    args: ["secret", "list"],
    code: 1,
    error: ["E_INDEX_INVALID", /credential_keys\.json/],
  })),
  {
    name: "a keys index that is a FIFO does not hang",
    skip: () => !HAS_SECRET_SERVICE,
    setup: (h) => h.fifo(".mcp-manager/credential_keys.json"),
    args: ["secret", "list"],
    code: 1,
    error: ["E_NOT_A_FILE", /credential_keys\.json is a FIFO/],
  },
];

Deno.test("the hostile corpus holds at least 60 cases", () => {
  assert.ok(CASES.length >= 60, `${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length, "case names are unique");
});

Deno.test("hostile corpus: clear one-line errors, right exit codes, nothing else changed", async (t) => {
  for (const c of CASES) {
    await t.step({
      name: c.name,
      ignore: c.skip?.() ?? false,
      fn: async () => {
        const sb = await sandbox({ MCP_NEXUS_BACKEND: c.args[0] === "secret" ? "" : "env" });
        try {
          const h = new Home(sb);
          await Deno.mkdir(h.p("nexus"), { recursive: true, mode: 0o700 });
          await c.setup?.(h);
          const before = await treeHash(sb.home);
          const r = await runWithin(sb, ["--json", ...c.args], 30_000, { stdin: c.stdin });
          const show = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
          assert.ok(!hasStackTrace(r), `no stack trace:\n${show}`);
          assert.equal(r.code, c.code, show);
          if (c.error) {
            const out = JSON.parse(r.stdout || "{}");
            const err: { code: string; message: string } | undefined = out.error ??
              out.files?.find((f: { error?: unknown }) => f.error)?.error;
            assert.ok(err, `an error is reported:\n${show}`);
            if (c.error[0]) assert.equal(err.code, c.error[0], show);
            const first = err.message.split("\n")[0];
            assert.match(first, c.error[1], show);
            assert.ok(first.length < 400 && !/^\s*at /m.test(err.message), "a short, readable message");
          }
          const after = await treeHash(sb.home);
          const changed = treeDiff(before, after).filter((p) => !c.mayChange?.test(p));
          assert.deepEqual(changed, [], `nothing else changed:\n${show}`);
          await c.check?.(h);
        } finally {
          await sb.cleanup();
        }
      },
    });
  }
});
