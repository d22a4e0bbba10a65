import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionCostOf, statusText } from '../pure/status';

test('idle, with and without a last label', () => {
  assert.equal(statusText({ state: 'idle' }).text, '$(check) Counterpoint');
  assert.equal(statusText({ state: 'idle', lastLabel: 'disputed' }).text, '$(warning) Counterpoint: disputed');
  // Words, not ids, where the id is not already a word.
  assert.equal(statusText({ state: 'idle', lastLabel: 'verified-one' }).text, '$(pass) Counterpoint: verified, one passes');
  assert.equal(statusText({ state: 'idle', lastLabel: 'not-cross-checked' }).text, '$(circle-slash) Counterpoint: not cross-checked');
  assert.equal(statusText({ state: 'idle', lastLabel: 'something-new' }).text, '$(info) Counterpoint: something-new');
});

test('running shows the stage', () => {
  assert.equal(statusText({ state: 'running', stage: 'GPT judging Claude\'s proposal' }).text, "$(sync~spin) Counterpoint: GPT judging Claude's proposal");
  assert.equal(statusText({ state: 'running' }).text, '$(sync~spin) Counterpoint: cross-checking');
});

test('server states', () => {
  assert.match(statusText({ state: 'starting' }).text, /loading/);
  assert.match(statusText({ state: 'stopped' }).tooltip, /stopped/);
  assert.match(statusText({ state: 'missing' }).tooltip, /not installed/);
});

test('the idle status shows the session cost after a cross-check', () => {
  const { text, tooltip } = statusText({ state: 'idle', lastLabel: 'disputed', sessionCostUsd: 0.01234 });
  assert.equal(text, '$(warning) Counterpoint: disputed · $0.0123');
  assert.match(tooltip, /session cost \$0\.0123/);
});

test('unpriced models are named beside the cost, and a session of cancelled runs shows its cost', () => {
  const { text } = statusText({ state: 'idle', lastLabel: 'disputed', sessionCostUsd: 0.0047, sessionUnpriced: ['gpt-x'] });
  assert.equal(text, '$(warning) Counterpoint: disputed · $0.0047 + unpriced gpt-x');
  assert.equal(statusText({ state: 'idle', sessionCostUsd: 0.002 }).text, '$(check) Counterpoint · $0.0020');
  assert.deepEqual(sessionCostOf({ sessionCostUsd: 0.5, sessionUnpricedModels: ['m', 3] }), {
    sessionCostUsd: 0.5,
    sessionUnpriced: ['m'],
  });
  assert.deepEqual(sessionCostOf(null), {});
});

test('the tooltip says the last run in its sentence', () => {
  const { tooltip } = statusText({ state: 'idle', lastLabel: 'failed', lastMessage: 'No proposal arrived: GPT could not write a proposal: it timed out.' });
  assert.match(tooltip, /last cross-check: No proposal arrived: GPT could not write a proposal/);
});
