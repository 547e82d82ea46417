"""An app with one deliberately slow API route, for the gunicorn timeout test (never in the product)."""
import time

from capture import create_app


def create():
    """The app plus GET /api/v1/slow, which takes longer than the test's worker timeout."""
    app = create_app()

    @app.get("/api/v1/slow")
    def slow():
        time.sleep(30)
        return "late"
    return app
