// Command-line arguments: `--name value` / `--flag` parsing against a command's declared options, typed getters.

export interface OptionSpec {
  name: string;
  /** 'flag' takes no value. */
  type: 'string' | 'number' | 'flag';
  help: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class Args {
  private constructor(
    private readonly values: Map<string, string | true>,
    private readonly operand: string | undefined,
  ) {}

  /**
   * Parses `argv` (after the command name); unknown options and missing values are UsageErrors. A command that takes
   * one operand (`positional`) gets the first argument that is not an option.
   */
  static parse(argv: readonly string[], specs: readonly OptionSpec[], positional = false): Args {
    const byName = new Map(specs.map((s) => [s.name, s]));
    const values = new Map<string, string | true>();
    let operand: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] as string;
      if (!arg.startsWith('--')) {
        if (positional && operand === undefined) {
          operand = arg;
          continue;
        }
        throw new UsageError(`unexpected argument: ${arg}`);
      }
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
      if (spec.type === 'flag') {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        values.set(name, true);
        continue;
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (spec.type === 'number' && !Number.isFinite(Number(value))) {
        throw new UsageError(`--${name} needs a number, got "${value}"`);
      }
      values.set(name, value);
    }
    return new Args(values, operand);
  }

  /** The operand of a command that takes one. */
  positional(): string | undefined {
    return this.operand;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  flag(name: string): boolean {
    return this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  number(name: string): number | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : Number(v);
  }

  /** A whole number within [min, max], or undefined when absent. */
  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.number(name);
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) {
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
    }
    return v;
  }

  require(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  }
}

export function optionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => [
    `--${s.name}${s.type === 'flag' ? '' : s.type === 'number' ? ' N' : ' VALUE'}`,
    s.help,
  ]);
  const width = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([a, b]) => `  ${(a as string).padEnd(width)}  ${b}`).join('\n');
}
