//! After signing: termination with a reason (R19) and renewal, which re-runs the workflow for a
//! successor linked to its predecessor (R18); and the verification of an agreement signed
//! outside the system (R23). The lifecycle decides (`service::lifecycle`).

use actix_web::{web, HttpResponse};
use jalin_domain::access::Action;

use crate::caller::Caller;
use crate::concurrency::IfMatch;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::idempotency::IdempotencyKey;
use crate::openapi::responses::Conflict;
use crate::reply;
use crate::routes::agreements::AgreementDto;
use crate::routes::ids::AgreementId;
use crate::service::lifecycle::{self, TerminationRequest, VerificationRequest};

/// End an active agreement before its term, with a reason (R19); requires `If-Match`.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/termination",
    operation_id = "terminateAgreement",
    tag = "agreements",
    request_body = TerminationRequest,
    params(AgreementId, ("If-Match" = String, Header, description = "The agreement's ETag.")),
    responses(
        (status = 200, description = "Terminated.", body = AgreementDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn terminate(
    caller: Caller,
    if_match: IfMatch,
    id: AgreementId,
    body: ApiJson<TerminationRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    let r = caller
        .write(move |c, ctx| {
            lifecycle::terminate(c, ctx, &scope, &id, body.value, if_match.expected())
        })
        .await?;
    Ok(reply::ok_versioned(
        &r,
        AgreementDto::record(&r, caller.ctx.today()),
    ))
}

/// Renew an active or expired agreement: a successor draft linked to it (R18) whose approval
/// workflow starts at once — a renewal re-runs every stage.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/renewals",
    operation_id = "renewAgreement",
    tag = "agreements",
    params(("id" = String, Path, description = "The agreement to renew."), IdempotencyKey),
    responses(
        (status = 201, description = "The successor, in approval.", body = AgreementDto, headers(("ETag" = String), ("Location" = String))),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:write"]))
)]
pub async fn renew(
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::WriteAgreements)?;
    let id = path.into_inner();
    let fingerprint = format!("{{\"renew\":\"{id}\"}}");
    let cal = caller.state.calendar.clone();
    caller
        .idempotent(key, &fingerprint, move |c, ctx| {
            let r = lifecycle::renew(c, ctx, &cal, &scope, &id)?;
            let location = format!("/v1/agreements/{}", r.agreement.id);
            reply::created(location, &r, AgreementDto::record(&r, ctx.today()))
        })
        .await
}

/// Verify (or refuse, with a note) the approvals of an agreement signed on or after 13 July 2018
/// outside the system (R23, R9); requires `If-Match`. Central government only (a central
/// reviewer or an admin): the region that recorded it cannot. Verified, it is `active` (or
/// `expired`, past its end); refused, it stays `pending_verification` for its region to correct.
#[utoipa::path(
    post,
    path = "/v1/agreements/{id}/verification",
    operation_id = "verifyAgreement",
    tag = "agreements",
    request_body = VerificationRequest,
    params(AgreementId, ("If-Match" = String, Header, description = "The agreement's ETag.")),
    responses(
        (status = 200, description = "Decided.", body = AgreementDto, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []), ("client_credentials" = ["agreements:verify"]))
)]
pub async fn verify(
    caller: Caller,
    if_match: IfMatch,
    id: AgreementId,
    body: ApiJson<VerificationRequest>,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.may(Action::VerifyAgreements)?;
    let principal = caller.auth.0.clone();
    let r = caller
        .write(move |c, ctx| {
            lifecycle::verify(
                c,
                ctx,
                &principal,
                &scope,
                &id,
                body.value,
                if_match.expected(),
            )
        })
        .await?;
    Ok(reply::ok_versioned(
        &r,
        AgreementDto::record(&r, caller.ctx.today()),
    ))
}

super::operations! {
    terminate,
    renew,
    verify,
}
