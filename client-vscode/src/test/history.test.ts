import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickItems, pushHistory, readHistory } from '../pure/history';

test('most recent first, no duplicates, bounded', () => {
  let h: string[] = [];
  h = pushHistory(h, 'fix the off-by-one');
  h = pushHistory(h, 'add type hints');
  h = pushHistory(h, '  fix the off-by-one ');
  assert.deepEqual(h, ['fix the off-by-one', 'add type hints']);
  assert.deepEqual(pushHistory(['a', 'b', 'c'], 'd', 3), ['d', 'a', 'b']);
});

test('an empty instruction (review) is not remembered', () => {
  assert.deepEqual(pushHistory(['a'], '   '), ['a']);
});

test('stored values are cleaned', () => {
  assert.deepEqual(readHistory(undefined), []);
  assert.deepEqual(readHistory('x'), []);
  assert.deepEqual(readHistory(['a', 3, '', 'b']), ['a', 'b']);
});

test('picker items: typed text first, then history; with nothing typed, review first', () => {
  // Enter on an empty box takes the first item: it must be review, not the last instruction.
  assert.deepEqual(
    pickItems(['a', 'b'], '').map((i) => i.instruction),
    ['', 'a', 'b'],
  );
  const typed = pickItems(['a', 'b'], 'new one');
  assert.deepEqual(typed.map((i) => i.instruction), ['new one', 'a', 'b']);
  assert.equal(typed[0].description, 'new instruction');
  assert.deepEqual(pickItems(['a', 'b'], 'b').map((i) => i.instruction), ['a', 'b']);
});
