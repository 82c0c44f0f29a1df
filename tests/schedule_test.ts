/**
 * Scheduled sync: the four schedulers' artefacts (pure), the real `crontab` of a throwaway user
 * (never the real user's), systemd units through `systemd-analyze verify`, the plist through a
 * plist parser, the Task Scheduler XML against its schema's fields, and the job's own command line
 * run with `env -i` (no D-Bus, no keychain). Tests that need a tool this machine lacks are
 * reported as ignored, with the reason in their name.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import * as plist from "plist";
import { XMLParser } from "fast-xml-parser";
import { expectCode, type Sandbox, withSandbox } from "./helpers.ts";
import { addServers, GITHUB } from "./server_fixtures.ts";
import {
  describeSchedule,
  JOB,
  type JobSpec,
  parseSchedule,
  shQuote,
  shSplit,
} from "../src/core/schedule/spec.ts";
import {
  cronTimeFields,
  readCronBlock,
  renderCronBlock,
  spliceCronBlock,
} from "../src/core/schedule/cron.ts";
import { onCalendar, readSystemdExec, renderSystemdUnits } from "../src/core/schedule/systemd.ts";
import { readLaunchdArgs, renderLaunchdPlist } from "../src/core/schedule/launchd.ts";
import { readTaskCommand, renderTaskXml, utf16le, winQuote } from "../src/core/schedule/schtasks.ts";
import { appendLog } from "../src/core/schedule/last_run.ts";
import { onPath, osRunner } from "../src/core/schedule/mod.ts";

const ODD = '/tmp/a dir/it\'s 100% "quoted" & <ok>$HOME';
const JOB_SPEC: JobSpec = {
  argv: [Deno.execPath(), "run", "-q", "-P=nexus", ODD, "sync", "--unattended"],
  env: { HOME: "/home/u", MCP_NEXUS_HOME: "/home/u/50% nexus" },
  schedule: { kind: "interval", minutes: 15 },
};

Deno.test("schedule: --every and --at parse into even schedules; bad ones are usage errors", () => {
  assert.deepEqual(parseSchedule(), { kind: "interval", minutes: 60 });
  assert.deepEqual(parseSchedule("15m"), { kind: "interval", minutes: 15 });
  assert.deepEqual(parseSchedule("2h"), { kind: "interval", minutes: 120 });
  assert.deepEqual(parseSchedule(undefined, "03:30"), { kind: "daily", hour: 3, minute: 30 });
  assert.deepEqual(parseSchedule("1d"), { kind: "daily", hour: 3, minute: 0 });
  assert.deepEqual(parseSchedule("1d", "23:05"), { kind: "daily", hour: 23, minute: 5 });
  for (
    const [every, at] of [["7m"], ["1m"], ["5h"], ["2d"], ["soon"], ["15m", "03:00"], [undefined, "24:00"]]
  ) {
    assert.throws(() => parseSchedule(every, at), (e: Error & { exitCode?: number }) => e.exitCode === 2);
  }
  assert.equal(describeSchedule(parseSchedule("30m")), "every 30 minutes");
  assert.equal(cronTimeFields(parseSchedule("15m")), "*/15 * * * *");
  assert.equal(cronTimeFields(parseSchedule("1h")), "0 * * * *");
  assert.equal(cronTimeFields(parseSchedule("6h")), "0 */6 * * *");
  assert.equal(cronTimeFields(parseSchedule(undefined, "03:30")), "30 3 * * *");
  assert.equal(onCalendar(parseSchedule("15m")), "*-*-* *:00/15:00");
});

Deno.test("schedule: shell quoting round-trips any argument", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 1 }).filter((s) => !s.includes("\n")), { minLength: 1 }),
      (a) => {
        assert.deepEqual(shSplit(a.map(shQuote).join(" ")), a);
      },
    ),
  );
});

Deno.test("schedule: the crontab block goes in once, is replaced in place, and comes out leaving every other byte", () => {
  const other =
    "# my jobs\r\nMAILTO=me@example.com\n*/5 * * * * echo 'hi' \\% there\n\n0 1 * * * backup # nightly\n";
  const block = renderCronBlock(JOB_SPEC);
  const once = spliceCronBlock(other, block);
  assert.equal(spliceCronBlock(once, block), once, "install twice = once");
  assert.ok(once.startsWith(other));
  assert.equal(spliceCronBlock(once, null), other, "remove leaves the rest byte-identical");
  // a changed schedule replaces the block where it is, lines after it untouched
  const later = once + "30 2 * * * after-ours\n";
  const hourly = renderCronBlock({ ...JOB_SPEC, schedule: { kind: "interval", minutes: 60 } });
  const moved = spliceCronBlock(later, hourly);
  assert.equal(moved, other + hourly + "30 2 * * * after-ours\n");
  assert.equal(spliceCronBlock(moved, null), other + "30 2 * * * after-ours\n");
  // a last line without its newline keeps its bytes; ours starts on a line of its own
  assert.equal(spliceCronBlock("0 0 * * * x", block), "0 0 * * * x\n" + block);
  // the job's argv is read back exactly, % and quotes included
  assert.deepEqual(readCronBlock(once)?.argv, JOB_SPEC.argv);
  assert.match(block, /100\\% /, "% escaped for cron");
  // a damaged block is refused, never guessed at
  assert.throws(() => spliceCronBlock(other + JOB.blockBegin + "\n", block), /begin marker without the end/);
  assert.throws(() => spliceCronBlock(once + once, block), /twice/);
  fc.assert(fc.property(fc.array(fc.stringMatching(/^[^\n]*$/)), (lines) => {
    const text = lines.map((l) => l + "\n").join("");
    fc.pre(!text.includes(JOB.blockBegin) && !text.includes(JOB.blockEnd));
    const ins = spliceCronBlock(text, block);
    assert.equal(spliceCronBlock(ins, block), ins);
    assert.equal(spliceCronBlock(ins, null), text);
  }));
});

const analyze = onPath("systemd-analyze");
Deno.test({
  name: `schedule: systemd units pass 'systemd-analyze verify'${
    analyze ? "" : " (ignored: systemd-analyze not installed)"
  }`,
  ignore: !analyze,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      for (const schedule of [parseSchedule("15m"), parseSchedule("2h"), parseSchedule(undefined, "03:30")]) {
        const u = renderSystemdUnits({ ...JOB_SPEC, schedule });
        await Deno.writeTextFile(join(dir, `${JOB.systemdUnit}.service`), u.service);
        await Deno.writeTextFile(join(dir, `${JOB.systemdUnit}.timer`), u.timer);
        const r = await osRunner(analyze!, [
          "verify",
          "--man=no",
          join(dir, `${JOB.systemdUnit}.service`),
          join(dir, `${JOB.systemdUnit}.timer`),
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr.trim(), "", r.stderr);
        const cal = await osRunner(analyze!, ["calendar", onCalendar(schedule)]);
        assert.equal(cal.code, 0, cal.stderr);
        assert.deepEqual(readSystemdExec(u.service), JOB_SPEC.argv);
      }
      // the check can fail: a broken timer is reported
      await Deno.writeTextFile(
        join(dir, `${JOB.systemdUnit}.timer`),
        "[Timer]\nOnCalendar=every now and then\n",
      );
      const bad = await osRunner(analyze!, ["verify", "--man=no", join(dir, `${JOB.systemdUnit}.timer`)]);
      assert.notEqual(bad.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("schedule: the LaunchAgent is a plist launchd can read: label, arguments, environment, interval", () => {
  const text = renderLaunchdPlist(JOB_SPEC, "/home/u/nexus/logs/launchd-stderr.log");
  const p = plist.parse(text) as Record<string, unknown>;
  assert.equal(p.Label, JOB.launchdLabel);
  assert.deepEqual(p.ProgramArguments, JOB_SPEC.argv);
  assert.deepEqual(p.EnvironmentVariables, JOB_SPEC.env);
  assert.equal(p.StartInterval, 900);
  assert.equal(p.RunAtLoad, false);
  assert.deepEqual(readLaunchdArgs(text), JOB_SPEC.argv);
  const daily = plist.parse(
    renderLaunchdPlist({ ...JOB_SPEC, schedule: parseSchedule(undefined, "03:30") }, "/l"),
  ) as Record<string, unknown>;
  assert.deepEqual(daily.StartCalendarInterval, { Hour: 3, Minute: 30 });
  assert.equal(daily.StartInterval, undefined);
});

/** CommandLineToArgvW's rules, to check winQuote against. */
function argvW(cmdline: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < cmdline.length) {
    while (cmdline[i] === " ") i++;
    if (i >= cmdline.length) break;
    let arg = "", quoted = false;
    while (i < cmdline.length && (quoted || cmdline[i] !== " ")) {
      let n = 0;
      while (cmdline[i] === "\\") n++, i++;
      if (cmdline[i] === '"') {
        arg += "\\".repeat(n >> 1);
        if (n % 2) arg += '"';
        else quoted = !quoted;
        i++;
      } else {
        arg += "\\".repeat(n);
        if (n === 0) arg += cmdline[i++];
      }
    }
    out.push(arg);
  }
  return out;
}

Deno.test("schedule: the Task Scheduler XML has the schema's fields and quotes the arguments", () => {
  const job = {
    ...JOB_SPEC,
    argv: ["C:\\Program Files\\mcp-nexus\\mcp-nexus.exe", "sync", "--unattended", ODD, "a\\"],
  };
  const xml = renderTaskXml(job, new Date(2026, 0, 2));
  const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
  const t = doc.Task;
  assert.equal(t["@_version"], "1.2");
  assert.equal(t["@_xmlns"], "http://schemas.microsoft.com/windows/2004/02/mit/task");
  for (const k of ["RegistrationInfo", "Triggers", "Principals", "Settings", "Actions"]) assert.ok(t[k], k);
  const trig = t.Triggers.TimeTrigger;
  assert.match(trig.Repetition.Interval, /^PT(\d+M|\d+H)$/);
  assert.equal(trig.Repetition.Interval, "PT15M");
  assert.match(trig.StartBoundary, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(t.Principals.Principal.LogonType, "InteractiveToken");
  assert.equal(t.Principals.Principal.RunLevel, "LeastPrivilege");
  assert.equal(t.Settings.MultipleInstancesPolicy, "IgnoreNew");
  assert.match(t.Settings.ExecutionTimeLimit, /^PT\d+[MH]$/);
  assert.equal(t.Actions.Exec.Command, job.argv[0]);
  assert.deepEqual(argvW(t.Actions.Exec.Arguments), job.argv.slice(1));
  assert.equal(readTaskCommand(xml), job.argv[0]);
  const daily =
    new XMLParser().parse(renderTaskXml({ ...job, schedule: parseSchedule(undefined, "03:30") })).Task;
  assert.equal(daily.Triggers.CalendarTrigger.ScheduleByDay.DaysInterval, 1);
  assert.match(daily.Triggers.CalendarTrigger.StartBoundary, /T03:30:00$/);
  const bytes = utf16le(xml);
  assert.deepEqual([...bytes.slice(0, 2)], [0xff, 0xfe]);
  assert.equal(new TextDecoder("utf-16le").decode(bytes.slice(2)), xml);
  fc.assert(fc.property(fc.array(fc.string()), (a) => assert.deepEqual(argvW(a.map(winQuote).join(" ")), a)));
});

Deno.test("schedule: install --print shows each scheduler's artefact without installing", async () => {
  await withSandbox(async (sb) => {
    for (const backend of ["cron", "systemd", "launchd", "schtasks"]) {
      const r = await sb.json<{ backend: string; files: Array<{ text: string }>; command: string[] }>([
        "schedule",
        "install",
        "--every",
        "30m",
        "--backend",
        backend,
        "--print",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.data.backend, backend);
      assert.ok(r.data.files.length >= 1);
      assert.deepEqual(r.data.command.slice(-2), ["sync", "--unattended"]);
    }
    const bad = await sb.run(["schedule", "install", "--backend", "at"]);
    expectCode(bad, 2);
    expectCode(await sb.run(["schedule", "install", "--every", "7m", "--print"]), 2);
  });
});

Deno.test("schedule: the log rotates past its size limit and keeps the older logs", async () => {
  await withSandbox(async (sb) => {
    Deno.env.set("MCP_NEXUS_HOME", sb.nexusHome);
    try {
      const log = join(sb.nexusHome, "logs", "sync.log");
      for (let i = 0; i < 12; i++) await appendLog([`run ${i} ${"x".repeat(40)}`], log, 100);
      const files = [...Deno.readDirSync(join(sb.nexusHome, "logs"))].map((e) => e.name).sort();
      assert.deepEqual(files, ["sync.log", "sync.log.1", "sync.log.2", "sync.log.3"]);
      assert.match(await Deno.readTextFile(log), /run 11 /);
      assert.ok((await Deno.stat(log)).size < 200);
    } finally {
      Deno.env.delete("MCP_NEXUS_HOME");
    }
  });
});

// --- the real crontab, of a throwaway user --------------------------------------------------

const CRON_USER = "mcpnexustest";
const isRoot = Deno.uid() === 0;
const crontab = onPath("crontab");
const cronReason = !crontab
  ? " (ignored: crontab not installed: apt install cron)"
  : !isRoot
  ? " (ignored: needs root to use a throwaway user's crontab)"
  : "";

async function throwawayUser(): Promise<void> {
  const id = await osRunner("id", [CRON_USER]);
  if (id.code !== 0) {
    const r = await osRunner("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      CRON_USER,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }
}

const tab = async (user?: string) => {
  const r = await osRunner("crontab", [...(user ? ["-u", user] : []), "-l"]);
  return r.code === 0 ? r.stdout : `<none: ${r.stderr.trim()}>`;
};

/** The job's own command line from the crontab line, run the way cron runs it, with nothing else. */
async function runJobLine(line: string) {
  const cmd = line.replace(/^(\S+\s+){5}/, "").replace(/\s*>\/dev\/null 2>&1$/, "").replaceAll("\\%", "%");
  return await osRunner("env", ["-i", "/bin/sh", "-c", cmd]);
}

async function setupClient(sb: Sandbox) {
  await Deno.mkdir(join(sb.home, ".cursor"), { recursive: true });
  await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), '{\n  "mcpServers": {}\n}\n');
  const env = {
    MCP_NEXUS_BACKEND: "env",
    MCP_NEXUS_SECRET_GH_TOKEN: "ghp_scheduleCanary0000000000000000000000",
  };
  await addServers(sb, env, GITHUB);
  await Deno.mkdir(join(sb.home, ".mcp-manager"), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(join(sb.home, ".mcp-manager", "credential_keys.json"), '["gh-token"]\n');
}

Deno.test({
  name:
    `schedule: real crontab: install twice = once, the job runs under env -i with no keychain, remove leaves the rest${cronReason}`,
  ignore: !crontab || !isRoot,
  async fn() {
    await throwawayUser();
    const rootBefore = await tab();
    const theirs = "# their jobs\nMAILTO=\"\"\n*/7 * * * * echo 'keep me' \\% 100\n0 4 * * * /usr/bin/true\n";
    expectCode(await osRunner("crontab", ["-u", CRON_USER, "-"], theirs) as never, 0);
    try {
      await withSandbox(async (sb) => {
        await setupClient(sb);
        const install = () =>
          sb.json<{ changed: boolean; backend: string }>([
            "schedule",
            "install",
            "--every",
            "15m",
            "--backend",
            "cron",
          ]);
        const first = await install();
        assert.equal(first.code, 0, first.stderr);
        assert.equal(first.data.changed, true);
        const once = await tab(CRON_USER);
        assert.ok(once.startsWith(theirs), once);
        assert.equal(once.split(JOB.blockBegin).length, 2);
        const second = await install();
        assert.equal(second.data.changed, false);
        assert.equal(await tab(CRON_USER), once, "install twice = once");

        const status = await sb.json<
          { state: string; installed: boolean; command: string[]; lastRun: unknown }
        >([
          "schedule",
          "status",
        ]);
        assert.equal(status.code, 0);
        assert.equal(status.data.state, "installed");
        assert.equal(status.data.lastRun, null);
        assert.deepEqual(status.data.command.slice(-2), ["sync", "--unattended"]);

        // the job's own line, with an empty environment: no D-Bus, no keychain
        const line = once.split("\n").find((l) => l.includes("--unattended"))!;
        assert.ok(!/DBUS|SECRET/.test(line), "the job carries no D-Bus address and no secret");
        const ran = await runJobLine(line);
        assert.equal(ran.code, 0, ran.stdout + ran.stderr);
        const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")));
        assert.deepEqual(
          cursor.mcpServers.github.args.slice(-2),
          ["run", "github"],
          "a launcher entry was written",
        );
        assert.ok(!JSON.stringify(cursor).includes("ghp_"));
        const log = await Deno.readTextFile(join(sb.nexusHome, "logs", "sync.log"));
        assert.match(log, /exit 0 sync ok: 1 client, 1 file changed/);
        const ok = await sb.json<{ lastRun: { result: string; exitCode: number } }>(["schedule", "status"]);
        assert.equal(ok.data.lastRun.result, "ok");

        // what waits for the user: a secret the names index does not know, and a drifted entry
        await Deno.writeTextFile(join(sb.home, ".mcp-manager", "credential_keys.json"), "[]\n");
        cursor.mcpServers.github.args.push("--edited-by-hand");
        await Deno.writeTextFile(join(sb.home, ".cursor", "mcp.json"), JSON.stringify(cursor, null, 2));
        const edited = await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json"));
        const again = await runJobLine(line);
        assert.equal(again.code, 5, again.stdout);
        assert.equal(again.stdout.trim().split("\n").length, 1, "one summary line");
        assert.equal(
          await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")),
          edited,
          "drift never overwritten",
        );
        const waits = await sb.run(["schedule", "status"]);
        assert.match(waits.stdout, /drift: cursor 'github'/);
        assert.match(
          waits.stdout,
          /missing secret 'gh-token' \(server 'github'\): mcp-nexus secret set gh-token/,
        );
        for (const f of [join(sb.nexusHome, "logs", "sync.log"), join(sb.nexusHome, "last-run.json")]) {
          assert.ok(!(await Deno.readTextFile(f)).includes("ghp_"), f);
        }

        // doctor notices a job whose command is gone
        const moved = once.replace(status.data.command[0], "/opt/gone/deno");
        assert.notEqual(moved, once);
        expectCode(await osRunner("crontab", ["-u", CRON_USER, "-"], moved) as never, 0);
        const doc = await sb.json<{ findings: Array<{ check: string; message: string }> }>(["doctor"]);
        assert.ok(
          doc.data.findings.some((f) => f.check === "schedule" && f.message.includes("/opt/gone/deno")),
          JSON.stringify(doc.data.findings),
        );
        expectCode(await sb.run(["schedule", "status"]), 1);
        // install puts it right
        expectCode(await sb.run(["schedule", "install", "--every", "15m", "--backend", "cron"]), 0);
        assert.equal(await tab(CRON_USER), once);

        const removed = await sb.json<{ removed: boolean }>(["schedule", "remove"]);
        assert.equal(removed.data.removed, true);
        assert.equal(await tab(CRON_USER), theirs, "their lines byte-identical");
        expectCode(await sb.run(["schedule", "remove"]), 3);
        expectCode(await sb.run(["schedule", "status"]), 3);
      }, { MCP_NEXUS_CRONTAB_USER: CRON_USER });
    } finally {
      await osRunner("crontab", ["-u", CRON_USER, "-r"]);
      assert.equal(await tab(), rootBefore, "the real user's crontab was never touched");
    }
  },
});

Deno.test("schedule: sync --unattended refuses the keychain for inline secrets, and --force", async () => {
  await withSandbox(async (sb) => {
    await setupClient(sb);
    const r = await sb.run(["sync", "--unattended", "--secrets", "inline"], {
      env: { MCP_NEXUS_BACKEND: "libsecret" },
    });
    expectCode(r, 2);
    assert.match(r.stdout, /refused/);
    expectCode(await sb.run(["sync", "--unattended", "--force"]), 2);
    const last = JSON.parse(await Deno.readTextFile(join(sb.nexusHome, "last-run.json")));
    assert.equal(last.result, "failed");
    // with the env backend the values come from the job's environment
    const env = await sb.run(["--backend", "env", "sync", "--unattended", "--secrets", "inline"], {
      env: { MCP_NEXUS_SECRET_GH_TOKEN: "ghp_scheduleCanary0000000000000000000000" },
    });
    expectCode(env, 0);
    assert.ok(!env.stdout.includes("ghp_") && !env.stderr.includes("ghp_"));
    const log = await Deno.readTextFile(join(sb.nexusHome, "logs", "sync.log"));
    assert.ok(!log.includes("ghp_"));
  });
});

Deno.test("schedule: status treats its state files as untrusted input", async () => {
  await withSandbox(async (sb) => {
    await Deno.mkdir(sb.nexusHome, { recursive: true });
    await Deno.writeTextFile(join(sb.nexusHome, "last-run.json"), '{"version":1,"summary":{"evil":true}}');
    await Deno.writeTextFile(join(sb.nexusHome, "schedule.json"), '{"version":1,"backend":"../../etc"}');
    const r = await sb.json<{ lastRunError: string; recordError: string }>([
      "schedule",
      "status",
      "--backend",
      "cron",
    ], {
      env: { PATH: "/nonexistent" },
    });
    assert.match(r.data.lastRunError, /last-run\.json is not a valid record/);
    assert.match(r.data.recordError, /schedule\.json is not a valid record/);
  });
});

/**
 * The apply logic of the schedulers this machine cannot run (systemctl --user without a user
 * manager, launchctl, schtasks): files written where the OS reads them, the tool called with the
 * right arguments, install twice = once, remove takes everything out. The runner below keeps the
 * little state those tools would (enabled/loaded/registered); it stands in for the OS tool only.
 */
Deno.test("schedule: systemd, launchd and schtasks apply, re-apply and remove through their tools", async () => {
  const m = await import("../src/core/schedule/mod.ts");
  const home = await Deno.makeTempDir();
  const saved = Object.fromEntries(
    ["HOME", "XDG_CONFIG_HOME", "MCP_NEXUS_HOME"].map((k) => [k, Deno.env.get(k)]),
  );
  Deno.env.set("HOME", home);
  Deno.env.set("XDG_CONFIG_HOME", join(home, ".config"));
  Deno.env.set("MCP_NEXUS_HOME", join(home, "nexus"));
  try {
    const calls: string[] = [];
    const on = new Set<string>();
    const runner: import("../src/core/schedule/mod.ts").Runner = (cmd, args) => {
      const line = [cmd, ...args].join(" ");
      calls.push(line);
      let code = 0;
      if (/is-enabled|launchctl print|schtasks \/Query/.test(line)) code = on.has(cmd) ? 0 : 1;
      if (/enable --now|launchctl bootstrap|schtasks \/Create/.test(line)) on.add(cmd);
      if (/disable --now|launchctl bootout|schtasks \/Delete/.test(line)) on.delete(cmd);
      const stdout = /\/Query .*\/XML/.test(line) && on.has(cmd) ? renderTaskXml(JOB_SPEC) : "";
      return Promise.resolve({ code, stdout, stderr: "" });
    };
    for (const id of ["systemd", "launchd", "schtasks"] as const) {
      calls.length = 0;
      const b = m.getScheduler(id, runner);
      assert.deepEqual(await b.install(JOB_SPEC), { changed: true }, id);
      const files = b.render(JOB_SPEC).filter((f) => f.path);
      for (const f of files) {
        const bytes = await Deno.readFile(f.path!);
        const text = id === "schtasks"
          ? new TextDecoder("utf-16le").decode(bytes.slice(2))
          : new TextDecoder().decode(bytes);
        assert.equal(text, f.text, f.path);
      }
      assert.deepEqual(await b.install(JOB_SPEC), { changed: false }, `${id}: install twice = once`);
      const present = await b.read();
      assert.equal(present.present, true);
      assert.equal(present.argv?.[0], JOB_SPEC.argv[0]);
      assert.deepEqual(await b.remove(), { removed: true });
      for (const f of files) await assert.rejects(Deno.stat(f.path!), Deno.errors.NotFound);
      assert.equal((await b.read()).present, false);
      assert.deepEqual(await b.remove(), { removed: false });
      assert.ok(on.size === 0, `${id} left loaded: ${calls.join("\n")}`);
    }
    assert.ok(calls.some((c) => c.startsWith("schtasks /Create /TN mcp-nexus sync /XML ")), calls.join("\n"));
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("schedule: an unparsable client file waits for the user; the other clients are still synced", async () => {
  await withSandbox(async (sb) => {
    await setupClient(sb);
    await Deno.mkdir(join(sb.home, ".gemini"), { recursive: true });
    const broken = '{ "mcpServers": { oops }\n';
    await Deno.writeTextFile(join(sb.home, ".gemini", "settings.json"), broken);
    const r = await sb.json<
      { exitCode: number; result: string; waiting: { unparsable: Array<{ path: string }> } }
    >([
      "sync",
      "--unattended",
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.data.result, "failed");
    assert.ok(r.data.waiting.unparsable.some((u) => u.path.endsWith(join(".gemini", "settings.json"))));
    assert.equal(await Deno.readTextFile(join(sb.home, ".gemini", "settings.json")), broken);
    const cursor = JSON.parse(await Deno.readTextFile(join(sb.home, ".cursor", "mcp.json")));
    assert.ok(cursor.mcpServers.github, "cursor still synced");
    // the sandbox's crontab user does not exist: status says it could not ask, and still shows the last run
    const status = await sb.run(["schedule", "status", "--backend", "cron"]);
    assert.equal(status.code, 1, status.stderr);
    assert.match(status.stdout, /Could not ask cron about the job: Reading your crontab: crontab failed/);
    assert.match(status.stdout, /✗ unparsable: .*settings\.json/);
    assert.match(status.stdout, /Last run: .*\(exit 1\): sync failed: .*1 unparsable file left untouched/);
  });
});
