// The side-by-side diff is built from the server's own quick fixes: each accept action carries a
// WorkspaceEdit whose text is that proposal, and `data` naming it. The crossCheck command returns
// only a summary, and parsing the hover's markdown would be fragile; the edits are exact.

import type { Range } from './args';

export interface TextEdit {
  range: Range;
  newText: string;
}

/** The LSP shapes we read; everything else in a code action is ignored. */
export interface LspCodeAction {
  title: string;
  kind?: string;
  isPreferred?: boolean;
  data?: unknown;
  edit?: {
    changes?: Record<string, TextEdit[]>;
    documentChanges?: Array<{ textDocument?: { uri: string }; edits?: TextEdit[] }>;
  };
}

/** An accept action's `data`: the accept command's argument, plus the voice's display name. */
export interface AcceptData {
  requestId: string;
  proposal: string;
  voice: string;
}

export interface Proposal {
  /** The proposal's id, e.g. "claude". */
  id: string;
  requestId: string;
  voice: string;
  recommended: boolean;
  title: string;
  edits: TextEdit[];
}

export function acceptData(data: unknown): AcceptData | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { requestId, proposal, voice } = data as Record<string, unknown>;
  if (typeof requestId !== 'string' || typeof proposal !== 'string' || typeof voice !== 'string') return undefined;
  return { requestId, proposal, voice };
}

/** The whole-proposal (accept) actions for one document, in order. */
export function proposalsFromActions(actions: readonly LspCodeAction[], uri: string): Proposal[] {
  const out: Proposal[] = [];
  for (const action of actions) {
    const accept = acceptData(action.data);
    if (!accept || !action.edit) continue;
    const edits: TextEdit[] = [];
    for (const [target, list] of Object.entries(action.edit.changes ?? {})) {
      if (sameUri(target, uri)) edits.push(...list);
    }
    for (const change of action.edit.documentChanges ?? []) {
      if (change.textDocument && sameUri(change.textDocument.uri, uri)) edits.push(...(change.edits ?? []));
    }
    if (edits.length === 0 || out.some((p) => p.id === accept.proposal)) continue;
    out.push({
      id: accept.proposal,
      requestId: accept.requestId,
      voice: accept.voice,
      recommended: action.isPreferred === true,
      title: action.title,
      edits,
    });
  }
  return out;
}

function sameUri(a: string, b: string): boolean {
  try {
    return decodeURIComponent(a) === decodeURIComponent(b);
  } catch {
    return a === b;
  }
}

/** Offset of an LSP position (UTF-16 code units, as JavaScript strings count) in `text`. */
export function offsetAt(text: string, line: number, character: number): number {
  let offset = 0;
  for (let current = 0; current < line; current++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  return Math.min(offset + character, lineEnd);
}

/** `text` with non-overlapping `edits` applied (as a WorkspaceEdit would). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const spans = edits
    .map((e) => ({
      start: offsetAt(text, e.range.start.line, e.range.start.character),
      end: offsetAt(text, e.range.end.line, e.range.end.character),
      newText: e.newText,
    }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const span of spans) result = result.slice(0, span.start) + span.newText + result.slice(span.end);
  return result;
}
