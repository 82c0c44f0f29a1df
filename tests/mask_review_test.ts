/** Review finding: diffs show opencode/Kilo's `Bearer {env:VAR}` placeholder as written, as they do `Bearer ${VAR}`. */
import assert from "node:assert/strict";
import { maskEntry } from "../src/core/secrets/mask.ts";

Deno.test("maskEntry: 'Bearer {env:VAR}' is a placeholder (shown); a real bearer value is still masked", () => {
  const shown = { headers: { Authorization: "Bearer {env:MCP_NEXUS_SECRET_LINEAR_TOKEN}" } };
  assert.deepEqual(maskEntry(shown), shown);
  assert.deepEqual(maskEntry({ headers: { Authorization: "Bearer ${env:MCP_NEXUS_SECRET_X}" } }), {
    headers: { Authorization: "Bearer ${env:MCP_NEXUS_SECRET_X}" },
  });
  for (
    const v of ["Bearer lin_api_abcdef123456", "Bearer {env:X} lin_api_abcdef123456", "Bearer {env:X}{y}"]
  ) {
    assert.deepEqual(
      maskEntry({ headers: { Authorization: v } }),
      { headers: { Authorization: "••••••" } },
      v,
    );
  }
});
