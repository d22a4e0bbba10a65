import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText } from '../pure/status';

test('idle, with and without a last label', () => {
  assert.equal(statusText({ state: 'idle' }).text, '$(check) Counterpoint');
  assert.equal(statusText({ state: 'idle', lastLabel: 'disputed' }).text, '$(warning) Counterpoint: disputed');
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
