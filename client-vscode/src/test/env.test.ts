import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingKeys, setKeyButton } from '../pure/env';

test('a missing-key error offers to set exactly the keys it names', () => {
  const both =
    'no key or base URL configured: set ANTHROPIC_API_KEY (or a base URL for Claude) and OPENAI_API_KEY (or a base URL for GPT)';
  assert.deepEqual(missingKeys(both), ['anthropic', 'openai']);
  assert.deepEqual(missingKeys('no key or base URL configured: set OPENAI_API_KEY (or a base URL for GPT)'), ['openai']);
  assert.deepEqual(missingKeys('the selection is empty'), []);
  assert.equal(setKeyButton('anthropic'), 'Set Anthropic API key');
});
