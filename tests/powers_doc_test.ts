/** README's per-command table is generated from COMMAND_POWERS and cannot drift from it. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO } from "./helpers.ts";
import { COMMAND_POWERS } from "../src/host/privileges.ts";
import { COMMAND_FILES, powersTable } from "../src/host/powers_doc.ts";

const START = /<!-- powers:start[^>]*-->\n/;
const END = "<!-- powers:end -->";

/** A markdown table with its cells' padding (deno fmt's) taken out. */
const normal = (table: string) =>
  table.trim().split("\n").map((line) =>
    line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim().replace(/^-+$/, "---")).join(" | ")
  ).join("\n");

Deno.test("README's 'What each command may touch' table is the one generated from COMMAND_POWERS", async () => {
  const readme = await Deno.readTextFile(join(REPO, "README.md"));
  const m = START.exec(readme);
  assert.ok(m, "README has the powers:start marker");
  const body = readme.slice(m!.index + m![0].length, readme.indexOf(END));
  assert.equal(
    normal(body),
    normal(powersTable()),
    "README's table is stale: paste the generated one between the markers (deno eval 'import(\"./src/host/powers_doc.ts\").then(m => console.log(m.powersTable()))', then deno fmt README.md)",
  );
});

Deno.test("every command of the CLI is in COMMAND_POWERS, and documented", async () => {
  const { buildProgram } = await import("../src/cli/mod.ts");
  const names = buildProgram().commands.map((c) => c.name());
  assert.ok(names.includes("sync") && names.length > 10, names.join(" "));
  for (const n of names) assert.ok(COMMAND_POWERS[n], `${n} is in COMMAND_POWERS`);
  assert.deepEqual(Object.keys(COMMAND_FILES).sort(), Object.keys(COMMAND_POWERS).sort());
});
