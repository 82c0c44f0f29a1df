/**
 * The runtimes that start a marketplace package, and the shape each accepts. A command is built from
 * the server.json fields exactly as the spec defines them (runtime arguments go to the runtime, before
 * the package; package arguments go to the server, after it), then checked here: an option the runtime
 * does not take, or a stray word where the runtime expects its package, would make the runtime fail
 * (or run something else), so such a command is refused with the reason and never stored.
 *
 * Option lists come from each tool's own `--help` (npm exec 10, uv 0.8 `uvx`, pipx 1.7 `run`,
 * docker 28 `run`, .NET 10 `dnx`); an option not listed is refused rather than guessed at.
 */

/** A runtime mcp-nexus can write a command for. */
export type Runtime = "npx" | "uvx" | "pipx" | "docker" | "dnx";

interface Shape {
  /** Options that take a value (as the next word, or `--opt=value`). */
  withValue: Set<string>;
  /** Options that take none. */
  flags: Set<string>;
}

const set = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

const SHAPES: Record<Runtime, Shape> = {
  npx: {
    withValue: set("-p --package --registry --cache --userconfig --node-options --call -c --workspace -w"),
    flags: set(
      "-y --yes --no --no-install -q --quiet --prefer-offline --prefer-online --offline " +
        "--ignore-scripts --no-audit --no-fund --legacy-peer-deps --workspaces --include-workspace-root",
    ),
  },
  uvx: {
    withValue: set(
      "--from --with -w --with-editable --with-requirements --python -p --index --index-url -i " +
        "--extra-index-url --default-index --find-links -f --prerelease --env-file --refresh-package " +
        "--cache-dir --resolution --python-preference --constraints --overrides --index-strategy " +
        "--keyring-provider --exclude-newer --directory --project --config-file --color",
    ),
    flags: set(
      "--refresh --no-cache -n -q --quiet -v --verbose --isolated --offline --native-tls --no-progress " +
        "--no-python-downloads --upgrade -U --no-env-file --no-config --reinstall --no-build " +
        "--no-binary --no-sources --managed-python --no-managed-python",
    ),
  },
  pipx: {
    withValue: set("--spec --python --index-url -i --pip-args --fetch-python"),
    flags: set("--no-cache -q --quiet -v --verbose --system-site-packages --path --pypackages"),
  },
  docker: {
    withValue: set(
      "-e --env --env-file -v --volume --mount -p --publish --network --net --name -w --workdir -u --user " +
        "--entrypoint --platform --add-host --cap-add --cap-drop -m --memory --memory-swap --cpus " +
        "--cpu-shares -c --label -l --label-file --device --tmpfs --security-opt --pull --hostname -h " +
        "--dns --dns-search --ipc --pid --shm-size --ulimit --restart --log-driver --log-opt --gpus " +
        "--group-add --runtime --stop-signal --stop-timeout --userns --uts --volumes-from --expose " +
        "--health-cmd --health-interval --health-retries --health-timeout --mac-address --ip --ip6 " +
        "--cidfile --cgroupns --storage-opt --sysctl --attach -a --annotation --network-alias",
    ),
    flags: set(
      "-i --interactive --rm -t --tty -d --detach --init --read-only --privileged -P --publish-all " +
        "--no-healthcheck --oom-kill-disable --sig-proxy -q --quiet --disable-content-trust",
    ),
  },
  dnx: {
    withValue: set("--version --source --add-source --configfile --verbosity -v"),
    flags: set(
      "-y --yes --prerelease --interactive --allow-roll-forward --disable-parallel --no-cache " +
        "--ignore-failed-sources",
    ),
  },
};

/** The runtime's own leading words: `docker run`, `pipx run`. */
export const RUNTIME_PREFIX: Record<Runtime, string[]> = {
  npx: [],
  uvx: [],
  pipx: ["run"],
  docker: ["run"],
  dnx: [],
};

/**
 * Checks the runtime arguments (what goes between the runtime and the package). Returns the reason a
 * runtime would reject them, or undefined. Values are never quoted in reasons (they may be secret).
 */
export function runtimeArgsProblem(runtime: Runtime, args: string[]): string | undefined {
  const shape = SHAPES[runtime];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-") || a === "-" || a === "--") {
      return `${runtime} would take the word at runtime argument ${i + 1} as ${
        runtime === "docker" ? "the image" : "the package to run"
      } (a server argument published as a runtime argument?)`;
    }
    const flag = a.includes("=") ? a.slice(0, a.indexOf("=")) : a;
    if (shape.withValue.has(flag)) {
      if (!a.includes("=")) {
        if (i + 1 >= args.length) return `${runtime} option ${flag} needs a value`;
        i++;
      }
      continue;
    }
    if (shape.flags.has(flag) && !a.includes("=")) continue;
    if (/^-[A-Za-z]{2,}$/.test(a) && [...a.slice(1)].every((c) => shape.flags.has(`-${c}`))) continue; // -it
    return `${runtime} does not take the option ${JSON.stringify(flag.slice(0, 40))}${
      runtime === "uvx" && flag === "-m" ? " (uvx runs a package's command, not a module)" : ""
    } (a server flag published as a runtime argument?)`;
  }
  return undefined;
}

/** The runtime a package type defaults to, and the hints that name the same runtime. */
export const DEFAULT_RUNTIME: Record<string, Runtime> = {
  npm: "npx",
  pypi: "uvx",
  oci: "docker",
  nuget: "dnx",
};

/** runtimeHint → runtime, for the package types whose runtime can run it. */
export const HINTED_RUNTIME: Record<string, Partial<Record<string, Runtime>>> = {
  npm: { npx: "npx" },
  pypi: { uvx: "uvx", pipx: "pipx" },
  oci: { docker: "docker" },
  nuget: { dnx: "dnx" },
};
