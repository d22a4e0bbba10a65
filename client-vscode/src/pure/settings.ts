// Settings the server takes only from initializationOptions, never from workspace/configuration:
// a repository's .vscode/settings.json could otherwise redirect the keys or run a program.
// The client sends the user's own (global) values of them when it starts the server.

export const LOCAL_ONLY_SETTINGS = [
  'anthropicBaseUrl',
  'openaiBaseUrl',
  'anthropicKeyEnv',
  'openaiKeyEnv',
  'python',
  'voices',
  'cacheDir',
] as const;

/** The languages the server cross-checks, as VS Code language ids. */
export const LANGUAGES = ['python', 'javascript', 'typescript', 'go', 'rust'] as const;

export function userScopeOptions(
  globalValue: (key: string) => unknown,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of LOCAL_ONLY_SETTINGS) {
    const value = globalValue(key);
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    options[key] = value;
  }
  return options;
}
