/** `mcp-nexus schema`: the registry's JSON Schema, for editors. */
import { load } from "../core/model/load.ts";
import type { Command } from "@commander-js/extra-typings";
import { action } from "./context.ts";

export function registerSchema(program: Command): void {
  program.command("schema").description("Print the registry file's JSON Schema (for editor completion)")
    .addHelpText("after", "\nExample:\n  mcp-nexus schema > registry.schema.json")
    .action(action(async (ctx) => {
      const { jsonSchema } = await load<typeof import("../core/model/registry_schema.ts")>(
        import.meta.url,
        "../core/model/registry_schema.ts",
      );
      const schema = jsonSchema();
      ctx.out.result(schema, () => JSON.stringify(schema, null, 2));
    }));
}
