// workspace/configuration cannot tell the user's settings from a repository's .vscode/settings.json,
// so the server takes these only from initializationOptions (the environment too): they pick where
// keys go, which programs run, which models are paid for and at what price.
export const LOCAL_ONLY_SETTINGS = [
  'anthropicBaseUrl',
  'openaiBaseUrl',
  'anthropicKeyEnv',
  'openaiKeyEnv',
  'python',
  'voices',
  'cacheDir',
  'unsafeNoSandbox',
  'prices',
  'claudeModel',
  'gptModel',
] as const;

// Limits a workspace may only tighten: the server compares its value with the user's own, so the
// client sends the user's own too.
export const TIGHTEN_ONLY_SETTINGS = [
  'maxCostPerRequest',
  'maxCostPerSession',
  'maxRetries',
  'repairRounds',
  'maxConcurrentChecks',
  'requestTimeout',
  'runTimeout',
  'testTimeout',
  'contextChars',
  'execute',
  'cache',
  'cacheSizeMb',
] as const;

// The client sends the user's own (global) values of both when it starts the server.
export const USER_SCOPE_SETTINGS = [...LOCAL_ONLY_SETTINGS, ...TIGHTEN_ONLY_SETTINGS] as const;

export function userScopeOptions(
  globalValue: (key: string) => unknown,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of USER_SCOPE_SETTINGS) {
    const value = globalValue(key);
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    options[key] = value;
  }
  return options;
}
