import { parseArgs, type ParseArgsConfig } from 'node:util';

export type TIo = { out: (line: string) => void; err: (line: string) => void };

export type TValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** One subcommand: its options (node:util parseArgs), a one-line summary, and what it does. */
export type TCommand = {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Takes positional arguments (passed to run as values._). */
  positionals?: boolean;
  run: (values: TValues, io: TIo) => Promise<void>;
};

/** A group of subcommands (`musar world render …`). */
export type TCommandGroup = { summary: string; commands: Record<string, TCommand> };

/** An error the user caused: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function parseCommand(cmd: TCommand, argv: string[]) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: cmd.options,
      strict: true,
      allowPositionals: Boolean(cmd.positionals),
    });
    return cmd.positionals ? { ...parsed.values, _: parsed.positionals } : parsed.values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${cmd.usage}`);
  }
}

export function requireOption(
  values: Record<string, unknown>,
  name: string,
  usage: string,
): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}\nusage: ${usage}`);
  return v;
}

export function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min = 0,
): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min} (got ${String(v)})`);
  return n;
}

/** A finite number option within [min, max]; `fallback` when it is absent. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number in [${min}, ${max}] (got ${String(v)})`);
  return n;
}
