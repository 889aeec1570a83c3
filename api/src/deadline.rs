//! Slow clients (issue #18 item 6): a request whose headers arrived has
//! JALIN_BODY_TIMEOUT_SECONDS to deliver its body; past that, reading it fails, the answer is a
//! 408 `request_timeout` and the connection is closed. (The headers' own time is actix's
//! `client_request_timeout`, idle connections its `keep_alive`: startup.rs.)

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use bytes::Bytes;
use futures_util::Stream;

use crate::error::ApiError;

/// How long a request's body may take (app data).
#[derive(Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// A payload that fails once its deadline passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<actix_web::rt::time::Sleep>>,
    timed_out: Arc<AtomicBool>,
    done: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.done = true;
            self.timed_out.store(true, Ordering::Release);
            let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
            return Poll::Ready(Some(Err(PayloadError::Io(e))));
        }
        let next = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(None) = next {
            self.done = true;
        }
        next
    }
}

/// Puts a deadline on reading the body of a request that has one; answers 408 when it passed.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || (req.headers().get(header::CONTENT_LENGTH))
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    let limit = req.app_data::<BodyTimeout>().map(|t| t.0);
    let Some(limit) = limit.filter(|_| has_body) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let timed_out = Arc::new(AtomicBool::new(false));
    let payload = Deadline {
        inner: req.take_payload(),
        sleep: Box::pin(actix_web::rt::time::sleep(limit)),
        timed_out: timed_out.clone(),
        done: false,
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(payload),
    });
    let res = next.call(req).await?;
    if timed_out.load(Ordering::Acquire) {
        let answer = ApiError::RequestTimeout {
            seconds: limit.as_secs(),
        };
        return Ok(res.into_response(answer.error_response()));
    }
    Ok(res.map_into_boxed_body())
}
