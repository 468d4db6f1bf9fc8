"""The project's first tests: 'paddock test {{paddock_app}}' runs them (manage.py test --keepdb)
against the app's own database server, with the test database kept between runs."""

from django.test import TestCase


class HomePageTests(TestCase):
    def test_home_page_answers(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)

    def test_health_check_answers_whatever_the_host(self):
        response = self.client.get("/healthz", HTTP_HOST="not-an-allowed-host.example")
        self.assertEqual(response.status_code, 200)
