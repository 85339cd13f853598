from django.apps import AppConfig


class RingpoolsConfig(AppConfig):
    name = "ringpools"
    verbose_name = "Ring pools"

    def ready(self) -> None:
        # A destination's detail page links its ring pool's page, which this app owns.
        from destinations.selectors import destination_pool_page_finder

        from .selectors import destination_pool_page

        destination_pool_page_finder(destination_pool_page)
