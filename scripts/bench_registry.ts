/**
 * The servers the benchmarks sync (scripts/bench_budgets.ts, scripts/bench_sync.ts): a third stdio with a
 * keychain reference, a third stdio with a plain env value, a third remote.
 */
export function benchServers(n: number): Record<string, unknown> {
  const servers: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    servers[`server-${i}`] = i % 3 === 0
      ? {
        transport: "stdio",
        command: "npx",
        args: ["-y", `pkg-${i}`],
        env: { TOKEN: `\${keychain:tok-${i}}` },
        enabled: true,
      }
      : i % 3 === 1
      ? {
        transport: "stdio",
        command: "uvx",
        args: [`pkg-${i}==1.0.${i}`],
        env: { LEVEL: "info" },
        enabled: true,
      }
      : { transport: "http", url: `https://mcp.example.com/${i}`, headers: {}, enabled: true };
  }
  return servers;
}
