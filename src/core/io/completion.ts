/**
 * Shell completions (bash, zsh, fish, PowerShell) generated from the command tree: each command
 * path with its subcommands and options. The generators are pure; `mcp-nexus completion SHELL`
 * prints one, and the Homebrew formula installs them.
 */

export interface CommandNode {
  name: string;
  description: string;
  options: string[];
  children: CommandNode[];
}

/** Minimal view of a commander Command (kept structural so the core does not import commander). */
export interface CommanderLike {
  name(): string;
  description(): string;
  options: ReadonlyArray<{ long?: string; short?: string; hidden?: boolean }>;
  commands: ReadonlyArray<CommanderLike>;
  _hidden?: boolean;
}

export function commandTree(c: CommanderLike): CommandNode {
  return {
    name: c.name(),
    description: c.description(),
    options: [
      ...c.options.filter((o) => !o.hidden).flatMap((o) => [o.long, o.short]).filter((x): x is string => !!x),
      "--help",
    ],
    children: c.commands.filter((s) => !s._hidden).map(commandTree),
  };
}

/** Every command path ("" for the top) with the words that may follow it. */
export function completionTable(root: CommandNode): Array<{ path: string; words: string[] }> {
  const out: Array<{ path: string; words: string[] }> = [];
  const walk = (n: CommandNode, path: string[], inherited: string[]) => {
    out.push({ path: path.join(" "), words: [...n.children.map((c) => c.name), ...n.options, ...inherited] });
    for (const c of n.children) {
      walk(
        c,
        [...path, c.name],
        path.length === 0
          ? n.options.filter((o) => o !== "--help" && o !== "-V" && o !== "--version")
          : inherited,
      );
    }
  };
  walk(root, [], []);
  return out;
}

const SHELLS = ["bash", "zsh", "fish", "powershell"] as const;
export type Shell = typeof SHELLS[number];
export function isShell(s: string): s is Shell {
  return (SHELLS as readonly string[]).includes(s);
}
export { SHELLS };

const sq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export function bashCompletion(root: CommandNode, prog = root.name): string {
  const fn = `_${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const cases = completionTable(root).map((r) => `    ${sq(r.path)}) words=${sq(r.words.join(" "))} ;;`);
  return `# bash completion for ${prog} (generated: ${prog} completion bash)
${fn}() {
  local cur cmdpath="" w i next words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    [ -z "$cmdpath" ] && next="$w" || next="$cmdpath $w"
    if ${fn}_known "$next"; then cmdpath="$next"; fi
  done
  words="$(${fn}_words "$cmdpath")"
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
${fn}_words() {
  local words=""
  case "$1" in
${cases.join("\n")}
  esac
  printf '%s' "$words"
}
${fn}_known() {
  case "$1" in
${completionTable(root).map((r) => `    ${sq(r.path)}) return 0 ;;`).join("\n")}
  esac
  return 1
}
complete -o default -F ${fn} ${prog}
`;
}

export function zshCompletion(root: CommandNode, prog = root.name): string {
  const fn = `_${prog.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const entries = completionTable(root).map((r) => `    ${sq(r.path)} ${sq(r.words.join(" "))}`);
  // (zsh ties `path` to PATH: the command path is `cmdpath`)
  return `#compdef ${prog}
# zsh completion for ${prog} (generated: ${prog} completion zsh)
${fn}() {
  local -A table
  table=(
${entries.join("\n")}
  )
  local cmdpath="" w next
  for w in \${words[2,CURRENT-1]}; do
    [[ $w == -* ]] && continue
    if [[ -z $cmdpath ]]; then next=$w; else next="$cmdpath $w"; fi
    (( \${+table[$next]} )) && cmdpath=$next
  done
  local -a candidates
  candidates=(\${=table[$cmdpath]})
  compadd -- $candidates
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${prog}
fi
`;
}

export function fishCompletion(root: CommandNode, prog = root.name): string {
  const lines = [
    `# fish completion for ${prog} (generated: ${prog} completion fish)`,
    `complete -c ${prog} -f`,
  ];
  const walk = (n: CommandNode, path: string[]) => {
    const cond = path.length === 0
      ? `__fish_use_subcommand`
      : `__fish_seen_subcommand_from ${path[path.length - 1]}`;
    const siblings = n.children.map((c) => c.name).join(" ");
    for (const c of n.children) {
      const guard = siblings && path.length ? `; and not __fish_seen_subcommand_from ${siblings}` : "";
      lines.push(
        `complete -c ${prog} -n ${sq(cond + guard)} -a ${sq(c.name)} -d ${sq(c.description.slice(0, 80))}`,
      );
    }
    for (const o of n.options.filter((o) => o.startsWith("--"))) {
      lines.push(`complete -c ${prog} -n ${sq(path.length ? cond : "true")} -l ${sq(o.slice(2))}`);
    }
    for (const c of n.children) walk(c, [...path, c.name]);
  };
  walk(root, []);
  return lines.join("\n") + "\n";
}

export function powershellCompletion(root: CommandNode, prog = root.name): string {
  const ps = (s: string) => `'${s.replaceAll("'", "''")}'`;
  const entries = completionTable(root).map((r) => `  ${ps(r.path)} = @(${r.words.map(ps).join(", ")})`);
  return `# PowerShell completion for ${prog} (generated: ${prog} completion powershell)
$__mcpNexusTable = @{
${entries.join("\n")}
}
Register-ArgumentCompleter -Native -CommandName ${ps(prog)} -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $path = ''
  foreach ($el in $commandAst.CommandElements | Select-Object -Skip 1) {
    $w = $el.ToString()
    if ($w -eq $wordToComplete) { break }
    if ($w.StartsWith('-')) { continue }
    $next = if ($path) { "$path $w" } else { $w }
    if ($__mcpNexusTable.ContainsKey($next)) { $path = $next }
  }
  $__mcpNexusTable[$path] | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

export function completionScript(shell: Shell, root: CommandNode): string {
  switch (shell) {
    case "bash":
      return bashCompletion(root);
    case "zsh":
      return zshCompletion(root);
    case "fish":
      return fishCompletion(root);
    case "powershell":
      return powershellCompletion(root);
  }
}
