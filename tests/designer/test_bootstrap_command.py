"""`manage.py bootstrap` prints the sign-in address of the server `make run` starts, on the host
and port it really binds (`make run PORT=8101` says 8101, not 8000)."""
from __future__ import annotations

import io
import shlex
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from designer.management.commands.bootstrap import sign_in_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def bootstrap(*args: str) -> str:
    out = io.StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _password_file_here(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the admin password file goes here, not into the real var/


def test_the_first_run_names_the_port_the_server_listens_on():
    printed = bootstrap("--host", "127.0.0.1", "--port", "8101")
    assert "Log in at http://127.0.0.1:8101/login/ as 'admin'" in printed and ":8000" not in printed


def test_a_later_run_names_it_too_and_without_options_it_is_the_default_8000():
    bootstrap()
    assert "http://127.0.0.1:8000/login/" in bootstrap()
    assert "http://localhost:9000/login/" in bootstrap("--host", "localhost", "--port", "9000")


@pytest.mark.parametrize("host, url", [("0.0.0.0", "http://127.0.0.1:8101/login/"), ("::", "http://127.0.0.1:8101/login/"),
                                       ("::1", "http://[::1]:8101/login/"), ("[::1]", "http://[::1]:8101/login/"),
                                       ("192.168.1.5", "http://192.168.1.5:8101/login/")])
def test_a_server_on_every_interface_is_signed_into_on_this_machine_and_ipv6_gets_brackets(host, url):
    assert sign_in_url(host, 8101) == url


def test_make_run_hands_its_host_and_port_to_bootstrap():
    dry = subprocess.run(["make", "-n", "run", "HOST=0.0.0.0", "PORT=8101"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    line = next(cmd for cmd in dry.splitlines() if "manage.py bootstrap" in cmd)
    args = shlex.split(line)
    printed = bootstrap(*args[args.index("bootstrap") + 1:])
    assert "http://127.0.0.1:8101/login/" in printed and ":8000" not in printed
