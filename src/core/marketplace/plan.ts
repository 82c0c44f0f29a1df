/**
 * The install flow between "which server" and "write it": pure, so the CLI and tests run the same
 * steps. After the caller has gathered answers (flags, stdin, prompts: I/O stays in the CLI):
 *   settleAnswers  — the plaintext detector over every answer: a value that looks like a secret goes
 *                    to the keychain whatever the metadata says; metadata values flagged `fixed` too;
 *   checkAnswers   — a clear refusal naming what is missing or not a value the server takes;
 *   finishInstall  — the entry, with secrets as `${keychain:…}` references, validated by the registry
 *                    schema, and never a literal `{placeholder}`.
 */
import { NexusError, usageError } from "../model/errors.ts";
import { isPlaintextSecret } from "../secrets/secret_detect.ts";
import { Server } from "../model/registry_schema.ts";
import { formatIssues } from "../model/registry_schema.ts";
import {
  buildEntry,
  type BuildOptions,
  type Built,
  HAS_PLACEHOLDER,
  type InputSpec,
  secretName,
  type Target,
} from "./install.ts";
import type { MarketServer } from "./types.ts";

/** Values gathered for an install: non-secret values, secret values, and secrets already stored. */
export interface Answers {
  values: Map<string, string>;
  secrets: Map<string, string>;
  /** Keys whose secret is already in the keychain (a re-install keeps it unless a new one is given). */
  kept: Set<string>;
}

/**
 * Moves every answer that looks like a secret into `secrets` (the plaintext detector, whatever the
 * metadata says), and the metadata's own secret-looking values (`fixed`) with them; `plaintextOk`
 * names keys the user vouched for (`--env` with `--allow-plaintext`). Returns the keys moved, so the
 * caller can say so.
 */
export function settleAnswers(
  inputs: InputSpec[],
  a: Answers,
  plaintextOk: Set<string> = new Set(),
): string[] {
  const moved: string[] = [];
  for (const s of inputs) {
    if (s.fixed !== undefined && !a.secrets.has(s.key)) a.secrets.set(s.key, s.fixed);
    const v = a.values.get(s.key);
    if (!s.secret && v !== undefined && !plaintextOk.has(s.key) && isPlaintextSecret(s.key, v)) {
      a.values.delete(s.key);
      a.secrets.set(s.key, v);
      moved.push(s.key);
    }
  }
  return moved;
}

/** The required inputs with no answer. */
export function missingInputs(inputs: InputSpec[], a: Answers): InputSpec[] {
  return inputs.filter((s) =>
    s.required && !a.secrets.has(s.key) && !a.kept.has(s.key) &&
    (s.secret || (!a.values.has(s.key) && s.default === undefined))
  );
}

/** Exit 2 naming what is missing (and `how` to pass it), or a value that is not one the server takes. */
export function checkAnswers(
  inputs: InputSpec[],
  a: Answers,
  how: (missing: InputSpec[]) => string,
  local: string,
): void {
  const missing = missingInputs(inputs, a);
  if (missing.length) {
    throw usageError(
      "E_MISSING_INPUT",
      `Cannot install '${local}': missing ${
        missing.map((s) => `${s.key} (${s.where}${s.secret ? ", secret" : ""})`).join(", ")
      }. Nothing was installed.`,
      {
        hint: how(missing),
        details: { missing: missing.map((s) => ({ key: s.key, where: s.where, secret: s.secret })) },
      },
    );
  }
  const specs = new Map(inputs.map((s) => [s.key, s]));
  for (const [k, v] of a.values) {
    const s = specs.get(k);
    const bad = s?.choices && !s.choices.includes(v)
      ? `one of ${s.choices.join(", ")}`
      : s?.format === "number" && !Number.isFinite(Number(v))
      ? "a number"
      : s?.format === "boolean" && v !== "true" && v !== "false"
      ? "true or false"
      : "";
    if (bad) {
      throw usageError("E_INVALID_INPUT", `${k} (${s!.where}) must be ${bad}. Nothing was installed.`, {
        details: { key: k },
      });
    }
  }
}

/** Every string in a value, recursively. */
function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

/** The finished entry: validated, with the secrets to store (key → value). */
export interface Finished {
  built: Built;
  /** The registry entry (Server schema output, without timestamps and clients). */
  entry: ReturnType<typeof Server.parse>;
  /** key → secret value to store under `secretName(local, key)`. */
  secrets: Map<string, string>;
}

/**
 * Builds the entry from settled answers: secrets become `${keychain:<local>.<key>}` references; the
 * result must pass the registry schema and hold no `{placeholder}` the user was asked to fill.
 */
export function finishInstall(
  server: MarketServer,
  target: Target,
  a: Answers,
  opts: BuildOptions,
  now = new Date().toISOString(),
): Finished {
  const ref = (key: string) => `\${keychain:${secretName(opts.localName, key)}}`;
  const built = buildEntry(
    server,
    target,
    (s) =>
      a.secrets.has(s.key) || (s.secret && a.kept.has(s.key))
        ? ref(s.key)
        : s.secret
        ? undefined
        : a.values.get(s.key) ?? s.default,
    opts,
  );
  const placeholders = new Set(built.inputs.map((i) => i.key));
  for (
    const text of strings({
      url: built.def.url,
      headers: built.def.headers,
      env: built.def.env,
      args: built.def.args,
    })
  ) {
    const m = HAS_PLACEHOLDER.exec(text.replace(/\$\{keychain:[^}]*\}/g, ""));
    if (m && placeholders.has(m[0].slice(1, -1))) {
      throw new NexusError(
        "E_PLACEHOLDER_LEFT",
        `'${server.name}' would be installed with the placeholder ${m[0]} unfilled.`,
        {
          hint: `Give it a value (see: mcp-nexus show ${server.name}).`,
        },
      );
    }
  }
  const parsed = Server.safeParse({ ...built.def, createdAt: now, updatedAt: now });
  if (!parsed.success) {
    throw new NexusError(
      "E_INVALID_SERVER",
      `'${server.name}' would make an invalid registry entry: ${formatIssues(parsed.error).join("; ")}.`,
      { hint: "Report it to the server's publisher; or add it by hand with 'mcp-nexus server add'." },
    );
  }
  const used = new Set(built.inputs.map((i) => i.key));
  const secrets = new Map([...a.secrets].filter(([k]) => used.has(k)));
  return { built, entry: parsed.data, secrets };
}
