//! The integration contract with SIOLA, SIMPEL and Exit Permit: the outbox's deliveries (read,
//! retry) and the systems' signed callbacks carrying acknowledgements and decisions.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use jalin_domain::access::Action;
use jalin_domain::travel::ExternalSystem;
use jalin_domain::RecordKind;
use jalin_persistence::outbox::{DeliveryFilter, DeliveryStatus, Message};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::Caller;
use crate::clock::Clock;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::openapi::responses::Conflict;
use crate::pagination::Paging;
use crate::reply;
use crate::routes::ids::DeliveryId;
use crate::service::integrations::{self, PermitCallback, Received};
use crate::signature;
use crate::state::AppState;

crate::mirror! {
    /// One message in the outbox (its payload, which carries personal data, is not shown).
    #[derive(Serialize, ToSchema)]
    pub struct Delivery from Message {
        /// Also the `Idempotency-Key` and `webhook-id` the receiver sees.
        pub id: String,
        /// `siola`, `simpel` or `exit_permit`.
        pub target: String,
        #[schema(example = "permit.requested")]
        pub kind: String,
        /// The travel request it is about.
        pub record_id: String,
        pub region_code: Option<String>,
        /// `pending`, `delivering`, `delivered`, `dead` (gave up; retry by hand) or `superseded`
        /// (the decision arrived another way).
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTime<Utc>,
        pub last_status: Option<i32>,
        pub last_error: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        pub delivered_at: Option<DateTime<Utc>>,
    }
}

crate::page_of!(DeliveryPage, Delivery);

#[derive(Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[param(pattern = "^(pending|delivering|delivered|dead|superseded)$")]
    pub status: Option<String>,
    #[param(pattern = "^(siola|simpel|exit_permit)$")]
    pub target: Option<String>,
    /// Only messages about this travel request.
    pub record_id: Option<String>,
}

/// `name`'s value, one of `allowed`.
fn one_of<T: Copy>(
    name: &str,
    value: Option<&str>,
    allowed: &[T],
    code: fn(T) -> &'static str,
) -> Result<Option<T>, ApiError> {
    let Some(v) = value else { return Ok(None) };
    allowed
        .iter()
        .copied()
        .find(|a| code(*a) == v)
        .map(Some)
        .ok_or_else(|| {
            let list = allowed
                .iter()
                .map(|a| code(*a))
                .collect::<Vec<_>>()
                .join(", ");
            ApiError::invalid_parameter(
                name,
                "invalid_value",
                format!("one of {list}"),
                format!("salah satu dari {list}"),
            )
        })
}

/// Messages to the external systems, newest first.
#[utoipa::path(
    get,
    path = "/v1/integrations/deliveries",
    operation_id = "listDeliveries",
    tag = "integrations",
    params(DeliveryQuery, Paging),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryPage),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn list(
    caller: Caller,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let status = one_of(
        "status",
        q.status.as_deref(),
        &DeliveryStatus::ALL,
        DeliveryStatus::as_str,
    )?;
    let target = one_of(
        "target",
        q.target.as_deref(),
        &ExternalSystem::ALL,
        ExternalSystem::as_str,
    )?;
    let page = paging.of("deliveries")?;
    let filter = DeliveryFilter {
        status,
        target: target.map(|t| t.as_str().to_owned()),
        record_id: q.record_id,
    };
    let (rows, next) = page
        .read(
            &caller.state,
            move |c, after, n| integrations::list(c, &vis, &filter, after, n),
            |m| m.id.clone(),
        )
        .await?;
    Ok(reply::ok(DeliveryPage::of(&rows, next)))
}

/// Send a message again: a dead one gets a fresh attempt budget; a delivered one is sent again
/// with the same idempotency key (the receiver deduplicates).
#[utoipa::path(
    post,
    path = "/v1/integrations/deliveries/{id}/retry",
    operation_id = "retryDelivery",
    tag = "integrations",
    params(DeliveryId),
    responses(
        (status = 200, description = "Queued again.", body = Delivery),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["integrations:write"]))
)]
pub async fn retry(caller: Caller, id: DeliveryId) -> Result<HttpResponse, ApiError> {
    let vis = caller.may(Action::ManageIntegrations)?;
    let m = caller
        .write(move |c, ctx| integrations::retry(c, ctx, &vis, &id))
        .await?;
    Ok(reply::ok(Delivery::from(&m)))
}

#[derive(Serialize, ToSchema)]
pub struct CallbackResult {
    /// `applied`, `recorded` (an acknowledgement), `stale` (the request is past that stage),
    /// `deferred` (it arrived before the request reached that stage; applied when it does) or
    /// `duplicate` (this message id was already received; nothing changed).
    pub outcome: String,
    /// For a duplicate: what the first delivery did.
    pub original_outcome: Option<String>,
    pub stage: Option<String>,
}

impl From<Received> for CallbackResult {
    fn from(r: Received) -> Self {
        match r {
            Received::Duplicate(first) => Self {
                outcome: "duplicate".into(),
                original_outcome: Some(first.as_str().into()),
                stage: None,
            },
            Received::Handled(outcome, stage) => Self {
                outcome: outcome.as_str().into(),
                original_outcome: None,
                stage: Some(stage.as_str().into()),
            },
        }
    }
}

/// The message id of a callback whose Standard Webhooks signature holds under one of the
/// system's secrets, sent as JSON.
fn verified(
    state: &AppState,
    req: &HttpRequest,
    system: ExternalSystem,
    body: &[u8],
) -> Result<String, ApiError> {
    let h = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let integrations = &state.config.integrations;
    let secrets = integrations
        .systems
        .get(&system)
        .map(|l| l.secrets.clone())
        .unwrap_or_default();
    if secrets.is_empty() {
        let why = format!("no secret is configured for {}", system.as_str());
        return Err(ApiError::InvalidSignature(why));
    }
    // Freshness is judged on the real clock, as the sender's is: a training instance's shifted
    // day would refuse every callback.
    let now = Clock::system().now().timestamp();
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    signature::verify(
        &secrets,
        id,
        ts,
        sig,
        body,
        now,
        integrations.tolerance_seconds,
    )
    .map_err(|e| ApiError::InvalidSignature(e.to_string()))?;
    let content_type = h(header::CONTENT_TYPE.as_str()).unwrap_or("");
    if !content_type.starts_with("application/json") {
        let found = Some(content_type.to_owned()).filter(|c| !c.is_empty());
        return Err(ApiError::UnsupportedMediaType { found });
    }
    match id.unwrap_or_default() {
        id if id.is_empty() || id.len() > 255 => Err(ApiError::InvalidSignature(
            "webhook-id must have 1 to 255 characters".into(),
        )),
        id => Ok(id.to_owned()),
    }
}

fn bad_body(e: serde_json::Error) -> ApiError {
    ApiError::invalid(
        "",
        "invalid_callback",
        format!("the callback does not follow the contract: {e}"),
        format!("callback tidak sesuai kontrak: {e}"),
    )
}

/// Receive a system's acknowledgement or decision. Authenticated twice: the system's service
/// account token (scope `integrations:{system}`) and the Standard Webhooks signature over
/// `webhook-id.webhook-timestamp.body`. Deduplicated by `webhook-id`; safe out of order.
#[utoipa::path(
    post,
    path = "/v1/integrations/{system}/callbacks",
    operation_id = "receiveCallback",
    tag = "integrations",
    request_body = PermitCallback,
    params(
        ("system" = String, Path, description = "`siola`, `simpel` or `exit-permit`.", pattern = "^(siola|simpel|exit-permit)$"),
        ("webhook-id" = String, Header, description = "The message id; a repeat is a duplicate."),
        ("webhook-timestamp" = String, Header, description = "Seconds since the epoch."),
        ("webhook-signature" = String, Header, description = "`v1,{base64 HMAC-SHA256}`, space-separated while keys rotate."),
    ),
    responses(
        (status = 200, description = "Received; what it did.", body = CallbackResult),
    ),
    security(("client_credentials" = ["integrations:siola", "integrations:simpel", "integrations:exit_permit"]))
)]
pub async fn callback(
    req: HttpRequest,
    caller: Caller,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let system = ExternalSystem::from_slug(&slug)
        .ok_or_else(|| ApiError::not_found(RecordKind::ExternalSystem, slug))?;
    caller.may(system.callback_permission())?;
    let message_id = verified(&caller.state, &req, system, &body)?;
    let callback: PermitCallback = serde_json::from_slice(&body).map_err(bad_body)?;
    let raw: Value = serde_json::from_slice(&body).map_err(bad_body)?;
    let config = caller.state.config.clone();
    let received = caller
        .write(move |c, ctx| {
            integrations::receive(c, ctx, &config, system, &message_id, callback, raw)
        })
        .await?;
    Ok(reply::ok(CallbackResult::from(received)))
}

super::operations! {
    list,
    retry,
    callback,
}
