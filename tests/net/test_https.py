"""preflight.net.https against a real loopback TLS web server (the lab's, with its lab CA).

Every hostile answer becomes a named failure within the deadline: huge, slow, redirecting,
non-UTF-8, wrong media type, wrong certificate. No timing assertions: a slow server must end
as ``timeout``, however long the machine takes to get there (the deadline is a watchdog).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from preflight.lab.certs import make_certificates
from preflight.lab.httpsserver import LabHttpsServer, Route
from preflight.net.https import HttpsError, HttpsFailure, fetch_text

HOST = "mta-sts.example.org"
PATH = "/.well-known/mta-sts.txt"
POLICY = b"version: STSv1\nmode: enforce\nmx: mail.example.org\nmax_age: 86400\n"


@pytest.fixture(scope="module")
def server() -> Iterator[LabHttpsServer]:
    with LabHttpsServer((HOST,)) as running:
        yield running


@pytest.fixture()
def route(server: LabHttpsServer) -> Iterator[dict[str, Route]]:
    server.routes.clear()
    yield server.routes
    server.routes.clear()


def fetch(server: LabHttpsServer, host: str = HOST, timeout: float = 10.0, **kwargs: object):  # noqa: ANN201
    return fetch_text(host=host, path=PATH, address=server.address[0], port=server.address[1],
                      ca_file=server.ca_file, timeout=timeout, **kwargs)  # type: ignore[arg-type]


def failure_of(server: LabHttpsServer, **kwargs: object) -> HttpsError:
    with pytest.raises(HttpsError) as caught:
        fetch(server, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_a_good_policy_is_fetched(server: LabHttpsServer, route: dict[str, Route]) -> None:
    # Given the policy served as text/plain with a certificate for the host
    route[HOST] = Route(POLICY, content_type="text/plain; charset=utf-8")
    # When it is fetched, then the text comes back with the TLS version
    got = fetch(server)
    assert got.text == POLICY.decode()
    assert got.status == 200 and got.tls_version.startswith("TLS")
    assert got.url == f"https://{HOST}:{server.address[1]}{PATH}"


def test_a_chunked_policy_is_read(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(b"5\r\nversi\r\n0\r\n\r\n", send_length=False,
                        headers=(("Transfer-Encoding", "chunked"),))
    assert fetch(server).text == "versi"


def test_a_redirect_is_not_followed(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(b"", status=301, headers=(("Location", f"https://{HOST}/elsewhere"),))
    before = len(server.requests)
    error = failure_of(server)
    assert error.failure is HttpsFailure.REDIRECT and "/elsewhere" in error.detail
    assert len(server.requests) == before + 1  # only the one request: nothing followed


def test_a_missing_policy_is_a_status_failure(server: LabHttpsServer, route: dict[str, Route]) -> None:
    error = failure_of(server)  # no route: 404
    assert error.failure is HttpsFailure.STATUS and "404" in error.detail


def test_a_wrong_media_type_fails(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(POLICY, content_type="text/html")
    error = failure_of(server)
    assert error.failure is HttpsFailure.CONTENT_TYPE and "text/html" in error.detail


def test_non_utf8_fails(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(b"version: STSv1\nmode: \xff\xfe\n")
    assert failure_of(server).failure is HttpsFailure.NOT_UTF8


def test_a_huge_policy_is_refused_by_its_length(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(b"x" * (200 * 1024))
    error = failure_of(server)
    assert error.failure is HttpsFailure.TOO_LARGE and "Content-Length" in error.detail


def test_a_huge_policy_without_length_is_cut(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(b"x" * (200 * 1024), send_length=False)
    error = failure_of(server)
    assert error.failure is HttpsFailure.TOO_LARGE and "65536" in error.detail


def test_a_slow_server_ends_as_timeout(server: LabHttpsServer, route: dict[str, Route]) -> None:
    # Given a server that drips one byte every 0.2 s (a 300-byte policy: a minute)
    route[HOST] = Route(b"y" * 300, drip=0.2)
    # When fetched with a 1 s deadline, then the watchdog ends it as a timeout
    assert failure_of(server, timeout=1.0).failure is HttpsFailure.TIMEOUT


def test_a_certificate_for_another_name_fails(route: dict[str, Route]) -> None:
    with LabHttpsServer(certificates=make_certificates(("www.example.org",))) as other:
        other.routes[HOST] = Route(POLICY)
        error = failure_of(other)
    assert error.failure is HttpsFailure.CERTIFICATE and "mismatch" in error.detail.lower()


def test_an_untrusted_ca_fails(server: LabHttpsServer, route: dict[str, Route]) -> None:
    route[HOST] = Route(POLICY)
    with pytest.raises(HttpsError) as caught:
        fetch_text(host=HOST, path=PATH, address=server.address[0], port=server.address[1],
                   ca_file=None, timeout=10.0)  # the system CAs do not know the lab CA
    assert caught.value.failure is HttpsFailure.CERTIFICATE


def test_a_closed_port_is_a_connect_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HttpsError) as caught:
        fetch_text(host=HOST, path=PATH, address="127.0.0.1", port=port, timeout=5.0)
    assert caught.value.failure is HttpsFailure.CONNECT


def test_a_server_that_never_speaks_tls_times_out() -> None:
    # Given a listener that accepts and stays silent
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(HttpsError) as caught:
            fetch_text(host=HOST, path=PATH, address="127.0.0.1", port=listener.getsockname()[1], timeout=1.0)
    assert caught.value.failure is HttpsFailure.TIMEOUT


def test_a_private_ca_file_adds_to_the_system_cas(server: LabHttpsServer, route: dict[str, Route],
                                                  tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a policy host whose CA is in the system store (OpenSSL's SSL_CERT_FILE stands in for
    # it) and a --ca-file naming an unrelated private CA, given for the new mail server
    route[HOST] = Route(POLICY)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    private = tmp_path / "private-ca.pem"
    private.write_bytes(make_certificates(("mail.example.com",)).ca_pem)
    # When the policy is fetched with that --ca-file
    got = fetch_text(host=HOST, path=PATH, address=server.address[0], port=server.address[1],
                     ca_file=str(private), timeout=10.0)
    # Then the public chain still verifies: the private CA is trusted beside the system's
    assert got.text == POLICY.decode()
