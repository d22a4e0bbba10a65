// A disagreement's question, answered from a quick pick. The options are the server's own code
// actions on the disputed region (command `counterpoint.answerQuestion`): "Claude is right: …",
// "GPT is right: …" and "Neither: give the expected value". "Neither" carries no answer: the
// client asks for the value and adds it to the command's argument before it is sent.

export const ANSWER_COMMAND = 'counterpoint.answerQuestion';

/** The LSP shapes we read of a code action (or a bare command). */
export interface ActionLike {
  title: string;
  command?: string | { command: string; arguments?: unknown[] };
  arguments?: unknown[];
}

export interface AnswerArgument {
  requestId: string;
  region?: number;
  call?: string;
  answer?: string;
  value?: string;
}

export interface AnswerOption {
  label: string;
  argument: AnswerArgument;
  /** "Neither": the value must be asked for. */
  needsValue: boolean;
}

/** The question's options among code actions, in the server's order. */
export function answerOptions(actions: readonly ActionLike[]): AnswerOption[] {
  const options: AnswerOption[] = [];
  for (const action of actions) {
    const command = typeof action.command === 'object' ? action.command : undefined;
    const name = command ? command.command : action.command;
    const args = command ? command.arguments : action.arguments;
    if (name !== ANSWER_COMMAND) continue;
    const argument = answerArgument(args);
    if (argument) options.push({ label: action.title, argument, needsValue: needsValue(argument) });
  }
  return options;
}

/** The command's argument, when it is one. */
export function answerArgument(args: readonly unknown[] | undefined): AnswerArgument | undefined {
  const first = args?.[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const { requestId, region, call, answer, value } = first as Record<string, unknown>;
  if (typeof requestId !== 'string') return undefined;
  return {
    requestId,
    ...(typeof region === 'number' ? { region } : {}),
    ...(typeof call === 'string' ? { call } : {}),
    ...(typeof answer === 'string' ? { answer } : {}),
    ...(typeof value === 'string' ? { value } : {}),
  };
}

/** Whether the command still lacks what the user must say: neither an answer nor a value. */
export function needsValue(argument: AnswerArgument): boolean {
  return argument.answer === undefined && argument.value === undefined;
}

/** The input box's prompt for "Neither". */
export function valuePrompt(argument: AnswerArgument): string {
  return argument.call
    ? `What should ${argument.call} return? (a value in the file's language, e.g. [1, 2, 3])`
    : 'The expected value (in the file\'s language)';
}

/** A value typed into the input box: blank is no answer. */
export function withValue(argument: AnswerArgument, typed: string | undefined): AnswerArgument | undefined {
  const value = typed?.trim();
  return value ? { ...argument, value } : undefined;
}

/** The status bar's offer to answer, from a cross-check's summary: only a disputed run that asks
 * a question (`summary.question`, the call and each version's result). */
export function questionHint(summary: unknown): string | undefined {
  if (typeof summary !== 'object' || summary === null) return undefined;
  const { question, confidence } = summary as { question?: unknown; confidence?: { label?: unknown } };
  if (confidence?.label !== 'disputed' || typeof question !== 'object' || question === null) return undefined;
  const call = (question as { call?: unknown }).call;
  return typeof call === 'string' ? `$(question) Which is right: ${call}?` : undefined;
}
