"""Playbooks (分类指导): what the archive expects of each kind of body, kept in versions."""
