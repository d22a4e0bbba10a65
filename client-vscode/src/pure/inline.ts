// Inline suggestions on a disputed line. The server offers each proposal's version of a
// one-line region as an item replacing the whole line, named in its command's title
// ("Claude's version (recommended)"). VS Code draws an inline item only as ghost text, and ghost
// text can only insert: an item whose replaced text is not kept, in order, inside its new text
// (a changed character, a removed space) is never shown. So the client shows each version as a
// ghost line under the disputed line (an insertion at its end, which VS Code always draws, at
// any cursor column), and once it is taken, removes the line it replaces.

export interface Position {
  line: number;
  character: number;
}

/** A counterpoint diagnostic as far as finding disputed lines needs it. */
export interface DiagnosticLike {
  source?: string;
  code?: string | number | { value: string | number };
  range: { start: Position; end: Position };
  data?: unknown;
}

/** Codes of counterpoint diagnostics that are not a disagreement region. */
const NOT_A_REGION = new Set(['breaks-tests', 'in-progress', 'partial']);

function codeOf(d: DiagnosticLike): string | undefined {
  const code = typeof d.code === 'object' && d.code !== null ? d.code.value : d.code;
  return code === undefined ? undefined : String(code);
}

export function requestIdOf(d: DiagnosticLike): string | undefined {
  const data = d.data as { requestId?: unknown } | undefined;
  return typeof data?.requestId === 'string' ? data.requestId : undefined;
}

/** The number of proposals a diagnostic's report holds (its `data.proposals`). */
export function proposalCount(d: DiagnosticLike): number {
  const proposals = (d.data as { proposals?: unknown } | undefined)?.proposals;
  return Array.isArray(proposals) ? proposals.length : 0;
}

/** Whether the line lies in the diagnostic's range (an end at character 0 ends the line
 * before it). */
export function covers(d: DiagnosticLike, line: number): boolean {
  const { start, end } = d.range;
  const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  return start.line <= line && line <= last;
}

/** The disagreement diagnostic over `line`, if any. A final report's diagnostics are its
 * regions when it has disagreements (`disputed` holds the request ids of those that do, from
 * their summaries); otherwise its one diagnostic covers the whole checked range. */
export function disputedAt<D extends DiagnosticLike>(
  diagnostics: readonly D[],
  line: number,
  disputed: ReadonlySet<string>,
): D | undefined {
  return diagnostics.find((d) => {
    if (d.source !== 'counterpoint' || !covers(d, line)) return false;
    const code = codeOf(d);
    const id = requestIdOf(d);
    return code !== undefined && !NOT_A_REGION.has(code) && id !== undefined && disputed.has(id);
  });
}

/** How many regions a summary says there are (`disagreements`, a count or a list). */
export function disagreementCount(summary: { disagreements?: unknown } | null | undefined): number {
  const value = summary?.disagreements;
  if (typeof value === 'number') return value;
  return Array.isArray(value) ? value.length : 0;
}

export interface WholeLineItem {
  /** The line the server's item replaces. */
  line: number;
  /** That line's text now, and the version the item puts in its place. */
  original: string;
  replacement: string;
}

/** The server's item, if it replaces one whole line with a one-line version. */
export function wholeLineItem(
  range: { start: Position; end: Position } | undefined,
  insertText: unknown,
  lineText: (line: number) => string,
): WholeLineItem | undefined {
  if (!range || typeof insertText !== 'string' || insertText.includes('\n')) return undefined;
  const line = range.start.line;
  const original = lineText(line);
  if (range.end.line !== line || range.start.character !== 0 || range.end.character !== original.length) return undefined;
  return { line, original, replacement: insertText };
}

/** The ghost line: inserted at the end of the disputed line, so VS Code draws all of it under
 * that line. */
export function ghostLine(item: WholeLineItem, eol: string): { at: Position; insertText: string } {
  return { at: { line: item.line, character: item.original.length }, insertText: `${eol}${item.replacement}` };
}

/** After the ghost line was taken: whether the document holds the original line followed by
 * the version, so that removing the original line completes the replacement. */
export function readyToReplace(item: WholeLineItem, lineText: (line: number) => string | undefined): boolean {
  return lineText(item.line) === item.original && lineText(item.line + 1) === item.replacement;
}

/** The status bar's hint on a disputed line: which version the ghost line shows and how to
 * reach the others; or, where no version fits on one line, where to look instead. */
export function inlineHint(
  labels: readonly string[],
  proposals: number,
  mac = false,
): { text: string; tooltip: string } {
  const next = mac ? '⌥]' : 'Alt+]';
  const quickFix = mac ? '⌘.' : 'Ctrl+.';
  if (labels.length === 0) {
    return {
      text: `$(info) Counterpoint: these versions span several lines: ${quickFix} to accept one`,
      tooltip:
        'The proposals differ over several lines here, more than an inline suggestion can show. ' +
        `Accept one with the quick fix (${quickFix}), or compare each with the original: ` +
        '"Counterpoint: Compare original ↔ a proposal…".',
    };
  }
  const [first, ...others] = labels;
  const rest = others.map((label) => `${next}: ${label}`);
  const missing =
    proposals > labels.length ? [`the other version spans several lines (${quickFix})`] : [];
  return {
    text: `$(lightbulb) Counterpoint: Tab: ${first}${[...rest, ...missing].map((part) => ` · ${part}`).join('')}`,
    tooltip:
      `The grey line under the disputed line is ${first}: Tab puts it in place of the line, Esc hides it, ` +
      `and ${mac ? '⌥\\' : 'Alt+\\'} or a click here shows it again.` +
      (others.length ? ` ${next} and ${mac ? '⌥[' : 'Alt+['} go through the others: ${others.join(', ')}.` : '') +
      (missing.length ? ` Another version spans several lines, more than an inline suggestion can show: see the quick fix (${quickFix}).` : ''),
  };
}
