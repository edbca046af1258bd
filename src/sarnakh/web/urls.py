from django.urls import path

from sarnakh.web import background_views, settings_views, views

app_name = "web"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("settings/", settings_views.settings_stages, name="settings_stages"),
    path("settings/properties/", settings_views.settings_properties, name="settings_properties"),
    path("settings/users/", settings_views.settings_users, name="settings_users"),
    path("settings/api-keys/", settings_views.settings_apikeys, name="settings_apikeys"),
    path("settings/password/", settings_views.settings_password, name="settings_password"),
    path("settings/background/", background_views.settings_background, name="settings_background"),
]
