// The instruction history of the cross-check command: most recent first, no duplicates.

export const HISTORY_KEY = 'counterpoint.instructionHistory';
export const HISTORY_LIMIT = 20;

export function pushHistory(history: readonly string[], instruction: string, limit = HISTORY_LIMIT): string[] {
  const text = instruction.trim();
  const rest = history.filter((item) => item !== text);
  if (!text) return rest.slice(0, limit);
  return [text, ...rest].slice(0, limit);
}

/** Whatever was stored, as a clean list of strings (workspaceState may hold anything). */
export function readHistory(stored: unknown): string[] {
  if (!Array.isArray(stored)) return [];
  return stored.filter((item): item is string => typeof item === 'string' && item.trim() !== '');
}

export interface PickItem {
  label: string;
  description?: string;
  /** The instruction this item stands for. */
  instruction: string;
}

/** Items of the instruction picker for what the user has typed so far. */
export function pickItems(history: readonly string[], typed: string): PickItem[] {
  const text = typed.trim();
  const items: PickItem[] = [];
  if (text && !history.includes(text)) {
    items.push({ label: text, description: 'new instruction', instruction: text });
  }
  // An empty box means review: Enter on it must not run the last instruction again.
  if (!text) items.push({ label: 'Review (no instruction)', description: 'empty instruction', instruction: '' });
  for (const item of history) items.push({ label: item, description: 'recent', instruction: item });
  return items;
}
