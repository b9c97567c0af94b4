//! Delivering one webhook: the task's body, signed, POSTed to the recipient's endpoint
//! with no redirects followed, every attempt logged against the task.

use crate::db::queries::outbox::OutboxItem;
use crate::db::queries::{tasks, webhooks};
use crate::email::SendError;
use crate::state::AppState;
use crate::task_documents::webhook_body;
use crate::webhooks::{check_resolved, check_url, signature};

fn permanent(message: impl Into<String>) -> SendError {
    SendError { permanent: true, message: message.into() }
}

fn transient(message: impl Into<String>) -> SendError {
    SendError { permanent: false, message: message.into() }
}

/// Delivers the webhook queued as `item`.
pub async fn deliver(
    state: &AppState,
    http: &openidconnect::reqwest::Client,
    item: &OutboxItem,
) -> Result<(), SendError> {
    let task_id = serde_json::from_slice::<serde_json::Value>(&item.payload)
        .ok()
        .and_then(|v| v["task"].as_str().map(str::to_owned))
        .ok_or_else(|| permanent("webhook payload names no task"))?;
    let lookup = task_id.clone();
    let (recipient, task, endpoint) = state
        .db
        .run(move |c| {
            let Some((recipient, task)) = tasks::by_public_id(c, &lookup)? else { return Ok(None) };
            Ok(webhooks::endpoint(c, recipient)?.map(|e| (recipient, task, e)))
        })
        .await
        .map_err(|e| transient(e.to_string()))?
        .ok_or_else(|| permanent("the task or its webhook endpoint is gone"))?;
    let message_id = format!("msg_{}", item.id);
    let attempt = item.attempts + 1;
    let now = state.clock.now();
    let allow_private = state.settings.webhooks.allow_private_targets;

    let outcome: Result<u16, SendError> = async {
        let url = check_url(&endpoint.url, allow_private).map_err(permanent)?;
        let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<std::net::IpAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| transient(format!("cannot resolve {host}: {e}")))?
            .map(|a| a.ip())
            .collect();
        check_resolved(&url, &addresses, allow_private).map_err(permanent)?;
        let secret =
            state.keys.open(&endpoint.secret_enc).map_err(|_| permanent("the endpoint secret cannot be opened"))?;
        let secret = String::from_utf8(secret).map_err(|_| permanent("the endpoint secret is not text"))?;
        let body = serde_json::to_vec(&webhook_body(&task, &state.catalog)).map_err(|e| permanent(e.to_string()))?;
        let timestamp = now.unix_timestamp();
        let signed = signature(&secret, &message_id, timestamp, &body).ok_or_else(|| permanent("cannot sign"))?;
        let response = http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(body)
            .send()
            .await
            .map_err(|e| transient(format!("request failed: {e}")))?;
        Ok(response.status().as_u16())
    }
    .await;

    let (status, result) = match outcome {
        Ok(code @ 200..=299) => (Some(code), Ok(())),
        Ok(410) => (Some(410), Err(permanent("the receiver answered 410 Gone; endpoint disabled"))),
        Ok(code) => (Some(code), Err(transient(format!("the receiver answered {code}")))),
        Err(e) => (None, Err(e)),
    };
    let error = result.as_ref().err().map(|e| e.message.clone());
    let delivered = result.is_ok();
    let task_row = task.id;
    state
        .db
        .transaction(move |c| {
            webhooks::log(c, task_row, &message_id, attempt, status, error.as_deref(), delivered, now)?;
            if delivered {
                tasks::mark_delivered(c, task_row, now)?;
            }
            if status == Some(410) {
                webhooks::disable(c, recipient, now)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| transient(e.to_string()))?;
    tracing::info!(task = %task_id, attempt, status = status.map(i64::from).unwrap_or(-1), delivered, "webhook attempt");
    result
}
