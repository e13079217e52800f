"""The référent area (SPEC §9): GET/POST /api/agents, POST /api/agents/{identifier}/…, GET /api/journal."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from cmi.container import container
from cmi.domain import agents, identity
from cmi.domain.model import Account, JournalEvent
from cmi.domain.ports import Services
from cmi.web import cookies
from cmi.web.app import answers, no_body, resolver
from cmi.web.app import lambda_handler as handler
from cmi.web.models import (
    AgentsResponse,
    AgentView,
    CreatedResponse,
    CreateProfileRequest,
    JournalEventView,
    JournalResponse,
    StatusResponse,
)


def _referent_only(app: APIGatewayRestResolver) -> None:
    agents.referent(container(), app.current_event.resolved_cookies_field.get(cookies.SESSION))


app = resolver(precheck=_referent_only)
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]
# A malformed identifier names no agent: 404 from the use case, as for an unknown one.
Identifier = Annotated[
    str,
    Path(
        max_length=64,
        description="identifiant de l'agent",
        json_schema_extra={"pattern": identity.IDENTIFIER_PATTERN},
    ),
]


def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _view(agent: Account) -> AgentView:
    created = _iso(agent.created_at) or ""
    return AgentView(**AgentView.fields_of(agent), created_at=created, last_login_at=_iso(agent.last_login_at))


def _event(event: JournalEvent) -> JournalEventView:
    at = _iso(event.at) or ""
    return JournalEventView(at=at, actor=event.actor, action=event.action, target=event.target, detail=event.detail)


@app.get("/api/agents", summary="Les agents de l'organisme", responses=answers(400, 401, 403, changes=False))
def list_agents(session: cookies.SessionToken = None, cursor: Cursor = None) -> AgentsResponse:
    page = agents.list_agents(container(), session, cursor)
    return AgentsResponse(agents=[_view(a) for a in page.items], next_cursor=page.next_cursor)


@app.post("/api/agents", summary="Créer un profil", responses=answers(401, success=201))
def create_profile(body: CreateProfileRequest, session: cookies.SessionToken = None) -> Response[CreatedResponse]:
    created = agents.create_profile(container(), session, body.first_name, body.last_name, body.email)
    return Response(201, body=CreatedResponse(identifier=created.identifier, status="pending"))


AgentAction = Callable[[Services, str | None, str], Account]
# POST /api/agents/{identifier}/<action>: what it does, its summary, the errors of its own.
ACTIONS: dict[str, tuple[AgentAction, str, tuple[int, ...]]] = {
    "temporary-password": (agents.send_temporary_password, "Envoyer un nouveau mot de passe temporaire", (404, 409)),
    "disable": (agents.disable, "Désactiver un agent", (404, 409)),
    "enable": (agents.enable, "Réactiver un agent", (404,)),
}


def _route(use_case: AgentAction) -> Callable[..., StatusResponse]:
    def act(identifier: Identifier, session: cookies.SessionToken = None) -> StatusResponse:
        return StatusResponse(status=use_case(container(), session, identifier).status)

    act.__name__ = use_case.__name__  # the operation's name in the OpenAPI document
    return act


for action, (use_case, summary, statuses) in ACTIONS.items():
    app.post(
        f"/api/agents/<identifier>/{action}",
        summary=summary,
        responses=answers(401, *statuses),
        middlewares=[no_body],
    )(_route(use_case))


@app.get("/api/journal", summary="Le journal de l'organisme", responses=answers(400, 401, 403, changes=False))
def journal(session: cookies.SessionToken = None, cursor: Cursor = None) -> JournalResponse:
    page = agents.journal(container(), session, cursor)
    return JournalResponse(events=[_event(e) for e in page.items], next_cursor=page.next_cursor)


lambda_handler = handler(app)
