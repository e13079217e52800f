"""Forgotten identifier: POST /api/forgot-identifier."""

from cmi.container import container
from cmi.domain import recovery
from cmi.web.app import answers, resolver
from cmi.web.app import lambda_handler as handler
from cmi.web.models import ForgotIdentifierRequest, MessageResponse

app = resolver()


@app.post(
    "/api/forgot-identifier",
    summary="Recevoir par email les identifiants liés à une adresse",
    responses=answers(),
)
def forgot_identifier(body: ForgotIdentifierRequest) -> MessageResponse:
    return MessageResponse(message=recovery.forgot_identifier(container(), body.email))


lambda_handler = handler(app)
