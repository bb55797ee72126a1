"""pytest glue for the hostile-client suite (README.md; the checks are in
hserver.py).

After every test body, every server the test used is checked
(hserver.HostileServer.health_problems: alive, no sanitizer report, a fresh
PING answers, clients and memory back near the baseline); a problem fails
the test itself. A test that fails while its server crashed is reported
with the crash as its cause.

Fixtures:
  server_factory  a fresh server per call, stopped at test end, for cases
                  that can crash (one crash must not cascade):
                      srv = server_factory(password="pw", timeout=1)
  shared          the module's server, started once with the module's
                  SHARED_CONFIG dict (a "requirepass" key sets the
                  password), restarted when a test left it dead or with a
                  sanitizer report; its baseline is taken as each test
                  begins.

--full (or HOSTILE_FULL=1) runs the cases marked `full` and the long
repetition counts (scaled()).
"""

import os

import pytest

import hserver
from hserver import HostileServer, it

FULL = bool(os.environ.get("HOSTILE_FULL"))

# the integration suite's session fixture: on the data plane the whole
# session runs in one client namespace
_dataplane_client_namespace = it._dataplane_client_namespace


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="run the heavy hostile cases and the long repetition counts")


def pytest_configure(config):
    global FULL
    FULL = FULL or config.getoption("--full")
    it.pytest_configure(config)
    config.addinivalue_line("markers", "full: heavy case, run only with --full")
    config.addinivalue_line("markers", "store_only: about argument handling, the same on every "
                            "transport: run on kernel sockets only (unless --full)")


def pytest_report_header(config):
    return "hostile suite: %s (target %s, transport %s%s%s)" % (
        it.SERVER_BIN, it.TARGET, it.TRANSPORT, ", sanitized" if hserver.SANITIZED else "",
        ", --full" if FULL else "")


def pytest_collection_modifyitems(config, items):
    it.pytest_collection_modifyitems(config, items)
    if FULL:
        return
    for item in items:
        if item.get_closest_marker("full") is not None:
            item.add_marker(pytest.mark.skip(reason="heavy case: run with --full"))
        elif hserver.DATAPLANE and item.get_closest_marker("store_only") is not None:
            item.add_marker(pytest.mark.skip(reason="argument handling is transport-independent: "
                                             "checked on kernel sockets (--full runs it here)"))


def scaled(ci, full, dataplane=None):
    """A repetition count or a size: `ci` normally, `full` with --full, and
    `dataplane` (if given) for CI on the data plane, where each connection
    costs more (its TCP runs in the server's one worker)."""
    if FULL:
        return full
    if dataplane is not None and hserver.DATAPLANE:
        return dataplane
    return ci


def _register(item, srv):
    servers = item.__dict__.setdefault("_hostile_servers", [])  # shared with pytest_pyfunc_call
    if srv not in servers:
        servers.append(srv)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run the test, then the health checks of every server it used."""
    funcargs = pyfuncitem.funcargs
    args = {a: funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
    servers = pyfuncitem.__dict__.setdefault("_hostile_servers", [])
    try:
        pyfuncitem.obj(**args)
    except (pytest.skip.Exception, pytest.xfail.Exception, KeyboardInterrupt):
        raise
    except BaseException as e:
        for s in servers:
            s.settle()
        crash = [p for s in servers for p in s.crash_problems(probe=True)]
        if crash:
            raise AssertionError("the server crashed during the case (the test saw %s: %s):\n%s"
                                 % (type(e).__name__, e, "\n".join(crash))) from e
        raise
    problems = [p for s in servers for p in s.health_problems()]
    if problems:
        raise AssertionError("after the case:\n" + "\n".join(problems))
    return True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _call_failed(item):
    rep = getattr(item, "rep_call", None)
    return rep is not None and rep.failed


@pytest.fixture
def server_factory(request):
    started = []

    def make(password=None, **overrides):
        srv = HostileServer(overrides, password=password)
        started.append(srv)
        srv.start()
        _register(request.node, srv)
        return srv

    yield make
    problems = []
    for srv in started:
        problems += srv.stop()
    if problems and not _call_failed(request.node):
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="module")
def _module_server(request):
    holder = {"srv": None, "problems": []}

    def get():
        srv = holder["srv"]
        if srv is not None and srv.crash_problems(probe=True):
            srv.stop()
            srv = None
        if srv is None:
            cfg = dict(getattr(request.module, "SHARED_CONFIG", {}))
            pw = cfg.pop("requirepass", None)
            srv = holder["srv"] = HostileServer(cfg, password=pw).start()
        return srv

    yield get
    if holder["srv"] is not None:
        problems = holder["srv"].stop()
        if problems:
            pytest.fail("the module's shared server at exit:\n" + "\n".join(problems))


@pytest.fixture
def shared(request, _module_server):
    srv = _module_server()
    srv.baseline()
    _register(request.node, srv)
    return srv
