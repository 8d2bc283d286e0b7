"""create_app(): settings, logging, routers, error handlers, middleware."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from uanl import __version__
from uanl.audit import listener
from uanl.core import db, ratelimit
from uanl.core.config import Settings, get_settings
from uanl.core.context import AuditContextMiddleware
from uanl.core.errors import install_error_handlers
from uanl.core.hardening import (
    BodyLimitMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
    cors_kwargs,
)
from uanl.core.logging import setup_logging
from uanl.core.middleware import RequestContextMiddleware
from uanl.core.nul_guard import RefuseNulMiddleware
from uanl.core.openapi import install_openapi
from uanl.core.security_events import SecurityEventsMiddleware
from uanl.health.probes import router as probes_router
from uanl.observability import metrics
from uanl.observability.middleware import observe_request
from uanl.observability.router import router as metrics_router
from uanl.routes import API_PREFIX, api_router
from uanl.web.router import install_console
from uanl.worker import configure_celery

DESCRIPTION = """
Mesa de servicio UANL: tickets con SLA, asignación automática, reportes, tableros y la
integración con IBM watsonx Orchestrate.

Autenticación: `POST /api/v1/auth/token` (OAuth2 password: `username` = e-mail) y
`Authorization: Bearer <token>`. Errores: RFC 9457 `application/problem+json`.
"""


def _warm_up_language_model() -> None:
    """Train the Watson intent model in the background, not on the first webhook call."""
    import threading

    from uanl.watson.nlu import warm_up

    threading.Thread(target=warm_up, name="nlu-warm-up", daemon=True).start()


def create_app(settings: Settings | None = None, *, configure_logging: bool = True) -> FastAPI:
    settings = settings or get_settings()
    if configure_logging:
        setup_logging(json=settings.is_production, level=settings.log_level)
    db.configure(settings)
    configure_celery(settings)  # tasks go to this deployment's broker / data dir
    if settings.watson_api_key:  # else the model is built on the first /watson/analyze
        _warm_up_language_model()
    settings.effective_secret_key()  # generate and warn at start-up, not on the first login
    settings.effective_data_keys()  # likewise the development encryption keys
    settings.effective_blind_index_key()
    app = FastAPI(
        title="UANL Service Desk API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=f"{API_PREFIX}/redoc",
        redirect_slashes=False,
    )
    install_error_handlers(app)
    app.add_middleware(RefuseNulMiddleware)  # innermost: `%00` in query/path -> 422
    install_security(app, settings)  # audit listener, rate limits, hardening (issue 7)
    app.state.settings = settings
    # Request id, access log, latency metric.
    app.add_middleware(RequestContextMiddleware, observe=observe_request)
    # Outermost: the client address and scheme from X-Forwarded-* of TRUSTED_PROXIES only,
    # for the rate limits and the audit log alike (`uanl serve` leaves uvicorn's own off).
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    metrics.configure(settings)
    app.include_router(api_router)
    app.include_router(probes_router)  # /livez, /readyz
    app.include_router(metrics_router)  # /metrics
    install_console(app)  # `/`: the operators' console (API docs stay at /api/v1/docs)
    install_openapi(app)  # errors are documented as problem+json
    return app


def install_security(app: FastAPI, settings: Settings) -> None:
    """Audit listener and the security middleware, outermost first after the request id:

    headers -> trusted host -> CORS -> body limit -> security counters -> rate limit ->
    audit context -> app. Refusals made early (400, 413, 429) still get the headers.
    """
    listener.install()
    limiter = ratelimit.configure(settings)
    # add_middleware puts each new one outside the previous: add innermost first.
    app.add_middleware(AuditContextMiddleware)
    app.add_middleware(ratelimit.RateLimitMiddleware, limiter=limiter)
    app.add_middleware(SecurityEventsMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    cors = cors_kwargs(settings)
    if cors is not None:
        app.add_middleware(CORSMiddleware, **cors)
    app.add_middleware(TrustedHostMiddleware, allowed=settings.allowed_host_list)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.is_production)
