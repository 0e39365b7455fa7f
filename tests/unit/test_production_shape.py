"""The production shape: docker-compose.yml and the Dockerfile agree with the code they run.

Every ORDINO_* variable is a real setting, every `ordino ...` command is a real CLI command,
the workers can scale, migrations run before anything uses the database, and Temporal
persists to PostgreSQL with Ordino's search attributes registered.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from settings import Settings
from starter.http.routes import codec
from workflows.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
PREFIX = "ORDINO_"

REQUIRED_SERVICES = {
    "temporal-db",
    "temporal",
    "temporal-setup",
    "temporal-ui",
    "app-db",
    "migrate",
    "api",
    "worker",
}


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def ordino_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services built from this repository's Dockerfile."""
    built = {name: svc for name, svc in services.items() if "build" in svc}
    assert {"migrate", "api", "worker"} <= set(built), f"built services: {sorted(built)}"
    return built


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """depends_on as {service: condition}; the short list form means service_started."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def command_argv(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    assert command, "an Ordino service must say which `ordino` command it runs"
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, rest = stripped.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def exec_form(arguments: str) -> list[str]:
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def is_group(command: Any) -> bool:
    """Click groups list subcommands. Typer >= 0.29 ships its own copy of Click (typer._click),
    so this checks the Click interface rather than the class `click.Group`."""
    return callable(getattr(command, "list_commands", None))


def ordino_cli() -> Any:
    """The Click group behind the `ordino` console script (pyproject: starter.cli:app)."""
    import typer

    import starter.cli

    command = typer.main.get_command(starter.cli.app)
    assert is_group(command), "`ordino` must be a group of subcommands"
    return command


def resolve(group: Any, args: list[str]) -> tuple[Any, list[str], list[str]]:
    """Walk `args` down the command tree: (command reached, path taken, remaining arguments)."""
    command = group
    path: list[str] = []
    rest = list(args)
    while is_group(command) and rest and not rest[0].startswith("-"):
        ctx = command.context_class(command, info_name=" ".join(["ordino", *path]))
        names = command.list_commands(ctx)
        assert rest[0] in names, f"`ordino {' '.join(path + rest[:1])}` is not a command; have {names}"
        command = command.get_command(ctx, rest[0])
        path.append(rest.pop(0))
    return command, path, rest


# --- settings ------------------------------------------------------------------------------


def test_every_ordino_variable_is_a_setting() -> None:
    text = COMPOSE_FILE.read_text()
    variables = set(re.findall(r"\bORDINO_[A-Z0-9_]+", text))
    assert variables, "docker-compose.yml configures no ORDINO_* variables"
    fields = set(Settings.model_fields)
    # Nested settings use "__" (env_nested_delimiter): the field is the part before it.
    unknown = sorted(v for v in variables if v[len(PREFIX) :].lower().split("__")[0] not in fields)
    assert not unknown, f"not fields of settings.Settings: {unknown}"


def test_ordino_services_share_the_runtime_configuration(ordino_services: dict[str, dict[str, Any]]) -> None:
    for name, service in ordino_services.items():
        env = environment(service)
        for key in ("DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TASK_QUEUE", "LOG_FORMAT"):
            assert PREFIX + key in env, f"{name} lacks {PREFIX}{key}"
        db = urlsplit(env["ORDINO_DATABASE_URL"])
        assert db.scheme.startswith("postgres"), f"{name}: {env['ORDINO_DATABASE_URL']}"
        assert db.hostname == "app-db", f"{name} must use the app-db service, not {db.hostname}"
        temporal_host = env["ORDINO_TEMPORAL_ADDRESS"].rsplit(":", 1)[0]
        assert temporal_host == "temporal", f"{name} talks to {temporal_host}, not the temporal service"
        assert env["ORDINO_LOG_FORMAT"] == "json", f"{name} should log JSON in production"
        assert env["ORDINO_TASK_QUEUE"] == environment(ordino_services["worker"])["ORDINO_TASK_QUEUE"], (
            f"{name} and the worker must agree on the task queue"
        )


def test_api_listens_on_all_interfaces_and_publishes_its_port(services: dict[str, dict[str, Any]]) -> None:
    api = services["api"]
    env = environment(api)
    assert env.get("ORDINO_API_HOST") == "0.0.0.0", "inside a container the API must bind 0.0.0.0"
    port = env.get("ORDINO_API_PORT", str(Settings.model_fields["api_port"].default))
    published = [str(p) for p in api.get("ports", [])]
    assert any(p.split(":")[-1] == port for p in published), f"port {port} not published: {published}"


# --- services and their order ----------------------------------------------------------------


def test_required_services_exist(services: dict[str, dict[str, Any]]) -> None:
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"docker-compose.yml lacks services: {sorted(missing)}"


def test_worker_can_scale(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed container_name stops `--scale worker=N`"
    assert not worker.get("ports"), "host ports on the worker stop `--scale worker=N`"
    assert "build" in worker, "the worker runs Ordino's own image"


@pytest.mark.parametrize("name", ["api", "worker"])
def test_api_and_worker_wait_for_migrations_and_temporal(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    deps = depends_on(services[name])
    assert deps.get("migrate") == "service_completed_successfully", f"{name}: {deps}"
    assert "temporal" in deps or "temporal-setup" in deps, f"{name} does not wait for Temporal: {deps}"


def test_migrations_wait_for_a_healthy_database(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert depends_on(services["migrate"]).get("app-db") == "service_healthy"
    app_db = services["app-db"]
    assert str(app_db["image"]).startswith("postgres:"), app_db["image"]
    assert "pg_isready" in json.dumps(app_db.get("healthcheck", {}).get("test")), "app-db needs pg_isready"
    volumes = [str(v).split(":")[0] for v in app_db.get("volumes", [])]
    named = set(volumes) & set(compose.get("volumes") or {})
    assert named, f"app-db data must live on a named volume, has {volumes}"


# --- Temporal ------------------------------------------------------------------------------


def test_temporal_persists_to_postgresql(services: dict[str, dict[str, Any]]) -> None:
    temporal = services["temporal"]
    env = environment(temporal)
    assert env.get("DB") in {"postgres12", "postgres12_pgx"}, f"Temporal DB driver is {env.get('DB')!r}"
    seeds = env.get("POSTGRES_SEEDS")
    assert seeds in services, f"POSTGRES_SEEDS={seeds!r} is not a compose service"
    assert str(services[seeds]["image"]).startswith("postgres:"), f"{seeds} is not PostgreSQL"
    assert seeds != "app-db", "Temporal gets its own PostgreSQL, apart from Ordino's data"
    assert depends_on(temporal).get(seeds) == "service_healthy", "Temporal must wait for its database"
    image = str(temporal["image"])
    assert ":" in image and not image.endswith(":latest"), f"pin the Temporal image tag: {image}"


def test_temporal_setup_registers_every_search_attribute(services: dict[str, dict[str, Any]]) -> None:
    setup = services["temporal-setup"]
    script = json.dumps([setup.get("entrypoint"), setup.get("command")])
    assert "temporalio/admin-tools" in str(setup["image"])
    assert "search-attribute create" in script
    assert "--type Keyword" in script
    assert "already exists" in script, "registration must be idempotent"
    names = {key.name for key in SEARCH_ATTRIBUTES}
    missing = {name for name in names if not re.search(rf"\b{name}\b", script)}
    assert not missing, f"search attributes not registered: {sorted(missing)}"


def test_temporal_ui_points_at_the_server(services: dict[str, dict[str, Any]]) -> None:
    ui = services["temporal-ui"]
    assert environment(ui).get("TEMPORAL_ADDRESS") == "temporal:7233"
    assert "8233:8080" in [str(p) for p in ui.get("ports", [])]


def test_the_web_ui_reads_payloads_through_the_api_s_codec_server(
    services: dict[str, dict[str, Any]],
) -> None:
    """The browser calls the codec server: at the API's published port, from the UI's origin."""
    endpoint = urlsplit(environment(services["temporal-ui"])["TEMPORAL_CODEC_ENDPOINT"])
    published = {str(p).split(":")[0] for p in services["api"].get("ports", [])}
    assert str(endpoint.port) in published and endpoint.path == codec.PREFIX, endpoint
    ui_port = next(str(p).split(":")[0] for p in services["temporal-ui"]["ports"])
    assert environment(services["api"])["ORDINO_TEMPORAL_UI_ORIGIN"] == f"http://localhost:{ui_port}"


def test_the_keys_have_no_default(ordino_services: dict[str, dict[str, Any]]) -> None:
    """`docker compose up` without them stops with a message, instead of running unencrypted."""
    for name, service in ordino_services.items():
        env = environment(service)
        for key in ("CODEC_KEY_ID", "CODEC_KEYS", "CUSTOMER_PSEUDONYM_KEY"):
            assert re.fullmatch(rf"\$\{{{PREFIX}{key}:\?.+\}}", env.get(PREFIX + key, "")), f"{name}: {key}"


# --- the image and its commands ----------------------------------------------------------------


def test_dockerfile_installs_the_project_and_runs_the_api_as_non_root() -> None:
    instructions = dockerfile_instructions()
    froms = [args for kw, args in instructions if kw == "FROM"]
    assert froms and froms[-1].split()[0].startswith("python:3.11-slim"), froms
    runs = " && ".join(args for kw, args in instructions if kw == "RUN")
    installs = re.search(r"\bpip install -c requirements\.lock (?:[-\w=]+ )*\.(?:\s|$)", runs)
    assert installs, "the image must `pip install -c requirements.lock .`: the versions the tests ran"
    # The Temporal binaries and everything else come from wheels; no fetching with curl/wget.
    assert not re.search(r"\b(curl|wget)\b", runs), "the image must not download binaries by hand"
    users = [args for kw, args in instructions if kw == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}, f"runs as {users or 'root'}"
    cmds = [args for kw, args in instructions if kw == "CMD"]
    assert cmds and exec_form(cmds[-1]) == ["ordino", "api"], f"CMD is {cmds}"
    assert not [args for kw, args in instructions if kw == "ENTRYPOINT"], "no ENTRYPOINT wrapping `ordino`"
    exposed = {p for kw, args in instructions if kw == "EXPOSE" for p in args.split()}
    assert "8000" in exposed, exposed


def test_the_ordino_console_script_is_the_typer_app() -> None:
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get("ordino") == "starter.cli:app"


def test_every_compose_command_is_an_ordino_command(ordino_services: dict[str, dict[str, Any]]) -> None:
    cli = ordino_cli()
    for name, service in ordino_services.items():
        argv = command_argv(service)
        assert argv[0] == "ordino", f"{name} runs {argv}, not the ordino CLI"
        assert len(argv) > 1, f"{name} runs bare `ordino`"
        command, path, rest = resolve(cli, argv[1:])
        assert path, f"{name}: `{' '.join(argv)}` names no subcommand"
        assert not is_group(command), f"{name}: `ordino {' '.join(path)}` is a group"
        options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        for arg in rest:
            if arg.startswith("-"):
                assert arg.split("=", 1)[0] in options, f"{name}: `ordino {' '.join(path)}` has no {arg}"


def test_the_image_default_command_is_an_ordino_command() -> None:
    cmds = [args for kw, args in dockerfile_instructions() if kw == "CMD"]
    argv = exec_form(cmds[-1])
    command, path, _ = resolve(ordino_cli(), argv[1:])
    assert path == ["api"] and not is_group(command)
