"""The settings policy: the user's own settings (the environment and initializationOptions),
tightened by the editor's configuration, which may be a cloned repository's
.vscode/settings.json and so may only tighten them.

Each change bumps a generation, so a slow workspace/configuration fetch cannot undo a newer one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types

from counterpoint.config import Settings
from counterpoint.lsp.editor import Editor, show_message
from counterpoint.lsp.session import Session

log = logging.getLogger(__name__)


class Configuration:
    def __init__(self, session: Session, editor: Editor) -> None:
        self._session = session
        self._editor = editor
        self.init_options: dict[str, Any] = {}
        self.editor_settings: dict[str, Any] = {}
        self.warned_untrusted: set[str] = set()  # workspace settings we said we ignore
        self.generation = 0  # bumped by each change, so a slow fetch cannot undo a newer one

    def initialize(self, options: Any) -> None:
        """`initialize`: its initializationOptions are the user's own settings."""
        self.init_options = options if isinstance(options, dict) else {}
        self.apply()

    def apply(self) -> None:
        """The user's own settings, tightened by the editor's configuration; one warning per
        workspace setting ignored, however often it is sent."""
        user = Settings.from_env().merged(self.init_options, "initializationOptions")
        settings, ignored = user.tightened_by(self.editor_settings, "counterpoint settings")
        for problem in settings.problems:
            self._warn(f"Counterpoint: {problem}")
        for key, why in sorted(ignored.items()):
            log.warning("ignored counterpoint.%s from workspace/configuration: %s", key, why)
            if key not in self.warned_untrusted:
                self.warned_untrusted.add(key)
                self._warn(
                    f"Counterpoint: ignored counterpoint.{key} from the workspace's "
                    f"configuration: {why}."
                )
        self._session.configure(settings)

    def changed(self, settings: Any) -> None:
        """workspace/didChangeConfiguration: the new section, or only a signal to fetch it."""
        if isinstance(settings, dict) and isinstance(settings.get("counterpoint"), dict):
            self.push(settings["counterpoint"])
        else:  # the client only signals a change: ask for the section
            self.refresh_soon()

    def push(self, section: dict[str, Any]) -> None:
        self.generation += 1
        self.editor_settings = section
        self.apply()

    def refresh_soon(self) -> None:
        """Fetch the section; a cross-check that starts meanwhile waits for it."""
        self._session.expect_settings(self.refresh())

    async def refresh(self) -> None:
        self.generation += 1
        generation = self.generation
        workspace = self._editor.client_capabilities.workspace
        if not (workspace and workspace.configuration):
            return
        try:
            items = await asyncio.shield(
                self._editor.workspace_configuration_async(
                    types.ConfigurationParams(
                        items=[types.ConfigurationItem(section="counterpoint")]
                    )
                )
            )
        except Exception as error:
            log.warning("workspace/configuration failed: %s", error)
            return
        if generation != self.generation:
            return
        section = items[0] if items else None
        self.editor_settings = section if isinstance(section, dict) else {}
        self.apply()

    def _warn(self, message: str) -> None:
        show_message(self._editor, message, types.MessageType.Warning)
