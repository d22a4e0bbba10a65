import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceLabel, crossCheckArgs, executeCommandParams, failureIsShown } from '../pure/args';

test('crossCheck argument: uri, ordered range, trimmed instruction', () => {
  const args = crossCheckArgs('file:///w/windows.py', { start: { line: 7, character: 0 }, end: { line: 0, character: 0 } }, '  fix it ');
  assert.deepEqual(args, {
    uri: 'file:///w/windows.py',
    range: { start: { line: 0, character: 0 }, end: { line: 7, character: 0 } },
    instruction: 'fix it',
  });
  assert.equal(crossCheckArgs('u', args.range, undefined).instruction, '');
});

test('executeCommand params name the server command with one argument', () => {
  const args = crossCheckArgs('u', { start: { line: 1, character: 2 }, end: { line: 3, character: 4 } }, '');
  assert.deepEqual(executeCommandParams(args), { command: 'counterpoint.crossCheck', arguments: [args] });
});

test('confidence label from either summary shape', () => {
  assert.equal(confidenceLabel({ confidence: 'disputed' }), 'disputed');
  assert.equal(confidenceLabel({ confidence: { label: 'verified-one', reasons: [] } }), 'verified-one');
  assert.equal(confidenceLabel(null), undefined);
  assert.equal(confidenceLabel({}), undefined);
});

test('a replaced or stale cross-check (ContentModified) ends quietly; other failures are shown', () => {
  assert.equal(failureIsShown({ code: -32801, message: 'replaced by a newer cross-check of these lines' }), false);
  assert.equal(failureIsShown({ code: -32803, message: 'no key or base URL configured' }), true);
  assert.equal(failureIsShown(new Error('connection lost')), true);
  assert.equal(failureIsShown(undefined), true);
});
