"""The suite itself stays steady: a test's database connections end with the test.

Each test's SQLite pool kept its idle connections (three descriptors each) open; late in the
suite their count passed the 1,024 that select() can watch, and tests failed far from the cause.
"""
import os

import pytest

OPEN_AT_START = []


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("turn", range(6))
def test_a_tests_connections_are_closed_when_it_ends(app, client, auth, world, turn):
    OPEN_AT_START.append(open_descriptors())
    auth.login("secretary")
    assert client.get(f"/bodies/{world['a'].id}/documents").status_code == 200
    if turn == 5:
        # The first turn's count includes this module's first app; later ones must not grow
        # with every test (the leak added several descriptors each).
        assert len(OPEN_AT_START) == 6, "run the six turns together"
        assert OPEN_AT_START[-1] - OPEN_AT_START[1] <= 2, OPEN_AT_START
