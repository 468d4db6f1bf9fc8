"""WSGI entry point for {{app_name}}: gunicorn runs {{app_name}}.wsgi:application.

https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{app_name}}.settings")

application = get_wsgi_application()

# The URLconf and every view module, imported now rather than on each worker's first request:
# a worker that started before an upload then serves the code it started with until the
# reload replaces it, instead of importing the new urls.py (whose views may need settings the
# old process does not have) halfway.
# Never fatal: a worker booting while files change under it (an upload in progress) would
# otherwise fail to boot, and gunicorn stops its master when a worker cannot boot; this one
# then imports the URLconf on its first request, as Django does by default.
from django.urls import get_resolver  # noqa: E402

try:
    get_resolver().url_patterns
except Exception:  # noqa: BLE001
    pass
