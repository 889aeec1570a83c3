//! The caller of a request, as a handler needs it: who calls (each handler still authorizes
//! explicitly, `caller.may(Action::…)?`), the context its use cases run in ([`Ctx`]), and the
//! state to run them with. A handler then states only what is particular to it.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use jalin_domain::access::{Action, Visibility};
use jalin_persistence::DbConnection;

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::idempotency::{self, IdempotencyKey, JsonReply};
use crate::service::Ctx;
use crate::state::AppState;

/// An authenticated caller (401 without a valid token), with its context and the app state.
pub struct Caller {
    pub auth: Authenticated,
    pub ctx: Ctx,
    pub state: web::Data<AppState>,
    req: HttpRequest,
}

impl Caller {
    /// Where the caller may perform `action`: 403 when not at all.
    pub fn may(&self, action: Action) -> Result<Visibility, ApiError> {
        self.auth.may(action)
    }

    /// Runs read work off the async workers.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.state.db(f).await
    }

    /// Runs a use case in one write transaction, as the caller.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection, &Ctx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let ctx = self.ctx.clone();
        self.state.write(move |c| f(c, &ctx)).await
    }

    /// Runs a creating use case once per `Idempotency-Key` of this caller; `fingerprint` is the
    /// request body as canonical JSON (a retry with another body is refused).
    pub async fn idempotent(
        &self,
        key: IdempotencyKey,
        fingerprint: &str,
        f: impl FnOnce(&mut DbConnection, &Ctx) -> Result<JsonReply, ApiError> + Send + 'static,
    ) -> Result<HttpResponse, ApiError> {
        let (ctx, scope) = (self.ctx.clone(), &self.auth.0.id);
        idempotency::run(&self.state, &self.req, key, scope, fingerprint, move |c| {
            f(c, &ctx)
        })
        .await
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Authenticated::from_request(req, payload);
        let (state, req) = (req.app_data::<web::Data<AppState>>().cloned(), req.clone());
        Box::pin(async move {
            let auth = auth.await?;
            let mut state = state.ok_or_else(|| ApiError::internal("no app state"))?;
            if state.calendars.due_for_check() {
                let calendars = state.calendars.clone();
                // A failed check keeps the calendar in force; the next one comes soon.
                if let Err(e) = state.db(move |c| Ok(calendars.refresh(c)?)).await {
                    log::warn!("holiday calendar check failed: {e}");
                }
            }
            let current = state.calendars.current();
            if !std::sync::Arc::ptr_eq(&current, &state.calendar) {
                let mut snapshot = AppState::clone(&state);
                snapshot.calendar = current;
                state = web::Data::from(std::sync::Arc::new(snapshot));
            }
            let ctx = Ctx::of(&auth, &state);
            Ok(Caller {
                auth,
                ctx,
                state,
                req,
            })
        })
    }
}
