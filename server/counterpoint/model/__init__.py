"""Plain data every layer may use: vocabularies today; the request and report types next."""
