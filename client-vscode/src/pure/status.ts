// The status bar item's text and tooltip.

export type ServerState = 'starting' | 'idle' | 'running' | 'stopped' | 'missing';

export interface StatusInput {
  state: ServerState;
  /** The stage the server reported last ($/progress), while running. */
  stage?: string;
  /** The confidence label of the last cross-check. */
  lastLabel?: string;
  /** What this session's model calls have cost so far, in US dollars (from the server). */
  sessionCostUsd?: number;
}

function costText(usd: number | undefined): string {
  return typeof usd === 'number' && Number.isFinite(usd) ? ` · $${usd.toFixed(4)}` : '';
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
      if (!input.lastLabel) return { text: '$(check) Counterpoint', tooltip: 'Counterpoint: idle' };
      const icon = ICONS[input.lastLabel] ?? '$(info)';
      const cost = costText(input.sessionCostUsd);
      return {
        text: `${icon} Counterpoint: ${input.lastLabel}${cost}`,
        tooltip: `Counterpoint: idle; last cross-check ${input.lastLabel}${cost ? `; session cost${cost.slice(2)}` : ''}`,
      };
    }
  }
}
