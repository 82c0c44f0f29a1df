/**
 * Loads one of our modules when it is reached: `await load<typeof import("./x.ts")>(import.meta.url,
 * "./x.ts")` (the caller's URL, the specifier relative to it, its type).
 *
 * Not a literal `import("./x.ts")`: Deno builds the whole module graph a literal names (npm
 * resolution included) when the importing module loads, reached or not, which cost `server list` and
 * `sync` ~20–30 ms a start. `deno compile --include src` embeds these modules all the same.
 * tests/architecture_test.ts refuses a literal relative import() in src.
 */
export function load<T>(base: string, specifier: string): Promise<T> {
  return import(new URL(specifier, base).href);
}
