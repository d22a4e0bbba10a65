// The interpreter the Python extension selected, for the workspace's tests. It travels in
// initializationOptions under its own key, never as the user's `python` setting: the server tries
// it after that setting, the activated environment and the project's .venv, and vets it (a path
// inside the workspace is the repository's, looked at on disk only).
export const EDITOR_PYTHON_OPTION = 'editorPython';

export function editorPythonOptions(interpreter: string | null | undefined): Record<string, string> {
  const path = (interpreter ?? '').trim();
  return path ? { [EDITOR_PYTHON_OPTION]: path } : {};
}
