// The diff view is built from the server's own quick fixes: each accept action carries
// `data` naming its proposal, with a preview of it over the current text (`data.preview`: a range
// and the new text). The action applies through the server's accept command, which computes the
// edit when it runs; the preview is only shown. (Older servers sent the edit itself, still read.)
// The crossCheck command returns only a summary, and parsing the hover's markdown would be
// fragile; the previews are exact.

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
  preview?: TextEdit;
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
  const preview = textEdit((data as Record<string, unknown>).preview);
  return preview ? { requestId, proposal, voice, preview } : { requestId, proposal, voice };
}

function textEdit(value: unknown): TextEdit | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { range, newText } = value as Record<string, unknown>;
  const at = (p: unknown) =>
    typeof p === 'object' && p !== null && typeof (p as Record<string, unknown>).line === 'number' && typeof (p as Record<string, unknown>).character === 'number';
  if (typeof newText !== 'string' || typeof range !== 'object' || range === null) return undefined;
  const { start, end } = range as Record<string, unknown>;
  if (!at(start) || !at(end)) return undefined;
  return { range: range as Range, newText };
}

/** The whole-proposal (accept) actions for one document, in order. */
export function proposalsFromActions(actions: readonly LspCodeAction[], uri: string): Proposal[] {
  const out: Proposal[] = [];
  for (const action of actions) {
    const accept = acceptData(action.data);
    if (!accept) continue;
    const edits: TextEdit[] = accept.preview ? [accept.preview] : [];
    for (const [target, list] of Object.entries(action.edit?.changes ?? {})) {
      if (sameUri(target, uri)) edits.push(...list);
    }
    for (const change of action.edit?.documentChanges ?? []) {
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
