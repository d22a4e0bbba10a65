import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceLabel, crossCheckArgs, doneOutcome, executeCommandParams, failureIsShown, isStarted, serviceFailure } from '../pure/args';

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

test('a command that answered once started is told from a summary', () => {
  assert.equal(isStarted({ requestId: 'abc', started: true, uri: 'file:///w.py' }), true);
  assert.equal(isStarted({ requestId: 'abc', confidence: { label: 'disputed' } }), false);
  assert.equal(isStarted(null), false);
});

test('the done notification carries the summary, an error or a cancellation', () => {
  const summary = { requestId: 'abc', confidence: { label: 'verified-one' }, recommended: 'claude' };
  assert.deepEqual(doneOutcome(summary), { kind: 'summary', summary });
  assert.deepEqual(doneOutcome({ requestId: 'abc', error: 'no key' }), { kind: 'error', message: 'no key' });
  assert.deepEqual(doneOutcome({ requestId: 'abc', cancelled: true, reason: 'replaced' }), {
    kind: 'cancelled',
    reason: 'replaced',
  });
});

test('a run the service failed is said in a notification; one the code failed is not', () => {
  const failed = { confidence: { label: 'failed' }, failures: [
    { provider: 'anthropic', kind: 'auth' }, { provider: 'openai', kind: 'unreachable' },
  ] };
  assert.deepEqual(serviceFailure(failed), { severity: 'error', refusedKeys: ['anthropic'] });
  const halfDown = { confidence: { label: 'not-cross-checked' }, failures: [{ provider: 'openai', kind: 'overloaded' }] };
  assert.deepEqual(serviceFailure(halfDown), { severity: 'warning', refusedKeys: [] });
  // A malformed reply is the model's fault, shown on the report; tests failing are the code's.
  assert.equal(serviceFailure({ confidence: { label: 'not-cross-checked' }, failures: [{ kind: 'malformed' }] }), undefined);
  assert.equal(serviceFailure({ confidence: { label: 'both-fail' }, failures: [] }), undefined);
  assert.equal(serviceFailure(null), undefined);
});
