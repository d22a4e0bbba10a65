// The argument of the server's `counterpoint.crossCheck` command (workspace/executeCommand).

export const CROSS_CHECK_COMMAND = 'counterpoint.crossCheck';

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface CrossCheckArgs {
  uri: string;
  range: Range;
  instruction: string;
}

export function crossCheckArgs(uri: string, range: Range, instruction: string | undefined): CrossCheckArgs {
  const pos = (p: Position): Position => ({ line: Math.max(0, p.line), character: Math.max(0, p.character) });
  let start = pos(range.start);
  let end = pos(range.end);
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) {
    [start, end] = [end, start];
  }
  return { uri, range: { start, end }, instruction: (instruction ?? '').trim() };
}

export function executeCommandParams(args: CrossCheckArgs): { command: string; arguments: CrossCheckArgs[] } {
  return { command: CROSS_CHECK_COMMAND, arguments: [args] };
}

/** What `counterpoint.crossCheck` returns (the report's summary). */
export interface CrossCheckSummary {
  requestId?: string;
  confidence?: string | { label?: string; reasons?: string[] };
  recommended?: string | null;
  proposals?: unknown[];
  disagreements?: unknown[];
  failures?: unknown[];
  /** The run in a sentence, as the diagnostics say it. */
  message?: string;
}

// Failures of the service, not the code (the server's SERVICE_FAILURES): said in a notification.
const SERVICE_KINDS = new Set(['timeout', 'unreachable', 'auth', 'rate_limited', 'overloaded', 'server_error', 'budget']);

/** What a finished run's notification should say about failed model calls: nothing (`undefined`)
 * when none failed for the service's reasons, else how loudly, and which providers refused a key. */
export function serviceFailure(
  summary: CrossCheckSummary | null | undefined,
): { severity: 'error' | 'warning'; refusedKeys: string[] } | undefined {
  if (!summary || typeof summary !== 'object') return undefined;
  const failures = (Array.isArray(summary.failures) ? summary.failures : []) as { kind?: unknown; provider?: unknown }[];
  const service = failures.filter((f) => f && typeof f.kind === 'string' && SERVICE_KINDS.has(f.kind));
  const label = confidenceLabel(summary);
  if (!service.length && label !== 'failed') return undefined;
  const refusedKeys = [...new Set(service.filter((f) => f.kind === 'auth' && typeof f.provider === 'string').map((f) => f.provider as string))];
  return { severity: label === 'failed' ? 'error' : 'warning', refusedKeys };
}

export function confidenceLabel(summary: CrossCheckSummary | null | undefined): string | undefined {
  if (!summary || typeof summary !== 'object') return undefined;
  const c = summary.confidence;
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && typeof c.label === 'string') return c.label;
  return undefined;
}

/** LSP's ContentModified: the server answers a cross-check the user replaced (a newer one on the
 * same lines) or made stale (an edit inside its lines) with it. That run ends quietly. */
export const CONTENT_MODIFIED = -32801;

/** Whether a failed cross-check request should be shown to the user as an error. */
export function failureIsShown(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code !== CONTENT_MODIFIED;
}

/** The notification that ends a cross-check whose command answered once it had started. */
export const DONE_NOTIFICATION = 'counterpoint/crossCheckDone';

/** What `counterpoint.crossCheck` answers at once (unless the client sent `waitForResult`). */
export interface CrossCheckStarted {
  requestId: string;
  started: true;
  uri?: string;
}

/** `counterpoint/crossCheckDone`: the summary, or `error`, or `cancelled` with a `reason`. */
export interface CrossCheckDone extends CrossCheckSummary {
  requestId: string;
  uri?: string;
  error?: string;
  cancelled?: boolean;
  reason?: string;
}

export function isStarted(result: unknown): result is CrossCheckStarted {
  return (
    !!result &&
    typeof result === 'object' &&
    (result as { started?: unknown }).started === true &&
    typeof (result as { requestId?: unknown }).requestId === 'string'
  );
}

export type DoneOutcome =
  | { kind: 'summary'; summary: CrossCheckSummary }
  | { kind: 'error'; message: string }
  | { kind: 'cancelled'; reason: string };

/** How to show a finished run: a replaced or cancelled one ends quietly, an error is said. */
export function doneOutcome(done: CrossCheckDone): DoneOutcome {
  if (typeof done.error === 'string') return { kind: 'error', message: done.error };
  if (done.cancelled) return { kind: 'cancelled', reason: done.reason ?? 'cancelled' };
  return { kind: 'summary', summary: done };
}
