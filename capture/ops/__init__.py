"""Running an installation: backup and restore, fixity, demo data, the scheduler process."""
