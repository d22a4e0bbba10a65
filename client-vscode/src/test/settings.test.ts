import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userScopeOptions, LOCAL_ONLY_SETTINGS } from '../pure/settings';

test('only the user scope values of the local-only settings are sent, empty ones left out', () => {
  const user: Record<string, unknown> = {
    anthropicBaseUrl: 'https://proxy.example/anthropic',
    python: '',
    voices: [],
    cacheDir: '/home/me/.cache/cp',
    claudeModel: 'not-local-only',
  };
  assert.deepEqual(userScopeOptions((key) => user[key]), {
    anthropicBaseUrl: 'https://proxy.example/anthropic',
    cacheDir: '/home/me/.cache/cp',
  });
});

test('the local-only list matches what the server refuses from workspace/configuration', () => {
  assert.deepEqual([...LOCAL_ONLY_SETTINGS].sort(), [
    'anthropicBaseUrl', 'anthropicKeyEnv', 'cacheDir', 'openaiBaseUrl', 'openaiKeyEnv', 'python', 'voices',
  ]);
});
