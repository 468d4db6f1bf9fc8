"""ASGI entry point for {{app_name}} (paddock runs the WSGI one under gunicorn).

https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{app_name}}.settings")

application = get_asgi_application()
