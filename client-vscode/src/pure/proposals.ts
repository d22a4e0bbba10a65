// The side-by-side diff is built from the server's own quick fixes: each "Accept X's proposal"
// action carries a WorkspaceEdit whose text is that proposal. The crossCheck command returns only
// a summary, and parsing the hover's markdown would be fragile; the edits are exact.

import type { Range } from './args';

export interface TextEdit {
  range: Range;
  newText: string;
}

/** The LSP shapes we read; everything else in a code action is ignored. */
export interface LspCodeAction {
  title: string;
  kind?: string;
  edit?: {
    changes?: Record<string, TextEdit[]>;
    documentChanges?: Array<{ textDocument?: { uri: string }; edits?: TextEdit[] }>;
  };
}

export interface Proposal {
  voice: string;
  recommended: boolean;
  title: string;
  edits: TextEdit[];
}

const ACCEPT = /^Accept (.+?)'s proposal( \(recommended\))?/;

/** The whole-proposal actions ("Accept Claude's proposal …") for one document, in order. */
export function proposalsFromActions(actions: readonly LspCodeAction[], uri: string): Proposal[] {
  const out: Proposal[] = [];
  for (const action of actions) {
    const match = ACCEPT.exec(action.title ?? '');
    if (!match || !action.edit) continue;
    const edits: TextEdit[] = [];
    for (const [target, list] of Object.entries(action.edit.changes ?? {})) {
      if (sameUri(target, uri)) edits.push(...list);
    }
    for (const change of action.edit.documentChanges ?? []) {
      if (change.textDocument && sameUri(change.textDocument.uri, uri)) edits.push(...(change.edits ?? []));
    }
    if (edits.length === 0 || out.some((p) => p.voice === match[1])) continue;
    out.push({ voice: match[1], recommended: Boolean(match[2]), title: action.title, edits });
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
