"""The MCP front end: `counterpoint mcp`, tools for coding agents over one Engine."""
