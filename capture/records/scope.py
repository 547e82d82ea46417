"""A new body's categories and archiving scope come from its kind's playbook (records/playbooks)."""
from .playbooks import seeding


def seed(body, version=None, leave_out=None):
    """Give a new body the categories, scope and milestones of its kind's current playbook."""
    return seeding.seed(body, version, leave_out)
