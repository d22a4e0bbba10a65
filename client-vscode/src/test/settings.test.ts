import { test } from 'node:test';
import assert from 'node:assert/strict';
import { userScopeOptions, LOCAL_ONLY_SETTINGS, TIGHTEN_ONLY_SETTINGS } from '../pure/settings';

test('only the user scope values of the local-only settings are sent, empty ones left out', () => {
  const user: Record<string, unknown> = {
    anthropicBaseUrl: 'https://proxy.example/anthropic',
    python: '',
    voices: [],
    cacheDir: '/home/me/.cache/cp',
    maxCostPerRequest: 0.25,
    execute: false,
    contextCharsTypo: 5,
  };
  assert.deepEqual(userScopeOptions((key) => user[key]), {
    anthropicBaseUrl: 'https://proxy.example/anthropic',
    cacheDir: '/home/me/.cache/cp',
    maxCostPerRequest: 0.25,
    execute: false,
  });
});

test('the lists match what the server refuses from workspace/configuration, or only tightens', () => {
  // tests/unit/test_client_settings.py checks the same lists against the server's own.
  assert.deepEqual([...LOCAL_ONLY_SETTINGS].sort(), [
    'anthropicBaseUrl', 'anthropicKeyEnv', 'cacheDir', 'claudeModel', 'gptModel', 'openaiBaseUrl',
    'openaiKeyEnv', 'prices', 'python', 'unsafeNoSandbox', 'voices',
  ]);
  assert.deepEqual([...TIGHTEN_ONLY_SETTINGS].sort(), [
    'cache', 'cacheSizeMb', 'contextChars', 'execute', 'maxConcurrentChecks', 'maxCostPerRequest',
    'maxCostPerSession', 'maxRetries', 'repairRounds', 'requestTimeout', 'runTimeout', 'testTimeout',
  ]);
});
