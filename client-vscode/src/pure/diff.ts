// The diff view: the original lines on the left, one proposal over them on the right, so what
// the proposal adds reads as added (green) and what it removes as removed (red). The
// recommended proposal comes first (else the first one); the others are a switch away.

import type { Proposal } from './proposals';

/** The proposals in the order the diff offers them: the recommended one first. */
export function diffOrder(proposals: readonly Proposal[]): Proposal[] {
  return [...proposals].sort((a, b) => Number(b.recommended) - Number(a.recommended));
}

/** "Claude's proposal (recommended)". */
export function proposalName(proposal: Pick<Proposal, 'voice' | 'recommended'>): string {
  return `${proposal.voice}'s proposal${proposal.recommended ? ' (recommended)' : ''}`;
}

/** The diff editor's title: "windows.py: Original ↔ Claude's proposal (recommended)". */
export function diffTitle(fileName: string, proposal: Pick<Proposal, 'voice' | 'recommended'>): string {
  return `${fileName}: Original ↔ ${proposalName(proposal)}`;
}

/** What the accept action says of its proposal after its name ("passes 5/5; GPT's fails
 * test_x"), for the quick pick's detail; empty when it says nothing more. */
export function evidenceOf(actionTitle: string): string {
  const colon = actionTitle.indexOf(': ');
  return colon < 0 ? '' : actionTitle.slice(colon + 2);
}

/** The proposal after `current` (by id), wrapping round: the diff's "other proposal" button. */
export function nextProposal(ordered: readonly Proposal[], current: string | undefined): Proposal | undefined {
  if (ordered.length === 0) return undefined;
  const index = ordered.findIndex((p) => p.id === current);
  return ordered[(index + 1) % ordered.length];
}
