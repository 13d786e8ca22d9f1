/** `--name=value` and `--flag` arguments as a map (`--flag` gives `'true'`); other words are ignored. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq === -1) out.set(arg.slice(2), 'true');
    else out.set(arg.slice(2, eq), arg.slice(eq + 1));
  }
  return out;
}

/** A required argument, or an error that names it. */
export function required(args: ReadonlyMap<string, string>, name: string): string {
  const value = args.get(name);
  if (value === undefined || value === '') throw new Error(`missing --${name}=…`);
  return value;
}

/** An integer parameter with a default; a bad value is an error that names it. */
export function intParam(params: Readonly<Record<string, string>>, name: string, fallback: number): number {
  const raw = params[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`parameter ${name} must be an integer, got ${raw}`);
  return value;
}

/** An integer parameter without a default: `undefined` when absent (the component's own default applies). */
export function optionalIntParam(params: Readonly<Record<string, string>>, name: string): number | undefined {
  return params[name] === undefined ? undefined : intParam(params, name, 0);
}
