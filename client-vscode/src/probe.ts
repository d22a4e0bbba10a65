// For end-to-end tests only: when COUNTERPOINT_E2E_PROBE names a file, write there, as JSON,
// what VS Code itself holds: Counterpoint's diagnostics, the hover and the quick fixes VS Code
// gets for them, the open documents' text, the status bar, the progress stages seen, and what
// the extension did (inline items offered and taken, diffs opened and accepted).
// Off (a no-op) when the variable is not set.

import * as fs from 'node:fs';
import * as vscode from 'vscode';

export class Probe {
  private readonly data: Record<string, unknown> = { progress: [] };
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private pendingRefresh = false;

  constructor(
    private readonly file: string | undefined,
    private readonly output: vscode.OutputChannel,
  ) {
    if (!file) return;
    this.output.appendLine(`e2e probe: writing to ${file}`);
    const interval = setInterval(() => void this.refresh(), 1500);
    interval.unref?.();
  }

  set(key: string, value: unknown): void {
    if (!this.file) return;
    this.data[key] = value;
    this.write();
  }

  push(key: string, value: unknown): void {
    if (!this.file) return;
    const list = (this.data[key] as unknown[] | undefined) ?? [];
    list.push(value);
    this.data[key] = list;
    this.write();
  }

  diagnosticsChanged(_uris: readonly vscode.Uri[]): void {
    if (!this.file) return;
    void this.refresh();
  }

  private write(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const tmp = `${this.file}.tmp`;
      try {
        fs.writeFileSync(tmp, JSON.stringify({ ...this.data, writtenAt: new Date().toISOString() }, null, 2));
        fs.renameSync(tmp, this.file!);
      } catch (error) {
        this.output.appendLine(`e2e probe: ${String(error)}`);
      }
    }, 100);
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) {
      this.pendingRefresh = true;
      return;
    }
    this.refreshing = true;
    try {
      const documents: Record<string, unknown> = {};
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === 'file') {
          documents[doc.uri.fsPath] = { text: doc.getText(), version: doc.version, isDirty: doc.isDirty };
        } else if (doc.uri.scheme === 'counterpoint-proposal') {
          documents[doc.uri.toString()] = { text: doc.getText() };
        }
      }
      this.data.documents = documents;
      const diagnostics: unknown[] = [];
      for (const [uri, list] of vscode.languages.getDiagnostics()) {
        const ours = list.filter((d) => d.source === 'counterpoint');
        for (const d of ours) {
          diagnostics.push({
            uri: uri.toString(),
            path: uri.fsPath,
            severity: vscode.DiagnosticSeverity[d.severity],
            message: d.message,
            code: typeof d.code === 'object' ? d.code.value : d.code,
            // The server's `data.final` (false while the cross-check still runs), as the client keeps it.
            final: (d as { data?: { final?: unknown } }).data?.final,
            range: [d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character],
          });
        }
        if (ours.length > 0) {
          const first = ours[0];
          const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
            'vscode.executeHoverProvider',
            uri,
            first.range.start.translate(0, 4),
          );
          this.data.hover = (hovers ?? []).flatMap((h) =>
            h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : String(c))),
          );
          const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
            'vscode.executeCodeActionProvider',
            uri,
            first.range,
            vscode.CodeActionKind.QuickFix.value,
          );
          this.data.codeActions = (actions ?? []).map((a) => ({
            title: a.title,
            kind: 'kind' in a && a.kind ? a.kind.value : undefined,
            isPreferred: 'isPreferred' in a ? a.isPreferred : undefined,
            disabled: 'disabled' in a && a.disabled ? a.disabled.reason : undefined,
          }));
        }
      }
      this.data.diagnostics = diagnostics;
      this.write();
    } catch (error) {
      this.data.probeError = String(error);
      this.write();
    } finally {
      this.refreshing = false;
      if (this.pendingRefresh) {
        this.pendingRefresh = false;
        void this.refresh();
      }
    }
  }
}
