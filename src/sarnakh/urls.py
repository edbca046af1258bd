from django.urls import include, path

from sarnakh.api import api
from sarnakh.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sarnakh.web.urls")),
]
