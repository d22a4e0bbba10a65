"""Running untrusted proposals: an isolated copy of the workspace and a limited process."""
