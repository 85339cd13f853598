from django.apps import AppConfig


class RingpoolsConfig(AppConfig):
    name = "ringpools"
    verbose_name = "Ring pools"
