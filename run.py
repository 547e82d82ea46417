"""Serve the app with the development server: python run.py [--host H] [--port P]."""
import argparse
import os

os.environ.setdefault("CAPTURE_ENV", "development")

from capture import create_app, serving
from capture.ops.worker import start_thread

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = serving.prepare(create_app())
    # The background jobs (bulk import) run in this process too, so nothing else need be started.
    start_thread(app)
    app.run(host=args.host, port=args.port, threaded=True)
