from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Only here to provide the ``invoca_sandbox`` management command."""

    name = "sandbox"
    verbose_name = "Invoca sandbox"
