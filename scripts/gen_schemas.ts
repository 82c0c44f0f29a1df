/**
 * Writes the published JSON Schemas from their zod sources: schemas/client-manifest.schema.json.
 *   deno run -A scripts/gen_schemas.ts
 */
import { clientManifestJsonSchema } from "../src/plugins/clients/manifest_schema.ts";

const path = new URL("../schemas/client-manifest.schema.json", import.meta.url);
await Deno.writeTextFile(path, JSON.stringify(clientManifestJsonSchema(), null, 2) + "\n");
console.log(`wrote ${path.pathname}`);
