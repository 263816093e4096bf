/** Command-line parsing with validation messages that name the option and the problem. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A user error: printed without a stack trace, exit code 2 for usage, 1 otherwise. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Option table for one command: parseArgs config plus help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly help: string;
  readonly value?: string;
  readonly default?: string;
}

/** A command: its options, help text and action. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number | void>;
}

/** Parses argv for a command; unknown options are a usage error naming them. */
export function parseCommand(cmd: Command, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}) };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new CliError(`${(e as Error).message.replace(/^Unknown option/, 'unknown option')}\nRun 'skipnet ${cmd.name} --help' for the options.`, 2);
  }
}

/** Help text of a command. */
export function commandHelp(cmd: Command): string {
  const rows = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`;
  });
  return `${cmd.summary}\n\nUsage: ${cmd.usage}\n\nOptions:\n${rows.join('\n')}\n  -h, --help                     show this help\n`;
}

/** A number option within bounds; a clear error otherwise. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw new CliError(`--${name}: '${String(raw)}' is not a number`, 2);
  if (opts.integer && !Number.isInteger(v)) throw new CliError(`--${name}: '${raw}' must be a whole number`, 2);
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min))
    throw new CliError(`--${name}: ${raw} must be ${opts.exclusiveMin ? '>' : '≥'} ${opts.min}`, 2);
  if (opts.max !== undefined && v > opts.max) throw new CliError(`--${name}: ${raw} must be ≤ ${opts.max}`, 2);
  return v;
}

/** A string option restricted to choices; the error lists them. */
export function choiceOption<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) throw new CliError(`--${name}: unknown value '${String(raw)}'; valid: ${choices.join(', ')}`, 2);
  return raw as T;
}

/** Parses `CxHxW` (e.g. `3x32x32`). */
export function parseShape(name: string, raw: string): number[] {
  const parts = raw.toLowerCase().split('x').map(Number);
  if (parts.length < 1 || parts.some((p) => !Number.isInteger(p) || p <= 0)) throw new CliError(`--${name}: '${raw}' is not a shape like 3x32x32`, 2);
  return parts;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two names. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The valid name closest to `name`, when one is close enough to be a likely typo. */
export function nearestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    const dist = editDistance(name.toLowerCase(), v.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [v, dist];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** A usage error for an unknown name: lists the valid ones and suggests the nearest. */
export function unknownName(kind: string, name: string, valid: readonly string[], flag?: string): CliError {
  const near = nearestName(name, valid);
  return new CliError(`${flag ? `${flag}: ` : ''}unknown ${kind} '${name}'${near ? ` (did you mean '${near}'?)` : ''}; valid: ${valid.join(', ')}`, 2);
}
