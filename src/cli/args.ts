import {UsageError} from "../errors/index.js";

/**
 * Flag parsing with h2oGPT's conventions: snake_case names (`--base_model`), both `--flag=value` and
 * `--flag value`, Python-style booleans (`--cli=True`). Kebab-case spellings are accepted as aliases because
 * Python's `fire`, which h2oGPT uses, accepts them too.
 */

export type FlagKind = "string" | "number" | "boolean" | "list";

export interface FlagDef {
  readonly kind: FlagKind;
  readonly description: string;
  /** Shown in --help only; defaults are applied by the command so the library stays the single source of them. */
  readonly defaultText?: string;
  /** Other accepted names, e.g. h2oGPT's `model_path_llama` for `base_model`. */
  readonly aliases?: readonly string[];
}

export type FlagDefs = Readonly<Record<string, FlagDef>>;

type FlagValue<D extends FlagDef> = D["kind"] extends "string"
  ? string
  : D["kind"] extends "number"
    ? number
    : D["kind"] extends "boolean"
      ? boolean
      : string[];

export type ParsedFlags<F extends FlagDefs> = {[K in keyof F]: FlagValue<F[K]> | undefined};

export interface ParsedArgs<F extends FlagDefs> {
  readonly flags: ParsedFlags<F>;
  readonly positionals: string[];
  /** True when --help or -h was given. */
  readonly help: boolean;
}

const TRUE_WORDS = new Set(["true", "1", "yes", "y", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "n", "off", "none"]);

export function parseBoolean(name: string, raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`--${name}: expected true or false, got '${raw}'`);
}

export function parseNumber(name: string, raw: string): number {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${name}: expected a number, got '${raw}'`);
  return value;
}

function normalizeName(name: string): string {
  return name.replace(/-/g, "_");
}

export function parseArgs<F extends FlagDefs>(argv: readonly string[], defs: F): ParsedArgs<F> {
  const byName = new Map<string, string>();
  for (const [key, def] of Object.entries(defs)) {
    byName.set(normalizeName(key), key);
    for (const alias of def.aliases ?? []) byName.set(normalizeName(alias), key);
  }

  const flags: Record<string, unknown> = {};
  const positionals: string[] = [];
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }

    const eq = arg.indexOf("=");
    const rawName = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const key = byName.get(normalizeName(rawName));
    if (key == null) throw new UsageError(`unknown flag --${rawName} (see --help)`);
    const def = defs[key]!;

    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (def.kind === "boolean") {
      if (raw == null) {
        const next = argv[i + 1];
        if (next != null && (TRUE_WORDS.has(next.toLowerCase()) || FALSE_WORDS.has(next.toLowerCase()))) {
          raw = next;
          i++;
        }
      }
      flags[key] = raw == null ? true : parseBoolean(key, raw);
      continue;
    }

    if (raw == null) {
      if (i + 1 >= argv.length) throw new UsageError(`--${key} needs a value`);
      raw = argv[++i]!;
    }
    if (def.kind === "number") flags[key] = parseNumber(key, raw);
    else if (def.kind === "list") flags[key] = [...((flags[key] as string[] | undefined) ?? []), raw];
    else flags[key] = raw;
  }

  return {flags: flags as ParsedFlags<F>, positionals, help};
}

export function formatFlagHelp(defs: FlagDefs): string {
  const rows = Object.entries(defs).map(([name, def]) => {
    const value = def.kind === "boolean" ? "" : def.kind === "number" ? "=N" : "=VALUE";
    const left = `  --${name}${value}`;
    const aliases = def.aliases?.length ? ` (also --${def.aliases.join(", --")})` : "";
    const dflt = def.defaultText == null ? "" : ` [default: ${def.defaultText}]`;
    return `${left.padEnd(32)} ${def.description}${dflt}${aliases}`;
  });
  return rows.join("\n");
}
