// The server's environment: the editor's, plus the keys kept in SecretStorage.

export const SECRET_NAMES = {
  anthropic: { secret: 'counterpoint.anthropicApiKey', env: 'ANTHROPIC_API_KEY', label: 'Anthropic' },
  openai: { secret: 'counterpoint.openaiApiKey', env: 'OPENAI_API_KEY', label: 'OpenAI' },
} as const;

export type Provider = keyof typeof SECRET_NAMES;

export function serverEnv(
  base: Record<string, string | undefined>,
  secrets: Partial<Record<Provider, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) env[name] = value;
  for (const provider of Object.keys(SECRET_NAMES) as Provider[]) {
    const value = secrets[provider]?.trim();
    if (value) env[SECRET_NAMES[provider].env] = value;
  }
  return env;
}

/** Which keys the server will see, without their values (safe to log). */
export function describeKeys(env: Record<string, string>): string {
  return (Object.keys(SECRET_NAMES) as Provider[])
    .map((p) => `${SECRET_NAMES[p].env} ${env[SECRET_NAMES[p].env] ? 'set' : 'not set'}`)
    .join(', ');
}

/** The providers whose key a server error says is missing ("no key or base URL configured: set
 * ANTHROPIC_API_KEY (…) and OPENAI_API_KEY (…)"), so the message can offer to set them. */
export function missingKeys(message: string): Provider[] {
  if (!/no key or base URL configured/.test(message)) return [];
  return (Object.keys(SECRET_NAMES) as Provider[]).filter((p) => message.includes(SECRET_NAMES[p].env));
}

/** The button that sets a provider's key. */
export function setKeyButton(provider: Provider): string {
  return `Set ${SECRET_NAMES[provider].label} API key`;
}
