"""URL configuration for {{app_name}}.

https://docs.djangoproject.com/en/5.2/topics/http/urls/
(/healthz is answered by {{app_name}}.health.HealthCheckMiddleware, before URL routing.)
"""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
