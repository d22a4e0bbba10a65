// Which process to start as the language server. Pure: every look at the machine is passed in.

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the choice came from, for messages and the output channel. */
  source: 'setting:server.command' | 'setting:server.python' | 'python-extension' | 'path';
}

export interface ResolveInput {
  /** `counterpoint.server.command`: the whole command line as an array. */
  command?: readonly string[] | null;
  /** `counterpoint.server.python`. */
  python?: string | null;
  /** The Python extension's active interpreter, when that extension is installed. */
  pythonExtensionInterpreter?: string | null;
  /** Whether that interpreter can `import counterpoint` (undefined: not checked). */
  pythonExtensionHasCounterpoint?: boolean;
  /** Full path of `counterpoint` found on PATH, or null. */
  counterpointOnPath?: string | null;
}

export function pythonModuleCommand(python: string): { command: string; args: string[] } {
  return { command: python, args: ['-m', 'counterpoint', 'serve'] };
}

/**
 * Precedence: `server.command`, then `server.python`, then the Python extension's interpreter
 * (when it has Counterpoint installed, or when nothing else is there), then `counterpoint` on PATH.
 * Always returns a command; whether it runs is checked by the caller.
 */
export function resolveServerCommand(input: ResolveInput): ServerCommand {
  const command = (input.command ?? []).map((part) => String(part)).filter((part) => part.trim() !== '');
  if (command.length > 0) {
    return { command: command[0], args: command.slice(1), source: 'setting:server.command' };
  }
  const python = (input.python ?? '').trim();
  if (python) {
    return { ...pythonModuleCommand(python), source: 'setting:server.python' };
  }
  const ext = (input.pythonExtensionInterpreter ?? '').trim();
  if (ext && (input.pythonExtensionHasCounterpoint !== false || !input.counterpointOnPath)) {
    return { ...pythonModuleCommand(ext), source: 'python-extension' };
  }
  return { command: input.counterpointOnPath || 'counterpoint', args: ['serve'], source: 'path' };
}

/** One line that says what will run, e.g. for the output channel. */
export function describeServerCommand(cmd: ServerCommand): string {
  const line = [cmd.command, ...cmd.args].map((p) => (/\s/.test(p) ? JSON.stringify(p) : p)).join(' ');
  const from: Record<ServerCommand['source'], string> = {
    'setting:server.command': 'the counterpoint.server.command setting',
    'setting:server.python': 'the counterpoint.server.python setting',
    'python-extension': "the Python extension's interpreter",
    path: 'PATH',
  };
  return `${line} (from ${from[cmd.source]})`;
}

/** The message for a server that cannot be started, with the command that installs it. */
export function missingServerMessage(cmd: ServerCommand, detail?: string): { message: string; install: string } {
  const usesPython = cmd.source === 'setting:server.python' || cmd.source === 'python-extension';
  const install = usesPython ? `${cmd.command} -m pip install counterpoint` : 'pip install counterpoint';
  const what = usesPython
    ? `${cmd.command} cannot run Counterpoint`
    : cmd.source === 'path'
      ? '`counterpoint` was not found on PATH'
      : `${cmd.command} could not be started`;
  const message =
    `Counterpoint: the language server is not available: ${what}${detail ? ` (${detail})` : ''}. ` +
    `Install it with \`${install}\` (or \`pip install -e .\` in a Counterpoint checkout), ` +
    'or set counterpoint.server.command / counterpoint.server.python.';
  return { message, install };
}
