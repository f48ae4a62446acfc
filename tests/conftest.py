import os
import urllib.parse

import pytest

from hypothesis import HealthCheck, settings

from postgres_cluster import (
    REQUIRE_ENV,
    URL_ENV,
    ClusterUnavailable,
    ThrowAwayCluster,
    drop_schemas,
    fresh_schema_name,
)


# The machines are noisy: no test may depend on timing.  CI runs
# derandomised so that a landing never hinges on the examples drawn.
settings.register_profile("default", deadline=None)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("fast", deadline=None, max_examples=10)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


# PostgreSQL: tests that ask for `postgres_url` (marked `postgres`, automatically) get a server
# for the whole session; see docs/development.md, "PostgreSQL tests".
def pytest_collection_modifyitems(items):
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def _no_postgres(reason):
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"no PostgreSQL server, and {REQUIRE_ENV} is set: {reason}", pytrace=False)
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture(scope="session")
def postgres_url():
    """
    The URL of a PostgreSQL server, as a superuser, for the whole session.

    The server in CONVROUTE_TEST_POSTGRES when set; else a throw-away cluster, started the
    first time a test asks and stopped at the end of the session.  Tests skip when there is
    none to be had, and fail instead when CONVROUTE_REQUIRE_POSTGRES is set (CI sets it).
    """
    # Skips and failures are raised outside the except clauses: no chained tracebacks.
    problem = None
    try:
        import psycopg
    except ImportError as error:
        problem = f"psycopg is not installed ({error}); pip install -e '.[dev]'"
    if problem is not None:
        _no_postgres(problem)
    given = os.environ.get(URL_ENV)
    if given:
        try:
            with psycopg.connect(given, connect_timeout=10):
                pass
        except psycopg.Error as error:
            problem = f"the server in {URL_ENV} cannot be reached: {error}"
        if problem is not None:
            # A server named on purpose that cannot be reached is an error, never a skip.
            pytest.fail(problem, pytrace=False)
        yield given
        return
    cluster = ThrowAwayCluster()
    try:
        cluster.start()
    except ClusterUnavailable as error:
        problem = str(error)
    if problem is not None:
        _no_postgres(problem)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def new_postgres_schema(postgres_url):
    """
    A maker of fresh PostgreSQL schema names; the schemas are dropped at teardown.

    Give each store its own (``PostgresStore(postgres_url, schema=new_postgres_schema())``)
    for an empty store in the shared server.  Close the stores before teardown: a connection
    still in a transaction on the schema makes the drop fail after a lock timeout.
    """
    names = []

    def make():
        names.append(fresh_schema_name())
        return names[-1]

    yield make
    if names:
        drop_schemas(postgres_url, names)


@pytest.fixture
def postgres_schema(new_postgres_schema):
    """One fresh PostgreSQL schema name, dropped at teardown."""
    return new_postgres_schema()


@pytest.fixture
def read_only_url(postgres_url):
    """
    A maker of URLs of roles that may only read a schema: ``read_only_url(schema)``.

    The URL is the server's (a ``postgresql://`` URL), as the role, without a password.

    Each role has ``USAGE`` on the schema and ``SELECT`` on its tables, nothing more; the roles are
    dropped at teardown.  Skips when the server's user may not create roles.
    """
    import psycopg

    roles = []

    def make(schema):
        role = f"reader_{schema}"
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            try:
                connection.execute(f"CREATE ROLE {role} LOGIN")
            except psycopg.errors.InsufficientPrivilege:
                pytest.skip("the test server's user may not create roles")
            roles.append(role)
            connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}')
            connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {role}')
        parts = urllib.parse.urlsplit(postgres_url)
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{role}@{host}"))

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        for role in roles:
            connection.execute(f"DROP OWNED BY {role}")
            connection.execute(f"DROP ROLE {role}")
