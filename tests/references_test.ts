/** The one reference parser and resolver. */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  collectReferences,
  parseValue,
  referencedNames,
  resolveServer,
} from "../src/core/model/references.ts";
import { NexusError } from "../src/core/model/errors.ts";

Deno.test("whole-value and embedded references", () => {
  assert.deepEqual(referencedNames("keychain:gh-token"), ["gh-token"]);
  assert.deepEqual(referencedNames("${keychain:gh-token}"), ["gh-token"]);
  assert.deepEqual(referencedNames("Bearer ${keychain:gh-token}"), ["gh-token"]);
  assert.deepEqual(referencedNames("${keychain:a}:${keychain:b.c}/x"), ["a", "b.c"]);
  assert.deepEqual(referencedNames("plain ${HOME} ${env:X} text"), [], "client interpolations stay text");
  assert.deepEqual(referencedNames("see keychain:x later"), [], "only a whole value is the bare form");
});

Deno.test("malformed references are errors naming the field", () => {
  for (
    const bad of ["keychain:", "keychain:has space", "${keychain:x", "Bearer ${keychain:}", "${keychain:a/b}"]
  ) {
    assert.throws(() => parseValue(bad, "server 'gh' env.TOKEN"), (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /server 'gh' env\.TOKEN/);
      return true;
    });
  }
});

Deno.test("property: names embedded anywhere in text are found in order", () => {
  const name = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
  const text = fc.string().filter((s) => !s.includes("${keychain:") && !s.startsWith("keychain:"));
  fc.assert(
    fc.property(fc.array(fc.tuple(text, name), { minLength: 1, maxLength: 5 }), text, (parts, tail) => {
      const value = parts.map(([t, n]) => `${t}\${keychain:${n}}`).join("") + tail;
      assert.deepEqual(referencedNames(value), parts.map(([, n]) => n));
    }),
  );
});

Deno.test("resolveServer: one batch, values substituted, missing secrets named with server and field", async () => {
  const server = {
    args: ["--token", "${keychain:a}"],
    env: { API_KEY: "keychain:b", PLAIN: "x" },
    headers: { Authorization: "Bearer ${keychain:a}" },
  };
  assert.deepEqual(collectReferences(server, "s").map((r) => r.field), [
    "args[1]",
    "env.API_KEY",
    "headers.Authorization",
  ]);
  let calls = 0;
  const out = await resolveServer(server, "s", (names) => {
    calls++;
    assert.deepEqual(names.sort(), ["a", "b"]);
    return Promise.resolve(new Map([["a", "AAA"], ["b", "BBB"]]));
  });
  assert.equal(calls, 1);
  assert.deepEqual(out.args, ["--token", "AAA"]);
  assert.deepEqual(out.env, { API_KEY: "BBB", PLAIN: "x" });
  assert.equal(out.headers.Authorization, "Bearer AAA");
  assert.equal(server.env.API_KEY, "keychain:b", "the input is not mutated");

  await assert.rejects(
    () => resolveServer(server, "github", () => Promise.resolve(new Map([["a", "AAA"], ["b", null]]))),
    (e: unknown) => {
      assert.ok(e instanceof NexusError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /Server 'github'/);
      assert.match(e.message, /env\.API_KEY → b/);
      assert.match(e.hint!, /mcp-nexus secret set b/);
      assert.doesNotMatch(e.message, /AAA/);
      return true;
    },
  );
});

Deno.test("the redactor also masks a secret as JSON escapes it", async () => {
  const { registerSecret, redact } = await import("../src/core/secrets/redact.ts");
  const v = 'Pa"ss\\word-12345\tx';
  registerSecret(v);
  const out = redact(JSON.stringify({ stderr: `failed with ${v}` }));
  assert.ok(!out.includes(JSON.stringify(v).slice(1, -1)) && !out.includes(v), out);
  assert.match(out, /••••••/);
});
