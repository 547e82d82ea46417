"""Flask extensions, created unbound at import and bound to the app in the factory."""
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
