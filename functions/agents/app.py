"""The référent area (SPEC §9): GET/POST /api/agents, POST /api/agents/{identifier}/…, GET /api/journal."""

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from cmi.container import container
from cmi.domain import agents
from cmi.domain.model import Account, JournalEvent
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

app = resolver()
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the previous page")]
Identifier = Annotated[str, Path(max_length=64, description="identifiant de l'agent")]


def _iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def _view(agent: Account) -> AgentView:
    return AgentView(
        identifier=agent.identifier,
        first_name=agent.first_name,
        last_name=agent.last_name,
        email=agent.email,
        role=agent.role,
        status=agent.status,
        created_at=_iso(agent.created_at) or "",
        last_login_at=_iso(agent.last_login_at),
    )


def _event(event: JournalEvent) -> JournalEventView:
    at = _iso(event.at) or ""
    return JournalEventView(at=at, actor=event.actor, action=event.action, target=event.target, detail=event.detail)


@app.get("/api/agents", summary="Les agents de l'organisme", responses=answers(401, 403, changes=False))
def list_agents(session: cookies.SessionToken = None, cursor: Cursor = None) -> AgentsResponse:
    page = agents.list_agents(container(), session, cursor)
    return AgentsResponse(agents=[_view(a) for a in page.items], next_cursor=page.next_cursor)


@app.post("/api/agents", summary="Créer un profil", responses=answers(401, success=201))
def create_profile(body: CreateProfileRequest, session: cookies.SessionToken = None) -> Response[CreatedResponse]:
    created = agents.create_profile(container(), session, body.first_name, body.last_name, body.email)
    return Response(201, body=CreatedResponse(identifier=created.identifier, status="pending"))


@app.post(
    "/api/agents/<identifier>/temporary-password",
    summary="Envoyer un nouveau mot de passe temporaire",
    responses=answers(401, 404, 409),
    middlewares=[no_body],
)
def send_temporary_password(identifier: Identifier, session: cookies.SessionToken = None) -> StatusResponse:
    return StatusResponse(status=agents.send_temporary_password(container(), session, identifier).status)


@app.post(
    "/api/agents/<identifier>/disable",
    summary="Désactiver un agent",
    responses=answers(401, 404, 409),
    middlewares=[no_body],
)
def disable(identifier: Identifier, session: cookies.SessionToken = None) -> StatusResponse:
    return StatusResponse(status=agents.disable(container(), session, identifier).status)


@app.post(
    "/api/agents/<identifier>/enable",
    summary="Réactiver un agent",
    responses=answers(401, 404),
    middlewares=[no_body],
)
def enable(identifier: Identifier, session: cookies.SessionToken = None) -> StatusResponse:
    return StatusResponse(status=agents.enable(container(), session, identifier).status)


@app.get("/api/journal", summary="Le journal de l'organisme", responses=answers(401, 403, changes=False))
def journal(session: cookies.SessionToken = None, cursor: Cursor = None) -> JournalResponse:
    page = agents.journal(container(), session, cursor)
    return JournalResponse(events=[_event(e) for e in page.items], next_cursor=page.next_cursor)


lambda_handler = handler(app)
