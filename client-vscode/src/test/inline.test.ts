import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  covers,
  disagreementCount,
  disputedAt,
  ghostLine,
  inlineHint,
  readyToReplace,
  wholeLineItem,
  type DiagnosticLike,
} from '../pure/inline';

const range = (startLine: number, startCharacter: number, endLine: number, endCharacter: number) => ({
  start: { line: startLine, character: startCharacter },
  end: { line: endLine, character: endCharacter },
});
const data = (requestId: string) => ({ requestId, proposals: ['claude', 'gpt'], recommended: 'claude', final: true });

test('a disputed line is one under a region of a report that has disagreements', () => {
  const region: DiagnosticLike = { source: 'counterpoint', code: 'verified-one', range: range(6, 0, 7, 0), data: data('r1') };
  const breaks: DiagnosticLike = { source: 'counterpoint', code: 'breaks-tests', range: range(0, 0, 8, 0), data: data('r1') };
  const agreed: DiagnosticLike = { source: 'counterpoint', code: 'verified-agreement', range: range(10, 0, 14, 0), data: data('r2') };
  const partial: DiagnosticLike = { source: 'counterpoint', code: 'partial', range: range(20, 0, 22, 0), data: data('r3') };
  const other: DiagnosticLike = { source: 'pyright', code: 'x', range: range(6, 0, 7, 0), data: data('r1') };
  const all = [breaks, other, region, agreed, partial];
  const disputed = new Set(['r1', 'r3']); // r2 had no disagreements
  assert.equal(disputedAt(all, 6, disputed), region);
  assert.equal(disputedAt(all, 7, disputed), undefined, 'a range ending at character 0 ends the line before');
  assert.equal(disputedAt(all, 2, disputed), undefined, 'the breaks-tests diagnostic is no region');
  assert.equal(disputedAt(all, 11, disputed), undefined, 'a report without disagreements has none');
  assert.equal(disputedAt(all, 21, disputed), undefined, 'a partial report has none yet');
  const withCodeObject = { ...region, code: { value: 'disputed' } };
  assert.equal(disputedAt([withCodeObject], 6, disputed), withCodeObject, "VS Code's { value } codes are read too");
  assert.equal(disputedAt([{ ...region, data: undefined }], 6, disputed), undefined);
  assert.ok(covers({ range: range(3, 2, 3, 9) }, 3));
});

test("a summary's disagreements are a count or a list", () => {
  assert.equal(disagreementCount({ disagreements: 2 }), 2);
  assert.equal(disagreementCount({ disagreements: [{}, {}, {}] }), 3);
  assert.equal(disagreementCount({}), 0);
  assert.equal(disagreementCount(null), 0);
});

const lines = ['def f(xs, k):', '    return [sum(xs[i : i + k]) for i in range(len(xs) - k)]', ''];
const lineText = (line: number) => lines[line] ?? '';
const fixed = '    return [sum(xs[i:i + k]) for i in range(len(xs) - k + 1)]';

test("a server item that replaces a whole line becomes a ghost line under it", () => {
  const item = wholeLineItem(range(1, 0, 1, lines[1].length), fixed, lineText);
  assert.deepEqual(item, { line: 1, original: lines[1], replacement: fixed });
  // Only an insertion at the line's end: what VS Code draws whatever the change and the cursor.
  assert.deepEqual(ghostLine(item!, '\n'), { at: { line: 1, character: lines[1].length }, insertText: `\n${fixed}` });
  // Anything else is left as the server sent it.
  assert.equal(wholeLineItem(range(1, 4, 1, lines[1].length), fixed, lineText), undefined);
  assert.equal(wholeLineItem(range(1, 0, 1, 3), fixed, lineText), undefined);
  assert.equal(wholeLineItem(range(1, 0, 2, 0), fixed, lineText), undefined);
  assert.equal(wholeLineItem(range(1, 0, 1, lines[1].length), 'a\nb', lineText), undefined);
  assert.equal(wholeLineItem(undefined, fixed, lineText), undefined);
  assert.equal(wholeLineItem(range(1, 0, 1, lines[1].length), { value: fixed }, lineText), undefined);
});

test('the line it replaces is removed only when the ghost line sits right under it', () => {
  const item = { line: 1, original: lines[1], replacement: fixed };
  const after = [lines[0], lines[1], fixed, ''];
  assert.ok(readyToReplace(item, (line) => after[line]));
  const edited = [lines[0], lines[1] + ' # mine', fixed, ''];
  assert.equal(readyToReplace(item, (line) => edited[line]), false);
  assert.equal(readyToReplace(item, (line) => lines[line]), false);
});

test('the hint names each version and the keys that reach it', () => {
  const both = inlineHint(["Claude's version (recommended)", "GPT's version"], 2);
  assert.equal(both.text, "$(lightbulb) Counterpoint: Tab: Claude's version (recommended) · Alt+]: GPT's version");
  assert.match(both.tooltip, /Alt\+\] and Alt\+\[ go through the others: GPT's version/);
  const mac = inlineHint(["Claude's version (recommended)", "GPT's version"], 2, true);
  assert.match(mac.text, /⌥\]: GPT's version/);
  const one = inlineHint(["Claude's version (recommended)"], 2);
  assert.equal(one.text, "$(lightbulb) Counterpoint: Tab: Claude's version (recommended) · the other version spans several lines (Ctrl+.)");
  const none = inlineHint([], 2);
  assert.match(none.text, /span several lines: Ctrl\+\. to accept one/);
  assert.match(none.tooltip, /Compare original ↔ a proposal…/);
});
