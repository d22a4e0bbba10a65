// The status bar item's text and tooltip.

export type ServerState = 'starting' | 'idle' | 'running' | 'stopped' | 'missing';

export interface StatusInput {
  state: ServerState;
  /** The stage the server reported last ($/progress), while running. */
  stage?: string;
  /** The confidence label of the last cross-check. */
  lastLabel?: string;
  /** The last cross-check in a sentence (the summary's `message`), for the tooltip. */
  lastMessage?: string;
  /** What this session's model calls have cost so far, in US dollars (from the server). */
  sessionCostUsd?: number;
  /** Models this session sent whose price is unknown, so their cost is not in sessionCostUsd. */
  sessionUnpriced?: readonly string[];
}

function costText(usd: number | undefined, unpriced: readonly string[] = []): string {
  if (typeof usd !== 'number' || !Number.isFinite(usd)) return '';
  return ` · $${usd.toFixed(4)}${unpriced.length ? ` + unpriced ${unpriced.join(', ')}` : ''}`;
}

/** The session's cost fields of a `counterpoint.serverStatus` reply, when it has them. */
export function sessionCostOf(status: unknown): Pick<StatusInput, 'sessionCostUsd' | 'sessionUnpriced'> {
  const reply = (status ?? {}) as { sessionCostUsd?: unknown; sessionUnpricedModels?: unknown };
  const out: Pick<StatusInput, 'sessionCostUsd' | 'sessionUnpriced'> = {};
  if (typeof reply.sessionCostUsd === 'number') out.sessionCostUsd = reply.sessionCostUsd;
  if (Array.isArray(reply.sessionUnpricedModels)) {
    out.sessionUnpriced = reply.sessionUnpricedModels.filter((m): m is string => typeof m === 'string');
  }
  return out;
}

const ICONS: Record<string, string> = {
  'verified-agreement': '$(pass-filled)',
  'verified-one': '$(pass)',
  unverified: '$(question)',
  disputed: '$(warning)',
  'not-cross-checked': '$(circle-slash)',
  'both-fail': '$(error)',
  failed: '$(error)',
};

// The labels as a person reads them; the ids stay in the protocol.
const LABEL_WORDS: Record<string, string> = {
  'verified-agreement': 'verified, both agree',
  'verified-one': 'verified, one passes',
  unverified: 'unverified',
  disputed: 'disputed',
  'not-cross-checked': 'not cross-checked',
  'both-fail': 'both fail',
  failed: 'failed',
};

export function labelWords(label: string): string {
  return LABEL_WORDS[label] ?? label;
}

export function statusText(input: StatusInput): { text: string; tooltip: string } {
  switch (input.state) {
    case 'starting':
      return { text: '$(loading~spin) Counterpoint', tooltip: 'Counterpoint: starting the language server' };
    case 'stopped':
      return { text: '$(debug-disconnect) Counterpoint', tooltip: 'Counterpoint: the language server stopped (click for output)' };
    case 'missing':
      return { text: '$(error) Counterpoint', tooltip: 'Counterpoint: the language server is not installed (click for output)' };
    case 'running': {
      const stage = (input.stage ?? '').trim() || 'cross-checking';
      return { text: `$(sync~spin) Counterpoint: ${stage}`, tooltip: `Counterpoint: ${stage}` };
    }
    case 'idle':
    default: {
      const cost = costText(input.sessionCostUsd, input.sessionUnpriced);
      if (!input.lastLabel) {
        // A session whose runs were all cancelled or failed has still spent money.
        return cost
          ? { text: `$(check) Counterpoint${cost}`, tooltip: `Counterpoint: idle; session cost${cost.slice(2)}` }
          : { text: '$(check) Counterpoint', tooltip: 'Counterpoint: idle' };
      }
      const icon = ICONS[input.lastLabel] ?? '$(info)';
      const words = labelWords(input.lastLabel);
      const last = input.lastMessage ? `last cross-check: ${input.lastMessage}` : `last cross-check ${words}`;
      return {
        text: `${icon} Counterpoint: ${words}${cost}`,
        tooltip: `Counterpoint: idle; ${last}${cost ? `; session cost${cost.slice(2)}` : ''}`,
      };
    }
  }
}
