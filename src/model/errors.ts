/**
 * The two failures a user can cause, each with its documented exit code (DESIGN.md).
 * Messages are one plain sentence naming what failed and what to do.
 */

/** Bad flag, bad option value, bad budgets file: exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

/** Unreadable or undecodable input, unreachable backend, trace not found: exit 3. */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  readonly exitCode = 3;
}

/** An input that holds no trace format at all (a `manifest.json` beside the traces): exit 3 when named, skipped inside a directory. */
export class NotTracesError extends InputError {
  override readonly name = 'NotTracesError';
}
