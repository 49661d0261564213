//! The application: routes, middleware, the OpenAPI document and Swagger UI.

use crate::extract::{path_config, query_config};
use crate::guard::guard;
use crate::known_paths::KnownPaths;
use crate::openapi::{document_implied_errors, ApiDoc};
use crate::request_log::{log_request, REQUEST_ID};
use crate::routes;
use crate::state::AppState;
use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// Registers every documented route; shared by the server and by [`openapi_document`].
fn register_routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(scope("/api/v1").configure(routes::configure))
        .service(routes::ops::health)
        .service(routes::ops::ready)
        .service(routes::ops::metrics)
}

/// The OpenAPI document, exactly as the server serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    routes_and_document(App::new()).1
}

/// The app with every route, and the OpenAPI document of exactly those routes.
fn routes_and_document<T>(app: App<T>) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut api) = register_routes(app.into_utoipa_app()).split_for_parts();
    document_implied_errors(&mut api);
    (app, api)
}

/// The whole application for one worker thread.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config.cors_origins);
    let max_body_bytes = state.config.max_body_bytes;
    let http_metrics = state.metrics.http.clone();
    let (app, api) = routes_and_document(App::new());
    let known = KnownPaths::of(&api);
    app.app_data(web::Data::new(state))
        .app_data(web::Data::new(known.clone()))
        .app_data(web::PayloadConfig::new(max_body_bytes))
        .app_data(path_config())
        .app_data(query_config())
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .url(OPENAPI_PATH, api)
                // QA keeps its Authorize token across reloads.
                .config(utoipa_swagger_ui::Config::default().persist_authorization(true)),
        )
        .route(
            "/swagger-ui",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/swagger-ui/"))
                    .finish()
            }),
        )
        .default_service(web::to(move |request: HttpRequest| {
            let error = known.unrouted(request.path(), request.method());
            async move { Err::<HttpResponse, _>(error) }
        }))
        .wrap(cors)
        .wrap(http_metrics)
        .wrap(from_fn(guard))
        .wrap(from_fn(log_request))
}

/// Browsers may call the API from the configured origins (`*` for any).
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("x-api-key"),
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static(REQUEST_ID),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(REQUEST_ID),
        ])
        .max_age(3600);
    if origins.iter().any(|origin| origin == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}
