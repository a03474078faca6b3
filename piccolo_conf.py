"""Piccolo's configuration, for its command line (``piccolo migrations ...``) and ``python -m app.cli``.

The running site does not read this module: ``create_app`` binds the engine from its settings.
"""

import os

from piccolo.conf.apps import AppRegistry

from app.database import engine_from_url
from app.settings import DEFAULT_DATABASE_URL

DB = engine_from_url(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)
APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
