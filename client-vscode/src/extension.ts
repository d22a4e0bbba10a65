// The Counterpoint extension: starts `counterpoint serve` and adds the commands around it.
// Diagnostics, hover and quick fixes come from the server through vscode-languageclient.

import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  CodeActionRequest,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type CodeAction as LspCodeActionType,
  type Command as LspCommand,
  type ErrorHandler,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  CROSS_CHECK_COMMAND,
  DONE_NOTIFICATION,
  confidenceLabel,
  crossCheckArgs,
  doneOutcome,
  executeCommandParams,
  failureIsShown,
  isStarted,
  serviceFailure,
  type CrossCheckArgs,
  type CrossCheckDone,
  type CrossCheckSummary,
} from './pure/args';
import { HISTORY_KEY, pickItems, pushHistory, readHistory } from './pure/history';
import { applyEdits, proposalsFromActions, type LspCodeAction, type Proposal } from './pure/proposals';
import { diffOrder, diffTitle, evidenceOf, nextProposal, proposalName } from './pure/diff';
import {
  disagreementCount,
  disputedAt,
  ghostLine,
  inlineHint,
  proposalCount,
  readyToReplace,
  requestIdOf,
  wholeLineItem,
  type WholeLineItem,
} from './pure/inline';
import { describeKeys, missingKeys, SECRET_NAMES, serverEnv, setKeyButton, type Provider } from './pure/env';
import { USER_SCOPE_SETTINGS, userScopeOptions } from './pure/settings';
import { editorPythonOptions } from './pure/interpreter';
import { DOCUMENT_SELECTOR, isSynced } from './pure/documents';
import { describeServerCommand, missingServerMessage, resolveServerCommand, type ServerCommand } from './pure/serverCommand';
import { sessionCostOf, statusText, type StatusInput } from './pure/status';
import { ANSWER_COMMAND, answerArgument, answerOptions, needsValue, questionHint, valuePrompt, withValue } from './pure/questions';
import { Probe } from './probe';

const DIFF_SCHEME = 'counterpoint-proposal';
const ACCEPT_COMMAND = 'counterpoint.acceptProposal';
const INLINE_TAKEN_COMMAND = 'counterpoint.client.inlineTaken';
/** How many cross-checks' "has disagreements" the client remembers (for inline triggers). */
const DISPUTED_REMEMBERED = 200;

interface LastCheck {
  uri: vscode.Uri;
  range: vscode.Range;
  summary?: CrossCheckSummary;
}

/** What one side of an open diff shows: which proposal, of which check, over which lines. */
interface DiffSide {
  requestId: string;
  proposal: string;
  voice: string;
  source: vscode.Uri;
  range: vscode.Range;
  /** The right-hand side's URI: the diff editor that shows this proposal. */
  proposalUri: vscode.Uri;
}

/** The language client's own inline completion provider, which a middleware calls. */
type NextInlineItems = (
  document: vscode.TextDocument,
  position: vscode.Position,
  context: vscode.InlineCompletionContext,
  token: vscode.CancellationToken,
) => vscode.ProviderResult<vscode.InlineCompletionItem[] | vscode.InlineCompletionList>;

/** The argument of the client's inline "taken" command: the whole-line item it completes. */
interface InlineTaken extends WholeLineItem {
  uri: string;
  label: string;
  server?: { command: string; arguments?: unknown[] };
}

let ext: Extension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ext = new Extension(context);
  await ext.start();
}

export async function deactivate(): Promise<void> {
  await ext?.stopClient();
}

class Extension {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel('Counterpoint', { log: true });
  private readonly statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private status: StatusInput = { state: 'starting' };
  private lastCheck: LastCheck | undefined;
  private readonly diffContents = new Map<string, string>();
  /** Both sides' URIs of every diff opened, to the proposal it shows (for Accept and Switch). */
  private readonly diffSides = new Map<string, DiffSide>();
  private readonly inlineHintItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 49);
  /** "Which is right: count_up_to(3)?" after a disputed run that asks a question. */
  private readonly questionItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 48);
  /** Cross-checks whose report has disagreements (their diagnostics are its regions). */
  private readonly disputedRequests = new Set<string>();
  /** The disputed line the inline suggestion was last asked for ("uri#line#requestId"). */
  private inlineAskedFor: string | undefined;
  private inlineTimer: NodeJS.Timeout | undefined;
  private readonly diffChanged = new vscode.EventEmitter<vscode.Uri>();
  private stopping = false;
  private running = 0;
  /** Runs whose command answered once started, by requestId, until their done notification. */
  private readonly awaitingDone = new Map<string, { args: CrossCheckArgs; resolve: () => void }>();
  private readonly probe: Probe;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.probe = new Probe(process.env.COUNTERPOINT_E2E_PROBE, this.output);
    context.subscriptions.push(this.output, this.statusItem, this.diffChanged, this.inlineHintItem, this.questionItem);
    this.questionItem.name = 'Counterpoint: question';
    this.questionItem.command = 'counterpoint.client.answerQuestion';
    this.questionItem.tooltip = 'The versions return different values here: say which is right, and it becomes a test';
    this.inlineHintItem.name = 'Counterpoint: inline suggestion';
    this.inlineHintItem.command = 'counterpoint.client.showInlineSuggestion'; // shows it again after Esc
    this.statusItem.command = 'counterpoint.client.showOutput';
    this.setStatus({ state: 'starting' });
    this.statusItem.show();

    const reg = (id: string, fn: (...args: any[]) => unknown) =>
      context.subscriptions.push(vscode.commands.registerCommand(id, fn));
    reg('counterpoint.client.crossCheckSelection', () => this.crossCheckSelection(true));
    reg('counterpoint.client.reviewSelection', () => this.crossCheckSelection(false));
    reg('counterpoint.client.showDiff', () => this.showDiff());
    reg('counterpoint.client.pickDiff', () => this.pickDiff());
    reg('counterpoint.client.diffOtherProposal', (resource?: vscode.Uri) => this.diffOtherProposal(resource));
    reg('counterpoint.client.acceptFromDiff', (resource?: vscode.Uri) => this.acceptFromDiff(resource));
    reg('counterpoint.client.answerQuestion', () => this.pickAnswer());
    reg(INLINE_TAKEN_COMMAND, (taken: InlineTaken) => this.inlineTaken(taken));
    reg('counterpoint.client.showInlineSuggestion', async () => {
      // From the status bar: the editor must have the focus again for VS Code to show it.
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    });
    reg('counterpoint.client.setAnthropicKey', () => this.setKey('anthropic'));
    reg('counterpoint.client.setOpenAIKey', () => this.setKey('openai'));
    reg('counterpoint.client.showOutput', () => this.output.show(true));
    reg('counterpoint.client.restart', () => this.restart());

    const diffContents = this.diffContents;
    context.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, {
        onDidChange: this.diffChanged.event,
        provideTextDocumentContent: (uri) => diffContents.get(uri.toString()) ?? '',
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        const localOnly = USER_SCOPE_SETTINGS.some((key) => e.affectsConfiguration(`counterpoint.${key}`));
        if (e.affectsConfiguration('counterpoint.server') || localOnly) {
          void vscode.window
            .showInformationMessage('Counterpoint: a setting read at start-up changed.', 'Restart server')
            .then((choice) => choice && this.restart());
        }
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        this.probe.diagnosticsChanged(e.uris);
        const editor = vscode.window.activeTextEditor;
        if (editor && e.uris.some((uri) => uri.toString() === editor.document.uri.toString())) this.cursorMoved(editor);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.cursorMoved(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.cursorMoved(editor)),
    );
  }

  private setStatus(update: Partial<StatusInput>): void {
    this.status = { ...this.status, ...update };
    const { text, tooltip } = statusText(this.status);
    this.statusItem.text = text;
    this.statusItem.tooltip = tooltip;
    this.probe.set('status', { ...this.status, text });
  }

  private log(line: string): void {
    this.output.info(line);
  }

  // ---- the server -----------------------------------------------------------------------------

  async start(): Promise<void> {
    this.setStatus({ state: 'starting' });
    const resolved = await this.resolveCommand();
    this.log(`server: ${describeServerCommand(resolved)}`);
    const problem = await checkRunnable(resolved);
    if (problem) {
      this.setStatus({ state: 'missing' });
      const { message, install } = missingServerMessage(resolved, problem);
      this.log(message);
      this.probe.set('serverError', message);
      void vscode.window.showErrorMessage(message, 'Copy install command', 'Open settings', 'Retry').then(async (choice) => {
        if (choice === 'Copy install command') await vscode.env.clipboard.writeText(install);
        if (choice === 'Open settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'counterpoint.server');
        if (choice === 'Retry') await this.restart();
      });
      return;
    }

    const secrets: Partial<Record<Provider, string | undefined>> = {};
    for (const provider of Object.keys(SECRET_NAMES) as Provider[]) {
      secrets[provider] = await this.context.secrets.get(SECRET_NAMES[provider].secret);
    }
    const env = serverEnv(process.env, secrets);
    this.log(`server environment: ${describeKeys(env)}`); // names only, never values

    const serverOptions: ServerOptions = {
      command: resolved.command,
      args: resolved.args,
      options: { env, cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
    };
    // For the workspace's tests, after the user's own choices (pure/interpreter.ts).
    const editorPython = editorPythonOptions(await pythonExtensionInterpreter());
    const clientOptions: LanguageClientOptions = {
      // Every file: the server ignores the languages it does not check (pure/documents.ts).
      documentSelector: DOCUMENT_SELECTOR,
      // The user's own values of the settings a workspace may not set, or only tighten.
      initializationOptions: {
        ...userScopeOptions((key) => vscode.workspace.getConfiguration('counterpoint').inspect(key)?.globalValue),
        // This client shows a failed run from counterpoint/crossCheckDone itself (with buttons
        // such as "Set OpenAI API key"): the server need not say it by showMessage as well.
        showsCrossCheckDone: true,
        ...editorPython,
      },
      synchronize: { configurationSection: 'counterpoint' },
      outputChannel: this.output,
      errorHandler: this.errorHandler(),
      middleware: {
        // The server's code action "Cross-check with Claude and GPT" runs the command through the
        // client's registration of it; see its result too.
        executeCommand: async (command, args, next) => {
          if (command === ANSWER_COMMAND) return this.answer(args, next);
          const result = await next(command, args);
          if (command === CROSS_CHECK_COMMAND && args[0]) {
            if (isStarted(result)) void this.untilDone(result.requestId, args[0]);
            else this.finished(args[0], result as CrossCheckSummary);
          }
          return result;
        },
        provideInlineCompletionItems: (document, position, context, token, next) =>
          this.inlineItems(document, position, context, token, next),
      },
    };
    const client = new LanguageClient('counterpoint', 'Counterpoint', serverOptions, clientOptions);
    this.client = client;
    // The command answers once the run has started; the result comes with this notification.
    client.onNotification(DONE_NOTIFICATION, (done: CrossCheckDone) => this.done(done));
    client.onDidChangeState((e) => {
      this.probe.set('clientState', State[e.newState]);
      if (e.newState === State.Running) this.setStatus({ state: 'idle', stage: undefined });
      if (e.newState === State.Stopped) this.setStatus({ state: 'stopped' });
    });
    try {
      await client.start();
    } catch (error) {
      this.log(`server failed to start: ${String(error)}`);
      this.setStatus({ state: 'stopped' });
      const { message } = missingServerMessage(resolved, String(error));
      void vscode.window.showErrorMessage(message, 'Show output', 'Restart').then((choice) => {
        if (choice === 'Show output') this.output.show(true);
        if (choice === 'Restart') void this.restart();
      });
      return;
    }
    this.observeProgress(client);
    this.setStatus({ state: 'idle' });
  }

  private errorHandler(): ErrorHandler {
    return {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        if (this.stopping) return { action: CloseAction.DoNotRestart, handled: true };
        this.setStatus({ state: 'stopped' });
        this.log('the server stopped unexpectedly');
        void vscode.window
          .showErrorMessage('Counterpoint: the language server stopped unexpectedly.', 'Restart', 'Show output')
          .then((choice) => {
            if (choice === 'Restart') void this.restart();
            if (choice === 'Show output') this.output.show(true);
          });
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    for (const waiting of this.awaitingDone.values()) waiting.resolve(); // no done will come
    this.awaitingDone.clear();
    if (!client) return;
    this.stopping = true;
    try {
      if (client.isRunning()) await client.stop(5000);
    } catch (error) {
      this.log(`stopping the server: ${String(error)}`);
    } finally {
      this.stopping = false;
    }
  }

  async restart(): Promise<void> {
    this.log('restarting the server');
    await this.stopClient();
    await this.start();
  }

  private async resolveCommand(): Promise<ServerCommand> {
    const config = vscode.workspace.getConfiguration('counterpoint');
    // Which program runs is the user's choice: never a repository's .vscode/settings.json.
    const command = config.inspect<string[]>('server.command')?.globalValue ?? [];
    const python = config.inspect<string>('server.python')?.globalValue ?? '';
    if (command.length > 0 || python.trim()) return resolveServerCommand({ command, python });
    const interpreter = await pythonExtensionInterpreter();
    const onPath = findOnPath('counterpoint');
    const hasCounterpoint = interpreter ? await canImportCounterpoint(interpreter) : undefined;
    return resolveServerCommand({
      pythonExtensionInterpreter: interpreter,
      pythonExtensionHasCounterpoint: hasCounterpoint,
      counterpointOnPath: onPath,
    });
  }

  /** The server's stages arrive as work-done progress that the server creates. Show them in a
   * cancellable notification and in the status bar (this replaces the client's default handler,
   * which would show only the notification). */
  private observeProgress(client: LanguageClient): void {
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      let report: ((message: string) => void) | undefined;
      let finish: (() => void) | undefined;
      const pending: string[] = [];
      const done = new Promise<void>((resolve) => (finish = resolve));
      const handler = client.onProgress(WorkDoneProgress.type, token, (value) => {
        const message = value.kind === 'begin' ? value.message ?? value.title : value.message;
        if (value.kind === 'end') {
          handler.dispose();
          this.probe.push('progress', `end: ${value.message ?? ''}`);
          this.setStatus({ stage: undefined });
          finish?.();
          return;
        }
        if (message) {
          this.probe.push('progress', message);
          this.setStatus({ state: 'running', stage: message });
          if (report) report(message);
          else pending.push(message);
        }
      });
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Counterpoint', cancellable: true },
        (progress, cancel) => {
          report = (message) => progress.report({ message });
          for (const message of pending.splice(0)) report(message);
          cancel.onCancellationRequested(() => {
            void client.sendNotification(WorkDoneProgressCancelNotification.type, { token });
          });
          return done;
        },
      );
    });
  }

  // ---- commands -------------------------------------------------------------------------------

  private async crossCheckSelection(askInstruction: boolean): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !isSynced(editor.document.uri)) {
      // Which languages can be checked is the server's to say: it answers for the others.
      void vscode.window.showWarningMessage('Counterpoint: select some lines in a file first.');
      return;
    }
    const client = this.client;
    if (!client || !client.isRunning()) {
      void vscode.window
        .showErrorMessage('Counterpoint: the language server is not running.', 'Restart', 'Show output')
        .then((choice) => {
          if (choice === 'Restart') void this.restart();
          if (choice === 'Show output') this.output.show(true);
        });
      return;
    }
    let instruction = '';
    if (askInstruction) {
      const answer = await this.askInstruction();
      if (answer === undefined) return;
      instruction = answer;
    }
    const document = editor.document;
    const selection = editor.selection;
    const args = crossCheckArgs(
      client.code2ProtocolConverter.asUri(document.uri),
      client.code2ProtocolConverter.asRange(selection)!,
      instruction,
    );
    this.log(`cross-check ${document.uri.fsPath}:${args.range.start.line + 1}-${args.range.end.line + 1}`);
    // The diff can show a proposal as soon as it arrives, before the run ends.
    this.lastCheck = { uri: document.uri, range: selection };
    this.probe.set('lastArgs', args);
    this.running++;
    this.setStatus({ state: 'running', stage: 'starting' });
    try {
      const result = await client.sendRequest(ExecuteCommandRequest.type, executeCommandParams(args));
      if (isStarted(result)) await this.untilDone(result.requestId, args);
      else this.finished(args, result as CrossCheckSummary);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`cross-check failed: ${message}`);
      this.probe.set('lastError', message);
      // The server says a failure only in its answer (no window/showMessage besides), so it is
      // shown here, once; a run the user replaced ends quietly.
      if (failureIsShown(error)) this.showFailure(message);
    } finally {
      this.running--;
      if (this.running === 0 && this.status.state === 'running') this.setStatus({ state: 'idle', stage: undefined });
      void this.refreshSessionCost();
    }
  }

  /** The session's cost as the server counts it: every call, cancelled and replaced runs' too. */
  private async refreshSessionCost(): Promise<void> {
    const client = this.client;
    if (!client || !client.isRunning()) return;
    try {
      const status = await client.sendRequest(ExecuteCommandRequest.type, { command: 'counterpoint.serverStatus', arguments: [] });
      this.probe.set('sessionCost', sessionCostOf(status));
      this.setStatus(sessionCostOf(status));
    } catch (error) {
      this.log(`serverStatus failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Wait for the done notification of a run that answered once started. */
  private untilDone(requestId: string, args: CrossCheckArgs): Promise<void> {
    this.probe.set('lastStarted', { requestId });
    return new Promise((resolve) => this.awaitingDone.set(requestId, { args, resolve }));
  }

  /** `counterpoint/crossCheckDone`: the summary the command used to return, an error, or a
   * quiet end for a run that was replaced or cancelled. */
  private done(done: CrossCheckDone): void {
    const waiting = this.awaitingDone.get(done.requestId);
    this.awaitingDone.delete(done.requestId);
    this.probe.set('lastDone', done);
    const outcome = doneOutcome(done);
    if (outcome.kind === 'summary' && waiting) this.finished(waiting.args, outcome.summary);
    else if (outcome.kind === 'error') {
      this.log(`cross-check failed: ${outcome.message}`);
      this.probe.set('lastError', outcome.message);
      this.showFailure(outcome.message);
    } else if (outcome.kind === 'cancelled') this.log(`cross-check ended: ${outcome.reason}`);
    waiting?.resolve();
  }

  private finished(args: { uri: string; range: any }, summary: CrossCheckSummary | null): void {
    if (!summary || typeof summary !== 'object') return;
    const client = this.client;
    const label = confidenceLabel(summary);
    if (summary.requestId && disagreementCount(summary) > 0) {
      this.disputedRequests.add(summary.requestId);
      for (const old of this.disputedRequests) {
        if (this.disputedRequests.size <= DISPUTED_REMEMBERED) break;
        this.disputedRequests.delete(old);
      }
    }
    if (client) {
      this.lastCheck = {
        uri: client.protocol2CodeConverter.asUri(args.uri),
        range: client.protocol2CodeConverter.asRange(args.range)!,
        summary,
      };
    }
    this.log(`cross-check done: ${label ?? 'no label'}${summary.recommended ? `, recommended: ${summary.recommended}` : ''}`);
    this.probe.set('lastSummary', summary);
    const hint = questionHint(summary);
    if (hint) {
      this.questionItem.text = hint;
      this.questionItem.show();
    } else this.questionItem.hide();
    this.probe.set('questionHint', hint ?? null);
    const failure = serviceFailure(summary);
    if (failure && summary.message) this.showServiceFailure(summary.message, failure);
    const sessionCost = (summary as { cost?: { session_usd?: number } }).cost?.session_usd;
    this.setStatus({
      state: this.running > 1 ? 'running' : 'idle',
      lastLabel: label ?? this.status.lastLabel,
      lastMessage: typeof summary.message === 'string' ? summary.message : undefined,
      sessionCostUsd: typeof sessionCost === 'number' ? sessionCost : this.status.sessionCostUsd,
    });
    // Its diagnostics may have arrived first: the cursor may already be on a disputed line.
    this.inlineAskedFor = undefined;
    this.cursorMoved(vscode.window.activeTextEditor);
  }

  /** A quick pick that takes free text and offers the recent instructions, most recent first. */
  private askInstruction(): Promise<string | undefined> {
    const history = readHistory(this.context.workspaceState.get(HISTORY_KEY));
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { instruction: string }>();
    quickPick.title = 'Counterpoint: Cross-check selection';
    quickPick.placeholder = history[0]
      ? 'What should Claude and GPT do? (empty: review; recent instructions below)'
      : 'What should Claude and GPT do? e.g. "fix the off-by-one" (empty: review)';
    quickPick.ignoreFocusOut = true;
    quickPick.matchOnDescription = false;
    const refresh = () => {
      quickPick.items = pickItems(history, quickPick.value).map((item) => ({ ...item, alwaysShow: true }));
    };
    refresh();
    return new Promise((resolve) => {
      let result: string | undefined;
      quickPick.onDidChangeValue(refresh);
      quickPick.onDidAccept(() => {
        const chosen = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
        result = chosen ? chosen.instruction : quickPick.value.trim();
        quickPick.hide();
      });
      quickPick.onDidHide(() => {
        quickPick.dispose();
        if (result !== undefined) {
          void this.context.workspaceState.update(HISTORY_KEY, pushHistory(history, result));
        }
        resolve(result);
      });
      quickPick.show();
    });
  }

  // ---- the diff: the original ↔ one proposal ----------------------------------------------------

  /** Where the diff looks for proposals: the report under the cursor, else the last run. */
  private diffTarget(): { uri: vscode.Uri; range: vscode.Range } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor && isSynced(editor.document.uri)) {
      const cursor = editor.selection.active;
      const here = vscode.languages
        .getDiagnostics(editor.document.uri)
        .find((d) => d.source === 'counterpoint' && d.range.contains(cursor));
      if (here) return { uri: editor.document.uri, range: here.range };
    }
    return this.lastCheck && { uri: this.lastCheck.uri, range: this.lastCheck.range };
  }

  /** The proposals over the target's lines, recommended first, from the server's accept quick
   * fixes: each carries its proposal over the current text in `data.preview`. */
  private async diffProposals(target: { uri: vscode.Uri; range: vscode.Range }): Promise<Proposal[]> {
    const client = this.client;
    if (!client) return [];
    const diagnostics = vscode.languages
      .getDiagnostics(target.uri)
      .filter((d) => d.source === 'counterpoint' && d.range.intersection(target.range));
    const raw = await client.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: client.code2ProtocolConverter.asUri(target.uri) },
      range: client.code2ProtocolConverter.asRange(target.range)!,
      context: {
        diagnostics: await client.code2ProtocolConverter.asDiagnostics(diagnostics),
        only: ['quickfix'],
      },
    });
    const actions = (raw ?? []).filter((a: LspCommand | LspCodeActionType): a is LspCodeActionType => 'title' in a && !('command' in a && typeof a.command === 'string'));
    return diffOrder(proposalsFromActions(actions as LspCodeAction[], client.code2ProtocolConverter.asUri(target.uri)));
  }

  /** "Compare original ↔ proposal": the recommended proposal (else the first) against the
   * original lines. */
  private async showDiff(): Promise<void> {
    const target = this.diffTarget();
    if (!target || !this.client) {
      void vscode.window.showInformationMessage('Counterpoint: run a cross-check first.');
      return;
    }
    await this.openDiff(target, (ordered) => ordered[0]);
  }

  /** "Compare original ↔ a proposal…": a quick pick of every proposal. */
  private async pickDiff(): Promise<void> {
    const target = this.diffTarget();
    if (!target || !this.client) {
      void vscode.window.showInformationMessage('Counterpoint: run a cross-check first.');
      return;
    }
    await this.openDiff(target, async (ordered) => {
      const picked = await vscode.window.showQuickPick(
        ordered.map((proposal) => ({ label: `Original ↔ ${proposalName(proposal)}`, detail: evidenceOf(proposal.title), proposal })),
        { title: 'Counterpoint: compare the original with a proposal' },
      );
      return picked?.proposal;
    });
  }

  /** The diff's "other proposal" button: the same lines, the next proposal. */
  private async diffOtherProposal(resource?: vscode.Uri): Promise<void> {
    const side = this.diffSideOf(resource);
    if (!side) {
      await this.pickDiff();
      return;
    }
    await this.openDiff({ uri: side.source, range: side.range }, (ordered) => nextProposal(ordered, side.proposal));
  }

  private diffSideOf(resource?: vscode.Uri): DiffSide | undefined {
    const uri = resource ?? vscode.window.activeTextEditor?.document.uri;
    return uri ? this.diffSides.get(uri.toString()) : undefined;
  }

  private async openDiff(
    target: { uri: vscode.Uri; range: vscode.Range },
    choose: (ordered: Proposal[]) => Proposal | undefined | Promise<Proposal | undefined>,
  ): Promise<void> {
    const ordered = await this.diffProposals(target);
    if (ordered.length === 0) {
      void vscode.window.showInformationMessage('Counterpoint: no proposal to compare here yet.');
      return;
    }
    const proposal = await choose(ordered);
    if (!proposal) return;
    const document = await vscode.workspace.openTextDocument(target.uri);
    const text = document.getText();
    const name = path.basename(target.uri.path);
    const base = `/${proposal.requestId}/${proposal.id}`;
    const originalUri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `${base}/original/${name}` });
    const proposalUri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `${base}/${name}` });
    this.diffContents.set(originalUri.toString(), text);
    this.diffContents.set(proposalUri.toString(), applyEdits(text, proposal.edits));
    this.diffChanged.fire(originalUri);
    this.diffChanged.fire(proposalUri);
    const side: DiffSide = { requestId: proposal.requestId, proposal: proposal.id, voice: proposal.voice, source: target.uri, range: target.range, proposalUri };
    this.diffSides.set(originalUri.toString(), side);
    this.diffSides.set(proposalUri.toString(), side);
    await vscode.commands.executeCommand('setContext', 'counterpoint.diffHasOthers', ordered.length > 1);
    const title = diffTitle(name, proposal);
    this.probe.set('diff', {
      title,
      left: 'original',
      right: proposal.id,
      voice: proposal.voice,
      recommended: proposal.recommended,
      proposals: ordered.map((p) => p.id),
    });
    await vscode.commands.executeCommand('vscode.diff', originalUri, proposalUri, title, { preview: true });
  }

  /** The diff's Accept button: the server's accept command, which computes the edit against
   * the document as it is now (never the preview the diff shows) and applies it. */
  private async acceptFromDiff(resource?: vscode.Uri): Promise<void> {
    const side = this.diffSideOf(resource);
    const client = this.client;
    if (!side || !client) {
      void vscode.window.showInformationMessage('Counterpoint: open a proposal in the diff first.');
      return;
    }
    try {
      const result = (await client.sendRequest(ExecuteCommandRequest.type, {
        command: ACCEPT_COMMAND,
        arguments: [{ requestId: side.requestId, proposal: side.proposal }],
      })) as { applied?: boolean; failureReason?: string | null } | null;
      this.probe.set('diffAccept', { proposal: side.proposal, result });
      if (!result?.applied) {
        void vscode.window.showWarningMessage(
          `Counterpoint: ${side.voice}'s proposal was not applied${result?.failureReason ? `: ${result.failureReason}` : '.'}`,
        );
        return;
      }
      const tabs = vscode.window.tabGroups.all
        .flatMap((group) => group.tabs)
        .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === side.proposalUri.toString());
      await vscode.window.tabGroups.close(tabs);
      const editor = await vscode.window.showTextDocument(side.source);
      editor.revealRange(side.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.probe.set('diffAccept', { proposal: side.proposal, error: message });
      void vscode.window.showErrorMessage(`Counterpoint: ${message}`);
    }
  }

  // ---- inline suggestions on disputed lines ----------------------------------------------------

  /** On a disputed line, ask VS Code for the inline suggestion once (it does not ask by itself
   * when only the cursor moves), and say what it shows in the status bar. */
  private cursorMoved(editor: vscode.TextEditor | undefined): void {
    const disputed = editor && this.disputedUnderCursor(editor);
    if (!editor || !disputed) {
      this.inlineAskedFor = undefined;
      this.inlineHintItem.hide();
      return;
    }
    const key = `${editor.document.uri.toString()}#${editor.selection.active.line}#${requestIdOf(disputed)}`;
    if (key === this.inlineAskedFor) return;
    this.inlineAskedFor = key;
    this.inlineHintItem.hide();
    clearTimeout(this.inlineTimer);
    this.inlineTimer = setTimeout(() => {
      if (this.inlineAskedFor !== key || vscode.window.activeTextEditor !== editor) return;
      this.probe.set('inlineTriggered', { line: editor.selection.active.line });
      void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    }, 100);
  }

  private disputedUnderCursor(editor: vscode.TextEditor): vscode.Diagnostic | undefined {
    if (!isSynced(editor.document.uri) || editor.selections.length !== 1 || !editor.selection.isEmpty) return undefined;
    return disputedAt(vscode.languages.getDiagnostics(editor.document.uri), editor.selection.active.line, this.disputedRequests);
  }

  /** The server's items, each replacing a whole disputed line, shown as a ghost line under it
   * (see pure/inline.ts for why); the hint names them. */
  private async inlineItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
    next: NextInlineItems,
  ): Promise<vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined> {
    const result = await next(document, position, context, token);
    const items = Array.isArray(result) ? result : result?.items ?? [];
    const lineText = (line: number) => (line < document.lineCount ? document.lineAt(line).text : '');
    const shown: vscode.InlineCompletionItem[] = [];
    const labels: string[] = [];
    for (const item of items) {
      const whole = wholeLineItem(item.range, item.insertText, lineText);
      if (!whole) {
        shown.push(item);
        continue;
      }
      const label = item.command?.title || 'a proposal\'s version';
      const ghost = ghostLine(whole, '\n');
      const at = new vscode.Position(ghost.at.line, ghost.at.character);
      const taken: InlineTaken = {
        ...whole,
        uri: document.uri.toString(),
        label,
        server: item.command ? { command: item.command.command, arguments: item.command.arguments } : undefined,
      };
      labels.push(label);
      shown.push(new vscode.InlineCompletionItem(ghost.insertText, new vscode.Range(at, at), { title: label, command: INLINE_TAKEN_COMMAND, arguments: [taken] }));
    }
    const editor = vscode.window.activeTextEditor;
    const disputed = editor?.document === document ? this.disputedUnderCursor(editor) : undefined;
    if (disputed && editor!.selection.active.line === position.line) {
      const hint = inlineHint(labels, proposalCount(disputed), process.platform === 'darwin');
      this.inlineHintItem.text = hint.text;
      this.inlineHintItem.tooltip = hint.tooltip;
      this.inlineHintItem.show();
      this.probe.set('inline', { line: position.line, labels, texts: shown.map((i) => (typeof i.insertText === 'string' ? i.insertText : i.insertText.value)), hint: hint.text });
    }
    return result && !Array.isArray(result) ? new vscode.InlineCompletionList(shown) : shown;
  }

  /** After a ghost line was taken: remove the line it replaces, in the same undo step. */
  private async inlineTaken(taken: InlineTaken): Promise<void> {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === taken.uri);
    if (!editor) return;
    const document = editor.document;
    const lineText = (line: number) => (line < document.lineCount ? document.lineAt(line).text : undefined);
    if (!readyToReplace(taken, lineText)) {
      this.log(`inline suggestion: line ${taken.line + 1} is not as it was; left as it is`);
      this.probe.set('inlineTaken', { label: taken.label, replaced: false });
      return;
    }
    const replaced = await editor.edit((edit) => edit.delete(new vscode.Range(taken.line, 0, taken.line + 1, 0)), {
      undoStopBefore: false,
      undoStopAfter: true,
    });
    this.log(`inline suggestion taken: ${taken.label}`);
    this.probe.set('inlineTaken', { label: taken.label, replaced });
    const client = this.client;
    if (taken.server && client?.isRunning()) {
      client
        .sendRequest(ExecuteCommandRequest.type, { command: taken.server.command, arguments: taken.server.arguments ?? [] })
        .catch((error) => this.log(`${taken.server!.command}: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** A run whose model calls failed for the service's reasons: no squiggle says it, so a
   * notification does, offering to set a key the provider refused. */
  private showServiceFailure(message: string, failure: { severity: 'error' | 'warning'; refusedKeys: string[] }): void {
    const keys = failure.refusedKeys.filter((p): p is Provider => p in SECRET_NAMES);
    const buttons = [...keys.map(setKeyButton), 'Show output'];
    this.probe.set('lastServiceFailure', { message, severity: failure.severity, buttons });
    const show = failure.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(`Counterpoint: ${message}`, ...buttons).then((choice) => {
      const provider = keys.find((p) => setKeyButton(p) === choice);
      if (provider) void this.setKey(provider);
      else if (choice === 'Show output') this.output.show(true);
    });
  }

  /** A failed cross-check, with what the user can do about it: set a missing key, or look. */
  /** The quick pick of the question's answers: the server's answer actions on this document's
   * disputed regions. Choosing one runs the server's command (through `answer`). */
  private async pickAnswer(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('Counterpoint: open the cross-checked file first.');
      return;
    }
    const ours = vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'counterpoint');
    const seen = new Set<string>();
    const options = [];
    for (const diagnostic of ours) {
      const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
        'vscode.executeCodeActionProvider',
        editor.document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      // A vscode.CodeAction carries its command as an object; a bare vscode.Command is one.
      const found = answerOptions((actions ?? []) as Parameters<typeof answerOptions>[0]);
      for (const option of found) {
        if (seen.has(option.label)) continue;
        seen.add(option.label);
        options.push(option);
      }
    }
    this.probe.set('questionOptions', options.map((o) => o.label));
    if (options.length === 0) {
      void vscode.window.showInformationMessage('Counterpoint: no question to answer here (a disputed region whose versions return different values).');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      options.map((option) => ({
        label: option.label,
        detail: option.needsValue ? 'Type the value it should return' : 'Pins this as a regression test, then cross-checks again',
        option,
      })),
      { title: 'Counterpoint: which result is right?', placeHolder: 'The answer becomes a test in the workspace' },
    );
    if (!picked) return;
    this.probe.set('questionPicked', picked.label);
    await vscode.commands.executeCommand(ANSWER_COMMAND, picked.option.argument);
  }

  /** The server's answer command, from a quick fix or the quick pick: "Neither" asks for the
   * value first; the cross-check it starts again is followed like one of ours. */
  private async answer(args: unknown[], next: (command: string, args: any[]) => vscode.ProviderResult<any>): Promise<unknown> {
    let argument = answerArgument(args);
    if (argument && needsValue(argument)) {
      const typed = await vscode.window.showInputBox({ title: 'Counterpoint: Neither is right', prompt: valuePrompt(argument), ignoreFocusOut: true });
      argument = withValue(argument, typed);
      if (!argument) return undefined;
    }
    this.running++;
    this.setStatus({ state: 'running', stage: 'pinning the answer as a test' });
    try {
      const result = await next(ANSWER_COMMAND, argument ? [argument] : args);
      this.probe.set('answered', result?.answered ?? result);
      const rerun = result?.args as CrossCheckArgs | undefined;
      if (rerun) {
        this.lastCheck = { uri: vscode.Uri.parse(rerun.uri), range: this.client!.protocol2CodeConverter.asRange(rerun.range)! };
        if (isStarted(result)) await this.untilDone(result.requestId, rerun);
        else this.finished(rerun, result as CrossCheckSummary);
      }
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`answering failed: ${message}`);
      this.probe.set('lastError', message);
      this.showFailure(message);
      return undefined;
    } finally {
      this.running--;
      if (this.running === 0 && this.status.state === 'running') this.setStatus({ state: 'idle', stage: undefined });
      void this.refreshSessionCost();
    }
  }

  private showFailure(message: string): void {
    const keys = missingKeys(message);
    const buttons = [...keys.map(setKeyButton), 'Show output'];
    this.probe.set('lastFailureButtons', buttons);
    void vscode.window.showErrorMessage(`Counterpoint: ${message}`, ...buttons).then((choice) => {
      const provider = keys.find((p) => setKeyButton(p) === choice);
      if (provider) void this.setKey(provider);
      else if (choice === 'Show output') this.output.show(true);
    });
  }

  private async setKey(provider: Provider): Promise<void> {
    const names = SECRET_NAMES[provider];
    const value = await vscode.window.showInputBox({
      title: `Counterpoint: ${names.label} API key`,
      prompt: `Stored in VS Code's secret storage and given to the server as ${names.env}. Leave empty to remove it.`,
      password: true,
      ignoreFocusOut: true,
    });
    if (value === undefined) return;
    if (value.trim()) await this.context.secrets.store(names.secret, value.trim());
    else await this.context.secrets.delete(names.secret);
    this.log(`${names.env} ${value.trim() ? 'stored' : 'removed'}; restarting the server`);
    await this.restart();
    void vscode.window.showInformationMessage(
      `Counterpoint: ${names.label} key ${value.trim() ? 'saved' : 'removed'}; the server restarted.`,
    );
  }
}

// ---- looking at the machine ---------------------------------------------------------------------

async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) return undefined;
  try {
    const api: any = extension.isActive ? extension.exports : await extension.activate();
    const resource = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    const environments = api?.environments;
    if (environments?.getActiveEnvironmentPath) {
      const active = environments.getActiveEnvironmentPath(resource);
      const resolved = await environments.resolveEnvironment?.(active);
      const executable = resolved?.executable?.uri?.fsPath ?? active?.path;
      if (executable) return executable;
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    const command = details?.execCommand;
    if (Array.isArray(command) && command.length === 1 && command[0]) return command[0];
  } catch {
    // The Python extension is optional; any failure means "no interpreter from it".
  }
  return undefined;
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, process.platform === 'win32' ? `${name}.exe` : name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; error?: string }> {
  return new Promise((resolve) => {
    cp.execFile(command, args, { timeout: timeoutMs }, (error) => {
      if (!error) resolve({ code: 0 });
      else resolve({ code: typeof error.code === 'number' ? error.code : null, error: String((error as any).code ?? error.message) });
    });
  });
}

async function canImportCounterpoint(python: string): Promise<boolean> {
  return (await run(python, ['-c', 'import counterpoint'], 15000)).code === 0;
}

/** Why the command cannot run, or undefined when it looks runnable. */
async function checkRunnable(cmd: ServerCommand): Promise<string | undefined> {
  if (cmd.args[0] === '-m' && cmd.args[1] === 'counterpoint') {
    const result = await run(cmd.command, ['-c', 'import counterpoint'], 15000);
    if (result.code === 0) return undefined;
    return result.error === 'ENOENT' ? `${cmd.command} not found` : 'No module named counterpoint';
  }
  if (path.isAbsolute(cmd.command) || cmd.command.includes(path.sep)) {
    return fs.existsSync(cmd.command) ? undefined : `${cmd.command} not found`;
  }
  return findOnPath(cmd.command) ? undefined : `${cmd.command} not found on PATH`;
}
