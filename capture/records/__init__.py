"""The secretary's journey: bodies, registration, files and formats, scope, the list, import."""
