"""The transfer officer's journey: dissolution, commitments, the check, packaging, verification."""
