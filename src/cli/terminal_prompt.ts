/**
 * The hidden prompt a command hands the host (src/host/services.ts asks it for an age-file
 * passphrase, and only at a terminal): src/cli/prompt.ts, loaded on first use, so that the
 * launcher's path loads it only when it is asked.
 */
export async function terminalPrompt(message: string): Promise<string> {
  const { promptHidden } = await import(
    new URL("./prompt.ts", import.meta.url).href
  ) as typeof import("./prompt.ts");
  return await promptHidden(message);
}
