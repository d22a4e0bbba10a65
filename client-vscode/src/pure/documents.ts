// Which documents the client hands the server. There is no list of languages here: the server
// knows which languages it cross-checks and leaves every other document alone (no diagnostics,
// hovers or code actions; a cross-check of one says which languages it supports), so a new
// language needs no change to the client. Like other AI assistants' clients, this one syncs
// every file the user edits.

/** Files on disk and unsaved buffers: not output panes, git views or our own proposal views. */
export const SYNCED_SCHEMES = ['file', 'untitled'] as const;

export const DOCUMENT_SELECTOR = SYNCED_SCHEMES.map((scheme) => ({ scheme }));

export function isSynced(uri: { scheme: string }): boolean {
  return (SYNCED_SCHEMES as readonly string[]).includes(uri.scheme);
}
